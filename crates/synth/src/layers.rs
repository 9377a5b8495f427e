//! GENERATED entity layers and a staff registry for the demo city: houses, a sample of
//! residents, legal persons, facilities, a year of reported events and the staff who
//! serve each cell, written as CSV files. **None of it is real data.**
//!
//! Grid management counts everything per cell, and the demo needs something to count
//! that agrees with its generated population raster. So every point is placed where
//! the raster's people are (see `places.rs`), and the amounts follow the raster:
//! the houses hold its people, the residents' sample weighs up to them, and the other
//! layers are per-capita rates of a city like Guiyang (6.0 M people: about 80,000 legal
//! persons, 17,000 facilities and 150,000 events a year). Denser pixels get taller
//! buildings with more people, more renters and more migrants.
//!
//! Everything is integer hashing and `+ - * /` (the crate's [`SplitMix64`], one stream
//! per file), coordinates are written from integers and times from a day count: the same
//! seed gives the same bytes on every machine.

use std::path::Path;

use citygrid_raster::Raster;

use crate::clock::{DAY, LocalTime};
use crate::csv::CsvFile;
use crate::demo::{DemoCell, DemoFile, DemoLayersError};
use crate::names::{self, PLACES};
use crate::places::{Pixel, Places};
use crate::rng::SplitMix64;
use crate::staff;

/// Builder for the GENERATED demo layers.
///
/// # Examples
/// ```no_run
/// use std::collections::HashMap;
///
/// use citygrid_io::{ReadOptions, read_units};
/// use citygrid_model::Level;
/// use citygrid_raster::Raster;
/// use citygrid_synth::{DemoCell, DemoLayers};
///
/// let units = read_units("data/guiyang/partition.geojson.gz".as_ref(), &ReadOptions::default())?.units;
/// let parent: HashMap<&str, &str> = units
///     .iter()
///     .filter_map(|u| Some((u.code.as_str(), u.parent.as_ref()?.as_str())))
///     .collect();
/// let cells: Vec<DemoCell> = units
///     .iter()
///     .filter(|u| u.level == Level::Cell)
///     .map(|u| {
///         let village = parent[u.code.as_str()];
///         DemoCell { code: u.code.as_str(), village, township: parent[village], shape: &u.geometry }
///     })
///     .collect();
/// let population = Raster::read("data/guiyang/population.tif".as_ref())?;
/// for file in DemoLayers::default().write(&cells, &population, "demo".as_ref())? {
///     println!("{}: {} rows", file.name, file.rows);
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DemoLayers {
    /// Every random choice comes from it.
    pub seed: u64,
}

impl Default for DemoLayers {
    /// Seed 1, the demo's.
    fn default() -> Self {
        DemoLayers { seed: 1 }
    }
}

/// Residents per row of `people.csv` (its `weight`).
const SAMPLE: u64 = 20;
/// People per legal person: about 80,000 in a city of 6.0 M.
const PEOPLE_PER_LEGAL_PERSON: u64 = 75;
/// People per reported event in a year: about 150,000 in a city of 6.0 M.
const PEOPLE_PER_EVENT: u64 = 40;
/// Density from which a pixel counts as fully urban, people/km².
const URBAN_PER_KM2: f64 = 20_000.0;
/// Part of the events never handled (a disposal rate of about 98.4 % with those whose
/// handling would fall after the year).
const PENDING: f64 = 0.0138;

/// A weighted choice: items and their integer weights.
type Weights<T> = [(T, u32)];

/// Share of the events received in each hour of the day, in tenths of a percent: few at
/// night, a morning and an afternoon peak.
const HOURS: [(i64, u32); 24] = [
    (0, 12),
    (1, 7),
    (2, 5),
    (3, 4),
    (4, 4),
    (5, 7),
    (6, 18),
    (7, 38),
    (8, 62),
    (9, 72),
    (10, 74),
    (11, 66),
    (12, 48),
    (13, 50),
    (14, 64),
    (15, 68),
    (16, 66),
    (17, 58),
    (18, 48),
    (19, 44),
    (20, 40),
    (21, 33),
    (22, 24),
    (23, 17),
];

const CATEGORIES: [(&str, u32); 7] = [
    ("environment", 22),
    ("public_safety", 10),
    ("dispute", 14),
    ("infrastructure", 18),
    ("traffic", 12),
    ("housing", 9),
    ("other", 15),
];

/// Sources by day; patrols hardly report at night.
const SOURCES: [(&str, u32); 3] = [("hotline_12345", 45), ("wechat", 33), ("patrol", 22)];
const SOURCES_AT_NIGHT: [(&str, u32); 3] = [("hotline_12345", 60), ("wechat", 36), ("patrol", 4)];

