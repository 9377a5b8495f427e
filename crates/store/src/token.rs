//! Access tokens: a role, an optional district scope, and a secret the store never
//! keeps. Only the SHA-256 of the secret is stored, so a copy of the store (or of
//! its backups) cannot be used to sign in; 256 random bits make the unsalted hash
//! safe, as there is nothing to guess.

use citygrid_model::UnitCode;
use jiff::Timestamp;
use sha2::{Digest, Sha256};

use crate::text::text_names;

/// What a token may do. Ordered: each role may do what the ones below it may.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Role {
    /// Reads (when the server requires a token for them).
    Viewer,
    /// Reads and edits (within its district, when it has one).
    Editor,
    /// Everything, tokens and reverts included.
    Admin,
}

impl Role {
    /// Every role, lowest first.
    pub const ALL: [Role; 3] = [Role::Viewer, Role::Editor, Role::Admin];

    /// The lowercase name, as stored and typed on the command line.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }
}

text_names!(Role, "role");

/// A token as the store knows it: everything but the secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenInfo {
    /// Its unique name, recorded as the author of every commit made with it.
    pub name: String,
    /// What it may do.
    pub role: Role,
    /// The district it is limited to, if any.
    pub district: Option<UnitCode>,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it was revoked; a revoked token verifies no more.
    pub revoked_at: Option<Timestamp>,
}

/// Secrets start with this, so that one pasted into the wrong place is recognisable.
const PREFIX: &str = "cg_";

/// A new secret: the prefix and 32 random bytes in hex.
///
/// # Errors
/// The operating system's error when it has no random bytes.
pub(crate) fn new_secret() -> Result<String, getrandom::Error> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{PREFIX}{}", hex(&bytes)))
}

/// The SHA-256 of a secret, in hex: what the store keeps and looks secrets up by.
pub(crate) fn hash(secret: &str) -> String {
    hex(&Sha256::digest(secret.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Why a token name cannot be used, if it cannot: names are shown in logs and
/// history, so they are short single lines.
pub(crate) fn name_problem(name: &str) -> Option<&'static str> {
    if name.trim().is_empty() {
        Some("the name is empty")
    } else if name.chars().count() > 64 {
        Some("the name is longer than 64 characters")
    } else if name.chars().any(char::is_control) || name.trim() != name {
        Some("the name has control characters or leading or trailing spaces")
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_random_and_hashed() {
        let (a, b) = (new_secret().unwrap(), new_secret().unwrap());
        assert_ne!(a, b);
        assert_eq!(a.len(), PREFIX.len() + 64);
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn roles_parse_and_order() {
        assert_eq!("Editor".parse::<Role>(), Ok(Role::Editor));
        assert!("owner".parse::<Role>().is_err());
        assert!(Role::Viewer < Role::Editor && Role::Editor < Role::Admin);
    }

    #[test]
    fn names_are_single_short_lines() {
        assert_eq!(name_problem("hotline bot"), None);
        assert!(name_problem(" ").is_some());
        assert!(name_problem("a\nb").is_some());
        assert!(name_problem(&"x".repeat(65)).is_some());
    }
}
