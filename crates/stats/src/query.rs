//! What a statistics request asks for.

use citygrid_model::Level;

/// One level's rows, optionally under a code prefix, in a time window, grouped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsQuery {
    /// The level whose units are the rows.
    pub level: Level,
    /// Only units whose code starts with this (a district's code gives its cells).
    pub prefix: Option<String>,
    /// Points whose first time field is at or after this (seconds since the epoch).
    pub from: Option<i64>,
    /// ... and before this: the window is half-open, so consecutive windows add up.
    pub to: Option<i64>,
    /// The field that splits counts into `groups` (default: the layer's category).
    pub group_by: Option<String>,
}

impl StatsQuery {
    /// Every unit of `level`, all time, grouped by the layer's category.
    #[must_use]
    pub fn level(level: Level) -> Self {
        StatsQuery {
            level,
            prefix: None,
            from: None,
            to: None,
            group_by: None,
        }
    }

    /// Whether a time window is asked for.
    #[must_use]
    pub fn has_window(&self) -> bool {
        self.from.is_some() || self.to.is_some()
    }
}
