//! Tests of the demo layers on a small generated city (240 cells over 16 x 12 km) with a
//! raster of one bell of people over it, and on the bundled Guiyang.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::time::Instant;

use citygrid_crs::Crs;
use citygrid_model::{Level, Unit};
use citygrid_raster::GeoTransform;
use geo::{BoundingRect, Intersects};
use geo_types::{MultiPolygon, Rect};

use super::*;
use crate::SynthCity;
use crate::scanline::{Grid, for_each_span};

/// Reference city counts, as the brief for the registry gives them.
const REFERENCE: (usize, usize, usize, usize) = (5906, 1764, 6000, 1335);

fn city() -> Vec<Unit> {
    SynthCity::new(3)
        .cells(240)
        .vertices_per_cell(12)
        .extent_km(16.0, 12.0)
        .generate()
}

/// The cells of `units`, with their village and township found through the parents.
fn demo_cells(units: &[Unit]) -> Vec<DemoCell<'_>> {
    let parent: HashMap<&str, &str> = units
        .iter()
        .filter_map(|u| Some((u.code.as_str(), u.parent.as_ref()?.as_str())))
        .collect();
    units
        .iter()
        .filter(|u| u.level == Level::Cell)
        .map(|u| {
            let village = parent[u.code.as_str()];
            DemoCell {
                code: u.code.as_str(),
                village,
                township: parent[village],
                shape: &u.geometry,
            }
        })
        .collect()
}

/// 0.002° pixels over the cells: a bell of people 2 km wide around the city's centre
/// over a floor of 5 people a pixel, zero where the pixel centre is in no cell.
fn raster(cells: &[DemoCell<'_>]) -> Raster {
    let step = 0.002;
    let b = bounds(cells.iter().map(|c| c.shape));
    let (c0, c1) = ((b.min().x / step).floor(), (b.max().x / step).ceil());
    let (r0, r1) = ((b.min().y / step).floor(), (b.max().y / step).ceil());
    let grid = Grid {
        west: c0 * step,
        north: r1 * step,
        step,
        width: (c1 - c0) as usize,
        height: (r1 - r0) as usize,
    };
    let mut values = vec![0f32; grid.width * grid.height];
    let centre = b.center();
    for c in cells {
        for_each_span(&grid, c.shape, |row, cols| {
            for col in cols {
                let dx = (grid.centre_x(col) - centre.x) * 99.6;
                let dy = (grid.centre_y(row) - centre.y) * 110.85;
                let bell = 1500.0 / (1.0 + (dx * dx + dy * dy) / 4.0);
                values[row * grid.width + col] = (5.0 + bell).round() as f32;
            }
        });
    }
    let transform = GeoTransform::north_up(grid.west, grid.north, step, step);
    Raster::new(grid.width, grid.height, transform, Crs::Wgs84, values, None).unwrap()
}

fn bounds<'a>(shapes: impl Iterator<Item = &'a MultiPolygon<f64>>) -> Rect<f64> {
    shapes
        .filter_map(BoundingRect::bounding_rect)
        .reduce(|a, b| {
            Rect::new(
                (a.min().x.min(b.min().x), a.min().y.min(b.min().y)),
                (a.max().x.max(b.max().x), a.max().y.max(b.max().y)),
            )
        })
        .unwrap()
}

/// A fresh folder under the target directory (next to the test binary).
fn out_dir(name: &str) -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().join("demo-layers-tests").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// A file's header and rows, split at commas (no field of these files is quoted).
fn read(dir: &Path, name: &str) -> (String, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(dir.join(format!("{name}.csv"))).unwrap();
    assert!(!text.contains('"') && !text.contains('\r'), "{name}");
    assert!(text.ends_with('\n'), "{name}");
    let mut lines = text.lines();
    let header = lines.next().unwrap().to_string();
    let width = header.split(',').count();
    let rows: Vec<Vec<String>> = lines
        .map(|l| l.split(',').map(String::from).collect())
        .collect();
    assert!(rows.iter().all(|r| r.len() == width), "{name}");
    (header, rows)
}