/// How a facility of a kind is numbered in its name.
#[derive(Debug, Clone, Copy)]
enum Numbering {
    /// `{place}第{n in Chinese}{suffix}`: 延安第三小学.
    Ordinal,
    /// `{place}{suffix}{n}号`: 延安消火栓12号.
    Number,
}

/// A kind of facility: how many people one serves, and how it is named.
struct FacilityKind {
    kind: &'static str,
    people_per: u64,
    suffix: &'static str,
    numbering: Numbering,
}

const fn facility(
    kind: &'static str,
    people_per: u64,
    suffix: &'static str,
    numbering: Numbering,
) -> FacilityKind {
    FacilityKind {
        kind,
        people_per,
        suffix,
        numbering,
    }
}

/// About 17,000 facilities in a city of 6.0 M.
const FACILITIES: [FacilityKind; 9] = [
    facility("school", 5_000, "小学", Numbering::Ordinal),
    facility("school", 12_000, "中学", Numbering::Ordinal),
    facility("clinic", 4_000, "社区卫生服务站", Numbering::Ordinal),
    facility("pharmacy", 3_000, "大药房", Numbering::Number),
    facility("fire_hydrant", 1_500, "消火栓", Numbering::Number),
    facility("camera", 1_500, "视频监控点", Numbering::Number),
    facility("public_toilet", 5_000, "公厕", Numbering::Number),
    facility("market", 12_000, "农贸市场", Numbering::Ordinal),
    facility("bus_stop", 2_500, "路口站", Numbering::Number),
];

impl DemoLayers {
    /// Layers from `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        DemoLayers { seed }
    }

    /// Writes `houses.csv`, `people.csv`, `legal_persons.csv`, `facilities.csv`,
    /// `events.csv` and `staff.csv` into `dir` (created if missing) for `cells`, with
    /// points where `population` (people per pixel, EPSG:4326) has people; returns what
    /// it wrote, in that order.
    ///
    /// # Errors
    /// [`DemoLayersError::NoCells`] for no cells; [`DemoLayersError::NotWgs84`] for a
    /// raster not in lon/lat; [`DemoLayersError::NoPeople`] or
    /// [`DemoLayersError::PeopleOutside`] when the raster's people are not in the cells
    /// (more than 1 % outside); [`DemoLayersError::Io`] when a file cannot be written.
    pub fn write(
        &self,
        cells: &[DemoCell<'_>],
        population: &Raster,
        dir: &Path,
    ) -> Result<Vec<DemoFile>, DemoLayersError> {
        if cells.is_empty() {
            return Err(DemoLayersError::NoCells);
        }
        let places = Places::new(cells, population)?;
        std::fs::create_dir_all(dir).map_err(|source| DemoLayersError::Io {
            path: dir.into(),
            source,
        })?;
        let s = self.seed;
        Ok(vec![
            houses(&places, s, dir)?,
            people(&places, s, dir)?,
            legal_persons(&places, s, dir)?,
            facilities(&places, s, dir)?,
            events(&places, s, dir)?,
            staff_registry(cells, s, dir)?,
        ])
    }
}

/// `houses.csv`: each populated pixel's people housed in buildings, taller and fuller
/// where it is denser (a village house of 1 to 4 floors with one or two households a
/// floor, blocks of up to 40 floors with 2 to 4 flats a floor), and some vacant ones.
/// A pixel's last building takes what is left when less than half a building would
/// be: the persons add up to each pixel's people, so to the raster's total exactly.
fn houses(places: &Places<'_>, seed: u64, dir: &Path) -> Result<DemoFile, DemoLayersError> {
    let mut csv = CsvFile::create(dir, "houses", "lon,lat,kind,persons,floors")?;
    let mut rng = SplitMix64::fork(seed, 1);
    for pixel in places.pixels() {
        let urban = urbanness(pixel);
        let mut left = pixel.people;
        while left > 0 {
            let floors = building_floors(urban, &mut rng);
            let point = places.point_in(pixel, &mut rng);
            if rng.chance(0.08 - 0.04 * urban) {
                csv.row()
                    .point(point)
                    .field("vacant")
                    .field(0)
                    .field(floors)
                    .end()?;
                continue;
            }
            let per_floor = if floors <= 3 {
                1 + rng.below(2)
            } else {
                2 + rng.below(3)
            };
            let households = floors * per_floor as u64;
            let mut persons = ((households as f64 * rng.range(2.2, 3.4)).round() as u64).max(1);
            if persons >= left || 2 * (left - persons) < persons {
                persons = left;
            }
            left -= persons;
            let kind = if rng.chance(0.012) {
                "collective"
            } else if rng.chance(0.12 + 0.33 * urban) {
                "rented"
            } else {
                "owned"
            };
            csv.row()
                .point(point)
                .field(kind)
                .field(persons)
                .field(floors)
                .end()?;
        }
    }
    csv.finish()
}

