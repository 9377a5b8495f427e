//! The GeoPackage layers QGIS and GDAL see: one feature table per level holding the
//! head version, rewritten row by row by each commit in its own transaction, so the
//! layers never show half a version.
//!
//! Columns: `code` (unique), `name`, `parent`, `level`, `version` (the version that
//! last changed the row), `attributes` (all of them, JSON text), then one typed
//! column per attribute key (`households` INTEGER, `density` REAL, `staffed`
//! BOOLEAN, `head` TEXT), added by `ALTER TABLE` the first time a key appears on a
//! level, typed by the values it first arrives with. A later value that does not
//! fit the column's type (2.5 in an INTEGER column) is NULL there; `attributes`
//! always has it. Keys that clash with the fixed columns, case-insensitively as
//! SQLite names them, are only in `attributes`.

use citygrid_model::{AttrValue, Level, Unit};
use geopackage::core::types::{ColumnType, GeometryType};
use geopackage::{ColumnSpec, GeoPackage, GeometrySpec, TableSchemaBuilder};
use rusqlite::types::{ToSqlOutput, Value, ValueRef};
use rusqlite::{Connection, params_from_iter};
use rustc_hash::FxHashMap;

use crate::attributes::{integer, value_json};
use crate::sqlite::geometry::SRS_ID;

/// Columns every layer has; an attribute key equal to one gets no typed column.
const FIXED: [&str; 8] = [
    "fid",
    "geom",
    "code",
    "name",
    "parent",
    "level",
    "version",
    "attributes",
];

/// Creates the five empty layers, each with an R-tree spatial index whose triggers
/// keep it in step with every later write (GeoPackage 1.4 annex F.3).
///
/// # Errors
/// The geopackage crate's error.
pub(crate) fn create(gpkg: &GeoPackage) -> geopackage::Result<()> {
    let text = || ColumnType::Text(None);
    for level in Level::ALL {
        let schema = TableSchemaBuilder::new(level.layer_name())
            .identifier(level.layer_name())
            .description(format!(
                "the {level} units of the head version, kept by citygrid (read-only: edit through citygrid)"
            ))
            .column(ColumnSpec::new("code", text()).not_null().unique())
            .column(ColumnSpec::new("name", text()))
            .column(ColumnSpec::new("parent", text()))
            .column(ColumnSpec::new("level", text()).not_null())
            .column(ColumnSpec::new("version", ColumnType::Integer).not_null())
            .column(ColumnSpec::new("attributes", text()).not_null())
            .geometry(GeometrySpec::new(GeometryType::MultiPolygon, SRS_ID));
        gpkg.create_layer(&schema)?;
    }
    Ok(())
}

/// One unit as its layer row gets it: the attributes and geometry already encoded.
pub(crate) struct Row<'a> {
    /// The unit.
    pub unit: &'a Unit,
    /// Its attributes as JSON.
    pub attributes: &'a str,
    /// Its GeoPackage geometry.
    pub geom: &'a [u8],
    /// Its envelope, `[min_x, max_x, min_y, max_y]`.
    pub envelope: Option<[f64; 4]>,
}

