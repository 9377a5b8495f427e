//! Dividing a unit's hexagons into parts of given workloads: recursive bisection
//! across the longest axis, kept contiguous.
//!
//! Each step cuts the pieces by a line across their principal axis (the direction
//! they spread most), where the workload before the line reaches the share of the
//! parts on that side. Cutting across the long axis keeps parts compact; the cut
//! moves in whole hexagons, so a part's workload is off by at most one hexagon per
//! cut. Pockets of one side left behind the cut line (the line crosses a
//! U-shaped unit twice) join the other side, so every part stays in one piece
//! wherever the hexagons of the unit are connected.

use crate::error::{BuildError, Result};
use crate::hexes::Hexes;

/// Scratch state of one unit's division.
pub(crate) struct Splitter<'a> {
    hexes: &'a Hexes,
    load: &'a [f64],
    tag: Vec<u32>,
    next_tag: u32,
    code: &'a str,
}

impl<'a> Splitter<'a> {
    /// A splitter over a unit's pieces and their workloads.
    pub(crate) fn new(hexes: &'a Hexes, load: &'a [f64], code: &'a str) -> Self {
        Splitter {
            hexes,
            load,
            tag: vec![0; hexes.len()],
            next_tag: 1,
            code,
        }
    }

    /// Divides `members` into `parts.len()` parts whose workloads are in the
    /// proportions of `parts`; returns them in the order of `parts`.
    pub(crate) fn split(&mut self, members: Vec<u32>, parts: &[f64]) -> Result<Vec<Vec<u32>>> {
        if members
            .iter()
            .filter(|&&i| self.hexes.area[i as usize] > 0.0)
            .count()
            < parts.len()
        {
            return Err(BuildError::TooFewHexagons {
                code: self.code.to_string(),
                parts: parts.len(),
                hexes: members
                    .iter()
                    .filter(|&&i| self.hexes.area[i as usize] > 0.0)
                    .count(),
                resolution: u8::from(self.hexes.res),
            });
        }
        if parts.len() <= 1 {
            return Ok(vec![members]);
        }
        let mid = parts.len() / 2;
        let (pa, pb) = parts.split_at(mid);
        let (a, b) = self.bisect(
            members,
            pa.iter().sum(),
            pb.iter().sum(),
            pa.len(),
            pb.len(),
        );
        let mut out = self.split(a, pa)?;
        out.extend(self.split(b, pb)?);
        Ok(out)
    }

    /// Cuts `members` in two with workloads in the ratio `wa : wb`, each side keeping
    /// at least `na` and `nb` pieces.
    fn bisect(
        &mut self,
        mut members: Vec<u32>,
        wa: f64,
        wb: f64,
        na: usize,
        nb: usize,
    ) -> (Vec<u32>, Vec<u32>) {
        let axis = principal_axis(self.hexes, &members);
        let key = |i: u32| {
            let p = self.hexes.xy[i as usize];
            p[0] * axis[0] + p[1] * axis[1]
        };
        members.sort_unstable_by(|&x, &y| key(x).total_cmp(&key(y)).then(x.cmp(&y)));
        let total: f64 = members.iter().map(|&i| self.load[i as usize]).sum();
        let target = if wa + wb > 0.0 {
            total * wa / (wa + wb)
        } else {
            total / 2.0
        };
        // Each side needs a piece with area (centre inside the unit) per part it
        // will hold: a part of boundary slivers only would have no polygon.
        let real = |i: u32| self.hexes.area[i as usize] > 0.0;
        let total_real = members.iter().filter(|&&i| real(i)).count();
        let mut best = (f64::INFINITY, None);
        let mut acc = 0.0;
        let mut seen_real = 0;
        for (k, &i) in members.iter().enumerate() {
            acc += self.load[i as usize];
            seen_real += usize::from(real(i));
            let fits = seen_real >= na && total_real - seen_real >= nb;
            let miss = if total > 0.0 {
                (acc - target).abs()
            } else {
                // No workload at all: cut by count.
                ((k + 1) as f64 - members.len() as f64 * wa / (wa + wb).max(f64::MIN_POSITIVE))
                    .abs()
            };
            if fits && miss < best.0 {
                best = (miss, Some(k + 1));
            }
        }
        let cut = best.1.unwrap_or(na).clamp(na, members.len() - nb);
        let (ta, tb) = (self.next_tag, self.next_tag + 1);
        self.next_tag += 2;
        for (k, &i) in members.iter().enumerate() {
            self.tag[i as usize] = if k < cut { ta } else { tb };
        }
        self.join_pockets(&members, ta, tb, na);
        self.join_pockets(&members, tb, ta, nb);
        let (a, b): (Vec<u32>, Vec<u32>) = members
            .into_iter()
            .partition(|&i| self.tag[i as usize] == ta);
        (a, b)
    }

