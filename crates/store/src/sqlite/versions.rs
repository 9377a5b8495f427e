//! Rows of `citygrid_versions`: one per version, written by its commit, never changed.

use citygrid_model::UnitCode;
use rusqlite::{Connection, OptionalExtension, Row};

use crate::error::{Result, StoreError};
use crate::sqlite::sql_error::At;
use crate::time;
use crate::version::VersionInfo;

/// The columns [`read`] expects, in order.
const COLUMNS: &str = "version, created_at, author, message, kind, base, changed, created, retired, request, reverted_to";

/// The head: the newest version (0 in a store being created).
///
/// # Errors
/// SQLite's error.
pub(crate) fn head(tx: &Connection) -> rusqlite::Result<u64> {
    tx.prepare_cached("SELECT coalesce(max(version), 0) FROM citygrid_versions")?
        .query_row([], |r| r.get::<_, i64>(0))
        .map(to_u64)
}

/// One version's record.
///
/// # Errors
/// [`StoreError::NotFound`] naming the head; [`StoreError::Corrupt`].
pub(crate) fn one(tx: &Connection, store: &str, version: u64) -> Result<VersionInfo> {
    let found = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM citygrid_versions WHERE version = ?1"
        ))
        .and_then(|mut s| s.query_row([to_i64(version)], read).optional())
        .at(store)?;
    match found {
        Some(info) => info.map_err(|reason| corrupt(store, version, reason)),
        None => Err(StoreError::NotFound {
            store: store.to_string(),
            version,
            head: head(tx).at(store)?,
        }),
    }
}

/// Up to `limit` versions before `before`, newest first.
///
/// # Errors
/// SQLite's error; [`StoreError::Corrupt`].
pub(crate) fn page(
    tx: &Connection,
    store: &str,
    before: Option<u64>,
    limit: usize,
) -> Result<Vec<VersionInfo>> {
    let before = before.map_or(i64::MAX, to_i64);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut statement = tx
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM citygrid_versions WHERE version < ?1 ORDER BY version DESC LIMIT ?2"
        ))
        .at(store)?;
    let rows = statement
        .query_map([before, limit], |r| Ok((r.get::<_, i64>(0)?, read(r)?)))
        .at(store)?;
    rows.map(|row| {
        let (version, info) = row.at(store)?;
        info.map_err(|reason| corrupt(store, to_u64(version), reason))
    })
    .collect()
}

/// Writes a new version's record.
///
/// # Errors
/// SQLite's error.
pub(crate) fn insert(tx: &Connection, info: &VersionInfo) -> rusqlite::Result<()> {
    tx.prepare_cached(&format!(
        "INSERT INTO citygrid_versions ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    ))?
    .execute(rusqlite::params![
        to_i64(info.version),
        time::format(info.created_at),
        info.author,
        info.message,
        info.kind.as_str(),
        info.base.map(to_i64),
        codes_json(&info.changed),
        codes_json(&info.created),
        codes_json(&info.retired),
        info.request.as_ref().map(ToString::to_string),
        info.reverted_to.map(to_i64),
    ])?;
    Ok(())
}

/// A version number as SQLite stores it (versions never come near 2^63).
pub(crate) fn to_i64(version: u64) -> i64 {
    i64::try_from(version).unwrap_or(i64::MAX)
}

/// A stored version number (never negative).
pub(crate) fn to_u64(version: i64) -> u64 {
    u64::try_from(version).unwrap_or(0)
}

/// Codes as a JSON array of strings.
pub(crate) fn codes_json(codes: &[UnitCode]) -> String {
    serde_json::Value::from(codes.iter().map(UnitCode::as_str).collect::<Vec<_>>()).to_string()
}

/// Codes from a JSON array of strings.
///
/// # Errors
/// What is wrong with the text.
pub(crate) fn codes_from_json(text: &str) -> std::result::Result<Vec<UnitCode>, String> {
    let codes: Vec<String> = serde_json::from_str(text).map_err(|e| e.to_string())?;
    codes
        .iter()
        .map(|c| c.parse().map_err(|e| format!("{e}")))
        .collect()
}

fn corrupt(store: &str, version: u64, reason: String) -> StoreError {
    StoreError::Corrupt {
        store: store.to_string(),
        what: format!("version {version}"),
        reason,
    }
}

/// Reads a record; the inner error says what cannot be decoded.
fn read(r: &Row) -> rusqlite::Result<std::result::Result<VersionInfo, String>> {
    let created_at: String = r.get(1)?;
    let kind: String = r.get(4)?;
    let (changed, created, retired): (String, String, String) = (r.get(6)?, r.get(7)?, r.get(8)?);
    let request: Option<String> = r.get(9)?;
    let (version, author, message) = (r.get::<_, i64>(0)?, r.get(2)?, r.get(3)?);
    let (base, reverted_to) = (r.get::<_, Option<i64>>(5)?, r.get::<_, Option<i64>>(10)?);
    let decoded = || -> std::result::Result<VersionInfo, String> {
        Ok(VersionInfo {
            version: to_u64(version),
            created_at: time::parse(&created_at)?,
            author,
            message,
            kind: kind.parse()?,
            base: base.map(to_u64),
            changed: codes_from_json(&changed)?,
            created: codes_from_json(&created)?,
            retired: codes_from_json(&retired)?,
            request: request
                .map(|r| serde_json::from_str(&r).map_err(|e| format!("request: {e}")))
                .transpose()?,
            reverted_to: reverted_to.map(to_u64),
        })
    };
    Ok(decoded())
}
