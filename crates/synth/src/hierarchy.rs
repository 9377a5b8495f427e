//! Cutting the lattice into districts, townships and villages, and merging cell
//! pairs inside villages.
//!
//! Each admin level is a guillotine partition of its parent's block: split the
//! longer side at a slightly random point in proportion to how many children each
//! side should get, and recurse. The result has the T-junctions and uneven sizes of
//! a real map, and every unit stays a rectangle of lattice cells, so its outline is
//! exactly the outer boundary of its children.

use crate::lattice::Block;
use crate::rng::SplitMix64;

/// Cells per district in a real city (Guiyang: ~5,900 cells in 10 districts).
const CELLS_PER_DISTRICT: f64 = 590.0;
/// Cells per township (~150 townships).
const CELLS_PER_TOWNSHIP: f64 = 5900.0 / 150.0;
/// Cells per village (~1,300 villages).
const CELLS_PER_VILLAGE: f64 = 5900.0 / 1300.0;
/// Most districts a city code can number: two digits after the city's four.
pub(crate) const MAX_DISTRICTS: usize = 99;
/// Most children a township, village or cell sequence can number: three digits.
pub(crate) const MAX_SEQ: usize = 999;
/// How far a cut may stray from the proportional position, as a fraction.
const CUT_JITTER: f64 = 0.25;

/// How many units of each admin level to aim for, for `cells` cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LevelCounts {
    /// Districts.
    pub districts: usize,
    /// Townships.
    pub townships: usize,
    /// Villages.
    pub villages: usize,
}

impl LevelCounts {
    /// Counts in the proportions of a real city, at least one of each.
    pub fn for_cells(cells: usize) -> Self {
        let n = cells as f64;
        let districts = ((n / CELLS_PER_DISTRICT).round() as usize).clamp(1, MAX_DISTRICTS);
        let townships = ((n / CELLS_PER_TOWNSHIP).round() as usize).max(districts);
        let villages = ((n / CELLS_PER_VILLAGE).round() as usize).max(townships);
        LevelCounts {
            districts,
            townships,
            villages,
        }
    }
}

/// The admin tree as blocks of lattice cells.
#[derive(Debug, Clone)]
pub(crate) struct Tree {
    /// District blocks.
    pub districts: Vec<Block>,
    /// Township blocks, with the index of their district.
    pub townships: Vec<(Block, usize)>,
    /// Village blocks, with the index of their township.
    pub villages: Vec<(Block, usize)>,
}

/// Cuts `city` into districts, townships and villages.
pub(crate) fn build_tree(city: Block, counts: LevelCounts, rng: &mut SplitMix64) -> Tree {
    let total = city.area();
    let share = |b: Block, want: usize, cap: usize| -> usize {
        let k = ((want as f64) * (b.area() as f64) / (total as f64)).round() as usize;
        k.clamp(1, cap)
    };
    let mut districts = Vec::new();
    split(city, counts.districts, rng, &mut districts);
    let mut townships = Vec::new();
    for (d, &block) in districts.iter().enumerate() {
        let mut parts = Vec::new();
        split(
            block,
            share(block, counts.townships, MAX_SEQ),
            rng,
            &mut parts,
        );
        townships.extend(parts.into_iter().map(|p| (p, d)));
    }
    let mut villages = Vec::new();
    for (t, &(block, _)) in townships.iter().enumerate() {
        let mut parts = Vec::new();
        split(
            block,
            share(block, counts.villages, MAX_SEQ),
            rng,
            &mut parts,
        );
        villages.extend(parts.into_iter().map(|p| (p, t)));
    }
    Tree {
        districts,
        townships,
        villages,
    }
}

/// Splits `b` into (at most) `k` blocks by guillotine cuts, appending them to `out`.
fn split(b: Block, k: usize, rng: &mut SplitMix64, out: &mut Vec<Block>) {
    let k = k.min(b.area());
    if k <= 1 {
        out.push(b);
        return;
    }
    let k1 = k / 2;
    let frac = (k1 as f64 / k as f64) * (1.0 + CUT_JITTER * rng.signed());
    let cut_at = |len: usize| -> usize {
        let at = ((len as f64) * frac).round() as usize;
        at.clamp(1, len - 1)
    };
    let (first, second) = if b.width() >= b.height() && b.width() > 1 {
        let c = b.c0 + cut_at(b.width());
        (Block { c1: c, ..b }, Block { c0: c, ..b })
    } else {
        let r = b.r0 + cut_at(b.height());
        (Block { r1: r, ..b }, Block { r0: r, ..b })
    };
    let k1 = k1.clamp(1, first.area());
    let k2 = (k - k1).clamp(1, second.area());
    split(first, k1, rng, out);
    split(second, k2, rng, out);
}

