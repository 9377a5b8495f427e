//! Edits on the bundled Guiyang (5,906 cells, `data/guiyang/partition.geojson.gz`)
//! in process: validate (`propose`: the operation, the parents, the incremental
//! check) and validate + commit (`Editor::submit` on a GeoPackage store, fsync
//! included). The HTTP figures, with the server's snapshot swap, come from
//! `benches/edits_load.sh`.
//!
//! Run with `cargo bench -p citygrid-benches --bench edits`. It prints p50/p99/max of
//! 200 transfers across shared boundaries (back and forth, so the city stays
//! alike), then criterion's own measurement of one `propose`. The target for
//! the whole request over HTTP: p50 < 20 ms, p99 < 100 ms.

use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};

use citygrid_edit::{Author, EditOptions, EditRequest, Editor, Op, propose};
use citygrid_io::{ReadOptions, read_units};
use citygrid_model::{CodeLayout, Level, Partition, RingSet, UnitCode};
use geo_types::{Coord, LineString, MultiPolygon, Polygon};

use citygrid_benches::data_dir;

const EDITS: usize = 200;

fn guiyang() -> Partition {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../data/guiyang/partition.geojson.gz"
    );
    let units = read_units(path.as_ref(), &ReadOptions::default())
        .expect("data/guiyang/partition.geojson.gz")
        .units;
    Partition::new(units, CodeLayout::default()).expect("Guiyang is a partition")
}

/// Transfers of a small square around the middle of a segment two cells of one
/// village share, spread over the city.
fn transfers(p: &Partition, n: usize) -> Vec<(Op, Op)> {
    let cells: Vec<_> = p.level_ids(Level::Cell).collect();
    let step = (cells.len() / n).max(1);
    let mut out = Vec::new();
    for &a in cells.iter().step_by(step) {
        let ra = RingSet::build([&p.unit(a).geometry]);
        let Some(((x, y), b)) = ra.segment_ids().find_map(|s| {
            let (x, y) = ra.segment(s);
            cells
                .iter()
                .filter(|&&b| b != a && p.unit(b).parent == p.unit(a).parent)
                .find(|&&b| {
                    let rb = RingSet::build([&p.unit(b).geometry]);
                    rb.segment_ids().any(|t| rb.segment(t) == (y, x))
                })
                .map(|&b| ((x, y), b))
        }) else {
            continue;
        };
        let m = Coord {
            x: (x.x + y.x) / 2.0,
            y: (x.y + y.y) / 2.0,
        };
        let r = (y.x - x.x).hypot(y.y - x.y) * 0.2;
        let sq = MultiPolygon(vec![Polygon::new(
            LineString(vec![
                Coord {
                    x: m.x - r,
                    y: m.y - r,
                },
                Coord {
                    x: m.x + r,
                    y: m.y - r,
                },
                Coord {
                    x: m.x + r,
                    y: m.y + r,
                },
                Coord {
                    x: m.x - r,
                    y: m.y + r,
                },
                Coord {
                    x: m.x - r,
                    y: m.y - r,
                },
            ]),
            vec![],
        )]);
        let (ca, cb): (UnitCode, UnitCode) = (p.unit(a).code.clone(), p.unit(b).code.clone());
        let go = Op::Transfer {
            from: ca.clone(),
            to: cb.clone(),
            area: sq.clone(),
            move_parents: false,
        };
        let back = Op::Transfer {
            from: cb,
            to: ca,
            area: sq,
            move_parents: false,
        };
        out.push((go, back));
        if out.len() == n {
            break;
        }
    }
    out
}

fn percentiles(mut t: Vec<Duration>) -> String {
    t.sort();
    let at = |q: f64| t[((t.len() - 1) as f64 * q).round() as usize];
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms ({} runs)",
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        at(1.0).as_secs_f64() * 1e3,
        t.len()
    )
}

fn edits(c: &mut Criterion) {
    let partition = guiyang();
    let pairs = transfers(&partition, EDITS / 2);
    let none = |_: &UnitCode| false;
    let options = EditOptions::default();
    let mut times = Vec::new();
    let mut refused = 0;
    for (go, _) in &pairs {
        let t = Instant::now();
        let ok = propose(&partition, std::slice::from_ref(go), &none, &options).is_ok();
        times.push(t.elapsed());
        refused += usize::from(!ok);
    }
    println!(
        "propose (validate) on Guiyang: {}; {refused} refused",
        percentiles(times)
    );

    let path = data_dir().join("edits.gpkg");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    let store: Arc<dyn citygrid_store::Store> = Arc::from(
        citygrid_store::init(
            path.to_str().expect("UTF-8"),
            &partition,
            "bench",
            "Guiyang",
        )
        .expect("init"),
    );
    let editor = Editor::new(Arc::clone(&store), options.clone());
    let author = Author {
        name: "bench".to_string(),
        districts: None,
    };
    let mut held = partition.clone();
    let mut times = Vec::new();
    for (go, back) in &pairs {
        for op in [go, back] {
            let request = EditRequest {
                base_version: held.version(),
                message: "bench".to_string(),
                ops: vec![op.clone()],
                dry_run: false,
                log: None,
            };
            let t = Instant::now();
            if let Ok(out) = editor.submit(&held, &request, &author) {
                times.push(t.elapsed());
                held = out.partition;
            }
        }
    }
    println!(
        "submit (validate + commit) on Guiyang: {}; head {}",
        percentiles(times),
        store.head().expect("head")
    );

    let (go, _) = &pairs[0];
    c.bench_function("propose one transfer on Guiyang", |b| {
        b.iter(|| propose(&partition, std::slice::from_ref(go), &none, &options))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = edits
}
criterion_main!(benches);
