//! A GENERATED staff registry for grid management: who serves which cells.
//!
//! Counts follow the reference city (5,906 cells; 1,764 cell heads, about 6,000 cell
//! workers, 1,335 cell police), scaled to the number of cells, plus one department
//! contact per township. The rules a registry keeps:
//! - every cell has exactly one cell head, who serves 3 or 4 cells (on average) of one
//!   village;
//! - every cell has at least one cell worker; most workers serve one cell, some serve
//!   two neighbouring cells of a village, some cells get a second worker;
//! - every cell has exactly one cell police officer, who serves a group of cells of one
//!   township;
//! - a department contact serves all the cells of their township.
//!
//! Groups are runs of a walk through each village that steps to a neighbouring cell
//! whenever it can, so that a head's or an officer's cells mostly hang together.

use std::cmp::Reverse;
use std::collections::BTreeMap;

use crate::demo::DemoCell;
use crate::names;
use crate::rng::SplitMix64;

/// Cells of the reference city the counts are taken from.
const REFERENCE_CELLS: usize = 5906;
/// Its cell heads.
const REFERENCE_HEADS: usize = 1764;
/// Its cell workers.
const REFERENCE_WORKERS: usize = 6000;
/// Its cell police.
const REFERENCE_POLICE: usize = 1335;
/// One pair of neighbouring cells served by one worker for this many cells.
const CELLS_PER_PAIR: usize = 10;

/// What a staff member does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// 网格长: answers for the cells of one part of a village.
    CellHead,
    /// 网格员: walks a cell (or two), reports and follows up events.
    CellWorker,
    /// 网格警: the police officer for a group of cells of a township.
    CellPolice,
    /// A township department's contact for all its cells.
    DepartmentContact,
}

impl Role {
    /// The name written in `staff.csv`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Role::CellHead => "cell_head",
            Role::CellWorker => "cell_worker",
            Role::CellPolice => "cell_police",
            Role::DepartmentContact => "department_contact",
        }
    }
}

/// One staff member.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub role: Role,
    /// A generated Chinese full name.
    pub name: String,
    /// A clearly fake mobile number: `1990` and 7 digits, different for everyone.
    pub phone: String,
    /// The cells served, as indices into the cells given, in code order.
    pub cells: Vec<usize>,
}

/// The registry for `cells`: heads, workers, police, then contacts, each in the order
/// of the walk (villages and townships by code).
pub(crate) fn registry(cells: &[DemoCell<'_>], seed: u64) -> Vec<Member> {
    let mut villages: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, c) in cells.iter().enumerate() {
        villages.entry(c.village).or_default().push(i);
    }
    let walks: Vec<Vec<usize>> = villages
        .into_values()
        .map(|mut v| {
            v.sort_by_key(|&i| cells[i].code);
            walk(cells, &v)
        })
        .collect();
    let mut townships: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &i in walks.iter().flatten() {
        townships.entry(cells[i].township).or_default().push(i);
    }
    let townships: Vec<Vec<usize>> = townships.into_values().collect();

    let n = cells.len();
    let mut rng = SplitMix64::fork(seed, 0x5354_4146);
    let mut groups: Vec<(Role, Vec<usize>)> = Vec::new();
    let sizes: Vec<usize> = walks.iter().map(Vec::len).collect();
    for (walk, k) in walks
        .iter()
        .zip(apportion(scaled(n, REFERENCE_HEADS), &sizes))
    {
        groups.extend(chunks(walk, k).map(|c| (Role::CellHead, c.to_vec())));
    }
    groups.extend(
        workers(cells, &walks, &mut rng)
            .into_iter()
            .map(|c| (Role::CellWorker, c)),
    );
    let sizes: Vec<usize> = townships.iter().map(Vec::len).collect();
    for (t, k) in townships
        .iter()
        .zip(apportion(scaled(n, REFERENCE_POLICE), &sizes))
    {
        groups.extend(chunks(t, k).map(|c| (Role::CellPolice, c.to_vec())));
    }
    groups.extend(
        townships
            .iter()
            .map(|t| (Role::DepartmentContact, t.clone())),
    );

    let mut naming = SplitMix64::fork(seed, 0x4E41_4D45);
    let offset = naming.below(10_000_000) as u64;
    groups
        .into_iter()
        .enumerate()
        .map(|(i, (role, mut served))| {
            served.sort_by_key(|&c| cells[c].code);
            // i * 7654321 mod 10^7 is one to one (7654321 is prime to 10)
            let digits = (i as u64 * 7_654_321 + offset) % 10_000_000;
            Member {
                role,
                name: names::person(&mut naming),
                phone: format!("1990{digits:07}"),
                cells: served,
            }
        })
        .collect()
}

