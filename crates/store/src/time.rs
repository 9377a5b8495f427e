//! Times as stored: RFC 3339 UTC text with exactly three fraction digits
//! (`2026-03-01T08:30:00.125Z`). One fixed width makes text order time order, so
//! "the version in force at t" is an indexed comparison of strings; the same form
//! is GeoPackage's `gpkg_contents.last_change` (1.4 requirement 15).

use jiff::Timestamp;

/// Now, to the millisecond.
pub(crate) fn now() -> Timestamp {
    truncate(Timestamp::now())
}

/// `t` without its sub-millisecond part (towards the past).
pub(crate) fn truncate(t: Timestamp) -> Timestamp {
    Timestamp::from_millisecond(t.as_millisecond()).unwrap_or(t)
}

/// The stored text of `t`, truncated to the millisecond.
pub(crate) fn format(t: Timestamp) -> String {
    truncate(t).strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// A stored time.
///
/// # Errors
/// jiff's message when the text is not RFC 3339.
pub(crate) fn parse(text: &str) -> Result<Timestamp, String> {
    text.parse().map_err(|e: jiff::Error| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_width_text_sorts_as_time() {
        let t: Timestamp = "2026-03-01T08:30:00.1259Z".parse().unwrap();
        assert_eq!(format(t), "2026-03-01T08:30:00.125Z");
        assert_eq!(
            format("2026-03-01T08:30:00Z".parse().unwrap()),
            "2026-03-01T08:30:00.000Z"
        );
        assert_eq!(parse(&format(t)).unwrap(), truncate(t));
        assert!(format(t) < format(t + jiff::SignedDuration::from_millis(1)));
    }
}