/// Floors of a building: 1 to 4 in the country, around 26 in the densest blocks.
fn building_floors(urban: f64, rng: &mut SplitMix64) -> u64 {
    let typical = 2.5 + 24.0 * urban;
    ((typical * rng.range(0.5, 1.5)).round() as u64).clamp(1, 40)
}

/// `people.csv`: one resident in [`SAMPLE`], each standing for [`SAMPLE`] people.
fn people(places: &Places<'_>, seed: u64, dir: &Path) -> Result<DemoFile, DemoLayersError> {
    let mut csv = CsvFile::create(dir, "people", "lon,lat,sex,age_group,residence,weight")?;
    let mut rng = SplitMix64::fork(seed, 2);
    for _ in 0..(places.people() + SAMPLE / 2) / SAMPLE {
        let pixel = places.pick(&mut rng);
        let urban = urbanness(pixel);
        let point = places.point_in(pixel, &mut rng);
        let sex = if rng.chance(0.512) { "male" } else { "female" };
        // the country has more children and more elderly (the working age leave)
        let (young, old) = (0.20 - 0.04 * urban, 0.19 - 0.07 * urban);
        let r = rng.next_f64();
        let age = if r < young {
            "0-14"
        } else if r < young + old {
            "60+"
        } else {
            "15-59"
        };
        let residence = if rng.chance(0.06 + 0.40 * urban) {
            "migrant"
        } else {
            "registered"
        };
        csv.row()
            .point(point)
            .field(sex)
            .field(age)
            .field(residence)
            .field(SAMPLE)
            .end()?;
    }
    csv.finish()
}

/// `legal_persons.csv`: companies, sole traders, social organisations and public
/// institutions; most are small, a few employ thousands; registrations on working days,
/// more of them in recent years.
fn legal_persons(places: &Places<'_>, seed: u64, dir: &Path) -> Result<DemoFile, DemoLayersError> {
    const KINDS: [(&str, u32); 4] = [
        ("individual_business", 62),
        ("enterprise", 31),
        ("public_institution", 4),
        ("social_organization", 3),
    ];
    let mut csv = CsvFile::create(dir, "legal_persons", "lon,lat,kind,employees,registered")?;
    let mut rng = SplitMix64::fork(seed, 3);
    let first = LocalTime::midnight(1995, 1, 1);
    let days = LocalTime::midnight(2026, 12, 1).day() - first.day();
    for _ in 0..rounded(places.people(), PEOPLE_PER_LEGAL_PERSON) {
        let pixel = places.pick(&mut rng);
        let point = places.point_in(pixel, &mut rng);
        let kind = choose(&mut rng, &KINDS);
        let employees = match kind {
            "individual_business" => 1 + doubling_steps(&mut rng, 0.4, 7),
            "enterprise" => doubling(&mut rng, 0.55, 12),
            "public_institution" => 4 + doubling(&mut rng, 0.6, 10),
            _ => doubling(&mut rng, 0.45, 6),
        };
        // the later of two days: registrations grow over the years
        let day = loop {
            let day = first.0 + below(&mut rng, days).max(below(&mut rng, days)) * DAY;
            if LocalTime(day).weekday() < 5 {
                break day;
            }
        };
        // office hours, 08:30 to 17:30
        let registered = LocalTime(day + 8 * 3600 + 1800 + below(&mut rng, 9 * 3600));
        csv.row()
            .point(point)
            .field(kind)
            .field(employees)
            .field(registered)
            .end()?;
    }
    csv.finish()
}

/// `facilities.csv`: each kind in proportion to the people, named after a place and
/// numbered within it.
fn facilities(places: &Places<'_>, seed: u64, dir: &Path) -> Result<DemoFile, DemoLayersError> {
    let mut csv = CsvFile::create(dir, "facilities", "lon,lat,kind,name")?;
    let mut rng = SplitMix64::fork(seed, 4);
    for f in &FACILITIES {
        let mut numbers = [0u32; PLACES.len()];
        for _ in 0..rounded(places.people(), f.people_per) {
            let pixel = places.pick(&mut rng);
            let point = places.point_in(pixel, &mut rng);
            let k = rng.below(PLACES.len());
            numbers[k] += 1;
            let (place, n, suffix) = (PLACES[k], numbers[k], f.suffix);
            let name = match f.numbering {
                Numbering::Ordinal => format!("{place}第{}{suffix}", names::numeral(n)),
                Numbering::Number => format!("{place}{suffix}{n}号"),
            };
            csv.row().point(point).field(f.kind).field(name).end()?;
        }
    }
    csv.finish()
}

/// A reported event: when, where, what, who reported it and when it was handled.
struct Event {
    received: LocalTime,
    handled: Option<LocalTime>,
    point: crate::places::Point,
    category: &'static str,
    source: &'static str,
}

