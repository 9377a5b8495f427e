//! The grid as stored, block by block: for each tile either the one label every
//! point of it has, or the few edges that decide its points and the label its rays
//! collect beyond them.
//!
//! # Why a ray can stop at the tile's east side
//!
//! The label of a point `p` sums the contributions of every edge whose half-open y
//! range holds `p.y` and which lies strictly east of `p`: a ray from `p` to the east.
//! Take the tile's grown box `B` (see [`crate::grid`]) and `q`, the point on `B`'s
//! east side at `p`'s height. An edge whose bounding box misses `B` is entirely west
//! of `B` or entirely east of it at every height of `B`, so it contributes to `p`
//! exactly what it contributes to `q`: nothing if it is west, its weight if it is east
//! and spans `p.y`. The same holds for an edge whose line passes beside `B` (all four
//! corners of `B` strictly on one side, by the exact predicate): a long slanted edge
//! has a large bounding box, but passes through few of the tiles in it. So
//!
//! ```text
//! label(p) = sum over near edges e of e(p) + far(p.y)
//! far(y)   = sum over edges east of B with lo_y <= y < hi_y of w
//! ```
//!
//! where the near edges are those whose line crosses or touches `B`. `far` is a step
//! function of `y` only. Its steps sit at the ends of edges east of `B`; where two
//! such edges meet at a vertex their steps cancel (the ring goes on), so only the
//! vertices where an edge east of `B` meets one that is not are left: a few per tile,
//! where a boundary leaves the tile to the east. They are stored as [`Edge::step`]s
//! after the near edges, and the value below the tile as the tile's base.
//!
//! # Storage
//!
//! A tile with no near edges and no steps is inside one cell (or outside the city)
//! everywhere: its word is that label. Any other tile's word points to its run: a
//! header with the base, the number of groups of edges and where the exact edges
//! are, then the near edges and the steps as compact fixed-point copies (see
//! `compact`), whose exact originals are kept in the same order elsewhere for the
//! few tests the copies cannot settle.
//!
//! Tiles are grouped in blocks of `2^shift` x `2^shift` (see [`crate::grid`]). A
//! block whose tiles all have the same label is stored as one word with that label;
//! any other block's word points to its tiles' words, which are followed by the runs
//! of its tiles, so that a lookup finds both in the same pages of memory. Most of a
//! city is far from any boundary, so the block words are few enough to stay in the
//! processor's cache, while tiles stay small enough that a tile crossed by a
//! boundary holds only a few edges.
//!
//! # How
//!
//! Row by row (in parallel), sweeping the row's columns from east to west: edges join
//! the far set as the sweep passes west of their west end, and their steps are kept
//! in a sorted list of the row's heights, where cancelled steps disappear. Edges
//! whose bounding box meets a tile but whose line passes east of it add their steps
//! to that tile's alone.

use rayon::prelude::*;

use crate::compact::{GROUP, GROUP_WORDS, Group};
use crate::edges::strictly_left;
use crate::edges::{Edge, Label};
use crate::error::{IndexError, Result};
use crate::grid::Grid;

/// The flag of a word that points to more: a block's tile words, or a tile's edges.
/// Without it, the word is a label.
pub(crate) const MIXED: u32 = 1 << 31;

/// The grid's blocks and tiles.
#[derive(Debug, Clone, Default)]
pub(crate) struct Tiles {
    /// One word per block, row-major: a label, or `MIXED | o` for the block's
    /// `4^shift` tile words (row-major) at `arena[o..]`.
    pub blocks: Vec<u32>,
    /// Each mixed block's tile words followed by the runs of its mixed tiles, so
    /// that a lookup finds both in the same few pages of memory. A tile word is a
    /// label, or `MIXED | o` for the tile's run at `arena[o..]`: a header `[base,
    /// number of groups, first exact edge]` and the compact edges in groups (see
    /// [`Group`]).
    ///
    /// The arena starts with a block of zeros and an empty run of one group of
    /// padding ([`Tiles::dummy_run`]): batch lookups read them in place of nothing.
    pub arena: Vec<u32>,
    /// Where the empty run is.
    pub dummy_run: usize,
    /// The exact edges of every run, each run's in order.
    pub exact: Vec<Edge>,
    /// Blocks with tile words.
    pub mixed_blocks: usize,
    /// Tiles with runs.
    pub mixed_tiles: usize,
}

