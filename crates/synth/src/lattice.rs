//! The jittered, centre-dense lattice and its wiggly edges, and the rings of blocks
//! of lattice cells.
//!
//! Every unit the generator makes, from a cell to the whole city, is a rectangle of
//! lattice cells ([`Block`]), and its ring is walked from the same stored edge
//! polylines. Two units that share a boundary therefore share it vertex for vertex,
//! bit for bit, in opposite directions: the output is a clean coverage by
//! construction, not by snapping.
//!
//! Why edges cannot cross: each edge's wiggle stays inside a thin diamond around its
//! chord (perpendicular offset at most `WIGGLE_SLOPE` times the distance to the
//! nearer end), so near a node every edge stays inside a cone of half-angle
//! atan(0.2) ≈ 11°, and nowhere strays further than a tenth of the length of the
//! edges beside it (which matters in elongated cells). Node jitter is bounded so the angle between two edges at a node
//! stays above ~45°, more than the two cones need, and opposite sides of a cell stay
//! further apart than two diamonds are wide.

use geo_types::{Coord, LineString};

use crate::rng::SplitMix64;

/// Largest perpendicular offset of a wiggle per unit distance from the nearer end
/// of its edge: the half-angle tangent of the diamond an edge stays in.
const WIGGLE_SLOPE: f64 = 0.2;
/// How much denser the centre is: the radial warp maps r to r (1 - k + k r), so
/// cells at the centre are (1 - k)² / ((1 + k) · 1) ≈ 1/10 the area of cells at the
/// border of the warped square.
const CENTRE_DENSITY: f64 = 0.6;
/// Random shift of each whole lattice column or row line, in lattice spacings.
const LINE_JITTER: f64 = 0.15;
/// Random shift of each node, in lattice spacings.
const NODE_JITTER: f64 = 0.1;
/// Kilometres per degree of latitude (WGS84 mean, good to 0.5 % at any latitude).
const KM_PER_DEG_LAT: f64 = 110.574;
/// Kilometres per degree of longitude at the equator.
const KM_PER_DEG_LON: f64 = 111.320;

/// A rectangle of lattice cells: columns `c0..c1` (west to east) and rows `r0..r1`
/// (south to north).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Block {
    /// First column.
    pub c0: usize,
    /// First row.
    pub r0: usize,
    /// One past the last column.
    pub c1: usize,
    /// One past the last row.
    pub r1: usize,
}

impl Block {
    /// Number of lattice cells in the block.
    pub fn area(self) -> usize {
        (self.c1 - self.c0) * (self.r1 - self.r0)
    }

    /// Columns across.
    pub fn width(self) -> usize {
        self.c1 - self.c0
    }

    /// Rows up.
    pub fn height(self) -> usize {
        self.r1 - self.r0
    }
}

/// Where the lattice lies and how finely its edges are drawn.
#[derive(Debug, Clone)]
pub(crate) struct LatticeSpec {
    /// Lattice cells west to east.
    pub nx: usize,
    /// Lattice cells south to north.
    pub ny: usize,
    /// Longitude, latitude of the centre.
    pub centre: (f64, f64),
    /// Width and height of the extent in kilometres.
    pub extent_km: (f64, f64),
    /// Seed for node jitter and wiggles.
    pub seed: u64,
}

/// The lattice: node positions and one stored polyline per edge, in lon/lat.
#[derive(Debug, Clone)]
pub(crate) struct Lattice {
    nx: usize,
    ny: usize,
    /// All edge polylines back to back; each includes both end nodes.
    points: Vec<Coord<f64>>,
    /// Edge `e` is `points[offsets[e]..offsets[e + 1]]`.
    offsets: Vec<usize>,
}

impl Lattice {
    /// Number of horizontal edges, which come first in edge numbering.
    fn horizontal_count(nx: usize, ny: usize) -> usize {
        nx * (ny + 1)
    }