/// `events.csv`: a year of reports (2025-12-01 to 2026-11-30), fewer at night, handled
/// within minutes to a couple of weeks (each doubling of the delay a little less likely
/// than the last), a few never; sorted by the time received.
fn events(places: &Places<'_>, seed: u64, dir: &Path) -> Result<DemoFile, DemoLayersError> {
    let mut rng = SplitMix64::fork(seed, 5);
    let first = LocalTime::midnight(2025, 12, 1);
    let end = LocalTime::midnight(2026, 12, 1);
    let days = end.day() - first.day();
    let n = rounded(places.people(), PEOPLE_PER_EVENT);
    let mut events = Vec::with_capacity(usize::try_from(n).unwrap_or(0));
    for _ in 0..n {
        let pixel = places.pick(&mut rng);
        let point = places.point_in(pixel, &mut rng);
        let hour = choose(&mut rng, &HOURS);
        let received =
            LocalTime(first.0 + below(&mut rng, days) * DAY + hour * 3600 + below(&mut rng, 3600));
        let category = choose(&mut rng, &CATEGORIES);
        let night = !(7..22).contains(&hour);
        let source = choose(&mut rng, if night { &SOURCES_AT_NIGHT } else { &SOURCES });
        // 20 to 40 minutes x 2^k, k = 0..=9: from 20 minutes to two weeks, median
        // about an hour and a half
        let low: i64 = (20 * 60) << doubling_steps(&mut rng, 0.72, 9);
        let handled = LocalTime(received.0 + low + below(&mut rng, low));
        let pending = rng.chance(PENDING) || handled >= end;
        events.push(Event {
            received,
            handled: (!pending).then_some(handled),
            point,
            category,
            source,
        });
    }
    // stable: equal times keep the order drawn
    events.sort_by_key(|e| e.received);
    let mut csv = CsvFile::create(dir, "events", "lon,lat,category,source,received,handled")?;
    for e in events {
        let row = csv
            .row()
            .point(e.point)
            .field(e.category)
            .field(e.source)
            .field(e.received);
        match e.handled {
            Some(t) => row.field(t),
            None => row.empty(),
        }
        .end()?;
    }
    csv.finish()
}

/// `staff.csv`: the registry of [`staff::registry`], with ids `S000001` on.
fn staff_registry(
    cells: &[DemoCell<'_>],
    seed: u64,
    dir: &Path,
) -> Result<DemoFile, DemoLayersError> {
    let mut csv = CsvFile::create(dir, "staff", "id,name,role,phone,cells")?;
    let mut served = String::new();
    for (i, m) in staff::registry(cells, seed).into_iter().enumerate() {
        served.clear();
        for (j, &c) in m.cells.iter().enumerate() {
            if j > 0 {
                served.push(';');
            }
            served.push_str(cells[c].code);
        }
        csv.row()
            .field(format_args!("S{:06}", i + 1))
            .field(m.name)
            .field(m.role.as_str())
            .field(m.phone)
            .field(&served)
            .end()?;
    }
    csv.finish()
}

/// How urban a pixel is, 0 (empty country) to 1 (from [`URBAN_PER_KM2`] on).
fn urbanness(pixel: &Pixel) -> f64 {
    (pixel.per_km2 / URBAN_PER_KM2).min(1.0)
}

/// `people / per`, rounded.
fn rounded(people: u64, per: u64) -> u64 {
    (people + per / 2) / per
}

/// A number uniform in `0..n` (`n > 0`).
fn below(rng: &mut SplitMix64, n: i64) -> i64 {
    rng.below(n as usize) as i64
}

/// An item drawn with probability proportional to its weight.
fn choose<T: Copy>(rng: &mut SplitMix64, items: &Weights<T>) -> T {
    let total: u32 = items.iter().map(|&(_, w)| w).sum();
    let mut r = rng.below(total as usize) as u32;
    for &(item, w) in items {
        if r < w {
            return item;
        }
        r -= w;
    }
    items[items.len() - 1].0
}

/// How many times a coin with probability `p` comes up in a row, at most `max`.
fn doubling_steps(rng: &mut SplitMix64, p: f64, max: u32) -> u64 {
    let mut k = 0;
    while k < max && rng.chance(p) {
        k += 1;
    }
    u64::from(k)
}

/// A log-skewed count: uniform in `2^k..2^(k+1)` for `k` from [`doubling_steps`], so
/// that each doubling is `p` times as likely as the last (1 most of the time for a
/// small `p`, up to `2^(max+1) - 1`).
fn doubling(rng: &mut SplitMix64, p: f64, max: u32) -> u64 {
    let low = 1u64 << doubling_steps(rng, p, max);
    low + rng.below(low as usize) as u64
}

#[cfg(test)]
#[path = "layers_tests.rs"]
mod tests;