/// Writes the layers of the small city into a fresh folder.
fn written(name: &str, seed: u64) -> (Vec<DemoFile>, PathBuf) {
    let units = city();
    let cells = demo_cells(&units);
    let dir = out_dir(name);
    let files = DemoLayers::new(seed)
        .write(&cells, &raster(&cells), &dir)
        .unwrap();
    (files, dir)
}

fn int(s: &str) -> u64 {
    s.parse().unwrap()
}

#[test]
fn same_seed_same_bytes_other_seed_other_points() {
    let (a, dir_a) = written("seed-a", 5);
    let (b, dir_b) = written("seed-b", 5);
    let (c, dir_c) = written("seed-c", 6);
    let names: Vec<&str> = a.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "houses",
            "people",
            "legal_persons",
            "facilities",
            "events",
            "staff"
        ]
    );
    for ((fa, fb), fc) in a.iter().zip(&b).zip(&c) {
        let bytes = |d: &Path| std::fs::read(d.join(format!("{}.csv", fa.name))).unwrap();
        assert_eq!(bytes(&dir_a), bytes(&dir_b), "{}", fa.name);
        assert_ne!(bytes(&dir_a), bytes(&dir_c), "{}", fa.name);
        assert_eq!(fa.rows, fb.rows);
        assert_eq!(fa.path, dir_a.join(format!("{}.csv", fa.name)));
        assert_eq!(fa.rows, read(&dir_a, &fa.name).1.len(), "{}", fa.name);
        assert!(fc.rows > 0);
    }
}

#[test]
fn houses_hold_the_rasters_people_and_the_sample_weighs_up_to_them() {
    let units = city();
    let cells = demo_cells(&units);
    let population = raster(&cells);
    let total = population.total();
    let dir = out_dir("sums");
    DemoLayers::default()
        .write(&cells, &population, &dir)
        .unwrap();

    let (header, houses) = read(&dir, "houses");
    assert_eq!(header, "lon,lat,kind,persons,floors");
    let persons: u64 = houses.iter().map(|r| int(&r[3])).sum();
    // every pixel centre is in a cell: exactly
    assert_eq!(persons as f64, total);
    let kinds = ["owned", "rented", "vacant", "collective"];
    for r in &houses {
        assert!(kinds.contains(&r[2].as_str()), "{r:?}");
        assert_eq!(r[2] == "vacant", r[3] == "0", "{r:?}");
        assert!((1..=40).contains(&int(&r[4])), "{r:?}");
    }
    let count = |k: &str| houses.iter().filter(|r| r[2] == k).count();
    assert!(count("vacant") > 0 && count("collective") > 0 && count("rented") > 0);
    // the bell's top is taller than its floor
    let tallest = houses.iter().map(|r| int(&r[4])).max().unwrap();
    assert!(tallest >= 20, "{tallest}");

    let (header, people) = read(&dir, "people");
    assert_eq!(header, "lon,lat,sex,age_group,residence,weight");
    let weights: u64 = people.iter().map(|r| int(&r[5])).sum();
    assert!(
        (weights as f64 - total).abs() <= 0.01 * total,
        "{weights} {total}"
    );
    for r in &people {
        assert!(["male", "female"].contains(&r[2].as_str()), "{r:?}");
        assert!(["0-14", "15-59", "60+"].contains(&r[3].as_str()), "{r:?}");
        assert!(["registered", "migrant"].contains(&r[4].as_str()), "{r:?}");
        assert_eq!(r[5], "20");
    }
}

