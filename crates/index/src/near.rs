//! The nearest cell to a point outside the city: an R-tree over the segments of the
//! city's outline (and of any hole in it), searched in metres.
//!
//! Outside the city the nearest point of any cell lies on a segment no two cells
//! share, so only those are indexed. The tree holds them in one metric frame for the
//! whole city; the distance reported is measured in a frame at the query point
//! (a tangent plane, see `citygrid_crs::LocalFrame` for its accuracy: 0.08 % within
//! 10 km at Guiyang). The two frames differ only by the scale of a degree, so the
//! ratio of the two distances of any pair of points is bounded by the ratio of their
//! scales, which tells when the tree's search can stop.

use citygrid_model::UnitId;
use citygrid_model::measure::LocalFrame;
use geo_types::Coord;
use rstar::RTree;
use rstar::primitives::{GeomWithData, Line};

use crate::edges::OutlineSegment;

/// A cell near a point and how far it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearCell {
    /// The cell.
    pub cell: UnitId,
    /// Its distance from the point in metres: 0 for a point inside it (or on its
    /// outline).
    pub distance_m: f64,
}

type Item = GeomWithData<Line<[f64; 2]>, u32>;

/// The outline segments, in the city's metric frame.
#[derive(Debug, Clone)]
pub(crate) struct Outline {
    frame: Option<LocalFrame>,
    tree: RTree<Item>,
    segments: Vec<OutlineSegment>,
}

impl Outline {
    /// Indexes the outline segments; `bbox` (lon/lat) places the frame. Without a
    /// valid lon/lat centre there is no frame and no nearest cell.
    pub fn new(segments: Vec<OutlineSegment>, bbox: [f64; 4]) -> Self {
        let frame = LocalFrame::new((bbox[0] + bbox[2]) / 2.0, (bbox[1] + bbox[3]) / 2.0).ok();
        let items = match frame {
            Some(f) => segments
                .iter()
                .enumerate()
                .map(|(k, s)| {
                    let (ax, ay) = f.to_metres(s.a.x, s.a.y);
                    let (bx, by) = f.to_metres(s.b.x, s.b.y);
                    GeomWithData::new(Line::new([ax, ay], [bx, by]), k as u32)
                })
                .collect(),
            None => Vec::new(),
        };
        Outline {
            frame,
            tree: RTree::bulk_load(items),
            segments,
        }
    }

    /// Number of segments indexed.
    pub fn len(&self) -> usize {
        self.segments.len()
    }

    /// Bytes held, the tree's nodes estimated (rstar does not report them): its
    /// leaves plus a node per few leaves.
    pub fn memory_bytes(&self) -> usize {
        let items = self.tree.size() * std::mem::size_of::<Item>();
        items + items / 4 + self.segments.capacity() * std::mem::size_of::<OutlineSegment>()
    }

    /// The outline segment nearest to `(lon, lat)` within `max_m` metres, and its
    /// distance; ties go to the lower cell id.
    pub fn nearest(&self, lon: f64, lat: f64, max_m: f64) -> Option<NearCell> {
        self.nearest_owned(lon, lat, max_m, |s| Some(s.cell))
    }

    /// [`Outline::nearest`] with each segment owned by the cell `owner` says (none:
    /// skipped), for an outline whose cells were renumbered or reshaped since
    /// (`crate::patched`).
    pub fn nearest_owned(
        &self,
        lon: f64,
        lat: f64,
        max_m: f64,
        owner: impl Fn(&OutlineSegment) -> Option<UnitId>,
    ) -> Option<NearCell> {
        let city = self.frame?;
        let here = LocalFrame::new(lon, lat).ok()?;
        let (cx, cy) = city.metres_per_degree();
        let (hx, hy) = here.metres_per_degree();
        // A distance in the city frame times `shrink` is at most the distance here.
        let shrink = (hx / cx).min(hy / cy);
        let q = city.to_metres(lon, lat);
        let mut best: Option<NearCell> = None;
        for (item, d2) in self.tree.nearest_neighbor_iter_with_distance_2(&[q.0, q.1]) {
            // A micrometre of slack for the rounding of the frames' arithmetic, so a
            // segment through the point is looked at even for `max_m` 0.
            let limit = best.map_or(max_m, |b| b.distance_m.min(max_m)) + 1e-6;
            if d2.sqrt() * shrink > limit {
                break;
            }
            let s = &self.segments[item.data as usize];
            if let Some(cell) = owner(s) {
                consider(&mut best, &here, s, cell, lon, lat, max_m);
            }
        }
        best
    }
}

/// What a nearest-cell lookup answers: nothing for a `max_m` that is NaN or
/// negative, distance 0 in the cell `inside` finds, else what `outside` finds.
pub(crate) fn inside_or_nearest(
    max_m: f64,
    inside: impl FnOnce() -> Option<UnitId>,
    outside: impl FnOnce() -> Option<NearCell>,
) -> Option<NearCell> {
    if max_m.is_nan() || max_m < 0.0 {
        return None;
    }
    match inside() {
        Some(cell) => Some(NearCell {
            cell,
            distance_m: 0.0,
        }),
        None => outside(),
    }
}

/// The nearest of `segments` (each owned by its `cell`) to `(lon, lat)` within
/// `max_m` metres, by a scan: the same distances and ties as [`Outline::nearest`],
/// for the few segments of cells reshaped since an outline was indexed.
pub(crate) fn nearest_of(
    segments: &[OutlineSegment],
    lon: f64,
    lat: f64,
    max_m: f64,
    mut best: Option<NearCell>,
) -> Option<NearCell> {
    let Ok(here) = LocalFrame::new(lon, lat) else {
        return best;
    };
    for s in segments {
        consider(&mut best, &here, s, s.cell, lon, lat, max_m);
    }
    best
}

/// Makes `best` segment `s` (owned by `cell`) if it is nearer, or as near and owned
/// by a lower cell id, and within `max_m`.
fn consider(
    best: &mut Option<NearCell>,
    here: &LocalFrame,
    s: &OutlineSegment,
    cell: UnitId,
    lon: f64,
    lat: f64,
    max_m: f64,
) {
    let d = if on_segment(s, lon, lat) {
        0.0
    } else {
        point_segment_m(here, s)
    };
    let better = match *best {
        None => true,
        Some(b) => d < b.distance_m || (d == b.distance_m && cell < b.cell),
    };
    if d <= max_m && better {
        *best = Some(NearCell {
            cell,
            distance_m: d,
        });
    }
}

/// Whether `(x, y)` lies exactly on the segment: then its distance is 0, not the
/// rounding of the metric frame's arithmetic.
fn on_segment(s: &OutlineSegment, x: f64, y: f64) -> bool {
    citygrid_planar::on_segment(Coord { x, y }, s.a, s.b)
}

/// The distance from the frame's origin to a segment, in the frame's metres.
fn point_segment_m(frame: &LocalFrame, s: &OutlineSegment) -> f64 {
    let (ax, ay) = frame.to_metres(s.a.x, s.a.y);
    let (bx, by) = frame.to_metres(s.b.x, s.b.y);
    let (dx, dy) = (bx - ax, by - ay);
    let len2 = dx * dx + dy * dy;
    let t = if len2 > 0.0 {
        (-(ax * dx + ay * dy) / len2).clamp(0.0, 1.0)
    } else {
        0.0
    };
    (ax + t * dx).hypot(ay + t * dy)
}
