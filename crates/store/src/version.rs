//! Versions: immutable, numbered from 1, each with its time, author, message, kind
//! and the codes it touched.

use citygrid_model::UnitCode;
use jiff::Timestamp;

use crate::text::text_names;

/// How a version came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VersionKind {
    /// Version 1, the partition the store was created from.
    Init,
    /// Edit operations (transfer, split, merge, ...).
    Edit,
    /// A new version equal to an older one.
    Revert,
    /// A whole partition read from a file (a QGIS round trip) and diffed.
    Import,
}

impl VersionKind {
    /// Every kind.
    pub const ALL: [VersionKind; 4] = [
        VersionKind::Init,
        VersionKind::Edit,
        VersionKind::Revert,
        VersionKind::Import,
    ];

    /// The lowercase name, as stored.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            VersionKind::Init => "init",
            VersionKind::Edit => "edit",
            VersionKind::Revert => "revert",
            VersionKind::Import => "import",
        }
    }
}

text_names!(VersionKind, "version kind");

/// One version: who made it, when, why, and which codes it touched.
///
/// `changed`, `created` and `retired` are derived by the store from what the commit
/// really did (an upsert equal to the unit it replaces changes nothing), each sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct VersionInfo {
    /// Its number, from 1.
    pub version: u64,
    /// When it was committed, to the millisecond (never before the previous version).
    pub created_at: Timestamp,
    /// Who committed it (a token's name, or the command line's `--author`).
    pub author: String,
    /// Why.
    pub message: String,
    /// How.
    pub kind: VersionKind,
    /// The version it was made from (`None` for version 1).
    pub base: Option<u64>,
    /// Codes that existed before and whose unit changed.
    pub changed: Vec<UnitCode>,
    /// Codes that appeared.
    pub created: Vec<UnitCode>,
    /// Codes that disappeared.
    pub retired: Vec<UnitCode>,
    /// The accepted request (the edit log), as the caller gave it.
    pub request: Option<serde_json::Value>,
    /// For a revert, the version it restored.
    pub reverted_to: Option<u64>,
}
