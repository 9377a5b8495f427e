//! Unit codes and the layout rules that tie a code to its level and its parent.
//!
//! By default codes follow the administrative layout: the city and its districts use
//! the 6-digit GB/T 2260 codes (the city's ends in `00`, so only its first 4 digits are
//! shared with its districts), townships the 9-digit and villages the 12-digit codes of
//! the National Bureau of Statistics list, and a cell is its village's code plus a
//! 3-digit sequence number (15 digits, as in Beijing's DB11/T grid standard).

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use crate::error::ModelError;
use crate::level::Level;

/// The longest code accepted, in bytes.
pub const MAX_CODE_LEN: usize = 32;

/// A unit's code: non-empty printable ASCII with no spaces, at most [`MAX_CODE_LEN`]
/// bytes. Cheap to clone.
///
/// Parsing only guarantees a code that can be stored, compared and printed safely;
/// whether it fits the city's layout (digits, length, parent prefix) is a separate
/// question answered by [`CodeLayout::check`], so that a checker can report a
/// malformed code instead of refusing the whole file.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnitCode(Arc<str>);

impl UnitCode {
    /// The code as text.
    #[must_use]
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The code as a number when it is all digits and fits in 63 bits.
    ///
    /// Used as a stable numeric feature id (vector tiles, `feature-state`).
    #[must_use]
    pub fn numeric(&self) -> Option<u64> {
        if self.0.len() > 18 || !self.0.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.0.parse().ok()
    }
}

impl FromStr for UnitCode {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = |reason: &'static str| ModelError::InvalidCode {
            code: s.chars().take(40).collect(),
            reason,
        };
        if s.is_empty() {
            return Err(bad("it is empty"));
        }
        if s.len() > MAX_CODE_LEN {
            return Err(bad("it is longer than 32 bytes"));
        }
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("it has spaces, control or non-ASCII characters"));
        }
        Ok(UnitCode(Arc::from(s)))
    }
}

impl fmt::Display for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for UnitCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "UnitCode({})", self.0)
    }
}

/// How many digits one level's codes have, and how many of them a child's code repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelDigits {
    /// Total number of digits.
    pub digits: u8,
    /// Leading digits that identify the unit inside a child's code (the city 520100
    /// passes on only `5201`).
    pub significant: u8,
}

/// What is wrong with a code under a [`CodeLayout`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeProblem {
    /// The code has characters other than digits.
    NotDigits,
    /// The code has the wrong number of digits for its level.
    WrongLength {
        /// Digits expected for the level.
        expected: u8,
        /// Digits found.
        found: usize,
    },
    /// The code does not start with its parent's significant digits.
    NotPrefixedByParent {
        /// The prefix the code should start with.
        prefix: String,
    },
}

impl fmt::Display for CodeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CodeProblem::NotDigits => f.write_str("has characters other than digits"),
            CodeProblem::WrongLength { expected, found } => {
                write!(f, "has {found} digits, expected {expected}")
            }
            CodeProblem::NotPrefixedByParent { prefix } => {
                write!(f, "does not start with its parent's prefix {prefix}")
            }
        }
    }
}

/// The code rules of one city: digits per level and the parent-prefix rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodeLayout {
    levels: [LevelDigits; 5],
}

impl Default for CodeLayout {
    /// GB/T 2260 + NBS statistical codes + 3-digit cell sequence: 6 (city, 4
    /// significant), 6, 9, 12, 15.
    fn default() -> Self {
        let d = |digits, significant| LevelDigits {
            digits,
            significant,
        };
        CodeLayout {
            levels: [d(6, 4), d(6, 6), d(9, 9), d(12, 12), d(15, 15)],
        }
    }
}

impl CodeLayout {
    /// A layout with the given digits per level, top (city) first.
    ///
    /// # Errors
    /// When a level's significant digits exceed its length, or a level does not have
    /// more significant digits than the one above (a child could not extend it).
    pub fn new(levels: [LevelDigits; 5]) -> Result<Self, ModelError> {
        for (i, l) in levels.iter().enumerate() {
            if l.significant > l.digits || l.digits == 0 || l.digits > 18 {
                return Err(ModelError::InvalidLayout {
                    reason: format!(
                        "level {} has {} significant of {} digits",
                        Level::ALL[i],
                        l.significant,
                        l.digits
                    ),
                });
            }
            if i > 0 && l.significant <= levels[i - 1].significant {
                return Err(ModelError::InvalidLayout {
                    reason: format!(
                        "level {} does not extend the code of {}",
                        Level::ALL[i],
                        Level::ALL[i - 1]
                    ),
                });
            }
        }
        Ok(CodeLayout { levels })
    }

    /// The digits of one level.
    #[must_use]
    pub fn digits(&self, level: Level) -> LevelDigits {
        self.levels[level.index()]
    }

    /// The level a code belongs to, judged by its length alone; `None` when no level
    /// has that length. Where two levels share a length (city and district both have
    /// 6 digits), the code whose digits past the significant part are all zeros is
    /// the upper one (520100 is a city, 520102 a district).
    #[must_use]
    pub fn level_of(&self, code: &UnitCode) -> Option<Level> {
        let s = code.as_str();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let mut candidates = Level::ALL
            .into_iter()
            .filter(|l| usize::from(self.levels[l.index()].digits) == s.len());
        let first = candidates.next()?;
        let Some(second) = candidates.next() else {
            return Some(first);
        };
        let sig = usize::from(self.levels[first.index()].significant);
        if s[sig..].bytes().all(|b| b == b'0') {
            Some(first)
        } else {
            Some(second)
        }
    }

