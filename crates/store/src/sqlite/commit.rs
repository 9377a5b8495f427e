//! The write path: version 1 from a partition, and each later commit, inside one
//! `BEGIN IMMEDIATE` transaction that also checks the base is still the head. Every
//! check comes before the first write, and a refusal drops the transaction, so a
//! refused commit leaves the file as it was.

use citygrid_model::{Level, Partition, Unit, UnitCode};
use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension};

use crate::commit::Commit;
use crate::error::Result;
use crate::plan::{self, Current, Head, refused};
use crate::sqlite::layers;
use crate::sqlite::sql_error::At;
use crate::sqlite::units::{self, ALIVE_AT, Encoded};
use crate::sqlite::versions::{self, to_i64, to_u64};
use crate::time;
use crate::version::VersionInfo;

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
    let info = plan::initial_info(
        partition.units().iter().map(AsRef::as_ref),
        (author, message),
        now,
    );
    versions::insert(tx, &info).at(store)?;
    Ok(info)
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
    plan::check_base(store, commit.base, head)?;
    let plan = plan::plan(&mut SqliteHead { tx, store, encoded }, store, &commit)?;
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
    let write = || -> rusqlite::Result<()> {
        for &(i, id) in &plan.changed {
            tx.prepare_cached("UPDATE citygrid_units SET valid_to = ?2 WHERE id = ?1")?
                .execute([id, v])?;
            units::insert(tx, &commit.upserts[i], &encoded[i], v)?;
        }
        for &i in &plan.created {
            units::insert(tx, &commit.upserts[i], &encoded[i], v)?;
            record_code(tx, &commit.upserts[i], v)?;
        }
        for &(i, level) in &plan.retired {
            let code = &commit.removed[i];
            tx.prepare_cached(
                "UPDATE citygrid_units SET valid_to = ?2 WHERE code = ?1 AND valid_to IS NULL",
            )?
            .execute(rusqlite::params![code.as_str(), v])?;
            tx.prepare_cached("UPDATE citygrid_codes SET retired_in = ?2 WHERE code = ?1")?
                .execute(rusqlite::params![code.as_str(), v])?;
            layers::delete(tx, level, code.as_str(), &now_text)?;
        }
        let rows: Vec<layers::Row> = plan
            .written()
            .map(|i| row(&commit.upserts[i], &encoded[i]))
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
    let info = plan::info(commit, &plan, version, now);
    versions::insert(tx, &info).at(store)?;
    Ok(info)
}

fn row<'a>(unit: &'a Unit, enc: &'a Encoded) -> layers::Row<'a> {
    layers::Row {
        unit,
        attributes: &enc.attributes,
        geom: &enc.geom,
        envelope: enc.envelope,
    }
}

/// The head as the write transaction sees it.
struct SqliteHead<'a> {
    tx: &'a Connection,
    store: &'a str,
    encoded: &'a [Encoded],
}

impl Head for SqliteHead<'_> {
    fn current(&mut self, index: usize, unit: &Unit) -> Result<Option<Current>> {
        let enc = &self.encoded[index];
        self.tx
            .prepare_cached(
                "SELECT id, level, parent, name, attributes, geom FROM citygrid_units \
                 WHERE code = ?1 AND valid_to IS NULL",
            )
            .and_then(|mut s| {
                s.query_row([unit.code.as_str()], |r| {
                    let same = r.get_ref(2)?.as_str_or_null()?
                        == unit.parent.as_ref().map(UnitCode::as_str)
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
            })
            .at(self.store)
    }

    fn alive_level(&mut self, code: &UnitCode) -> Result<Option<Level>> {
        self.tx
            .prepare_cached("SELECT level FROM citygrid_units WHERE code = ?1 AND valid_to IS NULL")
            .and_then(|mut s| {
                s.query_row([code.as_str()], |r| units::level(r, 0))
                    .optional()
            })
            .at(self.store)
    }

    fn retired_in(&mut self, code: &UnitCode) -> Result<Option<Option<u64>>> {
        self.tx
            .prepare_cached("SELECT retired_in FROM citygrid_codes WHERE code = ?1")
            .and_then(|mut s| {
                s.query_row([code.as_str()], |r| {
                    Ok(r.get::<_, Option<i64>>(0)?.map(to_u64))
                })
                .optional()
            })
            .at(self.store)
    }

    fn alive_at(&mut self, version: u64, code: &UnitCode) -> Result<bool> {
        self.tx
            .prepare_cached(&format!(
                "SELECT 1 FROM citygrid_units WHERE code = ?2 AND {ALIVE_AT}"
            ))
            .and_then(|mut s| {
                s.query_row(
                    rusqlite::params![to_i64(version), code.as_str()],
                    |_| Ok(()),
                )
                .optional()
            })
            .map(|found| found.is_some())
            .at(self.store)
    }

    fn alive_children(&mut self, code: &UnitCode) -> Result<Vec<UnitCode>> {
        self.codes(
            "SELECT code FROM citygrid_units WHERE parent = ?1 AND valid_to IS NULL ORDER BY code",
            code.as_str(),
        )
    }

    fn some_cells(&mut self, limit: usize) -> Result<Vec<UnitCode>> {
        self.codes(
            "SELECT code FROM citygrid_units WHERE valid_to IS NULL AND level = 'cell' LIMIT ?1",
            i64::try_from(limit).unwrap_or(i64::MAX),
        )
    }
}

impl SqliteHead<'_> {
    /// The codes a query with one parameter selects (unreadable ones left out).
    fn codes(&self, sql: &str, param: impl rusqlite::ToSql) -> Result<Vec<UnitCode>> {
        let read = || -> rusqlite::Result<Vec<UnitCode>> {
            let mut statement = self.tx.prepare_cached(sql)?;
            let codes = statement.query_map([param], |r| r.get::<_, String>(0))?;
            codes
                .map(|c| c.map(|c| c.parse().ok()))
                .filter_map(std::result::Result::transpose)
                .collect()
        };
        read().at(self.store)
    }
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
