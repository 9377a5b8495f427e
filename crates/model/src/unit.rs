//! One unit of the partition: a cell or one of the admin units above it.

use std::collections::BTreeMap;

use geo_types::MultiPolygon;

use crate::code::UnitCode;
use crate::level::Level;

/// A free attribute value carried with a unit (households, staff names, ...).
#[derive(Debug, Clone, PartialEq)]
pub enum AttrValue {
    /// A number; integers are stored exactly up to 2^53.
    Number(f64),
    /// Text.
    Text(String),
    /// A flag.
    Bool(bool),
}

/// Attributes by name, in a stable (sorted) order so output is deterministic.
pub type Attributes = BTreeMap<String, AttrValue>;

/// A cell or admin unit: its code, name, place in the hierarchy and area.
///
/// Geometry is WGS84 longitude/latitude in degrees, whatever the input CRS was:
/// converting once on the way in keeps every later computation in one frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Unit {
    /// The unit's code, unique in a partition.
    pub code: UnitCode,
    /// The unit's name (may be empty for generated cells).
    pub name: String,
    /// Its level in the hierarchy.
    pub level: Level,
    /// The code of the unit it belongs to, when it has one.
    pub parent: Option<UnitCode>,
    /// Its area: one or more polygons, lon/lat degrees.
    pub geometry: MultiPolygon<f64>,
    /// Everything else the source carried.
    pub attributes: Attributes,
}

impl Unit {
    /// A unit with no parent and no attributes.
    #[must_use]
    pub fn new(code: UnitCode, level: Level, geometry: MultiPolygon<f64>) -> Self {
        Unit {
            code,
            name: String::new(),
            level,
            parent: None,
            geometry,
            attributes: Attributes::new(),
        }
    }

    /// Sets the name.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the parent's code.
    #[must_use]
    pub fn with_parent(mut self, parent: UnitCode) -> Self {
        self.parent = Some(parent);
        self
    }

    /// Adds one attribute.
    #[must_use]
    pub fn with_attribute(mut self, name: impl Into<String>, value: AttrValue) -> Self {
        self.attributes.insert(name.into(), value);
        self
    }
}
