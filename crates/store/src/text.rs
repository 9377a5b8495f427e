//! How the crate's values read as text: the names of its small enums (as stored,
//! typed and printed) and lists of codes or problems in messages, and the code layout as stored, each
//! written once.

use std::fmt::Display;

use citygrid_model::{CodeLayout, Level, LevelDigits};

/// Implements `Display` and `FromStr` (ignoring ASCII case and surrounding spaces)
/// for an enum with an `ALL` array and an `as_str` method; `$what` names the enum
/// in the parse error.
macro_rules! text_names {
    ($t:ty, $what:literal) => {
        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $t {
            type Err = String;

            fn from_str(s: &str) -> Result<Self, String> {
                <$t>::ALL
                    .into_iter()
                    .find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
                    .ok_or_else(|| {
                        let names: Vec<&str> = <$t>::ALL.iter().map(|v| v.as_str()).collect();
                        format!("unknown {} {s:?}: expected {}", $what, names.join(", "))
                    })
            }
        }
    };
}
pub(crate) use text_names;

/// Items separated by `sep`: "520102001001001, 520102001001002".
pub(crate) fn list<T: Display>(items: &[T], sep: &str) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(sep)
}

/// The layout as text: digits/significant per level, top first (`6/4 6/6 9/9 12/12 15/15`).
pub(crate) fn layout_text(layout: &CodeLayout) -> String {
    Level::ALL
        .iter()
        .map(|l| {
            let d = layout.digits(*l);
            format!("{}/{}", d.digits, d.significant)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) fn parse_layout(text: &str) -> Option<CodeLayout> {
    let levels: Vec<LevelDigits> = text
        .split(' ')
        .map(|pair| {
            let (digits, significant) = pair.split_once('/')?;
            Some(LevelDigits {
                digits: digits.parse().ok()?,
                significant: significant.parse().ok()?,
            })
        })
        .collect::<Option<_>>()?;
    CodeLayout::new(levels.try_into().ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_reads_back() {
        let layout = CodeLayout::default();
        assert_eq!(layout_text(&layout), "6/4 6/6 9/9 12/12 15/15");
        assert_eq!(parse_layout(&layout_text(&layout)), Some(layout));
        assert_eq!(parse_layout("6/4 6/6"), None);
        assert_eq!(parse_layout("6/4 6/6 9/9 12/12 15/16"), None);
    }
}
