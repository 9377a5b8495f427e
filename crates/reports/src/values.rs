//! Codes and sizes as both reports write them.

use citygrid_model::UnitCode;

/// Codes as the strings they are.
pub(crate) fn codes(list: &[UnitCode]) -> Vec<&str> {
    list.iter().map(UnitCode::as_str).collect()
}

/// Keeps 3 decimals: millimetres, or square millimetres, which no survey beats,
/// and stable text from run to run.
pub(crate) fn round(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
