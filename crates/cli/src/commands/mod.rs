//! One module per subcommand.

pub mod check; // citygrid check
pub mod convert; // citygrid convert
pub mod fix; // citygrid fix
pub mod input; // reading units and a boundary, shared by the commands
pub mod serve; // citygrid serve
