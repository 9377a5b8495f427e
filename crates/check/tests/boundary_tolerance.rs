//! Cells checked against a city outline drawn by someone else: an outline that the
//! cells follow to within a millimetre but with vertices of its own (cells clipped
//! to it by another tool) is no problem; cells that stop 5 m short of it leave a
//! gap; and a mismatch beyond the tolerance names the boundary, not an unrelated
//! cell.

use std::sync::Arc;

use geo_types::{Coord, LineString, MultiPolygon, Polygon};

use citygrid_check::{CheckOptions, Checker, Rule};
use citygrid_model::{Level, Unit};
use citygrid_synth::SynthCity;

/// A generated city: every unit, and its outline.
fn city(seed: u64) -> (Vec<Arc<Unit>>, MultiPolygon<f64>) {
    let units = SynthCity::new(seed)
        .cells(120)
        .vertices_per_cell(10)
        .extent_km(6.0, 6.0)
        .generate();
    let outline = units
        .iter()
        .find(|u| u.level == Level::City)
        .expect("a generated city has a city unit")
        .geometry
        .clone();
    (units.into_iter().map(Arc::new).collect(), outline)
}

/// Degrees per metre at the city (a local approximation is plenty for offsets of
/// millimetres to metres).
fn degrees_per_metre(lat: f64) -> (f64, f64) {
    (1.0 / (111_320.0 * lat.to_radians().cos()), 1.0 / 110_574.0)
}

/// The outline redrawn with a vertex of its own in every segment, `off_m` metres to
/// the left or right of it (alternating), and every `shift`-th original vertex moved
/// sideways by `off_m` too: what clipping to an outline digitised elsewhere leaves.
fn redrawn(outline: &MultiPolygon<f64>, off_m: f64) -> MultiPolygon<f64> {
    let ring = |ls: &LineString<f64>| -> LineString<f64> {
        let pts = &ls.0[..ls.0.len() - 1];
        let mut out = Vec::new();
        for (i, &a) in pts.iter().enumerate() {
            let b = pts[(i + 1) % pts.len()];
            let (kx, ky) = degrees_per_metre(a.y);
            let (dx, dy) = (b.x - a.x, b.y - a.y);
            let len = (dx / kx).hypot(dy / ky);
            // Unit normal in metres, back to degrees.
            let (nx, ny) = (-(dy / ky) / len, (dx / kx) / len);
            let sign = if i % 2 == 0 { 1.0 } else { -1.0 };
            let moved = |p: Coord<f64>, t: f64| Coord {
                x: p.x + sign * t * off_m * nx * kx,
                y: p.y + sign * t * off_m * ny * ky,
            };
            out.push(if i % 3 == 0 { moved(a, 1.0) } else { a });
            let mid = Coord {
                x: a.x + dx * 0.37,
                y: a.y + dy * 0.37,
            };
            out.push(moved(mid, 1.0));
        }
        out.push(out[0]);
        LineString(out)
    };
    MultiPolygon(
        outline
            .0
            .iter()
            .map(|p| Polygon::new(ring(p.exterior()), p.interiors().iter().map(ring).collect()))
            .collect(),
    )
}

#[test]
fn cells_that_follow_a_redrawn_outline_within_a_millimetre_are_clean() {
    for seed in [1, 2, 3] {
        let (units, outline) = city(seed);
        let drawn = redrawn(&outline, 0.0004);
        let report = Checker::new(CheckOptions::default()).check(&units, Some(&drawn));
        assert!(report.is_valid(), "seed {seed}: {:#?}", report.violations);
        // Cells alone against the same outline.
        let cells: Vec<Arc<Unit>> = units
            .iter()
            .filter(|u| u.level == Level::Cell)
            .cloned()
            .collect();
        let report = Checker::new(CheckOptions::default()).check(&cells, Some(&drawn));
        let unmatched: Vec<_> = report
            .violations
            .iter()
            .filter(|v| v.rule == Rule::UnmatchedEdge)
            .collect();
        assert!(unmatched.is_empty(), "seed {seed}: {unmatched:#?}");
    }
}

#[test]
fn a_wider_tolerance_accepts_a_wider_offset() {
    let (units, outline) = city(4);
    let drawn = redrawn(&outline, 0.02);
    let strict = Checker::new(CheckOptions::default()).check(&units, Some(&drawn));
    assert!(!strict.is_valid(), "2 cm off is more than the default 1 mm");
    let lax =
        Checker::new(CheckOptions::default().boundary_tolerance(0.05)).check(&units, Some(&drawn));
    assert!(lax.is_valid(), "{:#?}", lax.violations);
}

