//! The answer to a query: rows in code order, written as JSON (the shape of
//! `GET /v1/stats`) or CSV (one column per number, for spreadsheets).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::error::Result;

/// One unit's figures in an entity layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EntityRow {
    /// The unit's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// Points in it (in the window, when one is asked).
    pub count: u64,
    /// Per numeric field, the sum over those points (a weight field gives e.g. the
    /// persons living in the unit).
    pub sum: BTreeMap<String, f64>,
    /// Points per value of the grouping field (none: no value).
    pub groups: BTreeMap<String, u64>,
    /// Per later time field (an event's `handled`): how many of the points have it
    /// set, before the window's end when there is one.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub times: BTreeMap<String, u64>,
    /// Per later time field: `times / count` (the disposal rate), null for no points.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub rates: BTreeMap<String, Option<f64>>,
}

/// One unit's exact zonal statistics of a raster layer (exactextract's
/// definitions: `count` is the sum of coverage fractions of valid pixels).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RasterRow {
    /// The unit's code.
    pub code: String,
    /// Its name.
    pub name: String,
    /// `Σ f` over valid pixels.
    pub count: f64,
    /// `Σ f·v` over valid pixels.
    pub sum: f64,
    /// `sum / count`; null without valid pixels.
    pub mean: Option<f64>,
    /// The least value covered at all.
    pub min: Option<f64>,
    /// The greatest value covered at all.
    pub max: Option<f64>,
    /// The coverage-weighted population standard deviation.
    pub stddev: Option<f64>,
    /// The ground area of unit ∩ raster, m².
    pub coverage_m2: f64,
}

/// The rows of either kind of layer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Rows {
    /// An entity layer's.
    Entity(Vec<EntityRow>),
    /// A raster layer's.
    Raster(Vec<RasterRow>),
}

/// One layer's rows for one level at one version.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatsTable {
    /// The layer.
    pub layer: String,
    /// `entity` or `raster`.
    pub kind: &'static str,
    /// The partition version the rows are of.
    pub version: u64,
    /// The level of the rows.
    pub level: &'static str,
    /// The window's start, RFC 3339, when one was asked.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// The window's end (excluded).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
    /// The grouping field, when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_by: Option<String>,
    /// The rows, in code order.
    pub rows: Rows,
}

impl StatsTable {
    /// The table as JSON.
    ///
    /// # Errors
    /// Never in practice (every key is a string, every number finite).
    pub fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(self)
    }

    /// The table as CSV: `code,name,count,...` with one column per number; an
    /// entity layer's sums, groups, times and rates as `sum.F`, `group.V`,
    /// `times.F`, `rate.F`.
    ///
    /// # Errors
    /// [`crate::StatsError::Csv`].
    pub fn to_csv(&self) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let num = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
        match &self.rows {
            Rows::Raster(rows) => {
                w.write_record([
                    "code",
                    "name",
                    "count",
                    "sum",
                    "mean",
                    "min",
                    "max",
                    "stddev",
                    "coverage_m2",
                ])?;
                for r in rows {
                    w.write_record([
                        r.code.clone(),
                        r.name.clone(),
                        r.count.to_string(),
                        r.sum.to_string(),
                        num(r.mean),
                        num(r.min),
                        num(r.max),
                        num(r.stddev),
                        r.coverage_m2.to_string(),
                    ])?;
                }
            }
            Rows::Entity(rows) => {
                let keys = |f: &dyn Fn(&EntityRow) -> Vec<String>| -> Vec<String> {
                    rows.iter()
                        .flat_map(f)
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect()
                };
                let sums = keys(&|r| r.sum.keys().cloned().collect());
                let groups = keys(&|r| r.groups.keys().cloned().collect());
                let times = keys(&|r| r.times.keys().cloned().collect());
                let mut header = vec!["code".to_string(), "name".into(), "count".into()];
                header.extend(sums.iter().map(|k| format!("sum.{k}")));
                header.extend(groups.iter().map(|k| format!("group.{k}")));
                header.extend(times.iter().map(|k| format!("times.{k}")));
                header.extend(times.iter().map(|k| format!("rate.{k}")));
                w.write_record(&header)?;
                for r in rows {
                    let mut record = vec![r.code.clone(), r.name.clone(), r.count.to_string()];
                    record.extend(sums.iter().map(|k| num(r.sum.get(k).copied())));
                    record.extend(
                        groups
                            .iter()
                            .map(|k| r.groups.get(k).copied().unwrap_or(0).to_string()),
                    );
                    record.extend(
                        times
                            .iter()
                            .map(|k| r.times.get(k).copied().unwrap_or(0).to_string()),
                    );
                    record.extend(times.iter().map(|k| num(r.rates.get(k).copied().flatten())));
                    w.write_record(&record)?;
                }
            }
        }
        w.into_inner()
            .map_err(|e| crate::StatsError::Csv(e.into_error().into()))
    }
}