/// Words of a run's header: base label, number of groups, first exact edge.
pub(crate) const HEADER: usize = 3;

/// Words of a run with `groups` groups.
pub(crate) fn run_words(groups: u32) -> usize {
    HEADER + GROUP_WORDS * groups as usize
}

/// One row's share: tile words that are labels or `MIXED | r` for the row's `r`-th
/// run, and the runs, with positions local to the row.
#[derive(Default)]
struct Row {
    words: Vec<u32>,
    /// Where each run starts in `runs`.
    starts: Vec<u32>,
    runs: Vec<u32>,
    /// Each run's exact edges: first and count.
    exact_of: Vec<(u32, u32)>,
    exact: Vec<Edge>,
}

/// Builds every tile of `grid` from the labelled edges.
///
/// # Errors
/// [`IndexError::TooLarge`] when the arena takes 2^31 words or more, or the exact
/// edges number 2^32 or more.
pub(crate) fn build(grid: &Grid, edges: &[Edge]) -> Result<Tiles> {
    let by_row = rows(grid, edges);
    let rows: Vec<Row> = by_row
        .par_iter()
        .enumerate()
        .map(|(j, list)| row(grid, edges, j, list))
        .collect();
    drop(by_row);
    let mut tiles = group(grid, &rows)?;
    tiles.blocks.shrink_to_fit();
    tiles.arena.shrink_to_fit();
    tiles.exact.shrink_to_fit();
    Ok(tiles)
}

/// Groups the rows' tile words into blocks, and lays out the arena (and the exact
/// edges) block by block.
fn group(grid: &Grid, rows: &[Row]) -> Result<Tiles> {
    let side = 1usize << grid.shift;
    let n_runs: usize = rows.iter().map(|r| r.runs.len()).sum();
    let n_exact: usize = rows.iter().map(|r| r.exact.len()).sum();
    if n_exact >= u32::MAX as usize {
        return Err(IndexError::TooLarge {
            what: "exact edges stored in tiles",
            limit: u64::from(u32::MAX - 1),
        });
    }
    let mut t = Tiles {
        blocks: Vec::with_capacity(grid.bx * grid.by),
        arena: Vec::with_capacity(side * side + run_words(1) + n_runs),
        dummy_run: side * side,
        exact: Vec::with_capacity(n_exact),
        ..Tiles::default()
    };
    // A block of zeros, and the empty run: no base, one group of padding.
    t.arena.resize(side * side, 0);
    t.arena.extend_from_slice(&[0, 1, 0]);
    let pad = Group::empty();
    for part in [&pad.y, &pad.x, &pad.w] {
        t.arena.extend_from_slice(part);
    }
    for bj in 0..grid.by {
        for bi in 0..grid.bx {
            let tile = |k: usize| {
                let (j, i) = (bj * side + k / side, bi * side + k % side);
                (j, rows[j].words[i])
            };
            let first = tile(0).1;
            if first & MIXED == 0 && (1..side * side).all(|k| tile(k).1 == first) {
                t.blocks.push(first);
                continue;
            }
            let at = t.arena.len();
            t.blocks.push(MIXED | at as u32);
            t.mixed_blocks += 1;
            t.arena.extend((0..side * side).map(|k| tile(k).1));
            for k in 0..side * side {
                let (j, w) = tile(k);
                if w & MIXED == 0 {
                    continue;
                }
                let (row, r) = (&rows[j], (w & !MIXED) as usize);
                let o = row.starts[r] as usize;
                let len = run_words(row.runs[o + 1]);
                let (first, count) = row.exact_of[r];
                t.arena[at + k] = MIXED | t.arena.len() as u32;
                t.arena.extend_from_slice(&row.runs[o..o + len]);
                let header = t.arena.len() - len;
                t.arena[header + 2] = t.exact.len() as u32;
                t.exact
                    .extend_from_slice(&row.exact[first as usize..(first + count) as usize]);
                t.mixed_tiles += 1;
            }
            if t.arena.len() >= MIXED as usize {
                return Err(IndexError::TooLarge {
                    what: "words of tiles crossed by boundaries",
                    limit: u64::from(MIXED - 1),
                });
            }
        }
    }
    Ok(t)
}