#[test]
fn every_point_is_in_a_populated_pixel_and_a_cell() {
    let (_, dir) = written("points", 1);
    let units = city();
    let cells = demo_cells(&units);
    let population = raster(&cells);
    let boxes: Vec<Rect<f64>> = cells
        .iter()
        .map(|c| c.shape.bounding_rect().unwrap())
        .collect();
    for name in ["houses", "people", "legal_persons", "facilities", "events"] {
        let (header, rows) = read(&dir, name);
        assert!(header.starts_with("lon,lat,"), "{name}");
        for r in &rows {
            for v in &r[..2] {
                let decimals = v.split('.').nth(1).unwrap();
                assert_eq!(decimals.len(), 6, "{name} {r:?}");
            }
            let (x, y): (f64, f64) = (r[0].parse().unwrap(), r[1].parse().unwrap());
            let (col, row) = population.pixel_at(x, y).unwrap();
            assert!(population.value(col, row).unwrap() > 0.0, "{name} {r:?}");
            let p = geo_types::Point::new(x, y);
            let inside = cells.iter().zip(&boxes).any(|(c, b)| {
                b.min().x <= x
                    && x <= b.max().x
                    && b.min().y <= y
                    && y <= b.max().y
                    && c.shape.intersects(&p)
            });
            assert!(inside, "{name} {r:?}");
        }
    }
}

#[test]
fn events_are_sorted_handled_after_received_and_rarer_at_night() {
    let (_, dir) = written("events", 1);
    let (header, events) = read(&dir, "events");
    assert_eq!(header, "lon,lat,category,source,received,handled");
    let categories = [
        "environment",
        "public_safety",
        "dispute",
        "infrastructure",
        "traffic",
        "housing",
        "other",
    ];
    let sources = ["hotline_12345", "wechat", "patrol"];
    let mut pending = 0;
    let mut hours = [0usize; 24];
    for (i, r) in events.iter().enumerate() {
        assert!(categories.contains(&r[2].as_str()), "{r:?}");
        assert!(sources.contains(&r[3].as_str()), "{r:?}");
        // one fixed-width format and offset: text order is time order
        let received = &r[4];
        assert_eq!(received.len(), 25, "{r:?}");
        assert!(received.ends_with("+08:00"), "{r:?}");
        assert!(
            received.as_str() >= "2025-12-01T00:00:00+08:00"
                && received.as_str() <= "2026-11-30T23:59:59+08:00",
            "{r:?}"
        );
        if i > 0 {
            assert!(events[i - 1][4] <= *received, "row {i}: not sorted");
        }
        if r[5].is_empty() {
            pending += 1;
        } else {
            assert!(r[5] > *received, "{r:?}");
            assert!(r[5].as_str() < "2026-12-01T00:00:00+08:00", "{r:?}");
        }
        hours[received[11..13].parse::<usize>().unwrap()] += 1;
    }
    let share = pending as f64 / events.len() as f64;
    assert!((0.008..0.03).contains(&share), "{share}");
    assert!(hours[3] * 5 < hours[10], "{hours:?}");
}

#[test]
fn legal_persons_and_facilities_look_right() {
    let (_, dir) = written("legal", 1);
    let (header, legal) = read(&dir, "legal_persons");
    assert_eq!(header, "lon,lat,kind,employees,registered");
    let kinds = [
        "enterprise",
        "individual_business",
        "social_organization",
        "public_institution",
    ];
    let mut small = 0;
    for r in &legal {
        assert!(kinds.contains(&r[2].as_str()), "{r:?}");
        let employees = int(&r[3]);
        assert!(employees >= 1, "{r:?}");
        small += usize::from(employees < 10);
        assert!(
            r[4].as_str() >= "1995-01-01T" && r[4].as_str() < "2026-12-01T",
            "{r:?}"
        );
        assert!(r[4].ends_with("+08:00"), "{r:?}");
    }
    assert!(small * 10 > legal.len() * 7, "{small} of {}", legal.len());

    let (header, facilities) = read(&dir, "facilities");
    assert_eq!(header, "lon,lat,kind,name");
    let kinds: HashSet<&str> = facilities.iter().map(|r| r[2].as_str()).collect();
    assert_eq!(kinds.len(), 8, "{kinds:?}");
    let names: HashSet<&str> = facilities.iter().map(|r| r[3].as_str()).collect();
    assert_eq!(names.len(), facilities.len(), "names are unique");
    assert!(names.iter().any(|n| n.ends_with("小学")));
}

