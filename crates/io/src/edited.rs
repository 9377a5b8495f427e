//! An edited export against the version it was exported from: which units a GIS
//! editor changed, added and deleted (in QGIS, say), as the edit engine takes them.
//! See `docs/edits.md`, "The QGIS round trip".
//!
//! - A feature is its unit by `code`. A value the editor left alone (the file holds
//!   what the export wrote for the unit) keeps the unit's exact value, the computed
//!   columns (`area_m2`, `village_code`...) are ignored, and the geometry comes back
//!   through [`ExportedVertices`]: an untouched feature equals its unit and is no
//!   change, whatever the export's coordinate system.
//! - Several features with one code are QGIS's Split Features, which copies every
//!   value to each part: the largest part keeps the code, the others are new units
//!   of the same parent, and a value copied unchanged from the part that keeps the
//!   code is not inherited (the new unit gets the name new units get, and no
//!   attributes, as the engine's `split` does).
//! - A feature with an empty code is new: its parent is its `parent` column, else
//!   the code column of the level above (`village_code`), else the unit of that
//!   level it lies in.
//! - A unit whose code no feature of its layer holds any more was deleted (as after
//!   Merge Features). A layer missing from the file deletes nothing.
//! - New units above cells are refused: a village is made of cells, which name it by
//!   a code it would not have yet.

use std::collections::{BTreeMap, HashMap, HashSet};

use geo_types::MultiPolygon;

use citygrid_crs::Crs;
use citygrid_model::measure::area_m2;
use citygrid_model::sequence::{interior_point, reading_order};
use citygrid_model::{AttrValue, Attributes, Level, Partition, Unit, UnitCode};
use citygrid_planar::contains;

use crate::error::{IoError, Result};
use crate::gpkg_read::{FeatureLayer, FileFeature, GpkgLayers};
use crate::table::{Field, Row, Table, tables};
use crate::vertices::ExportedVertices;

/// What an edited file changes.
#[derive(Debug, Clone, Default)]
pub struct Edits {
    /// Units of the base whose feature changed, as the file now has them.
    pub changed: Vec<Unit>,
    /// Features that are new units, by parent and, under one parent, west to
    /// east and north to south.
    pub added: Vec<Added>,
    /// Codes whose features were deleted.
    pub removed: Vec<UnitCode>,
}

impl Edits {
    /// Whether the file changes nothing.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.changed.is_empty() && self.added.is_empty() && self.removed.is_empty()
    }
}

/// A feature that becomes a new unit.
#[derive(Debug, Clone)]
pub struct Added {
    /// Its layer.
    pub layer: String,
    /// Its feature id.
    pub fid: i64,
    /// Its level.
    pub level: Level,
    /// A code the editor typed that the base does not have; `None`: it needs the
    /// next free one under its parent.
    pub code: Option<UnitCode>,
    /// The unit it belongs to.
    pub parent: UnitCode,
    /// The code it was split from (it carried it beside a larger part).
    pub split_from: Option<UnitCode>,
    /// The name the editor gave it; `None`: the name new units get.
    pub name: Option<String>,
    /// Its area, WGS84.
    pub geometry: MultiPolygon<f64>,
    /// The attributes the editor gave it.
    pub attributes: Attributes,
}

/// The edits `file` makes to `base`, the version it was exported from in `crs`.
///
/// # Errors
/// [`IoError::Layer`] naming layer and feature: a layer in another coordinate
/// system, a feature without geometry or with a malformed code or parent, a new
/// unit above cells, a new cell that lies in no village.
pub fn edits(file: &GpkgLayers, base: &Partition, crs: Crs) -> Result<Edits> {
    let units: Vec<Unit> = base.units().iter().map(|u| Unit::clone(u)).collect();
    let levels: Vec<Level> = file.layers.iter().map(|l| l.level).collect();
    let exported = tables(&units, &levels, base.layout());
    let vertices = ExportedVertices::new(units.iter().filter(|u| levels.contains(&u.level)), crs)
        .map_err(|message| IoError::Crs {
        source_name: file.path.display().to_string(),
        message,
    })?;
    let mut edits = Edits::default();
    for (layer, table) in file.layers.iter().zip(&exported) {
        let reader = LayerReader {
            file,
            layer,
            table,
            rows: table.rows.iter().map(|r| (&r.unit.code, r)).collect(),
            base,
        };
        reader.check_crs(crs)?;
        reader.read(&vertices, &mut edits)?;
    }
    Ok(edits)
}

