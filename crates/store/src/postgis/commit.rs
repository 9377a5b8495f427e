//! The write path: version 1 from a partition, and each later commit, inside one
//! transaction that holds the lock on `citygrid_head` from its first statement, so
//! the base check and the writes see no other writer's half-done work and two
//! servers can never both accept commits on one base. Every check comes before the
//! first write, and a refusal rolls the transaction back. The commit announces the
//! new version on the channel `citygrid` (`NOTIFY`, delivered only if it commits).

use citygrid_model::{Partition, Unit, UnitCode};
use jiff::Timestamp;

use crate::commit::Commit;
use crate::error::Result;
use crate::plan::{self, Current, Head, refused};
use crate::postgis::geometry::{self, Ewkb};
use crate::postgis::pool::{Tx, to_i64, to_u64};
use crate::postgis::units::{self, ALIVE_AT, Encoded};
use crate::postgis::versions;
use crate::time;
use crate::version::VersionInfo;

/// The channel every commit and datasets change is announced on, with a JSON
/// payload: `{"version": N}` or `{"datasets": R}`.
pub const CHANNEL: &str = "citygrid";

/// Writes `partition` as version 1 of a new store (the head row is at 0).
///
/// # Errors
/// [`crate::StoreError::Refused`] for attributes or geometry that cannot be stored.
pub(crate) fn initial(
    tx: &mut Tx<'_>,
    partition: &Partition,
    who: (&str, &str),
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
        return Err(refused(tx.store, 0, problems));
    }
    for (unit, enc) in partition.units().iter().zip(&encoded) {
        units::insert(tx, unit, enc, 1)?;
        record_code(tx, unit, 1)?;
    }
    let info = plan::initial_info(partition.units().iter().map(AsRef::as_ref), who, now);
    finish(tx, &info)?;
    Ok(info)
}

/// Checks `commit` against the head (`head`, read under the lock) and writes it as
/// the next version. `encoded` holds the stored form of each upsert, in order.
///
/// # Errors
/// [`crate::StoreError::Conflict`] when the base is not the head;
/// [`crate::StoreError::Refused`] with every structural problem.
pub(crate) fn commit(
    tx: &mut Tx<'_>,
    head: u64,
    commit: Commit,
    encoded: &[Encoded],
) -> Result<VersionInfo> {
    plan::check_base(tx.store, commit.base, head)?;
    let store = tx.store;
    let plan = plan::plan(&mut PostgisHead { tx, encoded }, store, &commit)?;
    let version = head + 1;
    let v = to_i64(version);
    let last = tx.query_one(
        "SELECT created_at FROM citygrid_versions WHERE version = $1",
        &[&to_i64(head)],
    )?;
    // Never before the previous version, so times order versions even if the clock
    // steps back (or differs between servers), and "the version at t" stays one answer.
    let now = time::now().max(tx.get(&last, 0)?);
    for &(i, id) in &plan.changed {
        tx.execute(
            "UPDATE citygrid_units SET valid_to = $2 WHERE id = $1",
            &[&id, &v],
        )?;
        units::insert(tx, &commit.upserts[i], &encoded[i], v)?;
    }
    for &i in &plan.created {
        units::insert(tx, &commit.upserts[i], &encoded[i], v)?;
        record_code(tx, &commit.upserts[i], v)?;
    }
    for &(i, _) in &plan.retired {
        let code = commit.removed[i].as_str();
        tx.execute(
            "UPDATE citygrid_units SET valid_to = $2 WHERE code = $1 AND valid_to IS NULL",
            &[&code, &v],
        )?;
        tx.execute(
            "UPDATE citygrid_codes SET retired_in = $2 WHERE code = $1",
            &[&code, &v],
        )?;
    }
    for (event, l) in commit.lineage.iter().enumerate() {
        let event = i32::try_from(event).unwrap_or(i32::MAX);
        let sides = l
            .from
            .iter()
            .map(|c| ("from", c))
            .chain(l.to.iter().map(|c| ("to", c)));
        for (side, code) in sides {
            tx.execute(
                "INSERT INTO citygrid_lineage (version, event, kind, side, code) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
                &[&v, &event, &l.kind.as_str(), &side, &code.as_str()],
            )?;
        }
    }
    let info = plan::info(commit, &plan, version, now);
    finish(tx, &info)?;
    Ok(info)
}

/// Records the version, moves the head to it and announces it.
fn finish(tx: &mut Tx<'_>, info: &VersionInfo) -> Result<()> {
    versions::insert(tx, info)?;
    let v = to_i64(info.version);
    tx.execute("UPDATE citygrid_head SET version = $1", &[&v])?;
    let payload = format!("{{\"version\": {v}}}");
    tx.execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])?;
    Ok(())
}