#[test]
fn a_mismatch_beyond_the_tolerance_names_the_boundary_not_another_cell() {
    let (units, outline) = city(5);
    // 0.6 mm off, with a tolerance of 0.2 mm: too thin to be an area, too far to
    // be the same line.
    let drawn = redrawn(&outline, 0.0006);
    let report = Checker::new(CheckOptions::default().boundary_tolerance(0.0002))
        .check(&units, Some(&drawn));
    let unmatched: Vec<_> = report
        .violations
        .iter()
        .filter(|v| v.rule == Rule::UnmatchedEdge)
        .collect();
    assert!(!unmatched.is_empty());
    for v in &unmatched {
        assert_eq!(v.codes.len(), 1, "one unit against the boundary: {v:#?}");
        assert!(v.message.contains("the boundary"), "{}", v.message);
    }
}

/// The outline with the vertices `moved` picks pushed 5 m away from the city's
/// centre.
fn pushed_out(
    outline: &MultiPolygon<f64>,
    moved: impl Fn(Coord<f64>, Coord<f64>) -> bool,
) -> MultiPolygon<f64> {
    let ring = &outline.0[0].exterior().0;
    let n = (ring.len() - 1) as f64;
    let centre = ring[..ring.len() - 1]
        .iter()
        .fold(Coord { x: 0.0, y: 0.0 }, |s, p| Coord {
            x: s.x + p.x / n,
            y: s.y + p.y / n,
        });
    let (kx, ky) = degrees_per_metre(centre.y);
    let pushed: Vec<Coord<f64>> = ring
        .iter()
        .map(|&p| {
            if !moved(p, centre) {
                return p;
            }
            let (dx, dy) = ((p.x - centre.x) / kx, (p.y - centre.y) / ky);
            let d = dx.hypot(dy);
            Coord {
                x: p.x + 5.0 * dx / d * kx,
                y: p.y + 5.0 * dy / d * ky,
            }
        })
        .collect();
    MultiPolygon(vec![Polygon::new(LineString(pushed), vec![])])
}

#[test]
fn cells_that_stop_five_metres_short_of_the_outline_leave_a_gap() {
    let (units, outline) = city(6);
    // All around (one gap around the whole city, a face with the cells as its
    // hole), and along the east side only.
    let all_round = pushed_out(&outline, |_, _| true);
    let east = pushed_out(&outline, |p, centre| p.x > centre.x);
    for wider in [all_round, east] {
        let report = Checker::new(CheckOptions::default()).check(&units, Some(&wider));
        let gaps: Vec<_> = report
            .violations
            .iter()
            .filter(|v| v.rule == Rule::Gap)
            .collect();
        assert!(!gaps.is_empty(), "{:#?}", report.violations);
        // The gap's area is the strip, not the city inside it: under 5 m times
        // the outline's length (well under 0.2 km² for a 6 km city).
        let area: f64 = gaps
            .iter()
            .filter_map(|v| match v.size {
                Some(citygrid_check::Size::SquareMetres(a)) => Some(a),
                _ => None,
            })
            .sum();
        assert!(area > 1000.0 && area < 200_000.0, "{area}");
        assert!(
            report
                .violations
                .iter()
                .all(|v| v.rule != Rule::UnmatchedEdge || v.codes.len() == 1),
            "{:#?}",
            report.violations
        );
    }
}

#[test]
fn a_gap_between_two_cells_and_the_outline_is_a_gap_whatever_the_tolerance() {
    // Three cells in a row in a box; the middle one leaves a 0.001° strip before
    // the third, closed top and bottom by the outline. The strip's corners all lie
    // on both sides: only its width tells it from a sliver.
    let square = |w: f64, e: f64| {
        MultiPolygon(vec![Polygon::new(
            LineString(vec![
                Coord { x: w, y: 26.58 },
                Coord { x: e, y: 26.58 },
                Coord { x: e, y: 26.59 },
                Coord { x: w, y: 26.59 },
                Coord { x: w, y: 26.58 },
            ]),
            vec![],
        )])
    };
    let cell = |k: usize, w: f64, e: f64| {
        Arc::new(Unit::new(
            format!("52010201900300{k}").parse().unwrap(),
            Level::Cell,
            square(w, e),
        ))
    };
    let cells = vec![
        cell(1, 106.70, 106.71),
        cell(2, 106.71, 106.72),
        cell(3, 106.721, 106.73),
    ];
    let report = Checker::new(CheckOptions::default()).check(&cells, Some(&square(106.70, 106.73)));
    let gaps: Vec<_> = report
        .violations
        .iter()
        .filter(|v| v.rule == Rule::Gap)
        .collect();
    assert_eq!(gaps.len(), 1, "{:#?}", report.violations);
}
