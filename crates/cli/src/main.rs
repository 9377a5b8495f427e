//! `citygrid`: the command-line face of citygrid. Each subcommand lives in
//! `commands/`; the logic lives in the library crates.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// citygrid: build, check, serve and export the grid-cell partition of a city.
///
/// A city is divided into districts, townships, villages and grid cells that must
/// cover it completely, without gaps or overlaps, with unique codes. citygrid checks
/// such partitions and says exactly where they break those rules.
#[derive(Debug, Parser)]
#[command(name = "citygrid", version, propagate_version = true)]
struct Cli {
    /// More log output on stderr (-v: info, -vv: debug). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Check(commands::check::CheckArgs),
    Convert(commands::convert::ConvertArgs),
    Export(commands::export::ExportArgs),
    Serve(commands::serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Check(args) => commands::check::run(&args),
        Command::Convert(args) => commands::convert::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Export(args) => commands::export::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Serve(args) => commands::serve::run(&args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("citygrid: error: {e:#}");
            ExitCode::from(2)
        }
    }
}
