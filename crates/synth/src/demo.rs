//! What the demo generators take and give: the cells they are made for, the files
//! they write, and why they fail. A module of its own so that the generators' helpers
//! (points, staff, CSV) need not import the generator that uses them.

use std::path::PathBuf;

use citygrid_crs::Crs;

/// One cell of the partition the layers are made for.
#[derive(Debug, Clone, Copy)]
pub struct DemoCell<'a> {
    /// The cell's code.
    pub code: &'a str,
    /// Its village's code (its parent).
    pub village: &'a str,
    /// Its township's code (its village's parent).
    pub township: &'a str,
    /// Its shape, WGS84 lon/lat.
    pub shape: &'a geo_types::MultiPolygon<f64>,
}

/// One file written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoFile {
    /// The layer, e.g. `houses` (the file is `houses.csv`).
    pub name: String,
    /// Where it was written.
    pub path: PathBuf,
    /// Data rows, not counting the header.
    pub rows: usize,
}

/// Why the demo layers cannot be made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoLayersError {
    /// No cells were given.
    #[error("no cells to make demo layers for")]
    NoCells,
    /// The population raster is not in WGS84 (or CGCS2000) lon/lat, where the points
    /// are drawn.
    #[error("the population raster is in {crs}; demo layers need one in EPSG:4326 lon/lat")]
    NotWgs84 {
        /// The raster's CRS.
        crs: Crs,
    },
    /// The population raster has no people.
    #[error("the population raster has no people")]
    NoPeople,
    /// The raster does not belong to the cells: people in pixels whose centre is in no
    /// cell.
    #[error(
        "{outside} of the raster's {total} people are in pixels outside every cell: \
         is it the population of this city?"
    )]
    PeopleOutside {
        /// People in pixels whose centre is in no cell.
        outside: u64,
        /// People in the raster.
        total: u64,
    },
    /// A file or folder could not be written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// What failed.
        source: std::io::Error,
    },
}
