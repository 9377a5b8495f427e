//! What a build made: cells per level, households per cell, compactness, time.

use std::fmt;

use citygrid_model::{AttrValue, Level, Unit};
use geo::{Area, Euclidean, Length};

use crate::options::BuildOptions;

/// Distribution of one number over cells.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Spread {
    /// Smallest.
    pub min: f64,
    /// Median.
    pub median: f64,
    /// Largest.
    pub max: f64,
    /// Mean.
    pub mean: f64,
    /// Coefficient of variation (standard deviation / mean).
    pub cv: f64,
}

impl Spread {
    /// The spread of some values (all zero for none).
    #[must_use]
    pub fn of(mut v: Vec<f64>) -> Spread {
        if v.is_empty() {
            return Spread::default();
        }
        v.sort_by(f64::total_cmp);
        let n = v.len() as f64;
        let mean = v.iter().sum::<f64>() / n;
        let var = v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n;
        Spread {
            min: v[0],
            median: v[v.len() / 2],
            max: v[v.len() - 1],
            mean,
            cv: if mean > 0.0 { var.sqrt() / mean } else { 0.0 },
        }
    }
}

/// The summary of a build.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Units per level, city first.
    pub units: Vec<(Level, usize)>,
    /// Households per cell.
    pub households: Spread,
    /// Share of cells inside the households band, and the band.
    pub in_band: (f64, (f64, f64)),
    /// Cell area, km².
    pub area_km2: Spread,
    /// Polsby-Popper compactness 4πA/P² per cell (1 for a circle, 0.91 for a
    /// hexagon, 0.79 for a square).
    pub compactness: Spread,
    /// Cells planned; more than made when a cell lost all its area to a neighbour
    /// (rounding at a boundary crossing; see `build`).
    pub planned_cells: usize,
    /// H3 resolutions used, one per divided unit.
    pub resolutions: Vec<u8>,
    /// Seconds per step.
    pub timings: Vec<(&'static str, f64)>,
    /// Seconds in all.
    pub seconds: f64,
}

pub(crate) fn summarize(
    units: &[Unit],
    resolutions: &[u8],
    options: &BuildOptions,
    timings: Vec<(&'static str, f64)>,
    seconds: f64,
) -> Summary {
    let counts = Level::ALL
        .iter()
        .map(|&l| (l, units.iter().filter(|u| u.level == l).count()))
        .collect();
    let cells: Vec<&Unit> = units.iter().filter(|u| u.level == Level::Cell).collect();
    let hh: Vec<f64> = cells
        .iter()
        .map(|u| match u.attributes.get("households") {
            Some(AttrValue::Number(n)) => *n,
            _ => 0.0,
        })
        .collect();
    let (lo, hi) = options.band;
    let in_band =
        hh.iter().filter(|&&h| h >= lo && h <= hi).count() as f64 / hh.len().max(1) as f64;
    let mut areas = Vec::new();
    let mut compact = Vec::new();
    for u in &cells {
        let a = citygrid_model::measure::area_m2(&u.geometry);
        areas.push(a / 1.0e6);
        // Perimeter and area in one local frame, so the ratio is metric.
        if let Some(frame) = citygrid_model::measure::frame_for(&u.geometry) {
            let mut m = u.geometry.clone();
            use geo::MapCoordsInPlace;
            m.map_coords_in_place(|c| {
                let (x, y) = frame.to_metres(c.x, c.y);
                geo_types::Coord { x, y }
            });
            let perim: f64 =
                m.0.iter()
                    .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
                    .map(|r| Euclidean.length(r))
                    .sum();
            if perim > 0.0 {
                compact.push(4.0 * std::f64::consts::PI * m.unsigned_area() / (perim * perim));
            }
        }
    }
    let mut res = resolutions.to_vec();
    res.sort_unstable();
    Summary {
        units: counts,
        households: Spread::of(hh),
        in_band: (in_band, options.band),
        area_km2: Spread::of(areas),
        compactness: Spread::of(compact),
        planned_cells: cells.len(),
        resolutions: res,
        timings,
        seconds,
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.units.iter().map(|(l, n)| format!("{n} {l}")).collect();
        writeln!(f, "units: {}", parts.join(", "))?;
        let made = self
            .units
            .iter()
            .find(|u| u.0 == Level::Cell)
            .map_or(0, |u| u.1);
        if self.planned_cells > made {
            writeln!(
                f,
                "cells planned: {} ({} lost all their area to a neighbour)",
                self.planned_cells,
                self.planned_cells - made
            )?;
        }
        let h = &self.households;
        writeln!(
            f,
            "households per cell: min {:.0}, median {:.0}, max {:.0}, mean {:.1}, CV {:.3}; {:.1}% within {:.0}-{:.0}",
            h.min,
            h.median,
            h.max,
            h.mean,
            h.cv,
            self.in_band.0 * 100.0,
            self.in_band.1.0,
            self.in_band.1.1
        )?;
        let a = &self.area_km2;
        writeln!(
            f,
            "cell area km²: min {:.3}, median {:.3}, max {:.2}",
            a.min, a.median, a.max
        )?;
        let c = &self.compactness;
        writeln!(
            f,
            "compactness (Polsby-Popper): min {:.2}, median {:.2}, mean {:.2}",
            c.min, c.median, c.mean
        )?;
        writeln!(f, "H3 resolutions per unit: {:?}", self.resolutions)?;
        let steps: Vec<String> = self
            .timings
            .iter()
            .map(|(n, s)| format!("{n} {s:.2} s"))
            .collect();
        write!(f, "time: {:.2} s ({})", self.seconds, steps.join(", "))
    }
}
