//! Tests of generated cities: determinism, sizes, codes, and a clean-coverage check
//! written independently of the generator with `geo`.

use std::collections::HashMap;
use std::time::Instant;

use citygrid_model::{CodeLayout, Partition, sequence};
use proptest::prelude::*;

use super::*;
use crate::testing::{assert_areas, assert_clean, assert_segments_match, level};

#[test]
fn same_seed_same_city_other_seed_other_city() {
    let a = SynthCity::new(11)
        .cells(120)
        .vertices_per_cell(30)
        .generate();
    let b = SynthCity::new(11)
        .cells(120)
        .vertices_per_cell(30)
        .generate();
    assert_eq!(a, b);
    let c = SynthCity::new(12)
        .cells(120)
        .vertices_per_cell(30)
        .generate();
    assert_ne!(a, c);
}

#[test]
fn small_city_is_a_clean_coverage() {
    let units = SynthCity::new(3)
        .cells(100)
        .vertices_per_cell(24)
        .generate();
    assert_eq!(level(&units, Level::Cell).len(), 100);
    assert_clean(&units);
    assert_areas(&units);
}

#[test]
fn wide_city_without_merges_is_clean() {
    let units = SynthCity::new(5)
        .cells(150)
        .vertices_per_cell(8)
        .extent_km(40.0, 12.0)
        .centre(116.4, 39.9)
        .merges(0.0)
        .generate();
    assert_clean(&units);
    let cells = level(&units, Level::Cell).len();
    assert!((147..=153).contains(&cells), "{cells}");
}

#[test]
fn guiyang_sized_city_has_real_city_counts() {
    let (units, stats) = SynthCity::new(1)
        .cells(5900)
        .vertices_per_cell(6)
        .generate_with_stats();
    let count = |l| level(&units, l).len();
    assert_eq!(count(Level::City), 1);
    assert_eq!(count(Level::District), 10);
    assert!((5782..=6018).contains(&count(Level::Cell)), "{stats:?}");
    assert!((1235..=1365).contains(&count(Level::Village)), "{stats:?}");
    assert!((140..=160).contains(&count(Level::Township)), "{stats:?}");
    assert_eq!(stats.cells, count(Level::Cell));
    // About 15 % of lattice cells merged away.
    let merged = stats.merged_pairs as f64 / stats.lattice_cells as f64;
    assert!((0.12..0.18).contains(&merged), "{stats:?}");
    assert_segments_match(&units);
}

#[test]
fn tiny_cities_have_one_of_each_level() {
    for n in [1, 2, 5] {
        let units = SynthCity::new(9).cells(n).vertices_per_cell(10).generate();
        for l in Level::ALL {
            assert!(!level(&units, l).is_empty(), "{n} cells: no {l}");
        }
        assert_clean(&units);
    }
}

#[test]
fn vertices_per_cell_is_met_on_average() {
    for v in [12, 60, 186] {
        let (_, stats) = SynthCity::new(4)
            .cells(300)
            .vertices_per_cell(v)
            .generate_with_stats();
        let avg = stats.cell_vertices as f64 / stats.cells as f64;
        let want = v as f64;
        assert!((avg - want).abs() < 0.05 * want, "{v}: {avg}");
    }
}

#[test]
fn codes_names_parents_and_attributes_follow_the_layout() {
    let units = SynthCity::new(8).cells(400).vertices_per_cell(8).generate();
    let layout = CodeLayout::default();
    let by_code: HashMap<&UnitCode, &Unit> = units.iter().map(|u| (&u.code, u)).collect();
    assert_eq!(by_code.len(), units.len(), "codes are unique");
    for u in &units {
        let parent = u.parent.as_ref().map(|p| (p, by_code[p].level));
        assert_eq!(layout.check(&u.code, u.level, parent), Ok(()), "{}", u.code);
        if let Some((_, pl)) = parent {
            assert_eq!(pl.child(), Some(u.level));
        }
        let Some(AttrValue::Number(h)) = u.attributes.get("households") else {
            panic!("{} has no households", u.code);
        };
        if u.level == Level::Cell {
            assert!((300.0..=500.0).contains(h));
            assert_eq!(u.name, format!("Cell {}", &u.code.as_str()[12..]));
        }
    }
    assert!(Partition::new(units, layout).is_ok());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn any_small_city_is_a_clean_coverage(
        seed in any::<u64>(),
        cells in 1usize..160,
        vertices in 4usize..40,
        merges in 0.0f64..0.4,
        width in 1.0f64..100.0,
        height in 1.0f64..100.0,
    ) {
        let units = SynthCity::new(seed)
            .cells(cells)
            .vertices_per_cell(vertices)
            .merges(merges)
            .extent_km(width, height)
            .generate();
        assert_clean(&units);
        let made = level(&units, Level::Cell).len();
        prop_assert!(made.abs_diff(cells) * 50 <= cells.max(50), "{made} of {cells}");
    }
}

/// `cargo test --release -p citygrid-synth -- --ignored --nocapture`
#[test]
#[ignore = "timing: run in release"]
fn benchmark_city_generates_quickly() {
    let builder = SynthCity::new(2024).cells(5900).vertices_per_cell(186);
    let t = Instant::now();
    let (units, stats) = builder.generate_with_stats();
    let elapsed = t.elapsed();
    let all: usize = units
        .iter()
        .flat_map(|u| &u.geometry.0)
        .map(|p| p.exterior().0.len())
        .sum();
    println!(
        "cells(5900).vertices_per_cell(186): {} cells, {} cell vertices ({:.1} per cell), {} coordinates in all {} units, generated in {:.3} s",
        stats.cells,
        stats.cell_vertices,
        stats.cell_vertices as f64 / stats.cells as f64,
        all,
        units.len(),
        elapsed.as_secs_f64()
    );
    assert_segments_match(&units);
    assert_numbered_like_the_model(&units);
}

/// Sequence numbers (the last digits of each code) are the model's reading order
/// among siblings.
fn assert_numbered_like_the_model(units: &[Unit]) {
    let mut siblings: HashMap<&UnitCode, Vec<&Unit>> = HashMap::new();
    for u in units {
        if let Some(p) = &u.parent {
            siblings.entry(p).or_default().push(u);
        }
    }
    for kids in siblings.values() {
        let refs: Vec<_> = kids.iter().map(|k| &k.geometry).collect();
        let digits = if kids[0].level == Level::District {
            2
        } else {
            3
        };
        for (k, seq) in kids.iter().zip(sequence::reading_order(&refs)) {
            let code = k.code.as_str();
            assert_eq!(
                code[code.len() - digits..].parse::<u32>().unwrap(),
                seq,
                "{code}"
            );
        }
    }
}

#[test]
fn numbering_agrees_with_the_models_reading_order() {
    let units = SynthCity::new(6)
        .cells(700)
        .vertices_per_cell(40)
        .generate();
    assert_numbered_like_the_model(&units);
}
