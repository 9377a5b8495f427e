//! Rows of `citygrid_staff` and `citygrid_staff_revisions`: the staff registry,
//! versioned like units. A person's row is never changed but for its `valid_to`: a
//! change closes it and writes the new state, so the registry as of any revision
//! can be read back.

use std::collections::{HashMap, HashSet};

use citygrid_model::{StaffMember, StaffRole, UnitCode};

use crate::dataset::{StaffChange, StaffRoster};
use crate::error::{Result, StoreError};
use crate::postgis::entities::bump;
use crate::postgis::pool::{Tx, to_i64, to_u64};
use crate::time;

/// The registry at `revision` (the newest when `None`).
///
/// # Errors
/// [`StoreError::DatasetRefused`] for a revision after the newest.
pub(crate) fn roster(tx: &mut Tx<'_>, revision: Option<u64>) -> Result<StaffRoster> {
    let newest = newest(tx)?;
    let revision = revision.unwrap_or(newest);
    if revision > newest {
        return Err(refused(
            tx.store,
            format!("staff revision {revision} does not exist (the newest is {newest})"),
        ));
    }
    let rows = tx.query(
        "SELECT id, name, role, phone, cells FROM citygrid_staff \
         WHERE valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1) ORDER BY id COLLATE \"C\"",
        &[&to_i64(revision)],
    )?;
    let mut members = Vec::with_capacity(rows.len());
    for row in &rows {
        let id: String = tx.get(row, 0)?;
        let role: &str = tx.get(row, 2)?;
        let cells: Vec<String> = tx.get(row, 4)?;
        let corrupt = |reason: String| StoreError::Corrupt {
            store: tx.store.to_string(),
            what: format!("staff {id:?}"),
            reason,
        };
        let role =
            StaffRole::parse(role).ok_or_else(|| corrupt(format!("unknown role {role:?}")))?;
        let cells = cells
            .iter()
            .map(|c| c.parse::<UnitCode>().map_err(|e| corrupt(e.to_string())))
            .collect::<Result<Vec<UnitCode>>>()?;
        members.push(StaffMember {
            name: tx.get(row, 1)?,
            phone: tx.get(row, 3)?,
            id,
            role,
            cells,
        });
    }
    Ok(StaffRoster { revision, members })
}

fn newest(tx: &mut Tx<'_>) -> Result<u64> {
    let row = tx.query_one(
        "SELECT coalesce(max(revision), 0) FROM citygrid_staff_revisions",
        &[],
    )?;
    Ok(to_u64(tx.get(&row, 0)?))
}

/// Applies a change as the next revision.
///
/// # Errors
/// [`StoreError::DatasetRefused`] naming the first problem; nothing is written.
pub(crate) fn commit(tx: &mut Tx<'_>, change: StaffChange) -> Result<StaffRoster> {
    check(tx, &change)?;
    let revision = to_i64(newest(tx)? + 1);
    tx.execute(
        "INSERT INTO citygrid_staff_revisions (revision, created_at, author, message) \
         VALUES ($1, $2, $3, $4)",
        &[&revision, &time::now(), &change.author, &change.message],
    )?;
    let alive = roster(tx, None)?;
    let alive: HashMap<&str, &StaffMember> =
        alive.members.iter().map(|m| (m.id.as_str(), m)).collect();
    let close = |tx: &mut Tx<'_>, id: &str| {
        tx.execute(
            "UPDATE citygrid_staff SET valid_to = $2 WHERE id = $1 AND valid_to IS NULL",
            &[&id, &revision],
        )
    };
    let kept: HashSet<&str> = change.upsert.iter().map(|m| m.id.as_str()).collect();
    for id in &change.remove {
        close(tx, id)?;
    }
    if change.replace_all {
        for id in alive.keys().filter(|id| !kept.contains(*id)) {
            close(tx, id)?;
        }
    }
    for m in &change.upsert {
        if alive.get(m.id.as_str()) == Some(&m) {
            continue;
        }
        close(tx, &m.id)?;
        let cells: Vec<&str> = m.cells.iter().map(UnitCode::as_str).collect();
        tx.execute(
            "INSERT INTO citygrid_staff (id, name, role, phone, cells, valid_from) \
             VALUES ($1, $2, $3, $4, $5, $6)",
            &[
                &m.id,
                &m.name,
                &m.role.as_str(),
                &m.phone,
                &cells,
                &revision,
            ],
        )?;
    }
    bump(tx)?;
    roster(tx, Some(to_u64(revision)))
}

fn check(tx: &mut Tx<'_>, change: &StaffChange) -> Result<()> {
    let store = tx.store;
    let refuse = |reason: String| refused(store, reason);
    let mut seen = HashSet::new();
    for m in &change.upsert {
        if m.id.trim().is_empty() || m.name.trim().is_empty() {
            return Err(refuse(format!("person {:?} needs an id and a name", m.id)));
        }
        if !seen.insert(m.id.as_str()) {
            return Err(refuse(format!("person {:?} appears twice", m.id)));
        }
        for code in &m.cells {
            let found = tx.query_opt(
                "SELECT 1 FROM citygrid_units WHERE code = $1 AND level = 'cell' AND valid_to IS NULL",
                &[&code.as_str()],
            )?;
            if found.is_none() {
                return Err(refuse(format!(
                    "person {:?} serves {code}, which is not a cell of the head version",
                    m.id
                )));
            }
        }
    }
    for id in &change.remove {
        let alive = tx.query_opt(
            "SELECT 1 FROM citygrid_staff WHERE id = $1 AND valid_to IS NULL",
            &[id],
        )?;
        if alive.is_none() {
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
