//! The city being served: one partition version, its point index, and every cell's
//! lookup answer rendered to JSON once, so a lookup copies bytes. A later version's
//! city is made from the one before it ([`City::next`]), keeping the answers of every
//! unit the commit left alone.

use std::path::Path;
use std::sync::Arc;

use geo::BoundingRect;
use geo_types::Rect;
use serde_json::{Map, Value, json};

use citygrid_index::CellIndex;
use citygrid_io::{ReadOptions, read_units};
use citygrid_model::{Attributes, CodeLayout, Level, Partition, Unit, UnitId};

use crate::error::ServerError;

/// A loaded partition, ready to answer.
pub struct City {
    /// The partition version served.
    pub partition: Partition,
    /// Point -> cell.
    pub index: CellIndex,
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
        let index = CellIndex::new(&partition)?;
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
    /// ancestors that are too, are reused rather than rendered again; the index is
    /// built anew (a few milliseconds for a city, and it has no partial update).
    ///
    /// # Errors
    /// [`ServerError::Index`] when a cell cannot be indexed.
    pub fn next(&self, partition: Partition) -> Result<City, ServerError> {
        let index = CellIndex::new(&partition)?;
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