/// Writes `rows` into their levels' layers (inserting or replacing by code) as
/// changed by `version`, adds typed columns for new attribute keys, and records the
/// change time and the grown extent in `gpkg_contents`.
///
/// # Errors
/// SQLite's error.
pub(crate) fn upsert(
    tx: &Connection,
    rows: &[Row],
    version: u64,
    now: &str,
) -> rusqlite::Result<()> {
    for level in Level::ALL {
        let rows: Vec<&Row> = rows.iter().filter(|r| r.unit.level == level).collect();
        if rows.is_empty() {
            continue;
        }
        let table = level.layer_name();
        let columns = typed_columns(tx, table, &rows)?;
        let mut names: Vec<String> = FIXED[1..].iter().map(|c| quote(c)).collect();
        names.extend(columns.iter().map(|(c, _)| quote(c)));
        let placeholders: Vec<String> = (1..=names.len()).map(|i| format!("?{i}")).collect();
        // Every column but the key: the geometry too, or a reshaped unit's row would
        // keep its old area.
        let updates: Vec<String> = names
            .iter()
            .filter(|c| *c != "\"code\"")
            .map(|c| format!("{c} = excluded.{c}"))
            .collect();
        let sql = format!(
            "INSERT INTO {} ({}) VALUES ({}) ON CONFLICT (\"code\") DO UPDATE SET {}",
            quote(table),
            names.join(", "),
            placeholders.join(", "),
            updates.join(", ")
        );
        let mut insert = tx.prepare_cached(&sql)?;
        let version = i64::try_from(version).unwrap_or(i64::MAX);
        for row in &rows {
            let u = row.unit;
            let mut values: Vec<ToSqlOutput> = vec![
                ToSqlOutput::Borrowed(ValueRef::Blob(row.geom)),
                ToSqlOutput::Borrowed(ValueRef::Text(u.code.as_str().as_bytes())),
                ToSqlOutput::Borrowed(ValueRef::Text(u.name.as_bytes())),
                match &u.parent {
                    Some(p) => ToSqlOutput::Borrowed(ValueRef::Text(p.as_str().as_bytes())),
                    None => ToSqlOutput::Owned(Value::Null),
                },
                ToSqlOutput::Borrowed(ValueRef::Text(level.as_str().as_bytes())),
                ToSqlOutput::Owned(Value::Integer(version)),
                ToSqlOutput::Borrowed(ValueRef::Text(row.attributes.as_bytes())),
            ];
            values.extend(columns.iter().map(|(key, kind)| {
                ToSqlOutput::Owned(
                    attribute(&u.attributes, key).map_or(Value::Null, |v| kind.value(v)),
                )
            }));
            insert.execute(params_from_iter(values.iter()))?;
        }
        let extent = rows.iter().filter_map(|r| r.envelope).reduce(|a, b| {
            [
                a[0].min(b[0]),
                a[1].max(b[1]),
                a[2].min(b[2]),
                a[3].max(b[3]),
            ]
        });
        touch(tx, table, now, extent)?;
    }
    Ok(())
}

/// Deletes the rows of retired codes from their level's layer.
///
/// # Errors
/// SQLite's error.
pub(crate) fn delete(tx: &Connection, level: Level, code: &str, now: &str) -> rusqlite::Result<()> {
    let table = level.layer_name();
    tx.prepare_cached(&format!("DELETE FROM {} WHERE \"code\" = ?1", quote(table)))?
        .execute([code])?;
    touch(tx, table, now, None)
}

/// Records a layer's change time, and grows its extent to take in `extent`.
fn touch(
    tx: &Connection,
    table: &str,
    now: &str,
    extent: Option<[f64; 4]>,
) -> rusqlite::Result<()> {
    tx.prepare_cached("UPDATE gpkg_contents SET last_change = ?2 WHERE table_name = ?1")?
        .execute([table, now])?;
    if let Some([min_x, max_x, min_y, max_y]) = extent {
        tx.prepare_cached(
            "UPDATE gpkg_contents SET min_x = min(coalesce(min_x, ?2), ?2), \
             max_x = max(coalesce(max_x, ?3), ?3), min_y = min(coalesce(min_y, ?4), ?4), \
             max_y = max(coalesce(max_y, ?5), ?5) WHERE table_name = ?1",
        )?
        .execute(rusqlite::params![table, min_x, max_x, min_y, max_y])?;
    }
    Ok(())
}

/// The type of a typed column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Integer,
    Real,
    Boolean,
    Text,
}

