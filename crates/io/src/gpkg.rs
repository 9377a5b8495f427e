//! Layers of an OGC GeoPackage (1.4, through the `geopackage` crate), the
//! single-file format QGIS and GDAL open directly: the partition's tables, and any
//! other layer of typed rows (the check reports' problems).
//!
//! One feature table per level, named as [`citygrid_model::Level::layer_name`] says, with a
//! `MULTIPOLYGON` column `geom`, the table's typed columns, and an R-tree spatial
//! index. The spatial reference system is registered by its EPSG code before any
//! layer refers to it (GeoPackage 1.4 requirement 14), so only coordinate systems
//! with an EPSG code can be written: WGS84 (4326), CGCS2000 (4490), Web Mercator
//! (3857), the CGCS2000 Gauss-Kruger zones; not GCJ-02 or BD-09.

use std::path::Path;

use geo_types::{Geometry, MultiPolygon};
use geopackage::core::types::{ColumnType, GeometryType};
use geopackage::{ColumnSpec, GeoPackage, GeometrySpec, NewFeature, TableSchemaBuilder, Value};

use citygrid_crs::{Crs, Transform};

use crate::atomic::Pending;
use crate::error::{IoError, Result};
use crate::geometry::project;
use crate::source::{Source, write_source};
use crate::table::{Column, Field, FieldType, Table};

/// The kind of geometry every feature of a layer has (GeoPackage layers hold one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GeometryKind {
    /// Points.
    MultiPoint,
    /// Lines.
    MultiLineString,
    /// Areas.
    MultiPolygon,
}

/// A new GeoPackage being written in one coordinate system: layers are added one
/// by one, each in its own transaction, then [`GpkgWriter::finish`] closes it.
pub struct GpkgWriter<'p> {
    gpkg: GeoPackage,
    dest: &'p Path,
    crs: Crs,
    epsg: i32,
    transform: Transform,
}

impl<'p> GpkgWriter<'p> {
    /// Creates the file at `out`'s temporary path, with `crs` registered.
    ///
    /// # Errors
    /// [`IoError::Crs`] when `crs` has no EPSG code; [`IoError::Gpkg`] when the
    /// file cannot be created.
    pub fn create(out: &'p Pending, crs: Crs) -> Result<Self> {
        // Errors name the file the user asked for, not the temporary one.
        let dest = out.destination();
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
        let gpkg_error = gpkg_error(dest);
        let gpkg = GeoPackage::create(out.path()).map_err(&gpkg_error)?;
        gpkg.add_epsg_srs(epsg).map_err(&gpkg_error)?;
        Ok(GpkgWriter {
            gpkg,
            dest,
            crs,
            epsg,
            transform,
        })
    }

    /// Adds a layer `name` of `kind` with `columns`, and its `rows`: a WGS84
    /// geometry (or none) and one value per column. `label` names a row in errors
    /// (its unit's code) should its geometry not fit the coordinate system.
    ///
    /// # Errors
    /// [`IoError::Unexpressible`] naming the row; [`IoError::Gpkg`].
    pub fn layer<'r>(
        &self,
        name: &str,
        description: &str,
        kind: GeometryKind,
        columns: &[Column],
        rows: impl IntoIterator<Item = LayerRow<'r>>,
    ) -> Result<()> {
        let features = rows
            .into_iter()
            .map(|row| {
                let geometry = match row.geometry {
                    Some(g) if self.crs != Crs::Wgs84 => {
                        Some(project(&g, &self.transform).map_err(|message| {
                            IoError::Unexpressible {
                                code: row.label.to_string(),
                                crs: self.crs.to_string(),
                                message,
                            }
                        })?)
                    }
                    kept => kept,
                };
                let values = row.fields.iter().map(value).collect();
                Ok(match geometry {
                    Some(g) => NewFeature::new(g, values),
                    None => NewFeature::attributes(values),
                })
            })
            .collect::<Result<Vec<NewFeature<Geometry<f64>>>>>()?;
        let schema = columns.iter().fold(
            TableSchemaBuilder::new(name)
                .identifier(name)
                .description(description)
                .geometry(GeometrySpec::new(geometry_type(kind), self.epsg)),
            |b, c| b.column(ColumnSpec::new(&c.name, column_type(c.kind))),
        );
        let layer = self
            .gpkg
            .create_layer(&schema)
            .map_err(gpkg_error(self.dest))?;
        // One transaction per layer: all of it or none.
        layer
            .write_all(features, 0)
            .map_err(gpkg_error(self.dest))?;
        Ok(())
    }

    /// Records where the file's layers came from (see [`crate::source`]).
    ///
    /// # Errors
    /// [`IoError::Gpkg`].
    pub fn source(&self, source: &Source) -> Result<()> {
        write_source(&self.gpkg, source).map_err(gpkg_error(self.dest))
    }

    /// Closes the file (then commit the [`Pending`] it was made through).
    ///
    /// # Errors
    /// [`IoError::Gpkg`].
    pub fn finish(self) -> Result<()> {
        self.gpkg.close().map_err(gpkg_error(self.dest))
    }
}

/// One row of a layer being written.
pub struct LayerRow<'r> {
    /// Names the row in errors (a unit's code, a problem's number).
    pub label: &'r str,
    /// WGS84; `None` for a row without a place.
    pub geometry: Option<Geometry<f64>>,
    /// One per column.
    pub fields: &'r [Field],
}

/// Writes `tables` as the layers of a new GeoPackage, coordinates in `crs`,
/// through `out` (its temporary file: commit it when this returns `Ok`; a failure
/// leaves nothing behind), with `source` recorded when the units came from a
/// store. `progress` is called once per feature written.
///
/// # Errors
/// [`IoError::Crs`] when `crs` has no EPSG code; [`IoError::Unexpressible`] naming
/// the unit when a coordinate has no place in `crs`; [`IoError::Gpkg`] when the
/// file cannot be created or written.
pub fn write_gpkg(
    out: &Pending,
    tables: &[Table],
    crs: Crs,
    source: Option<&Source>,
    mut progress: impl FnMut(),
) -> Result<()> {
    let writer = GpkgWriter::create(out, crs)?;
    for table in tables {
        let rows = table.rows.iter().map(|row| {
            progress();
            LayerRow {
                label: row.unit.code.as_str(),
                geometry: Some(Geometry::MultiPolygon(MultiPolygon::clone(
                    &row.unit.geometry,
                ))),
                fields: &row.fields,
            }
        });
        writer.layer(
            table.name(),
            &format!(
                "{} {} units of the partition, written by citygrid",
                table.rows.len(),
                table.level
            ),
            GeometryKind::MultiPolygon,
            &table.columns,
            rows,
        )?;
    }
    if let Some(source) = source {
        writer.source(source)?;
    }
    writer.finish()
}

/// Wraps the geopackage crate's error with the file the user asked for.
pub(crate) fn gpkg_error(dest: &Path) -> impl Fn(geopackage::Error) -> IoError + '_ {
    move |source| IoError::Gpkg {
        path: dest.to_path_buf(),
        source: Box::new(source),
    }
}

fn geometry_type(kind: GeometryKind) -> GeometryType {
    match kind {
        GeometryKind::MultiPoint => GeometryType::MultiPoint,
        GeometryKind::MultiLineString => GeometryType::MultiLineString,
        GeometryKind::MultiPolygon => GeometryType::MultiPolygon,
    }
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