/// Merges up to `merges` disjoint pairs of side-by-side lattice cells inside the
/// same village, chosen at random, and returns each village's cells as blocks
/// (1 × 1, or 2 × 1 / 1 × 2 where merged), in lattice order.
pub(crate) fn merge_cells(
    nx: usize,
    villages: &[(Block, usize)],
    merges: usize,
    rng: &mut SplitMix64,
) -> Vec<Vec<Block>> {
    let mut pairs: Vec<(usize, usize)> = Vec::new();
    for &(v, _) in villages {
        for r in v.r0..v.r1 {
            for c in v.c0..v.c1 {
                let here = r * nx + c;
                if c + 1 < v.c1 {
                    pairs.push((here, here + 1));
                }
                if r + 1 < v.r1 {
                    pairs.push((here, here + nx));
                }
            }
        }
    }
    rng.shuffle(&mut pairs);
    let ny = villages.iter().map(|(v, _)| v.r1).max().unwrap_or(0);
    let mut partner = vec![usize::MAX; nx * ny];
    let mut done = 0;
    for (a, b) in pairs {
        if done == merges {
            break;
        }
        if partner[a] == usize::MAX && partner[b] == usize::MAX {
            partner[a] = b;
            partner[b] = a;
            done += 1;
        }
    }
    villages
        .iter()
        .map(|&(v, _)| {
            let mut cells = Vec::with_capacity(v.area());
            for r in v.r0..v.r1 {
                for c in v.c0..v.c1 {
                    let here = r * nx + c;
                    let single = Block {
                        c0: c,
                        r0: r,
                        c1: c + 1,
                        r1: r + 1,
                    };
                    // Vertical first: with one column, `here + 1` is the cell above.
                    match partner[here] {
                        usize::MAX => cells.push(single),
                        p if p < here => {} // the second cell of a pair, already pushed
                        p if p == here + nx => cells.push(Block {
                            r1: r + 2,
                            ..single
                        }),
                        _ => cells.push(Block {
                            c1: c + 2,
                            ..single
                        }),
                    }
                }
            }
            cells
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_a_real_city() {
        let c = LevelCounts::for_cells(5900);
        assert_eq!((c.districts, c.townships, c.villages), (10, 150, 1300));
        let small = LevelCounts::for_cells(3);
        assert_eq!(
            (small.districts, small.townships, small.villages),
            (1, 1, 1)
        );
    }

    #[test]
    fn splits_tile_the_block() {
        let city = Block {
            c0: 0,
            r0: 0,
            c1: 13,
            r1: 9,
        };
        let mut rng = SplitMix64::new(5);
        let mut parts = Vec::new();
        split(city, 10, &mut rng, &mut parts);
        assert_eq!(parts.len(), 10);
        assert_eq!(parts.iter().map(|b| b.area()).sum::<usize>(), city.area());
        let mut seen = vec![0; city.area()];
        for b in &parts {
            for r in b.r0..b.r1 {
                for c in b.c0..b.c1 {
                    seen[r * 13 + c] += 1;
                }
            }
        }
        assert!(seen.iter().all(|&n| n == 1));
    }

    #[test]
    fn merges_stay_inside_villages() {
        let villages = [
            (
                Block {
                    c0: 0,
                    r0: 0,
                    c1: 2,
                    r1: 2,
                },
                0,
            ),
            (
                Block {
                    c0: 2,
                    r0: 0,
                    c1: 3,
                    r1: 2,
                },
                0,
            ),
        ];
        let mut rng = SplitMix64::new(9);
        let cells = merge_cells(3, &villages, 3, &mut rng);
        let total: usize = cells.iter().flatten().map(|b| b.area()).sum();
        assert_eq!(total, 6);
        assert_eq!(cells.iter().map(Vec::len).sum::<usize>(), 3);
        for (vc, (v, _)) in cells.iter().zip(villages) {
            for b in vc {
                assert!(b.c0 >= v.c0 && b.c1 <= v.c1 && b.r0 >= v.r0 && b.r1 <= v.r1);
            }
        }
    }
}