    /// Moves every connected group of `side` pieces except the heaviest to `other`
    /// when it touches `other` (a pocket left behind the cut), as long as `side`
    /// keeps at least `keep` pieces.
    fn join_pockets(&mut self, members: &[u32], side: u32, other: u32, keep: usize) {
        let mut groups: Vec<(f64, Vec<u32>, bool)> = Vec::new();
        let seen_tag = self.next_tag;
        self.next_tag += 1;
        let mut visited: Vec<u32> = Vec::new();
        for &start in members {
            if self.tag[start as usize] != side {
                continue;
            }
            // Mark visited pieces by temporarily tagging them `seen_tag`.
            let mut group = vec![start];
            self.tag[start as usize] = seen_tag;
            let mut k = 0;
            let mut touches_other = false;
            let mut load = 0.0;
            while k < group.len() {
                let i = group[k];
                k += 1;
                load += self.load[i as usize];
                for &j in self.hexes.neighbours(i) {
                    let t = self.tag[j as usize];
                    if t == side {
                        self.tag[j as usize] = seen_tag;
                        group.push(j);
                    } else if t == other {
                        touches_other = true;
                    }
                }
            }
            visited.extend_from_slice(&group);
            groups.push((load, group, touches_other));
        }
        for &i in &visited {
            self.tag[i as usize] = side;
        }
        if groups.len() <= 1 {
            return;
        }
        let main = groups
            .iter()
            .enumerate()
            .max_by(|x, y| {
                x.1.0
                    .total_cmp(&y.1.0)
                    .then(x.1.1.len().cmp(&y.1.1.len()))
                    .then(y.0.cmp(&x.0))
            })
            .map_or(0, |(k, _)| k);
        let real = |g: &[u32]| {
            g.iter()
                .filter(|&&i| self.hexes.area[i as usize] > 0.0)
                .count()
        };
        let mut left = real(&visited);
        for (k, (_, group, touches)) in groups.iter().enumerate() {
            let n = real(group);
            if k != main && *touches && left - n >= keep {
                left -= n;
                for &i in group {
                    self.tag[i as usize] = other;
                }
            }
        }
    }
}

/// The direction the pieces spread most (unit vector), from their covariance.
fn principal_axis(h: &Hexes, members: &[u32]) -> [f64; 2] {
    let n = members.len().max(1) as f64;
    let (mut mx, mut my) = (0.0, 0.0);
    for &i in members {
        mx += h.xy[i as usize][0];
        my += h.xy[i as usize][1];
    }
    let (mx, my) = (mx / n, my / n);
    let (mut sxx, mut syy, mut sxy) = (0.0, 0.0, 0.0);
    for &i in members {
        let dx = h.xy[i as usize][0] - mx;
        let dy = h.xy[i as usize][1] - my;
        sxx += dx * dx;
        syy += dy * dy;
        sxy += dx * dy;
    }
    let theta = 0.5 * (2.0 * sxy).atan2(sxx - syy);
    [theta.cos(), theta.sin()]
}

#[cfg(test)]
mod tests {
    use geo_types::{MultiPolygon, polygon};
    use h3o::Resolution;

    use super::*;
    use crate::hexes::tile;

    fn square() -> Hexes {
        let mp = MultiPolygon(vec![polygon![
            (x: 106.70, y: 26.58), (x: 106.73, y: 26.58), (x: 106.73, y: 26.60), (x: 106.70, y: 26.60)
        ]]);
        tile("t", &mp, Resolution::Ten, false).unwrap()
    }

    fn connected(h: &Hexes, part: &[u32]) -> bool {
        let set: std::collections::HashSet<u32> = part.iter().copied().collect();
        let mut seen = std::collections::HashSet::from([part[0]]);
        let mut stack = vec![part[0]];
        while let Some(i) = stack.pop() {
            for &j in h.neighbours(i) {
                if set.contains(&j) && seen.insert(j) {
                    stack.push(j);
                }
            }
        }
        seen.len() == part.len()
    }

    #[test]
    fn seven_equal_parts_are_balanced_contiguous_and_cover_everything() {
        let h = square();
        let load: Vec<f64> = h.area.iter().map(|a| a / 1e5).collect();
        let all: Vec<u32> = (0..h.len() as u32).collect();
        let parts = Splitter::new(&h, &load, "t").split(all, &[1.0; 7]).unwrap();
        assert_eq!(parts.len(), 7);
        let mut covered: Vec<u32> = parts.concat();
        covered.sort_unstable();
        assert_eq!(covered, (0..h.len() as u32).collect::<Vec<_>>());
        let total: f64 = load.iter().sum();
        for p in &parts {
            let w: f64 = p.iter().map(|&i| load[i as usize]).sum();
            assert!((w / (total / 7.0) - 1.0).abs() < 0.15, "{w} of {total}");
            assert!(connected(&h, p));
        }
    }

    #[test]
    fn unequal_parts_follow_their_shares() {
        let h = square();
        let load: Vec<f64> = h.area.clone();
        let all: Vec<u32> = (0..h.len() as u32).collect();
        let parts = Splitter::new(&h, &load, "t")
            .split(all, &[1.0, 3.0])
            .unwrap();
        let w = |p: &Vec<u32>| p.iter().map(|&i| load[i as usize]).sum::<f64>();
        let ratio = w(&parts[1]) / w(&parts[0]);
        assert!((ratio - 3.0).abs() < 0.3, "{ratio}");
    }

    #[test]
    fn too_many_parts_is_an_error_naming_the_unit() {
        let h = square();
        let load = vec![1.0; h.len()];
        let some: Vec<u32> = (0..3).collect();
        let err = Splitter::new(&h, &load, "520102")
            .split(some, &[1.0; 5])
            .unwrap_err();
        assert!(err.to_string().contains("520102"), "{err}");
    }
}
