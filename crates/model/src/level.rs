//! The levels of the admin hierarchy, from the whole city down to grid cells.

use std::fmt;
use std::str::FromStr;

use crate::error::ModelError;

/// One level of the hierarchy: city > district (区/市/县) > township (乡镇/街道) >
/// village or community (村/居) > grid cell (网格).
///
/// Ordered from the top: `Level::City < Level::Cell`. Any level but `Cell` may be
/// missing from an input; cells are always present.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Level {
    /// The whole city (地级市), e.g. Guiyang 520100.
    City,
    /// A county-level division: district, county or county-level city (区/县/县级市).
    District,
    /// A township-level division: town, township or street office (镇/乡/街道).
    Township,
    /// A village or residential community (村/居委会).
    Village,
    /// A grid cell (网格), the smallest managed unit.
    Cell,
}

impl Level {
    /// All levels from the top down.
    pub const ALL: [Level; 5] = [
        Level::City,
        Level::District,
        Level::Township,
        Level::Village,
        Level::Cell,
    ];

    /// The canonical lowercase English name, as written in files and URLs.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Level::City => "city",
            Level::District => "district",
            Level::Township => "township",
            Level::Village => "village",
            Level::Cell => "cell",
        }
    }

    /// The name of a layer of this level's units (GeoPackage tables, GeoJSON files,
    /// tile layers): `city`, `districts`, `townships`, `villages`, `cells`.
    #[must_use]
    pub fn layer_name(self) -> &'static str {
        match self {
            Level::City => "city",
            Level::District => "districts",
            Level::Township => "townships",
            Level::Village => "villages",
            Level::Cell => "cells",
        }
    }

    /// Position from the top (city = 0, cell = 4); indexes per-level tables.
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }

    /// The level directly below, if any.
    #[must_use]
    pub fn child(self) -> Option<Level> {
        Level::ALL.get(self.index() + 1).copied()
    }

    /// The level directly above, if any.
    #[must_use]
    pub fn parent(self) -> Option<Level> {
        self.index().checked_sub(1).map(|i| Level::ALL[i])
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Level {
    type Err = ModelError;

    /// Accepts the English names and the Chinese words GIS staff write in attribute
    /// tables (区, 县, 街道, 村, 社区, 网格, ...).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        Ok(match t.as_str() {
            "city" | "市" | "地级市" => Level::City,
            "district" | "county" | "区" | "县" | "县级市" | "区县" => Level::District,
            "township" | "town" | "street" | "乡" | "镇" | "乡镇" | "街道" => Level::Township,
            "village" | "community" | "村" | "居" | "社区" | "村居" => Level::Village,
            "cell" | "grid" | "网格" => Level::Cell,
            _ => {
                return Err(ModelError::UnknownLevel {
                    input: s.to_string(),
                });
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_english_and_chinese_names() {
        assert_eq!("District".parse::<Level>().unwrap(), Level::District);
        assert_eq!("街道".parse::<Level>().unwrap(), Level::Township);
        assert_eq!("网格".parse::<Level>().unwrap(), Level::Cell);
        assert!("block".parse::<Level>().is_err());
    }

    #[test]
    fn walks_up_and_down() {
        assert_eq!(Level::City.child(), Some(Level::District));
        assert_eq!(Level::Cell.child(), None);
        assert_eq!(Level::City.parent(), None);
        assert_eq!(Level::Cell.parent(), Some(Level::Village));
        assert!(Level::City < Level::Cell);
    }
}
