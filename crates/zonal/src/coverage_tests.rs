use geo_types::{LineString, MultiPolygon, Polygon, polygon};
use proptest::prelude::*;

use super::*;
use citygrid_raster::GeoTransform;

/// `width` x `height` unit pixels, north-west corner at (0, height): pixel (c, r) is the
/// square [c, c+1] x [height-r-1, height-r].
fn grid(width: usize, height: usize) -> PixelGrid {
    PixelGrid {
        width,
        height,
        transform: GeoTransform::north_up(0.0, height as f64, 1.0, 1.0),
    }
}

fn fractions(g: &PixelGrid, shape: impl Into<MultiPolygon<f64>>) -> Vec<((usize, usize), f64)> {
    Coverage::new(g, &shape.into())
        .unwrap()
        .iter()
        .map(|(i, f)| (g.col_row(i), f))
        .collect()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-12
}

#[test]
fn unit_square_over_four_pixels_covers_a_quarter_of_each() {
    let g = grid(4, 4);
    let sq = polygon![(x: 1.5, y: 1.5), (x: 2.5, y: 1.5), (x: 2.5, y: 2.5), (x: 1.5, y: 2.5)];
    assert_eq!(
        fractions(&g, sq.clone()),
        [
            ((1, 1), 0.25),
            ((2, 1), 0.25),
            ((1, 2), 0.25),
            ((2, 2), 0.25)
        ]
    );
    // drawn clockwise: the same
    let cw = Polygon::new(sq.exterior().0.iter().rev().copied().collect(), vec![]);
    assert_eq!(fractions(&g, cw), fractions(&g, sq));
}

#[test]
fn triangle_halves_its_diagonal_pixels() {
    // right triangle (0,0) (3,0) (0,3) on a 3 x 3 grid: the hypotenuse cuts the pixels
    // on the anti-diagonal in half; pixels below it are full
    let g = grid(3, 3);
    let t = polygon![(x: 0.0, y: 0.0), (x: 3.0, y: 0.0), (x: 0.0, y: 3.0)];
    let got = fractions(&g, t);
    let want = [
        ((0, 0), 0.5),
        ((0, 1), 1.0),
        ((1, 1), 0.5),
        ((0, 2), 1.0),
        ((1, 2), 1.0),
        ((2, 2), 0.5),
    ];
    assert_eq!(got.len(), want.len(), "{got:?}");
    for ((p, f), (q, e)) in got.iter().zip(want) {
        assert_eq!(*p, q);
        assert!(close(*f, e), "{p:?}: {f} != {e}");
    }
}

#[test]
fn hole_subtracts_its_pixels_whichever_way_it_is_drawn() {
    let g = grid(5, 5);
    let shell = LineString::from(vec![(0.0, 0.0), (5.0, 0.0), (5.0, 5.0), (0.0, 5.0)]);
    let hole = vec![(1.5, 1.5), (3.5, 1.5), (3.5, 3.5), (1.5, 3.5)];
    for h in [hole.clone(), hole.into_iter().rev().collect()] {
        let p = Polygon::new(shell.clone(), vec![LineString::from(h)]);
        let got = fractions(&g, p);
        // 25 pixels; the hole takes the centre pixel wholly (so it is absent), 3/4 of its
        // 4 corner pixels' ... no: the hole [1.5, 3.5]² covers pixel (2, 2) wholly, half
        // of its 4 edge neighbours and a quarter of its 4 diagonal neighbours
        assert_eq!(got.len(), 24);
        let f = |c: usize, r: usize| got.iter().find(|(p, _)| *p == (c, r)).map(|x| x.1);
        assert_eq!(f(2, 2), None);
        assert!(close(f(2, 1).unwrap(), 0.5));
        assert!(close(f(1, 1).unwrap(), 0.75));
        assert_eq!(f(0, 0), Some(1.0));
        let total: f64 = got.iter().map(|x| x.1).sum();
        assert!(close(total, 25.0 - 4.0));
    }
}

#[test]
fn edges_on_pixel_lines_cover_whole_pixels_and_nothing_beside() {
    let g = grid(6, 6);
    let r = polygon![(x: 1.0, y: 2.0), (x: 4.0, y: 2.0), (x: 4.0, y: 3.0), (x: 1.0, y: 3.0)];
    // rows from the top: y in [2, 3] is row 3
    assert_eq!(
        fractions(&g, r),
        [((1, 3), 1.0), ((2, 3), 1.0), ((3, 3), 1.0)]
    );
    // a vertex on a pixel corner, edges through corners
    let d = polygon![(x: 2.0, y: 1.0), (x: 3.0, y: 2.0), (x: 2.0, y: 3.0), (x: 1.0, y: 2.0)];
    let got = fractions(&g, d);
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got.iter().all(|(_, f)| close(*f, 0.5)));
}