/// Checks every rule of the registry; returns the counts of each role.
fn check_staff(cells: &[DemoCell<'_>], dir: &Path) -> HashMap<String, usize> {
    let (header, staff) = read(dir, "staff");
    assert_eq!(header, "id,name,role,phone,cells");
    let by_code: HashMap<&str, &DemoCell> = cells.iter().map(|c| (c.code, c)).collect();
    let mut roles: HashMap<String, usize> = HashMap::new();
    let mut heads: HashMap<&str, usize> = HashMap::new();
    let mut workers: HashMap<&str, usize> = HashMap::new();
    let mut police: HashMap<&str, usize> = HashMap::new();
    let mut contacts: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut phones = HashSet::new();
    for (i, r) in staff.iter().enumerate() {
        assert_eq!(r[0], format!("S{:06}", i + 1));
        assert!((2..=3).contains(&r[1].chars().count()), "{r:?}");
        assert!(r[3].starts_with("1990") && r[3].len() == 11, "{r:?}");
        assert!(phones.insert(r[3].clone()), "phone {} twice", r[3]);
        let served: Vec<&DemoCell> = r[4].split(';').map(|c| by_code[c]).collect();
        *roles.entry(r[2].clone()).or_default() += 1;
        let one = |f: for<'a> fn(&'a DemoCell<'a>) -> &'a str| {
            served.iter().all(|c| f(c) == f(served[0]))
        };
        match r[2].as_str() {
            "cell_head" => {
                assert!(one(|c| c.village), "{r:?}");
                served
                    .iter()
                    .for_each(|c| *heads.entry(c.code).or_default() += 1);
            }
            "cell_worker" => {
                assert!(served.len() <= 2, "{r:?}");
                if let [a, b] = served[..] {
                    assert_eq!(a.village, b.village, "{r:?}");
                    assert!(a.shape.intersects(b.shape), "{r:?}: not neighbours");
                }
                served
                    .iter()
                    .for_each(|c| *workers.entry(c.code).or_default() += 1);
            }
            "cell_police" => {
                assert!(one(|c| c.township), "{r:?}");
                served
                    .iter()
                    .for_each(|c| *police.entry(c.code).or_default() += 1);
            }
            "department_contact" => {
                assert!(one(|c| c.township), "{r:?}");
                let t = served[0].township;
                assert!(contacts.insert(t, r[4].split(';').collect()).is_none());
            }
            other => panic!("role {other}"),
        }
    }
    for c in cells {
        assert_eq!(heads.get(c.code), Some(&1), "{}: heads", c.code);
        assert!(workers.get(c.code).is_some_and(|&n| n >= 1), "{}", c.code);
        assert_eq!(police.get(c.code), Some(&1), "{}: police", c.code);
        let all = &contacts[c.township];
        assert!(all.contains(&c.code), "{}: contact", c.code);
    }
    let townships: HashSet<&str> = cells.iter().map(|c| c.township).collect();
    assert_eq!(contacts.len(), townships.len());
    let listed: usize = contacts.values().map(Vec::len).sum();
    assert_eq!(listed, cells.len());
    roles
}

#[test]
fn staff_follow_the_rules_at_the_reference_ratios() {
    let units = city();
    let cells = demo_cells(&units);
    let (_, dir) = written("staff", 1);
    let roles = check_staff(&cells, &dir);
    let n = cells.len();
    let (cells_ref, heads, workers, police) = REFERENCE;
    let scaled = |k: usize| (n * k + cells_ref / 2) / cells_ref;
    assert_eq!(roles["cell_head"], scaled(heads));
    assert_eq!(roles["cell_worker"], scaled(workers));
    assert_eq!(roles["cell_police"], scaled(police));
    // a head serves 3 or 4 cells on average
    let per_head = n as f64 / roles["cell_head"] as f64;
    assert!((3.0..=4.0).contains(&per_head), "{per_head}");
    // some workers serve two cells: fewer single-cell workers than cells
    let (_, staff) = read(&dir, "staff");
    let pairs = staff
        .iter()
        .filter(|r| r[2] == "cell_worker" && r[4].contains(';'))
        .count();
    assert!(pairs >= n / 20, "{pairs}");
}

#[test]
fn rasters_that_do_not_fit_are_refused() {
    let units = city();
    let cells = demo_cells(&units);
    let dir = out_dir("refused");
    let good = raster(&cells);
    let g = good.geo_transform();
    let (w, h) = (good.width(), good.height());
    // twice as wide, people everywhere: half of them east of the city
    let values: Vec<f32> = vec![10.0; 2 * w * h];
    let everywhere = Raster::new(2 * w, h, g, Crs::Wgs84, values.clone(), None).unwrap();
    let e = DemoLayers::default()
        .write(&cells, &everywhere, &dir)
        .unwrap_err();
    assert!(matches!(e, DemoLayersError::PeopleOutside { .. }), "{e}");
    let empty = Raster::new(w, h, g, Crs::Wgs84, vec![0.0; w * h], None).unwrap();
    let e = DemoLayers::default()
        .write(&cells, &empty, &dir)
        .unwrap_err();
    assert_eq!(e.to_string(), "the population raster has no people");
    let mercator = GeoTransform::north_up(11_870_000.0, 3_080_000.0, 200.0, 200.0);
    let projected = Raster::new(2 * w, h, mercator, Crs::WebMercator, values, None).unwrap();
    let e = DemoLayers::default()
        .write(&cells, &projected, &dir)
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "the population raster is in epsg:3857; demo layers need one in EPSG:4326 lon/lat"
    );
    let e = DemoLayers::default().write(&[], &good, &dir).unwrap_err();
    assert!(matches!(e, DemoLayersError::NoCells), "{e}");
    assert!(!dir.exists(), "nothing written");
}

