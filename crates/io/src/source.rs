//! Where an export came from: the table `citygrid_source` of a GeoPackage exported
//! from a store, one row saying which store, which version, when and in which
//! coordinate system. QGIS lists it as a table beside the layers (it is registered
//! in `gpkg_contents` as `attributes`, GeoPackage 1.4 clause 2.4), and `citygrid
//! commit` reads it to know the version an edited file is to be compared with.

use citygrid_crs::Crs;
use geo_types::Point;
use geopackage::core::types::ColumnType;
use geopackage::{ColumnSpec, GeoPackage, NewFeature, TableSchemaBuilder, Value, ValueRef};

/// The name of the table.
pub const SOURCE_TABLE: &str = "citygrid_source";

/// Where the layers of an export came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Source {
    /// The store's location, as given to the export.
    pub store: String,
    /// When the store's first version was made (RFC 3339): tells a store from
    /// another one at the same path.
    pub store_created: String,
    /// The version exported.
    pub version: u64,
    /// When the export was made (RFC 3339, UTC).
    pub exported_at: String,
    /// The coordinate system of the layers.
    pub crs: Crs,
}

/// The columns, in order.
const COLUMNS: [(&str, ColumnType); 7] = [
    ("store", ColumnType::Text(None)),
    ("store_created", ColumnType::Text(None)),
    ("version", ColumnType::Integer),
    ("exported_at", ColumnType::Text(None)),
    ("crs", ColumnType::Text(None)),
    ("srs_id", ColumnType::Integer),
    ("generator", ColumnType::Text(None)),
];

/// Writes the table with its one row.
///
/// # Errors
/// The geopackage crate's error.
pub(crate) fn write_source(gpkg: &GeoPackage, source: &Source) -> geopackage::Result<()> {
    let schema = COLUMNS.iter().fold(
        TableSchemaBuilder::new(SOURCE_TABLE)
            .identifier(SOURCE_TABLE)
            .description("where the layers came from: store, version, time, coordinate system (written by citygrid export, read by citygrid commit)"),
        |b, (name, kind)| b.column(ColumnSpec::new(*name, kind.clone())),
    );
    let table = gpkg.create_attributes_table(&schema)?;
    let integer = |n: u64| Value::Integer(i64::try_from(n).unwrap_or(i64::MAX));
    let row = vec![
        Value::Text(source.store.clone()),
        Value::Text(source.store_created.clone()),
        integer(source.version),
        Value::Text(source.exported_at.clone()),
        Value::Text(source.crs.to_string()),
        source
            .crs
            .epsg()
            .map_or(Value::Null, |e| integer(u64::from(e))),
        Value::Text(format!("citygrid {}", env!("CARGO_PKG_VERSION"))),
    ];
    table.write_all([NewFeature::<Point<f64>>::attributes(row)], 0)?;
    Ok(())
}

/// The row of the table, `Ok(None)` when the file has no such table (it was not
/// exported from a store).
///
/// # Errors
/// A sentence saying what is wrong with the table.
pub(crate) fn read_source(gpkg: &GeoPackage) -> Result<Option<Source>, String> {
    let Ok(table) = gpkg.attributes(SOURCE_TABLE) else {
        return Ok(None);
    };
    let rows = table.features().map_err(|e| e.to_string())?;
    let mut found = Vec::new();
    for row in rows {
        found.push(row.map_err(|e| e.to_string())?);
    }
    let [row] = found.as_slice() else {
        return Err(format!(
            "{SOURCE_TABLE} has {} rows; an export writes one",
            found.len()
        ));
    };
    let text = |name: &str| -> Result<String, String> {
        match row.value(name) {
            Some(ValueRef::Text(t)) => Ok(t.to_string()),
            other => Err(format!("{SOURCE_TABLE}.{name} is {other:?}, not text")),
        }
    };
    let version = match row.value("version") {
        Some(ValueRef::Integer(v)) if v > 0 => v as u64,
        other => {
            return Err(format!(
                "{SOURCE_TABLE}.version is {other:?}, not a version number"
            ));
        }
    };
    let crs_name = text("crs")?;
    let crs = crs_name
        .parse()
        .map_err(|e| format!("{SOURCE_TABLE}.crs {crs_name:?}: {e}"))?;
    Ok(Some(Source {
        store: text("store")?,
        store_created: text("store_created")?,
        version,
        exported_at: text("exported_at")?,
        crs,
    }))
}
