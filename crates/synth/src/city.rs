//! The [`SynthCity`] builder: a deterministic synthetic city as a clean coverage of
//! grid cells with its district > township > village hierarchy.

use citygrid_model::{AttrValue, CodeLayout, Level, Unit, UnitCode};
use geo_types::{MultiPolygon, Polygon};

use crate::hierarchy::{LevelCounts, Tree, build_tree, merge_cells};
use crate::lattice::{Block, Lattice, LatticeSpec};
use crate::rng::SplitMix64;
use citygrid_model::sequence::reading_order;

/// The code of the synthetic city: Guiyang's GB/T 2260 code.
pub const CITY_CODE: &str = "520100";
/// Largest number of cells [`SynthCity::cells`] accepts.
pub const MAX_CELLS: usize = 2_000_000;
/// Largest merge fraction [`SynthCity::merges`] accepts: beyond it random pairing
/// runs out of free neighbours.
pub const MAX_MERGES: f64 = 0.4;

/// Builder for a deterministic synthetic city.
///
/// The output of [`SynthCity::generate`] is a clean coverage: cells tile the city
/// with no gap and no overlap, and every boundary two cells share is the same
/// vertices (bit-identical `f64`s) in both, in opposite order. Shells are closed and
/// counter-clockwise, with no holes, no self-intersections and no repeated points.
/// Each admin unit's outline is made of exactly its children's outer boundary
/// vertices.
///
/// # Examples
/// ```
/// use citygrid_model::Level;
/// use citygrid_synth::SynthCity;
///
/// let units = SynthCity::new(42).cells(100).vertices_per_cell(20).generate();
/// let cells = units.iter().filter(|u| u.level == Level::Cell).count();
/// assert!((98..=102).contains(&cells));
/// assert_eq!(units[0].code.as_str(), "520100");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct SynthCity {
    seed: u64,
    cells: usize,
    vertices_per_cell: f64,
    centre: (f64, f64),
    extent_km: (f64, f64),
    merges: f64,
}

/// What [`SynthCity::generate_with_stats`] measured about the city it made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CityStats {
    /// Cells made.
    pub cells: usize,
    /// Villages made.
    pub villages: usize,
    /// Townships made.
    pub townships: usize,
    /// Districts made.
    pub districts: usize,
    /// Lattice cells before merging.
    pub lattice_cells: usize,
    /// Pairs of lattice cells merged into one cell.
    pub merged_pairs: usize,
    /// Distinct vertices over all cell rings (a closed ring's repeated last point is
    /// not counted): the number a checker or index has to read.
    pub cell_vertices: usize,
}

impl SynthCity {
    /// A city of about 5,900 cells of ~40 vertices over 90 × 90 km around Guiyang,
    /// with 15 % of lattice cells merged in pairs; every number comes from `seed`.
    #[must_use]
    pub fn new(seed: u64) -> Self {
        SynthCity {
            seed,
            cells: 5900,
            vertices_per_cell: 40.0,
            centre: (106.70, 26.60),
            extent_km: (90.0, 90.0),
            merges: 0.15,
        }
    }

    /// The number of cells to make (clamped to 1..=[`MAX_CELLS`]); the count made is
    /// exact unless the merges cannot all be placed (within 2 % in practice).
    #[must_use]
    pub fn cells(mut self, n: usize) -> Self {
        self.cells = n.clamp(1, MAX_CELLS);
        self
    }

    /// The average number of distinct vertices per cell ring. Lattice edges are
    /// densified with wiggly intermediate vertices to reach it; below about 4 (6
    /// for merged cells) the rings are the bare lattice polygons.
    #[must_use]
    pub fn vertices_per_cell(mut self, v: usize) -> Self {
        self.vertices_per_cell = v as f64;
        self
    }

    /// The centre of the city, longitude and latitude in degrees (default 106.70,
    /// 26.60: Guiyang).
    #[must_use]
    pub fn centre(mut self, lon: f64, lat: f64) -> Self {
        self.centre = (lon, lat.clamp(-80.0, 80.0));
        self
    }

    /// The width (west-east) and height (south-north) of the city in kilometres
    /// (default 90 × 90).
    #[must_use]
    pub fn extent_km(mut self, width: f64, height: f64) -> Self {
        self.extent_km = (width.abs().max(1e-3), height.abs().max(1e-3));
        self
    }

    /// The fraction of lattice cells merged with a side neighbour in the same
    /// village (default 0.15, clamped to 0..=[`MAX_MERGES`]). Each merge makes a
    /// 2 × 1 or 1 × 2 cell and two nodes where only three cells meet; the lattice is
    /// made larger so the cell count stays as asked.
    #[must_use]
    pub fn merges(mut self, fraction: f64) -> Self {
        self.merges = if fraction.is_nan() {
            0.0
        } else {
            fraction.clamp(0.0, MAX_MERGES)
        };
        self
    }

