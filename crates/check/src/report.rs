//! What a check finds: violations of named rules, each with the units involved, a
//! location and a size.

use std::fmt;

use geo_types::{Coord, Geometry, Point};
use serde::Serialize;

use citygrid_model::{Unit, UnitCode};

/// The rules a partition must keep. Names are stable: scripts and reports use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// A ring that is unclosed, too short, self-intersecting, has NaN or infinite
    /// coordinates, or a hole outside its shell.
    InvalidGeometry,
    /// Two units share interior area.
    Overlap,
    /// Area inside the boundary (or enclosed by units) that no unit covers.
    Gap,
    /// Neighbours whose shared boundary does not match vertex for vertex.
    UnmatchedEdge,
    /// A unit not within its parent, or outside the city boundary.
    OutsideParent,
    /// A code used by more than one unit.
    DuplicateCode,
    /// A code that is malformed for its level or not prefixed by its parent's.
    BadCode,
    /// A unit thinner or smaller than the thresholds.
    Sliver,
    /// A unit in several pieces where one is expected.
    Multipart,
}

impl Rule {
    /// All rules, in report order.
    pub const ALL: [Rule; 9] = [
        Rule::InvalidGeometry,
        Rule::Overlap,
        Rule::Gap,
        Rule::UnmatchedEdge,
        Rule::OutsideParent,
        Rule::DuplicateCode,
        Rule::BadCode,
        Rule::Sliver,
        Rule::Multipart,
    ];

    /// The stable snake_case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Rule::InvalidGeometry => "invalid_geometry",
            Rule::Overlap => "overlap",
            Rule::Gap => "gap",
            Rule::UnmatchedEdge => "unmatched_edge",
            Rule::OutsideParent => "outside_parent",
            Rule::DuplicateCode => "duplicate_code",
            Rule::BadCode => "bad_code",
            Rule::Sliver => "sliver",
            Rule::Multipart => "multipart",
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How big a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "unit", content = "value")]
pub enum Size {
    /// A length or width in metres.
    #[serde(rename = "m")]
    Metres(f64),
    /// An area in square metres.
    #[serde(rename = "m2")]
    SquareMetres(f64),
}

impl fmt::Display for Size {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Size::Metres(v) => write!(f, "{v:.2} m"),
            Size::SquareMetres(v) => write!(f, "{v:.2} m²"),
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Violation {
    /// Which rule.
    pub rule: Rule,
    /// The units involved, in a stable order.
    pub codes: Vec<UnitCode>,
    /// Where, in WGS84 lon/lat (absent only when the coordinates themselves are not
    /// numbers).
    pub location: Option<Geometry<f64>>,
    /// How big.
    pub size: Option<Size>,
    /// A sentence saying what is wrong, naming units and place.
    pub message: String,
}

impl Violation {
    /// An `invalid_geometry` violation of one unit, at a point when it has one.
    #[must_use]
    pub fn invalid_geometry(unit: &Unit, message: &str, at: Option<Coord<f64>>) -> Self {
        Violation {
            rule: Rule::InvalidGeometry,
            codes: vec![unit.code.clone()],
            location: at.map(|c| Geometry::Point(Point(c))),
            size: None,
            message: format!("{} {}: {message}", unit.level, unit.code),
        }
    }
}

/// The outcome of a check.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// Units checked, all levels.
    pub units: usize,
    /// Cells among them.
    pub cells: usize,
    /// Everything found, sorted by rule, then codes.
    pub violations: Vec<Violation>,
}

impl Report {
    /// Whether no rule is broken.
    #[must_use]
    pub fn is_valid(&self) -> bool {
        self.violations.is_empty()
    }

    /// How many violations of one rule.
    #[must_use]
    pub fn count(&self, rule: Rule) -> usize {
        self.violations.iter().filter(|v| v.rule == rule).count()
    }

    /// Sorts violations into their stable report order.
    pub fn sort(&mut self) {
        self.violations.sort_by(|a, b| {
            (a.rule, &a.codes)
                .cmp(&(b.rule, &b.codes))
                .then_with(|| a.message.cmp(&b.message))
        });
    }
}
