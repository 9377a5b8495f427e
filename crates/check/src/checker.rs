//! The checker: runs every rule over a set of units and gathers one report.

use std::sync::Arc;

use geo::InteriorPoint;
use geo_types::{Geometry, MultiPolygon, Point};
use rayon::prelude::*;
use rustc_hash::{FxHashMap, FxHashSet};

use citygrid_model::measure::{frame_for, planar_area_m2_in};
use citygrid_model::{Level, Partition, Unit, UnitCode};

use crate::codes::check_codes;
use crate::coverage::{Context, LevelOutcome, Reference, check_level, check_nesting};
use crate::options::CheckOptions;
use crate::report::{Report, Rule, Size, Violation};
use crate::shape::width_in;
use crate::validity::{all_finite, defects, fmt};

/// Checks partitions against every rule.
///
/// # Examples
/// ```
/// use std::sync::Arc;
/// use geo_types::{MultiPolygon, polygon};
/// use citygrid_check::{CheckOptions, Checker, Rule};
/// use citygrid_model::{Level, Unit};
///
/// let square = |x: f64| MultiPolygon(vec![polygon![
///     (x: 106.700 + x, y: 26.600), (x: 106.701 + x, y: 26.600),
///     (x: 106.701 + x, y: 26.601), (x: 106.700 + x, y: 26.601),
/// ]]);
/// let cell = |code: &str, x| Arc::new(Unit::new(code.parse().unwrap(), Level::Cell, square(x)));
/// // The second cell is shifted half a cell into the first.
/// let units = vec![cell("520102001001001", 0.0), cell("520102001001002", 0.0005)];
/// let report = Checker::new(CheckOptions::default()).check(&units, None);
/// assert_eq!(report.count(Rule::Overlap), 1);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Checker {
    options: CheckOptions,
}

impl Checker {
    /// A checker with these options.
    #[must_use]
    pub fn new(options: CheckOptions) -> Self {
        Checker { options }
    }

    /// The options in force.
    #[must_use]
    pub fn options(&self) -> &CheckOptions {
        &self.options
    }

    /// Checks a whole set of units of any levels, as read from a file (codes may
    /// repeat, geometry may be broken), against an optional city boundary.
    ///
    /// The rules on each unit alone run in parallel with the coverage rules, on all
    /// cores (set `RAYON_NUM_THREADS=1` for one).
    #[must_use]
    pub fn check(&self, units: &[Arc<Unit>], boundary: Option<&MultiPolygon<f64>>) -> Report {
        let all: Vec<usize> = (0..units.len()).collect();
        let usable: Vec<bool> = units
            .iter()
            .map(|u| !u.geometry.0.is_empty() && all_finite(&u.geometry))
            .collect();
        let (mut out, coverage) = rayon::join(
            || {
                let mut out = Vec::new();
                check_codes(units, &self.options, &mut out);
                self.check_units(units, &all, &mut out);
                out
            },
            || {
                let mut out = Vec::new();
                self.check_coverage(units, &usable, boundary, &mut out);
                out
            },
        );
        out.extend(coverage);
        finish(units, out)
    }

    /// Checks a partition version against an optional city boundary.
    #[must_use]
    pub fn check_partition(
        &self,
        partition: &Partition,
        boundary: Option<&MultiPolygon<f64>>,
    ) -> Report {
        self.check(partition.units(), boundary)
    }

