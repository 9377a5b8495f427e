//! Following the store: a new version, new layers or new staff are served the
//! moment they are committed, by whichever process committed them (the command
//! line, another server, this server's edits), and a task draws the new version's
//! map in the background.
//!
//! A store that pushes notices (PostgreSQL's `LISTEN`) has a listener on a thread
//! of its own that wakes the follower at each commit; it reconnects with backoff
//! when the connection drops and wakes the follower once more to catch up on what
//! was committed meanwhile. The follower also polls, every [`POLL`] while no
//! listener is connected (SQLite has none: `Store::head` costs microseconds there)
//! and every [`POLL_WHILE_LISTENING`] with one, as a net under a listener whose
//! network went quiet without a word.

use std::sync::{Arc, Weak};
use std::time::Duration;

use tokio::sync::Notify;

use citygrid_store::Store;

use crate::error::ApiError;
use crate::link::StoreLink;
use crate::versions::Versions;

/// How often the store's head is polled without a listener: this bounds how long
/// another process's commit waits to be noticed; an edit through this server is
/// served at once (`Versions::refresh`).
pub const POLL: Duration = Duration::from_millis(200);

/// How often the head is polled while notices arrive.
pub const POLL_WHILE_LISTENING: Duration = Duration::from_secs(5);

/// How long a listener waits for a notice before it looks whether the server
/// is still running.
const LISTEN_WAIT: Duration = Duration::from_secs(1);

/// The first pause before a listener reconnects, doubled after each failure up
/// to [`RECONNECT_MAX`].
const RECONNECT_MIN: Duration = Duration::from_millis(250);
const RECONNECT_MAX: Duration = Duration::from_secs(2);

/// Starts following the store, if one is served: the tasks run on the current
/// tokio runtime until it shuts down; the listener's thread ends within a second
/// after.
pub fn spawn(versions: &Arc<Versions>) {
    let Some(store) = versions.store().cloned() else {
        return;
    };
    let wake = Arc::new(Notify::new());
    let listening = Arc::downgrade(&wake);
    let (for_thread, link_versions) = (Arc::clone(versions), Arc::clone(versions));
    let spawned = std::thread::Builder::new()
        .name("citygrid-listen".into())
        .spawn(move || listen(store.as_ref(), &listening, &for_thread));
    if let Err(e) = spawned {
        tracing::warn!(error = %e, "no thread for the store's notices; polling only");
    }
    tokio::spawn(follow(link_versions, wake));
    tokio::spawn(draw(Arc::clone(versions)));
}

/// Serves a new version, new layers or new staff when the listener wakes it or
/// a poll is due: every [`POLL`] while no listener is connected (also while the
/// database is out of reach, so that a commit right after it is back is served as
/// soon as without a listener), and says nothing of an outage (the link logged it).
async fn follow(versions: Arc<Versions>, wake: Arc<Notify>) {
    loop {
        let every = if versions.link().is_listening() {
            POLL_WHILE_LISTENING
        } else {
            POLL
        };
        let _ = tokio::time::timeout(every, wake.notified()).await;
        match versions.refresh().await {
            Ok(_) => {}
            Err(ApiError::StoreUnreachable(_)) => continue,
            Err(e) => tracing::warn!(error = ?e, "following the store; the version served stays"),
        }
        match versions.refresh_datasets().await {
            Ok(_) | Err(ApiError::StoreUnreachable(_)) => {}
            Err(e) => {
                tracing::warn!(error = ?e, "following the store's layers; the layers served stay");
            }
        }
    }
}

/// Listens to the store's notices until the follower is gone (`wake` cannot be
/// upgraded), reconnecting after a dropped connection; returns at once for a
/// store that does not push them.
fn listen(store: &dyn Store, wake: &Weak<Notify>, versions: &Versions) {
    let link: &StoreLink = versions.link();
    let mut pause = RECONNECT_MIN;
    while wake.strong_count() > 0 {
        match store.listen() {
            Ok(None) => return,
            Ok(Some(mut listener)) => {
                link.listening(true);
                pause = RECONNECT_MIN;
                // Catch up on what was committed while no one listened.
                if !ring(wake) {
                    return;
                }
                loop {
                    match listener.wait(LISTEN_WAIT) {
                        Ok(Some(notice)) => {
                            link.noticed(notice, versions.head().version());
                            if !ring(wake) {
                                return;
                            }
                        }
                        Ok(None) if wake.strong_count() == 0 => return,
                        Ok(None) => {}
                        Err(e) => {
                            tracing::warn!(error = %e, "the store's notices stopped; reconnecting");
                            link.failed(&e.to_string());
                            break;
                        }
                    }
                }
                link.listening(false);
            }
            Err(e) => link.failed(&e.to_string()),
        }
        std::thread::sleep(pause);
        pause = (pause * 2).min(RECONNECT_MAX);
    }
}

/// Wakes the follower; false when it is gone.
fn ring(wake: &Weak<Notify>) -> bool {
    wake.upgrade().map(|w| w.notify_one()).is_some()
}

/// After drawing a map, the drawing rests this many times as long as the map took,
/// so that under a stream of edits maps take at most a quarter of the time of the
/// background thread (the lookups' throughput pays for every map drawn, even at the
/// lowest priority: the drawing competes for the caches). A first edit after a
/// quiet spell is drawn at once; under a stream the map lags by at most four
/// drawings.
pub const MAP_REST: u32 = 3;

/// Draws the head's map whenever a new version is served: one at a time, always
/// the newest (versions committed while one is drawn, or while the drawing rests,
/// are drawn once, together); then rebuilds the head's index if its patch has
/// grown.
async fn draw(versions: Arc<Versions>) {
    loop {
        versions.map_wanted().await;
        loop {
            let started = tokio::time::Instant::now();
            match versions.draw_head().await {
                Ok(true) => tokio::time::sleep(started.elapsed() * MAP_REST).await,
                Ok(false) => break,
                Err(e) => {
                    tracing::error!(error = ?e, "drawing a new version; its tiles wait for the next one");
                    break;
                }
            }
        }
        if let Err(e) = versions.settle_index().await {
            tracing::error!(error = ?e, "rebuilding the index; the patched one stays");
        }
    }
}