/// One layer of the file beside the table the export wrote for its level.
struct LayerReader<'a> {
    file: &'a GpkgLayers,
    layer: &'a FeatureLayer,
    table: &'a Table<'a>,
    /// The table's rows by code.
    rows: HashMap<&'a UnitCode, &'a Row<'a>>,
    base: &'a Partition,
}

/// A feature's code, and its area mapped back to WGS84.
struct Read<'a> {
    feature: &'a FileFeature,
    code: Option<UnitCode>,
    geometry: MultiPolygon<f64>,
}

impl<'a> LayerReader<'a> {
    fn fail(&self, fid: Option<i64>, message: String) -> IoError {
        IoError::Layer {
            path: self.file.path.clone(),
            layer: self.layer.name.clone(),
            fid,
            message,
        }
    }

    fn check_crs(&self, crs: Crs) -> Result<()> {
        let expected = crs.epsg().and_then(|e| i32::try_from(e).ok());
        if expected == Some(self.layer.srs_id) {
            return Ok(());
        }
        Err(self.fail(
            None,
            format!(
                "its coordinates are in EPSG:{} but the file was exported in {crs}; \
                 a reprojected copy cannot be compared vertex for vertex: edit the exported file itself",
                self.layer.srs_id
            ),
        ))
    }

    /// Adds what the layer changes to `edits`.
    fn read(&self, vertices: &ExportedVertices, edits: &mut Edits) -> Result<()> {
        if !self.layer.columns.iter().any(|c| c.name == "code") {
            return Err(self.fail(None, "has no code column".to_string()));
        }
        let mut reads = Vec::with_capacity(self.layer.features.len());
        for feature in &self.layer.features {
            reads.push(self.read_feature(feature, vertices)?);
        }
        let mut by_code: BTreeMap<UnitCode, Vec<&Read>> = BTreeMap::new();
        let mut added = Vec::new();
        for read in &reads {
            match &read.code {
                Some(code) => by_code.entry(code.clone()).or_default().push(read),
                None => added.push(self.added(read, None, None, None)?),
            }
        }
        for (code, mut parts) in by_code {
            // The largest part keeps the code (the first drawn of equal ones).
            if parts.len() > 1 {
                let mut sized: Vec<(f64, &Read)> =
                    parts.iter().map(|r| (area_m2(&r.geometry), *r)).collect();
                sized.sort_by(|a, b| {
                    b.0.total_cmp(&a.0)
                        .then(a.1.feature.fid.cmp(&b.1.feature.fid))
                });
                parts = sized.into_iter().map(|(_, r)| r).collect();
            }
            let keeper = parts[0];
            match self.base.get(&code) {
                Some(unit) => {
                    let updated = self.updated(keeper, unit)?;
                    if updated != **unit {
                        edits.changed.push(updated);
                    }
                }
                None => added.push(self.added(keeper, Some(code.clone()), None, None)?),
            }
            let split_from = self.base.get(&code).map(|_| code.clone());
            for part in &parts[1..] {
                added.push(self.added(part, None, split_from.clone(), Some(keeper))?);
            }
        }
        edits.added.extend(in_reading_order(added));
        let present: HashSet<&UnitCode> = reads.iter().filter_map(|r| r.code.as_ref()).collect();
        edits.removed.extend(
            self.base
                .level_ids(self.layer.level)
                .map(|id| &self.base.unit(id).code)
                .filter(|c| !present.contains(c))
                .cloned(),
        );
        Ok(())
    }

