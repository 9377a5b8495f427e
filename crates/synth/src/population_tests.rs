//! Tests of the population generator on two small districts: an L-shaped town district
//! and a square rural one beside it, 0.05° (about 5 km) on a side.

use citygrid_model::{Level, Unit};
use geo_types::{MultiPolygon, Polygon, polygon};

use super::*;

const TOWN: DistrictProfile = DistrictProfile {
    code: "520102",
    name: "Town",
    people: 120_000,
    urban_share: 0.9,
    centres: &[centre(106.712, 26.588, 0.8, 1.0)],
};
const FARMS: DistrictProfile = DistrictProfile {
    code: "520121",
    name: "Farms",
    people: 9_000,
    urban_share: 0.2,
    centres: &[centre(106.775, 26.575, 0.5, 1.0)],
};

fn unit(code: &str, shape: Polygon<f64>) -> Unit {
    Unit::new(
        code.parse().unwrap(),
        Level::District,
        MultiPolygon(vec![shape]),
    )
}

/// The L (its north-east quarter missing) and the square east of it, sharing an edge.
fn districts() -> Vec<Unit> {
    let l = polygon![
        (x: 106.70, y: 26.55), (x: 106.75, y: 26.55), (x: 106.75, y: 26.575),
        (x: 106.725, y: 26.575), (x: 106.725, y: 26.60), (x: 106.70, y: 26.60),
    ];
    let square = polygon![
        (x: 106.75, y: 26.55), (x: 106.80, y: 26.55), (x: 106.80, y: 26.60), (x: 106.75, y: 26.60),
        (x: 106.75, y: 26.575),
    ];
    vec![unit("520102", l), unit("520121", square)]
}

fn generate(seed: u64) -> Population {
    SynthPopulation::with_profiles(seed, vec![TOWN, FARMS])
        .pixel_deg(0.001)
        .generate(&districts())
        .unwrap()
}

#[test]
fn districts_get_exactly_their_people_in_whole_numbers() {
    let p = generate(1);
    let r = &p.raster;
    assert_eq!((r.width(), r.height()), (100, 50));
    assert_eq!(r.total(), 129_000.0);
    for (d, profile) in p.districts.iter().zip([TOWN, FARMS]) {
        assert_eq!(
            (d.people, d.target),
            (profile.people, profile.people),
            "{}",
            d.name
        );
    }
    assert_eq!(
        p.districts[0].pixels + p.districts[1].pixels,
        100 * 50 - 25 * 25
    );
    assert!(r.pixels().all(|(_, _, v)| v >= 0.0 && v.fract() == 0.0));
    assert_eq!(r.crs(), Crs::Wgs84);
    assert!(
        r.description()
            .unwrap()
            .starts_with("GENERATED demo population, people per pixel")
    );
}

#[test]
fn nobody_lives_outside_the_districts() {
    let r = generate(1).raster;
    // the L's missing quarter (106.725..106.75, 26.575..26.60) is in neither district
    for row in 0..25 {
        for col in 25..50 {
            assert_eq!(r.value(col, row), Some(0.0), "({col}, {row})");
        }
    }
}

#[test]
fn the_town_is_dense_the_farms_are_not_and_nothing_exceeds_the_cap() {
    let p = generate(1);
    let (town, farms) = (&p.districts[0], &p.districts[1]);
    assert!(town.peak_per_km2 > 20_000.0, "{town:?}");
    assert!(farms.peak_per_km2 < town.peak_per_km2 / 2.0, "{farms:?}");
    // rounding may add one person to a capped pixel of about 0.1 km²
    for d in &p.districts {
        assert!(d.peak_per_km2 <= MAX_DENSITY + 10.0, "{d:?}");
    }
}

#[test]
fn same_seed_same_bytes_other_seed_other_texture() {
    let a = generate(5).raster.to_bytes().unwrap();
    let b = generate(5).raster.to_bytes().unwrap();
    assert_eq!(a, b);
    let c = generate(6);
    assert_ne!(a, c.raster.to_bytes().unwrap());
    assert_eq!(c.raster.total(), 129_000.0);
}

#[test]
fn units_and_profiles_must_match() {
    let extra = {
        let mut d = districts();
        d.push(unit(
            "520199",
            polygon![(x: 106.0, y: 26.0), (x: 106.1, y: 26.0), (x: 106.0, y: 26.1)],
        ));
        d
    };
    let generator = SynthPopulation::with_profiles(1, vec![TOWN, FARMS]).pixel_deg(0.001);
    let e = generator.generate(&extra).unwrap_err();
    assert_eq!(
        e.to_string(),
        "unit 520199 has no population profile (known: 520102, 520121)"
    );
    let e = generator.generate(&districts()[..1]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "district 520121 (Farms) is missing from the input"
    );
    let e = generator
        .clone()
        .pixel_deg(0.0)
        .generate(&districts())
        .unwrap_err();
    assert!(matches!(e, PopulationError::PixelSize(_)), "{e}");
    let e = generator
        .clone()
        .pixel_deg(f64::NAN)
        .generate(&districts())
        .unwrap_err();
    assert!(matches!(e, PopulationError::PixelSize(_)), "{e}");
    // 0.1° pixels are wider than either district: the L holds no centre
    let e = generator.pixel_deg(0.1).generate(&districts()).unwrap_err();
    assert!(e.to_string().contains("holds no pixel centre"), "{e}");
}

#[test]
fn a_continent_at_ten_metres_is_refused_before_allocating() {
    let huge = vec![
        unit(
            "520102",
            polygon![(x: 70.0, y: 10.0), (x: 140.0, y: 10.0), (x: 140.0, y: 55.0)],
        ),
        districts().remove(1),
    ];
    let e = SynthPopulation::with_profiles(1, vec![TOWN, FARMS])
        .pixel_deg(1e-4)
        .generate(&huge)
        .unwrap_err();
    assert!(
        matches!(e, PopulationError::TooLarge { width: 700_000, .. }),
        "{e}"
    );
}

#[test]
fn capping_refills_the_other_pixels() {
    let got = cap_and_refill(10.0, &[1.0, 1.0, 8.0], &[5.0, 5.0, 5.0]);
    assert_eq!(got, vec![2.5, 2.5, 5.0]);
    // nothing to cap: plain scaling
    assert_eq!(
        cap_and_refill(4.0, &[1.0, 1.0], &[9.0, 9.0]),
        vec![2.0, 2.0]
    );
    // more than the caps can hold: everything at its cap
    assert_eq!(
        cap_and_refill(30.0, &[1.0, 2.0], &[5.0, 5.0]),
        vec![5.0, 5.0]
    );
}

#[test]
fn rounding_keeps_the_total_and_favours_the_largest_remainders() {
    let mut out = vec![0u32; 4];
    distribute(3, &[0, 1, 3], &[0.5, 0.75, 1.75], &mut out);
    assert_eq!(out, vec![0, 1, 0, 2]);
    let mut out = vec![0u32; 3];
    // ties go to the earlier pixel
    distribute(2, &[0, 1, 2], &[0.5, 0.5, 1.0], &mut out);
    assert_eq!(out, vec![1, 0, 1]);
}

#[test]
fn cosine_series_matches_known_values() {
    assert_eq!(cos_deg(0.0), 1.0);
    for (degrees, cos) in [
        (60.0, 0.5),
        (26.6, 0.894_154_236_839_368_1),
        (-45.0, std::f64::consts::FRAC_1_SQRT_2),
    ] {
        assert!((cos_deg(degrees) - cos).abs() < 1e-15, "{degrees}");
    }
}
