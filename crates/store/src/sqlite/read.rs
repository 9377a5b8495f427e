//! The read path: partitions, differences, histories and lineage, each inside one
//! read transaction (one WAL snapshot), so no answer mixes two versions.

use std::sync::Arc;

use citygrid_model::{CodeLayout, Partition, Unit, UnitCode};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params_from_iter};

use crate::changes::UnitChanges;
use crate::error::{Result, StoreError};
use crate::history::{LineageEvent, UnitRecord};
use crate::sqlite::sql_error::At;
use crate::sqlite::units::{self, ALIVE_AT, COLUMNS};
use crate::sqlite::versions::{self, to_i64, to_u64};
use crate::time;

/// The whole partition as of `version`.
///
/// # Errors
/// [`StoreError::NotFound`]; [`StoreError::Corrupt`] for a row that cannot be
/// decoded; [`StoreError::Partition`] when the rows do not form a partition.
pub(crate) fn load(
    tx: &Connection,
    store: &str,
    layout: &CodeLayout,
    version: u64,
) -> Result<Partition> {
    exists(tx, store, version)?;
    // The current rows and the rows that ended after `version`: each half through the
    // index on valid_to, so a long history costs the head nothing.
    let sql = format!(
        "SELECT {COLUMNS} FROM citygrid_units WHERE valid_to IS NULL AND valid_from <= ?1 \
         UNION ALL SELECT {COLUMNS} FROM citygrid_units WHERE valid_to > ?1 AND valid_from <= ?1"
    );
    let units = query_units(tx, store, &sql, &[version])?;
    Partition::from_shared(
        units.into_iter().map(Arc::new).collect(),
        layout.clone(),
        version,
    )
    .map_err(|source| StoreError::Partition {
        store: store.to_string(),
        version,
        source,
    })
}

/// What turns `from` into `to`. A row alive at `to` and not at `from` is an upsert
/// (rows never change, so a row alive at both is a unit both hold); a code alive at
/// `from` with no row alive at `to` is removed.
///
/// # Errors
/// [`StoreError::NotFound`] for either version; [`StoreError::Corrupt`].
pub(crate) fn changes(tx: &Connection, store: &str, from: u64, to: u64) -> Result<UnitChanges> {
    exists(tx, store, from)?;
    exists(tx, store, to)?;
    let upserts = query_units(tx, store, &alive_not(COLUMNS, to, from), &[to, from])?;
    let mut statement = tx.prepare(&alive_not("code", from, to)).at(store)?;
    let gone: Vec<String> = statement
        .query_map([to_i64(from), to_i64(to)], |r| r.get(0))
        .at(store)?
        .collect::<rusqlite::Result<_>>()
        .at(store)?;
    let removed = gone
        .into_iter()
        .filter(|code| {
            upserts
                .binary_search_by(|u| u.code.as_str().cmp(code))
                .is_err()
        })
        .map(|code| parse_code(store, &code))
        .collect::<Result<Vec<_>>>()?;
    Ok(UnitChanges {
        from,
        to,
        upserts,
        removed,
    })
}

/// Every row a code has had, oldest first.
///
/// # Errors
/// SQLite's error; [`StoreError::Corrupt`].
pub(crate) fn unit_history(
    tx: &Connection,
    store: &str,
    code: &UnitCode,
) -> Result<Vec<UnitRecord>> {
    let mut statement = tx
        .prepare_cached(&format!(
            "SELECT valid_from, valid_to, {COLUMNS} FROM citygrid_units WHERE code = ?1 ORDER BY valid_from"
        ))
        .at(store)?;
    let rows = statement
        .query_map([code.as_str()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, Option<i64>>(1)?,
                units::read(r, 2)?,
            ))
        })
        .at(store)?;
    rows.map(|row| {
        let (from, to, unit) = row.at(store)?;
        Ok(UnitRecord {
            unit: unit.map_err(|e| corrupt(store, e))?,
            valid_from: to_u64(from),
            valid_to: to.map(to_u64),
        })
    })
    .collect()
}

