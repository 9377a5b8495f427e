//! Tile addresses and the Web Mercator grid they live on.
//!
//! Tiles follow the XYZ scheme (as MapLibre, TileJSON 3.0 and PMTiles use it): at
//! zoom `z` the world is `2^z` × `2^z` tiles, `x` from the antimeridian eastwards,
//! `y` from the north down. Inside a tile, coordinates are integers on a grid of
//! [`EXTENT`] units per side (MVT 2.1 §4.3.1), `y` pointing down. Geometry is kept
//! in *world* coordinates (the Web Mercator square scaled to `0..1`) and turned
//! into a zoom's *global units* (`world × EXTENT × 2^z`) where it is simplified and
//! rounded; a tile's local coordinates are its global units minus its corner.

use std::fmt;
use std::str::FromStr;

use crate::error::{Result, TileError};

/// Units per tile side (MVT 2.1 §4.3.1 calls it the extent).
pub const EXTENT: u32 = 4096;

/// The deepest zoom supported: global units at zoom 18 are `2^30`, which keeps
/// every coordinate in an `i32`.
pub const MAX_ZOOM: u8 = 18;

/// Latitude where Web Mercator's square ends (EPSG:3857).
pub const MAX_LATITUDE: f64 = 85.051_128_779_806_59;

/// One tile of the pyramid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileId {
    /// Zoom level, `0..=MAX_ZOOM`.
    pub z: u8,
    /// Column, `0..2^z`.
    pub x: u32,
    /// Row from the north, `0..2^z`.
    pub y: u32,
}

impl TileId {
    /// A checked tile address.
    ///
    /// # Errors
    /// [`TileError::OutOfRange`] when `z` exceeds [`MAX_ZOOM`] or `x`/`y` are not
    /// below `2^z`.
    pub fn new(z: u32, x: u64, y: u64) -> Result<TileId> {
        let bad = |reason: String| TileError::OutOfRange { z, x, y, reason };
        if z > u32::from(MAX_ZOOM) {
            return Err(bad(format!("zoom must be at most {MAX_ZOOM}")));
        }
        let n = 1u64 << z;
        if x >= n || y >= n {
            return Err(bad(format!(
                "x and y must be below 2^{z} = {n} at zoom {z}"
            )));
        }
        Ok(TileId {
            z: z as u8,
            x: x as u32,
            y: y as u32,
        })
    }

    /// Tiles per side at this zoom.
    #[must_use]
    pub fn tiles_per_side(self) -> u64 {
        1u64 << self.z
    }

    /// The tile's top-left corner in its zoom's global units.
    #[must_use]
    pub fn origin(self) -> [i64; 2] {
        let e = i64::from(EXTENT);
        [i64::from(self.x) * e, i64::from(self.y) * e]
    }

    /// The TMS row (`y` counted from the south), as MBTiles stores it.
    #[must_use]
    pub fn tms_y(self) -> u32 {
        ((1u64 << self.z) - 1 - u64::from(self.y)) as u32
    }

    /// The tile's bounds as west, south, east, north in degrees.
    #[must_use]
    pub fn bounds_lonlat(self) -> [f64; 4] {
        let n = (1u64 << self.z) as f64;
        let lon = |x: f64| x / n * 360.0 - 180.0;
        let lat = |y: f64| {
            let t = std::f64::consts::PI * (1.0 - 2.0 * y / n);
            t.sinh().atan().to_degrees()
        };
        let (x, y) = (f64::from(self.x), f64::from(self.y));
        [lon(x), lat(y + 1.0), lon(x + 1.0), lat(y)]
    }
}

impl fmt::Display for TileId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}/{}", self.z, self.x, self.y)
    }
}

impl FromStr for TileId {
    type Err = TileError;

