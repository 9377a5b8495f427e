//! A partition version: every unit of a city, indexed by code, with its hierarchy.
//!
//! Versions are immutable. Units are held behind `Arc`, so a new version made by an
//! edit copies only pointers and shares every unchanged unit with its predecessor;
//! comparing two versions' units by pointer tells what an edit touched.

use std::sync::Arc;

use geo_types::{Coord, MultiPolygon, Rect};
use rustc_hash::FxHashMap;

use crate::code::{CodeLayout, UnitCode};
use crate::error::{ModelError, Result};
use crate::level::Level;
use crate::unit::Unit;

/// Index of a unit inside one partition version (not stable across versions: use
/// codes for that).
pub type UnitId = u32;

/// One immutable version of a city partition.
#[derive(Debug, Clone)]
pub struct Partition {
    version: u64,
    layout: CodeLayout,
    units: Vec<Arc<Unit>>,
    by_code: FxHashMap<UnitCode, UnitId>,
    parent: Vec<Option<UnitId>>,
    children: Vec<Vec<UnitId>>,
    /// Each unit's bounding box (`None` for empty geometry), kept so that finding
    /// the units near an edit does not walk every vertex of the city.
    boxes: Vec<Option<Rect<f64>>>,
}

/// The bounding box of a unit's outer rings (holes lie inside them).
fn bbox(mp: &MultiPolygon<f64>) -> Option<Rect<f64>> {
    let mut it = mp.0.iter().flat_map(|p| p.exterior().0.iter());
    let first = *it.next()?;
    let (lo, hi) = it.fold((first, first), |(lo, hi), c| {
        (
            Coord {
                x: lo.x.min(c.x),
                y: lo.y.min(c.y),
            },
            Coord {
                x: hi.x.max(c.x),
                y: hi.y.max(c.y),
            },
        )
    });
    Some(Rect::new(lo, hi))
}

impl Partition {
    /// Builds version 1 from units of any levels, in any order.
    ///
    /// # Errors
    /// [`ModelError::DuplicateCode`] when two units share a code,
    /// [`ModelError::BadParent`] when a parent code is unknown or not at a higher
    /// level, [`ModelError::Empty`] when there are no cells.
    pub fn new(units: Vec<Unit>, layout: CodeLayout) -> Result<Self> {
        Self::from_shared(units.into_iter().map(Arc::new).collect(), layout, 1)
    }

    /// Builds a partition from already shared units (used by edits to reuse the
    /// unchanged ones).
    ///
    /// # Errors
    /// As [`Partition::new`].
    pub fn from_shared(
        mut units: Vec<Arc<Unit>>,
        layout: CodeLayout,
        version: u64,
    ) -> Result<Self> {
        units.sort_by(|a, b| (a.level, &a.code).cmp(&(b.level, &b.code)));
        let mut by_code = FxHashMap::with_capacity_and_hasher(units.len(), Default::default());
        for (i, u) in units.iter().enumerate() {
            if by_code.insert(u.code.clone(), i as UnitId).is_some() {
                return Err(ModelError::DuplicateCode {
                    code: u.code.to_string(),
                });
            }
        }
        if !units.iter().any(|u| u.level == Level::Cell) {
            return Err(ModelError::Empty {
                level: Level::Cell.as_str(),
            });
        }
        let mut parent = vec![None; units.len()];
        let mut children = vec![Vec::new(); units.len()];
        for (i, u) in units.iter().enumerate() {
            let Some(p) = &u.parent else { continue };
            let Some(&pid) = by_code.get(p) else {
                return Err(ModelError::BadParent {
                    code: u.code.to_string(),
                    parent: p.to_string(),
                    reason: "is not in the partition".to_string(),
                });
            };
            let plevel = units[pid as usize].level;
            if plevel >= u.level {
                return Err(ModelError::BadParent {
                    code: u.code.to_string(),
                    parent: p.to_string(),
                    reason: format!("is a {plevel}, not above a {}", u.level),
                });
            }
            parent[i] = Some(pid);
            children[pid as usize].push(i as UnitId);
        }
        let boxes = units.iter().map(|u| bbox(&u.geometry)).collect();
        Ok(Partition {
            version,
            layout,
            units,
            by_code,
            parent,
            children,
            boxes,
        })
    }

