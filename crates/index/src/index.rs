//! [`CellIndex`]: the point -> cell lookup, its options and its statistics.

use citygrid_model::{Partition, UnitId};

use std::hint::select_unpredictable;

use crate::blocks::{self, MIXED};
use crate::compact::{GROUP, GROUP_WORDS, Group};
use crate::edges::{Edge, Label, cell_edges};
use crate::error::Result;
use crate::grid::Grid;
use crate::near::{NearCell, Outline, inside_or_nearest};

/// How fine the grid is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IndexOptions {
    tiles_per_cell: f64,
    block_shift: u32,
}

impl Default for IndexOptions {
    /// 256 tiles per cell in blocks of 8 x 8: on a Guiyang-sized generated city
    /// (`benches/index.rs`) about two thirds of the points then need a tile word and
    /// a sixth need edges; finer grids gain a few percent for a quarter more memory.
    fn default() -> Self {
        IndexOptions {
            tiles_per_cell: 256.0,
            block_shift: 3,
        }
    }
}

impl IndexOptions {
    /// The number of grid tiles per cell, on average over the city's bounding box
    /// (at least one block per 16 cells). Finer tiles: more of them inside a
    /// single cell and fewer edges in the others, so fewer edge tests, at the cost of
    /// memory for the tiles near boundaries and for edges repeated in every tile they
    /// touch.
    #[must_use]
    pub fn tiles_per_cell(mut self, n: f64) -> Self {
        self.tiles_per_cell = if n.is_nan() { 256.0 } else { n };
        self
    }

    /// Tiles are grouped in blocks of `2^shift` x `2^shift` (clamped to 0..=5); a block
    /// inside one cell is stored as one word. Larger blocks: fewer block words (which
    /// stay in cache), more tile words per block crossed by a boundary.
    #[must_use]
    pub fn block_shift(mut self, shift: u32) -> Self {
        self.block_shift = shift.min(5);
        self
    }
}

/// What an index holds, for sizing and reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct IndexStats {
    /// Cells indexed.
    pub cells: usize,
    /// Grid columns (of tiles).
    pub columns: usize,
    /// Grid rows (of tiles).
    pub rows: usize,
    /// Blocks of tiles.
    pub blocks: usize,
    /// Blocks not inside one cell, whose tiles are stored.
    pub mixed_blocks: usize,
    /// Tiles crossed by a boundary, whose points need edge tests.
    pub mixed_tiles: usize,
    /// Edges (and steps) stored in those tiles, counting an edge once per tile.
    pub stored_edges: usize,
    /// Segments of the city's outline, for [`CellIndex::lookup_near`].
    pub outline_segments: usize,
}

/// Point -> cell for a whole city: exactly one cell for every point inside it.
///
/// Built once from a [`Partition`]'s cells (its [`Level::Cell`](citygrid_model::Level)
/// units); answers with their [`UnitId`]s in that partition. Points on boundaries
/// follow the half-open rule described in the [crate documentation](crate), the same
/// rule `citygrid check` uses, so the two never disagree about which cell a point is
/// in. The answers are exact for the stored coordinates: no tolerance, no rounding.
///
/// The index is immutable, `Send` and `Sync`: share one between threads.
///
/// # Examples
/// ```
/// use citygrid_index::CellIndex;
/// use citygrid_model::{CodeLayout, Level, Partition, Unit};
/// use geo_types::{MultiPolygon, polygon};
///
/// // Two cells sharing the edge x = 1.
/// let square = |x: f64| {
///     MultiPolygon(vec![polygon![
///         (x: x, y: 0.), (x: x + 1., y: 0.), (x: x + 1., y: 1.), (x: x, y: 1.)
///     ]])
/// };
/// let cells = vec![
///     Unit::new("1".parse()?, Level::Cell, square(0.0)),
///     Unit::new("2".parse()?, Level::Cell, square(1.0)),
/// ];
/// let partition = Partition::new(cells, CodeLayout::default())?;
/// let index = CellIndex::new(&partition)?;
/// let west = partition.id_of(&"1".parse()?);
/// let east = partition.id_of(&"2".parse()?);
///
/// assert_eq!(index.lookup(0.5, 0.5), west);
/// // On the shared edge: the cell to the east.
/// assert_eq!(index.lookup(1.0, 0.5), east);
/// // Outside, and not a point at all.
/// assert_eq!(index.lookup(3.0, 0.5), None);
/// assert_eq!(index.lookup(f64::NAN, 0.5), None);
/// // The nearest cell within 200 km of a point a degree east of the city.
/// let near = index.lookup_near(3.0, 0.0, 200_000.0).unwrap();
/// assert_eq!(Some(near.cell), east);
/// assert!((near.distance_m - 111_319.5).abs() < 0.1); // a degree at the equator
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct CellIndex {
    grid: Grid,
    blocks: Vec<u32>,
    arena: Vec<u32>,
    dummy_run: usize,
    exact: Vec<Edge>,
    mixed_blocks: usize,
    mixed_tiles: usize,
    /// Valid labels are `first_label..end_label`; anything else (only possible for a
    /// partition whose cells overlap) is no answer.
    first_label: Label,
    end_label: Label,
    outline: Outline,
}

