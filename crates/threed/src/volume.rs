//! Bounding volumes and their footprints on the ground.
//!
//! A footprint is the region of the WGS84 lon/lat plane a volume lies over: a
//! `region` is one already (its corners in radians, as given); a `box` is the convex
//! hull of its eight corners and a `sphere` that of a circle of its radius around its
//! centre, both taken through the tile's frame to ECEF and then to lon/lat. A volume
//! that says nothing usable about the ground (not finite, degenerate, or far from the
//! Earth's surface, as content in local metres without a georeferencing transform is)
//! has no footprint, and the reason is kept.

use citygrid_crs::ecef::{enu_to_ecef, from_ecef};
use geo::ConvexHull;
use geo_types::{Coord, LineString, MultiPoint, Point, Polygon};
use serde_json::{Value, json};

use crate::matrix::Mat4;

/// Heights (metres) a footprint's points may have: from the deepest ocean trench to
/// well above any building or drone flight. Outside them the volume is not on the
/// ground: typically content in local metres, never transformed to ECEF.
const HEIGHTS: std::ops::RangeInclusive<f64> = -20_000.0..=100_000.0;

/// Points on a sphere's circle.
const CIRCLE: usize = 24;

/// A tile's bounding volume, as in its tileset.
#[derive(Debug, Clone, PartialEq)]
pub enum Volume {
    /// west, south, east, north (radians), minimum and maximum height (metres).
    Region([f64; 6]),
    /// centre, then the x, y and z half-axis vectors.
    Box([f64; 12]),
    /// centre and radius.
    Sphere([f64; 4]),
}

impl Volume {
    /// A `boundingVolume` member.
    ///
    /// # Errors
    /// A message saying what is wrong with it.
    pub fn from_json(v: &Value) -> Result<Volume, String> {
        let numbers = |key: &str, n: usize| -> Result<Option<Vec<f64>>, String> {
            let Some(a) = v.get(key) else { return Ok(None) };
            let a = a
                .as_array()
                .filter(|a| a.len() == n)
                .ok_or_else(|| format!("boundingVolume.{key}: expected {n} numbers"))?;
            a.iter()
                .map(|x| x.as_f64().filter(|x| x.is_finite()))
                .collect::<Option<Vec<f64>>>()
                .map(Some)
                .ok_or_else(|| format!("boundingVolume.{key}: a value is not a finite number"))
        };
        if let Some(r) = numbers("region", 6)? {
            if r[1] > r[3]
                || r[4] > r[5]
                || r[1] < -std::f64::consts::FRAC_PI_2
                || r[3] > std::f64::consts::FRAC_PI_2
            {
                return Err(format!(
                    "boundingVolume.region {r:?}: south above north, a minimum height above the maximum, or a latitude beyond a pole"
                ));
            }
            return Ok(Volume::Region(r.try_into().map_err(|_| "region")?));
        }
        if let Some(b) = numbers("box", 12)? {
            if b[3..].iter().all(|x| *x == 0.0) {
                return Err("boundingVolume.box has no extent (every half-axis is zero)".into());
            }
            return Ok(Volume::Box(b.try_into().map_err(|_| "box")?));
        }
        if let Some(s) = numbers("sphere", 4)? {
            if s[3] < 0.0 {
                return Err(format!(
                    "boundingVolume.sphere has a negative radius {}",
                    s[3]
                ));
            }
            return Ok(Volume::Sphere(s.try_into().map_err(|_| "sphere")?));
        }
        Err("boundingVolume: no region, box or sphere".into())
    }

    /// The volume as a `boundingVolume` member.
    #[must_use]
    pub fn to_json(&self) -> Value {
        match self {
            Volume::Region(r) => json!({"region": r}),
            Volume::Box(b) => json!({"box": b}),
            Volume::Sphere(s) => json!({"sphere": s}),
        }
    }