/// The edges whose y range meets each row's grown band.
fn rows(grid: &Grid, edges: &[Edge]) -> Vec<Vec<u32>> {
    let mut by_row = vec![Vec::new(); grid.ny];
    for (k, e) in edges.iter().enumerate() {
        for j in grid.rows(e.lo_y, e.hi_y) {
            if e.hi_y >= grid.row_lo(j) && e.lo_y <= grid.row_hi(j) {
                by_row[j].push(k as u32);
            }
        }
    }
    by_row
}

/// The order-preserving integer key of a finite height (`-0.0` is `0.0`).
fn key(y: f64) -> u64 {
    let bits = (y + 0.0).to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// The height back from its key.
fn unkey(k: u64) -> f64 {
    f64::from_bits(if k >> 63 == 1 { k & !(1 << 63) } else { !k })
}

/// The far part of a row's rays: a base label below the band and steps within it.
struct Far {
    lo: f64,
    hi: f64,
    base: Label,
    /// Sorted by key, none zero: a handful at a time, so a sorted vector beats a map.
    steps: Vec<(u64, Label)>,
}

impl Far {
    /// Adds an edge that is now entirely east of the sweep.
    fn add(&mut self, e: &Edge) {
        self.bump(e.lo_y, e.w);
        self.bump(e.hi_y, e.w.wrapping_neg());
    }

    /// Adds `w` to every height from `y` up, as seen from the band: below it, into the
    /// base; above it, nowhere.
    fn bump(&mut self, y: f64, w: Label) {
        if y <= self.lo {
            self.base = self.base.wrapping_add(w);
        } else if y <= self.hi {
            let k = key(y);
            match self.steps.binary_search_by_key(&k, |s| s.0) {
                Ok(at) => {
                    let v = self.steps[at].1.wrapping_add(w);
                    if v == 0 {
                        self.steps.remove(at);
                    } else {
                        self.steps[at].1 = v;
                    }
                }
                Err(at) => self.steps.insert(at, (k, w)),
            }
        }
    }
}

/// Where an edge whose bounding box meets a tile's grown box lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Side {
    /// Its line crosses or touches the box: points of the tile test it themselves.
    Through,
    /// The box is strictly west of its line: it adds its weight to every point of the
    /// tile within its y range, like an edge far east.
    East,
}

/// Which side of the box `[l, r] x [b, t]` the line of `e` passes, exactly: `None`
/// when the box is strictly east of it (it adds nothing to the tile's points).
fn side(e: &Edge, l: f64, r: f64, b: f64, t: f64) -> Option<Side> {
    let corners = [(l, b), (r, b), (l, t), (r, t)];
    let (lo, hi) = ((e.lo_x, e.lo_y), (e.hi_x, e.hi_y));
    if corners.iter().all(|&p| strictly_left(lo, hi, p)) {
        Some(Side::East)
    } else if corners.iter().all(|&p| strictly_left(hi, lo, p)) {
        None
    } else {
        Some(Side::Through)
    }
}