    /// Number of edges of an `nx` × `ny` lattice.
    pub fn edge_count(nx: usize, ny: usize) -> usize {
        Self::horizontal_count(nx, ny) + (nx + 1) * ny
    }

    /// The edge from node (i, j) east to node (i + 1, j).
    pub fn h_edge(nx: usize, i: usize, j: usize) -> usize {
        j * nx + i
    }

    /// The edge from node (i, j) north to node (i, j + 1).
    pub fn v_edge(nx: usize, ny: usize, i: usize, j: usize) -> usize {
        Self::horizontal_count(nx, ny) + j * (nx + 1) + i
    }

    /// Calls `f` with every edge on the boundary of `b` (in no particular order).
    pub fn for_each_boundary_edge(nx: usize, ny: usize, b: Block, mut f: impl FnMut(usize)) {
        for i in b.c0..b.c1 {
            f(Self::h_edge(nx, i, b.r0));
            f(Self::h_edge(nx, i, b.r1));
        }
        for j in b.r0..b.r1 {
            f(Self::v_edge(nx, ny, b.c0, j));
            f(Self::v_edge(nx, ny, b.c1, j));
        }
    }

    /// Builds the lattice; edge `e` gets about `intermediate[e]` wiggle vertices
    /// between its end nodes (0 draws it straight).
    pub fn build(spec: &LatticeSpec, intermediate: &[u32]) -> Self {
        let (nx, ny) = (spec.nx, spec.ny);
        debug_assert_eq!(intermediate.len(), Self::edge_count(nx, ny));
        let nodes = node_positions_km(spec);
        let (lon0, lat0) = spec.centre;
        let km_per_deg_lon = KM_PER_DEG_LON * lat0.to_radians().cos();
        // Every vertex is converted by this one function, so an edge end computed for
        // two edges is the same f64 pair in both.
        let to_deg = |p: Coord<f64>| Coord {
            x: lon0 + p.x / km_per_deg_lon,
            y: lat0 + p.y / KM_PER_DEG_LAT,
        };
        let node = |i: usize, j: usize| nodes[j * (nx + 1) + i];
        let total: usize = intermediate.iter().map(|&m| m as usize + 2).sum();
        let mut points = Vec::with_capacity(total);
        let mut offsets = Vec::with_capacity(intermediate.len() + 1);
        offsets.push(0);
        let dist = |a: Coord<f64>, b: Coord<f64>| (b.x - a.x).hypot(b.y - a.y);
        let mut push_edge = |e: usize, a: Coord<f64>, b: Coord<f64>, across: f64| {
            let mut rng = SplitMix64::fork(spec.seed, e as u64);
            points.push(to_deg(a));
            wiggle(a, b, across, intermediate[e] as usize, &mut rng, |p| {
                points.push(to_deg(p))
            });
            points.push(to_deg(b));
            offsets.push(points.len());
        };
        // `across`: the shortest lattice edge leaving either end sideways, so that in
        // elongated cells the wiggles of facing sides cannot meet.
        for j in 0..=ny {
            for i in 0..nx {
                let mut across = f64::INFINITY;
                for (jj, kk) in [(j.wrapping_sub(1), j), (j, j + 1)] {
                    if kk <= ny && jj < kk {
                        across = across
                            .min(dist(node(i, jj), node(i, kk)))
                            .min(dist(node(i + 1, jj), node(i + 1, kk)));
                    }
                }
                push_edge(Self::h_edge(nx, i, j), node(i, j), node(i + 1, j), across);
            }
        }
        for j in 0..ny {
            for i in 0..=nx {
                let mut across = f64::INFINITY;
                for (ii, kk) in [(i.wrapping_sub(1), i), (i, i + 1)] {
                    if kk <= nx && ii < kk {
                        across = across
                            .min(dist(node(ii, j), node(kk, j)))
                            .min(dist(node(ii, j + 1), node(kk, j + 1)));
                    }
                }
                push_edge(
                    Self::v_edge(nx, ny, i, j),
                    node(i, j),
                    node(i, j + 1),
                    across,
                );
            }
        }
        Lattice {
            nx,
            ny,
            points,
            offsets,
        }
    }

