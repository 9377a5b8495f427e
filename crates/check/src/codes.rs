//! Code rules: every code once, well-formed for its level, prefixed by its parent's.

use std::sync::Arc;

use geo::InteriorPoint;
use geo_types::Geometry;
use rustc_hash::FxHashMap;

use citygrid_model::{Unit, UnitCode};

use crate::options::CheckOptions;
use crate::report::{Rule, Violation};

fn anchor(u: &Unit) -> Option<Geometry<f64>> {
    u.geometry.interior_point().map(Geometry::Point)
}

/// Reports codes used more than once, and codes that break the layout.
pub(crate) fn check_codes(units: &[Arc<Unit>], options: &CheckOptions, out: &mut Vec<Violation>) {
    let mut by_code: FxHashMap<&UnitCode, Vec<usize>> = FxHashMap::default();
    for (i, u) in units.iter().enumerate() {
        by_code.entry(&u.code).or_default().push(i);
    }
    let mut dups: Vec<(&UnitCode, Vec<usize>)> = by_code
        .iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(c, v)| (*c, v.clone()))
        .collect();
    dups.sort();
    for (code, ids) in dups {
        let points: Vec<geo_types::Point<f64>> = ids
            .iter()
            .filter_map(|&i| units[i].geometry.interior_point())
            .collect();
        out.push(Violation {
            rule: Rule::DuplicateCode,
            codes: vec![code.clone()],
            location: Some(Geometry::MultiPoint(geo_types::MultiPoint(points))),
            size: None,
            message: format!(
                "code {code} is used by {} units (features {})",
                ids.len(),
                join(&ids)
            ),
        });
    }
    let layout = &options.layout;
    for u in units {
        let parent = u.parent.as_ref().map(|p| {
            let level = by_code
                .get(p)
                .map(|ids| units[ids[0]].level)
                .or_else(|| layout.level_of(p))
                .or_else(|| u.level.parent())
                .unwrap_or(u.level);
            (p, level)
        });
        if let Err(problem) = layout.check(&u.code, u.level, parent) {
            out.push(Violation {
                rule: Rule::BadCode,
                codes: vec![u.code.clone()],
                location: anchor(u),
                size: None,
                message: format!("{} {} {problem}", u.level, u.code),
            });
        }
    }
}

fn join(ids: &[usize]) -> String {
    ids.iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
