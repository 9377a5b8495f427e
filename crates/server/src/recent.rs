//! A few values by version, each made once when first asked for, the least
//! recently used dropped first: the older versions a server keeps ready.
//!
//! Making one (reading a version from the store, preparing its tiles) takes tens
//! to hundreds of milliseconds, so requests that ask for the same version at once
//! wait for one making rather than each doing it.

use std::collections::VecDeque;
use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::OnceCell;

/// A value being made or made, shared by everyone who asked for it.
type Slot<T> = Arc<OnceCell<Arc<T>>>;

/// Up to `capacity` values keyed by version, most recently used first.
pub struct Recent<T> {
    capacity: usize,
    entries: Mutex<VecDeque<(u64, Slot<T>)>>,
}

impl<T> Recent<T> {
    /// Holds at most `capacity` versions (at least one).
    #[must_use]
    pub fn new(capacity: usize) -> Self {
        Recent {
            capacity: capacity.max(1),
            entries: Mutex::new(VecDeque::new()),
        }
    }

    /// The cell of `version`, now the most recently used; a new empty one if there
    /// was none, the least recently used dropped beyond the capacity (whoever still
    /// holds it keeps it).
    fn cell(&self, version: u64) -> Slot<T> {
        // Every change is one push or one removal: a panic elsewhere leaves the
        // list consistent, so a poisoned lock is still usable.
        let mut entries = self.entries.lock().unwrap_or_else(PoisonError::into_inner);
        let cell = match entries.iter().position(|(v, _)| *v == version) {
            Some(i) => entries.remove(i).map(|(_, c)| c),
            None => None,
        }
        .unwrap_or_default();
        entries.push_front((version, Arc::clone(&cell)));
        entries.truncate(self.capacity);
        cell
    }

    /// The value of `version`, made by `make` if it is not held yet. When `make`
    /// fails, the error is returned and the next call tries again.
    ///
    /// # Errors
    /// What `make` returns.
    pub async fn get_or_make<E, F, Fut>(&self, version: u64, make: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Arc<T>, E>>,
    {
        self.cell(version).get_or_try_init(make).await.cloned()
    }

    /// Forgets every value (what they were made from changed).
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    /// Keeps a value already made (the city or tiles the head just left behind).
    pub fn put(&self, version: u64, value: Arc<T>) {
        // A cell that is already set (or being made) keeps what it has: both are
        // the same version.
        let _ = self.cell(version).set(value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn values_are_made_once_and_the_least_recent_is_dropped() {
        let recent: Recent<u64> = Recent::new(2);
        let made = std::sync::atomic::AtomicUsize::new(0);
        let make = |v: u64| {
            made.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            async move { Ok::<_, String>(Arc::new(v * 10)) }
        };
        assert_eq!(*recent.get_or_make(1, || make(1)).await.unwrap(), 10);
        assert_eq!(*recent.get_or_make(1, || make(1)).await.unwrap(), 10);
        recent.put(2, Arc::new(20));
        assert_eq!(*recent.get_or_make(1, || make(1)).await.unwrap(), 10);
        // 3 pushes out 2, the least recently used.
        assert_eq!(*recent.get_or_make(3, || make(3)).await.unwrap(), 30);
        assert_eq!(*recent.get_or_make(2, || make(2)).await.unwrap(), 20);
        assert_eq!(made.load(std::sync::atomic::Ordering::Relaxed), 3);
        let failed: Result<Arc<u64>, String> = recent
            .get_or_make(4, || async { Err("no".to_string()) })
            .await;
        assert!(failed.is_err());
        assert_eq!(*recent.get_or_make(4, || make(4)).await.unwrap(), 40);
    }
}