impl CellIndex {
    /// Indexes the cells of `partition` with the default options.
    ///
    /// # Errors
    /// [`IndexError::NonFinite`](crate::IndexError::NonFinite) when a cell has a NaN or
    /// infinite coordinate, [`IndexError::TooLarge`](crate::IndexError::TooLarge) when
    /// the partition does not fit the index's 32-bit tables.
    pub fn new(partition: &Partition) -> Result<Self> {
        Self::with_options(partition, IndexOptions::default())
    }

    /// Indexes the cells of `partition`.
    ///
    /// # Errors
    /// As [`CellIndex::new`].
    pub fn with_options(partition: &Partition, options: IndexOptions) -> Result<Self> {
        let input = cell_edges(partition)?;
        let n_cells = input.cells.len();
        let shift = options.block_shift;
        let per_block = (1u32 << (2 * shift)) as f64;
        // At least a block per 16 cells; at most 2^26 tiles (the build holds a word
        // per tile for a while).
        let blocks = ((options.tiles_per_cell / per_block).max(1.0 / 16.0) * n_cells as f64)
            .min(f64::from(1u32 << 26) / per_block);
        let grid = Grid::new(input.bbox, blocks, shift);
        let tiles = blocks::build(&grid, &input.edges)?;
        Ok(CellIndex {
            grid,
            blocks: tiles.blocks,
            arena: tiles.arena,
            dummy_run: tiles.dummy_run,
            exact: tiles.exact,
            mixed_blocks: tiles.mixed_blocks,
            mixed_tiles: tiles.mixed_tiles,
            first_label: input.cells.start + 1,
            end_label: input.cells.end + 1,
            outline: Outline::new(input.outline, input.bbox),
        })
    }

    /// The cell containing the point `(lon, lat)`, or `None` outside every cell.
    ///
    /// A point on a boundary is in the cell the half-open rule gives (see the
    /// [crate documentation](crate)); NaN and infinite coordinates are in no cell.
    #[inline]
    #[must_use]
    pub fn lookup(&self, lon: f64, lat: f64) -> Option<UnitId> {
        self.cell_of(self.label(lon, lat))
    }

    /// [`CellIndex::lookup`] for many points: `out` is cleared and gets one answer per
    /// point, in order.
    ///
    /// Faster than calling [`CellIndex::lookup`] in a loop (about 1.5 to 2 times on
    /// a city-sized index): the points are taken 16 at a time, and each step of the
    /// lookup (block word, tile word, run of edges) requests the memory of all of
    /// them before any is used, so the waits for memory overlap instead of adding up.
    /// Those steps do not branch on what they read (a point that needs no tile word
    /// or no edges reads a harmless dummy), so no mispredicted branch throws the
    /// requests after it away.
    pub fn lookup_batch(&self, points: &[(f64, f64)], out: &mut Vec<Option<UnitId>>) {
        out.clear();
        out.reserve(points.len());
        for chunk in points.chunks(LANES) {
            // 1. Block words.
            let mut word = [0u32; LANES];
            let mut at = [0usize; LANES];
            let mut tile = [(0u32, 0u32); LANES];
            for (((w, a), t), &(x, y)) in word.iter_mut().zip(&mut at).zip(&mut tile).zip(chunk) {
                (*w, *a, *t) = self.block_word(x, y);
            }
            // 2. Tile words (from the arena's block of zeros for blocks that need none).
            for (w, &a) in word.iter_mut().zip(&at) {
                let tile = self.arena[a];
                *w = select_unpredictable(*w & MIXED == 0, *w, tile);
            }
            // 3. The cache lines of run headers and first groups of edges (of the
            //    empty run for tiles that need none), only touched: they are read in
            //    step 4, when all of them are on their way.
            for &w in &word {
                let o = select_unpredictable(w & MIXED == 0, self.dummy_run, (w & !MIXED) as usize);
                std::hint::black_box(self.arena[o]);
                std::hint::black_box(self.arena[o + blocks::run_words(1) - 1]);
            }
            // 4. The answers.
            for ((&w, &(i, j)), &(x, y)) in word.iter().zip(&tile).zip(chunk) {
                let label = if w & MIXED == 0 {
                    w
                } else {
                    let o = (w & !MIXED) as usize;
                    self.run_label(o, x, y, self.grid.units(x, y, i, j))
                };
                out.push(self.cell_of(label));
            }
        }
    }