    /// Checks an edit: the units `changed` (added, reshaped or removed codes) of
    /// `after`, against their neighbours only, and against the area the same units
    /// covered in `before`. Unchanged units far away are not looked at, so the cost
    /// follows the size of the edit, not of the city.
    ///
    /// Finds everything a full check would find near the edit: broken geometry,
    /// codes, shape, overlaps and unmatched edges with neighbours, gaps left behind,
    /// units pushed outside their parent, and any change to the outer boundary of
    /// the edited area (an edit may move boundaries between units, never the area
    /// they cover together).
    #[must_use]
    pub fn check_changed(
        &self,
        before: &Partition,
        after: &Partition,
        changed: &[UnitCode],
    ) -> Report {
        let changed: FxHashSet<&UnitCode> = changed.iter().collect();
        let mut out = Vec::new();
        // Rules about the changed units on their own.
        let edited: Vec<Arc<Unit>> = changed
            .iter()
            .filter_map(|c| after.get(c).cloned())
            .collect();
        let all: Vec<usize> = (0..edited.len()).collect();
        check_codes(&edited, &self.options, &mut out);
        self.check_units(&edited, &all, &mut out);
        // Neighbourhood: every unit of the same level whose box meets a changed
        // unit's box, before or after.
        let mut levels: FxHashMap<Level, Vec<geo_types::Rect<f64>>> = FxHashMap::default();
        for code in &changed {
            for p in [before, after] {
                if let Some(id) = p.id_of(code)
                    && let Some(r) = p.bbox(id)
                {
                    levels.entry(p.unit(id).level).or_default().push(r);
                }
            }
        }
        let mut level_list: Vec<_> = levels.into_iter().collect();
        level_list.sort_by_key(|(l, _)| *l);
        for (level, rects) in level_list {
            let pick = |p: &Partition| -> Vec<Arc<Unit>> {
                p.level_ids(level)
                    .filter(|&id| {
                        changed.contains(&p.unit(id).code)
                            || p.bbox(id)
                                .is_some_and(|b| rects.iter().any(|r| intersects(r, &b)))
                    })
                    .map(|id| p.unit(id).clone())
                    .collect()
            };
            let (old, new) = (pick(before), pick(after));
            let old_units: Vec<Arc<Unit>> = old
                .iter()
                .map(|u| {
                    Arc::new(Unit {
                        level: Level::City,
                        ..(**u).clone()
                    })
                })
                .collect();
            // The old neighbourhood, as the reference level above the new one.
            let mut combined = old_units;
            let first_new = combined.len();
            combined.extend(new.iter().cloned());
            let ctx = Context {
                units: &combined,
                options: &self.options,
                has_parent: vec![true; combined.len()],
            };
            let above = check_level(
                &ctx,
                (0..first_new).collect(),
                Reference::None,
                &mut Vec::new(),
            );
            check_level(
                &ctx,
                (first_new..combined.len()).collect(),
                Reference::Level(&above),
                &mut out,
            );
            // Nesting of the changed units in their parents, and of children in
            // changed parents.
            let mut parents: Vec<&UnitCode> = Vec::new();
            for u in &new {
                if changed.contains(&u.code) {
                    if let Some(p) = &u.parent {
                        parents.push(p);
                    }
                    parents.push(&u.code);
                }
            }
            parents.sort();
            parents.dedup();
            for p in parents {
                if let Some(pid) = after.id_of(p) {
                    let kids: Vec<Arc<Unit>> = after
                        .children_of(pid)
                        .iter()
                        .map(|&c| after.unit(c).clone())
                        .collect();
                    if kids.is_empty() {
                        continue;
                    }
                    let mut set = vec![after.unit(pid).clone()];
                    set.extend(kids);
                    let ctx = Context {
                        units: &set,
                        options: &self.options,
                        has_parent: vec![true; set.len()],
                    };
                    let kid_ids: Vec<usize> = (1..set.len()).collect();
                    let level_out =
                        check_level(&ctx, kid_ids.clone(), Reference::None, &mut Vec::new());
                    check_nesting(&ctx, 0, &kid_ids, &level_out, &mut out);
                }
            }
        }
        let mut report = finish(after.units(), out);
        report.violations.dedup();
        report
    }

    /// Geometry, shape and part-count rules for each unit on its own, in parallel.
    fn check_units(&self, units: &[Arc<Unit>], ids: &[usize], out: &mut Vec<Violation>) {
        let found: Vec<Vec<Violation>> = ids
            .par_iter()
            .map(|&i| self.check_unit(&units[i]))
            .collect();
        out.extend(found.into_iter().flatten());
    }

    /// Geometry validity, part count and shape of one unit.
    fn check_unit(&self, u: &Unit) -> Vec<Violation> {
        let mut out = Vec::new();
        for d in defects(&u.geometry) {
            out.push(Violation::invalid_geometry(u, &d.message, d.at));
        }
        if u.geometry.0.is_empty() || !all_finite(&u.geometry) {
            return out;
        }
        if self.options.single_part.contains(&u.level) && u.geometry.0.len() > 1 {
            out.push(Violation {
                rule: Rule::Multipart,
                codes: vec![u.code.clone()],
                location: Some(Geometry::MultiPolygon(u.geometry.clone())),
                size: None,
                message: format!(
                    "{} {} has {} separate parts; a {} must be one polygon",
                    u.level,
                    u.code,
                    u.geometry.0.len(),
                    u.level
                ),
            });
        }
        self.check_shape(u, &mut out);
        out
    }

