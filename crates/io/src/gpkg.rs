//! Tables as layers of an OGC GeoPackage (1.4, through the `geopackage` crate), the
//! single-file format QGIS and GDAL open directly.
//!
//! One feature table per level, named as [`citygrid_model::Level::layer_name`] says, with a
//! `MULTIPOLYGON` column `geom`, the table's typed columns, and an R-tree spatial
//! index. The spatial reference system is registered by its EPSG code before any
//! layer refers to it (GeoPackage 1.4 requirement 14), so only coordinate systems
//! with an EPSG code can be written: WGS84 (4326), CGCS2000 (4490), Web Mercator
//! (3857), the CGCS2000 Gauss-Kruger zones; not GCJ-02 or BD-09.

use geo_types::MultiPolygon;
use geopackage::core::types::{ColumnType, GeometryType};
use geopackage::{ColumnSpec, GeoPackage, GeometrySpec, NewFeature, TableSchemaBuilder, Value};

use citygrid_crs::{Crs, Transform};

use crate::atomic::Pending;
use crate::error::{IoError, Result};
use crate::geometry::project;
use crate::table::{Field, FieldType, Table};

/// Writes `tables` as the layers of a new GeoPackage, coordinates in `crs`,
/// through `out` (its temporary file: commit it when this returns `Ok`; a failure
/// leaves nothing behind). `progress` is called once per feature written.
///
/// # Errors
/// [`IoError::Crs`] when `crs` has no EPSG code; [`IoError::Unexpressible`] naming
/// the unit when a coordinate has no place in `crs`; [`IoError::Gpkg`] when the
/// file cannot be created or written.
pub fn write_gpkg(
    out: &Pending,
    tables: &[Table],
    crs: Crs,
    mut progress: impl FnMut(),
) -> Result<()> {
    // Errors name the file the user asked for, not the temporary one.
    let (path, dest) = (out.path(), out.destination());
    let epsg = crs
        .epsg()
        .and_then(|c| i32::try_from(c).ok())
        .ok_or_else(|| IoError::Crs {
            source_name: dest.display().to_string(),
            message: format!(
                "{crs} has no EPSG code, and a GeoPackage must name its coordinate system by one; \
             write wgs84 (and let QGIS reproject) or GeoJSON"
            ),
        })?;
    let transform = Transform::new(crs).map_err(|e| IoError::Crs {
        source_name: dest.display().to_string(),
        message: e.to_string(),
    })?;
    let gpkg_error = |source| IoError::Gpkg {
        path: dest.to_path_buf(),
        source: Box::new(source),
    };
    let gpkg = GeoPackage::create(path).map_err(gpkg_error)?;
    gpkg.add_epsg_srs(epsg).map_err(gpkg_error)?;
    for table in tables {
        let features = table
            .rows
            .iter()
            .map(|row| {
                let geometry = project(&row.unit.geometry, &transform).map_err(|message| {
                    IoError::Unexpressible {
                        code: row.unit.code.to_string(),
                        crs: crs.to_string(),
                        message,
                    }
                })?;
                Ok(NewFeature::new(
                    geometry,
                    row.fields.iter().map(value).collect(),
                ))
            })
            .collect::<Result<Vec<NewFeature<MultiPolygon<f64>>>>>()?;
        let schema = table.columns.iter().fold(
            TableSchemaBuilder::new(table.name())
                .identifier(table.name())
                .description(format!(
                    "{} {} units of the partition, written by citygrid",
                    table.rows.len(),
                    table.level
                ))
                .geometry(GeometrySpec::new(GeometryType::MultiPolygon, epsg)),
            |b, c| b.column(ColumnSpec::new(&c.name, column_type(c.kind))),
        );
        let layer = gpkg.create_layer(&schema).map_err(gpkg_error)?;
        // One transaction per layer: all of it or none.
        layer
            .write_all(features.into_iter().inspect(|_| progress()), 0)
            .map_err(gpkg_error)?;
    }
    gpkg.close().map_err(gpkg_error)
}

fn column_type(kind: FieldType) -> ColumnType {
    match kind {
        FieldType::Integer => ColumnType::Integer,
        FieldType::Real => ColumnType::Double,
        FieldType::Text => ColumnType::Text(None),
        FieldType::Boolean => ColumnType::Boolean,
    }
}

fn value(f: &Field) -> Value {
    match f {
        Field::Null => Value::Null,
        Field::Integer(i) => Value::Integer(*i),
        Field::Real(r) => Value::Float(*r),
        Field::Text(t) => Value::Text(t.clone()),
        Field::Boolean(b) => Value::Boolean(*b),
    }
}

#[cfg(test)]
#[path = "gpkg_tests.rs"]
mod tests;
