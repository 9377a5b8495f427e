//! The edit operations, as the engine takes them: codes validated, geometry in
//! WGS84 lon/lat (the server and the command line convert from the caller's CRS).

use std::collections::BTreeMap;

use citygrid_model::{AttrValue, Unit, UnitCode};
use geo_types::{LineString, MultiPolygon};

/// One edit operation. All operations of one request are applied in order on the
/// result of the ones before, validated together, and committed together or not at
/// all.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// Moves the part of cell `from` inside `area` to its neighbour `to`.
    Transfer {
        /// The cell giving area.
        from: UnitCode,
        /// The neighbouring cell taking it.
        to: UnitCode,
        /// What moves (only its part inside `from` counts).
        area: MultiPolygon<f64>,
        /// Whether village (and higher) boundaries may move with it; without it an
        /// edit that changes a parent's boundary is refused.
        move_parents: bool,
    },
    /// Replaces the stretch of boundary between two cells that lies between the
    /// line's two ends (both on that boundary) by the line.
    Reshape {
        /// The new boundary.
        line: LineString<f64>,
        /// As for [`Op::Transfer`].
        move_parents: bool,
    },
    /// Cuts a cell in two along a line whose ends lie on its boundary. The larger
    /// part keeps the code; the smaller gets the next free code of the village.
    Split {
        /// The cell.
        cell: UnitCode,
        /// The cut.
        line: LineString<f64>,
    },
    /// Joins two neighbouring cells of one village; the first keeps its code, name
    /// and attributes, the second's code is retired.
    Merge {
        /// The two cells, the one keeping its code first.
        cells: [UnitCode; 2],
    },
    /// Moves a cell to a neighbouring village: it gets the next free code there,
    /// the old code is retired, both villages (and their parents if they differ)
    /// change shape.
    Reparent {
        /// The cell.
        cell: UnitCode,
        /// The village it joins.
        village: UnitCode,
    },
    /// Changes attributes of a unit, no geometry: `name` sets the name, any other
    /// key an attribute; `None` removes it.
    Set {
        /// The unit.
        cell: UnitCode,
        /// New values.
        attributes: BTreeMap<String, Option<AttrValue>>,
    },
    /// Whole units as edited elsewhere (a GeoPackage edited in QGIS): each replaces
    /// the unit with its code or is added; `removed` codes are retired. Validated
    /// like every other edit.
    Replace {
        /// Units to put in.
        units: Vec<Unit>,
        /// Codes to take out.
        removed: Vec<UnitCode>,
    },
}

impl Op {
    /// The name of the operation, as the HTTP API spells it.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            Op::Transfer { .. } => "transfer",
            Op::Reshape { .. } => "reshape",
            Op::Split { .. } => "split",
            Op::Merge { .. } => "merge",
            Op::Reparent { .. } => "reparent",
            Op::Set { .. } => "set",
            Op::Replace { .. } => "replace",
        }
    }
}
