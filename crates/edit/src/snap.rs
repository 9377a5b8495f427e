//! Snapping an operation's points onto the partition: a point drawn within the
//! tolerance of an existing vertex becomes that vertex; within the tolerance of a
//! boundary segment, a point on it that is inserted into the segment for every unit
//! sharing it. So a line drawn "on" a boundary in a web map (to the pixel) starts
//! and ends exactly on it, and no sliver is left between the two.

use citygrid_crs::LocalFrame;
use citygrid_model::{Partition, RingSet, UnitId};
use citygrid_planar::closest_on_segment;
use geo_types::Coord;

use crate::local::{Insertions, segment_key};

/// The vertices and segments of a neighbourhood, to snap onto.
pub(crate) struct Snapper {
    vertices: Vec<Coord<f64>>,
    segments: Vec<[Coord<f64>; 2]>,
    frame: Option<LocalFrame>,
    metres: f64,
}

impl Snapper {
    /// Snaps onto the rings of `units` within `metres`.
    pub fn new(partition: &Partition, units: &[UnitId], metres: f64) -> Snapper {
        let rings = RingSet::build(units.iter().map(|&u| &partition.unit(u).geometry));
        let mut vertices = Vec::new();
        let mut segments = Vec::new();
        for s in rings.segment_ids() {
            let (a, b) = rings.segment(s);
            vertices.push(a);
            segments.push([a, b]);
        }
        let frame = vertices
            .first()
            .and_then(|c: &Coord<f64>| LocalFrame::new(c.x, c.y).ok());
        Snapper {
            vertices,
            segments,
            frame,
            metres,
        }
    }

    fn metres(&self, a: Coord<f64>, b: Coord<f64>) -> f64 {
        match &self.frame {
            Some(f) => f.distance((a.x, a.y), (b.x, b.y)),
            None => f64::INFINITY,
        }
    }

    /// The point snapped: the nearest vertex within the tolerance, else the nearest
    /// point of a segment within it (recorded in `insertions`), else `p`.
    pub fn point(&self, p: Coord<f64>, insertions: &mut Insertions) -> Coord<f64> {
        let nearest_vertex = self
            .vertices
            .iter()
            .map(|&v| (self.metres(p, v), v))
            .min_by(|a, b| a.0.total_cmp(&b.0));
        if let Some((d, v)) = nearest_vertex
            && d <= self.metres
        {
            return v;
        }
        let nearest_point = self
            .segments
            .iter()
            .map(|&[a, b]| {
                let q = closest_on_segment(p, a, b);
                (self.metres(p, q), q, a, b)
            })
            .min_by(|x, y| x.0.total_cmp(&y.0));
        if let Some((d, q, a, b)) = nearest_point
            && d <= self.metres
        {
            let list = insertions.entry(segment_key(a, b)).or_default();
            if !list.contains(&q) {
                list.push(q);
            }
            return q;
        }
        p
    }

    /// Every point of a line or ring snapped.
    pub fn points(&self, line: &[Coord<f64>], insertions: &mut Insertions) -> Vec<Coord<f64>> {
        let mut out: Vec<Coord<f64>> = Vec::with_capacity(line.len());
        for &p in line {
            let q = self.point(p, insertions);
            if out.last() != Some(&q) {
                out.push(q);
            }
        }
        out
    }
}
