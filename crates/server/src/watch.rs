//! Following the store: a task polls its head (and its layers and staff) and serves
//! each new version, by whichever process it was committed (the command line, another server, this
//! server's edits), and another draws the new version's map in the background.

use std::sync::Arc;
use std::time::Duration;

use tokio::time::MissedTickBehavior;

use crate::versions::Versions;

/// How often the store's head is polled. `Store::head` costs microseconds while
/// nothing changed, so this only bounds how long another process's commit waits to
/// be noticed; an edit through this server is served at once (`Versions::refresh`).
pub const POLL: Duration = Duration::from_millis(200);

/// Starts following the store, if one is served: both tasks run on the current
/// tokio runtime until it shuts down.
pub fn spawn(versions: &Arc<Versions>) {
    if versions.store().is_none() {
        return;
    }
    tokio::spawn(follow(Arc::clone(versions)));
    tokio::spawn(draw(Arc::clone(versions)));
}

/// Polls the head and the datasets revision every [`POLL`] and serves a new
/// version, new layers or new staff when they moved.
async fn follow(versions: Arc<Versions>) {
    let mut tick = tokio::time::interval(POLL);
    tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = versions.refresh().await {
            tracing::warn!(error = ?e, "following the store; the version served stays");
        }
        if let Err(e) = versions.refresh_datasets().await {
            tracing::warn!(error = ?e, "following the store's layers; the layers served stay");
        }
    }
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
