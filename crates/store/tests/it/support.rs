//! Generated cities, fresh stores in temporary folders, and exact comparisons.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

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

/// A new store holding `partition` as version 1, in a folder removed on drop.
pub fn fresh(partition: &Partition) -> (tempfile::TempDir, PathBuf, Box<dyn Store>) {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("city.gpkg");
    let store = citygrid_store::init(path.to_str().unwrap(), partition, "tests", "generated")
        .expect("init");
    (dir, path, store)
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

/// A hash of every table's schema and rows (GeoPackage, R-tree and citygrid tables
/// alike), read through a connection of its own.
pub fn content_hash(path: &Path) -> u64 {
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