    /// Where the volume lies on the ground, in WGS84 lon/lat degrees, for a tile
    /// whose frame is `world` (the product of the transforms from the root to it; a
    /// region ignores it, as 3D Tiles says).
    ///
    /// # Errors
    /// Why the volume has no usable footprint.
    pub fn footprint(&self, world: &Mat4) -> Result<Polygon<f64>, String> {
        let ground = |points: Vec<[f64; 3]>| -> Result<Polygon<f64>, String> {
            let mut lonlat = Vec::with_capacity(points.len());
            for p in points {
                let (lon, lat, h) = from_ecef(world.point(p));
                if !HEIGHTS.contains(&h) {
                    return Err(format!(
                        "the volume is {:.0} km from the ground: not georeferenced (content in local metres needs a transform to ECEF)",
                        h / 1e3
                    ));
                }
                lonlat.push(Point::new(lon, lat));
            }
            let hull = MultiPoint(lonlat).convex_hull();
            if hull.exterior().0.len() < 4 {
                return Err(
                    "the volume has no area on the ground (it is vertical or a point)".into(),
                );
            }
            Ok(hull)
        };
        match self {
            Volume::Region(r) => {
                let [w, s, e, n] = [r[0], r[1], r[2], r[3]].map(f64::to_degrees);
                if e < w {
                    return Err("the region crosses the antimeridian".into());
                }
                if e == w || n == s {
                    return Err("the region has no area".into());
                }
                Ok(Polygon::new(
                    LineString::from(vec![(w, s), (e, s), (e, n), (w, n), (w, s)]),
                    vec![],
                ))
            }
            Volume::Box(b) => {
                let mut corners = Vec::with_capacity(8);
                for sx in [-1.0, 1.0] {
                    for sy in [-1.0, 1.0] {
                        for sz in [-1.0, 1.0] {
                            corners.push(
                                [0, 1, 2]
                                    .map(|k| b[k] + sx * b[3 + k] + sy * b[6 + k] + sz * b[9 + k]),
                            );
                        }
                    }
                }
                ground(corners)
            }
            Volume::Sphere(s) => {
                let centre = world.point([s[0], s[1], s[2]]);
                let (lon, lat, h) = from_ecef(centre);
                if !HEIGHTS.contains(&h) {
                    return ground(vec![[s[0], s[1], s[2]]]);
                }
                let r = s[3] * world.max_scale();
                if r <= 0.0 {
                    return Err("the sphere has no radius".into());
                }
                let enu = Mat4(enu_to_ecef(lon, lat, h));
                let ring: Vec<Coord<f64>> = (0..CIRCLE)
                    .map(|i| {
                        let a = i as f64 * std::f64::consts::TAU / CIRCLE as f64;
                        // outside the circle, so the polygon holds it whole
                        let k = r / (std::f64::consts::PI / CIRCLE as f64).cos();
                        let (lo, la, _) = from_ecef(enu.point([k * a.cos(), k * a.sin(), 0.0]));
                        Coord { x: lo, y: la }
                    })
                    .collect();
                let mut ring = ring;
                ring.push(ring[0]);
                Ok(Polygon::new(LineString(ring), vec![]))
            }
        }
    }

