//! Is each unit a valid (multi)polygon on its own (OGC Simple Features, section 6.1.11)?
//!
//! Finds non-finite coordinates, rings with fewer than three distinct points, spikes,
//! self-intersections and self-touching rings, rings of one polygon that cross, holes
//! outside their shell and parts inside or across one another. Segments are compared
//! with a sweep over x, so a ring of n vertices costs O(n log n), not O(n²).

use geo_types::{Coord, MultiPolygon};

use citygrid_model::RingSet;
use citygrid_model::rings::SegId;

use citygrid_planar::{Meeting, contains, meet, side};

/// One defect of one unit's geometry.
#[derive(Debug, Clone, PartialEq)]
pub struct Defect {
    /// What is wrong, naming polygon and ring.
    pub message: String,
    /// Where (absent when the coordinate itself is not a number).
    pub at: Option<Coord<f64>>,
}

/// Whether every coordinate is finite; geometry with NaN or infinities cannot take
/// part in any other test.
#[must_use]
pub fn all_finite(mp: &MultiPolygon<f64>) -> bool {
    mp.0.iter().all(|p| {
        std::iter::once(p.exterior())
            .chain(p.interiors())
            .all(|r| r.0.iter().all(|c| c.x.is_finite() && c.y.is_finite()))
    })
}

fn ring_name(polygon: u32, index: u32) -> String {
    if index == 0 {
        format!("polygon {polygon} shell")
    } else {
        format!("polygon {polygon} hole {}", index - 1)
    }
}

/// Everything wrong with one unit's geometry on its own.
#[must_use]
pub fn defects(mp: &MultiPolygon<f64>) -> Vec<Defect> {
    let mut out = Vec::new();
    if mp.0.is_empty() {
        out.push(Defect {
            message: "geometry is empty".to_string(),
            at: None,
        });
        return out;
    }
    for (pi, p) in mp.0.iter().enumerate() {
        for (ri, r) in std::iter::once(p.exterior())
            .chain(p.interiors())
            .enumerate()
        {
            if let Some((vi, _)) =
                r.0.iter()
                    .enumerate()
                    .find(|(_, c)| !(c.x.is_finite() && c.y.is_finite()))
            {
                let at = r.0[..vi]
                    .iter()
                    .rev()
                    .find(|c| c.x.is_finite() && c.y.is_finite())
                    .copied();
                out.push(Defect {
                    message: format!(
                        "{} vertex {vi} is not a finite number",
                        ring_name(pi as u32, ri as u32)
                    ),
                    at,
                });
            }
        }
    }
    if !out.is_empty() {
        return out;
    }
    let rings = RingSet::build([mp]);
    let mut usable = vec![true; rings.rings.len()];
    for (k, r) in rings.rings.iter().enumerate() {
        if r.len < 3 {
            usable[k] = false;
            out.push(Defect {
                message: format!(
                    "{} has fewer than 3 distinct points",
                    ring_name(r.polygon, r.index)
                ),
                at: rings.coords.get(r.start as usize).copied(),
            });
        }
    }
    sweep(&rings, &usable, &mut out);
    nesting(mp, &mut out);
    out
}

/// Compares every pair of segments whose x-ranges overlap, in order of their west end.
fn sweep(rings: &RingSet, usable: &[bool], out: &mut Vec<Defect>) {
    let mut order: Vec<(u64, SegId)> = rings
        .rings
        .iter()
        .zip(usable)
        .filter(|(_, ok)| **ok)
        .flat_map(|(r, _)| r.segments())
        .map(|s| {
            let (a, b) = rings.segment(s);
            (ordered_bits(a.x.min(b.x)), s)
        })
        .collect();
    order.sort_unstable();
    let segs = order.iter().map(|&(_, s)| {
        let (a, b) = rings.segment(s);
        ([a.x.min(b.x), a.x.max(b.x), a.y.min(b.y), a.y.max(b.y)], s)
    });
    let mut active: Vec<([f64; 4], SegId)> = Vec::new();
    let mut reported = 0usize;
    for (bx, s) in segs {
        active.retain(|(ax, _)| ax[1] >= bx[0]);
        for &(ax, t) in &active {
            if ax[2] > bx[3] || bx[2] > ax[3] {
                continue;
            }
            if let Some(d) = pair_defect(rings, s, t) {
                out.push(d);
                reported += 1;
                if reported >= 20 {
                    out.push(Defect {
                        message: "more self-intersections not listed".to_string(),
                        at: None,
                    });
                    return;
                }
            }
        }
        active.push((bx, s));
    }
}

