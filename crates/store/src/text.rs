//! How the crate's values read as text: the names of its small enums (as stored,
//! typed and printed) and lists of codes or problems in messages, each written once.

use std::fmt::Display;

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