#[test]
fn guiyang() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let units = citygrid_io::read_units(
        &root.join("data/guiyang/partition.geojson.gz"),
        &citygrid_io::ReadOptions::default(),
    )
    .unwrap()
    .units;
    let cells = demo_cells(&units);
    assert_eq!(cells.len(), 5906);
    let population = Raster::read(&root.join("data/guiyang/population.tif")).unwrap();
    let dir = out_dir("guiyang");
    let started = Instant::now();
    let files = DemoLayers::default()
        .write(&cells, &population, &dir)
        .unwrap();
    let took = started.elapsed();
    for f in &files {
        println!("{}: {} rows", f.name, f.rows);
    }
    println!("generated in {took:?}");
    let rows: HashMap<&str, usize> = files.iter().map(|f| (f.name.as_str(), f.rows)).collect();
    assert!((200_000..=300_000).contains(&rows["houses"]), "{rows:?}");
    assert_eq!(rows["people"], 300_000);
    assert!(
        (60_000..=100_000).contains(&rows["legal_persons"]),
        "{rows:?}"
    );
    assert!((10_000..=20_000).contains(&rows["facilities"]), "{rows:?}");
    assert!((100_000..=200_000).contains(&rows["events"]), "{rows:?}");
    let roles = check_staff(&cells, &dir);
    assert_eq!(roles["cell_head"], 1764);
    assert_eq!(roles["cell_worker"], 6000);
    assert_eq!(roles["cell_police"], 1335);
    assert_eq!(roles["department_contact"], 146);
    let (_, houses) = read(&dir, "houses");
    let persons: u64 = houses.iter().map(|r| int(&r[3])).sum();
    assert_eq!(persons as f64, population.total());
    // debug build; a release build takes a fraction of it
    assert!(took.as_secs() < 60, "{took:?}");
}
