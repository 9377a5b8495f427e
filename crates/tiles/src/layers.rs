//! The layers of a tile, their zoom ranges, and the tiling options.

use citygrid_crs::Crs;
use citygrid_model::Level;

use crate::error::{Result, TileError};
use crate::tile::{EXTENT, MAX_ZOOM};

/// One layer of the tiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layer {
    /// District polygons (区/县/市).
    Districts,
    /// Township polygons (乡/镇/街道).
    Townships,
    /// Village and community polygons (村/居).
    Villages,
    /// Grid cell polygons.
    Cells,
    /// One point per cell, inside it, for its label.
    Labels,
}

impl Layer {
    /// All layers, in the order they are written into a tile (bottom to top).
    pub const ALL: [Layer; 5] = [
        Layer::Districts,
        Layer::Townships,
        Layer::Villages,
        Layer::Cells,
        Layer::Labels,
    ];

    /// The layer's name in tiles, TileJSON and styles.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Layer::Districts => "districts",
            Layer::Townships => "townships",
            Layer::Villages => "villages",
            Layer::Cells => "cells",
            Layer::Labels => "labels",
        }
    }

    /// The partition level the layer shows.
    #[must_use]
    pub fn level(self) -> Level {
        match self {
            Layer::Districts => Level::District,
            Layer::Townships => Level::Township,
            Layer::Villages => Level::Village,
            Layer::Cells | Layer::Labels => Level::Cell,
        }
    }

    /// What the layer holds, for TileJSON.
    #[must_use]
    pub fn description(self) -> &'static str {
        match self {
            Layer::Districts => "District polygons (county-level divisions)",
            Layer::Townships => "Township and street-office polygons",
            Layer::Villages => "Village and residential-community polygons",
            Layer::Cells => {
                "Grid cell polygons; cells too small to draw at a zoom keep their label point"
            }
            Layer::Labels => "One point inside each grid cell, for its label",
        }
    }

    /// The default zoom range (inclusive). Chosen for a city the size of Guiyang
    /// (cells about 1 km across, 300 m downtown) on 512-pixel tiles: a layer starts
    /// where its units are at least a few pixels wide (downtown cells are 4 pixels
    /// at zoom 10, 9 at zoom 11, where the densest Guiyang tile is 270 kB).
    #[must_use]
    pub fn default_zooms(self) -> (u8, u8) {
        match self {
            Layer::Districts => (0, 16),
            Layer::Townships => (6, 16),
            Layer::Villages => (8, 16),
            Layer::Cells | Layer::Labels => (11, 16),
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How tiles are made. Build with [`TileOptions::default`] and the setters.
#[derive(Debug, Clone, PartialEq)]
pub struct TileOptions {
    pub(crate) buffer: u32,
    pub(crate) tolerance: f64,
    pub(crate) crs: Crs,
    pub(crate) zooms: [Option<(u8, u8)>; 5],
}

impl Default for TileOptions {
    /// Buffer 64 units (1/64 of the tile), tolerance 4 units (half a pixel of a
    /// 512-pixel tile), WGS84, every layer at its default zooms.
    fn default() -> Self {
        TileOptions {
            buffer: 64,
            tolerance: 4.0,
            crs: Crs::Wgs84,
            zooms: Layer::ALL.map(|l| Some(l.default_zooms())),
        }
    }
}

impl TileOptions {
    /// Units of the 4096 grid that polygons reach beyond the tile's edge, so that
    /// outlines drawn across tile seams join up.
    #[must_use]
    pub fn buffer(mut self, units: u32) -> Self {
        self.buffer = units.min(EXTENT);
        self
    }

    /// Douglas-Peucker tolerance in units of the 4096 grid (8 units are one pixel
    /// of a 512-pixel tile).
    #[must_use]
    pub fn tolerance(mut self, units: f64) -> Self {
        self.tolerance = if units.is_finite() {
            units.max(0.0)
        } else {
            0.0
        };
        self
    }

    /// The coordinate system of the tiles' lon/lat: WGS84, or GCJ-02 for
    /// basemaps from AMap and Tencent.
    #[must_use]
    pub fn crs(mut self, crs: Crs) -> Self {
        self.crs = crs;
        self
    }

    /// Shows a layer from `min` to `max` zoom (inclusive), or never with `None`.
    #[must_use]
    pub fn layer_zooms(mut self, layer: Layer, zooms: Option<(u8, u8)>) -> Self {
        self.zooms[layer.index()] = zooms;
        self
    }

    /// No layer above zoom `z`; a layer that starts above it is not shown. Each
    /// layer's top zoom is simplified from full detail and the zooms below from
    /// it, so an archive cut at zoom `z` gets its best detail at `z` (and its
    /// tiles equal those of a server with the same options).
    #[must_use]
    pub fn max_zoom(mut self, z: u8) -> Self {
        for range in &mut self.zooms {
            *range = range.and_then(|(lo, hi)| (lo <= z).then_some((lo, hi.min(z))));
        }
        self
    }

    /// The zoom range of a layer, if it is shown.
    #[must_use]
    pub fn zooms_of(&self, layer: Layer) -> Option<(u8, u8)> {
        self.zooms[layer.index()]
    }

    /// The tiles' coordinate system.
    #[must_use]
    pub fn crs_of(&self) -> Crs {
        self.crs
    }

    /// Lowest and highest zoom of any layer.
    #[must_use]
    pub fn zoom_range(&self) -> (u8, u8) {
        let shown = self.zooms.iter().flatten();
        let min = shown.clone().map(|z| z.0).min().unwrap_or(0);
        let max = shown.map(|z| z.1).max().unwrap_or(0);
        (min, max)
    }

    /// Whether a layer is drawn at a zoom.
    #[must_use]
    pub fn shows(&self, layer: Layer, z: u8) -> bool {
        self.zooms_of(layer)
            .is_some_and(|(lo, hi)| (lo..=hi).contains(&z))
    }

    pub(crate) fn check(&self) -> Result<()> {
        for l in Layer::ALL {
            if let Some((lo, hi)) = self.zooms_of(l)
                && (lo > hi || hi > MAX_ZOOM)
            {
                return Err(TileError::Options(format!(
                    "layer {}: zooms {lo}..={hi} must be ordered and at most {MAX_ZOOM}",
                    l.name()
                )));
            }
        }
        if !matches!(self.crs, Crs::Wgs84 | Crs::Cgcs2000 | Crs::Gcj02) {
            return Err(TileError::Options(format!(
                "tiles are made in wgs84 or gcj02, not {}",
                self.crs.name()
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capping_the_zoom_trims_and_drops_layers() {
        let o = TileOptions::default().max_zoom(9);
        assert_eq!(o.zooms_of(Layer::Districts), Some((0, 9)));
        assert_eq!(o.zooms_of(Layer::Villages), Some((8, 9)));
        assert_eq!(o.zooms_of(Layer::Cells), None);
        assert_eq!(
            TileOptions::default().max_zoom(12).zooms_of(Layer::Labels),
            Some((11, 12))
        );
        assert_eq!(o.zoom_range(), (0, 9));
        assert!(o.shows(Layer::Townships, 9) && !o.shows(Layer::Townships, 10));
        assert!(
            TileOptions::default()
                .layer_zooms(Layer::Cells, Some((5, 3)))
                .check()
                .is_err()
        );
    }
}
