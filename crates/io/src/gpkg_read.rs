//! GeoPackage feature tables read back: the layers of a citygrid export as QGIS or
//! GDAL left them after an edit. Each feature keeps its id, its geometry as the file
//! holds it (in the file's coordinate system: mapping it back to WGS84 exactly is
//! [`crate::vertices`]'s work) and its values typed by their columns; the layers'
//! levels come from their names ([`Level::layer_name`]), and any other layer (a
//! problems layer opened beside the cells, say) is left alone.

use std::path::{Path, PathBuf};

use geo_types::{Geometry, MultiPolygon};
use geopackage::core::types::ColumnType;
use geopackage::{GeoPackage, ValueRef};

use citygrid_model::Level;

use crate::error::{IoError, Result};
use crate::source::{Source, read_source};
use crate::table::{Column, Field, FieldType};

/// What a GeoPackage holds of a partition.
#[derive(Debug, Clone)]
pub struct GpkgLayers {
    /// The file.
    pub path: PathBuf,
    /// Where it was exported from, when it was exported from a store.
    pub source: Option<Source>,
    /// The layers named after a level, top level first.
    pub layers: Vec<FeatureLayer>,
}

/// One layer of units.
#[derive(Debug, Clone)]
pub struct FeatureLayer {
    /// The level its name says.
    pub level: Level,
    /// The table's name as the file spells it.
    pub name: String,
    /// The spatial reference system of its geometries (an EPSG code in a citygrid
    /// export).
    pub srs_id: i32,
    /// The value columns (not the feature id, not the geometry), in table order.
    /// None of them is an attribute yet: what a column holds is for the reader of
    /// the layer to say ([`Column::attribute`] is `None`).
    pub columns: Vec<Column>,
    /// The features, by feature id.
    pub features: Vec<FileFeature>,
}

/// One feature as the file has it.
#[derive(Debug, Clone)]
pub struct FileFeature {
    /// The feature id (QGIS shows it as `fid`).
    pub fid: i64,
    /// Its area in the file's coordinate system; `None` when the row has none.
    pub geometry: Option<MultiPolygon<f64>>,
    /// One value per column of its layer.
    pub fields: Vec<Field>,
}

impl FeatureLayer {
    /// The value of `column` in `feature`, `None` when the layer has no such column.
    #[must_use]
    pub fn value<'f>(&self, feature: &'f FileFeature, column: &str) -> Option<&'f Field> {
        let at = self.columns.iter().position(|c| c.name == column)?;
        feature.fields.get(at)
    }
}

/// Reads the layers of `path` named after a level, and its `citygrid_source` row.
///
/// # Errors
/// [`IoError::Read`] when the file does not exist; [`IoError::GpkgRead`] when it
/// is not a GeoPackage; [`IoError::Layer`] naming the layer and feature whose
/// geometry is not an area or whose value cannot be read.
pub fn read_gpkg(path: &Path) -> Result<GpkgLayers> {
    if !path.is_file() {
        return Err(IoError::Read {
            path: path.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        });
    }
    let unreadable = |source| IoError::GpkgRead {
        path: path.to_path_buf(),
        source: Box::new(source),
    };
    let gpkg = GeoPackage::open_read_only_lenient(path).map_err(unreadable)?;
    let source = read_source(&gpkg).map_err(|message| IoError::Layer {
        path: path.to_path_buf(),
        layer: crate::source::SOURCE_TABLE.to_string(),
        fid: None,
        message,
    })?;
    let mut layers = Vec::new();
    for layer in gpkg.layers().map_err(unreadable)? {
        let name = layer.table_name().to_string();
        let Some(level) = Level::ALL
            .into_iter()
            .find(|l| l.layer_name().eq_ignore_ascii_case(&name))
        else {
            continue;
        };
        let fail = |fid: Option<i64>, message: String| IoError::Layer {
            path: path.to_path_buf(),
            layer: name.clone(),
            fid,
            message,
        };
        let schema = layer.schema();
        let geometry_column = layer.geometry_column();
        let srs_id = geometry_column.map_or(0, |g| g.srs_id);
        let skip = [
            layer.primary_key_column().map(str::to_string),
            geometry_column.map(|g| g.column_name.clone()),
        ];
        let columns: Vec<Column> = schema
            .columns
            .iter()
            .filter(|c| !skip.contains(&Some(c.name.clone())))
            .map(|c| Column {
                name: c.name.clone(),
                kind: field_type(c.column_type.as_ref()),
                attribute: None,
            })
            .collect();
        let mut features = Vec::new();
        for feature in layer.features().map_err(unreadable)? {
            let feature = feature.map_err(unreadable)?;
            let fid = feature.fid();
            let geometry = match feature.geometry() {
                Ok(Some(g)) => area(g.to_geo()).map_err(|m| fail(Some(fid), m))?,
                Ok(None) => None,
                Err(e) => return Err(fail(Some(fid), e.to_string())),
            };
            let fields = columns
                .iter()
                .map(|c| {
                    let v = feature.value(&c.name).unwrap_or(ValueRef::Null);
                    field(v, c.kind).map_err(|m| fail(Some(fid), format!("column {}: {m}", c.name)))
                })
                .collect::<Result<Vec<Field>>>()?;
            features.push(FileFeature {
                fid,
                geometry,
                fields,
            });
        }
        features.sort_by_key(|f| f.fid);
        layers.push(FeatureLayer {
            level,
            name,
            srs_id,
            columns,
            features,
        });
    }
    layers.sort_by_key(|l| l.level);
    Ok(GpkgLayers {
        path: path.to_path_buf(),
        source,
        layers,
    })
}

