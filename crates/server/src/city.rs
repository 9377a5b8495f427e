//! The city being served: one partition version, its point index, and every cell's
//! lookup answer rendered to JSON once, so a lookup copies bytes. A later version's
//! city is made from the one before it ([`City::next`]), keeping the answers of every
//! unit the commit left alone.

use std::path::Path;
use std::sync::Arc;

use geo::BoundingRect;
use geo_types::Rect;
use serde_json::{Map, Value, json};

use citygrid_index::PatchedIndex;
use citygrid_io::{ReadOptions, read_units};
use citygrid_model::{Attributes, CodeLayout, Level, Partition, Unit, UnitId};

use crate::error::ServerError;

/// A loaded partition, ready to answer.
pub struct City {
    /// The partition version served.
    pub partition: Partition,
    /// Point -> cell: shared with the version before when no cell changed shape,
    /// else that version's index patched with the cells that did
    /// ([`PatchedIndex`]); rebuilt whole in the background once the patch grows
    /// ([`City::with_whole_index`]).
    pub index: Arc<PatchedIndex>,
    /// Where it was loaded from.
    pub source: String,
    /// Each unit's lookup answer (`{"code", "name", "level", "attributes",
    /// "ancestors"}`), by unit id; shared with the versions before and after it
    /// where the unit and its ancestors did not change.
    answers: Vec<Arc<str>>,
    /// Each unit's bounding box, by unit id (absent for empty geometry).
    boxes: Vec<Option<Rect<f64>>>,
}

impl City {
    /// Reads a partition file (GeoJSON of cells and the units above them) and
    /// indexes it.
    ///
    /// # Errors
    /// [`ServerError::Read`] for an unreadable file, [`ServerError::Partition`] for
    /// duplicate codes or missing parents.
    pub fn load(path: &Path) -> Result<City, ServerError> {
        if !path.exists() {
            return Err(ServerError::Missing {
                path: path.to_path_buf(),
            });
        }
        let loaded = read_units(path, &ReadOptions::default())?;
        let partition = Partition::new(loaded.units, CodeLayout::default()).map_err(|source| {
            ServerError::Partition {
                path: path.to_path_buf(),
                source,
            }
        })?;
        City::new(partition, path.display().to_string())
    }

    /// Indexes a partition already in memory.
    ///
    /// # Errors
    /// [`ServerError::Index`] when a cell cannot be indexed (non-finite coordinates).
    pub fn new(partition: Partition, source: String) -> Result<City, ServerError> {
        let index = Arc::new(PatchedIndex::new(&partition)?);
        let answers = (0..partition.units().len() as UnitId)
            .map(|id| answer(&partition, id).to_string().into())
            .collect();
        let boxes = partition
            .units()
            .iter()
            .map(|u| u.geometry.bounding_rect())
            .collect();
        Ok(City {
            partition,
            index,
            source,
            answers,
            boxes,
        })
    }

    /// The city of another version of the same partition (`partition` made from this
    /// one's by [`Partition::with_changes_as`], which shares every unit it leaves
    /// alone): the answers and boxes of units that are the same `Arc` as here, under
    /// ancestors that are too, are reused rather than rendered again. The index is
    /// shared when every cell keeps its id and its shape (an edit of attributes or
    /// of units above the cells), else patched with the cells that changed (well
    /// under a millisecond, where building an index of Guiyang takes 75-100 ms),
    /// and built anew only when the patch would hold more than [`MAX_PATCHED`]
    /// cells or the city's edge moved.
    ///
    /// # Errors
    /// [`ServerError::Index`] when a cell cannot be indexed.
    pub fn next(&self, partition: Partition) -> Result<City, ServerError> {
        let index = if same_cells(&self.partition, &partition) {
            Arc::clone(&self.index)
        } else {
            match self
                .index
                .patch(&partition)
                .filter(|p| p.patched_cells() <= MAX_PATCHED)
            {
                Some(patched) => Arc::new(patched),
                None => Arc::new(PatchedIndex::new(&partition)?),
            }
        };
        let units = partition.units();
        // Units are sorted top level first, so a parent's id is below its
        // children's and `kept[parent]` is known when a child is reached.
        let mut kept: Vec<Option<UnitId>> = Vec::with_capacity(units.len());
        for (id, unit) in units.iter().enumerate() {
            let old = self
                .partition
                .id_of(&unit.code)
                .filter(|&old| Arc::ptr_eq(self.partition.unit(old), unit));
            let parent_kept = partition
                .parent_of(id as UnitId)
                .is_none_or(|p| kept[p as usize].is_some());
            kept.push(old.filter(|_| parent_kept));
        }
        let answers = kept
            .iter()
            .enumerate()
            .map(|(id, old)| match old {
                Some(old) => Arc::clone(&self.answers[*old as usize]),
                None => answer(&partition, id as UnitId).to_string().into(),
            })
            .collect();
        let boxes = units
            .iter()
            .map(|u| match self.partition.id_of(&u.code) {
                Some(old) if Arc::ptr_eq(self.partition.unit(old), u) => self.boxes[old as usize],
                _ => u.geometry.bounding_rect(),
            })
            .collect();
        Ok(City {
            partition,
            index,
            source: self.source.clone(),
            answers,
            boxes,
        })
    }