/// The reference city's `count` for `cells` cells, rounded.
fn scaled(cells: usize, count: usize) -> usize {
    (cells * count + REFERENCE_CELLS / 2) / REFERENCE_CELLS
}

/// The workers, each as the cells served: one per cell, except that for every
/// [`CELLS_PER_PAIR`] cells a cell and the next of its village's walk (when they are
/// neighbours) share one worker, and as many cells as make the total the reference
/// city's, scaled, get a second worker.
fn workers(cells: &[DemoCell<'_>], walks: &[Vec<usize>], rng: &mut SplitMix64) -> Vec<Vec<usize>> {
    let n = cells.len();
    // pairs of walk neighbours, by position in `order`
    let order: Vec<usize> = walks.iter().flatten().copied().collect();
    let mut candidates: Vec<usize> = Vec::new();
    let mut at = 0;
    for w in walks {
        for j in 1..w.len() {
            if neighbours(cells[w[j - 1]].shape, cells[w[j]].shape) {
                candidates.push(at + j - 1);
            }
        }
        at += w.len();
    }
    rng.shuffle(&mut candidates);
    let mut paired = vec![false; n + 1];
    let mut pairs = 0;
    for k in candidates {
        if pairs == n / CELLS_PER_PAIR {
            break;
        }
        if !paired[k] && !paired[k + 1] {
            (paired[k], paired[k + 1]) = (true, true);
            pairs += 1;
        }
    }
    let mut second = vec![false; n];
    let extra = scaled(n, REFERENCE_WORKERS).saturating_sub(n - pairs);
    let mut lucky: Vec<usize> = (0..n).collect();
    rng.shuffle(&mut lucky);
    for &k in lucky.iter().take(extra) {
        second[k] = true;
    }
    let mut out = Vec::with_capacity(n - pairs + extra);
    let mut k = 0;
    while k < n {
        let take = if paired[k] { 2 } else { 1 };
        out.push(order[k..k + take].to_vec());
        for j in k..k + take {
            if second[j] {
                out.push(vec![order[j]]);
            }
        }
        k += take;
    }
    out
}

/// The cells of one village (in code order) in walk order: from the first cell, on to
/// its first unvisited neighbour in code order, back up the path when there is none
/// (a depth-first walk), and on to the next unvisited cell when the village is not
/// connected.
fn walk(cells: &[DemoCell<'_>], village: &[usize]) -> Vec<usize> {
    let m = village.len();
    let vertices: Vec<Vec<(u64, u64)>> = village
        .iter()
        .map(|&i| vertex_set(cells[i].shape))
        .collect();
    let adjacent: Vec<Vec<usize>> = (0..m)
        .map(|a| {
            (0..m)
                .filter(|&b| b != a && shared_count(&vertices[a], &vertices[b]) >= 2)
                .collect()
        })
        .collect();
    let mut seen = vec![false; m];
    let mut out = Vec::with_capacity(m);
    for first in 0..m {
        if seen[first] {
            continue;
        }
        let mut path = vec![first];
        seen[first] = true;
        out.push(village[first]);
        while let Some(&here) = path.last() {
            match adjacent[here].iter().find(|&&b| !seen[b]) {
                Some(&next) => {
                    seen[next] = true;
                    out.push(village[next]);
                    path.push(next);
                }
                None => {
                    path.pop();
                }
            }
        }
    }
    out
}

/// Whether two cells share a boundary: at least two vertices in common (a clean
/// coverage's neighbours share their boundary's vertices exactly).
fn neighbours(a: &geo_types::MultiPolygon<f64>, b: &geo_types::MultiPolygon<f64>) -> bool {
    shared_count(&vertex_set(a), &vertex_set(b)) >= 2
}

/// A shape's distinct vertices by their bits, sorted.
fn vertex_set(shape: &geo_types::MultiPolygon<f64>) -> Vec<(u64, u64)> {
    let mut v: Vec<(u64, u64)> = shape
        .iter()
        .flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()))
        .flat_map(|r| r.0.iter())
        .map(|c| (c.x.to_bits(), c.y.to_bits()))
        .collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// How many items two sorted lists share.
fn shared_count(a: &[(u64, u64)], b: &[(u64, u64)]) -> usize {
    let (mut i, mut j, mut n) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                n += 1;
                i += 1;
                j += 1;
            }
        }
    }
    n
}

