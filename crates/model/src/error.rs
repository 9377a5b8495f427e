//! Errors of the model crate.
//!
//! Codes and levels are held as the text they print as: every module of the crate
//! returns these errors, so this one names no other (no import cycle).

/// What can go wrong building or querying the model.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A code that cannot be stored at all.
    #[error("invalid code {code:?}: {reason}")]
    InvalidCode {
        /// The offending text (cut to 40 characters).
        code: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// A level name that is not known.
    #[error("unknown level {input:?}: expected city, district, township, village or cell")]
    UnknownLevel {
        /// What was given.
        input: String,
    },
    /// A code layout that cannot describe nested codes.
    #[error("invalid code layout: {reason}")]
    InvalidLayout {
        /// Why.
        reason: String,
    },
    /// A sequence number too large for the digits a level adds.
    #[error("unit {parent}: sequence number {seq} does not fit in {width} digits")]
    SequenceOverflow {
        /// The parent whose children are numbered.
        parent: String,
        /// The number that did not fit.
        seq: u32,
        /// How many digits there are.
        width: usize,
    },
    /// Two units with the same code in one partition.
    #[error("duplicate code {code}: a partition holds each code once")]
    DuplicateCode {
        /// The repeated code.
        code: String,
    },
    /// A unit whose parent code is not in the partition, or is at the wrong level.
    #[error("unit {code}: parent {parent} {reason}")]
    BadParent {
        /// The child.
        code: String,
        /// Its parent code.
        parent: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A unit with no cells at all where cells are required.
    #[error("the partition has no {level} units")]
    Empty {
        /// The level that is empty.
        level: &'static str,
    },
    /// The shared-edge topology could not be built because the cells are not a
    /// clean coverage.
    #[error("cannot build topology: {reason} at {x:.7} {y:.7}")]
    NotACoverage {
        /// What was found.
        reason: &'static str,
        /// Longitude of the problem.
        x: f64,
        /// Latitude of the problem.
        y: f64,
    },
}

/// Result alias for the model crate.
pub type Result<T> = std::result::Result<T, ModelError>;