/// The lineage events a code took part in, oldest first.
///
/// # Errors
/// SQLite's error; [`StoreError::Corrupt`].
pub(crate) fn lineage(tx: &Connection, store: &str, code: &UnitCode) -> Result<Vec<LineageEvent>> {
    let mut statement = tx
        .prepare_cached(
            "SELECT l.version, l.event, l.kind, l.side, l.code FROM citygrid_lineage l \
             JOIN (SELECT DISTINCT version, event FROM citygrid_lineage WHERE code = ?1) e \
             ON l.version = e.version AND l.event = e.event \
             ORDER BY l.version, l.event, l.side DESC, l.code",
        )
        .at(store)?;
    let rows = statement
        .query_map([code.as_str()], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .at(store)?;
    let mut events: Vec<(i64, LineageEvent)> = Vec::new();
    for row in rows {
        let (version, event, kind, side, code) = row.at(store)?;
        let code = parse_code(store, &code)?;
        let same = events
            .last()
            .is_some_and(|(e, l)| *e == event && l.version == to_u64(version));
        if !same {
            let kind = kind.parse().map_err(|reason| StoreError::Corrupt {
                store: store.to_string(),
                what: format!("lineage of version {version}"),
                reason,
            })?;
            events.push((
                event,
                LineageEvent {
                    version: to_u64(version),
                    kind,
                    from: Vec::new(),
                    to: Vec::new(),
                },
            ));
        }
        if let Some((_, l)) = events.last_mut() {
            if side == "from" {
                l.from.push(code)
            } else {
                l.to.push(code)
            }
        }
    }
    Ok(events.into_iter().map(|(_, l)| l).collect())
}

/// The last version created at or before `t`.
///
/// # Errors
/// SQLite's error.
pub(crate) fn version_at(tx: &Connection, store: &str, t: Timestamp) -> Result<Option<u64>> {
    tx.prepare_cached("SELECT max(version) FROM citygrid_versions WHERE created_at <= ?1")
        .and_then(|mut s| s.query_row([time::format(t)], |r| r.get::<_, Option<i64>>(0)))
        .map(|v| v.map(to_u64))
        .at(store)
}

/// Whether a code was ever part of a version.
///
/// # Errors
/// SQLite's error.
pub(crate) fn code_ever_used(tx: &Connection, store: &str, code: &UnitCode) -> Result<bool> {
    tx.prepare_cached("SELECT 1 FROM citygrid_codes WHERE code = ?1")
        .and_then(|mut s| s.query_row([code.as_str()], |_| Ok(())).optional())
        .map(|found| found.is_some())
        .at(store)
}

/// [`StoreError::NotFound`] unless `version` is between 1 and the head.
fn exists(tx: &Connection, store: &str, version: u64) -> Result<()> {
    let head = versions::head(tx).at(store)?;
    if version == 0 || version > head {
        return Err(StoreError::NotFound {
            store: store.to_string(),
            version,
            head,
        });
    }
    Ok(())
}

/// The rows alive at version `a` (parameter 1) and not at `b` (parameter 2), unless
/// the row alive at `b` holds the same unit (as after a revert), sorted by code.
/// Only rows that began after `b` (when `a > b`) or ended by `b` (when `a < b`) can
/// be, and the index on that column finds just those.
fn alive_not(columns: &str, a: u64, b: u64) -> String {
    let range = if a > b {
        "valid_from > ?2 AND valid_from <= ?1"
    } else {
        "valid_to > ?1 AND valid_to <= ?2"
    };
    let at_b = ALIVE_AT.replace("?1", "?2");
    format!(
        "SELECT {columns} FROM citygrid_units u WHERE {range} AND {ALIVE_AT} AND NOT ({at_b}) \
         AND NOT EXISTS (SELECT 1 FROM citygrid_units o WHERE o.code = u.code AND {} \
           AND o.name = u.name AND o.parent IS u.parent AND o.attributes = u.attributes \
           AND o.geom = u.geom) \
         ORDER BY code",
        at_b.replace("valid_", "o.valid_")
    )
}

/// The units a query with version parameters `versions` selects (in [`COLUMNS`]).
fn query_units(tx: &Connection, store: &str, sql: &str, versions: &[u64]) -> Result<Vec<Unit>> {
    let mut statement = tx.prepare_cached(sql).at(store)?;
    let rows = statement
        .query_map(params_from_iter(versions.iter().map(|&v| to_i64(v))), |r| {
            units::read(r, 0)
        })
        .at(store)?;
    rows.map(|row| row.at(store)?.map_err(|e| corrupt(store, e)))
        .collect()
}

fn parse_code(store: &str, code: &str) -> Result<UnitCode> {
    code.parse().map_err(|e| StoreError::Corrupt {
        store: store.to_string(),
        what: format!("code {code:?}"),
        reason: format!("{e}"),
    })
}

fn corrupt(store: &str, (what, reason): (String, String)) -> StoreError {
    StoreError::Corrupt {
        store: store.to_string(),
        what,
        reason,
    }
}