    fn read_feature(
        &self,
        feature: &'a FileFeature,
        vertices: &ExportedVertices,
    ) -> Result<Read<'a>> {
        let fid = Some(feature.fid);
        let code = match self.layer.value(feature, "code") {
            Some(Field::Text(t)) if !t.trim().is_empty() => Some(t.trim().to_string()),
            Some(Field::Integer(i)) => Some(i.to_string()),
            _ => None,
        }
        .map(|text| {
            text.parse::<UnitCode>()
                .map_err(|e| self.fail(fid, format!("code {text:?}: {e}")))
        })
        .transpose()?;
        let own = match code.as_ref().and_then(|c| self.base.get(c)) {
            Some(unit) if unit.level != self.layer.level => {
                return Err(self.fail(
                    fid,
                    format!(
                        "code {} is a {} of version {}, not a {}",
                        unit.code,
                        unit.level,
                        self.base.version(),
                        self.layer.level
                    ),
                ));
            }
            found => found.map(|u| &u.geometry),
        };
        let Some(drawn) = &feature.geometry else {
            return Err(self.fail(
                fid,
                "has no geometry: draw its area, or delete the feature to retire its code"
                    .to_string(),
            ));
        };
        let geometry = vertices
            .to_wgs84(drawn, own)
            .map_err(|m| self.fail(fid, m))?;
        Ok(Read {
            feature,
            code,
            geometry,
        })
    }

    /// The unit `read` now describes: what it holds where the editor changed the
    /// export, the unit's own values where not.
    fn updated(&self, read: &Read, unit: &Unit) -> Result<Unit> {
        let fid = Some(read.feature.fid);
        let row = self
            .rows
            .get(&unit.code)
            .ok_or_else(|| self.fail(fid, format!("{} is not in the export's table", unit.code)))?;
        let changed = |column: &str| -> Option<&Field> {
            let now = self.layer.value(read.feature, column)?;
            (Some(now) != self.exported(row, column)).then_some(now)
        };
        let name = match changed("name") {
            Some(f) => text(f).unwrap_or_default(),
            None => unit.name.clone(),
        };
        let parent = match changed("parent") {
            Some(f) => text(f)
                .map(|t| {
                    t.parse()
                        .map_err(|e| self.fail(fid, format!("parent {t:?}: {e}")))
                })
                .transpose()?,
            None => unit.parent.clone(),
        };
        let mut attributes = unit.attributes.clone();
        for (key, column) in self.attribute_columns() {
            if let Some(f) = changed(column) {
                set(&mut attributes, key, f);
            }
        }
        Ok(Unit {
            code: unit.code.clone(),
            name,
            level: unit.level,
            parent,
            geometry: read.geometry.clone(),
            attributes,
        })
    }

    /// A new unit from `read`; values equal to `copied_from`'s are QGIS's copy.
    fn added(
        &self,
        read: &Read,
        code: Option<UnitCode>,
        split_from: Option<UnitCode>,
        copied_from: Option<&Read>,
    ) -> Result<Added> {
        let fid = Some(read.feature.fid);
        if self.layer.level != Level::Cell {
            return Err(self.fail(
                fid,
                format!(
                    "a new {} (or a second feature with code {}): only cells can be added here; \
                     a {} is made of cells, which name it by its code",
                    self.layer.level,
                    code.as_ref()
                        .or(split_from.as_ref())
                        .map_or("none", UnitCode::as_str),
                    self.layer.level
                ),
            ));
        }
        let own = |column: &str| -> Option<&Field> {
            let now = self.layer.value(read.feature, column)?;
            let copied = copied_from.and_then(|c| self.layer.value(c.feature, column));
            (copied != Some(now)).then_some(now)
        };
        let mut attributes = Attributes::new();
        for (key, column) in self.attribute_columns() {
            if let Some(f) = own(column) {
                set(&mut attributes, key, f);
            }
        }
        Ok(Added {
            layer: self.layer.name.clone(),
            fid: read.feature.fid,
            level: self.layer.level,
            code,
            parent: self.parent_of(read)?,
            split_from,
            name: own("name").and_then(text).filter(|n| !n.trim().is_empty()),
            geometry: read.geometry.clone(),
            attributes,
        })
    }

    /// A new unit's parent: its `parent` column, else the code column of the level
    /// above, else the unit of that level it lies in.
    fn parent_of(&self, read: &Read) -> Result<UnitCode> {
        let fid = Some(read.feature.fid);
        let Some(level) = self.layer.level.parent() else {
            return Err(self.fail(fid, "a unit of the top level cannot be added".to_string()));
        };
        let named = ["parent".to_string(), format!("{}_code", level.as_str())];
        for column in &named {
            if let Some(t) = self.layer.value(read.feature, column).and_then(text) {
                let code: UnitCode = t
                    .parse()
                    .map_err(|e| self.fail(fid, format!("{column} {t:?}: {e}")))?;
                return match self.base.get(&code) {
                    Some(u) if u.level == level => Ok(code),
                    _ => Err(self.fail(
                        fid,
                        format!(
                            "{column} {code} is not a {level} of version {}",
                            self.base.version()
                        ),
                    )),
                };
            }
        }
        let inside = interior_point(&read.geometry).and_then(|p| {
            self.base
                .level_ids(level)
                .map(|id| self.base.unit(id))
                .find(|u| contains(&u.geometry, p))
        });
        inside.map(|u| u.code.clone()).ok_or_else(|| {
            self.fail(
                fid,
                format!(
                    "it has no parent and lies in no {level} of version {}: fill in its parent column",
                    self.base.version()
                ),
            )
        })
    }

    /// The attribute each column holds: the export's attribute columns, and
    /// columns the editor added (named after their attribute).
    fn attribute_columns(&self) -> impl Iterator<Item = (&str, &str)> {
        let fixed = |name: &str| {
            self.table
                .columns
                .iter()
                .any(|c| c.attribute.is_none() && c.name.eq_ignore_ascii_case(name))
        };
        self.layer.columns.iter().filter_map(move |c| {
            match self.table.columns.iter().find(|t| t.name == c.name) {
                Some(t) => t.attribute.as_deref().map(|a| (a, c.name.as_str())),
                None if !fixed(&c.name) => Some((c.name.as_str(), c.name.as_str())),
                None => None,
            }
        })
    }

    /// What the export wrote in `column` for `row`'s unit; `None` for a column the
    /// export did not write (one the editor added).
    fn exported<'r>(&self, row: &'r Row, column: &str) -> Option<&'r Field> {
        let at = self.table.columns.iter().position(|c| c.name == column)?;
        row.fields.get(at)
    }
}