    /// Makes the city: the city unit first, then districts, townships, villages and
    /// cells, each level in code order.
    #[must_use]
    pub fn generate(&self) -> Vec<Unit> {
        self.generate_with_stats().0
    }

    /// Makes the city and says how big it came out.
    #[must_use]
    pub fn generate_with_stats(&self) -> (Vec<Unit>, CityStats) {
        let counts = LevelCounts::for_cells(self.cells);
        // Random pairing can run out of free neighbours inside small villages; then
        // retry on a smaller lattice, which needs fewer merges.
        let mut wanted = self.lattice_cells_wanted();
        let mut attempts = 0;
        let (nx, ny, tree, village_cells, mut rng) = loop {
            attempts += 1;
            let (nx, ny) = self.lattice_size(wanted);
            let mut rng = SplitMix64::fork(self.seed, 0);
            let city_block = Block {
                c0: 0,
                r0: 0,
                c1: nx,
                r1: ny,
            };
            let tree = build_tree(city_block, counts, &mut rng);
            let merges = (nx * ny).saturating_sub(self.cells);
            let village_cells = merge_cells(nx, &tree.villages, merges, &mut rng);
            let made: usize = village_cells.iter().map(Vec::len).sum();
            let floor = self.cells as f64;
            if made <= self.cells || wanted <= floor || attempts == 16 {
                break (nx, ny, tree, village_cells, rng);
            }
            wanted = (wanted - (made - self.cells) as f64).max(floor);
        };
        let city_block = Block {
            c0: 0,
            r0: 0,
            c1: nx,
            r1: ny,
        };

        let mut usage = vec![0u8; Lattice::edge_count(nx, ny)];
        for b in village_cells.iter().flatten() {
            Lattice::for_each_boundary_edge(nx, ny, *b, |e| usage[e] += 1);
        }
        let n_cells: usize = village_cells.iter().map(Vec::len).sum();
        let intermediate = self.intermediate_vertices(&usage, n_cells, &mut rng);
        let spec = LatticeSpec {
            nx,
            ny,
            centre: self.centre,
            extent_km: self.extent_km,
            seed: self.seed,
        };
        let lattice = Lattice::build(&spec, &intermediate);
        let units = assemble(&lattice, city_block, &tree, &village_cells, self.seed);
        let cell_vertices = units
            .iter()
            .filter(|u| u.level == Level::Cell)
            .map(|u| {
                u.geometry
                    .0
                    .iter()
                    .map(|p| p.exterior().0.len() - 1)
                    .sum::<usize>()
            })
            .sum();
        let stats = CityStats {
            cells: n_cells,
            villages: tree.villages.len(),
            townships: tree.townships.len(),
            districts: tree.districts.len(),
            lattice_cells: nx * ny,
            merged_pairs: nx * ny - n_cells,
            cell_vertices,
        };
        (units, stats)
    }

    /// Lattice cells to start from: enough that merging the asked fraction leaves
    /// the asked number of cells.
    fn lattice_cells_wanted(&self) -> f64 {
        (self.cells as f64 / (1.0 - self.merges)).max(1.0)
    }

    /// Lattice columns and rows for about `wanted` lattice cells, shaped like the
    /// extent, and never fewer lattice cells than cells.
    fn lattice_size(&self, wanted: f64) -> (usize, usize) {
        let aspect = self.extent_km.0 / self.extent_km.1;
        let nx = ((wanted * aspect).sqrt().round() as usize).clamp(1, self.cells);
        let ny = ((wanted / nx as f64).round() as usize).max(1);
        // At least as many lattice cells as cells, so merges only ever reduce.
        (nx.max(self.cells.div_ceil(ny)), ny)
    }

    /// Intermediate vertices per lattice edge so that cell rings average
    /// `vertices_per_cell` distinct vertices: each use of an edge by a cell ring
    /// contributes its intermediate vertices plus one end node. Counts vary ±30 %
    /// from edge to edge, rounded at random so the mean is kept.
    fn intermediate_vertices(
        &self,
        usage: &[u8],
        n_cells: usize,
        rng: &mut SplitMix64,
    ) -> Vec<u32> {
        let uses: usize = usage.iter().map(|&u| usize::from(u)).sum();
        let per_edge =
            (self.vertices_per_cell * n_cells as f64 / uses.max(1) as f64 - 1.0).max(0.0);
        usage
            .iter()
            .map(|&u| {
                // Draw for every edge, used or not, so the stream does not depend on
                // the merges.
                let (spread, round) = (rng.range(0.7, 1.3), rng.next_f64());
                if u == 0 {
                    return 0;
                }
                let m = per_edge * spread;
                let whole = m.floor() as u32;
                whole + u32::from(round < m - m.floor())
            })
            .collect()
    }
}

