//! The vertices an export wrote, mapped back to the WGS84 coordinates they were
//! computed from, so that an edited export comes back bit for bit where nobody
//! moved anything.
//!
//! A projection is not exactly invertible in floating point: a vertex written in
//! Gauss-Kruger metres and transformed back lands a few ulps (nanometres) off its
//! original longitude and latitude, and a partition whose neighbours must share
//! their vertices exactly would then differ everywhere. So the comparison is made in
//! the export's coordinate system: every vertex of the file at a vertex the export
//! computed from the version it came from (the same transform, so the same bits) is
//! given that vertex's original coordinate, and only vertices the editor really
//! placed are transformed back. Two features that share a moved vertex (QGIS's
//! topological editing moves it in both) hold the same projected bits, so they get
//! the same new WGS84 coordinate too.
//!
//! "At" means within [`SNAP_M`] (a millimetre, the checker's boundary tolerance): the
//! geometry operations behind QGIS's Split and Merge Features (GEOS) may give an
//! existing vertex back a bit off, and no editor means to move a vertex by less.

use geo_types::{Coord, MultiPolygon};
use rustc_hash::{FxHashMap, FxHashSet};

use citygrid_crs::{Crs, Transform};
use citygrid_model::Unit;
use citygrid_planar::coord_key;

/// How far (metres) a vertex of the file may be from an exported vertex and
/// still be it.
pub const SNAP_M: f64 = 0.001;

/// Metres per degree along a meridian (WGS84 mean), for the tolerance of a
/// geographic coordinate system.
const METRES_PER_DEGREE: f64 = 111_320.0;

/// An exported vertex: where the file has it, and its original WGS84 coordinate.
type Exported = (Coord<f64>, Coord<f64>);

/// Exported vertices in a grid of [`SNAP_M`] cells.
pub struct ExportedVertices {
    transform: Transform,
    /// The tolerance in the export's units.
    tolerance: f64,
    cells: FxHashMap<[i64; 2], Vec<Exported>>,
}

impl ExportedVertices {
    /// The vertices of `units` as an export in `crs` wrote them.
    ///
    /// # Errors
    /// A sentence when `crs` cannot be transformed to, or a vertex has no place in
    /// it (the export would have failed on it too).
    pub fn new<'u>(units: impl IntoIterator<Item = &'u Unit>, crs: Crs) -> Result<Self, String> {
        let transform = Transform::new(crs).map_err(|e| e.to_string())?;
        let tolerance = if crs.is_geographic() {
            SNAP_M / METRES_PER_DEGREE
        } else {
            SNAP_M
        };
        let mut vertices = ExportedVertices {
            transform,
            tolerance,
            cells: FxHashMap::default(),
        };
        let mut seen: FxHashSet<[u64; 2]> = FxHashSet::default();
        for unit in units {
            for c in rings(&unit.geometry) {
                if !seen.insert(coord_key(c)) {
                    continue;
                }
                let p = vertices
                    .project(c)
                    .map_err(|e| format!("unit {}: {e}", unit.code))?;
                let cell = vertices.cell(p);
                vertices.cells.entry(cell).or_default().push((p, c));
            }
        }
        Ok(vertices)
    }

    /// `geometry`, as the file holds it, in WGS84: vertices at exported ones are
    /// given their originals, new ones are transformed back. `own` is the geometry
    /// of the unit the feature was exported from, if any: of two originals equally
    /// near, its vertex is taken.
    ///
    /// # Errors
    /// A sentence naming a new vertex that cannot be transformed back.
    pub fn to_wgs84(
        &self,
        geometry: &MultiPolygon<f64>,
        own: Option<&MultiPolygon<f64>>,
    ) -> Result<MultiPolygon<f64>, String> {
        geo::MapCoords::try_map_coords(geometry, |p| match self.original(p, own) {
            Some(original) => Ok(original),
            None => self
                .transform
                .to_wgs84(p.x, p.y)
                .map(|(x, y)| Coord { x, y })
                .map_err(|e| format!("the vertex at {} {} cannot be transformed: {e}", p.x, p.y)),
        })
    }

    /// The original of the exported vertex nearest `p` within the tolerance: in
    /// `p`'s grid cell first, where it nearly always is, bit for bit.
    fn original(&self, p: Coord<f64>, own: Option<&MultiPolygon<f64>>) -> Option<Coord<f64>> {
        let [i, j] = self.cell(p);
        let mut nearest = Nearest { p, own, best: None };
        nearest.offer(self.cells.get(&[i, j]));
        if nearest.best.is_some_and(|(d, _)| d == 0.0) {
            return nearest.best.map(|(_, c)| c);
        }
        for a in i - 1..=i + 1 {
            for b in j - 1..=j + 1 {
                if [a, b] != [i, j] {
                    nearest.offer(self.cells.get(&[a, b]));
                }
            }
        }
        nearest
            .best
            .filter(|(d, _)| *d <= self.tolerance)
            .map(|(_, c)| c)
    }

    fn project(&self, c: Coord<f64>) -> Result<Coord<f64>, citygrid_crs::CrsError> {
        self.transform
            .from_wgs84(c.x, c.y)
            .map(|(x, y)| Coord { x, y })
    }

    fn cell(&self, p: Coord<f64>) -> [i64; 2] {
        [
            (p.x / self.tolerance).floor() as i64,
            (p.y / self.tolerance).floor() as i64,
        ]
    }
}

/// The search for the exported vertex nearest a point.
struct Nearest<'g> {
    p: Coord<f64>,
    own: Option<&'g MultiPolygon<f64>>,
    /// Distance and original of the nearest so far.
    best: Option<(f64, Coord<f64>)>,
}

impl Nearest<'_> {
    /// Considers the vertices of one grid cell. Of two originals equally near (two
    /// vertices the projection put on the same bits), the feature's own unit's wins.
    fn offer(&mut self, vertices: Option<&Vec<Exported>>) {
        for &(q, c) in vertices.into_iter().flatten() {
            let d = (q.x - self.p.x).hypot(q.y - self.p.y);
            match self.best {
                Some((best, _)) if d > best => {}
                Some((best, b)) if d == best && (b == c || !self.mine(c)) => {}
                _ => self.best = Some((d, c)),
            }
        }
    }

    fn mine(&self, c: Coord<f64>) -> bool {
        self.own
            .is_some_and(|g| rings(g).any(|v| coord_key(v) == coord_key(c)))
    }
}

/// Every vertex of every ring.
fn rings(mp: &MultiPolygon<f64>) -> impl Iterator<Item = Coord<f64>> + '_ {
    mp.0.iter().flat_map(|p| {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .flat_map(|r| r.0.iter().copied())
    })
}
