//! Keeping every generated cell in one piece.
//!
//! Bisection keeps parts connected through hexagon neighbours, but a hexagon on a
//! unit boundary can be cut by that boundary into bits that touch nothing else of
//! their cell. Such a stray part is given to the neighbouring cell it shares the
//! longest border with, faces and all, before anything is dissolved.

use citygrid_planar::{holds, signed_area2};
use rustc_hash::FxHashSet;

use crate::faces::{Arrangement, OUTSIDE};

/// Gives every part of a cell but its largest to a neighbour; returns how many parts
/// moved.
pub(crate) fn merge_stray_parts(arr: &mut Arrangement) -> usize {
    let mut moved = 0;
    for _round in 0..4 {
        let mut by_cycle: Vec<Vec<u32>> = vec![Vec::new(); arr.cycles as usize];
        for e in 0..arr.label.len() {
            by_cycle[arr.cycle[e] as usize].push(e as u32);
        }
        let rings = arr.dissolve(|l| l);
        let mut labels: Vec<&u32> = rings.keys().collect();
        labels.sort_unstable();
        let mut changes: Vec<(Vec<u32>, u32)> = Vec::new();
        for &label in labels {
            let rs = &rings[&label];
            let coords: Vec<_> = rs.iter().map(|r| arr.ring_coords(r)).collect();
            let areas: Vec<f64> = coords.iter().map(|c| signed_area2(c)).collect();
            let shells: Vec<usize> = (0..rs.len()).filter(|&k| areas[k] > 0.0).collect();
            if shells.len() <= 1 {
                continue;
            }
            let keep = *shells
                .iter()
                .max_by(|&&a, &&b| areas[a].total_cmp(&areas[b]).then(b.cmp(&a)))
                .expect("two shells");
            for &s in shells.iter().filter(|&&s| s != keep) {
                let Some(target) = longest_neighbour(arr, &rs[s]) else {
                    continue;
                };
                // The part: faces reachable from its shell (and from the holes inside
                // it) without crossing a boundary of the cell.
                let mut seeds: Vec<u32> = rs[s].clone();
                for (k, c) in coords.iter().enumerate() {
                    if areas[k] < 0.0 && holds(&coords[s], c) {
                        seeds.extend_from_slice(&rs[k]);
                    }
                }
                let mut cycles: FxHashSet<u32> =
                    seeds.iter().map(|&e| arr.cycle[e as usize]).collect();
                let mut stack: Vec<u32> = cycles.iter().copied().collect();
                while let Some(c) = stack.pop() {
                    for &e in &by_cycle[c as usize] {
                        let t = Arrangement::twin(e);
                        if arr.label[t as usize] == label && cycles.insert(arr.cycle[t as usize]) {
                            stack.push(arr.cycle[t as usize]);
                        }
                    }
                }
                let mut list: Vec<u32> = cycles.into_iter().collect();
                list.sort_unstable();
                changes.push((list, target));
            }
        }
        if changes.is_empty() {
            break;
        }
        for (cycles, target) in changes {
            for c in cycles {
                for &e in &by_cycle[c as usize] {
                    arr.label[e as usize] = target;
                }
            }
            moved += 1;
        }
    }
    moved
}

/// The label across the longest stretch of a ring, other than the outside.
fn longest_neighbour(arr: &Arrangement, ring: &[u32]) -> Option<u32> {
    let mut lengths: Vec<(u32, f64)> = Vec::new();
    for &e in ring {
        let t = arr.label[Arrangement::twin(e) as usize];
        if t == OUTSIDE {
            continue;
        }
        let len = arr.length(e);
        match lengths.iter_mut().find(|x| x.0 == t) {
            Some(x) => x.1 += len,
            None => lengths.push((t, len)),
        }
    }
    lengths
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)))
        .map(|x| x.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faces::tests::strip;

    #[test]
    fn a_detached_bit_joins_the_cell_around_it() {
        // A 3 x 1 strip: squares labelled 1, 0, 1 from west to east. Cell 1 has two
        // equal parts; one of them joins cell 0, their only neighbour.
        let mut a = strip(&[1, 0, 1]);
        a.spread_labels(|_, _| unreachable!());
        assert_eq!(merge_stray_parts(&mut a), 1);
        let rings = a.dissolve(|l| l);
        assert_eq!(rings[&0].len(), 1);
        assert_eq!(rings[&1].len(), 1);
        let grown = a.ring_coords(&rings[&0][0]);
        assert_eq!(signed_area2(&grown), 4.0, "{grown:?}");
    }
}
