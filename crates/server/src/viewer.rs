//! What the web viewer needs beside the API, made once at start: a colour class for
//! every unit of each level so that neighbours differ, class breaks for the numeric cell
//! attributes it can map, and the basemap from the settings.
//!
//! Colours are computed here rather than from feature ids on the client: ids of
//! neighbouring cells often agree modulo any small number (codes run 001, 002, ...
//! within each village, and villages side by side repeat them), so only a colouring
//! of the neighbour graph guarantees that two cells sharing an edge never look the
//! same ([`citygrid_model::colouring`]).

use axum::body::Bytes;
use serde_json::{Value, json};

use citygrid_model::colouring::colour_faces;
use citygrid_model::{AttrValue, Level, Topology, UnitId};
use citygrid_tiles::feature_id;

use crate::city::City;
use crate::config::Config;
use crate::error::ServerError;

/// Classes a choropleth is divided into.
pub const CLASSES: usize = 5;

/// The viewer's data, rendered to JSON.
#[derive(Debug, Clone)]
pub struct Viewer {
    /// The body of `GET /v1/colours`.
    pub colours: Bytes,
    /// The body of `GET /v1/viewer-config.json`.
    pub config: Bytes,
}

impl Viewer {
    /// Colours the units of each level and computes the attribute classes.
    ///
    /// # Errors
    /// [`ServerError::Colours`] when a level is not a clean coverage.
    pub fn new(city: &City, config: &Config) -> Result<Viewer, ServerError> {
        let mut colours = serde_json::Map::new();
        for level in [
            Level::District,
            Level::Township,
            Level::Village,
            Level::Cell,
        ] {
            let ids: Vec<UnitId> = city.partition.level_ids(level).collect();
            if !ids.is_empty() {
                colours.insert(level.as_str().to_string(), colour_classes(city, &ids)?);
            }
        }
        let cells: Vec<UnitId> = city.partition.level_ids(Level::Cell).collect();
        let basemap = config.basemap_url.as_ref().map(|url| {
            json!({"tiles": [url], "attribution": config.basemap_attribution.clone().unwrap_or_default()})
        });
        let viewer_config = json!({
            "title": "citygrid",
            "source": city.source,
            "version": city.version(),
            "cells": cells.len(),
            "history": config.store.is_some(),
            "basemap": basemap,
            "choropleths": choropleths(city, &cells),
        });
        Ok(Viewer {
            colours: Bytes::from(Value::Object(colours).to_string()),
            config: Bytes::from(viewer_config.to_string()),
        })
    }
}

/// `{"count", "classes"}`: the feature ids of the units of each colour class,
/// units sharing an edge in different classes.
fn colour_classes(city: &City, ids: &[UnitId]) -> Result<Value, ServerError> {
    let p = &city.partition;
    let topology = Topology::build(ids.iter().map(|&id| &p.unit(id).geometry))
        .map_err(ServerError::Colours)?;
    let colour = colour_faces(&topology);
    let count = colour.iter().max().map_or(0, |&c| usize::from(c) + 1);
    let mut classes: Vec<Vec<u64>> = vec![Vec::new(); count];
    for (&id, &c) in ids.iter().zip(&colour) {
        classes[usize::from(c)].push(feature_id(&p.unit(id).code));
    }
    Ok(json!({"count": count, "classes": classes}))
}

/// Every numeric cell attribute (households first, then by name) with the
/// quantile breaks of [`CLASSES`] classes.
fn choropleths(city: &City, cells: &[UnitId]) -> Vec<Value> {
    let mut names: Vec<&str> = Vec::new();
    for &id in cells {
        for (k, v) in &city.partition.unit(id).attributes {
            if matches!(v, AttrValue::Number(n) if n.is_finite()) && !names.contains(&k.as_str()) {
                names.push(k);
            }
        }
    }
    names.sort_by_key(|n| (*n != "households", *n));
    names
        .into_iter()
        .map(|name| {
            let mut values: Vec<f64> = cells
                .iter()
                .filter_map(|&id| match city.partition.unit(id).attributes.get(name) {
                    Some(AttrValue::Number(n)) if n.is_finite() => Some(*n),
                    _ => None,
                })
                .collect();
            values.sort_by(f64::total_cmp);
            json!({
                "attribute": name,
                "level": "cell",
                "min": values.first(),
                "max": values.last(),
                "breaks": quantile_breaks(&values, CLASSES),
            })
        })
        .collect()
}

/// The values between `classes` classes of about equal counts of sorted `values`,
/// rounded to three significant digits, each once and rising: fewer breaks when
/// many values are equal.
#[must_use]
pub fn quantile_breaks(sorted: &[f64], classes: usize) -> Vec<f64> {
    let mut out: Vec<f64> = Vec::new();
    if sorted.is_empty() {
        return out;
    }
    for k in 1..classes {
        let v = round3(sorted[k * sorted.len() / classes]);
        if out.last().is_none_or(|&last| v > last) && v > sorted[0] {
            out.push(v);
        }
    }
    out
}

fn round3(v: f64) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let e = 2 - v.abs().log10().floor() as i32;
    if e >= 0 {
        let s = 10f64.powi(e);
        (v * s).round() / s
    } else {
        // Divide and multiply by a whole power of ten so large values stay exact.
        let s = 10f64.powi(-e);
        (v / s).round() * s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breaks_split_values_into_classes_of_equal_counts() {
        let values: Vec<f64> = (1..=100).map(f64::from).collect();
        assert_eq!(quantile_breaks(&values, 5), vec![21.0, 41.0, 61.0, 81.0]);
        assert_eq!(quantile_breaks(&[7.0; 10], 5), Vec::<f64>::new());
        assert!(quantile_breaks(&[], 5).is_empty());
        let big: Vec<f64> = (0..10).map(|i| 123_456.0 * f64::from(i)).collect();
        assert_eq!(quantile_breaks(&big, 2), vec![617_000.0]);
    }
}
