//! `set`: a unit's name and attributes, no geometry.

use std::collections::BTreeMap;

use citygrid_model::{AttrValue, Unit, UnitCode};

use crate::working::{Step, Working};

/// The unit with `attributes` applied: `name` (text) renames it, any other key
/// sets an attribute, `None` removes one.
pub(super) fn step(
    w: &Working<'_>,
    code: &UnitCode,
    attributes: &BTreeMap<String, Option<AttrValue>>,
) -> Result<Step, String> {
    let unit = w
        .now
        .get(code)
        .ok_or_else(|| format!("{code} is not a unit of version {}", w.now.version()))?;
    let mut changed: Unit = (**unit).clone();
    for (key, value) in attributes {
        match (key.as_str(), value) {
            ("name", Some(AttrValue::Text(name))) => changed.name = name.clone(),
            ("name", _) => return Err("name must be text".to_string()),
            (_, Some(v)) => {
                changed.attributes.insert(key.clone(), v.clone());
            }
            (_, None) => {
                changed.attributes.remove(key);
            }
        }
    }
    Ok(Step {
        upserts: vec![changed],
        ..Step::default()
    })
}
