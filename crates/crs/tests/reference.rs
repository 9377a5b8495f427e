//! Differential tests against independent implementations: PROJ (through pyproj) for Web
//! Mercator and the Gauss-Kruger zones, eviltransform for GCJ-02 and BD-09, and Karney's
//! geodesics (pyproj's `Geod`) for `LocalFrame`.
//!
//! The data is made by `tests/crs/make_reference.py` at the workspace root; see the README
//! beside it for how to regenerate it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use citygrid_crs::{Crs, LocalFrame, Transform};

/// Forward projections must agree with PROJ to 1 mm.
const PROJECTED_TOLERANCE_M: f64 = 1e-3;
/// Forward offsets must agree with eviltransform to 1e-8 degrees (about 1 mm).
const OFFSET_TOLERANCE_DEG: f64 = 1e-8;
/// The GCJ-02/BD-09 inverses must return the original WGS84 point within 0.5 m.
const INVERSE_TOLERANCE_M: f64 = 0.5;
/// Mean Earth radius used in the documented `LocalFrame` error bound.
const EARTH_RADIUS_M: f64 = 6_371_000.0;

fn data_file(name: &str) -> String {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "tests",
        "data",
        "crs",
        name,
    ]
    .iter()
    .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// Rows of a CSV file with a header, split on commas (the files have no quoted fields).
fn rows(name: &str, columns: usize) -> Vec<Vec<String>> {
    let text = data_file(name);
    let mut lines = text.lines();
    let header = lines.next().expect("a header line");
    assert_eq!(
        header.split(',').count(),
        columns,
        "{name}: header {header}"
    );
    lines
        .map(|line| {
            let fields: Vec<String> = line.split(',').map(str::to_owned).collect();
            assert_eq!(fields.len(), columns, "{name}: {line}");
            fields
        })
        .collect()
}

fn num(field: &str) -> f64 {
    field
        .parse()
        .unwrap_or_else(|e| panic!("{field:?} is not a number: {e}"))
}

/// Metres between two WGS84 points, measured in a local frame at the first.
fn metres_between(a: (f64, f64), b: (f64, f64)) -> f64 {
    LocalFrame::new(a.0, a.1).unwrap().distance(a, b)
}

/// Worst error per CRS, with the row where it happened.
#[derive(Default)]
struct Worst(BTreeMap<String, (f64, String)>);

impl Worst {
    fn add(&mut self, key: &str, error: f64, row: &[String]) {
        let entry = self.0.entry(key.to_owned()).or_insert((0.0, String::new()));
        if error > entry.0 || entry.1.is_empty() {
            *entry = (error, row.join(","));
        }
    }

    fn print(&self, what: &str, unit: &str) {
        for (key, (error, row)) in &self.0 {
            println!("{what} {key}: max {error:.3e} {unit} at {row}");
        }
    }

    fn max(&self, key: &str) -> f64 {
        self.0
            .get(key)
            .map_or_else(|| panic!("no rows for {key}"), |w| w.0)
    }
}

fn in_guiyang(lon: f64, lat: f64) -> bool {
    (106.1..=107.4).contains(&lon) && (26.0..=27.5).contains(&lat)
}

#[test]
fn forward_transforms_agree_with_proj_and_eviltransform() {
    let mut transforms: BTreeMap<String, Transform> = BTreeMap::new();
    let mut projected = Worst::default();
    let mut offsets = Worst::default();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for row in rows("reference.csv", 6) {
        let code = &row[1];
        let tr = transforms
            .entry(code.clone())
            .or_insert_with(|| Transform::new(code.parse::<Crs>().unwrap()).unwrap());
        let (lon, lat, x, y) = (num(&row[2]), num(&row[3]), num(&row[4]), num(&row[5]));
        let (fx, fy) = tr
            .from_wgs84(lon, lat)
            .unwrap_or_else(|e| panic!("{}: {e}", row.join(",")));
        let error = (fx - x).abs().max((fy - y).abs());
        if tr.crs().is_geographic() {
            offsets.add(code, error, &row);
        } else {
            projected.add(code, error, &row);
        }
        *count.entry(code.clone()).or_default() += 1;
    }
    projected.print("forward vs PROJ", "m");
    offsets.print("forward vs eviltransform", "deg");

    // every zone with and without prefix, plus the Guiyang grid and the city list
    for code in 4513..=4554 {
        assert!(count[&format!("epsg:{code}")] >= 25, "epsg:{code}");
    }
    assert!(count["epsg:3857"] >= 224 && count["gcj02"] >= 224 && count["bd09"] >= 224);
    for (code, (error, row)) in &projected.0 {
        assert!(
            *error <= PROJECTED_TOLERANCE_M,
            "{code}: {error} m at {row}"
        );
    }
    for (code, (error, row)) in &offsets.0 {
        assert!(
            *error <= OFFSET_TOLERANCE_DEG,
            "{code}: {error} deg at {row}"
        );
    }
}

