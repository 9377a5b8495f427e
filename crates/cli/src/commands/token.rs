//! `citygrid token`: access tokens of a store, for the server's edit API.

use anyhow::Result;
use clap::{Args, Subcommand};

use citygrid_model::UnitCode;
use citygrid_store::{Role, TokenInfo};

/// Create, revoke and list the access tokens of a store.
///
/// A token is a role (viewer reads, editor edits, admin does everything, tokens
/// and reverts included), optionally limited to one district, and a secret that
/// clients send as `Authorization: Bearer SECRET`. The store keeps only the
/// secret's SHA-256, so the secret is printed once, when the token is made: keep it
/// then. Every commit records the name of the token that made it, so names are
/// never reused, even after a revocation.
///
/// Examples:
///
///   citygrid token create --store guiyang.gpkg --role editor --district 520102 --name "南明 GIS"
///
///   TOKEN=$(citygrid token create --store guiyang.gpkg --role viewer --name dashboard)
///
///   citygrid token revoke --store guiyang.gpkg --name dashboard
///
///   citygrid token list --store guiyang.gpkg
#[derive(Debug, Args)]
#[command(verbatim_doc_comment)]
pub struct TokenArgs {
    #[command(subcommand)]
    pub what: TokenCommand,
}

/// What to do with tokens.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print its secret, alone on standard output, this once.
    Create {
        /// The store: a .gpkg file or a postgres:// URL.
        #[arg(long)]
        store: String,
        /// viewer, editor or admin.
        #[arg(long)]
        role: Role,
        /// Limit the token to this district (its code); not for admin.
        #[arg(long)]
        district: Option<UnitCode>,
        /// A unique name: who or what uses it (commits record it).
        #[arg(long)]
        name: String,
    },
    /// Revoke a token for good.
    Revoke {
        /// The store: a .gpkg file or a postgres:// URL.
        #[arg(long)]
        store: String,
        /// The token's name.
        #[arg(long)]
        name: String,
    },
    /// List every token (never their secrets).
    List {
        /// The store: a .gpkg file or a postgres:// URL.
        #[arg(long)]
        store: String,
    },
}

/// Runs the chosen token command.
pub fn run(args: &TokenArgs) -> Result<()> {
    match &args.what {
        TokenCommand::Create {
            store,
            role,
            district,
            name,
        } => {
            let (token, secret) =
                citygrid_store::open(store)?.create_token(name, *role, district.clone())?;
            crate::commands::print(&format!("{secret}\n"))?;
            eprintln!(
                "citygrid: created token {:?} ({}); its secret above is shown only now: keep it",
                token.name,
                scope(&token)
            );
            Ok(())
        }
        TokenCommand::Revoke { store, name } => {
            let token = citygrid_store::open(store)?.revoke_token(name)?;
            crate::commands::print(&format!(
                "revoked token {:?} ({}) at {}\n",
                token.name,
                scope(&token),
                token.revoked_at.map(|t| t.to_string()).unwrap_or_default()
            ))
        }
        TokenCommand::List { store } => {
            let tokens = citygrid_store::open(store)?.tokens()?;
            let mut text = format!("{:<24} {:<28} {:<26} revoked\n", "name", "role", "created");
            for t in &tokens {
                text.push_str(&format!(
                    "{:<24} {:<28} {:<26} {}\n",
                    t.name,
                    scope(t),
                    t.created_at,
                    t.revoked_at.map_or("-".to_string(), |r| r.to_string())
                ));
            }
            if tokens.is_empty() {
                text.push_str("(no tokens: make one with `citygrid token create`)\n");
            }
            crate::commands::print(&text)
        }
    }
}

/// "editor of district 520102", "viewer".
fn scope(token: &TokenInfo) -> String {
    match &token.district {
        Some(d) => format!("{} of district {d}", token.role),
        None => token.role.to_string(),
    }
}
