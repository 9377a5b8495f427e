//! The read path: partitions, differences, histories and lineage, each inside one
//! `REPEATABLE READ` transaction (one snapshot), so no answer mixes two versions.

use std::sync::Arc;

use citygrid_model::{CodeLayout, Partition, Unit, UnitCode};
use jiff::Timestamp;

use crate::changes::UnitChanges;
use crate::error::{Result, StoreError};
use crate::history::{LineageEvent, UnitRecord};
use crate::postgis::pool::{Tx, to_i64, to_u64};
use crate::postgis::units::{self, ALIVE_AT, COLUMNS};
use crate::postgis::versions;
use crate::time;

/// The whole partition as of `version`.
///
/// # Errors
/// [`StoreError::NotFound`]; [`StoreError::Corrupt`] for a row that cannot be
/// decoded; [`StoreError::Partition`] when the rows do not form a partition.
pub(crate) fn load(tx: &mut Tx<'_>, layout: &CodeLayout, version: u64) -> Result<Partition> {
    exists(tx, version)?;
    // The current rows and the rows that ended after `version`: each half through the
    // index on valid_to, so a long history costs the head nothing.
    let sql = format!(
        "SELECT {COLUMNS} FROM citygrid_units WHERE valid_to IS NULL AND valid_from <= $1 \
         UNION ALL SELECT {COLUMNS} FROM citygrid_units WHERE valid_to > $1 AND valid_from <= $1"
    );
    let rows = tx.query(&sql, &[&to_i64(version)])?;
    let units = rows
        .iter()
        .map(|r| units::read(tx, r, 0).map(Arc::new))
        .collect::<Result<Vec<_>>>()?;
    Partition::from_shared(units, layout.clone(), version).map_err(|source| StoreError::Partition {
        store: tx.store.to_string(),
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
pub(crate) fn changes(tx: &mut Tx<'_>, from: u64, to: u64) -> Result<UnitChanges> {
    exists(tx, from)?;
    exists(tx, to)?;
    let rows = tx.query(&alive_not(COLUMNS, to, from), &[&to_i64(to), &to_i64(from)])?;
    let upserts = rows
        .iter()
        .map(|r| units::read(tx, r, 0))
        .collect::<Result<Vec<Unit>>>()?;
    let gone = tx.query(&alive_not("code", from, to), &[&to_i64(from), &to_i64(to)])?;
    let mut removed = Vec::new();
    for row in &gone {
        let code: &str = tx.get(row, 0)?;
        if upserts
            .binary_search_by(|u| u.code.as_str().cmp(code))
            .is_err()
        {
            removed.push(parse_code(tx.store, code)?);
        }
    }
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
/// [`StoreError::Postgres`]; [`StoreError::Corrupt`].
pub(crate) fn unit_history(tx: &mut Tx<'_>, code: &UnitCode) -> Result<Vec<UnitRecord>> {
    let sql = format!(
        "SELECT valid_from, valid_to, {COLUMNS} FROM citygrid_units WHERE code = $1 ORDER BY valid_from"
    );
    let rows = tx.query(&sql, &[&code.as_str()])?;
    rows.iter()
        .map(|r| {
            Ok(UnitRecord {
                valid_from: to_u64(tx.get(r, 0)?),
                valid_to: tx.get::<Option<i64>>(r, 1)?.map(to_u64),
                unit: units::read(tx, r, 2)?,
            })
        })
        .collect()
}

/// The lineage events a code took part in, oldest first.
///
/// # Errors
/// [`StoreError::Postgres`]; [`StoreError::Corrupt`].
pub(crate) fn lineage(tx: &mut Tx<'_>, code: &UnitCode) -> Result<Vec<LineageEvent>> {
    let rows = tx.query(
        "SELECT l.version, l.event, l.kind, l.side, l.code FROM citygrid_lineage l \
         JOIN (SELECT DISTINCT version, event FROM citygrid_lineage WHERE code = $1) e \
         ON l.version = e.version AND l.event = e.event \
         ORDER BY l.version, l.event, l.side DESC, l.code",
        &[&code.as_str()],
    )?;
    let mut events: Vec<(i32, LineageEvent)> = Vec::new();
    for row in &rows {
        let (version, event): (i64, i32) = (tx.get(row, 0)?, tx.get(row, 1)?);
        let (kind, side, code): (&str, &str, &str) =
            (tx.get(row, 2)?, tx.get(row, 3)?, tx.get(row, 4)?);
        let code = parse_code(tx.store, code)?;
        let same = events
            .last()
            .is_some_and(|(e, l)| *e == event && l.version == to_u64(version));
        if !same {
            let kind = kind.parse().map_err(|reason| StoreError::Corrupt {
                store: tx.store.to_string(),
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
                l.from.push(code);
            } else {
                l.to.push(code);
            }
        }
    }
    Ok(events.into_iter().map(|(_, l)| l).collect())
}

/// The last version created at or before `t` (to the millisecond, as stored).
///
/// # Errors
/// [`StoreError::Postgres`].
pub(crate) fn version_at(tx: &mut Tx<'_>, t: Timestamp) -> Result<Option<u64>> {
    let row = tx.query_one(
        "SELECT max(version) FROM citygrid_versions WHERE created_at <= $1",
        &[&time::truncate(t)],
    )?;
    Ok(tx.get::<Option<i64>>(&row, 0)?.map(to_u64))
}

/// Whether a code was ever part of a version.
///
/// # Errors
/// [`StoreError::Postgres`].
pub(crate) fn code_ever_used(tx: &mut Tx<'_>, code: &UnitCode) -> Result<bool> {
    Ok(tx
        .query_opt(
            "SELECT 1 FROM citygrid_codes WHERE code = $1",
            &[&code.as_str()],
        )?
        .is_some())
}

/// [`StoreError::NotFound`] unless `version` is between 1 and the head.
fn exists(tx: &mut Tx<'_>, version: u64) -> Result<()> {
    let head = versions::head(tx)?;
    if version == 0 || version > head {
        return Err(StoreError::NotFound {
            store: tx.store.to_string(),
            version,
            head,
        });
    }
    Ok(())
}

/// The rows alive at version `a` (parameter 1) and not at `b` (parameter 2), unless
/// the row alive at `b` holds the same unit (as after a revert), sorted by code.
/// Only rows that began after `b` (when `a > b`) or ended by `b` (when `a < b`) can
/// be, and the index on that column finds just those. Geometry compares by its
/// bytes: every coordinate bit for bit.
fn alive_not(columns: &str, a: u64, b: u64) -> String {
    let range = if a > b {
        "valid_from > $2 AND valid_from <= $1"
    } else {
        "valid_to > $1 AND valid_to <= $2"
    };
    let at_b = ALIVE_AT.replace("$1", "$2");
    format!(
        "SELECT {columns} FROM citygrid_units u WHERE {range} AND {ALIVE_AT} AND NOT ({at_b}) \
         AND NOT EXISTS (SELECT 1 FROM citygrid_units o WHERE o.code = u.code AND {} \
           AND o.name = u.name AND o.parent IS NOT DISTINCT FROM u.parent \
           AND o.attributes_text = u.attributes_text \
           AND ST_AsEWKB(o.geom) = ST_AsEWKB(u.geom)) \
         ORDER BY code COLLATE \"C\"",
        at_b.replace("valid_", "o.valid_")
    )
}

fn parse_code(store: &str, code: &str) -> Result<UnitCode> {
    code.parse().map_err(|e| StoreError::Corrupt {
        store: store.to_string(),
        what: format!("code {code:?}"),
        reason: format!("{e}"),
    })
}
