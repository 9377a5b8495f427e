//! One module per subcommand.

pub mod check; // citygrid check
pub mod convert; // citygrid convert
pub mod export; // citygrid export (tiles)
pub mod serve; // citygrid serve
