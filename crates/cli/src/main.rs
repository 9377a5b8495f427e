//! `citygrid`: the command-line face of citygrid. Each subcommand lives in
//! `commands/`; the logic lives in the library crates.

mod commands;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// citygrid: build, check, serve and export the grid-cell partition of a city.
///
/// A city is divided into districts, townships, villages and grid cells that must
/// cover it completely, without gaps or overlaps, with unique codes. citygrid checks
/// such partitions and says exactly where they break those rules, and repairs the
/// small breaks itself.
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
    Build(commands::build::BuildArgs),
    Check(commands::check::CheckArgs),
    Commit(commands::commit::CommitArgs),
    Convert(commands::convert::ConvertArgs),
    Diff(commands::diff::DiffArgs),
    Export(commands::export::ExportArgs),
    Fix(commands::fix::FixArgs),
    History(commands::history::HistoryArgs),
    Layer(commands::layer::LayerArgs),
    Revert(commands::revert::RevertArgs),
    Serve(commands::serve::ServeArgs),
    Staff(commands::staff::StaffArgs),
    Store(commands::store::StoreArgs),
    Tileset(commands::tileset::TilesetArgs),
    Token(commands::token::TokenArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let level = match cli.verbose {
        0 => "warn",
        1 => "info",
        _ => "debug",
    };
    // geo warns of the invalid rings it meets ("encountered invalid ring"); the
    // checker reports each with its unit and place, so those lines are noise.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(format!("{level},geo=error")));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Build(args) => commands::build::run(&args),
        Command::Check(args) => commands::check::run(&args),
        Command::Commit(args) => commands::commit::run(&args),
        Command::Convert(args) => commands::convert::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Diff(args) => commands::diff::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Export(args) => commands::export::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Fix(args) => commands::fix::run(&args),
        Command::History(args) => commands::history::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Layer(args) => commands::layer::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Revert(args) => commands::revert::run(&args),
        Command::Serve(args) => commands::serve::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Staff(args) => commands::staff::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Store(args) => commands::store::run(&args),
        Command::Tileset(args) => commands::tileset::run(&args).map(|()| ExitCode::SUCCESS),
        Command::Token(args) => commands::token::run(&args).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("citygrid: error: {}", message(&e));
            ExitCode::from(2)
        }
    }
}

/// The error and its causes, each once: library errors often already say their
/// cause ("x.geojson: No such file or directory"), and repeating it confuses.
fn message(e: &anyhow::Error) -> String {
    let mut text = e.to_string();
    for cause in e.chain().skip(1) {
        let c = cause.to_string();
        if !text.contains(&c) {
            text.push_str(": ");
            text.push_str(&c);
        }
    }
    text
}
