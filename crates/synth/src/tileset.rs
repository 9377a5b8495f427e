//! A GENERATED oblique-photography-like 3D Tiles 1.1 tileset for the demo: coloured
//! building blocks over a few central Guiyang cells, a quadtree a few levels deep, b3dm
//! and glb content, placed on the globe with an east-north-up transform. **Not real
//! data**: no oblique photography of Guiyang is openly available; this stands in for one
//! so the demo can link 3D tiles to cells.
//!
//! The area's buildings (`buildings.rs`) are dealt to the leaves of a quadtree over the
//! area by their footprint's centre. A leaf holds its buildings; a tile above holds the
//! same buildings merged, one box per street block at the level above the leaves, per
//! 2 x 2 blocks one level up, and so on (cut at the tile's edges), as photogrammetry
//! software simplifies its mesh for the coarser levels. Refinement is `REPLACE`: a tile's
//! children stand for exactly its buildings. Only tiles with buildings exist.
//!
//! Each tile's bounding volume is a `box` in the local frame (x east, y north, z up,
//! metres from the middle of the area on the ground) holding its content and its
//! children's boxes; the root's `transform` is the ENU -> ECEF matrix at the middle of the
//! area (`citygrid_crs::ecef::enu_to_ecef`). The geometric error halves at each level,
//! from [`ROOT_ERROR`] at the root to 0 at the leaves.
//!
//! Everything but the transform is whole metres from integer hashing: the same seed and
//! area give the same content bytes on every machine (the transform's last digits come
//! from the platform's `sin` and `cos`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use citygrid_crs::ecef::{WGS84_A, WGS84_F, enu_to_ecef};
use serde_json::{Value, json};

use crate::b3dm::b3dm;
use crate::buildings::{self, Cuboid};
use crate::gltf::glb;

/// Height of the area's ground above the WGS84 ellipsoid, m: central Guiyang lies at about
/// 1,070 m above sea level, the geoid about 30 m below the ellipsoid there.
pub const GROUND_HEIGHT: f64 = 1_100.0;

/// The demo's area, WGS84 `[west, south, east, north]`: about 1.5 km x 1.5 km of central
/// Nanming around (106.712, 26.578), the centres of 69 of the bundled city's cells.
pub const DEMO_BOUNDS: [f64; 4] = [106.7045, 26.5713, 106.7195, 26.5847];

/// Geometric error of the root tile, m; it halves at each level, and leaves have 0.
pub const ROOT_ERROR: f64 = 200.0;

/// Deepest quadtree a demo tileset may have (1,365 tiles).
pub const MAX_LEVELS: u8 = 5;

/// Longest side of the area, m: the demo tileset is for a few cells, not a city.
pub const MAX_SIDE_M: f64 = 5_000.0;

/// Levels above this one hold b3dm content (3D Tiles 1.0 style), this one and deeper glb
/// (3D Tiles 1.1), so that readers of both are exercised.
const FIRST_GLB_LEVEL: u8 = 2;

/// Builder for the GENERATED demo tileset.
///
/// # Examples
/// ```no_run
/// use citygrid_synth::{DEMO_BOUNDS, DemoTileset};
///
/// let report = DemoTileset::default().write(DEMO_BOUNDS, "tiles/generated".as_ref())?;
/// println!("{} tiles, {} bytes", report.tiles, report.bytes);
/// # Ok::<(), citygrid_synth::DemoTilesetError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DemoTileset {
    /// Every random choice comes from it.
    pub seed: u64,
    /// Levels below the root (0 ..= [`MAX_LEVELS`]); the leaves are this deep.
    pub levels: u8,
    /// Height of the ground above the WGS84 ellipsoid, m (the root transform's origin).
    pub height: f64,
}

impl Default for DemoTileset {
    /// Seed 1, 3 levels below the root, on the ground at [`GROUND_HEIGHT`].
    fn default() -> Self {
        DemoTileset {
            seed: 1,
            levels: 3,
            height: GROUND_HEIGHT,
        }
    }
}

/// What a tileset written holds.
#[derive(Debug, Clone, PartialEq)]
pub struct TilesetReport {
    /// Tiles in `tileset.json`.
    pub tiles: usize,
    /// Tiles with content.
    pub contents: usize,
    /// Bytes written, `tileset.json` included.
    pub bytes: u64,
    /// The root tile's `transform`, column-major.
    pub root_transform: [f64; 16],
}