    /// Checks a code against its level and, when known, its parent's code.
    ///
    /// # Errors
    /// The first [`CodeProblem`] found: not digits, wrong length, or not prefixed by
    /// the parent's significant digits.
    pub fn check(
        &self,
        code: &UnitCode,
        level: Level,
        parent: Option<(&UnitCode, Level)>,
    ) -> Result<(), CodeProblem> {
        let s = code.as_str();
        if !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeProblem::NotDigits);
        }
        let expected = self.levels[level.index()].digits;
        if s.len() != usize::from(expected) {
            return Err(CodeProblem::WrongLength {
                expected,
                found: s.len(),
            });
        }
        if let Some((parent, parent_level)) = parent {
            let sig = usize::from(self.levels[parent_level.index()].significant);
            let prefix = parent.as_str().get(..sig).unwrap_or(parent.as_str());
            if !s.starts_with(prefix) {
                return Err(CodeProblem::NotPrefixedByParent {
                    prefix: prefix.to_string(),
                });
            }
        }
        Ok(())
    }

    /// The code of a child unit: the parent's significant digits, then `seq` padded
    /// to fill the child level's length (a cell's 3-digit sequence number).
    ///
    /// # Errors
    /// When `seq` does not fit in the digits the child level adds, or the parent's
    /// code is shorter than its significant prefix.
    pub fn child_code(
        &self,
        parent: &UnitCode,
        parent_level: Level,
        seq: u32,
    ) -> Result<UnitCode, ModelError> {
        let Some(child) = parent_level.child() else {
            return Err(ModelError::InvalidLayout {
                reason: "cells have no children".to_string(),
            });
        };
        let sig = usize::from(self.levels[parent_level.index()].significant);
        let width = usize::from(self.levels[child.index()].digits).saturating_sub(sig);
        let prefix = parent
            .as_str()
            .get(..sig)
            .ok_or_else(|| ModelError::InvalidCode {
                code: parent.to_string(),
                reason: "it is shorter than its level's significant digits",
            })?;
        let seq_text = format!("{seq:0width$}");
        if seq == 0 || seq_text.len() > width {
            return Err(ModelError::SequenceOverflow {
                parent: parent.to_string(),
                seq,
                width,
            });
        }
        format!("{prefix}{seq_text}").parse()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> UnitCode {
        s.parse().unwrap()
    }

    #[test]
    fn rejects_unstorable_codes() {
        assert!("".parse::<UnitCode>().is_err());
        assert!("52 01".parse::<UnitCode>().is_err());
        assert!("网格".parse::<UnitCode>().is_err());
        assert!("x".repeat(33).parse::<UnitCode>().is_err());
        assert_eq!(code("520102001001001").numeric(), Some(520_102_001_001_001));
        assert_eq!(code("A1").numeric(), None);
    }

    #[test]
    fn infers_levels_from_length() {
        let l = CodeLayout::default();
        assert_eq!(l.level_of(&code("520100")), Some(Level::City));
        assert_eq!(l.level_of(&code("520102")), Some(Level::District));
        assert_eq!(l.level_of(&code("520102001")), Some(Level::Township));
        assert_eq!(l.level_of(&code("520102001001")), Some(Level::Village));
        assert_eq!(l.level_of(&code("520102001001007")), Some(Level::Cell));
        assert_eq!(l.level_of(&code("5201")), None);
        assert_eq!(l.level_of(&code("52010A")), None);
    }

    #[test]
    fn checks_length_digits_and_prefix() {
        let l = CodeLayout::default();
        let city = code("520100");
        let district = code("520102");
        assert_eq!(
            l.check(&district, Level::District, Some((&city, Level::City))),
            Ok(())
        );
        assert_eq!(
            l.check(&code("530102"), Level::District, Some((&city, Level::City))),
            Err(CodeProblem::NotPrefixedByParent {
                prefix: "5201".into()
            })
        );
        assert_eq!(
            l.check(&code("5201020011"), Level::Township, None),
            Err(CodeProblem::WrongLength {
                expected: 9,
                found: 10
            })
        );
        assert_eq!(
            l.check(&code("52010200x"), Level::Township, None),
            Err(CodeProblem::NotDigits)
        );
    }

    #[test]
    fn builds_child_codes() {
        let l = CodeLayout::default();
        let village = code("520102001001");
        assert_eq!(
            l.child_code(&village, Level::Village, 7).unwrap().as_str(),
            "520102001001007"
        );
        assert!(l.child_code(&village, Level::Village, 1000).is_err());
        assert!(l.child_code(&village, Level::Village, 0).is_err());
        assert_eq!(
            l.child_code(&code("520100"), Level::City, 2)
                .unwrap()
                .as_str(),
            "520102"
        );
    }

    #[test]
    fn refuses_layouts_that_cannot_nest() {
        let d = |digits, significant| LevelDigits {
            digits,
            significant,
        };
        assert!(CodeLayout::new([d(6, 4), d(6, 6), d(9, 9), d(12, 12), d(15, 15)]).is_ok());
        assert!(CodeLayout::new([d(6, 6), d(6, 6), d(9, 9), d(12, 12), d(15, 15)]).is_err());
        assert!(CodeLayout::new([d(6, 7), d(6, 6), d(9, 9), d(12, 12), d(15, 15)]).is_err());
    }
}