/// The bits of a finite f64 as a u64 that sorts in the same order.
fn ordered_bits(x: f64) -> u64 {
    let b = x.to_bits();
    if b >> 63 == 0 { b | 1 << 63 } else { !b }
}

fn pair_defect(rings: &RingSet, s: SegId, t: SegId) -> Option<Defect> {
    let (a, b) = rings.segment(s);
    let (c, d) = rings.segment(t);
    let (rs, rt) = (rings.ring_of(s), rings.ring_of(t));
    if rs == rt && (rings.next(s) == t || rings.next(t) == s) {
        // Neighbours in a ring share a vertex; they are wrong only when the ring
        // doubles back along itself there (a spike). One orientation test decides.
        let (p, q, r) = if rings.next(s) == t {
            (a, b, d)
        } else {
            (c, d, b)
        };
        let back =
            side(p, q, r) == 0 && (p.x - q.x) * (r.x - q.x) + (p.y - q.y) * (r.y - q.y) > 0.0;
        return back.then(|| Defect {
            message: format!(
                "{} has a spike: it doubles back on itself at {}",
                ring_name(rs.polygon, rs.index),
                fmt(q)
            ),
            at: Some(q),
        });
    }
    let m = meet(a, b, c, d);
    let at = match m {
        Meeting::Apart => return None,
        Meeting::Cross(p) | Meeting::Touch(p) | Meeting::Along(p, _) => p,
        Meeting::SharedEnd => {
            if a == c || a == d {
                a
            } else {
                b
            }
        }
    };
    let name = ring_name(rs.polygon, rs.index);
    let message = if rs == rt {
        format!("{name} self-intersects at {}", fmt(at))
    } else if !matches!(m, Meeting::Cross(_) | Meeting::Along(..)) {
        // Rings and parts may touch at single points (OGC SFA 6.1.11.1).
        return None;
    } else if rs.polygon == rt.polygon {
        format!(
            "{name} and {} cross at {}",
            ring_name(rt.polygon, rt.index),
            fmt(at)
        )
    } else {
        format!(
            "polygons {} and {} overlap or share a boundary at {}",
            rs.polygon,
            rt.polygon,
            fmt(at)
        )
    };
    Some(Defect {
        message,
        at: Some(at),
    })
}

/// Holes must lie inside their shell, and parts must not lie inside one another.
fn nesting(mp: &MultiPolygon<f64>, out: &mut Vec<Defect>) {
    if mp.0.len() == 1 && mp.0[0].interiors().is_empty() {
        return;
    }
    let single = |p: &geo_types::Polygon<f64>| {
        MultiPolygon(vec![geo_types::Polygon::new(p.exterior().clone(), vec![])])
    };
    for (pi, p) in mp.0.iter().enumerate() {
        let shell = single(p);
        for (hi, h) in p.interiors().iter().enumerate() {
            if let Some(&v) = h.0.first()
                && !contains(&shell, v)
                && !on_ring(v, &p.exterior().0)
            {
                out.push(Defect {
                    message: format!("polygon {pi} hole {hi} lies outside its shell"),
                    at: Some(v),
                });
            }
        }
        for (qi, q) in mp.0.iter().enumerate() {
            if qi == pi {
                continue;
            }
            if let Some(&v) = p.exterior().0.first()
                && contains(&MultiPolygon(vec![q.clone()]), v)
                && !on_ring(v, &q.exterior().0)
            {
                out.push(Defect {
                    message: format!("polygon {pi} lies inside polygon {qi}"),
                    at: Some(v),
                });
            }
        }
    }
}