/// The head as the write transaction sees it.
struct PostgisHead<'t, 'c> {
    tx: &'t mut Tx<'c>,
    encoded: &'t [Encoded],
}

impl Head for PostgisHead<'_, '_> {
    fn current(&mut self, index: usize, unit: &Unit) -> Result<Option<Current>> {
        let Some(row) = self.tx.query_opt(
            "SELECT id, level, parent, name, attributes_text, geom FROM citygrid_units \
             WHERE code = $1 AND valid_to IS NULL",
            &[&unit.code.as_str()],
        )?
        else {
            return Ok(None);
        };
        let enc = &self.encoded[index];
        let tx = &*self.tx;
        let level: &str = tx.get(&row, 1)?;
        let parent: Option<&str> = tx.get(&row, 2)?;
        let name: &str = tx.get(&row, 3)?;
        let attributes: &str = tx.get(&row, 4)?;
        let geom: Ewkb = tx.get(&row, 5)?;
        // The geometry as this build writes it, so another writer's byte order or
        // layout does not make an unchanged unit look changed.
        let same = parent == unit.parent.as_ref().map(UnitCode::as_str)
            && name == unit.name
            && attributes == enc.attributes
            && geometry::decode_area(&geom.0)
                .ok()
                .and_then(|g| geometry::encode_area(&g).ok())
                .is_some_and(|g| g == enc.geom);
        Ok(Some(Current {
            id: tx.get(&row, 0)?,
            level: parse_level(tx, level)?,
            same,
        }))
    }

    fn alive_level(&mut self, code: &UnitCode) -> Result<Option<citygrid_model::Level>> {
        let row = self.tx.query_opt(
            "SELECT level FROM citygrid_units WHERE code = $1 AND valid_to IS NULL",
            &[&code.as_str()],
        )?;
        row.map(|r| parse_level(self.tx, self.tx.get(&r, 0)?))
            .transpose()
    }

    fn retired_in(&mut self, code: &UnitCode) -> Result<Option<Option<u64>>> {
        let row = self.tx.query_opt(
            "SELECT retired_in FROM citygrid_codes WHERE code = $1",
            &[&code.as_str()],
        )?;
        row.map(|r| Ok(self.tx.get::<Option<i64>>(&r, 0)?.map(to_u64)))
            .transpose()
    }

    fn alive_at(&mut self, version: u64, code: &UnitCode) -> Result<bool> {
        let sql = format!("SELECT 1 FROM citygrid_units WHERE code = $2 AND {ALIVE_AT}");
        Ok(self
            .tx
            .query_opt(&sql, &[&to_i64(version), &code.as_str()])?
            .is_some())
    }

    fn alive_children(&mut self, code: &UnitCode) -> Result<Vec<UnitCode>> {
        let rows = self.tx.query(
            "SELECT code FROM citygrid_units WHERE parent = $1 AND valid_to IS NULL \
             ORDER BY code COLLATE \"C\"",
            &[&code.as_str()],
        )?;
        self.codes(&rows)
    }

    fn some_cells(&mut self, limit: usize) -> Result<Vec<UnitCode>> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = self.tx.query(
            "SELECT code FROM citygrid_units WHERE valid_to IS NULL AND level = 'cell' LIMIT $1",
            &[&limit],
        )?;
        self.codes(&rows)
    }
}

impl PostgisHead<'_, '_> {
    /// The codes in the first column (unreadable ones left out).
    fn codes(&self, rows: &[postgres::Row]) -> Result<Vec<UnitCode>> {
        let mut codes = Vec::with_capacity(rows.len());
        for row in rows {
            if let Ok(code) = self.tx.get::<&str>(row, 0)?.parse() {
                codes.push(code);
            }
        }
        Ok(codes)
    }
}

fn parse_level(tx: &Tx<'_>, level: &str) -> Result<citygrid_model::Level> {
    level.parse().map_err(|reason| crate::StoreError::Corrupt {
        store: tx.store.to_string(),
        what: "citygrid_units".into(),
        reason: format!("level {level:?}: {reason}"),
    })
}

/// Records a code's first use; a revert that brings a code back clears its retirement.
fn record_code(tx: &mut Tx<'_>, unit: &Unit, version: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO citygrid_codes (code, level, first_version) VALUES ($1, $2, $3) \
         ON CONFLICT (code) DO UPDATE SET retired_in = NULL",
        &[&unit.code.as_str(), &unit.level.as_str(), &version],
    )?;
    Ok(())
}
