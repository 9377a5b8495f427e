//! One module per subcommand.

pub mod build; // citygrid build
pub mod check; // citygrid check
pub mod convert; // citygrid convert
pub mod serve; // citygrid serve
pub mod weights; // weight layers for citygrid build