fn on_ring(p: Coord<f64>, ring: &[Coord<f64>]) -> bool {
    ring.windows(2)
        .any(|w| !matches!(meet(w[0], w[1], p, p), Meeting::Apart))
}

/// A coordinate as users read it: longitude then latitude, 7 decimals (~1 cm).
#[must_use]
pub fn fmt(c: Coord<f64>) -> String {
    format!("{:.7} {:.7}", c.x, c.y)
}

#[cfg(test)]
mod tests {
    use geo_types::{Polygon, polygon};

    use super::*;

    fn one(p: Polygon<f64>) -> MultiPolygon<f64> {
        MultiPolygon(vec![p])
    }

    #[test]
    fn a_square_is_valid() {
        assert!(
            defects(&one(
                polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)]
            ))
            .is_empty()
        );
    }

    #[test]
    fn a_bow_tie_self_intersects_at_its_centre() {
        let d = defects(&one(
            polygon![(x: 0., y: 0.), (x: 2., y: 2.), (x: 2., y: 0.), (x: 0., y: 2.)],
        ));
        assert_eq!(d.len(), 1);
        assert_eq!(d[0].at, Some(Coord { x: 1., y: 1. }));
        assert!(d[0].message.contains("self-intersects"), "{}", d[0].message);
    }

    #[test]
    fn nan_and_short_rings_and_spikes_are_reported() {
        let nan = one(polygon![(x: 0., y: 0.), (x: f64::NAN, y: 0.), (x: 1., y: 1.)]);
        assert!(defects(&nan)[0].message.contains("not a finite number"));
        let short = one(polygon![(x: 0., y: 0.), (x: 1., y: 0.), (x: 0., y: 0.)]);
        assert!(defects(&short)[0].message.contains("fewer than 3"));
        let spike = one(
            polygon![(x: 0., y: 0.), (x: 2., y: 0.), (x: 3., y: 0.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 0., y: 2.)],
        );
        assert!(
            defects(&spike)
                .iter()
                .any(|d| d.message.contains("spike") || d.message.contains("self-intersects"))
        );
    }

    #[test]
    fn a_ring_touching_itself_at_a_vertex_is_invalid() {
        // Figure-of-eight through (1, 1).
        let p = one(
            polygon![(x: 0., y: 0.), (x: 1., y: 1.), (x: 2., y: 0.), (x: 2., y: 2.), (x: 1., y: 1.), (x: 0., y: 2.)],
        );
        assert!(!defects(&p).is_empty());
    }

    #[test]
    fn holes_must_be_inside_and_parts_apart() {
        let outside = one(polygon!(
            exterior: [(x: 0., y: 0.), (x: 1., y: 0.), (x: 1., y: 1.), (x: 0., y: 1.)],
            interiors: [[(x: 3., y: 3.), (x: 4., y: 3.), (x: 4., y: 4.)]],
        ));
        assert!(
            defects(&outside)
                .iter()
                .any(|d| d.message.contains("outside its shell"))
        );
        let nested = MultiPolygon(vec![
            polygon![(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 0., y: 4.)],
            polygon![(x: 1., y: 1.), (x: 2., y: 1.), (x: 2., y: 2.), (x: 1., y: 2.)],
        ]);
        assert!(
            defects(&nested)
                .iter()
                .any(|d| d.message.contains("inside polygon"))
        );
        let crossing_hole = one(polygon!(
            exterior: [(x: 0., y: 0.), (x: 4., y: 0.), (x: 4., y: 4.), (x: 0., y: 4.)],
            interiors: [[(x: 1., y: 1.), (x: 5., y: 1.), (x: 5., y: 2.), (x: 1., y: 2.)]],
        ));
        assert!(
            defects(&crossing_hole)
                .iter()
                .any(|d| d.message.contains("cross"))
        );
    }
}