    /// Parses `z/x/y`.
    fn from_str(s: &str) -> Result<TileId> {
        let bad = || TileError::OutOfRange {
            z: 0,
            x: 0,
            y: 0,
            reason: format!("{s:?} is not z/x/y with three whole numbers"),
        };
        let mut it = s.split('/');
        let mut next = || -> Result<u64> {
            it.next()
                .and_then(|t| t.parse::<u64>().ok())
                .ok_or_else(bad)
        };
        let (z, x, y) = (next()?, next()?, next()?);
        let z = u32::try_from(z).map_err(|_| bad())?;
        TileId::new(z, x, y)
    }
}

/// Longitude and latitude in degrees to world coordinates (`0..1`, `y` down).
/// Latitudes beyond [`MAX_LATITUDE`] are clamped to the square's edge.
#[must_use]
pub fn to_world(lon: f64, lat: f64) -> [f64; 2] {
    let lat = lat.clamp(-MAX_LATITUDE, MAX_LATITUDE).to_radians();
    let x = (lon + 180.0) / 360.0;
    let y = 0.5 - (lat.tan() + 1.0 / lat.cos()).ln() / (2.0 * std::f64::consts::PI);
    [x, y]
}

/// Global units per world unit at zoom `z`.
#[must_use]
pub fn scale(z: u8) -> f64 {
    f64::from(EXTENT) * (1u64 << z) as f64
}

/// The tiles at zoom `z` whose area, grown by `margin` global units on every side,
/// meets a box of world coordinates `[min_x, min_y, max_x, max_y]`: inclusive
/// column and row ranges, clamped to the pyramid.
#[must_use]
pub fn tile_range(z: u8, world: [f64; 4], margin: f64) -> ([u32; 2], [u32; 2]) {
    let s = scale(z);
    let e = f64::from(EXTENT);
    let last = ((1u64 << z) - 1) as f64;
    let cell = |v: f64| ((v / e).floor()).clamp(0.0, last) as u32;
    (
        [cell(world[0] * s - margin), cell(world[2] * s + margin)],
        [cell(world[1] * s - margin), cell(world[3] * s + margin)],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_checks_and_prints_addresses() {
        let t: TileId = "14/13277/6972".parse().unwrap();
        assert_eq!((t.z, t.x, t.y), (14, 13277, 6972));
        assert_eq!(t.to_string(), "14/13277/6972");
        assert_eq!(t.tms_y(), (1 << 14) - 1 - 6972);
        assert!("2/4/0".parse::<TileId>().is_err());
        assert!("19/0/0".parse::<TileId>().is_err());
        assert!("1/0".parse::<TileId>().is_err());
        assert!("a/b/c".parse::<TileId>().is_err());
    }

    #[test]
    fn world_coordinates_match_web_mercator() {
        assert_eq!(to_world(-180.0, 0.0), [0.0, 0.5]);
        let [x, y] = to_world(180.0, MAX_LATITUDE);
        assert!((x - 1.0).abs() < 1e-15 && y.abs() < 1e-12);
        // Guiyang at zoom 14 is tile 13048/6935 by the slippy-map formula
        // x = (lon + 180) / 360 * 2^z, y = (1 - asinh(tan lat) / pi) / 2 * 2^z.
        let [x, y] = to_world(106.7, 26.6);
        assert_eq!(((x * 16384.0) as u32, (y * 16384.0) as u32), (13048, 6935));
        let b = TileId::new(1, 1, 0).unwrap().bounds_lonlat();
        assert_eq!(b[0], 0.0);
        assert!((b[3] - MAX_LATITUDE).abs() < 1e-9);
    }

    #[test]
    fn ranges_cover_a_box_with_its_margin() {
        // A box around the centre of the world at zoom 2: tiles 1..=2 each way.
        let (xs, ys) = tile_range(2, [0.4, 0.4, 0.6, 0.6], 0.0);
        assert_eq!((xs, ys), ([1, 2], [1, 2]));
        // A box inside tile 1, with a margin reaching both neighbours.
        let (xs, _) = tile_range(2, [0.3, 0.3, 0.49, 0.49], 1000.0);
        assert_eq!(xs, [0, 2]);
    }
}
