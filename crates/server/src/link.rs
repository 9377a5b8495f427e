//! The server's link to its store: whether the store answers and since when, why
//! not, whether its notices arrive, and the newest version it announced. The
//! watcher (`crate::watch`) and [`crate::Versions::refresh`] keep it; `/readyz` and
//! `/metrics` report it.
//!
//! A server whose store is out of reach keeps serving the version it has, read
//! only: lookups, tiles and statistics come from memory, and what needs the store
//! (edits, history, older versions) answers 503 until it is back.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use serde_json::{Value, json};

use citygrid_store::Notice;

use crate::error::ApiError;
use crate::metrics::head;

/// How long a server may be behind a version the store announced before
/// `/readyz` says it is catching up: a new version is normally served within
/// milliseconds of its notice, and probes in that moment should not take the server
/// out of service.
pub const CATCH_UP_GRACE: Duration = Duration::from_secs(1);

/// What the server knows of its store.
pub struct StoreLink {
    state: Mutex<State>,
    notices: AtomicU64,
    outages: AtomicU64,
    listens: AtomicU64,
}

struct State {
    reachable: bool,
    /// When `reachable` last changed (the start, at first).
    since: Timestamp,
    /// Why the store is out of reach.
    error: Option<String>,
    /// Whether a listener is connected (notices arrive as commits happen).
    listening: bool,
    /// The newest version the store announced or answered.
    announced: u64,
    /// Since when the version served is older than `announced`.
    behind_since: Option<Instant>,
}

/// How the server stands with its store, for `/readyz`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// Serving the store's newest version (or as good as: within [`CATCH_UP_GRACE`]).
    Ready,
    /// The store cannot be reached: the version in memory is served, read only.
    ReadOnly,
    /// The store announced a version the server has not served for a while.
    CatchingUp,
}

