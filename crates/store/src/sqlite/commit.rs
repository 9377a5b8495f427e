//! The write path: version 1 from a partition, and each later commit, inside one
//! `BEGIN IMMEDIATE` transaction that also checks the base is still the head. Every
//! check comes before the first write, and a refusal drops the transaction, so a
//! refused commit leaves the file as it was.

use std::collections::BTreeSet;

use citygrid_model::{Level, Partition, Unit, UnitCode};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::commit::{Commit, Refusal};
use crate::error::{Result, StoreError};
use crate::sqlite::sql_error::At;
use crate::sqlite::units::{self, ALIVE_AT, Encoded};
use crate::sqlite::versions::{self, to_i64, to_u64};
use crate::sqlite::{layers, time};
use crate::version::{VersionInfo, VersionKind};

/// At most this many children are named when a removal would orphan them.
const ORPHANS_NAMED: usize = 5;

/// Writes `partition` as version 1 of a new store.
///
/// # Errors
/// [`StoreError::Refused`] for attributes or geometry that cannot be stored.
pub(crate) fn initial(
    tx: &Connection,
    store: &str,
    partition: &Partition,
    (author, message): (&str, &str),
    now: Timestamp,
) -> Result<VersionInfo> {
    let mut encoded = Vec::with_capacity(partition.units().len());
    let mut problems = Vec::new();
    for unit in partition.units() {
        match units::encode(unit) {
            Ok(e) => encoded.push(e),
            Err(p) => problems.push(p),
        }
    }
    if !problems.is_empty() {
        return Err(refused(store, 0, problems));
    }
    let rows: Vec<layers::Row> = partition
        .units()
        .iter()
        .zip(&encoded)
        .map(|(u, e)| row(u, e))
        .collect();
    let write = || -> rusqlite::Result<()> {
        for (unit, enc) in partition.units().iter().zip(&encoded) {
            units::insert(tx, unit, enc, 1)?;
            record_code(tx, unit, 1)?;
        }
        layers::upsert(tx, &rows, 1, &time::format(now))
    };
    write().at(store)?;
    let info = VersionInfo {
        version: 1,
        created_at: now,
        author: author.to_string(),
        message: message.to_string(),
        kind: VersionKind::Init,
        base: None,
        changed: Vec::new(),
        created: partition
            .units()
            .iter()
            .map(|u| u.code.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
        retired: Vec::new(),
        request: None,
        reverted_to: None,
    };
    versions::insert(tx, &info).at(store)?;
    Ok(info)
}

/// A unit's current row, as far as deciding what an upsert does needs it.
struct Current {
    id: i64,
    level: Level,
    same: bool,
}

/// Checks `commit` against the head and writes it as the next version. `encoded`
/// holds the stored form of each upsert, in order.
///
/// # Errors
/// [`StoreError::Conflict`] when the base is not the head; [`StoreError::Refused`]
/// with every structural problem.
pub(crate) fn commit(
    tx: &Connection,
    store: &str,
    commit: Commit,
    encoded: &[Encoded],
) -> Result<VersionInfo> {
    let head = versions::head(tx).at(store)?;
    if commit.base != head {
        return Err(StoreError::Conflict {
            store: store.to_string(),
            base: commit.base,
            head,
        });
    }
    let mut problems = Vec::new();
    let upserted: FxHashMap<&UnitCode, &Unit> =
        commit.upserts.iter().map(|u| (&u.code, u)).collect();
    let removed: FxHashSet<&UnitCode> = commit.removed.iter().collect();

    // What each upsert does: change a unit, create one, or nothing.
    let (mut changed, mut created) = (Vec::new(), Vec::new());
    for (i, (unit, enc)) in commit.upserts.iter().zip(encoded).enumerate() {
        match current(tx, unit, enc).at(store)? {
            Some(c) if c.level != unit.level => problems.push(Refusal::LevelChanged {
                code: unit.code.clone(),
                was: c.level,
                now: unit.level,
            }),
            Some(c) if c.same => {}
            Some(c) => changed.push((i, c.id)),
            None => match retired_in(tx, &unit.code).at(store)? {
                Some(retired_in) if !revives(tx, &commit, &unit.code).at(store)? => {
                    problems.push(Refusal::CodeReused {
                        code: unit.code.clone(),
                        retired_in,
                    });
                }
                _ => created.push(i),
            },
        }
    }
    let mut retired = Vec::new();
    for code in &commit.removed {
        match alive_level(tx, code).at(store)? {
            Some(level) => retired.push((code, level)),
            None => problems.push(Refusal::NotAlive { code: code.clone() }),
        }
    }

    // Parents that will exist, children that will not be left behind, cells left.
    for unit in &commit.upserts {
        let Some(parent) = &unit.parent else { continue };
        let level = match upserted.get(parent) {
            Some(p) => Some(p.level),
            None if removed.contains(parent) => None,
            None => alive_level(tx, parent).at(store)?,
        };
        match level {
            None => problems.push(Refusal::MissingParent {
                code: unit.code.clone(),
                parent: parent.clone(),
            }),
            Some(l) if l >= unit.level => problems.push(Refusal::ParentLevel {
                code: unit.code.clone(),
                level: unit.level,
                parent: parent.clone(),
                parent_level: l,
            }),
            Some(_) => {}
        }
    }
    for (code, _) in &retired {
        let children: Vec<UnitCode> = alive_children(tx, code)
            .at(store)?
            .into_iter()
            .filter(|c| !removed.contains(c) && !upserted.contains_key(c))
            .take(ORPHANS_NAMED)
            .collect();
        if !children.is_empty() {
            problems.push(Refusal::Orphans {
                parent: (*code).clone(),
                children,
            });
        }
    }
    let cells_removed = retired.iter().filter(|(_, l)| *l == Level::Cell).count();
    let cells_created = created
        .iter()
        .any(|&i| commit.upserts[i].level == Level::Cell);
    if cells_removed > 0
        && !cells_created
        && !cell_survives(tx, &removed, cells_removed).at(store)?
    {
        problems.push(Refusal::NoCells);
    }

    // Lineage against the base: codes living on are there, new codes are new.
    let created_codes: FxHashSet<&UnitCode> =
        created.iter().map(|&i| &commit.upserts[i].code).collect();
    for l in &commit.lineage {
        for code in l.kept() {
            if alive_level(tx, code).at(store)?.is_none() {
                problems.push(l.refusal(&format!("{code} is not in the base version")));
            }
        }
        for code in l.created() {
            if upserted.contains_key(code) && !created_codes.contains(code) {
                problems.push(l.refusal(&format!("{code} is created but exists already")));
            }
        }
    }
    if problems.is_empty() && changed.is_empty() && created.is_empty() && retired.is_empty() {
        problems.push(Refusal::Empty);
    }
    if !problems.is_empty() {
        return Err(refused(store, commit.base, problems));
    }

    // Nothing refused: write the version.
    let version = head + 1;
    let v = to_i64(version);
    let last: String = tx
        .query_row(
            "SELECT created_at FROM citygrid_versions WHERE version = ?1",
            [to_i64(head)],
            |r| r.get(0),
        )
        .at(store)?;
    // Never before the previous version, so times order versions even if the clock
    // steps back, and "the version at t" stays one answer.
    let now = time::parse(&last).map_or(time::now(), |last| last.max(time::now()));
    let now_text = time::format(now);
    let written: Vec<usize> = changed
        .iter()
        .map(|&(i, _)| i)
        .chain(created.iter().copied())
        .collect();
    let write = || -> rusqlite::Result<()> {
        for &(i, id) in &changed {
            tx.prepare_cached("UPDATE citygrid_units SET valid_to = ?2 WHERE id = ?1")?
                .execute([id, v])?;
            units::insert(tx, &commit.upserts[i], &encoded[i], v)?;
        }
        for &i in &created {
            units::insert(tx, &commit.upserts[i], &encoded[i], v)?;
            record_code(tx, &commit.upserts[i], v)?;
        }
        for (code, level) in &retired {
            tx.prepare_cached(
                "UPDATE citygrid_units SET valid_to = ?2 WHERE code = ?1 AND valid_to IS NULL",
            )?
            .execute(rusqlite::params![code.as_str(), v])?;
            tx.prepare_cached("UPDATE citygrid_codes SET retired_in = ?2 WHERE code = ?1")?
                .execute(rusqlite::params![code.as_str(), v])?;
            layers::delete(tx, *level, code.as_str(), &now_text)?;
        }
        let rows: Vec<layers::Row> = written
            .iter()
            .map(|&i| row(&commit.upserts[i], &encoded[i]))
            .collect();
        layers::upsert(tx, &rows, version, &now_text)?;
        for (event, l) in commit.lineage.iter().enumerate() {
            let sides = l
                .from
                .iter()
                .map(|c| ("from", c))
                .chain(l.to.iter().map(|c| ("to", c)));
            for (side, code) in sides {
                tx.prepare_cached(
                    "INSERT OR IGNORE INTO citygrid_lineage (version, event, kind, side, code) \
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                )?
                .execute(rusqlite::params![
                    v,
                    event as i64,
                    l.kind.as_str(),
                    side,
                    code.as_str()
                ])?;
            }
        }
        Ok(())
    };
    write().at(store)?;
    let sorted = |codes: Vec<&UnitCode>| -> Vec<UnitCode> {
        codes
            .into_iter()
            .cloned()
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect()
    };
    let info = VersionInfo {
        version,
        created_at: now,
        changed: sorted(
            changed
                .iter()
                .map(|&(i, _)| &commit.upserts[i].code)
                .collect(),
        ),
        created: sorted(created.iter().map(|&i| &commit.upserts[i].code).collect()),
        retired: sorted(retired.iter().map(|(c, _)| *c).collect()),
        author: commit.author,
        message: commit.message,
        kind: commit.kind,
        base: Some(commit.base),
        request: commit.request,
        reverted_to: commit.reverted_to,
    };
    versions::insert(tx, &info).at(store)?;
    Ok(info)
}

pub(crate) fn refused(store: &str, base: u64, problems: Vec<Refusal>) -> StoreError {
    StoreError::Refused {
        store: store.to_string(),
        base,
        problems,
    }
}

fn row<'a>(unit: &'a Unit, enc: &'a Encoded) -> layers::Row<'a> {
    layers::Row {
        unit,
        attributes: &enc.attributes,
        geom: &enc.geom,
        envelope: enc.envelope,
    }
}

/// The current row of `unit`'s code, and whether it already holds exactly `unit`.
fn current(tx: &Connection, unit: &Unit, enc: &Encoded) -> rusqlite::Result<Option<Current>> {
    tx.prepare_cached(
        "SELECT id, level, parent, name, attributes, geom FROM citygrid_units \
         WHERE code = ?1 AND valid_to IS NULL",
    )?
    .query_row([unit.code.as_str()], |r| {
        let same = r.get_ref(2)?.as_str_or_null()? == unit.parent.as_ref().map(UnitCode::as_str)
            && r.get_ref(3)?.as_str()? == unit.name
            && r.get_ref(4)?.as_str()? == enc.attributes
            && r.get_ref(5)?.as_blob()? == enc.geom.as_slice();
        Ok(Current {
            id: r.get(0)?,
            level: units::level(r, 1)?,
            same,
        })
    })
    .optional()
}

/// The level of a code alive at the head.
fn alive_level(tx: &Connection, code: &UnitCode) -> rusqlite::Result<Option<Level>> {
    tx.prepare_cached("SELECT level FROM citygrid_units WHERE code = ?1 AND valid_to IS NULL")?
        .query_row([code.as_str()], |r| units::level(r, 0))
        .optional()
}

/// `Some(retired_in)` when the code was ever used (`retired_in` is `None` while it is
/// alive); `None` for a code never seen.
fn retired_in(tx: &Connection, code: &UnitCode) -> rusqlite::Result<Option<Option<u64>>> {
    tx.prepare_cached("SELECT retired_in FROM citygrid_codes WHERE code = ?1")?
        .query_row([code.as_str()], |r| {
            Ok(r.get::<_, Option<i64>>(0)?.map(to_u64))
        })
        .optional()
}

/// Whether a revert brings `code` back: it was alive in the version restored.
fn revives(tx: &Connection, commit: &Commit, code: &UnitCode) -> rusqlite::Result<bool> {
    let (VersionKind::Revert, Some(to)) = (commit.kind, commit.reverted_to) else {
        return Ok(false);
    };
    tx.prepare_cached(&format!(
        "SELECT 1 FROM citygrid_units WHERE code = ?2 AND {ALIVE_AT}"
    ))?
    .query_row(rusqlite::params![to_i64(to), code.as_str()], |_| Ok(()))
    .optional()
    .map(|found| found.is_some())
}

fn alive_children(tx: &Connection, code: &UnitCode) -> rusqlite::Result<Vec<UnitCode>> {
    let mut statement = tx.prepare_cached(
        "SELECT code FROM citygrid_units WHERE parent = ?1 AND valid_to IS NULL ORDER BY code",
    )?;
    let codes = statement.query_map([code.as_str()], |r| r.get::<_, String>(0))?;
    codes
        .map(|c| c.map(|c| c.parse().ok()))
        .filter_map(Result::transpose)
        .collect()
}

/// Whether a cell stays alive when `removed` (of which `cells` are cells) goes.
fn cell_survives(
    tx: &Connection,
    removed: &FxHashSet<&UnitCode>,
    cells: usize,
) -> rusqlite::Result<bool> {
    let mut statement = tx.prepare_cached(
        "SELECT code FROM citygrid_units WHERE valid_to IS NULL AND level = 'cell' LIMIT ?1",
    )?;
    let alive = statement.query_map([i64::try_from(cells + 1).unwrap_or(i64::MAX)], |r| {
        r.get::<_, String>(0)
    })?;
    for code in alive {
        let code = code?;
        if !removed.iter().any(|r| r.as_str() == code) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Records a code's first use; a revert that brings a code back clears its retirement.
fn record_code(tx: &Connection, unit: &Unit, version: i64) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO citygrid_codes (code, level, first_version) VALUES (?1, ?2, ?3) \
         ON CONFLICT (code) DO UPDATE SET retired_in = NULL",
    )?
    .execute(rusqlite::params![
        unit.code.as_str(),
        unit.level.as_str(),
        version
    ])?;
    Ok(())
}
