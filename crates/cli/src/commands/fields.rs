//! Which properties of a partition file hold what: the flags every command that
//! reads a partition shares, so `check` and `export` read a file the same way.

use clap::Args;

use citygrid_crs::Crs;
use citygrid_io::ReadOptions;

/// Property names of a partition file.
#[derive(Debug, Clone, Args)]
pub struct FieldArgs {
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
}

impl FieldArgs {
    /// Reader options for these properties and the file's coordinate system
    /// (`None`: its crs member, else WGS84).
    pub fn read_options(&self, crs: Option<Crs>) -> ReadOptions {
        ReadOptions {
            code_field: self.code_field.clone(),
            name_field: self.name_field.clone(),
            parent_field: self.parent_field.clone(),
            level_field: self.level_field.clone(),
            crs,
            ..ReadOptions::default()
        }
    }
}
