//! One module per subcommand, and the flags they share.

pub mod build; // citygrid build
pub mod check; // citygrid check
pub mod commit; // citygrid commit: an edited export as a new version
pub mod convert; // citygrid convert
pub mod diff; // citygrid diff: what changed between two versions
pub mod edits; // what commit, revert and store init share: author, spinner, outcomes
pub mod export; // citygrid export cells, citygrid export tiles
pub mod fields; // property-name flags shared by the commands that read partitions
pub mod fix; // citygrid fix
pub mod history; // citygrid history: a store's versions, or one unit's past
pub mod input; // reading units and a boundary, shared by the commands
pub mod layer; // citygrid layer import, list, remove: what cells are counted by
pub mod revert; // citygrid revert: a new version equal to an older one
pub mod serve; // citygrid serve
pub mod staff; // citygrid staff import, list: the people who serve the cells
pub mod store; // citygrid store init
pub mod tileset; // citygrid tileset add: 3D Tiles linked to the cells they show
pub mod token; // citygrid token create, revoke, list
pub mod weights; // weight layers for citygrid build

/// The bundled demo city's partition, relative to the repository root: what
/// commands read when no partition is given.
pub const BUNDLED_PARTITION: &str = "data/guiyang/partition.geojson.gz";

/// The bundled demo city's GENERATED population raster, relative to the repository
/// root: what the demo layers follow.
pub const BUNDLED_POPULATION: &str = "data/guiyang/population.tif";

/// Writes a command's report to standard output. An error (a closed pipe, as in
/// `citygrid check ... | head`) is returned, not a panic as from `println!`.
pub fn print(text: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    use std::io::Write;
    std::io::stdout()
        .write_all(text.as_bytes())
        .context("cannot write to standard output")
}