    fn edge(&self, e: usize) -> &[Coord<f64>] {
        &self.points[self.offsets[e]..self.offsets[e + 1]]
    }

    /// The closed, counter-clockwise ring around a block: its south side west to
    /// east, east side south to north, north side east to west, west side north to
    /// south, starting and ending at its south-west node.
    pub fn ring(&self, b: Block) -> LineString<f64> {
        let (nx, ny) = (self.nx, self.ny);
        let mut len = 1;
        Self::for_each_boundary_edge(nx, ny, b, |e| len += self.edge(e).len() - 1);
        let mut out: Vec<Coord<f64>> = Vec::with_capacity(len);
        out.push(self.edge(Self::h_edge(nx, b.c0, b.r0))[0]);
        for i in b.c0..b.c1 {
            out.extend_from_slice(&self.edge(Self::h_edge(nx, i, b.r0))[1..]);
        }
        for j in b.r0..b.r1 {
            out.extend_from_slice(&self.edge(Self::v_edge(nx, ny, b.c1, j))[1..]);
        }
        for i in (b.c0..b.c1).rev() {
            let e = self.edge(Self::h_edge(nx, i, b.r1));
            out.extend(e[..e.len() - 1].iter().rev());
        }
        for j in (b.r0..b.r1).rev() {
            let e = self.edge(Self::v_edge(nx, ny, b.c0, j));
            out.extend(e[..e.len() - 1].iter().rev());
        }
        debug_assert_eq!(out.len(), len);
        LineString(out)
    }
}

/// Node positions in kilometres from the centre, row by row from the south.
///
/// A regular grid on [-1, 1]² is jittered (whole lines, then single nodes; nodes on
/// the outline only slide along it), scaled to the extent, and then warped radially
/// in the max norm inside the central square (side = the extent's shorter side):
/// the warp packs nodes towards the centre, is the same in both directions in
/// kilometres (so lines bend gently even in a long thin extent), and is the
/// identity on and beyond the square's border, so the outline stays a rectangle.
fn node_positions_km(spec: &LatticeSpec) -> Vec<Coord<f64>> {
    let (nx, ny) = (spec.nx, spec.ny);
    let mut rng = SplitMix64::fork(spec.seed, u64::MAX);
    let lines = |n: usize, rng: &mut SplitMix64| -> Vec<f64> {
        let step = 2.0 / n as f64;
        (0..=n)
            .map(|i| {
                let jitter = if i == 0 || i == n {
                    0.0
                } else {
                    LINE_JITTER * rng.signed()
                };
                -1.0 + (i as f64 + jitter) * step
            })
            .collect()
    };
    let us = lines(nx, &mut rng);
    let vs = lines(ny, &mut rng);
    let (du, dv) = (2.0 / nx as f64, 2.0 / ny as f64);
    let (half_w, half_h) = (spec.extent_km.0 / 2.0, spec.extent_km.1 / 2.0);
    let half_min = half_w.min(half_h);
    let mut nodes = Vec::with_capacity((nx + 1) * (ny + 1));
    for (j, &v0) in vs.iter().enumerate() {
        for (i, &u0) in us.iter().enumerate() {
            let (ju, jv) = (rng.signed(), rng.signed());
            let u = if i == 0 || i == nx {
                u0
            } else {
                u0 + NODE_JITTER * du * ju
            };
            let v = if j == 0 || j == ny {
                v0
            } else {
                v0 + NODE_JITTER * dv * jv
            };
            let (x, y) = (u * half_w, v * half_h);
            let r = (x.abs().max(y.abs()) / half_min).min(1.0);
            let s = 1.0 - CENTRE_DENSITY + CENTRE_DENSITY * r;
            nodes.push(Coord { x: x * s, y: y * s });
        }
    }
    nodes
}

