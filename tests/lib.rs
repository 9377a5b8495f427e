//! Integration tests live in `it/`; this library holds only what a helper binary in
//! `bin/` and the tests that drive it must agree on.

/// The store writer's rounds (`bin/store_writer.rs`): which cells each version
/// changes, so a test can tell what every version must hold.
pub mod store_rounds {
    /// Cells per round.
    pub const CELLS_PER_ROUND: usize = 10;

    /// The indexes (in code order, among `cells` cells) of the cells version
    /// `version` sets `round` on: (10 V + j) mod n for j in 0..10.
    #[must_use]
    pub fn touched(version: u64, cells: usize) -> Vec<usize> {
        let first = version as usize * CELLS_PER_ROUND;
        let mut picked: Vec<usize> = (first..first + CELLS_PER_ROUND)
            .map(|i| i % cells)
            .collect();
        picked.sort_unstable();
        picked.dedup();
        picked
    }
}
