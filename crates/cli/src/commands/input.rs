//! Reading units and a boundary the same way in every command.

use std::path::Path;

use anyhow::Result;
use clap::Args;
use geo_types::MultiPolygon;

use citygrid_crs::Crs;
use citygrid_io::{Loaded, ReadOptions, read_boundary, read_units};

/// Which properties hold what, and the coordinate system of the inputs.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// Property holding each unit's code.
    #[arg(long, default_value = "code")]
    pub code_field: String,
    /// Property holding the parent unit's code.
    #[arg(long, default_value = "parent")]
    pub parent_field: String,
    /// Property holding the unit's name.
    #[arg(long, default_value = "name")]
    pub name_field: String,
    /// Property holding the level (city, district, township, village, cell or the
    /// Chinese terms); without it, the level follows from the code's length.
    #[arg(long, default_value = "level")]
    pub level_field: String,
    /// Coordinate system of the inputs: wgs84, cgcs2000, gcj02, bd09, epsg:3857,
    /// epsg:4534..4554 (Gauss-Kruger 3° zones), epsg:4513..4533 (with zone prefix).
    /// Default: the file's crs member, else wgs84.
    #[arg(long)]
    pub crs: Option<Crs>,
}

impl InputArgs {
    /// Reads the units and, if given, the boundary (in the units' coordinate system
    /// unless `--crs` says otherwise).
    pub fn read(
        &self,
        units: &Path,
        boundary: Option<&Path>,
    ) -> Result<(Loaded, Option<MultiPolygon<f64>>)> {
        let read = ReadOptions {
            code_field: self.code_field.clone(),
            name_field: self.name_field.clone(),
            parent_field: self.parent_field.clone(),
            level_field: self.level_field.clone(),
            crs: self.crs,
            ..ReadOptions::default()
        };
        let loaded = read_units(units, &read)?;
        let boundary = boundary
            .map(|b| read_boundary(b, self.crs.or(Some(loaded.crs))))
            .transpose()?;
        Ok((loaded, boundary))
    }
}