/// A geometry as an area: polygons as a multipolygon of one, an empty geometry
/// as none.
fn area(geometry: Option<Geometry<f64>>) -> std::result::Result<Option<MultiPolygon<f64>>, String> {
    let mp = match geometry {
        None => return Ok(None),
        Some(Geometry::MultiPolygon(mp)) => mp,
        Some(Geometry::Polygon(p)) => MultiPolygon(vec![p]),
        Some(other) => {
            return Err(format!(
                "its geometry is a {}, not a polygon",
                kind_name(&other)
            ));
        }
    };
    Ok((!mp.0.is_empty()).then_some(mp))
}

fn kind_name(g: &Geometry<f64>) -> &'static str {
    match g {
        Geometry::Point(_) | Geometry::MultiPoint(_) => "point",
        Geometry::Line(_) | Geometry::LineString(_) | Geometry::MultiLineString(_) => "line",
        Geometry::GeometryCollection(_) => "geometry collection",
        _ => "shape of another kind",
    }
}

/// How a column's declared type reads: integers of any width as integers, floats
/// as reals, booleans as flags, and anything else (text, dates, an undeclared
/// type) as text.
fn field_type(declared: Option<&ColumnType>) -> FieldType {
    match declared {
        Some(ColumnType::Boolean) => FieldType::Boolean,
        Some(
            ColumnType::TinyInt
            | ColumnType::SmallInt
            | ColumnType::MediumInt
            | ColumnType::Integer,
        ) => FieldType::Integer,
        Some(ColumnType::Float | ColumnType::Double) => FieldType::Real,
        _ => FieldType::Text,
    }
}

/// A stored value as its column's type says (SQLite keeps what it is given: a
/// real typed into an integer column stays a real, and is read as one).
fn field(v: ValueRef<'_>, kind: FieldType) -> std::result::Result<Field, String> {
    Ok(match v {
        ValueRef::Null => Field::Null,
        ValueRef::Boolean(b) => Field::Boolean(b),
        ValueRef::Integer(i) if kind == FieldType::Boolean => Field::Boolean(i != 0),
        ValueRef::Integer(i) => Field::Integer(i),
        ValueRef::Float(f) => Field::Real(f),
        ValueRef::Text(t) => Field::Text(t.to_string()),
        ValueRef::Date(d) => Field::Text(d.to_string()),
        ValueRef::DateTime(t) => Field::Text(t.to_string()),
        ValueRef::Blob(b) => return Err(format!("holds {} bytes, not a value", b.len())),
        other => return Err(format!("holds {other:?}, not a value")),
    })
}
