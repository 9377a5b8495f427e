//! The demo city's GENERATED population raster (`data/guiyang/population.tif`, not real
//! data) is what the generator makes from the districts today, byte for byte, every time;
//! it holds each district's figure and its urban centres lie in their districts.

use citygrid_raster::Raster;
use citygrid_synth::{GUIYANG, SynthPopulation};
use geo::Contains;

use crate::support::{guiyang, guiyang_districts};

/// The seed `data/guiyang/SOURCE.md` says the committed file was made with.
const SEED: u64 = 1;

#[test]
fn regenerates_byte_for_byte_and_twice_the_same() {
    let units = guiyang_districts();
    let first = SynthPopulation::guiyang(SEED).generate(&units).unwrap();
    let bytes = first.raster.to_bytes().unwrap();
    let committed = std::fs::read(guiyang("population.tif")).unwrap();
    assert!(
        bytes == committed,
        "data/guiyang/population.tif is not what the generator makes now: regenerate it \
         with the command in data/guiyang/SOURCE.md"
    );
    let second = SynthPopulation::guiyang(SEED).generate(&units).unwrap();
    assert_eq!(second.raster.to_bytes().unwrap(), bytes);
    assert_eq!(first.districts, second.districts);
}

#[test]
fn holds_each_districts_figure_about_six_million_in_all() {
    let population = SynthPopulation::guiyang(SEED)
        .generate(&guiyang_districts())
        .unwrap();
    for (d, profile) in population.districts.iter().zip(GUIYANG) {
        assert_eq!((d.code.as_str(), d.people), (profile.code, profile.people));
        assert!(
            (20_000.0..=38_100.0).contains(&d.peak_per_km2) || profile.urban_share < 0.6,
            "{d:?}"
        );
    }
    let peak = population
        .districts
        .iter()
        .map(|d| d.peak_per_km2)
        .fold(0.0, f64::max);
    assert!((30_000.0..=40_000.0).contains(&peak), "{peak}");
    let committed = Raster::read(&guiyang("population.tif")).unwrap();
    assert_eq!(committed.total(), 6_000_000.0);
    assert!(committed.description().unwrap().starts_with("GENERATED"));
    // zero outside the city: the corners of the extent are outside every district
    let (w, h) = (committed.width(), committed.height());
    for (col, row) in [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)] {
        assert_eq!(committed.value(col, row), Some(0.0));
    }
}

#[test]
fn every_urban_centre_lies_in_its_district() {
    let units = guiyang_districts();
    for profile in GUIYANG {
        let unit = units
            .iter()
            .find(|u| u.code.as_str() == profile.code)
            .unwrap();
        for c in profile.centres {
            let p = geo_types::Point::new(c.lon, c.lat);
            assert!(unit.geometry.contains(&p), "{} {c:?}", profile.name);
        }
    }
}