#[test]
fn parts_outside_the_raster_are_ignored() {
    let g = grid(2, 2);
    // the square [-1, 1] x [-1, 1]: only the south-west pixel's quarter... whole pixel (0, 1)
    let sq = polygon![(x: -1.0, y: -1.0), (x: 1.0, y: -1.0), (x: 1.0, y: 1.0), (x: -1.0, y: 1.0)];
    assert_eq!(fractions(&g, sq), [((0, 1), 1.0)]);
    // spanning the raster to the east and north: partial pixels inside only
    let big = polygon![(x: 0.5, y: 0.5), (x: 9.0, y: 0.5), (x: 9.0, y: 9.0), (x: 0.5, y: 9.0)];
    assert_eq!(
        fractions(&g, big),
        [((0, 0), 0.5), ((1, 0), 1.0), ((0, 1), 0.25), ((1, 1), 0.5)]
    );
    // wholly outside
    let away = polygon![(x: 5.0, y: 5.0), (x: 6.0, y: 5.0), (x: 6.0, y: 6.0)];
    assert!(fractions(&g, away).is_empty());
    // covering the whole raster from far outside
    let all = polygon![(x: -9.0, y: -9.0), (x: 9.0, y: -9.0), (x: 9.0, y: 9.0), (x: -9.0, y: 9.0)];
    assert_eq!(fractions(&g, all).len(), 4);
}

#[test]
fn tiny_polygon_inside_one_pixel_and_multipolygon_parts_add() {
    let g = grid(3, 3);
    let tiny = polygon![(x: 1.2, y: 1.2), (x: 1.2001, y: 1.2), (x: 1.2, y: 1.2001)];
    let got = fractions(&g, tiny);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, (1, 1));
    assert!((got[0].1 - 0.5e-8).abs() < 1e-18, "{}", got[0].1);
    let a = polygon![(x: 0.0, y: 0.0), (x: 1.0, y: 0.0), (x: 1.0, y: 0.5), (x: 0.0, y: 0.5)];
    let b = polygon![(x: 2.0, y: 2.0), (x: 3.0, y: 2.0), (x: 3.0, y: 3.0), (x: 2.0, y: 3.0)];
    assert_eq!(
        fractions(&g, MultiPolygon(vec![a, b])),
        [((2, 0), 1.0), ((0, 2), 0.5)]
    );
}

#[test]
fn a_huge_polygon_costs_its_boundary_not_its_pixels() {
    // a circle of radius 8,000 pixels with 20,000 vertices on a 16,384^2 grid: 201 M
    // pixels covered, stored as runs; the area is the polygon's to rounding
    let g = grid(16_384, 16_384);
    let n = 20_000;
    let (cx, cy, r) = (8_192.0, 8_192.0, 8_000.0);
    let ring: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let t = i as f64 / n as f64 * std::f64::consts::TAU;
            (cx + r * t.cos(), cy + r * t.sin())
        })
        .collect();
    let polygon_area = 0.5 * n as f64 * r * r * (std::f64::consts::TAU / n as f64).sin();
    let c = Coverage::new(&g, &Polygon::new(LineString::from(ring), vec![]).into()).unwrap();
    assert!((c.pixels() - polygon_area).abs() < 1e-9 * polygon_area);
    assert!(c.whole().len() <= 16_000 && c.partial().len() < 70_000);
}

#[test]
fn non_finite_vertices_are_refused() {
    let p = polygon![(x: 0.0, y: 0.0), (x: f64::NAN, y: 0.0), (x: 1.0, y: 1.0)];
    let e = Coverage::new(&grid(2, 2), &p.into()).unwrap_err();
    assert!(matches!(e, ZonalError::NonFinite { .. }), "{e}");
}