/// Why a tileset cannot be written or placed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoTilesetError {
    /// The bounds are not `[west, south, east, north]` in WGS84 degrees with west < east
    /// and south < north.
    #[error(
        "bounds {west} {south} {east} {north} are not west < east, south < north in WGS84 degrees"
    )]
    Bounds {
        /// Western longitude.
        west: f64,
        /// Southern latitude.
        south: f64,
        /// Eastern longitude.
        east: f64,
        /// Northern latitude.
        north: f64,
    },
    /// The area is wider or taller than [`MAX_SIDE_M`].
    #[error(
        "the area is {width_m:.0} m x {height_m:.0} m; a demo tileset is at most 5000 m a side"
    )]
    TooLarge {
        /// East-west size, m.
        width_m: f64,
        /// North-south size, m.
        height_m: f64,
    },
    /// More levels than [`MAX_LEVELS`].
    #[error("{0} levels is more than the 5 a demo tileset may have")]
    Levels(u8),
    /// The height is not a finite number.
    #[error("ground height {0} is not a number of metres")]
    Height(f64),
    /// No building fits in the area.
    #[error("no building fits in {width_m:.0} m x {height_m:.0} m; give a larger area")]
    NoBuildings {
        /// East-west size, m.
        width_m: f64,
        /// North-south size, m.
        height_m: f64,
    },
    /// A place to put a tileset is not a WGS84 longitude, latitude and height.
    #[error("cannot place a tileset at {lon} {lat} {height} m: not WGS84 degrees and metres")]
    Placement {
        /// Longitude given.
        lon: f64,
        /// Latitude given.
        lat: f64,
        /// Height given.
        height: f64,
    },
    /// A tileset to place is not JSON.
    #[error("{}: not JSON: {source}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        source: serde_json::Error,
    },
    /// A tileset to place is not one this crate can place.
    #[error("{}: {reason}", path.display())]
    Tileset {
        /// The file.
        path: PathBuf,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A file or folder could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}

/// An axis-aligned extent in the local frame, whole metres, from the ground up.
#[derive(Debug, Clone, Copy)]
struct Extent {
    west: i32,
    south: i32,
    east: i32,
    north: i32,
    top: i32,
}

impl Extent {
    fn of(c: &Cuboid) -> Extent {
        Extent {
            west: c.west,
            south: c.south,
            east: c.east,
            north: c.north,
            top: c.height,
        }
    }

    fn union(self, o: Extent) -> Extent {
        Extent {
            west: self.west.min(o.west),
            south: self.south.min(o.south),
            east: self.east.max(o.east),
            north: self.north.max(o.north),
            top: self.top.max(o.top),
        }
    }

    /// The 3D Tiles `box`: centre, then the x, y and z half-axes.
    fn to_box(self) -> [f64; 12] {
        let (w, s, e, n, t) = (
            f64::from(self.west),
            f64::from(self.south),
            f64::from(self.east),
            f64::from(self.north),
            f64::from(self.top),
        );
        [
            (w + e) / 2.0,
            (s + n) / 2.0,
            t / 2.0,
            (e - w) / 2.0,
            0.0,
            0.0,
            0.0,
            (n - s) / 2.0,
            0.0,
            0.0,
            0.0,
            t / 2.0,
        ]
    }
}

/// A tile of the quadtree: where it is, what it shows, and its children.
struct Tile {
    level: u8,
    x: u32,
    y: u32,
    content: Vec<Cuboid>,
    children: Vec<Tile>,
    extent: Extent,
}

