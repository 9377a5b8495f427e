//! Reading units and a boundary the same way in every command.

use std::path::Path;

use anyhow::Result;
use clap::Args;
use geo_types::MultiPolygon;

use citygrid_check::Violation;
use citygrid_crs::Crs;
use citygrid_io::{Loaded, ReadOptions, read_boundary, read_units};

use crate::commands::fields::FieldArgs;

/// Which properties hold what, and the coordinate system of the inputs.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Property names.
    #[command(flatten)]
    pub fields: FieldArgs,
    /// Coordinate system of the inputs: wgs84, cgcs2000, gcj02, bd09, epsg:3857,
    /// epsg:4534..4554 (Gauss-Kruger 3° zones), epsg:4513..4533 (with zone prefix).
    /// Default: the file's crs member, else wgs84.
    #[arg(long)]
    pub crs: Option<Crs>,
}

impl InputArgs {
    /// Reader options for these properties and `--crs`.
    pub fn read_options(&self) -> ReadOptions {
        self.fields.read_options(self.crs)
    }

    /// Reads the units and, if given, the boundary (in the units' coordinate system
    /// unless `--crs` says otherwise).
    pub fn read(
        &self,
        units: &Path,
        boundary: Option<&Path>,
    ) -> Result<(Loaded, Option<MultiPolygon<f64>>)> {
        let loaded = read_units(units, &self.read_options())?;
        let boundary = boundary
            .map(|b| read_boundary(b, self.crs.or(Some(loaded.crs))))
            .transpose()?;
        Ok((loaded, boundary))
    }
}

/// The rings the reader closed or found too short, as the checker reports them:
/// `invalid_geometry` violations naming level, unit and place.
pub fn read_violations(loaded: &Loaded) -> Vec<Violation> {
    loaded
        .defects
        .iter()
        .map(|d| Violation::invalid_geometry(&loaded.units[d.unit], &d.ring.message, d.ring.at))
        .collect()
}
