//! Polygons from rings: counter-clockwise rings are shells, clockwise ones holes,
//! each hole inside the smallest shell that holds it.

use geo_types::{Coord, LineString, MultiPolygon, Polygon};

use crate::point::Point;
use crate::ring::{Location, counter_clockwise, locate, signed_area2};
use crate::trace::{Keep, rings};

/// Polygons of a region from the half-edges of its boundary, each with the region on
/// its left (as `(from, to)` vertex pairs): shells counter-clockwise, holes clockwise
/// inside the smallest shell around them. A boundary that touches itself at a vertex
/// is split there, so no ring touches itself (OGC SFA 6.1.11.1).
#[must_use]
pub fn polygons(vertices: &[Coord<f64>], half_edges: &[(u32, u32)]) -> MultiPolygon<f64> {
    let rings = rings(half_edges, |v| vertices[v as usize], Keep::Left)
        .into_iter()
        .map(|r| r.into_iter().map(|h| half_edges[h].0).collect())
        .collect();
    assemble(vertices, rings)
}

/// Polygons from rings of vertex ids that repeat no vertex (as [`rings`] gives
/// them, not closed): counter-clockwise rings are shells, clockwise ones holes,
/// each hole inside the smallest shell that holds it.
#[must_use]
pub fn assemble(vertices: &[Coord<f64>], rings: Vec<Vec<u32>>) -> MultiPolygon<f64> {
    let close = |r: &[u32]| -> Vec<Coord<f64>> {
        let mut c: Vec<Coord<f64>> = r.iter().map(|&v| vertices[v as usize]).collect();
        c.push(c[0]);
        c
    };
    let (shells, holes): (Vec<Vec<u32>>, Vec<Vec<u32>>) = rings.into_iter().partition(|r| {
        let pts: Vec<Coord<f64>> = r.iter().map(|&v| vertices[v as usize]).collect();
        counter_clockwise(&pts)
    });
    let shell_rings: Vec<Vec<Coord<f64>>> = shells.iter().map(|r| close(r)).collect();
    let hole_rings: Vec<Vec<Coord<f64>>> = holes.iter().map(|r| close(r)).collect();
    let areas: Vec<f64> = shell_rings.iter().map(|r| signed_area2(r)).collect();
    let owners = assign_holes(&shell_rings, &areas, &hole_rings);
    let mut polys: Vec<Polygon<f64>> = shell_rings
        .into_iter()
        .map(|r| Polygon::new(LineString(r), vec![]))
        .collect();
    for (h, owner) in hole_rings.into_iter().zip(owners) {
        if let Some(i) = owner {
            polys[i].interiors_push(LineString(h));
        }
    }
    MultiPolygon(polys)
}

/// Whether a shell holds a hole (both simple rings that do not cross): the first
/// hole vertex off the shell's boundary decides; a hole with every vertex on it is
/// decided at a segment's midpoint (points doubled, so integer midpoints are exact).
#[must_use]
pub fn holds<P: Point + Doubled>(shell: &[P], hole: &[P]) -> bool {
    for &v in hole {
        match locate(v, shell) {
            Location::Inside => return true,
            Location::Outside => return false,
            Location::Boundary => {}
        }
    }
    let doubled: Vec<P> = shell.iter().map(|&p| p.doubled()).collect();
    let n = hole.len();
    for i in 0..n {
        let m = P::sum(hole[i], hole[(i + 1) % n]);
        match locate(m, &doubled) {
            Location::Inside => return true,
            Location::Outside => return false,
            Location::Boundary => {}
        }
    }
    false
}

/// Points that can be doubled and added, so that midpoints of segments can be
/// tested against a doubled ring: exactly for integers, to one rounding for doubles.
pub trait Doubled: Sized {
    /// Twice the point.
    fn doubled(self) -> Self;
    /// The sum of two points (twice their midpoint).
    fn sum(a: Self, b: Self) -> Self;
}

impl Doubled for Coord<f64> {
    fn doubled(self) -> Self {
        Coord {
            x: self.x * 2.0,
            y: self.y * 2.0,
        }
    }
    fn sum(a: Self, b: Self) -> Self {
        Coord {
            x: a.x + b.x,
            y: a.y + b.y,
        }
    }
}

impl Doubled for crate::point::IntPoint {
    fn doubled(self) -> Self {
        [self[0] * 2, self[1] * 2]
    }
    fn sum(a: Self, b: Self) -> Self {
        [a[0] + b[0], a[1] + b[1]]
    }
}

/// For each hole, the smallest shell (by `areas`, any measure that orders them)
/// that holds it; `None` for a hole no shell holds. Among equal areas the first
/// shell wins.
#[must_use]
pub fn assign_holes<P, R, A>(shells: &[R], areas: &[A], holes: &[R]) -> Vec<Option<usize>>
where
    P: Point + Doubled,
    R: AsRef<[P]>,
    A: PartialOrd + Copy,
{
    holes
        .iter()
        .map(|h| {
            let mut best: Option<usize> = None;
            for (i, s) in shells.iter().enumerate() {
                let smaller = best.is_none_or(|b| areas[i] < areas[b]);
                if smaller && holds(s.as_ref(), h.as_ref()) {
                    best = Some(i);
                }
            }
            best
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(x: f64, y: f64) -> Coord<f64> {
        Coord { x, y }
    }

    #[test]
    fn holes_go_to_the_smallest_shell_around_them() {
        let big = vec![c(0., 0.), c(10., 0.), c(10., 10.), c(0., 10.), c(0., 0.)];
        let small = vec![c(1., 1.), c(5., 1.), c(5., 5.), c(1., 5.), c(1., 1.)];
        let other = vec![c(20., 0.), c(21., 0.), c(21., 1.), c(20., 1.), c(20., 0.)];
        let hole = vec![c(2., 2.), c(2., 3.), c(3., 3.), c(3., 2.), c(2., 2.)];
        let lost = vec![c(30., 2.), c(30., 3.), c(31., 3.), c(30., 2.)];
        let shells = [big, small, other];
        let areas: Vec<f64> = shells.iter().map(|s| signed_area2(s)).collect();
        assert_eq!(
            assign_holes(&shells, &areas, &[hole, lost]),
            vec![Some(1), None]
        );
    }

    #[test]
    fn a_hole_touching_its_shell_at_every_vertex_is_decided_at_a_midpoint() {
        // A diamond hole whose four corners touch the square's sides.
        let shell: Vec<[i64; 2]> = vec![[0, 0], [4, 0], [4, 4], [0, 4]];
        let hole: Vec<[i64; 2]> = vec![[2, 0], [0, 2], [2, 4], [4, 2]];
        assert!(holds(&shell, &hole));
        let outside: Vec<[i64; 2]> = vec![[4, 0], [5, 1], [4, 2]];
        assert!(!holds(&shell, &outside));
    }

    #[test]
    fn a_region_boundary_becomes_a_polygon_with_its_hole() {
        // Square 0..4 with a hole 1..2, half-edges with the region on the left.
        let v = vec![
            c(0., 0.),
            c(4., 0.),
            c(4., 4.),
            c(0., 4.),
            c(1., 1.),
            c(1., 2.),
            c(2., 2.),
            c(2., 1.),
        ];
        let h = [
            (0, 1),
            (1, 2),
            (2, 3),
            (3, 0),
            (4, 5),
            (5, 6),
            (6, 7),
            (7, 4),
        ];
        let mp = polygons(&v, &h);
        assert_eq!(mp.0.len(), 1);
        assert_eq!(mp.0[0].interiors().len(), 1);
        assert_eq!(signed_area2(&mp.0[0].exterior().0), 32.0);
    }
}