impl DemoTileset {
    /// A tileset from `seed`, otherwise the default.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        DemoTileset {
            seed,
            ..DemoTileset::default()
        }
    }

    /// Writes `tileset.json` and `content/{level}/{x}_{y}.{b3dm|glb}` (x counted from the
    /// west, y from the south) into `dir`, created if missing, for the area `bounds`
    /// (WGS84 `[west, south, east, north]`); returns what it wrote. Files of an earlier run
    /// that this one does not write are left alone.
    ///
    /// # Errors
    /// [`DemoTilesetError::Bounds`], [`DemoTilesetError::TooLarge`],
    /// [`DemoTilesetError::Levels`] or [`DemoTilesetError::Height`] for arguments out of
    /// range; [`DemoTilesetError::NoBuildings`] for an area too small to hold a building;
    /// [`DemoTilesetError::Io`] when a file cannot be written.
    pub fn write(&self, bounds: [f64; 4], dir: &Path) -> Result<TilesetReport, DemoTilesetError> {
        let [west, south, east, north] = bounds;
        let ok = bounds.iter().all(|v| v.is_finite())
            && (-180.0..=180.0).contains(&west)
            && (-180.0..=180.0).contains(&east)
            && (-85.0..=85.0).contains(&south)
            && (-85.0..=85.0).contains(&north)
            && west < east
            && south < north;
        if !ok {
            return Err(DemoTilesetError::Bounds {
                west,
                south,
                east,
                north,
            });
        }
        if self.levels > MAX_LEVELS {
            return Err(DemoTilesetError::Levels(self.levels));
        }
        if !self.height.is_finite() {
            return Err(DemoTilesetError::Height(self.height));
        }
        let (lon, lat) = ((west + east) / 2.0, (south + north) / 2.0);
        let (per_lon, per_lat) = metres_per_degree(lat);
        let (width_m, height_m) = ((east - west) * per_lon, (north - south) * per_lat);
        if width_m > MAX_SIDE_M || height_m > MAX_SIDE_M {
            return Err(DemoTilesetError::TooLarge { width_m, height_m });
        }
        // whole metres from here on: the platform's trigonometry cannot reach the content
        let half = (
            (width_m / 2.0).round() as i32,
            (height_m / 2.0).round() as i32,
        );
        let city = buildings::city(self.seed, half.0, half.1);
        if city.is_empty() {
            return Err(DemoTilesetError::NoBuildings { width_m, height_m });
        }
        let leaves = leaf_of(&city, half, self.levels);
        let members: Vec<usize> = (0..city.len()).collect();
        let root = self
            .tile(&city, &leaves, members, 0, 0, 0)
            .expect("the root holds every building");
        let transform = enu_to_ecef(lon, lat, self.height);
        let mut written = Written { dir, bytes: 0 };
        let mut root_json = written.tile(&root)?;
        root_json["transform"] = json!(transform);
        let tileset = json!({
            "asset": {
                "version": "1.1",
                "tilesetVersion": format!("GENERATED by citygrid-synth DemoTileset, seed {}", self.seed),
            },
            "extras": {
                "generated": "synthetic buildings, not real data",
                "seed": self.seed,
                "bounds": bounds,
            },
            "geometricError": 2.0 * ROOT_ERROR,
            "root": root_json,
        });
        let text = serde_json::to_string_pretty(&tileset).expect("JSON values serialise");
        written.file(&dir.join("tileset.json"), text.as_bytes())?;
        let tiles = count(&root);
        Ok(TilesetReport {
            tiles,
            contents: tiles,
            bytes: written.bytes,
            root_transform: transform,
        })
    }

    /// The tile at `level`, `(x, y)` holding the buildings `members` (None when empty),
    /// with its subtree.
    fn tile(
        &self,
        city: &[Cuboid],
        leaves: &[(u32, u32)],
        members: Vec<usize>,
        level: u8,
        x: u32,
        y: u32,
    ) -> Option<Tile> {
        if members.is_empty() {
            return None;
        }
        let below = self.levels - level;
        let (content, children): (Vec<Cuboid>, Vec<Tile>) = if below == 0 {
            (members.iter().map(|&i| city[i]).collect(), Vec::new())
        } else {
            // one merged box per group of 2^(below - 1) x 2^(below - 1) street blocks
            let shift = u32::from(below - 1);
            let mut groups: BTreeMap<(i32, i32), Vec<Cuboid>> = BTreeMap::new();
            for &i in &members {
                let (bx, by) = city[i].block();
                groups
                    .entry((bx >> shift, by >> shift))
                    .or_default()
                    .push(city[i]);
            }
            let content: Vec<Cuboid> = groups.values().map(|g| Cuboid::merge(g)).collect();
            let mut quarters: [Vec<usize>; 4] = Default::default();
            for i in members {
                let (lx, ly) = leaves[i];
                let (qx, qy) = ((lx >> (below - 1)) & 1, (ly >> (below - 1)) & 1);
                quarters[(qy * 2 + qx) as usize].push(i);
            }
            let children = quarters
                .into_iter()
                .enumerate()
                .filter_map(|(q, m)| {
                    let (dx, dy) = (q as u32 & 1, q as u32 >> 1);
                    self.tile(city, leaves, m, level + 1, 2 * x + dx, 2 * y + dy)
                })
                .collect();
            (content, children)
        };
        let extent = content
            .iter()
            .map(Extent::of)
            .chain(children.iter().map(|c: &Tile| c.extent))
            .reduce(Extent::union)
            .expect("a tile with members has content");
        Some(Tile {
            level,
            x,
            y,
            content,
            children,
            extent,
        })
    }
}

