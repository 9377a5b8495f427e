//! What a repair did and what it could not do: each change names its kind, the
//! units, where, and how much area moved.

use std::fmt;

use geo_types::Geometry;

use citygrid_model::{Level, Unit, UnitCode};

/// The kinds of change a repair makes. Names are stable: reports and scripts use
/// them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ChangeKind {
    /// Vertices moved onto another unit's vertex, or inserted into its edge, because
    /// they were within the snapping distance.
    Snap,
    /// A ring was invalid (self-intersecting, a bow-tie, a spike, repeated or
    /// non-finite points, wrong orientation, not closed) and was read by the
    /// even-odd rule: what it encloses an odd number of times is inside.
    Ring,
    /// Area two or more units claimed, given to one of them.
    Overlap,
    /// A narrow gap, given to a neighbour.
    Gap,
    /// Area outside the boundary or outside the unit's parent, cut away.
    Outside,
    /// Where an inner boundary met the city boundary between two of its vertices,
    /// the meeting point was moved to the nearer boundary vertex, so the outline
    /// stays exactly the boundary's.
    Junction,
}

impl ChangeKind {
    /// Every kind, in report order.
    pub const ALL: [ChangeKind; 6] = [
        ChangeKind::Snap,
        ChangeKind::Ring,
        ChangeKind::Overlap,
        ChangeKind::Gap,
        ChangeKind::Outside,
        ChangeKind::Junction,
    ];

    /// The stable snake_case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Snap => "snap",
            ChangeKind::Ring => "ring",
            ChangeKind::Overlap => "overlap",
            ChangeKind::Gap => "gap",
            ChangeKind::Outside => "outside",
            ChangeKind::Junction => "junction",
        }
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One change a repair made.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// What kind.
    pub kind: ChangeKind,
    /// The level of the units involved.
    pub level: Level,
    /// The unit that received the area, if any (none when it was cut away).
    pub to: Option<UnitCode>,
    /// Every unit involved, sorted.
    pub units: Vec<UnitCode>,
    /// Where: the area that moved, or the points that did.
    pub location: Option<Geometry<f64>>,
    /// Square metres that changed hands.
    pub area_m2: f64,
    /// One sentence for people.
    pub message: String,
}

/// The kinds of problem a repair leaves for people to decide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A gap at least as wide as the limit: it may be a missing unit, so it is left
    /// open.
    WideGap,
    /// A narrow gap with no unit along it that may take it (e.g. a parent without
    /// children there).
    Unclaimed,
    /// A unit whose whole area another unit also covers, without a hole for it; it
    /// was kept and cut out of the other, which may be wrong if it is a duplicate.
    Enclave,
    /// A unit left with no area at all: it is not in the output.
    Vanished,
    /// A meeting of inner boundaries on the city boundary that could not be moved to
    /// a boundary vertex; a checker will see the outline differ there by less than
    /// a micrometre.
    Junction,
}

impl ProblemKind {
    /// The stable snake_case name.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            ProblemKind::WideGap => "wide_gap",
            ProblemKind::Unclaimed => "unclaimed",
            ProblemKind::Enclave => "enclave",
            ProblemKind::Vanished => "vanished",
            ProblemKind::Junction => "junction",
        }
    }
}

impl fmt::Display for ProblemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Something a repair could not settle on its own.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// What kind.
    pub kind: ProblemKind,
    /// The level of the units involved.
    pub level: Level,
    /// The units involved, sorted.
    pub units: Vec<UnitCode>,
    /// Where.
    pub location: Option<Geometry<f64>>,
    /// Its area in square metres, when it has one.
    pub area_m2: Option<f64>,
    /// Its width in metres (largest inscribed circle), for gaps.
    pub width_m: Option<f64>,
    /// One sentence for people.
    pub message: String,
}

/// The result of a repair.
#[derive(Debug, Clone, Default)]
pub struct Repaired {
    /// The repaired units, in input order, attributes kept; units that vanished are
    /// missing (and listed in `unresolved`).
    pub units: Vec<Unit>,
    /// Every change made.
    pub changes: Vec<Change>,
    /// What was left for people to decide.
    pub unresolved: Vec<Problem>,
}

impl Repaired {
    /// Whether everything found was repaired.
    #[must_use]
    pub fn is_complete(&self) -> bool {
        self.unresolved.is_empty()
    }

    /// Total square metres that changed hands: snapped, overlapping, gap, cut and
    /// junction area (not the area a ring repair reads differently).
    #[must_use]
    pub fn area_moved_m2(&self) -> f64 {
        self.changes
            .iter()
            .filter(|c| c.kind != ChangeKind::Ring)
            .map(|c| c.area_m2)
            .fold(0.0, |a, b| a + b)
    }
}

/// Units named as people read them: "district 520102" or "districts 520102, 520103".
pub(crate) fn names(level: Level, codes: &[UnitCode]) -> String {
    match codes {
        [] => "no unit".to_string(),
        [one] => format!("{level} {one}"),
        many => {
            let list: Vec<&str> = many.iter().map(UnitCode::as_str).collect();
            format!("{level}s {}", list.join(", "))
        }
    }
}