fn row(grid: &Grid, edges: &[Edge], j: usize, list: &[u32]) -> Row {
    let (band_lo, band_hi) = (grid.row_lo(j), grid.row_hi(j));
    // (column, side, edge) for every edge whose bounding box meets the column's grown
    // box and whose line does not pass east of it, sorted. A long slanted edge has a
    // large bounding box but passes through few tiles of it: testing its line keeps
    // it out of the others.
    let mut near: Vec<(u32, Side, u32)> = Vec::with_capacity(list.len() * 2);
    for &k in list {
        let e = &edges[k as usize];
        let (a, b) = (e.min_x(), e.max_x());
        for i in grid.cols(a, b) {
            let (l, r) = (grid.col_lo(i), grid.col_hi(i));
            if a <= r
                && b >= l
                && let Some(side) = side(e, l, r, band_lo, band_hi)
            {
                near.push((i as u32, side, k));
            }
        }
    }
    near.sort_unstable();
    // Edges by west end, east first: the order they join the far set in.
    let mut order = list.to_vec();
    order.sort_unstable_by(|&a, &b| {
        edges[b as usize]
            .min_x()
            .total_cmp(&edges[a as usize].min_x())
    });

    let mut far = Far {
        lo: band_lo,
        hi: band_hi,
        base: 0,
        steps: Vec::new(),
    };
    let mut out = Row {
        words: vec![0; grid.nx],
        ..Row::default()
    };
    let mut joined = 0;
    let mut near_end = near.len();
    let mut steps: Vec<(u64, Label)> = Vec::new();
    for i in (0..grid.nx).rev() {
        let east = grid.col_hi(i);
        while let Some(&k) = order.get(joined) {
            let e = &edges[k as usize];
            if e.min_x() <= east {
                break;
            }
            far.add(e);
            joined += 1;
        }
        let mut near_start = near_end;
        while near_start > 0 && near[near_start - 1].0 == i as u32 {
            near_start -= 1;
        }
        let here = &near[near_start..near_end];
        near_end = near_start;
        // Edges passing east of the tile add steps of their own to the far ones.
        let through = here.partition_point(|n| n.1 == Side::Through);
        let mut base = far.base;
        steps.clear();
        steps.extend_from_slice(&far.steps);
        if through < here.len() {
            let mut extra = Far {
                lo: band_lo,
                hi: band_hi,
                base: 0,
                steps: Vec::new(),
            };
            for &(_, _, k) in &here[through..] {
                extra.add(&edges[k as usize]);
            }
            base = base.wrapping_add(extra.base);
            steps.extend(extra.steps);
            steps.sort_unstable_by_key(|s| s.0);
            steps.dedup_by(|later, kept| {
                let same = later.0 == kept.0;
                if same {
                    kept.1 = kept.1.wrapping_add(later.1);
                }
                same
            });
            steps.retain(|s| s.1 != 0);
        }
        let here = &here[..through];
        if here.is_empty() && steps.is_empty() && base & MIXED == 0 {
            out.words[i] = base;
            continue;
        }
        let first = out.exact.len();
        out.exact
            .extend(here.iter().map(|&(_, _, k)| edges[k as usize]));
        out.exact
            .extend(steps.iter().map(|&(k, w)| Edge::step(unkey(k), w)));
        let count = out.exact.len() - first;
        out.words[i] = MIXED | out.starts.len() as u32;
        out.starts.push(out.runs.len() as u32);
        out.exact_of.push((first as u32, count as u32));
        let groups = count.div_ceil(GROUP) as u32;
        // The first exact edge is set when the run moves to the arena.
        out.runs.extend_from_slice(&[base, groups, 0]);
        Group::write(
            &out.exact[first..],
            |x| grid.unit_x(x, i as u32),
            |y| grid.unit_y(y, j as u32),
            &mut out.runs,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_keep_the_order_of_heights() {
        let ys = [-1e300, -2.5, -0.0, 0.0, 1e-300, 26.6, 1e300];
        for w in ys.windows(2) {
            assert!(key(w[0]) <= key(w[1]), "{w:?}");
        }
        for y in ys {
            assert_eq!(unkey(key(y)), y + 0.0);
        }
    }
}
