//! The city being served: one partition version, its point index, and every cell's
//! lookup answer rendered to JSON once at start, so a lookup copies bytes.

use std::path::Path;

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
    /// Why `citygrid check` rejects this partition, when it is served anyway
    /// (`citygrid serve --allow-invalid`): `/readyz` then answers 503 with it.
    pub problem: Option<String>,
    /// Each unit's lookup answer (`{"code", "name", "level", "attributes",
    /// "ancestors"}`), by unit id.
    answers: Vec<Box<str>>,
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
            .map(|id| answer(&partition, id).to_string().into_boxed_str())
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
            problem: None,
            answers,
            boxes,
        })
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
