//! GENERATED buildings for the demo tileset: a street grid, lots in each block, a
//! building on most lots, taller and denser towards the middle of the area. **Not real
//! buildings**: no building footprints of Guiyang are available to the project.
//!
//! Everything is in whole metres in the area's east-north-up frame (x east, y north, z up,
//! origin at the middle of the area on the ground), drawn with the crate's [`SplitMix64`]
//! (one stream per block, so a block looks the same whatever the area around it) and
//! integer or exact float arithmetic: the same seed and area give the same buildings on
//! every machine.

use crate::rng::{SplitMix64, mix64};

/// Street grid pitch: a block and a street, m. Streets run along multiples of it.
pub(crate) const PITCH: i32 = 150;
/// Street width, m: half of it on each side of a block.
const STREET: i32 = 20;
/// Lowest and highest building, m.
const HEIGHTS: (i32, i32) = (10, 120);
/// Part of the blocks left empty (parks, squares, building sites).
const PARKS: f64 = 0.07;
/// Part of the buildings made 40 m taller than their neighbours, anywhere in the area.
const TOWERS: f64 = 0.03;
/// Distance from the middle at which blocks are half as central as there, m: a city
/// centre a kilometre across.
const CENTRE_RADIUS: f64 = 450.0;

/// An upright box standing on the ground (z = 0), whole metres in the local frame: a
/// building, or several merged into one for a coarser level of detail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Cuboid {
    pub(crate) west: i32,
    pub(crate) south: i32,
    pub(crate) east: i32,
    pub(crate) north: i32,
    pub(crate) height: i32,
}

impl Cuboid {
    /// Footprint area, m².
    fn area(&self) -> i64 {
        i64::from(self.east - self.west) * i64::from(self.north - self.south)
    }

    /// The street block the cuboid stands in (column, row; negative west and south of the
    /// origin).
    pub(crate) fn block(&self) -> (i32, i32) {
        (self.west.div_euclid(PITCH), self.south.div_euclid(PITCH))
    }

    /// Twice its footprint's centre, whole metres (exact: no halves to round).
    pub(crate) fn centre2(&self) -> (i64, i64) {
        (
            i64::from(self.west) + i64::from(self.east),
            i64::from(self.south) + i64::from(self.north),
        )
    }

    /// One cuboid standing for `parts` (not empty) from afar: their bounding footprint, as
    /// tall as their mean height weighted by footprint area, so a far view keeps the
    /// skyline's mass rather than its peaks.
    pub(crate) fn merge(parts: &[Cuboid]) -> Cuboid {
        let mut merged = parts[0];
        let (mut area, mut volume) = (0i64, 0i64);
        for p in parts {
            merged.west = merged.west.min(p.west);
            merged.south = merged.south.min(p.south);
            merged.east = merged.east.max(p.east);
            merged.north = merged.north.max(p.north);
            area += p.area();
            volume += p.area() * i64::from(p.height);
        }
        // rounded to the nearest metre; heights fit an i32 by construction
        merged.height = ((volume + area / 2) / area) as i32;
        merged
    }
}