#[test]
fn inverses_return_the_original_point() {
    let mut transforms: BTreeMap<String, Transform> = BTreeMap::new();
    let mut everywhere = Worst::default();
    let mut guiyang = Worst::default();
    for row in rows("reference.csv", 6) {
        let code = &row[1];
        let tr = transforms
            .entry(code.clone())
            .or_insert_with(|| Transform::new(code.parse::<Crs>().unwrap()).unwrap());
        let (lon, lat, x, y) = (num(&row[2]), num(&row[3]), num(&row[4]), num(&row[5]));
        let back = tr
            .to_wgs84(x, y)
            .unwrap_or_else(|e| panic!("{}: {e}", row.join(",")));
        let error = metres_between((lon, lat), back);
        everywhere.add(code, error, &row);
        if in_guiyang(lon, lat) {
            guiyang.add(code, error, &row);
        }
    }
    everywhere.print("inverse, all points,", "m");
    guiyang.print("inverse, guiyang,", "m");

    for code in ["gcj02", "bd09"] {
        let worst = everywhere.max(code);
        assert!(worst < INVERSE_TOLERANCE_M, "{code}: {worst} m");
        // the iteration stops at 1e-10 degrees and the CSV holds 1e-9 degrees, so the
        // actual error is a few tenths of a millimetre; catch a regression long before 0.5 m
        assert!(worst < 1e-3, "{code}: {worst} m");
        assert!(guiyang.max(code) < 1e-3, "{code} around guiyang");
    }
    // projected inverses: the CSV holds 0.1 mm, so 1 mm leaves room for rounding only
    for (code, (error, row)) in &everywhere.0 {
        assert!(*error < 1e-3, "{code}: {error} m at {row}");
    }
}

#[test]
fn inverses_round_trip_densely_around_guiyang() {
    // Our own forward and inverse on a 301 x 301 grid over 106.2..107.4E, 26.1..27.4N: this
    // measures the iteration itself, free of the CSV's 1e-9 degree rounding.
    for crs in [Crs::Gcj02, Crs::Bd09] {
        let tr = Transform::new(crs).unwrap();
        let mut worst = (0.0_f64, (0.0, 0.0));
        for i in 0..=300 {
            for j in 0..=300 {
                let lon = 106.2 + 1.2 * f64::from(i) / 300.0;
                let lat = 26.1 + 1.3 * f64::from(j) / 300.0;
                let (x, y) = tr.from_wgs84(lon, lat).unwrap();
                let back = tr.to_wgs84(x, y).unwrap();
                let error = metres_between((lon, lat), back);
                if error > worst.0 {
                    worst = (error, (lon, lat));
                }
            }
        }
        println!(
            "{crs} round trip around guiyang: max {:.3e} m at {:?}",
            worst.0, worst.1
        );
        assert!(worst.0 < 1e-4, "{crs}: {worst:?}");
    }
}

#[test]
fn local_frame_lengths_follow_the_documented_bound() {
    let mut worst_ratio = 0.0_f64;
    let mut worst_row = String::new();
    let mut worst_guiyang = BTreeMap::<u64, f64>::new();
    for row in rows("geodesic.csv", 8) {
        let v: Vec<f64> = row[1..].iter().map(|f| num(f)).collect();
        let (origin, a, b, geodesic) = ((v[0], v[1]), (v[2], v[3]), (v[4], v[5]), v[6]);
        let frame = LocalFrame::new(origin.0, origin.1).unwrap();
        let length = frame.distance(a, b);
        // how far the segment reaches from the origin
        let reach = [a, b]
            .iter()
            .map(|p| frame.distance(origin, *p))
            .fold(0.0, f64::max);
        let relative = (length - geodesic).abs() / geodesic;
        let r = reach / EARTH_RADIUS_M;
        // the bound in LocalFrame's docs, plus the CSV's rounding (1e-9 deg ~ 0.1 mm, 0.1 mm)
        let phi = origin.1.to_radians();
        let bound = phi.tan().abs() * r + (r / phi.cos()).powi(2) + 3e-4 / geodesic;
        let ratio = relative / bound;
        if ratio > worst_ratio {
            worst_ratio = ratio;
            worst_row = row.join(",");
        }
        if row[0].starts_with("guiyang") {
            let key = reach.round() as u64;
            let e = worst_guiyang.entry(key / 1000).or_default();
            *e = e.max(relative);
        }
    }
    println!("local frame: worst error / documented bound = {worst_ratio:.3} at {worst_row}");
    for (km, relative) in &worst_guiyang {
        println!("local frame, guiyang, reach ~{km} km: max relative error {relative:.2e}");
    }
    assert!(worst_ratio <= 1.0, "{worst_ratio} at {worst_row}");
    // the documented examples for Guiyang: 0.01 % at 1 km, 0.1 % at 10 km, 0.5 % at 50 km
    for (km, limit) in [(1, 1e-4), (10, 1e-3), (50, 5e-3)] {
        assert!(
            worst_guiyang[&km] < limit,
            "{km} km: {}",
            worst_guiyang[&km]
        );
    }
}
