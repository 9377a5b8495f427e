//! Rows of `citygrid_staff` and `citygrid_staff_revisions`: the staff registry,
//! versioned like units. A person's row is never changed but for its `valid_to`: a
//! change closes it and writes the new state, so the registry as of any revision
//! can be read back.

use std::collections::{HashMap, HashSet};

use citygrid_model::{StaffMember, StaffRole, UnitCode};
use rusqlite::{Connection, OptionalExtension, params};

use crate::dataset::{StaffChange, StaffRoster};
use crate::error::{Result, StoreError};
use crate::sqlite::entities::bump;
use crate::sqlite::sql_error::At;
use crate::time;

/// The registry at `revision` (the newest when `None`).
///
/// # Errors
/// [`StoreError::DatasetRefused`] for a revision after the newest.
pub(crate) fn roster(tx: &Connection, store: &str, revision: Option<u64>) -> Result<StaffRoster> {
    let newest = newest(tx).at(store)?;
    let revision = revision.unwrap_or(newest);
    if revision > newest {
        return Err(refused(
            store,
            format!("staff revision {revision} does not exist (the newest is {newest})"),
        ));
    }
    let mut stmt = tx
        .prepare_cached(
            "SELECT id, name, role, phone, cells FROM citygrid_staff
             WHERE valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1) ORDER BY id",
        )
        .at(store)?;
    let rows = stmt
        .query_map([revision as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
            ))
        })
        .at(store)?;
    let mut members = Vec::new();
    for row in rows {
        let (id, name, role, phone, cells) = row.at(store)?;
        let corrupt = |reason: String| StoreError::Corrupt {
            store: store.to_string(),
            what: format!("staff {id:?}"),
            reason,
        };
        let role =
            StaffRole::parse(&role).ok_or_else(|| corrupt(format!("unknown role {role:?}")))?;
        let cells: Vec<String> =
            serde_json::from_str(&cells).map_err(|e| corrupt(e.to_string()))?;
        let cells = cells
            .iter()
            .map(|c| c.parse::<UnitCode>().map_err(|e| corrupt(e.to_string())))
            .collect::<Result<Vec<UnitCode>>>()?;
        members.push(StaffMember {
            id,
            name,
            role,
            phone,
            cells,
        });
    }
    Ok(StaffRoster { revision, members })
}

fn newest(tx: &Connection) -> rusqlite::Result<u64> {
    tx.prepare_cached("SELECT coalesce(max(revision), 0) FROM citygrid_staff_revisions")?
        .query_row([], |r| r.get::<_, i64>(0))
        .map(|v| v as u64)
}

/// Applies a change as the next revision.
///
/// # Errors
/// [`StoreError::DatasetRefused`] listing the first problem; nothing is written.
pub(crate) fn commit(tx: &Connection, store: &str, change: StaffChange) -> Result<StaffRoster> {
    check(tx, store, &change)?;
    let revision = newest(tx).at(store)? + 1;
    tx.execute(
        "INSERT INTO citygrid_staff_revisions (revision, created_at, author, message) VALUES (?1, ?2, ?3, ?4)",
        params![revision as i64, time::format(time::now()), change.author, change.message],
    )
    .at(store)?;
    let alive = roster(tx, store, None)?;
    let alive: HashMap<&str, &StaffMember> =
        alive.members.iter().map(|m| (m.id.as_str(), m)).collect();
    let close = |id: &str| {
        tx.prepare_cached(
            "UPDATE citygrid_staff SET valid_to = ?2 WHERE id = ?1 AND valid_to IS NULL",
        )
        .and_then(|mut s| s.execute(params![id, revision as i64]))
        .at(store)
    };
    let kept: HashSet<&str> = change.upsert.iter().map(|m| m.id.as_str()).collect();
    for id in &change.remove {
        close(id)?;
    }
    if change.replace_all {
        for id in alive.keys().filter(|id| !kept.contains(*id)) {
            close(id)?;
        }
    }
    let mut insert = tx
        .prepare_cached(
            "INSERT INTO citygrid_staff (id, name, role, phone, cells, valid_from) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )
        .at(store)?;
    for m in &change.upsert {
        if alive.get(m.id.as_str()) == Some(&m) {
            continue;
        }
        close(&m.id)?;
        let cells: Vec<&str> = m.cells.iter().map(UnitCode::as_str).collect();
        insert
            .execute(params![
                m.id,
                m.name,
                m.role.as_str(),
                m.phone,
                serde_json::to_string(&cells).unwrap_or_default(),
                revision as i64
            ])
            .at(store)?;
    }
    bump(tx).at(store)?;
    roster(tx, store, Some(revision))
}

fn check(tx: &Connection, store: &str, change: &StaffChange) -> Result<()> {
    let refuse = |reason: String| refused(store, reason);
    let mut seen = HashSet::new();
    let mut is_cell = tx
        .prepare_cached(
            "SELECT 1 FROM citygrid_units WHERE code = ?1 AND level = 'cell' AND valid_to IS NULL",
        )
        .at(store)?;
    for m in &change.upsert {
        if m.id.trim().is_empty() || m.name.trim().is_empty() {
            return Err(refuse(format!("person {:?} needs an id and a name", m.id)));
        }
        if !seen.insert(m.id.as_str()) {
            return Err(refuse(format!("person {:?} appears twice", m.id)));
        }
        for code in &m.cells {
            let found = is_cell
                .query_row([code.as_str()], |_| Ok(()))
                .optional()
                .at(store)?;
            if found.is_none() {
                return Err(refuse(format!(
                    "person {:?} serves {code}, which is not a cell of the head version",
                    m.id
                )));
            }
        }
    }
    let mut alive = tx
        .prepare_cached("SELECT 1 FROM citygrid_staff WHERE id = ?1 AND valid_to IS NULL")
        .at(store)?;
    for id in &change.remove {
        if alive
            .query_row([id], |_| Ok(()))
            .optional()
            .at(store)?
            .is_none()
        {
            return Err(refuse(format!("no person {id:?} to remove")));
        }
    }
    Ok(())
}

fn refused(store: &str, reason: String) -> StoreError {
    StoreError::DatasetRefused {
        store: store.to_string(),
        what: "the staff registry".into(),
        reason,
    }
}