/// For each building, the leaf (column from the west, row from the south) of a quadtree
/// `levels` deep over the area `±half` holding its footprint's centre.
fn leaf_of(city: &[Cuboid], half: (i32, i32), levels: u8) -> Vec<(u32, u32)> {
    let n = 1i64 << levels;
    // (centre + half) / (2 half) of n leaves; with doubled centres, exact in integers
    let index = |centre2: i64, half: i32| {
        let h = i64::from(half);
        ((centre2 + 2 * h) * n / (4 * h)).clamp(0, n - 1) as u32
    };
    city.iter()
        .map(|c| {
            let (x2, y2) = c.centre2();
            (index(x2, half.0), index(y2, half.1))
        })
        .collect()
}

/// Metres per degree of longitude and of latitude at a WGS84 latitude (degrees), from the
/// ellipsoid's radii of curvature. `sin` and `cos` come from the platform's maths library
/// and may differ in the last bit between machines: the area's size is rounded to whole
/// metres before anything is drawn.
fn metres_per_degree(lat: f64) -> (f64, f64) {
    let e2 = WGS84_F * (2.0 - WGS84_F);
    let (sin_lat, cos_lat) = lat.to_radians().sin_cos();
    let w = 1.0 - e2 * sin_lat * sin_lat;
    let prime_vertical = WGS84_A / w.sqrt();
    let meridian = WGS84_A * (1.0 - e2) / (w * w.sqrt());
    let per_radian = std::f64::consts::PI / 180.0;
    (prime_vertical * cos_lat * per_radian, meridian * per_radian)
}

/// Tiles in a subtree.
fn count(tile: &Tile) -> usize {
    1 + tile.children.iter().map(count).sum::<usize>()
}

/// Where content goes, and how much has been written.
struct Written<'a> {
    dir: &'a Path,
    bytes: u64,
}

impl Written<'_> {
    /// Writes a tile's content and its subtree's, returning its JSON.
    fn tile(&mut self, tile: &Tile) -> Result<Value, DemoTilesetError> {
        let glb = glb(&tile.content);
        let (bytes, ext) = if tile.level < FIRST_GLB_LEVEL {
            (b3dm(&glb), "b3dm")
        } else {
            (glb, "glb")
        };
        let uri = format!("content/{}/{}_{}.{ext}", tile.level, tile.x, tile.y);
        self.file(&self.dir.join(&uri), &bytes)?;
        let children = tile
            .children
            .iter()
            .map(|c| self.tile(c))
            .collect::<Result<Vec<_>, _>>()?;
        let error = if tile.children.is_empty() {
            0.0
        } else {
            ROOT_ERROR / f64::from(1u32 << tile.level)
        };
        let mut json = json!({
            "boundingVolume": { "box": tile.extent.to_box() },
            "geometricError": error,
            "refine": "REPLACE",
            "content": { "uri": uri },
        });
        if !children.is_empty() {
            json["children"] = Value::Array(children);
        }
        Ok(json)
    }

    fn file(&mut self, path: &Path, bytes: &[u8]) -> Result<(), DemoTilesetError> {
        let io = |source| DemoTilesetError::Io {
            path: path.into(),
            source,
        };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io)?;
        }
        std::fs::write(path, bytes).map_err(io)?;
        self.bytes += bytes.len() as u64;
        Ok(())
    }
}

#[cfg(test)]
#[path = "tileset_tests.rs"]
mod tests;
