//! An entity layer held as columns: coordinates in one vector, each field in a
//! vector of its own, text interned. Counting a million points per cell then reads
//! a few flat arrays, not a million structs.

use citygrid_model::{Entity, FieldType, FieldValue, LayerSchema};
use rustc_hash::FxHashMap;

/// One field's values, one per point.
#[derive(Debug, Clone)]
pub(crate) enum Column {
    /// Integers and reals as f64 (NaN: none); integers are exact below 2^53.
    Number(Vec<f64>),
    /// Interned text: an index into the dictionary, [`NO_TEXT`] for none.
    Text(Vec<u32>, Vec<String>),
    /// Seconds since the epoch, [`NO_TIME`] for none.
    Time(Vec<i64>),
}

/// A text column's "no value".
pub(crate) const NO_TEXT: u32 = u32::MAX;
/// A time column's "no value".
pub(crate) const NO_TIME: i64 = i64::MIN;

/// The points of one layer and their fields, as of one of the store's datasets
/// revisions.
#[derive(Debug, Clone)]
pub struct EntityLayer {
    name: String,
    schema: LayerSchema,
    ids: Vec<u64>,
    points: Vec<(f64, f64)>,
    columns: Vec<Column>,
}

impl EntityLayer {
    /// Holds `entities` (values in `schema` order) as columns.
    #[must_use]
    pub fn new(name: &str, schema: LayerSchema, entities: &[Entity]) -> Self {
        let columns = schema
            .fields
            .iter()
            .map(|f| match f.kind {
                FieldType::Integer | FieldType::Real => Column::Number(Vec::new()),
                FieldType::Text => Column::Text(Vec::new(), Vec::new()),
                FieldType::Time => Column::Time(Vec::new()),
            })
            .collect();
        let mut layer = EntityLayer {
            name: name.to_string(),
            schema,
            ids: Vec::new(),
            points: Vec::new(),
            columns,
        };
        layer.push(entities);
        layer
    }

    /// Appends points (as a live ingest adds them); their values must follow the
    /// schema (the store checked them).
    pub fn push(&mut self, entities: &[Entity]) {
        let mut dictionaries: Vec<FxHashMap<String, u32>> = self
            .columns
            .iter()
            .map(|c| match c {
                Column::Text(_, dict) => dict
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.clone(), i as u32))
                    .collect(),
                _ => FxHashMap::default(),
            })
            .collect();
        for e in entities {
            self.ids.push(e.id);
            self.points.push((e.lon, e.lat));
            for (i, column) in self.columns.iter_mut().enumerate() {
                let value = e.values.get(i).unwrap_or(&FieldValue::Null);
                match column {
                    Column::Number(v) => v.push(value.number().unwrap_or(f64::NAN)),
                    Column::Time(v) => v.push(match value {
                        FieldValue::Time(t) => *t,
                        _ => NO_TIME,
                    }),
                    Column::Text(v, dict) => v.push(match value {
                        FieldValue::Text(t) => intern(&mut dictionaries[i], dict, t),
                        FieldValue::Integer(n) => {
                            intern(&mut dictionaries[i], dict, &n.to_string())
                        }
                        _ => NO_TEXT,
                    }),
                }
            }
        }
    }

    /// The layer's name.
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its fields and their roles.
    #[must_use]
    pub fn schema(&self) -> &LayerSchema {
        &self.schema
    }

    /// How many points it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// Whether it holds none.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// Every point, WGS84 (lon, lat), in id order.
    #[must_use]
    pub fn points(&self) -> &[(f64, f64)] {
        &self.points
    }

    /// The store's id of each point.
    #[must_use]
    pub fn ids(&self) -> &[u64] {
        &self.ids
    }

    pub(crate) fn column(&self, field: &str) -> Option<(usize, &Column)> {
        let i = self.schema.position(field)?;
        Some((i, &self.columns[i]))
    }

    pub(crate) fn columns(&self) -> &[Column] {
        &self.columns
    }
}

fn intern(index: &mut FxHashMap<String, u32>, dict: &mut Vec<String>, text: &str) -> u32 {
    if let Some(&i) = index.get(text) {
        return i;
    }
    let i = dict.len() as u32;
    dict.push(text.to_string());
    index.insert(text.to_string(), i);
    i
}
