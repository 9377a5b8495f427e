//! Rows of `citygrid_units`, every state any unit has had: a unit in, a unit out.
//!
//! A row is written once and only ever gets its `valid_to`, so version N is the rows
//! with `valid_from <= N AND (valid_to IS NULL OR valid_to > N)`.

use citygrid_model::{Level, Unit, UnitCode};
use rusqlite::types::Type;
use rusqlite::{Connection, Row};

use crate::attributes;
use crate::commit::Refusal;
use crate::sqlite::geometry;

/// The columns [`read`] expects, in order.
pub(crate) const COLUMNS: &str = "code, level, parent, name, attributes, geom";

/// The rows alive at version `?1`.
pub(crate) const ALIVE_AT: &str = "valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1)";

/// A unit's stored form.
#[derive(Debug)]
pub(crate) struct Encoded {
    /// Attributes as JSON.
    pub attributes: String,
    /// GeoPackage geometry.
    pub geom: Vec<u8>,
    /// `[min_x, max_x, min_y, max_y]`.
    pub envelope: Option<[f64; 4]>,
}

/// Encodes a unit for storage.
///
/// # Errors
/// The refusal: a number JSON cannot hold, a geometry that cannot be written.
pub(crate) fn encode(unit: &Unit) -> Result<Encoded, Refusal> {
    let attributes = attributes::to_json(&unit.attributes).map_err(|key| Refusal::NonFinite {
        code: unit.code.clone(),
        key,
    })?;
    let (geom, envelope) =
        geometry::encode(&unit.geometry).map_err(|reason| Refusal::Geometry {
            code: unit.code.clone(),
            reason,
        })?;
    Ok(Encoded {
        attributes,
        geom,
        envelope,
    })
}

/// Inserts a unit's new state, valid from `version`.
///
/// # Errors
/// SQLite's error.
pub(crate) fn insert(
    tx: &Connection,
    unit: &Unit,
    enc: &Encoded,
    version: i64,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO citygrid_units (code, level, parent, name, attributes, geom, valid_from) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(rusqlite::params![
        unit.code.as_str(),
        unit.level.as_str(),
        unit.parent.as_ref().map(UnitCode::as_str),
        unit.name,
        enc.attributes,
        enc.geom,
        version
    ])?;
    Ok(())
}

/// Reads the unit in columns `first..first + 6` (as [`COLUMNS`]). The outer error is
/// SQLite's; the inner one names the unit and what cannot be decoded.
///
/// # Errors
/// SQLite's error when a column has the wrong type.
pub(crate) fn read(row: &Row, first: usize) -> rusqlite::Result<Result<Unit, (String, String)>> {
    let code: &str = row.get_ref(first)?.as_str()?;
    let level: &str = row.get_ref(first + 1)?.as_str()?;
    let parent: Option<&str> = row.get_ref(first + 2)?.as_str_or_null()?;
    let name: &str = row.get_ref(first + 3)?.as_str()?;
    let json: &str = row.get_ref(first + 4)?.as_str()?;
    let blob: &[u8] = row.get_ref(first + 5)?.as_blob()?;
    let decoded = || -> Result<Unit, String> {
        Ok(Unit {
            code: code.parse().map_err(|e| format!("{e}"))?,
            name: name.to_string(),
            level: level.parse().map_err(|e| format!("{e}"))?,
            parent: parent
                .map(str::parse)
                .transpose()
                .map_err(|e| format!("parent: {e}"))?,
            geometry: geometry::decode(blob).map_err(|e| format!("geometry: {e}"))?,
            attributes: attributes::from_json(json)?,
        })
    };
    Ok(decoded().map_err(|reason| (format!("unit {code}"), reason)))
}

/// The level in column `index` (the schema's CHECK admits only the five names).
///
/// # Errors
/// SQLite's conversion error for anything else.
pub(crate) fn level(row: &Row, index: usize) -> rusqlite::Result<Level> {
    row.get_ref(index)?
        .as_str()?
        .parse()
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(index, Type::Text, Box::new(e)))
}
