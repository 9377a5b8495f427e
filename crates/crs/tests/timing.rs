//! A rough per-point cost of `Transform`, for the record (no timed asserts: run it on demand).
//!
//! `cargo test --release -p citygrid-crs --test timing -- --ignored --nocapture`

use std::hint::black_box;
use std::time::Instant;

use citygrid_crs::{Crs, Transform};

#[test]
#[ignore = "timing only; run with --release -- --ignored --nocapture"]
fn per_point_cost() {
    const N: u32 = 1_000_000;
    for code in [
        "gcj02",
        "bd09",
        "epsg:4545",
        "epsg:4524",
        "epsg:3857",
        "wgs84",
    ] {
        let tr = Transform::new(code.parse::<Crs>().unwrap()).unwrap();
        // inputs in the CRS's own units, spread over Guiyang
        let points: Vec<(f64, f64)> = (0..N)
            .map(|i| {
                let (lon, lat) = (
                    106.2 + 1.2 * f64::from(i % 1000) / 1000.0,
                    26.1 + 1.3 * f64::from(i / 1000) / 1000.0,
                );
                tr.from_wgs84(lon, lat).unwrap()
            })
            .collect();
        let start = Instant::now();
        let mut sum = 0.0;
        for &(x, y) in &points {
            let (lon, lat) = tr.to_wgs84(black_box(x), black_box(y)).unwrap();
            sum += lon + lat;
        }
        let inverse = start.elapsed();
        let start = Instant::now();
        for i in 0..N {
            let lon = 106.2 + 1.2 * f64::from(i % 1000) / 1000.0;
            let lat = 26.1 + 1.3 * f64::from(i / 1000) / 1000.0;
            let (x, y) = tr.from_wgs84(black_box(lon), black_box(lat)).unwrap();
            sum += x + y;
        }
        let forward = start.elapsed();
        black_box(sum);
        println!(
            "{code:>10}: to_wgs84 {:6.1} ns/point, from_wgs84 {:6.1} ns/point",
            inverse.as_secs_f64() * 1e9 / f64::from(N),
            forward.as_secs_f64() * 1e9 / f64::from(N),
        );
    }
}