    /// Makes the next version: `changed` units replace those with the same code or
    /// are added, `removed` codes are dropped, every other unit is shared.
    ///
    /// # Errors
    /// As [`Partition::new`] for the resulting set of units.
    pub fn with_changes(&self, changed: Vec<Unit>, removed: &[UnitCode]) -> Result<Self> {
        self.with_changes_as(changed, removed, self.version + 1)
    }

    /// As [`Partition::with_changes`], numbered `version`: a reader catching up with a
    /// store may apply several versions' changes at once, or step back to an older one.
    ///
    /// # Errors
    /// As [`Partition::new`] for the resulting set of units.
    pub fn with_changes_as(
        &self,
        changed: Vec<Unit>,
        removed: &[UnitCode],
        version: u64,
    ) -> Result<Self> {
        if removed.is_empty()
            && let Some(p) = self.replaced_in_place(&changed, version)
        {
            return Ok(p);
        }
        let mut replaced: FxHashMap<UnitCode, Arc<Unit>> = changed
            .into_iter()
            .map(|u| (u.code.clone(), Arc::new(u)))
            .collect();
        let mut units: Vec<Arc<Unit>> = Vec::with_capacity(self.units.len() + replaced.len());
        for u in &self.units {
            if removed.contains(&u.code) {
                continue;
            }
            units.push(replaced.remove(&u.code).unwrap_or_else(|| Arc::clone(u)));
        }
        units.extend(replaced.into_values());
        Self::from_shared(units, self.layout.clone(), version)
    }

    /// An edit that only replaces units by ones with the same code, level and
    /// parent changes no index: the copy takes the new units where the old ones were
    /// (an edit of a few cells among thousands costs a few pointer copies).
    fn replaced_in_place(&self, changed: &[Unit], version: u64) -> Option<Self> {
        let mut out = self.clone();
        for u in changed {
            let id = *self.by_code.get(&u.code)? as usize;
            let old = &self.units[id];
            if old.level != u.level || old.parent != u.parent {
                return None;
            }
            out.units[id] = Arc::new(u.clone());
            out.boxes[id] = bbox(&u.geometry);
        }
        out.version = version;
        Some(out)
    }

    /// The version number, 1 for a partition built from scratch.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.version
    }

    /// The code rules this partition follows.
    #[must_use]
    pub fn layout(&self) -> &CodeLayout {
        &self.layout
    }

    /// All units, sorted by level (top first) then code.
    #[must_use]
    pub fn units(&self) -> &[Arc<Unit>] {
        &self.units
    }

    /// One unit by id.
    ///
    /// # Panics
    /// When `id` is not an id of this version.
    #[must_use]
    pub fn unit(&self, id: UnitId) -> &Arc<Unit> {
        &self.units[id as usize]
    }

    /// The id of a code in this version.
    #[must_use]
    pub fn id_of(&self, code: &UnitCode) -> Option<UnitId> {
        self.by_code.get(code).copied()
    }

    /// A unit by code.
    #[must_use]
    pub fn get(&self, code: &UnitCode) -> Option<&Arc<Unit>> {
        self.id_of(code).map(|id| self.unit(id))
    }

    /// Ids of the units at one level, in code order.
    pub fn level_ids(&self, level: Level) -> impl Iterator<Item = UnitId> + '_ {
        let start = self.units.partition_point(|u| u.level < level);
        let end = self.units.partition_point(|u| u.level <= level);
        (start as UnitId)..(end as UnitId)
    }

    /// A unit's bounding box (`None` for empty geometry).
    ///
    /// # Panics
    /// When `id` is not an id of this version.
    #[must_use]
    pub fn bbox(&self, id: UnitId) -> Option<Rect<f64>> {
        self.boxes[id as usize]
    }

    /// Units at `level` whose bounding box meets `rect` (touching counts), in code
    /// order.
    pub fn near(&self, level: Level, rect: Rect<f64>) -> impl Iterator<Item = UnitId> + '_ {
        self.level_ids(level).filter(move |&id| {
            self.boxes[id as usize].is_some_and(|b| {
                b.min().x <= rect.max().x
                    && rect.min().x <= b.max().x
                    && b.min().y <= rect.max().y
                    && rect.min().y <= b.max().y
            })
        })
    }

    /// The parent of a unit, if it has one in the partition.
    #[must_use]
    pub fn parent_of(&self, id: UnitId) -> Option<UnitId> {
        self.parent[id as usize]
    }

    /// The children of a unit, in code order.
    #[must_use]
    pub fn children_of(&self, id: UnitId) -> &[UnitId] {
        &self.children[id as usize]
    }

    /// The chain of ancestors of a unit, nearest first.
    pub fn ancestors(&self, id: UnitId) -> impl Iterator<Item = UnitId> + '_ {
        std::iter::successors(self.parent_of(id), move |&p| self.parent_of(p))
    }
}

