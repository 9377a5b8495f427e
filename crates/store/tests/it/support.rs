//! Generated cities, fresh stores of each backend (a GeoPackage in a temporary folder,
//! a database of its own on the test cluster), and exact comparisons.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::sync::atomic::{AtomicU64, Ordering};

use citygrid_model::{AttrValue, CodeLayout, Level, Partition, Unit, UnitCode};
use citygrid_store::Store;
use citygrid_synth::SynthCity;
use geo_types::MultiPolygon;

/// A generated city of about `cells` cells whose cells carry attributes of every
/// kind: an integer, a real, a flag and text.
pub fn city(seed: u64, cells: usize) -> Partition {
    let units = SynthCity::new(seed)
        .cells(cells)
        .vertices_per_cell(12)
        .generate()
        .into_iter()
        .enumerate()
        .map(|(i, u)| match u.level {
            Level::Cell => u
                .with_name(format!("网格 {i}"))
                .with_attribute("households", AttrValue::Number((i * 7 % 300) as f64))
                .with_attribute("density", AttrValue::Number(i as f64 / 3.0))
                .with_attribute("staffed", AttrValue::Bool(i % 2 == 0))
                .with_attribute("head", AttrValue::Text(format!("head {i}"))),
            _ => u,
        })
        .collect();
    Partition::new(units, CodeLayout::default()).expect("a generated city is a partition")
}

/// The variable naming the test cluster: a superuser URL whose database is
/// `postgres` and where the database `citygrid_template` has PostGIS
/// (`scripts/postgres.sh start` prints it).
pub const POSTGRES_VAR: &str = "CITYGRID_TEST_POSTGRES";

/// A kind of store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// One GeoPackage file.
    Sqlite,
    /// A PostgreSQL database with PostGIS.
    Postgis,
}

/// Every backend these tests can reach: the GeoPackage store always, PostGIS when
/// [`POSTGRES_VAR`] names a cluster (skipped loudly otherwise).
pub fn backends() -> Vec<Backend> {
    if postgres_url().is_some() {
        vec![Backend::Sqlite, Backend::Postgis]
    } else {
        vec![Backend::Sqlite]
    }
}

/// The test cluster's URL, or `None` (and a loud message, once) without one.
pub fn postgres_url() -> Option<String> {
    static WARNED: Once = Once::new();
    match std::env::var(POSTGRES_VAR) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            // Straight to standard error: the test harness captures eprintln!.
            WARNED.call_once(|| {
                let _ = writeln!(
                    std::io::stderr(),
                    "\n*** {POSTGRES_VAR} is not set: the PostGIS store is NOT tested. \
                     Start a cluster with: eval \"$(scripts/postgres.sh start)\" ***\n"
                );
            });
            None
        }
    }
}

/// A store made for one test, and where it is; its folder or database goes on drop.
pub struct Fresh {
    /// The store (dropped first, closing its connections).
    pub store: Box<dyn Store>,
    /// Its location: a path, or a URL with credentials.
    pub location: String,
    /// Its kind.
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    _db: Option<Database>,
}

impl Fresh {
    /// The GeoPackage file (panics for another backend).
    pub fn path(&self) -> PathBuf {
        assert_eq!(self.backend, Backend::Sqlite, "not a file");
        PathBuf::from(&self.location)
    }

    /// Another handle on the same store, as another process would open.
    pub fn open_again(&self) -> Box<dyn Store> {
        citygrid_store::open(&self.location).expect("open again")
    }
}

impl Backend {
    /// A new, empty place for a store: a path in a new folder, or a new database.
    pub fn place(self) -> (String, Option<tempfile::TempDir>, Option<Database>) {
        match self {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let path = dir.path().join("city.gpkg");
                (path.to_str().unwrap().to_string(), Some(dir), None)
            }
            Backend::Postgis => {
                let db = Database::new();
                (db.url.clone(), None, Some(db))
            }
        }
    }

    /// A new store holding `partition` as version 1.
    pub fn fresh(self, partition: &Partition) -> Fresh {
        let (location, dir, db) = self.place();
        let store = citygrid_store::init(&location, partition, "tests", "generated").expect("init");
        Fresh {
            store,
            location,
            backend: self,
            _dir: dir,
            _db: db,
        }
    }
}

/// A database of its own on the test cluster, made from `citygrid_template` (which
/// has PostGIS) and dropped with everything in it when this goes.
pub struct Database {
    /// Its URL, credentials included.
    pub url: String,
    /// Its name.
    pub name: String,
    admin: String,
}