/// Area of a simple polygon clipped to the rectangle [0, w] x [0, h]
/// (Sutherland-Hodgman, which keeps the area of a simple polygon right).
fn clipped_area(ring: &[(f64, f64)], w: f64, h: f64) -> f64 {
    let mut pts = ring.to_vec();
    // (axis, bound, keep the side above the bound)
    let planes = [(0, 0.0, true), (0, w, false), (1, 0.0, true), (1, h, false)];
    for (axis, bound, keep_above) in planes {
        let coord = |p: (f64, f64), _: f64| if axis == 0 { p.0 } else { p.1 };
        let inside = |p: (f64, f64)| {
            let v = coord(p, bound);
            if keep_above { v >= bound } else { v <= bound }
        };
        let mut out = Vec::new();
        for i in 0..pts.len() {
            let (a, b) = (pts[i], pts[(i + 1) % pts.len()]);
            let cross = |a: (f64, f64), b: (f64, f64)| {
                let t = (bound - coord(a, bound)) / (coord(b, bound) - coord(a, bound));
                (a.0 + t * (b.0 - a.0), a.1 + t * (b.1 - a.1))
            };
            match (inside(a), inside(b)) {
                (true, true) => out.push(b),
                (true, false) => out.push(cross(a, b)),
                (false, true) => {
                    out.push(cross(a, b));
                    out.push(b);
                }
                (false, false) => {}
            }
        }
        pts = out;
        if pts.is_empty() {
            return 0.0;
        }
    }
    let n = pts.len();
    (0..n)
        .map(|i| pts[i].0 * pts[(i + 1) % n].1 - pts[(i + 1) % n].0 * pts[i].1)
        .sum::<f64>()
        .abs()
        / 2.0
}

/// A star-shaped (so simple) ring around `(cx, cy)`, with that centre: spoke `i` of
/// `n >= 4` at an angle in `[i, i + 0.9) / n` turns, so no gap reaches half a turn and
/// the centre stays in the kernel.
fn star() -> impl Strategy<Value = ((f64, f64), Vec<(f64, f64)>)> {
    (
        -2.0..12.0f64,
        -2.0..12.0f64,
        prop::collection::vec((0.0..0.9f64, 0.05..6.0f64), 4..40),
    )
        .prop_map(|(cx, cy, spokes)| {
            let n = spokes.len() as f64;
            let ring = spokes
                .into_iter()
                .enumerate()
                .map(|(i, (u, r))| {
                    let t = (i as f64 + u) / n * std::f64::consts::TAU;
                    (cx + r * t.cos(), cy + r * t.sin())
                })
                .collect();
            ((cx, cy), ring)
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn fractions_add_up_to_the_area_inside_the_raster(
        ring in star(),
        with_hole in any::<bool>(),
        (px, py) in (0.1..3.0f64, 0.1..3.0f64),
        (ox, oy) in (-1.0..1.0f64, -1.0..1.0f64),
    ) {
        // a 10 x 10 grid of px x py pixels with its south-west corner at (ox, oy); the
        // ring (in pixel units) scaled into that frame, and maybe a hole: the ring shrunk
        // towards the star's centre, which is in its kernel, so the hole is inside
        let (w, h) = (10usize, 10usize);
        let g = PixelGrid {
            width: w,
            height: h,
            transform: GeoTransform::north_up(ox, oy + py * h as f64, px, py),
        };
        let (centre, ring) = ring;
        let hole: Vec<(f64, f64)> = ring
            .iter()
            .map(|&(x, y)| (centre.0 + 0.4 * (x - centre.0), centre.1 + 0.4 * (y - centre.1)))
            .collect();
        let world = |r: &[(f64, f64)]| -> LineString<f64> {
            LineString::from(r.iter().map(|&(x, y)| (ox + x * px, oy + y * py)).collect::<Vec<_>>())
        };
        let holes = if with_hole { vec![world(&hole)] } else { vec![] };
        let shape = MultiPolygon(vec![Polygon::new(world(&ring), holes)]);
        let c = Coverage::new(&g, &shape).unwrap();
        let area = |x0: f64, y0: f64, side_w: f64, side_h: f64| {
            let shift = |r: &[(f64, f64)]| -> Vec<(f64, f64)> { r.iter().map(|&(x, y)| (x - x0, y - y0)).collect() };
            let shell = clipped_area(&shift(&ring), side_w, side_h);
            if with_hole { shell - clipped_area(&shift(&hole), side_w, side_h) } else { shell }
        };
        let want = area(0.0, 0.0, w as f64, h as f64);
        let got = c.pixels();
        prop_assert!((got - want).abs() <= 1e-9 * want.max(1.0), "{got} != {want}");
        prop_assert_eq!(c.len(), c.iter().count());
        let mut last = None;
        for (i, f) in c.iter() {
            prop_assert!(f > 0.0 && f <= 1.0, "pixel {i}: {f}");
            prop_assert!(last < Some(i), "row-major, each pixel once");
            last = Some(i);
        }
        // every pixel, listed or not: its fraction is its clipped area
        let listed: std::collections::HashMap<usize, f64> = c.iter().collect();
        for i in 0..w * h {
            let (col, row) = g.col_row(i);
            let e = area(col as f64, (h - 1 - row) as f64, 1.0, 1.0);
            let f = listed.get(&i).copied().unwrap_or(0.0);
            prop_assert!((f - e).abs() <= 1e-9, "pixel {col},{row}: {f} != {e}");
        }
    }
}
