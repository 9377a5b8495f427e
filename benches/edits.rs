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

use citygrid_edit::{Author, EditOptions, EditRequest, Editor, propose};
use citygrid_model::UnitCode;

use citygrid_benches::{data_dir, guiyang, quantile, transfers};

const EDITS: usize = 200;

fn percentiles(mut t: Vec<Duration>) -> String {
    t.sort();
    let at = |q: f64| quantile(&t, q);
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