    /// The volume of the child at `(x, y[, z])` of `level` levels below (implicit
    /// tiling): a box split along its x and y (and z) axes, a region along longitude,
    /// latitude (and height), from the minimum corner.
    ///
    /// # Errors
    /// A sphere: implicit tiling subdivides only boxes and regions.
    pub fn subdivide(&self, level: u32, x: u64, y: u64, z: Option<u64>) -> Result<Volume, String> {
        let n = (1u64 << level) as f64;
        match self {
            Volume::Box(b) => {
                let mut out = *b;
                let split = |axis: usize, i: u64, out: &mut [f64; 12]| {
                    // centre moves from -1 to +1 along the axis; the half-axis shrinks
                    let t = (2.0 * i as f64 + 1.0) / n - 1.0;
                    for k in 0..3 {
                        out[k] += t * b[3 * axis + k];
                        out[3 * axis + k] = b[3 * axis + k] / n;
                    }
                };
                split(1, x, &mut out);
                split(2, y, &mut out);
                if let Some(z) = z {
                    split(3, z, &mut out);
                }
                Ok(Volume::Box(out))
            }
            Volume::Region(r) => {
                let part = |lo: f64, hi: f64, i: u64| {
                    let step = (hi - lo) / n;
                    (lo + step * i as f64, lo + step * (i + 1) as f64)
                };
                let (w, e) = part(r[0], r[2], x);
                let (s, nn) = part(r[1], r[3], y);
                let (h0, h1) = match z {
                    Some(z) => part(r[4], r[5], z),
                    None => (r[4], r[5]),
                };
                Ok(Volume::Region([w, s, e, nn, h0, h1]))
            }
            Volume::Sphere(_) => {
                Err("implicit tiling subdivides a box or a region, not a sphere".into())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use geo::{Area, Contains};

    use super::*;

    #[test]
    fn a_box_in_an_enu_frame_lies_over_its_place() {
        // 200 m x 100 m x 50 m around the frame's origin at Guiyang
        let world = Mat4(enu_to_ecef(106.7, 26.6, 1_100.0));
        let b = Volume::Box([
            0.0, 0.0, 25.0, 100.0, 0.0, 0.0, 0.0, 50.0, 0.0, 0.0, 0.0, 25.0,
        ]);
        let f = b.footprint(&world).unwrap();
        assert!(f.contains(&Point::new(106.7, 26.6)));
        let deg_per_m_lon = 1.0 / (111_320.0 * 26.6f64.to_radians().cos());
        let width = f.exterior().0.iter().map(|c| c.x).fold(f64::MIN, f64::max)
            - f.exterior().0.iter().map(|c| c.x).fold(f64::MAX, f64::min);
        assert!((width / deg_per_m_lon - 200.0).abs() < 1.0, "{width}");
        // not georeferenced: the same box with no transform is at the Earth's centre
        let e = b.footprint(&Mat4::IDENTITY).unwrap_err();
        assert!(e.contains("not georeferenced"), "{e}");
    }

    #[test]
    fn regions_and_spheres() {
        let r = Volume::Region([1.0, 0.4, 1.1, 0.5, 0.0, 10.0]);
        let f = r.footprint(&Mat4::IDENTITY).unwrap();
        assert!((f.unsigned_area() - 0.1f64.to_degrees().powi(2)).abs() < 1e-9);
        let world = Mat4(enu_to_ecef(106.7, 26.6, 1_100.0));
        let s = Volume::Sphere([0.0, 0.0, 0.0, 100.0])
            .footprint(&world)
            .unwrap();
        assert!(s.contains(&Point::new(106.7, 26.6)));
        assert!(Volume::from_json(&json!({"sphere": [0, 0, 0, -1]})).is_err());
        assert!(Volume::from_json(&json!({"box": [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]})).is_err());
        assert!(Volume::from_json(&json!({"region": [0, 1, 1, 0, 0, 0]})).is_err());
        assert!(Volume::from_json(&json!({"cylinder": [1]})).is_err());
    }

    #[test]
    fn implicit_children_split_from_the_minimum_corner() {
        let b = Volume::Box([0.5, 0.5, 0.0, 0.5, 0.0, 0.0, 0.0, 0.5, 0.0, 0.0, 0.0, 0.1]);
        assert_eq!(
            b.subdivide(1, 1, 0, None).unwrap(),
            Volume::Box([
                0.75, 0.25, 0.0, 0.25, 0.0, 0.0, 0.0, 0.25, 0.0, 0.0, 0.0, 0.1
            ])
        );
        let r = Volume::Region([0.0, 0.0, 4.0, 4.0, 0.0, 8.0]);
        assert_eq!(
            r.subdivide(2, 3, 1, Some(0)).unwrap(),
            Volume::Region([3.0, 1.0, 4.0, 2.0, 0.0, 2.0])
        );
    }
}