impl Kind {
    /// The declared type, one GeoPackage allows (1.4 table 1).
    fn sql(self) -> &'static str {
        match self {
            Kind::Integer => "INTEGER",
            Kind::Real => "REAL",
            Kind::Boolean => "BOOLEAN",
            Kind::Text => "TEXT",
        }
    }

    fn declared(decl: &str) -> Kind {
        match decl.to_ascii_uppercase().as_str() {
            "BOOLEAN" => Kind::Boolean,
            "REAL" | "DOUBLE" | "FLOAT" => Kind::Real,
            d if d.contains("INT") => Kind::Integer,
            _ => Kind::Text,
        }
    }

    /// The narrowest type that holds every value: integers, numbers, flags, and text
    /// for anything else or a mix.
    fn of<'a>(values: impl Iterator<Item = &'a AttrValue>) -> Kind {
        values
            .map(|v| match v {
                AttrValue::Number(x) if integer(*x).is_some() => Kind::Integer,
                AttrValue::Number(_) => Kind::Real,
                AttrValue::Bool(_) => Kind::Boolean,
                AttrValue::Text(_) => Kind::Text,
            })
            .reduce(|a, b| match (a, b) {
                (a, b) if a == b => a,
                (Kind::Integer | Kind::Real, Kind::Integer | Kind::Real) => Kind::Real,
                _ => Kind::Text,
            })
            .unwrap_or(Kind::Text)
    }

    /// The column's value for `v`: NULL when it does not fit; text takes anything.
    fn value(self, v: &AttrValue) -> Value {
        match (self, v) {
            (Kind::Integer, AttrValue::Number(x)) => {
                integer(*x).map_or(Value::Null, Value::Integer)
            }
            (Kind::Real, AttrValue::Number(x)) => Value::Real(*x),
            (Kind::Boolean, AttrValue::Bool(b)) => Value::Integer(i64::from(*b)),
            (Kind::Text, AttrValue::Text(t)) => Value::Text(t.clone()),
            (Kind::Text, v) => value_json(v).map_or(Value::Null, |j| Value::Text(j.to_string())),
            _ => Value::Null,
        }
    }
}

/// The layer's typed columns, after adding one for each new key of `rows`.
fn typed_columns(
    tx: &Connection,
    table: &str,
    rows: &[&Row],
) -> rusqlite::Result<Vec<(String, Kind)>> {
    let mut columns: Vec<(String, Kind)> = tx
        .prepare_cached("SELECT name, type FROM pragma_table_info(?1) ORDER BY cid")?
        .query_map([table], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })?
        .filter(|c| c.as_ref().map_or(true, |(n, _)| !is_fixed(n)))
        .map(|c| c.map(|(n, t)| (n, Kind::declared(&t))))
        .collect::<rusqlite::Result<_>>()?;
    // Keyed as SQLite compares column names; the first spelling names the column.
    let mut new: FxHashMap<String, (String, Vec<&AttrValue>)> = FxHashMap::default();
    for row in rows {
        for (key, value) in &row.unit.attributes {
            let known = is_fixed(key) || columns.iter().any(|(c, _)| c.eq_ignore_ascii_case(key));
            if !known && !key.is_empty() && !key.contains('\0') {
                new.entry(key.to_ascii_lowercase())
                    .or_insert_with(|| (key.clone(), Vec::new()))
                    .1
                    .push(value);
            }
        }
    }
    let mut added: Vec<(String, Kind)> = new
        .into_values()
        .map(|(key, values)| (key, Kind::of(values.into_iter())))
        .collect();
    added.sort_by(|a, b| a.0.cmp(&b.0));
    for (key, kind) in added {
        tx.execute_batch(&format!(
            "ALTER TABLE {} ADD COLUMN {} {}",
            quote(table),
            quote(&key),
            kind.sql()
        ))?;
        columns.push((key, kind));
    }
    Ok(columns)
}

/// The value of `key` (matched as SQLite matches column names, ignoring ASCII case).
fn attribute<'a>(attributes: &'a citygrid_model::Attributes, key: &str) -> Option<&'a AttrValue> {
    attributes.get(key).or_else(|| {
        attributes
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    })
}

fn is_fixed(name: &str) -> bool {
    FIXED.iter().any(|f| f.eq_ignore_ascii_case(name))
}

/// An SQL identifier, quoted (SQLite doubles an embedded quote).
fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_column_takes_the_narrowest_type_of_its_values() {
        let of = |values: &[AttrValue]| Kind::of(values.iter());
        assert_eq!(
            of(&[AttrValue::Number(3.0), AttrValue::Number(4.0)]),
            Kind::Integer
        );
        assert_eq!(
            of(&[AttrValue::Number(3.0), AttrValue::Number(4.5)]),
            Kind::Real
        );
        assert_eq!(of(&[AttrValue::Bool(true)]), Kind::Boolean);
        assert_eq!(
            of(&[AttrValue::Bool(true), AttrValue::Number(1.0)]),
            Kind::Text
        );
        assert_eq!(Kind::Integer.value(&AttrValue::Number(2.5)), Value::Null);
        assert_eq!(
            Kind::Text.value(&AttrValue::Number(2.0)),
            Value::Text("2".into())
        );
        assert_eq!(Kind::declared("MEDIUMINT"), Kind::Integer);
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }
}