    fn check_shape(&self, u: &Unit, out: &mut Vec<Violation>) {
        let Some(frame) = frame_for(&u.geometry) else {
            return;
        };
        let area = planar_area_m2_in(&u.geometry, &frame);
        if area < self.options.min_area_m2 {
            out.push(Violation {
                rule: Rule::Sliver,
                codes: vec![u.code.clone()],
                location: u.geometry.interior_point().map(Geometry::Point),
                size: Some(Size::SquareMetres(area)),
                message: format!(
                    "{} {} covers only {area:.2} m² (minimum {} m²)",
                    u.level, u.code, self.options.min_area_m2
                ),
            });
            return;
        }
        if self.options.min_width_m <= 0.0 {
            return;
        }
        if let Some(w) = width_in(&u.geometry, &frame, self.options.min_width_m)
            && w.metres < self.options.min_width_m
        {
            out.push(Violation {
                rule: Rule::Sliver,
                codes: vec![u.code.clone()],
                location: Some(Geometry::Point(Point(w.centre))),
                size: Some(Size::Metres(w.metres)),
                message: format!(
                    "{} {} is at most {:.2} m wide (minimum {} m), widest near {}",
                    u.level,
                    u.code,
                    w.metres,
                    self.options.min_width_m,
                    fmt(w.centre)
                ),
            });
        }
    }

    /// Coverage per level, top down, each against the level above (the boundary for
    /// the top one), then nesting of children in parents.
    fn check_coverage(
        &self,
        units: &[Arc<Unit>],
        usable: &[bool],
        boundary: Option<&MultiPolygon<f64>>,
        out: &mut Vec<Violation>,
    ) {
        let mut first_of: FxHashMap<&UnitCode, usize> = FxHashMap::default();
        for (i, u) in units.iter().enumerate() {
            first_of.entry(&u.code).or_insert(i);
        }
        let parent_of: Vec<Option<usize>> = units
            .iter()
            .map(|u| {
                let p = *first_of.get(u.parent.as_ref()?)?;
                (units[p].level < u.level && usable[p]).then_some(p)
            })
            .collect();
        let ctx = Context {
            units,
            options: &self.options,
            has_parent: parent_of.iter().map(Option::is_some).collect(),
        };
        let mut outcomes: Vec<(Level, LevelOutcome)> = Vec::new();
        for level in Level::ALL {
            let members: Vec<usize> = (0..units.len())
                .filter(|&i| usable[i] && units[i].level == level)
                .collect();
            if members.is_empty() {
                continue;
            }
            let reference = match (outcomes.last(), boundary) {
                (Some((_, above)), _) => Reference::Level(above),
                (None, Some(b)) => Reference::Outline(b),
                (None, None) => Reference::None,
            };
            let outcome = check_level(&ctx, members, reference, out);
            outcomes.push((level, outcome));
        }
        // Children grouped by parent and by their own level.
        let mut groups: FxHashMap<(usize, Level), Vec<usize>> = FxHashMap::default();
        for (i, p) in parent_of.iter().enumerate() {
            if let Some(p) = p
                && usable[i]
            {
                groups.entry((*p, units[i].level)).or_default().push(i);
            }
        }
        let mut groups: Vec<_> = groups.into_iter().collect();
        groups.sort();
        for ((parent, level), children) in groups {
            if let Some((_, outcome)) = outcomes.iter().find(|(l, _)| *l == level) {
                check_nesting(&ctx, parent, &children, outcome, out);
            }
        }
    }
}

fn intersects(a: &geo_types::Rect<f64>, b: &geo_types::Rect<f64>) -> bool {
    a.min().x <= b.max().x
        && b.min().x <= a.max().x
        && a.min().y <= b.max().y
        && b.min().y <= a.max().y
}

fn finish(units: &[Arc<Unit>], violations: Vec<Violation>) -> Report {
    let mut report = Report {
        units: units.len(),
        cells: units.iter().filter(|u| u.level == Level::Cell).count(),
        violations,
    };
    report.sort();
    report
}
