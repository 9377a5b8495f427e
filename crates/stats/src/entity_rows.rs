//! Counting and summing an entity layer's points per unit: one pass over the
//! points into flat per-row arrays, then rows in code order.

use std::collections::BTreeMap;

use citygrid_model::{FieldType, Partition};
use rustc_hash::FxHashMap;

use crate::assign::{Assignment, is_none};
use crate::entity::{Column, EntityLayer, NO_TEXT, NO_TIME};
use crate::error::{Result, StatsError};
use crate::levels::LevelRows;
use crate::query::StatsQuery;
use crate::table::EntityRow;

/// How a point's group is found: a text column's dictionary code, or an integer
/// column's value interned as it is met.
enum Grouping<'a> {
    None,
    Text(&'a [u32], &'a [String]),
    Integer(&'a [f64]),
}

/// The rows of `query` over `layer`, whose points are in the cells of `assignment`
/// (of `partition`).
///
/// # Errors
/// [`StatsError::NoTime`] for a window on a layer without time; [`StatsError::Field`]
/// for a grouping field that is missing or cannot group (real numbers, times).
pub fn entity_rows(
    layer: &EntityLayer,
    assignment: &Assignment,
    partition: &Partition,
    query: &StatsQuery,
) -> Result<Vec<EntityRow>> {
    let field_error = |message: String| StatsError::Field {
        layer: layer.name().to_string(),
        message,
    };
    let schema = layer.schema();
    let window = if query.has_window() {
        let first = schema.times.first().ok_or_else(|| StatsError::NoTime {
            layer: layer.name().to_string(),
        })?;
        match layer.column(first) {
            Some((_, Column::Time(t))) => Some((
                t.as_slice(),
                query.from.unwrap_or(i64::MIN + 1),
                query.to.unwrap_or(i64::MAX),
            )),
            _ => {
                return Err(field_error(format!(
                    "the time field {first:?} holds no times"
                )));
            }
        }
    } else {
        None
    };
    let group_field = query.group_by.as_ref().or(schema.category.as_ref());
    let grouping = match group_field {
        None => Grouping::None,
        Some(f) => match (schema.field(f).map(|f| f.kind), layer.column(f)) {
            (_, Some((_, Column::Text(codes, dict)))) => Grouping::Text(codes, dict),
            (Some(FieldType::Integer), Some((_, Column::Number(v)))) => Grouping::Integer(v),
            (Some(kind), _) => {
                return Err(field_error(format!(
                    "cannot group by {f:?}: it is {kind}; group by a text or integer field"
                )));
            }
            (None, _) => {
                let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
                return Err(field_error(format!(
                    "no field {f:?} to group by (fields: {})",
                    names.join(", ")
                )));
            }
        },
    };
    let numbers: Vec<(&str, &[f64])> = schema
        .fields
        .iter()
        .zip(layer.columns())
        .filter_map(|(f, c)| match c {
            Column::Number(v) => Some((f.name.as_str(), v.as_slice())),
            _ => None,
        })
        .collect();
    let later: Vec<(&str, &[i64])> = schema
        .times
        .iter()
        .skip(1)
        .filter_map(|t| match layer.column(t) {
            Some((_, Column::Time(v))) => Some((t.as_str(), v.as_slice())),
            _ => None,
        })
        .collect();
    let end = query.to.unwrap_or(i64::MAX);

    let rows = LevelRows::new(partition, query.level, query.prefix.as_deref());
    let n = rows.units.len();
    let mut counts = vec![0u64; n];
    let mut sums = vec![0.0f64; n * numbers.len()];
    let mut done = vec![0u64; n * later.len()];
    // row x group -> count, groups numbered as the text dictionary numbers them (an
    // integer field's values in the order met), the last column for "no value":
    // grown as integer groups are met
    let mut width = match grouping {
        Grouping::Text(_, dict) => dict.len() + 1,
        _ => 1,
    };
    let mut group_counts = vec![0u64; n * width];
    let mut integer_groups: FxHashMap<i64, u32> = FxHashMap::default();
    let mut integer_names: Vec<String> = Vec::new();

    for (i, &cell) in assignment.raw().iter().enumerate() {
        if is_none(cell) {
            continue;
        }
        let Some(row) = rows.row(cell) else { continue };
        if let Some((times, from, to)) = window {
            let t = times[i];
            if t == NO_TIME || t < from || t >= to {
                continue;
            }
        }
        counts[row] += 1;
        for (k, (_, v)) in numbers.iter().enumerate() {
            let x = v[i];
            if !x.is_nan() {
                sums[row * numbers.len() + k] += x;
            }
        }
        for (k, (_, v)) in later.iter().enumerate() {
            let t = v[i];
            if t != NO_TIME && t < end {
                done[row * later.len() + k] += 1;
            }
        }
        let group = match grouping {
            Grouping::None => None,
            Grouping::Text(codes, _) => Some(codes[i]).filter(|&g| g != NO_TEXT),
            Grouping::Integer(v) if v[i].is_nan() => None,
            Grouping::Integer(v) => {
                let key = v[i] as i64;
                let next = integer_names.len() as u32;
                Some(*integer_groups.entry(key).or_insert_with(|| {
                    integer_names.push(key.to_string());
                    next
                }))
            }
        };
        if !matches!(grouping, Grouping::None) {
            if let Some(g) = group
                && g as usize >= width - 1
            {
                // a new integer value: one more column before "no value"
                group_counts = widen(&group_counts, n, width);
                width += 1;
            }
            group_counts[row * width + group.map_or(width - 1, |g| g as usize)] += 1;
        }
    }

    let group_name = |g: u32| -> String {
        if g == NO_TEXT {
            return "(none)".into();
        }
        match grouping {
            Grouping::Text(_, dict) => dict[g as usize].clone(),
            Grouping::Integer(_) => integer_names[g as usize].clone(),
            Grouping::None => String::new(),
        }
    };
    let names: Vec<String> = (0..width)
        .map(|g| group_name(if g == width - 1 { NO_TEXT } else { g as u32 }))
        .collect();
    let groups: Vec<BTreeMap<String, u64>> = (0..n)
        .map(|row| {
            names
                .iter()
                .zip(&group_counts[row * width..(row + 1) * width])
                .filter(|&(_, &c)| c > 0 && !matches!(grouping, Grouping::None))
                .map(|(name, &c)| (name.clone(), c))
                .collect()
        })
        .collect();
    Ok(rows
        .units
        .iter()
        .zip(groups)
        .enumerate()
        .map(|(r, (&id, groups))| {
            let unit = partition.unit(id);
            let count = counts[r];
            EntityRow {
                code: unit.code.to_string(),
                name: unit.name.clone(),
                count,
                sum: numbers
                    .iter()
                    .enumerate()
                    .map(|(k, (name, _))| (name.to_string(), sums[r * numbers.len() + k]))
                    .collect(),
                groups,
                times: later
                    .iter()
                    .enumerate()
                    .map(|(k, (name, _))| (name.to_string(), done[r * later.len() + k]))
                    .collect(),
                rates: later
                    .iter()
                    .enumerate()
                    .map(|(k, (name, _))| {
                        let d = done[r * later.len() + k];
                        (
                            name.to_string(),
                            (count > 0).then(|| d as f64 / count as f64),
                        )
                    })
                    .collect(),
            }
        })
        .collect())
}

/// `counts` of `rows` rows of `width` columns with one more column before the last.
fn widen(counts: &[u64], rows: usize, width: usize) -> Vec<u64> {
    let mut out = Vec::with_capacity(rows * (width + 1));
    for row in counts.chunks_exact(width).take(rows) {
        out.extend_from_slice(&row[..width - 1]);
        out.push(0);
        out.push(row[width - 1]);
    }
    out
}
