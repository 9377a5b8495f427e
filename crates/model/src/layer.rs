//! Entity layers: named point datasets (people, houses, legal persons, events,
//! facilities) counted per cell, with typed fields.
//!
//! An entity is a point in WGS84 with one value per field of its layer's schema,
//! in schema order. Times are whole seconds since 1970-01-01 UTC, so a window
//! filter is an integer comparison and the store and the server agree to the second.

use std::fmt;

/// The type of a field, fixed when the layer is created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// A whole number (64 bits).
    Integer,
    /// A number.
    Real,
    /// Text (categories, names).
    Text,
    /// An instant, to the second.
    Time,
}

impl FieldType {
    /// The name used in files, JSON and the store (`integer`, `real`, `text`, `time`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::Integer => "integer",
            FieldType::Real => "real",
            FieldType::Text => "text",
            FieldType::Time => "time",
        }
    }

    /// The type named `name` (as [`FieldType::as_str`] writes it).
    #[must_use]
    pub fn parse(name: &str) -> Option<FieldType> {
        Some(match name {
            "integer" => FieldType::Integer,
            "real" => FieldType::Real,
            "text" => FieldType::Text,
            "time" => FieldType::Time,
            _ => return None,
        })
    }

    /// Whether values of this type can be summed.
    #[must_use]
    pub fn is_numeric(self) -> bool {
        matches!(self, FieldType::Integer | FieldType::Real)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One named, typed field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    /// The field's name, as in the file it came from.
    pub name: String,
    /// Its type.
    pub kind: FieldType,
}

/// The fields of a layer and the roles some of them play in statistics.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LayerSchema {
    /// The fields, in the order of every entity's values.
    pub fields: Vec<Field>,
    /// A text field whose values split counts into groups (e.g. an event's category).
    pub category: Option<String>,
    /// A numeric field that says how much each entity counts for (persons per house).
    pub weight: Option<String>,
    /// Time fields, the first being when the entity happened (a report's
    /// `received`): a time window selects entities by it; later ones (`handled`)
    /// are counted when set within the window's end, with their rate.
    pub times: Vec<String>,
}

impl LayerSchema {
    /// The position of the field named `name`.
    #[must_use]
    pub fn position(&self, name: &str) -> Option<usize> {
        self.fields.iter().position(|f| f.name == name)
    }

    /// The field named `name`.
    #[must_use]
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

/// A value of one field; `Null` where the source had none.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldValue {
    /// No value.
    Null,
    /// A whole number.
    Integer(i64),
    /// A number.
    Real(f64),
    /// Text.
    Text(String),
    /// Seconds since 1970-01-01T00:00:00Z.
    Time(i64),
}

impl FieldValue {
    /// The value as a number, for sums (`None` for null, text and times).
    #[must_use]
    pub fn number(&self) -> Option<f64> {
        match self {
            FieldValue::Integer(v) => Some(*v as f64),
            FieldValue::Real(v) => Some(*v),
            _ => None,
        }
    }
}

/// One point of an entity layer.
#[derive(Debug, Clone, PartialEq)]
pub struct Entity {
    /// Its number in the layer, from 1, given by the store in arrival order.
    pub id: u64,
    /// Longitude, WGS84 degrees.
    pub lon: f64,
    /// Latitude, WGS84 degrees.
    pub lat: f64,
    /// One value per field of the layer's schema, in schema order.
    pub values: Vec<FieldValue>,
}