/// The buildings of an area `2 half_width` m (east-west) by `2 half_height` m
/// (north-south) centred on the origin, block by block from the south-west, lots in
/// reading order within a block.
///
/// Blocks are `PITCH - STREET` = 130 m squares split into 3 x 3 lots near the middle and
/// 4 x 4 further out; a lot holds a building with a setback of 3 to 7 m on each side. With
/// `c = 1 / (1 + (d / r)²)` at a block's distance `d` from the middle (`r` = 450 m), a lot is built with probability `0.45 + 0.5 c` and its building is
/// `10 + 110 c (0.2 + 0.8 t²)` m tall for `t` uniform in `[0, 1)`: 32 to 120 m in the
/// middle, 15 to 40 m 750 m away; 3 % of them 40 m taller. Buildings not wholly inside
/// the area are dropped: a block is the same whatever the size of the area around it.
pub(crate) fn city(seed: u64, half_width: i32, half_height: i32) -> Vec<Cuboid> {
    let mut buildings = Vec::new();
    for by in (-half_height).div_euclid(PITCH)..=half_height.div_euclid(PITCH) {
        for bx in (-half_width).div_euclid(PITCH)..=half_width.div_euclid(PITCH) {
            let stream = mix64(bx as u64) ^ (by as u64);
            let mut rng = SplitMix64::fork(seed, stream);
            if rng.chance(PARKS) {
                continue;
            }
            let (west, south) = (bx * PITCH + STREET / 2, by * PITCH + STREET / 2);
            let side = PITCH - STREET;
            // distance of the block's centre from the middle, in units of r
            let dx = f64::from(west + side / 2) / CENTRE_RADIUS;
            let dy = f64::from(south + side / 2) / CENTRE_RADIUS;
            let c = 1.0 / (1.0 + dx * dx + dy * dy);
            let lots = if c > 0.5 { 3 } else { 4 };
            for j in 0..lots {
                for i in 0..lots {
                    if !rng.chance(0.45 + 0.5 * c) {
                        continue;
                    }
                    let mut setback = || 3 + rng.below(5) as i32;
                    let building = Cuboid {
                        west: west + side * i / lots + setback(),
                        east: west + side * (i + 1) / lots - setback(),
                        south: south + side * j / lots + setback(),
                        north: south + side * (j + 1) / lots - setback(),
                        height: height(c, &mut rng),
                    };
                    let inside = building.west >= -half_width
                        && building.east <= half_width
                        && building.south >= -half_height
                        && building.north <= half_height;
                    if inside {
                        buildings.push(building);
                    }
                }
            }
        }
    }
    buildings
}

/// A building's height, whole metres, for a block of centrality `c`.
fn height(c: f64, rng: &mut SplitMix64) -> i32 {
    let t = rng.next_f64();
    let mut h = f64::from(HEIGHTS.0) + 110.0 * c * (0.2 + 0.8 * t * t);
    if rng.chance(TOWERS) {
        h += 40.0;
    }
    (h.round() as i32).clamp(HEIGHTS.0, HEIGHTS.1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buildings_stand_in_their_blocks_inside_the_area() {
        let b = city(1, 750, 740);
        assert!((800..1500).contains(&b.len()), "{}", b.len());
        for c in &b {
            assert!(c.west >= -750 && c.east <= 750 && c.south >= -740 && c.north <= 740);
            assert!(c.east - c.west >= 8 && c.north - c.south >= 8, "{c:?}");
            assert!((10..=120).contains(&c.height), "{c:?}");
            // within its block, clear of the streets
            let (bx, by) = c.block();
            assert!(c.west >= bx * PITCH + STREET / 2 && c.east <= (bx + 1) * PITCH - STREET / 2);
            assert!(c.south >= by * PITCH + STREET / 2 && c.north <= (by + 1) * PITCH - STREET / 2);
        }
        // taller in the middle than at the edges
        let mean = |near: bool| {
            let hs: Vec<i32> = b
                .iter()
                .filter(|c| (c.west.abs().max(c.south.abs()) < 300) == near)
                .map(|c| c.height)
                .collect();
            f64::from(hs.iter().sum::<i32>()) / hs.len() as f64
        };
        assert!(
            mean(true) > 50.0 && mean(false) < 40.0,
            "{} {}",
            mean(true),
            mean(false)
        );
    }

    #[test]
    fn a_block_does_not_depend_on_the_area_around_it() {
        let small = city(5, 300, 300);
        let large = city(5, 900, 900);
        // the same buildings where both areas hold them
        let within = |b: &[Cuboid]| -> Vec<Cuboid> {
            b.iter()
                .copied()
                .filter(|c| c.west >= -300 && c.east <= 300 && c.south >= -300 && c.north <= 300)
                .collect()
        };
        assert!(small.len() > 20);
        assert_eq!(within(&large), small);
    }

    #[test]
    fn merging_keeps_the_footprint_and_the_mean_height() {
        let a = Cuboid {
            west: 0,
            south: 0,
            east: 10,
            north: 10,
            height: 20,
        };
        let b = Cuboid {
            west: 20,
            south: 5,
            east: 40,
            north: 15,
            height: 50,
        };
        // areas 100 and 200: (2,000 + 10,000) / 300 = 40
        assert_eq!(
            Cuboid::merge(&[a, b]),
            Cuboid {
                west: 0,
                south: 0,
                east: 40,
                north: 15,
                height: 40
            }
        );
        assert_eq!(Cuboid::merge(&[a]), a);
    }
}
