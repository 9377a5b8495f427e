//! Rows of `citygrid_units`, every state any unit has had: a unit in, a unit out.
//!
//! A row is written once and only ever gets its `valid_to`, so version N is the rows
//! with `valid_from <= N AND (valid_to IS NULL OR valid_to > N)`.

use citygrid_model::{Unit, UnitCode};
use postgres::Row;

use crate::attributes;
use crate::commit::Refusal;
use crate::error::{Result, StoreError};
use crate::postgis::geometry::{self, Ewkb};
use crate::postgis::pool::Tx;

/// The columns [`read`] expects, in order.
pub(crate) const COLUMNS: &str = "code, level, parent, name, attributes_text, geom";

/// The rows alive at version `$1`.
pub(crate) const ALIVE_AT: &str = "valid_from <= $1 AND (valid_to IS NULL OR valid_to > $1)";

/// A unit's stored form.
#[derive(Debug)]
pub(crate) struct Encoded {
    /// Attributes as JSON text.
    pub attributes: String,
    /// EWKB.
    pub geom: Ewkb,
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
    let geom = geometry::encode_area(&unit.geometry).map_err(|reason| Refusal::Geometry {
        code: unit.code.clone(),
        reason,
    })?;
    Ok(Encoded { attributes, geom })
}

/// Inserts a unit's new state, valid from `version`.
///
/// # Errors
/// [`StoreError::Postgres`].
pub(crate) fn insert(tx: &mut Tx<'_>, unit: &Unit, enc: &Encoded, version: i64) -> Result<()> {
    tx.execute(
        "INSERT INTO citygrid_units (code, level, parent, name, attributes_text, geom, valid_from) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &unit.code.as_str(),
            &unit.level.as_str(),
            &unit.parent.as_ref().map(UnitCode::as_str),
            &unit.name,
            &enc.attributes,
            &enc.geom,
            &version,
        ],
    )?;
    Ok(())
}

/// Reads the unit in columns `first..first + 6` (as [`COLUMNS`]).
///
/// # Errors
/// [`StoreError::Corrupt`] naming the unit and what cannot be decoded.
pub(crate) fn read(tx: &Tx<'_>, row: &Row, first: usize) -> Result<Unit> {
    let code: &str = tx.get(row, first)?;
    let level: &str = tx.get(row, first + 1)?;
    let parent: Option<&str> = tx.get(row, first + 2)?;
    let name: &str = tx.get(row, first + 3)?;
    let json: &str = tx.get(row, first + 4)?;
    let geom: Ewkb = tx.get(row, first + 5)?;
    let decoded = || -> Result<Unit, String> {
        Ok(Unit {
            code: code.parse().map_err(|e| format!("{e}"))?,
            name: name.to_string(),
            level: level.parse().map_err(|e| format!("{e}"))?,
            parent: parent
                .map(str::parse)
                .transpose()
                .map_err(|e| format!("parent: {e}"))?,
            geometry: geometry::decode_area(&geom.0).map_err(|e| format!("geometry: {e}"))?,
            attributes: attributes::from_json(json)?,
        })
    };
    decoded().map_err(|reason| StoreError::Corrupt {
        store: tx.store.to_string(),
        what: format!("unit {code}"),
        reason,
    })
}