impl Database {
    /// A new database, named after this process and a counter.
    pub fn new() -> Self {
        static MADE: AtomicU64 = AtomicU64::new(0);
        let admin = postgres_url().expect("a test cluster");
        let name = format!(
            "citygrid_test_{}_{}",
            std::process::id(),
            MADE.fetch_add(1, Ordering::Relaxed)
        );
        let mut client = postgres::Client::connect(&admin, postgres::NoTls).expect("the cluster");
        for sql in [
            format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
            format!("CREATE DATABASE {name} TEMPLATE citygrid_template"),
        ] {
            client.batch_execute(&sql).expect("a test database");
        }
        let (base, _) = admin.rsplit_once('/').expect("a URL with a database");
        Database {
            url: format!("{base}/{name}"),
            name,
            admin,
        }
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        if let Ok(mut client) = postgres::Client::connect(&self.admin, postgres::NoTls) {
            let _ = client.batch_execute(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ));
        }
    }
}

/// A connection to the database of a PostGIS store made by [`Backend::fresh`].
pub fn sql(f: &Fresh) -> postgres::Client {
    postgres::Client::connect(&f.location, postgres::NoTls).expect("the test database")
}

/// The cells of a partition, in code order.
pub fn cells(p: &Partition) -> Vec<Unit> {
    p.level_ids(Level::Cell)
        .map(|id| p.unit(id).as_ref().clone())
        .collect()
}

pub fn code(s: &str) -> UnitCode {
    s.parse().unwrap()
}

/// A new cell code in the village of `cell`: its village's prefix and `seq`.
pub fn sibling_code(cell: &Unit, seq: u32) -> UnitCode {
    let village = cell.parent.as_ref().expect("a cell has a village");
    CodeLayout::default()
        .child_code(village, Level::Village, seq)
        .expect("a sequence number that fits")
}

/// Asserts two partitions hold the same units, coordinates bit for bit.
pub fn assert_same(got: &Partition, want: &Partition) {
    assert_eq!(got.units().len(), want.units().len(), "unit count");
    for (g, w) in got.units().iter().zip(want.units()) {
        assert_eq!(**g, **w, "unit {}", w.code);
        assert_eq!(
            bits(&g.geometry),
            bits(&w.geometry),
            "coordinates of {}",
            w.code
        );
        for (key, value) in &w.attributes {
            if let (AttrValue::Number(a), Some(AttrValue::Number(b))) =
                (value, g.attributes.get(key))
            {
                assert_eq!(a.to_bits(), b.to_bits(), "{} attribute {key}", w.code);
            }
        }
    }
}

fn bits(m: &MultiPolygon<f64>) -> Vec<u64> {
    m.0.iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.0.iter())
        .flat_map(|c| [c.x.to_bits(), c.y.to_bits()])
        .collect()
}

/// A hash of everything a store holds, read through a connection of its own.
pub fn content_hash(f: &Fresh) -> u64 {
    match f.backend {
        Backend::Sqlite => file_hash(&f.path()),
        Backend::Postgis => database_hash(&mut sql(f), true),
    }
}

/// A hash of every row of a PostGIS store, leaving out where its sequences are: a
/// transaction rolled back after it took row ids does not give them back
/// (PostgreSQL's sequences are not transactional), and that is no change.
pub fn rows_hash(f: &Fresh) -> u64 {
    database_hash(&mut sql(f), false)
}

/// A hash of every table's rows in the public schema (each row as text, in order),
/// and every sequence's position when asked.
fn database_hash(client: &mut postgres::Client, sequences: bool) -> u64 {
    let mut hasher = DefaultHasher::new();
    let tables: Vec<String> = client
        .query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    for table in &tables {
        table.hash(&mut hasher);
        for row in client
            .query(
                &format!("SELECT t::text FROM \"{table}\" t ORDER BY 1"),
                &[],
            )
            .unwrap()
        {
            row.get::<_, String>(0).hash(&mut hasher);
        }
    }
    if !sequences {
        return hasher.finish();
    }
    for row in client
        .query(
            "SELECT sequencename, last_value FROM pg_sequences ORDER BY 1",
            &[],
        )
        .unwrap()
    {
        (row.get::<_, String>(0), row.get::<_, Option<i64>>(1)).hash(&mut hasher);
    }
    hasher.finish()
}

/// A hash of every table's schema and rows (GeoPackage, R-tree and citygrid tables
/// alike), read through a connection of its own.
fn file_hash(path: &Path) -> u64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mut hasher = DefaultHasher::new();
    let tables: Vec<(String, Option<String>)> = conn
        .prepare("SELECT name, sql FROM sqlite_master ORDER BY type, name")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    for (name, sql) in &tables {
        (name, sql).hash(&mut hasher);
        let is_table = sql.as_deref().is_some_and(|s| {
            s.starts_with("CREATE TABLE") || s.starts_with("CREATE VIRTUAL TABLE")
        });
        if !is_table {
            continue;
        }
        let mut rows = conn.prepare(&format!("SELECT * FROM \"{name}\"")).unwrap();
        let columns = rows.column_count();
        let mut rows = rows.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            for i in 0..columns {
                format!("{:?}", row.get_ref(i).unwrap()).hash(&mut hasher);
            }
        }
    }
    hasher.finish()
}
