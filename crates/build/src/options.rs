//! What a build aims for: households per cell, area for sparse land, how many cells
//! per village and township, and how fine the hexagon grid is.

use citygrid_model::CodeLayout;

use crate::error::{BuildError, Result};

/// Options of a build, set through `#[must_use]` setters.
///
/// Every cell carries a workload of about one: its households divided by
/// [`households_per_cell`](Self::households_per_cell) plus its area divided by
/// [`cell_area_km2`](Self::cell_area_km2). In a town the households dominate and cells
/// hold about 400 households; on empty mountain land the area term keeps cells from
/// growing without bound (a cell worker must still be able to walk it).
#[derive(Debug, Clone, PartialEq)]
pub struct BuildOptions {
    pub(crate) households_per_cell: f64,
    pub(crate) band: (f64, f64),
    pub(crate) cell_area_km2: f64,
    pub(crate) cells: Option<usize>,
    pub(crate) cells_per_village: f64,
    pub(crate) cells_per_township: f64,
    pub(crate) resolution: Option<u8>,
    pub(crate) hexes_per_cell: f64,
    pub(crate) simplify: bool,
    pub(crate) layout: CodeLayout,
}

impl Default for BuildOptions {
    /// 400 households per cell (the common rule is 300 to 500), 25 km² of empty land
    /// per cell, 4.4 cells per village and 40 per township (Guiyang: 5,906 cells in
    /// ~1,337 villages and 146 townships), the H3 resolution picked per unit so its
    /// densest cells still hold about 40 hexagons, simplified inner boundaries.
    fn default() -> Self {
        BuildOptions {
            households_per_cell: 400.0,
            band: (300.0, 500.0),
            cell_area_km2: 25.0,
            cells: None,
            cells_per_village: 4.4,
            cells_per_township: 40.0,
            resolution: None,
            hexes_per_cell: 40.0,
            simplify: true,
            layout: CodeLayout::default(),
        }
    }
}

impl BuildOptions {
    /// Target households per cell.
    #[must_use]
    pub fn households_per_cell(mut self, n: f64) -> Self {
        self.households_per_cell = n;
        self
    }

    /// The acceptable band of households per cell, for the summary.
    #[must_use]
    pub fn band(mut self, low: f64, high: f64) -> Self {
        self.band = (low, high);
        self
    }

    /// Area of empty land one cell may take, in km².
    #[must_use]
    pub fn cell_area_km2(mut self, km2: f64) -> Self {
        self.cell_area_km2 = km2;
        self
    }

    /// Build exactly this many cells in total (workloads are scaled to match).
    #[must_use]
    pub fn cells(mut self, n: Option<usize>) -> Self {
        self.cells = n;
        self
    }

    /// Average cells per generated village.
    #[must_use]
    pub fn cells_per_village(mut self, n: f64) -> Self {
        self.cells_per_village = n;
        self
    }

    /// Average cells per generated township, when no township list names them.
    #[must_use]
    pub fn cells_per_township(mut self, n: f64) -> Self {
        self.cells_per_township = n;
        self
    }

    /// A fixed H3 resolution for every unit instead of one picked per unit.
    #[must_use]
    pub fn resolution(mut self, res: Option<u8>) -> Self {
        self.resolution = res;
        self
    }

    /// Hexagons the densest cells of a unit should hold when the resolution is picked
    /// automatically: more gives smoother, better balanced cells and a slower build.
    #[must_use]
    pub fn hexes_per_cell(mut self, n: f64) -> Self {
        self.hexes_per_cell = n;
        self
    }

    /// Whether inner boundaries are simplified from hexagon staircases to straight
    /// runs (each shared boundary once, so the coverage stays exact).
    #[must_use]
    pub fn simplify(mut self, on: bool) -> Self {
        self.simplify = on;
        self
    }

    /// The code layout generated codes follow.
    #[must_use]
    pub fn layout(mut self, layout: CodeLayout) -> Self {
        self.layout = layout;
        self
    }

    /// Refuses values that cannot work.
    pub(crate) fn validate(&self) -> Result<()> {
        let positive = |name: &'static str, v: f64| {
            if v.is_finite() && v > 0.0 {
                Ok(())
            } else {
                Err(BuildError::Option {
                    name,
                    reason: format!("must be a positive number, got {v}"),
                })
            }
        };
        positive("households-per-cell", self.households_per_cell)?;
        positive("cell-area-km2", self.cell_area_km2)?;
        positive("cells-per-village", self.cells_per_village)?;
        positive("cells-per-township", self.cells_per_township)?;
        positive("hexes-per-cell", self.hexes_per_cell)?;
        if self.cells == Some(0) {
            return Err(BuildError::Option {
                name: "cells",
                reason: "must be at least 1".into(),
            });
        }
        if let Some(r) = self.resolution
            && !(MIN_RESOLUTION..=MAX_RESOLUTION).contains(&r)
        {
            return Err(BuildError::Option {
                name: "resolution",
                reason: format!(
                    "H3 resolution {r} is outside {MIN_RESOLUTION}..={MAX_RESOLUTION} (res 8 hexagons are 0.74 km², res 13 44 m²)"
                ),
            });
        }
        Ok(())
    }
}

/// Coarsest H3 resolution used (0.74 km² hexagons).
pub const MIN_RESOLUTION: u8 = 8;
/// Finest H3 resolution used (44 m² hexagons).
pub const MAX_RESOLUTION: u8 = 13;