    /// The same city with its index built whole: the same answers, each as fast as
    /// the index can give it (a patched index tests its changed cells one by one).
    ///
    /// # Errors
    /// [`ServerError::Index`] when a cell cannot be indexed.
    pub fn with_whole_index(&self) -> Result<City, ServerError> {
        Ok(City {
            partition: self.partition.clone(),
            index: Arc::new(PatchedIndex::new(&self.partition)?),
            source: self.source.clone(),
            answers: self.answers.clone(),
            boxes: self.boxes.clone(),
        })
    }

    /// The partition version served.
    #[must_use]
    pub fn version(&self) -> u64 {
        self.partition.version()
    }

    /// The pre-rendered lookup answer of a unit.
    #[must_use]
    pub fn answer(&self, id: UnitId) -> &str {
        &self.answers[id as usize]
    }

    /// A unit's bounding box in WGS84 (none for empty geometry).
    #[must_use]
    pub fn bbox(&self, id: UnitId) -> Option<Rect<f64>> {
        self.boxes[id as usize]
    }

    /// Units at `level` whose bounding box meets `bbox`, in code order.
    pub fn in_box(&self, level: Level, bbox: Rect<f64>) -> impl Iterator<Item = UnitId> + '_ {
        self.partition.level_ids(level).filter(move |&id| {
            self.boxes[id as usize].is_some_and(|b| {
                b.min().x <= bbox.max().x
                    && bbox.min().x <= b.max().x
                    && b.min().y <= bbox.max().y
                    && bbox.min().y <= b.max().y
            })
        })
    }

    /// Number of cells.
    #[must_use]
    pub fn cell_count(&self) -> usize {
        self.partition.level_ids(Level::Cell).count()
    }
}

/// The most cells a patched index tests directly; beyond, a new version's index is
/// built whole at once. The server rebuilds it in the background from
/// [`REBUILD_PATCHED`] cells on, so this is reached only by one large commit.
pub const MAX_PATCHED: usize = 256;

/// A patched index of this many cells or more is rebuilt in the background.
pub const REBUILD_PATCHED: usize = 32;

/// Whether two partitions have the same cells at the same ids with the same shapes:
/// then an index of one answers for the other (it answers with cell ids).
fn same_cells(a: &Partition, b: &Partition) -> bool {
    let ids: Vec<UnitId> = a.level_ids(Level::Cell).collect();
    ids.iter().copied().eq(b.level_ids(Level::Cell))
        && ids.iter().all(|&id| {
            let (u, v) = (a.unit(id), b.unit(id));
            u.code == v.code && (Arc::ptr_eq(u, v) || u.geometry == v.geometry)
        })
}

/// Attributes as a JSON object.
#[must_use]
pub fn attributes_json(attributes: &Attributes) -> Value {
    let map: Map<String, Value> = attributes
        .iter()
        .map(|(k, v)| (k.clone(), citygrid_io::attr(v)))
        .collect();
    Value::Object(map)
}

fn brief(u: &Unit) -> Value {
    json!({"level": u.level.as_str(), "code": u.code.as_str(), "name": u.name})
}

/// A unit with its attributes and the chain of units above it, nearest first: what
/// a lookup answers.
#[must_use]
pub fn answer(partition: &Partition, id: UnitId) -> Value {
    let u = partition.unit(id);
    let ancestors: Vec<Value> = partition
        .ancestors(id)
        .map(|a| brief(partition.unit(a)))
        .collect();
    json!({
        "code": u.code.as_str(),
        "name": u.name,
        "level": u.level.as_str(),
        "attributes": attributes_json(&u.attributes),
        "ancestors": ancestors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use citygrid_model::AttrValue;
    use geo::InteriorPoint;

    #[test]
    fn a_next_version_shares_what_it_left_alone() {
        let units = citygrid_synth::SynthCity::new(2)
            .cells(40)
            .vertices_per_cell(8)
            .generate();
        let first = Partition::new(units, CodeLayout::default()).unwrap();
        let city = City::new(first.clone(), "generated".into()).unwrap();
        let cells: Vec<UnitId> = first.level_ids(Level::Cell).collect();
        let (a, b) = (cells[0], cells[1]);
        // An attribute: the same index, a new answer for that cell only.
        let more = first
            .unit(a)
            .as_ref()
            .clone()
            .with_attribute("households", AttrValue::Number(7.0));
        let second = city
            .next(first.with_changes(vec![more], &[]).unwrap())
            .unwrap();
        assert!(Arc::ptr_eq(&city.index, &second.index));
        assert!(second.answer(a).contains("\"households\":7"));
        assert!(!Arc::ptr_eq(
            &city.answers[a as usize],
            &second.answers[a as usize]
        ));
        assert!(Arc::ptr_eq(
            &city.answers[b as usize],
            &second.answers[b as usize]
        ));
        // Two cells swap shapes: a new index, which answers for the new shapes.
        let p = &second.partition;
        let (mut ua, mut ub) = (p.unit(a).as_ref().clone(), p.unit(b).as_ref().clone());
        let inside_a = ua.geometry.interior_point().unwrap();
        std::mem::swap(&mut ua.geometry, &mut ub.geometry);
        let third = second
            .next(p.with_changes(vec![ua, ub], &[]).unwrap())
            .unwrap();
        assert!(!Arc::ptr_eq(&second.index, &third.index));
        assert_eq!(third.index.patched_cells(), 2, "a patch, not a new index");
        assert_eq!(third.index.lookup(inside_a.x(), inside_a.y()), Some(b));
        let whole = third.with_whole_index().unwrap();
        assert_eq!(whole.index.patched_cells(), 0);
        assert_eq!(whole.index.lookup(inside_a.x(), inside_a.y()), Some(b));
    }
}
