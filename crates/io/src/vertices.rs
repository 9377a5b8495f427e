//! The vertices an export wrote, mapped back to the WGS84 coordinates they were
//! computed from, so that an edited export comes back bit for bit where nobody
//! moved anything.
//!
//! A projection is not exactly invertible in floating point: a vertex written in
//! Gauss-Kruger metres and transformed back lands a few ulps (nanometres) off its
//! original longitude and latitude, and a partition whose neighbours must share
//! their vertices exactly would then differ everywhere. So the comparison is made in
//! the export's coordinate system: every vertex of the file that equals, bit for
//! bit, a vertex the export computed from the version it came from (the same
//! transform, so the same bits) is given that vertex's original coordinate, and only
//! vertices the editor really placed are transformed back. Two features that share
//! a moved vertex (QGIS's topological editing moves it in both) hold the same
//! projected bits, so they get the same new WGS84 coordinate too.

use std::collections::HashMap;

use geo_types::{Coord, MultiPolygon};

use citygrid_crs::{Crs, Transform};
use citygrid_model::Unit;
use citygrid_planar::coord_key;

/// Projected vertex (by its bits) -> original WGS84 coordinate.
pub struct ExportedVertices {
    transform: Transform,
    /// The original, and whether another original projects to the same bits
    /// (then the feature's own unit decides).
    originals: HashMap<[u64; 2], (Coord<f64>, bool)>,
}

impl ExportedVertices {
    /// The vertices of `units` as an export in `crs` wrote them.
    ///
    /// # Errors
    /// A sentence when `crs` cannot be transformed to, or a vertex has no place in
    /// it (the export would have failed on it too).
    pub fn new<'u>(units: impl IntoIterator<Item = &'u Unit>, crs: Crs) -> Result<Self, String> {
        let transform = Transform::new(crs).map_err(|e| e.to_string())?;
        let mut originals: HashMap<[u64; 2], (Coord<f64>, bool)> = HashMap::new();
        if crs != Crs::Wgs84 {
            for unit in units {
                for c in vertices(&unit.geometry) {
                    let p =
                        project(&transform, c).map_err(|e| format!("unit {}: {e}", unit.code))?;
                    originals
                        .entry(coord_key(p))
                        .and_modify(|(o, twice)| *twice |= coord_key(*o) != coord_key(c))
                        .or_insert((c, false));
                }
            }
        }
        Ok(ExportedVertices {
            transform,
            originals,
        })
    }

    /// `geometry`, as the file holds it, in WGS84: exported vertices are given
    /// their original coordinates, new ones are transformed back. `own` is the
    /// geometry of the unit the feature was exported from, if any, which decides
    /// between originals that project to the same bits.
    ///
    /// # Errors
    /// A sentence naming a new vertex that cannot be transformed back.
    pub fn to_wgs84(
        &self,
        geometry: &MultiPolygon<f64>,
        own: Option<&MultiPolygon<f64>>,
    ) -> Result<MultiPolygon<f64>, String> {
        if self.transform.crs() == Crs::Wgs84 {
            return Ok(geometry.clone());
        }
        geo::MapCoords::try_map_coords(geometry, |p| match self.originals.get(&coord_key(p)) {
            Some(&(original, false)) => Ok(original),
            Some(&(original, true)) => Ok(own
                .and_then(|g| {
                    vertices(g).find(|&c| {
                        project(&self.transform, c).is_ok_and(|q| coord_key(q) == coord_key(p))
                    })
                })
                .unwrap_or(original)),
            None => self
                .transform
                .to_wgs84(p.x, p.y)
                .map(|(x, y)| Coord { x, y })
                .map_err(|e| format!("the vertex at {} {} cannot be transformed: {e}", p.x, p.y)),
        })
    }
}

fn vertices(mp: &MultiPolygon<f64>) -> impl Iterator<Item = Coord<f64>> + '_ {
    mp.0.iter().flat_map(|p| {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .flat_map(|r| r.0.iter().copied())
    })
}

fn project(t: &Transform, c: Coord<f64>) -> Result<Coord<f64>, citygrid_crs::CrsError> {
    t.from_wgs84(c.x, c.y).map(|(x, y)| Coord { x, y })
}
