//! One module per subcommand, and the flags they share.

pub mod build; // citygrid build
pub mod check; // citygrid check
pub mod convert; // citygrid convert
pub mod export; // citygrid export cells, citygrid export tiles
pub mod fields; // property-name flags shared by the commands that read partitions
pub mod fix; // citygrid fix
pub mod input; // reading units and a boundary, shared by the commands
pub mod serve; // citygrid serve
pub mod weights; // weight layers for citygrid build
