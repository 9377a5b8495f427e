//! SQLite errors named by the store they happened in, and how long a writer waits
//! for another before giving up.

use std::time::Duration;

use crate::error::{Result, StoreError};

/// How long a writer waits for another process's write transaction to end.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// SQLite errors with the store's name; a lock held too long becomes
/// [`StoreError::Busy`].
pub(crate) trait At<T> {
    /// Names the store in the error.
    fn at(self, store: &str) -> Result<T>;
}

impl<T> At<T> for rusqlite::Result<T> {
    fn at(self, store: &str) -> Result<T> {
        self.map_err(|source| match source.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy) => StoreError::Busy {
                store: store.to_string(),
                seconds: BUSY_TIMEOUT.as_secs(),
            },
            _ => StoreError::Sqlite {
                store: store.to_string(),
                source,
            },
        })
    }
}
