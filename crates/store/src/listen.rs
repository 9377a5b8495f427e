//! Word of commits from any process: a [`Listener`] wakes a server the moment
//! another server or the command line commits, instead of the server asking the
//! store again and again. Only backends that can push have one (PostgreSQL's
//! `LISTEN`); the others are polled (`Store::head` costs microseconds in SQLite).

use std::time::Duration;

use crate::error::Result;

/// What a commit announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// The head moved to this version.
    Version(u64),
    /// Layers, their points or the staff registry changed: the datasets revision
    /// is now this.
    Datasets(u64),
    /// Something this build does not know (a newer build's notice): read the store
    /// again to see what changed.
    Other,
}

/// An open subscription to a store's notices, on a connection of its own.
///
/// Notices sent while no listener was connected are lost, so whoever makes a
/// listener (after a start or a dropped connection) reads the store's head once
/// to catch up.
pub trait Listener: Send {
    /// Waits up to `timeout` for the next notice; `None` when none came.
    ///
    /// # Errors
    /// When the connection broke (a database restart, a dropped network): this
    /// listener is done; make another once the store can be reached.
    fn wait(&mut self, timeout: Duration) -> Result<Option<Notice>>;
}

impl Notice {
    /// A notice from its JSON payload, `{"version": N}` or `{"datasets": R}`.
    #[must_use]
    pub fn parse(payload: &str) -> Notice {
        let value: serde_json::Value = serde_json::from_str(payload).unwrap_or_default();
        let number = |key: &str| value.get(key).and_then(serde_json::Value::as_u64);
        match (number("version"), number("datasets")) {
            (Some(v), _) => Notice::Version(v),
            (None, Some(r)) => Notice::Datasets(r),
            (None, None) => Notice::Other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_as_commits_write_them() {
        assert_eq!(Notice::parse("{\"version\": 12}"), Notice::Version(12));
        assert_eq!(Notice::parse("{\"datasets\": 3}"), Notice::Datasets(3));
        assert_eq!(Notice::parse("{\"tokens\": 1}"), Notice::Other);
        assert_eq!(Notice::parse("not json"), Notice::Other);
    }
}