/// Text a field holds, `None` when null or empty.
fn text(f: &Field) -> Option<String> {
    match f {
        Field::Text(t) if !t.trim().is_empty() => Some(t.trim().to_string()),
        Field::Integer(i) => Some(i.to_string()),
        _ => None,
    }
}

/// Sets attribute `key` to what `f` holds, or removes it for null.
fn set(attributes: &mut Attributes, key: &str, f: &Field) {
    let value = match f {
        Field::Null => None,
        Field::Integer(i) => Some(AttrValue::Number(*i as f64)),
        Field::Real(r) => Some(AttrValue::Number(*r)),
        Field::Boolean(b) => Some(AttrValue::Bool(*b)),
        Field::Text(t) => Some(AttrValue::Text(t.clone())),
    };
    match value {
        Some(v) => attributes.insert(key.to_string(), v),
        None => attributes.remove(key),
    };
}

/// New units by parent and, under one parent, in reading order, so that new codes
/// number them as `citygrid build` would.
fn in_reading_order(added: Vec<Added>) -> Vec<Added> {
    let mut by_parent: BTreeMap<UnitCode, Vec<Added>> = BTreeMap::new();
    for a in added {
        by_parent.entry(a.parent.clone()).or_default().push(a);
    }
    let mut out = Vec::new();
    for (_, group) in by_parent {
        let order = reading_order(&group.iter().map(|a| &a.geometry).collect::<Vec<_>>());
        let mut numbered: Vec<(u32, Added)> = order.into_iter().zip(group).collect();
        numbered.sort_by_key(|(n, _)| *n);
        out.extend(numbered.into_iter().map(|(_, a)| a));
    }
    out
}

#[cfg(test)]
#[path = "edited_tests.rs"]
mod tests;
