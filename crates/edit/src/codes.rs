//! New codes: the next sequence number under a parent that no unit has ever had.

use citygrid_model::{Partition, UnitCode};

/// The code a new child of `parent` gets: one past the highest sequence number of
/// its children now, skipping every code ever used (`taken`: the store's retired
/// codes, and codes made earlier in the same edit). Codes of existing units never
/// change, so new ones go at the end of the numbering.
///
/// # Errors
/// A message when the parent is unknown or its children's digits are used up.
pub(crate) fn next_child_code(
    partition: &Partition,
    parent: &UnitCode,
    taken: &dyn Fn(&UnitCode) -> bool,
) -> Result<UnitCode, String> {
    let pid = partition
        .id_of(parent)
        .ok_or_else(|| format!("{parent} is not in the partition"))?;
    let level = partition.unit(pid).level;
    let layout = partition.layout();
    let significant = usize::from(layout.digits(level).significant);
    let highest = partition
        .children_of(pid)
        .iter()
        .filter_map(|&c| {
            partition
                .unit(c)
                .code
                .as_str()
                .get(significant..)?
                .parse::<u32>()
                .ok()
        })
        .max()
        .unwrap_or(0);
    let mut seq = highest + 1;
    loop {
        let code = layout
            .child_code(parent, level, seq)
            .map_err(|e| format!("no code left under {parent}: {e}"))?;
        if partition.get(&code).is_none() && !taken(&code) {
            return Ok(code);
        }
        seq += 1;
    }
}
