//! Units as typed tables, one per level: the rows and columns an export writes,
//! whatever the file format, so a GeoPackage layer and a GeoJSON file of the same
//! level say the same thing.
//!
//! Columns, in order: `code`, `name`, `level`, `parent`; the codes of the district,
//! township and village above the table's level (`district_code`, `township_code`,
//! `village_code`: a cell table has all three, a township table only
//! `district_code`); `area_m2`, the geodesic area on the WGS84 ellipsoid
//! ([`citygrid_model::measure::area_m2`]) to the cm²; then one column per attribute
//! found at that level, by name.
//!
//! An attribute column has the narrowest type that holds every value found at its
//! level: integer when all are whole numbers (below 2^53), real when all are
//! numbers, boolean when all are flags; mixed types make a text column, with
//! numbers written as in GeoJSON (`420`, `0.5`) and flags as `true`/`false`. A unit
//! without the attribute has NULL.
//!
//! Ancestor codes follow the `parent` links through the units present. Where the
//! chain stops (a file of cells only, or a parent that is not in the file), the
//! rest comes from the lowest known code that follows the code layout: cell
//! 520102001001007 lies in village 520102001001, township 520102001, district
//! 520102. A unit without a `parent` gets the code so derived for the level
//! directly above, when there is one.
//!
//! Column names are unique regardless of case (SQLite compares them so). An
//! attribute named like a computed column of the table (`area_m2`,
//! `district_code`... as in a file this export wrote) is replaced by the computed
//! value; one that clashes otherwise (with `code`, with another attribute up to
//! case, or with the GeoPackage's `fid` and `geom`) gets `_2`, `_3`... appended.

use std::collections::{BTreeSet, HashMap, HashSet};

use citygrid_model::measure::area_m2;
use citygrid_model::{AttrValue, CodeLayout, Level, Unit, UnitCode};

use crate::feature::attr;

/// The type of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldType {
    /// 64-bit integers.
    Integer,
    /// 64-bit floating point.
    Real,
    /// UTF-8 text.
    Text,
    /// True or false.
    Boolean,
}

/// One column: its name in the output and its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The name, unique in the table regardless of case.
    pub name: String,
    /// What every non-null value of the column is.
    pub kind: FieldType,
    /// The attribute the column holds (its name may carry a `_2` to stay unique);
    /// `None` for the fixed and computed columns, which a reader of an edited
    /// export must not take for attributes.
    pub attribute: Option<String>,
}

/// One value of a row, of its column's type or null.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// No value.
    Null,
    /// An integer.
    Integer(i64),
    /// A real number.
    Real(f64),
    /// Text.
    Text(String),
    /// A flag.
    Boolean(bool),
}

/// One unit with its values, one per column.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    /// The unit (its geometry is written as is, WGS84).
    pub unit: &'a Unit,
    /// Values in column order.
    pub fields: Vec<Field>,
}

/// The units of one level as rows under typed columns, sorted by code.
#[derive(Debug, Clone)]
pub struct Table<'a> {
    /// The level of every row.
    pub level: Level,
    /// Columns in output order.
    pub columns: Vec<Column>,
    /// Rows by code.
    pub rows: Vec<Row<'a>>,
}

impl Table<'_> {
    /// The layer name of this level: see [`Level::layer_name`].
    #[must_use]
    pub fn name(&self) -> &'static str {
        self.level.layer_name()
    }
}

/// The levels between the city and the cells that get an ancestor-code column.
const ANCESTORS: [Level; 3] = [Level::District, Level::Township, Level::Village];
/// Column names the GeoPackage writer uses for the key and the geometry.
const STORAGE: [&str; 2] = [
    geopackage::DEFAULT_PRIMARY_KEY,
    geopackage::DEFAULT_GEOMETRY_COLUMN,
];

/// The units of each of `levels` as a table, in that order; a level without units
/// gives a table without rows. Ancestor codes are looked up among all `units`.
#[must_use]
pub fn tables<'a>(units: &'a [Unit], levels: &[Level], layout: &CodeLayout) -> Vec<Table<'a>> {
    let by_code: HashMap<&UnitCode, &Unit> = units.iter().map(|u| (&u.code, u)).collect();
    levels
        .iter()
        .map(|&level| table(units, level, &by_code, layout))
        .collect()
}

