//! Codes for units drawn outside the engine (features added to an export in QGIS,
//! parts of a feature split there): the next free sequence numbers under their
//! parents, never a code used before, as the engine's own operations give them.

use citygrid_model::{Level, Partition, UnitCode};

use crate::codes::next_child_code;

/// A new unit's code, and the name a new unit gets when it brings none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCode {
    /// The code.
    pub code: UnitCode,
    /// For a cell, its village's name and 第N网格 with N its sequence number (as
    /// `citygrid build` and `split` name cells); empty when the village has no name
    /// and for other levels.
    pub name: String,
}

/// One new code per entry of `parents`, in order: the next free sequence number
/// under that parent in `partition`, skipping every code `taken` says was ever
/// used and the codes given to the entries before it. Callers order the entries
/// west to east, north to south within a parent, so new codes read like the
/// rest.
///
/// # Errors
/// A message naming the parent when it is not in `partition` or its children's
/// digits are used up.
pub fn assign_codes(
    partition: &Partition,
    parents: &[UnitCode],
    taken: &dyn Fn(&UnitCode) -> bool,
) -> Result<Vec<NewCode>, String> {
    let mut given: Vec<NewCode> = Vec::with_capacity(parents.len());
    for parent in parents {
        let used = |c: &UnitCode| taken(c) || given.iter().any(|g| &g.code == c);
        let code = next_child_code(partition, parent, &used)?;
        let name = partition
            .get(parent)
            .filter(|p| p.level == Level::Village && !p.name.is_empty())
            .and_then(|village| {
                let digits = partition.layout().digits(Level::Village).significant;
                let seq: u32 = code.as_str().get(usize::from(digits)..)?.parse().ok()?;
                Some(format!("{}第{seq}网格", village.name))
            })
            .unwrap_or_default();
        given.push(NewCode { code, name });
    }
    Ok(given)
}

#[cfg(test)]
mod tests {
    use citygrid_model::CodeLayout;
    use citygrid_synth::SynthCity;

    use super::*;

    #[test]
    fn new_codes_follow_the_last_child_and_skip_codes_used_before() {
        let units = SynthCity::new(2).cells(20).generate();
        let p = Partition::new(units, CodeLayout::default()).unwrap();
        let village = p
            .level_ids(Level::Village)
            .map(|id| p.unit(id))
            .next()
            .unwrap();
        let vid = p.id_of(&village.code).unwrap();
        let last = p
            .children_of(vid)
            .iter()
            .map(|&c| p.unit(c).code.clone())
            .max()
            .unwrap();
        let next =
            |n: u64| -> UnitCode { (last.numeric().unwrap() + n).to_string().parse().unwrap() };
        let retired = next(1);
        let given = assign_codes(&p, &[village.code.clone(), village.code.clone()], &|c| {
            *c == retired
        })
        .unwrap();
        let codes: Vec<UnitCode> = given.iter().map(|g| g.code.clone()).collect();
        assert_eq!(codes, [next(2), next(3)]);
        if !village.name.is_empty() {
            let seq = next(2).numeric().unwrap() % 1000;
            assert_eq!(given[0].name, format!("{}第{seq}网格", village.name));
        }
        assert!(assign_codes(&p, &[next(9)], &|_| false).is_err());
    }
}
