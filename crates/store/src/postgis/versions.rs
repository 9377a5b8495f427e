//! Rows of `citygrid_versions`: one per version, written by its commit, never changed.

use citygrid_model::UnitCode;
use postgres::Row;

use crate::error::{Result, StoreError};
use crate::postgis::pool::{Tx, to_i64, to_u64};
use crate::version::VersionInfo;

/// The columns [`read`] expects, in order.
const COLUMNS: &str = "version, created_at, author, message, kind, base, changed, created, retired, request, reverted_to";

/// The head as this transaction sees it (0 in a store being created).
///
/// # Errors
/// [`StoreError::Postgres`].
pub(crate) fn head(tx: &mut Tx<'_>) -> Result<u64> {
    let row = tx.query_one("SELECT version FROM citygrid_head", &[])?;
    Ok(to_u64(tx.get(&row, 0)?))
}

/// One version's record.
///
/// # Errors
/// [`StoreError::NotFound`] naming the head; [`StoreError::Corrupt`].
pub(crate) fn one(tx: &mut Tx<'_>, version: u64) -> Result<VersionInfo> {
    let sql = format!("SELECT {COLUMNS} FROM citygrid_versions WHERE version = $1");
    match tx.query_opt(&sql, &[&to_i64(version)])? {
        Some(row) => read(tx, &row),
        None => Err(StoreError::NotFound {
            store: tx.store.to_string(),
            version,
            head: head(tx)?,
        }),
    }
}

/// Up to `limit` versions before `before`, newest first.
///
/// # Errors
/// [`StoreError::Postgres`]; [`StoreError::Corrupt`].
pub(crate) fn page(tx: &mut Tx<'_>, before: Option<u64>, limit: usize) -> Result<Vec<VersionInfo>> {
    let before = before.map_or(i64::MAX, to_i64);
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let sql = format!(
        "SELECT {COLUMNS} FROM citygrid_versions WHERE version < $1 ORDER BY version DESC LIMIT $2"
    );
    let rows = tx.query(&sql, &[&before, &limit])?;
    rows.iter().map(|r| read(tx, r)).collect()
}

/// Writes a new version's record.
///
/// # Errors
/// [`StoreError::Postgres`].
pub(crate) fn insert(tx: &mut Tx<'_>, info: &VersionInfo) -> Result<()> {
    let sql = format!(
        "INSERT INTO citygrid_versions ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
    );
    tx.execute(
        &sql,
        &[
            &to_i64(info.version),
            &info.created_at,
            &info.author,
            &info.message,
            &info.kind.as_str(),
            &info.base.map(to_i64),
            &codes(&info.changed),
            &codes(&info.created),
            &codes(&info.retired),
            &info.request,
            &info.reverted_to.map(to_i64),
        ],
    )?;
    Ok(())
}

/// Codes as a `text[]`.
pub(crate) fn codes(codes: &[UnitCode]) -> Vec<&str> {
    codes.iter().map(UnitCode::as_str).collect()
}

/// Codes from a `text[]`.
///
/// # Errors
/// The first code that does not parse.
pub(crate) fn parse_codes(codes: Vec<String>) -> std::result::Result<Vec<UnitCode>, String> {
    codes
        .iter()
        .map(|c| c.parse().map_err(|e| format!("{e}")))
        .collect()
}

fn read(tx: &Tx<'_>, r: &Row) -> Result<VersionInfo> {
    let version: i64 = tx.get(r, 0)?;
    let kind: String = tx.get(r, 4)?;
    let (changed, created, retired): (Vec<String>, Vec<String>, Vec<String>) =
        (tx.get(r, 6)?, tx.get(r, 7)?, tx.get(r, 8)?);
    let (base, reverted_to): (Option<i64>, Option<i64>) = (tx.get(r, 5)?, tx.get(r, 10)?);
    let decoded = || -> std::result::Result<VersionInfo, String> {
        Ok(VersionInfo {
            version: to_u64(version),
            created_at: tx.get(r, 1).map_err(|e| e.to_string())?,
            author: tx.get(r, 2).map_err(|e| e.to_string())?,
            message: tx.get(r, 3).map_err(|e| e.to_string())?,
            kind: kind.parse()?,
            base: base.map(to_u64),
            changed: parse_codes(changed)?,
            created: parse_codes(created)?,
            retired: parse_codes(retired)?,
            request: tx.get(r, 9).map_err(|e| e.to_string())?,
            reverted_to: reverted_to.map(to_u64),
        })
    };
    decoded().map_err(|reason| StoreError::Corrupt {
        store: tx.store.to_string(),
        what: format!("version {version}"),
        reason,
    })
}