fn table<'a>(
    units: &'a [Unit],
    level: Level,
    by_code: &HashMap<&UnitCode, &Unit>,
    layout: &CodeLayout,
) -> Table<'a> {
    let mut members: Vec<&Unit> = units.iter().filter(|u| u.level == level).collect();
    members.sort_by(|a, b| a.code.cmp(&b.code));
    let above: Vec<Level> = ANCESTORS.into_iter().filter(|l| *l < level).collect();
    let text = |name: &str| Column {
        name: name.to_string(),
        kind: FieldType::Text,
        attribute: None,
    };
    let mut columns: Vec<Column> = ["code", "name", "level", "parent"]
        .into_iter()
        .map(text)
        .collect();
    columns.extend(above.iter().map(|l| text(&format!("{l}_code"))));
    columns.push(Column {
        name: "area_m2".into(),
        kind: FieldType::Real,
        attribute: None,
    });
    // Computed here, so an attribute of the same name (a re-exported export) is
    // replaced rather than kept twice.
    let computed: HashSet<String> = columns[4..].iter().map(|c| c.name.clone()).collect();
    let mut taken: HashSet<String> = columns
        .iter()
        .map(|c| c.name.clone())
        .chain(STORAGE.map(String::from))
        .collect();
    let names: BTreeSet<&str> = members
        .iter()
        .flat_map(|u| u.attributes.keys().map(String::as_str))
        .collect();
    let mut attributes: Vec<(&str, FieldType)> = Vec::new();
    for name in names {
        if computed.contains(&name.to_ascii_lowercase()) {
            continue;
        }
        let kind = type_of(members.iter().filter_map(|u| u.attributes.get(name)));
        columns.push(Column {
            name: unique(name, &mut taken),
            kind,
            attribute: Some(name.to_string()),
        });
        attributes.push((name, kind));
    }
    let code = |c: Option<&UnitCode>| c.map_or(Field::Null, |c| Field::Text(c.to_string()));
    let rows = members
        .into_iter()
        .map(|unit| {
            let lineage = lineage(unit, by_code, layout);
            let parent = unit
                .parent
                .as_ref()
                .or_else(|| level.parent().and_then(|p| lineage[p.index()].as_ref()));
            let mut fields = vec![
                Field::Text(unit.code.to_string()),
                Field::Text(unit.name.clone()),
                Field::Text(level.to_string()),
                code(parent),
            ];
            fields.extend(above.iter().map(|l| code(lineage[l.index()].as_ref())));
            fields.push(Field::Real(
                (area_m2(&unit.geometry) * 100.0).round() / 100.0,
            ));
            fields.extend(
                attributes
                    .iter()
                    .map(|(name, kind)| field(unit.attributes.get(*name), *kind)),
            );
            Row { unit, fields }
        })
        .collect();
    Table {
        level,
        columns,
        rows,
    }
}

/// `name`, or `name_2`, `name_3`... whichever is free regardless of case; marks it
/// taken.
fn unique(name: &str, taken: &mut HashSet<String>) -> String {
    let mut candidate = name.to_string();
    let mut n = 1;
    while !taken.insert(candidate.to_ascii_lowercase()) {
        n += 1;
        candidate = format!("{name}_{n}");
    }
    candidate
}

/// Below 2^53 every integer is an exact `f64`, and `attr` writes it without a
/// fraction.
fn whole(n: f64) -> bool {
    n.fract() == 0.0 && n.abs() < 9_007_199_254_740_992.0
}

fn type_of<'v>(values: impl Iterator<Item = &'v AttrValue>) -> FieldType {
    let mut kind = None;
    for v in values {
        let this = match v {
            AttrValue::Number(n) if whole(*n) => FieldType::Integer,
            AttrValue::Number(_) => FieldType::Real,
            AttrValue::Bool(_) => FieldType::Boolean,
            AttrValue::Text(_) => return FieldType::Text,
        };
        kind = Some(match (kind, this) {
            (None, t) => t,
            (Some(a), b) if a == b => a,
            (Some(FieldType::Integer | FieldType::Real), FieldType::Integer | FieldType::Real) => {
                FieldType::Real
            }
            _ => return FieldType::Text,
        });
    }
    // An attribute present only as null never reaches here (the reader drops nulls).
    kind.unwrap_or(FieldType::Text)
}

fn field(value: Option<&AttrValue>, kind: FieldType) -> Field {
    match (value, kind) {
        (None, _) => Field::Null,
        (Some(AttrValue::Number(n)), FieldType::Integer) => Field::Integer(*n as i64),
        (Some(AttrValue::Number(n)), FieldType::Real) => Field::Real(*n),
        (Some(AttrValue::Bool(b)), FieldType::Boolean) => Field::Boolean(*b),
        (Some(AttrValue::Text(t)), _) => Field::Text(t.clone()),
        (Some(other), _) => Field::Text(attr(other).to_string()),
    }
}

/// The codes of a unit's ancestors, indexed by level: from the `parent` links,
/// then from the code layout.
fn lineage(
    unit: &Unit,
    by_code: &HashMap<&UnitCode, &Unit>,
    layout: &CodeLayout,
) -> [Option<UnitCode>; 5] {
    let mut codes: [Option<UnitCode>; 5] = Default::default();
    let mut current = unit;
    while let Some(parent) = &current.parent {
        let found = by_code.get(parent).copied();
        // A parent outside the file is placed by its code, else directly above.
        let level = found
            .map(|u| u.level)
            .or_else(|| layout.level_of(parent))
            .or_else(|| current.level.parent());
        // Levels strictly rise, so a cycle of parent links ends here.
        let Some(level) = level.filter(|l| *l < current.level) else {
            break;
        };
        codes[level.index()] = Some(parent.clone());
        match found {
            Some(u) => current = u,
            None => break,
        }
    }
    let known = std::iter::once((unit.level, unit.code.clone())).chain(
        Level::ALL
            .into_iter()
            .rev()
            .filter_map(|l| codes[l.index()].clone().map(|c| (l, c))),
    );
    let anchor = known
        .into_iter()
        .find(|(l, c)| layout.check(c, *l, None).is_ok());
    if let Some((level, code)) = anchor {
        for above in &Level::ALL[..level.index()] {
            if codes[above.index()].is_none() {
                codes[above.index()] = prefix(&code, *above, layout);
            }
        }
    }
    codes
}

/// The code of the `level` unit containing `code` under the layout: its
/// significant digits, padded with zeros (cell 520102001001007 -> city 520100).
fn prefix(code: &UnitCode, level: Level, layout: &CodeLayout) -> Option<UnitCode> {
    let d = layout.digits(level);
    let head = code.as_str().get(..usize::from(d.significant))?;
    let zeros = usize::from(d.digits - d.significant);
    format!("{head}{}", "0".repeat(zeros)).parse().ok()
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
