//! The rows of one level and which of them each cell adds to: a cell's row at its
//! own level, or its ancestor's at a higher one. Every statistic of a parent is
//! built from its cells through this map, which is what makes parents the sums of
//! their children.

use citygrid_model::{Level, Partition, UnitId};

/// A cell that adds to no row (not under the prefix, or not a cell).
pub(crate) const NO_ROW: u32 = u32::MAX;

/// The units that are rows, in code order, and each unit's row.
pub(crate) struct LevelRows {
    /// The units of the rows, sorted by code.
    pub units: Vec<UnitId>,
    /// By unit id: the row a cell adds to, [`NO_ROW`] for none.
    pub row_of: Vec<u32>,
}

impl LevelRows {
    /// The rows of `level` in `partition` whose codes start with `prefix`.
    pub(crate) fn new(partition: &Partition, level: Level, prefix: Option<&str>) -> Self {
        let mut units: Vec<UnitId> = partition
            .level_ids(level)
            .filter(|&id| prefix.is_none_or(|p| partition.unit(id).code.as_str().starts_with(p)))
            .collect();
        units.sort_by(|a, b| partition.unit(*a).code.cmp(&partition.unit(*b).code));
        let mut row_of_unit = vec![NO_ROW; partition.units().len()];
        for (row, &id) in units.iter().enumerate() {
            row_of_unit[id as usize] = row as u32;
        }
        let mut row_of = vec![NO_ROW; partition.units().len()];
        for cell in partition.level_ids(Level::Cell) {
            let owner = std::iter::once(cell)
                .chain(partition.ancestors(cell))
                .find(|&u| partition.unit(u).level == level);
            if let Some(u) = owner {
                row_of[cell as usize] = row_of_unit[u as usize];
            }
        }
        LevelRows { units, row_of }
    }

    /// The row cell `id` adds to.
    pub(crate) fn row(&self, id: UnitId) -> Option<usize> {
        match self.row_of.get(id as usize) {
            Some(&r) if r != NO_ROW => Some(r as usize),
            _ => None,
        }
    }
}