/// Emits `m` points strictly between `a` and `b`, in order, wiggling inside the
/// diamond around the chord (see the module docs), cut flat at a tenth of
/// `across`, the distance to the facing sides of the cells on either side.
///
/// The wiggle is value noise (a few random knots joined by smoothstep) plus a little
/// per-vertex roughness, like a digitised road or stream. Parameters along the chord
/// are strictly increasing, so the polyline is a graph over its chord: it never
/// doubles back and has no repeated points.
fn wiggle(
    a: Coord<f64>,
    b: Coord<f64>,
    across: f64,
    m: usize,
    rng: &mut SplitMix64,
    mut emit: impl FnMut(Coord<f64>),
) {
    if m == 0 {
        return;
    }
    let d = b - a;
    let len = d.x.hypot(d.y);
    let normal = Coord {
        x: -d.y / len,
        y: d.x / len,
    };
    let knots = 2 + rng.below(4);
    let values: Vec<f64> = (0..=knots).map(|_| rng.signed()).collect();
    let amplitude = rng.range(0.4, 1.0);
    let (steps, knots_f) = ((m + 1) as f64, knots as f64);
    for k in 1..=m {
        let t = (k as f64 + 0.6 * (rng.next_f64() - 0.5)) / steps;
        let x = t * knots_f;
        let cell = (x as usize).min(knots - 1);
        let f = x - cell as f64;
        let f = f * f * (3.0 - 2.0 * f);
        let smooth = values[cell] + (values[cell + 1] - values[cell]) * f;
        let shape = (0.8 * smooth + 0.2 * rng.signed()).clamp(-1.0, 1.0);
        let room = (len * t.min(1.0 - t)).min(across / 2.0);
        let offset = amplitude * shape * WIGGLE_SLOPE * room;
        emit(Coord {
            x: a.x + t * d.x + offset * normal.x,
            y: a.y + t * d.y + offset * normal.y,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(nx: usize, ny: usize) -> LatticeSpec {
        LatticeSpec {
            nx,
            ny,
            centre: (106.7, 26.6),
            extent_km: (10.0, 8.0),
            seed: 3,
        }
    }

    #[test]
    fn rings_are_closed_and_shared_edges_reversed() {
        let s = spec(3, 2);
        let lat = Lattice::build(&s, &vec![4; Lattice::edge_count(3, 2)]);
        let left = lat.ring(Block {
            c0: 0,
            r0: 0,
            c1: 1,
            r1: 1,
        });
        let right = lat.ring(Block {
            c0: 1,
            r0: 0,
            c1: 2,
            r1: 1,
        });
        assert_eq!(left.0.first(), left.0.last());
        // 4 edges of 6 points, sharing ends: 4 * 5 + 1.
        assert_eq!(left.0.len(), 21);
        // The west side of `right` is the east side of `left`, reversed.
        let east_of_left: Vec<_> = left.0[5..=10].to_vec();
        let mut west_of_right: Vec<_> = right.0[15..=20].to_vec();
        west_of_right.reverse();
        assert_eq!(east_of_left, west_of_right);
    }

    #[test]
    fn outline_is_the_extent() {
        let s = spec(4, 4);
        let lat = Lattice::build(&s, &vec![0; Lattice::edge_count(4, 4)]);
        let ring = lat.ring(Block {
            c0: 0,
            r0: 0,
            c1: 4,
            r1: 4,
        });
        let xs: Vec<f64> = ring.0.iter().map(|c| c.x).collect();
        let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
        let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let width_km = (max - min) * KM_PER_DEG_LON * 26.6_f64.to_radians().cos();
        assert!((width_km - 10.0).abs() < 1e-9, "{width_km}");
    }
}