/// One admin level (or the cells) as blocks with the index of each one's parent in
/// the level above.
struct LevelPlan {
    level: Level,
    word: &'static str,
    blocks: Vec<Block>,
    parent: Vec<usize>,
}

/// Turns blocks into units: codes in reading order under each parent, names,
/// parents, geometry and a `households` count (random per cell, summed upwards).
fn assemble(
    lattice: &Lattice,
    city: Block,
    tree: &Tree,
    village_cells: &[Vec<Block>],
    seed: u64,
) -> Vec<Unit> {
    let layout = CodeLayout::default();
    let city_code: UnitCode = CITY_CODE.parse().expect("520100 is a valid code");
    let geometry = |b: Block| MultiPolygon(vec![Polygon::new(lattice.ring(b), vec![])]);
    let unzip = |v: &[(Block, usize)]| -> (Vec<Block>, Vec<usize>) { v.iter().copied().unzip() };
    let (township_blocks, township_parent) = unzip(&tree.townships);
    let (village_blocks, village_parent) = unzip(&tree.villages);
    let (cell_blocks, cell_parent): (Vec<Block>, Vec<usize>) = village_cells
        .iter()
        .enumerate()
        .flat_map(|(v, cells)| cells.iter().map(move |&b| (b, v)))
        .unzip();
    let plans = [
        LevelPlan {
            level: Level::District,
            word: "District",
            parent: vec![0; tree.districts.len()],
            blocks: tree.districts.clone(),
        },
        LevelPlan {
            level: Level::Township,
            word: "Township",
            blocks: township_blocks,
            parent: township_parent,
        },
        LevelPlan {
            level: Level::Village,
            word: "Village",
            blocks: village_blocks,
            parent: village_parent,
        },
        LevelPlan {
            level: Level::Cell,
            word: "Cell",
            blocks: cell_blocks,
            parent: cell_parent,
        },
    ];

    // Households: drawn per cell in lattice order, then summed up the tree.
    let mut rng = SplitMix64::fork(seed, 1);
    let mut totals: Vec<Vec<u64>> = plans.iter().map(|p| vec![0; p.blocks.len()]).collect();
    totals[3] = (0..plans[3].blocks.len())
        .map(|_| 300 + rng.below(201) as u64)
        .collect();
    for l in (1..4).rev() {
        let (upper, lower) = totals.split_at_mut(l);
        for (i, &p) in plans[l].parent.iter().enumerate() {
            upper[l - 1][p] += lower[0][i];
        }
    }
    let households = |n: u64| AttrValue::Number(n as f64);

    let mut out = vec![
        Unit::new(city_code.clone(), Level::City, geometry(city))
            .with_name("Synthetic City")
            .with_attribute("households", households(totals[0].iter().sum())),
    ];
    let mut parent_codes = vec![city_code];
    let mut parent_level = Level::City;
    for (plan, totals) in plans.iter().zip(&totals) {
        let geoms: Vec<MultiPolygon<f64>> = plan.blocks.iter().map(|&b| geometry(b)).collect();
        let seqs = sequence_numbers(&plan.parent, parent_codes.len(), &geoms);
        let mut units: Vec<Unit> = geoms
            .into_iter()
            .enumerate()
            .map(|(i, g)| {
                let parent = &parent_codes[plan.parent[i]];
                let code = layout
                    .child_code(parent, parent_level, seqs[i])
                    .expect("sibling counts are capped to fit their digits");
                let digits = usize::from(
                    layout.digits(plan.level).digits - layout.digits(parent_level).significant,
                );
                Unit::new(code, plan.level, g)
                    .with_name(format!("{} {:0digits$}", plan.word, seqs[i]))
                    .with_parent(parent.clone())
                    .with_attribute("households", households(totals[i]))
            })
            .collect();
        parent_codes = units.iter().map(|u| u.code.clone()).collect();
        parent_level = plan.level;
        units.sort_by(|a, b| a.code.cmp(&b.code));
        out.extend(units);
    }
    out
}

/// 1-based sequence numbers of units among their siblings (units with the same
/// parent index), in the model's reading order: north to south, west to east.
fn sequence_numbers(parent: &[usize], parents: usize, geoms: &[MultiPolygon<f64>]) -> Vec<u32> {
    let mut siblings: Vec<Vec<usize>> = vec![Vec::new(); parents];
    for (i, &p) in parent.iter().enumerate() {
        siblings[p].push(i);
    }
    let mut seqs = vec![0; geoms.len()];
    for kids in &siblings {
        let refs: Vec<&MultiPolygon<f64>> = kids.iter().map(|&i| &geoms[i]).collect();
        for (&i, seq) in kids.iter().zip(reading_order(&refs)) {
            seqs[i] = seq;
        }
    }
    seqs
}

#[cfg(test)]
#[path = "city_tests.rs"]
mod tests;