#[cfg(test)]
mod tests {
    use geo_types::{MultiPolygon, polygon};

    use super::*;

    fn square(x: f64, y: f64) -> MultiPolygon<f64> {
        MultiPolygon(vec![
            polygon![(x: x, y: y), (x: x + 1.0, y: y), (x: x + 1.0, y: y + 1.0), (x: x, y: y + 1.0)],
        ])
    }

    fn unit(code: &str, level: Level, parent: Option<&str>, x: f64) -> Unit {
        let u = Unit::new(code.parse().unwrap(), level, square(x, 0.0));
        match parent {
            Some(p) => u.with_parent(p.parse().unwrap()),
            None => u,
        }
    }

    fn sample() -> Partition {
        Partition::new(
            vec![
                unit("520102001001002", Level::Cell, Some("520102001001"), 1.0),
                unit("520102001001", Level::Village, Some("520102"), 0.0),
                unit("520102001001001", Level::Cell, Some("520102001001"), 0.0),
                unit("520102", Level::District, None, 0.0),
            ],
            CodeLayout::default(),
        )
        .unwrap()
    }

    #[test]
    fn indexes_levels_parents_and_children() {
        let p = sample();
        let cells: Vec<_> = p
            .level_ids(Level::Cell)
            .map(|id| p.unit(id).code.to_string())
            .collect();
        assert_eq!(cells, ["520102001001001", "520102001001002"]);
        let cell = p.id_of(&"520102001001002".parse().unwrap()).unwrap();
        let chain: Vec<_> = p.ancestors(cell).map(|id| p.unit(id).level).collect();
        assert_eq!(chain, [Level::Village, Level::District]);
        let village = p.parent_of(cell).unwrap();
        assert_eq!(p.children_of(village).len(), 2);
        assert_eq!(p.level_ids(Level::Township).count(), 0);
    }

    #[test]
    fn refuses_duplicates_and_dangling_parents() {
        let dup = Partition::new(
            vec![
                unit("1", Level::Cell, None, 0.0),
                unit("1", Level::Cell, None, 1.0),
            ],
            CodeLayout::default(),
        );
        assert!(matches!(dup, Err(ModelError::DuplicateCode { .. })));
        let dangling = Partition::new(
            vec![unit("1", Level::Cell, Some("9"), 0.0)],
            CodeLayout::default(),
        );
        assert!(matches!(dangling, Err(ModelError::BadParent { .. })));
        let upside_down = Partition::new(
            vec![
                unit("1", Level::Cell, None, 0.0),
                unit("2", Level::District, Some("1"), 0.0),
            ],
            CodeLayout::default(),
        );
        assert!(matches!(upside_down, Err(ModelError::BadParent { .. })));
    }

    #[test]
    fn new_versions_share_unchanged_units() {
        let p = sample();
        let moved = unit("520102001001002", Level::Cell, Some("520102001001"), 5.0);
        let q = p.with_changes(vec![moved], &[]).unwrap();
        assert_eq!(q.version(), 2);
        let code1: UnitCode = "520102001001001".parse().unwrap();
        let code2: UnitCode = "520102001001002".parse().unwrap();
        assert!(Arc::ptr_eq(p.get(&code1).unwrap(), q.get(&code1).unwrap()));
        assert!(!Arc::ptr_eq(p.get(&code2).unwrap(), q.get(&code2).unwrap()));
        let r = q
            .with_changes(vec![], std::slice::from_ref(&code2))
            .unwrap();
        assert!(r.get(&code2).is_none());
        assert_eq!(r.units().len(), 3);
    }
}