/// `k` runs of `items` whose lengths differ by at most one, longer runs first.
fn chunks<T>(items: &[T], k: usize) -> impl Iterator<Item = &[T]> {
    let (len, longer) = (items.len() / k.max(1), items.len() % k.max(1));
    let mut start = 0;
    (0..k).map(move |j| {
        let end = start + len + usize::from(j < longer);
        let run = &items[start..end];
        start = end;
        run
    })
}

/// Splits `total` over groups of the given sizes in proportion to size, each group
/// getting at least 1 and at most its size (so `total` is first clamped to what that
/// allows): the whole parts of the quotas, then one more to the largest remainders
/// (ties to the earlier group), or one less from the smallest when the minimum of 1
/// gave too many.
fn apportion(total: usize, sizes: &[usize]) -> Vec<usize> {
    let all: usize = sizes.iter().sum();
    if all == 0 {
        return vec![0; sizes.len()];
    }
    let total = total.clamp(sizes.len(), all);
    let mut share: Vec<usize> = sizes
        .iter()
        .map(|&s| (total * s / all).clamp(1, s.max(1)))
        .collect();
    let mut order: Vec<usize> = (0..sizes.len()).collect();
    order.sort_by_key(|&i| (Reverse(total * sizes[i] % all), i));
    let mut given: usize = share.iter().sum();
    while given < total {
        for &i in &order {
            if given < total && share[i] < sizes[i] {
                share[i] += 1;
                given += 1;
            }
        }
    }
    while given > total {
        for &i in order.iter().rev() {
            if given > total && share[i] > 1 {
                share[i] -= 1;
                given -= 1;
            }
        }
    }
    share
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apportion_keeps_the_total_and_the_bounds() {
        assert_eq!(apportion(4, &[3, 3, 2]), vec![2, 1, 1]);
        assert_eq!(apportion(10, &[1, 1, 8]), vec![1, 1, 8]);
        // the minimum of one each: 3 groups cannot share 1
        assert_eq!(apportion(1, &[5, 1, 1]), vec![1, 1, 1]);
        assert_eq!(apportion(5, &[12, 1, 1]), vec![3, 1, 1]);
        assert_eq!(apportion(3, &[]), Vec::<usize>::new());
    }

    #[test]
    fn chunks_are_even() {
        let v: Vec<u32> = (0..10).collect();
        let lens: Vec<usize> = chunks(&v, 3).map(<[u32]>::len).collect();
        assert_eq!(lens, vec![4, 3, 3]);
        assert_eq!(chunks(&v, 1).next().unwrap(), &v[..]);
    }

    #[test]
    fn reference_counts_at_the_reference_size() {
        assert_eq!(scaled(5906, REFERENCE_HEADS), 1764);
        assert_eq!(scaled(5906, REFERENCE_POLICE), 1335);
        assert_eq!(scaled(100, REFERENCE_WORKERS), 102);
    }
}