    /// The cell containing the point, or else the nearest cell at most `max_m` metres
    /// away, with its distance (0 for a point in a cell or on its outline).
    ///
    /// Distances are measured in a tangent plane at the point, which is accurate for
    /// the distances a city's edge calls for (0.08 % at 10 km, see
    /// `citygrid_crs::LocalFrame`). `None` when no cell is that close, when `max_m` is
    /// NaN or negative, or when the point is not a valid longitude and latitude.
    #[must_use]
    pub fn lookup_near(&self, lon: f64, lat: f64, max_m: f64) -> Option<NearCell> {
        inside_or_nearest(
            max_m,
            || self.lookup(lon, lat),
            || self.outline.nearest(lon, lat, max_m),
        )
    }

    /// Bytes of memory the index holds (its tables' capacity, the outline's R-tree
    /// estimated).
    #[must_use]
    pub fn memory_bytes(&self) -> usize {
        std::mem::size_of::<Self>()
            + (self.blocks.capacity() + self.arena.capacity()) * std::mem::size_of::<u32>()
            + self.exact.capacity() * std::mem::size_of::<Edge>()
            + self.outline.memory_bytes()
    }

    /// The city's outline, for the nearest cell.
    pub(crate) fn outline(&self) -> &Outline {
        &self.outline
    }

    /// What the index holds.
    #[must_use]
    pub fn stats(&self) -> IndexStats {
        IndexStats {
            cells: (self.end_label - self.first_label) as usize,
            columns: self.grid.nx,
            rows: self.grid.ny,
            blocks: self.blocks.len(),
            mixed_blocks: self.mixed_blocks,
            mixed_tiles: self.mixed_tiles,
            stored_edges: self.exact.len(),
            outline_segments: self.outline.len(),
        }
    }

    /// The word of the point's block, where the point's tile word would be if the
    /// block is mixed (in the arena's block of zeros when it is not), and the point's
    /// tile: zeros outside the grid.
    #[inline(always)]
    fn block_word(&self, x: f64, y: f64) -> (u32, usize, (u32, u32)) {
        let Some((i, j)) = self.grid.tile(x, y) else {
            return (0, 0, (0, 0));
        };
        let s = self.grid.shift;
        let m = (1 << s) - 1;
        let word = self.blocks[(j >> s) as usize * self.grid.bx + (i >> s) as usize];
        let local = (((j & m) << s) | (i & m)) as usize;
        let start = select_unpredictable(word & MIXED == 0, 0, (word & !MIXED) as usize);
        (word, start + local, (i, j))
    }

    /// The label of the point: the sum of every edge's half-open contribution,
    /// computed from its tile.
    #[inline(always)]
    fn label(&self, x: f64, y: f64) -> Label {
        let (mut word, at, (i, j)) = self.block_word(x, y);
        if word & MIXED != 0 {
            word = self.arena[at];
        }
        if word & MIXED == 0 {
            return word;
        }
        let o = (word & !MIXED) as usize;
        self.run_label(o, x, y, self.grid.units(x, y, i, j))
    }

    /// The label from the run at `o`: the base plus every edge's contribution,
    /// settled by the compact copies a group at a time, or else by the exact edge.
    #[inline(always)]
    fn run_label(&self, o: usize, x: f64, y: f64, q: (i32, i32)) -> Label {
        let (base, groups, exact) = (self.arena[o], self.arena[o + 1], self.arena[o + 2]);
        let mut acc = base;
        for k in 0..groups as usize {
            let group = Group::read(&self.arena, o + blocks::HEADER + k * GROUP_WORDS);
            let (add, mut open) = group.settle(q.0, q.1);
            acc = acc.wrapping_add(add);
            while open != 0 {
                let bit = open.trailing_zeros() as usize;
                let add = match group.west_of(bit, q.0, q.1) {
                    Some(west) => select_unpredictable(west, group.w[bit], 0),
                    None => self.exact[exact as usize + k * GROUP + bit].contribution(x, y),
                };
                acc = acc.wrapping_add(add);
                open &= open - 1;
            }
        }
        acc
    }

    #[inline(always)]
    fn cell_of(&self, label: Label) -> Option<UnitId> {
        (label >= self.first_label && label < self.end_label).then(|| label - 1)
    }
}

/// Points taken together by [`CellIndex::lookup_batch`].
const LANES: usize = 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_send_and_sync() {
        fn both<T: Send + Sync>() {}
        both::<CellIndex>();
    }
}