impl StoreLink {
    /// A link to a store that just answered with version `served`.
    #[must_use]
    pub fn new(served: u64) -> StoreLink {
        StoreLink {
            state: Mutex::new(State {
                reachable: true,
                since: Timestamp::now(),
                error: None,
                listening: false,
                announced: served,
                behind_since: None,
            }),
            notices: AtomicU64::new(0),
            outages: AtomicU64::new(0),
            listens: AtomicU64::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // Each change is a few plain assignments: consistent after a panic.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The store answered, and the server now serves `served`, its head.
    pub fn answered(&self, served: u64) {
        let mut s = self.lock();
        if !s.reachable {
            tracing::info!(
                down_s = Timestamp::now().duration_since(s.since).as_secs(),
                version = served,
                "the store answers again"
            );
            s.reachable = true;
            s.since = Timestamp::now();
            s.error = None;
        }
        s.announced = s.announced.max(served);
        if s.announced <= served {
            s.behind_since = None;
        }
    }

    /// The store could not be reached (or failed): `why`, for `/readyz`.
    pub fn failed(&self, why: &str) {
        let mut s = self.lock();
        if s.reachable {
            tracing::warn!(
                error = why,
                "the store cannot be reached; serving what is in memory, read only"
            );
            self.outages.fetch_add(1, Ordering::Relaxed);
            s.reachable = false;
            s.since = Timestamp::now();
        }
        s.error = Some(why.to_string());
    }

    /// Following the store failed with `e`: an outage when it says the store is out
    /// of reach (other failures are logged by the caller).
    pub fn failed_with(&self, e: &ApiError) {
        if let ApiError::StoreUnreachable(why) = e {
            self.failed(why);
        }
    }

    /// A notice arrived; `served` is the version served now.
    pub fn noticed(&self, notice: Notice, served: u64) {
        self.notices.fetch_add(1, Ordering::Relaxed);
        if let Notice::Version(v) = notice {
            let mut s = self.lock();
            s.announced = s.announced.max(v);
            if v > served && s.behind_since.is_none() {
                s.behind_since = Some(Instant::now());
            }
        }
    }

    /// A listener connected (`true`) or lost its connection (`false`).
    pub fn listening(&self, on: bool) {
        if on {
            self.listens.fetch_add(1, Ordering::Relaxed);
        }
        self.lock().listening = on;
    }

    /// Whether a listener is connected.
    #[must_use]
    pub fn is_listening(&self) -> bool {
        self.lock().listening
    }

    /// How the server stands, serving `served`.
    #[must_use]
    pub fn standing(&self, served: u64) -> Standing {
        let s = self.lock();
        if !s.reachable {
            Standing::ReadOnly
        } else if s.announced > served
            && s.behind_since.is_some_and(|t| t.elapsed() > CATCH_UP_GRACE)
        {
            Standing::CatchingUp
        } else {
            Standing::Ready
        }
    }

    /// The link as `/readyz` shows it.
    #[must_use]
    pub fn json(&self, served: u64) -> Value {
        let s = self.lock();
        let mut out = json!({
            "reachable": s.reachable,
            "since": s.since.to_string(),
            "listening": s.listening,
            "announced_version": s.announced,
            "behind": s.announced.saturating_sub(served),
        });
        if let Some(error) = &s.error {
            out["error"] = json!(error);
        }
        out
    }

    /// The link's gauges and counters in the Prometheus text format.
    pub fn render(&self, served: u64, out: &mut String) {
        let s = self.lock();
        let gauges = [
            (
                "citygrid_version_served",
                "The version lookups, cells and units answer from: every server of a store \
                 should show the same within a second of a commit.",
                served,
            ),
            (
                "citygrid_store_reachable",
                "1 while the store answers; 0 while the server serves from memory, read only.",
                u64::from(s.reachable),
            ),
            (
                "citygrid_store_listening",
                "1 while the store's notices arrive (PostgreSQL LISTEN); 0 while only polled.",
                u64::from(s.listening),
            ),
            (
                "citygrid_store_announced_version",
                "The newest version the store announced or answered.",
                s.announced,
            ),
            (
                "citygrid_store_behind_versions",
                "Versions the store announced that are not served yet.",
                s.announced.saturating_sub(served),
            ),
        ];
        for (name, help, value) in gauges {
            head(out, name, help, "gauge");
            let _ = writeln!(out, "{name} {value}");
        }
        let state_seconds = Timestamp::now().duration_since(s.since).as_secs_f64();
        head(
            out,
            "citygrid_store_state_seconds",
            "Seconds since the store became reachable or unreachable.",
            "gauge",
        );
        let _ = writeln!(out, "citygrid_store_state_seconds {state_seconds:.3}");
        let counters = [
            (
                "citygrid_store_outages_total",
                "Times the store became unreachable.",
                &self.outages,
            ),
            (
                "citygrid_store_notices_total",
                "Notices of commits received from the store.",
                &self.notices,
            ),
            (
                "citygrid_store_listens_total",
                "Listener connections made (the first, then one per reconnection).",
                &self.listens,
            ),
        ];
        for (name, help, value) in counters {
            head(out, name, help, "counter");
            let _ = writeln!(out, "{name} {}", value.load(Ordering::Relaxed));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_outage_is_read_only_and_ends_when_the_store_answers() {
        let link = StoreLink::new(3);
        assert_eq!(link.standing(3), Standing::Ready);
        link.failed("connection refused");
        link.failed("connection refused");
        assert_eq!(link.standing(3), Standing::ReadOnly);
        let shown = link.json(3);
        assert_eq!(shown["reachable"], false);
        assert_eq!(shown["error"], "connection refused");
        link.answered(3);
        assert_eq!(link.standing(3), Standing::Ready);
        assert!(link.json(3).get("error").is_none());
        let mut text = String::new();
        link.render(3, &mut text);
        assert!(text.contains("citygrid_store_outages_total 1\n"), "{text}");
        assert!(text.contains("citygrid_store_reachable 1\n"), "{text}");
        assert!(text.contains("\ncitygrid_version_served 3\n"), "{text}");
    }

    #[test]
    fn a_version_announced_and_not_served_for_a_while_is_catching_up() {
        let link = StoreLink::new(3);
        link.noticed(Notice::Version(5), 3);
        // within the grace: still ready
        assert_eq!(link.standing(3), Standing::Ready);
        assert_eq!(link.json(3)["behind"], 2);
        link.lock().behind_since = Some(Instant::now() - CATCH_UP_GRACE * 2);
        assert_eq!(link.standing(3), Standing::CatchingUp);
        link.answered(4);
        assert_eq!(link.standing(4), Standing::CatchingUp);
        link.answered(5);
        assert_eq!(link.standing(5), Standing::Ready);
        link.noticed(Notice::Datasets(9), 5);
        assert_eq!(link.json(5)["behind"], 0);
    }
}
