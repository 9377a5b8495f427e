//! `LISTEN citygrid` on a connection of its own: every commit's `NOTIFY` (sent
//! inside its transaction, so delivered only if it commits) wakes the servers at
//! once.

use std::time::Duration;

use postgres::Client;
use postgres::fallible_iterator::FallibleIterator;

use crate::error::Result;
use crate::listen::{Listener, Notice};

use super::commit::CHANNEL;
use super::pool::{At, Pool};

/// A connection that listens on [`CHANNEL`]. Drop it off the async workers (the
/// blocking client closes its connection by running a runtime of its own).
pub(crate) struct PostgisListener {
    client: Client,
    store: String,
}

impl PostgisListener {
    /// A new connection (outside the pool: it is held for as long as the listener
    /// lives) subscribed to the channel.
    ///
    /// # Errors
    /// [`crate::StoreError::Unreachable`]; [`crate::StoreError::Postgres`].
    pub fn new(pool: &Pool, store: &str) -> Result<Self> {
        let mut client = pool.connect_alone()?;
        client
            .batch_execute(&format!("LISTEN {CHANNEL}"))
            .at(store)?;
        Ok(PostgisListener {
            client,
            store: store.to_string(),
        })
    }
}

impl Listener for PostgisListener {
    fn wait(&mut self, timeout: Duration) -> Result<Option<Notice>> {
        let next = self
            .client
            .notifications()
            .timeout_iter(timeout)
            .next()
            .at(&self.store)?;
        if let Some(n) = next {
            return Ok(Some(Notice::parse(n.payload())));
        }
        if self.client.is_closed() {
            // The iterator ends quietly on a closed connection; a round trip says why.
            self.client.batch_execute("").at(&self.store)?;
        }
        Ok(None)
    }
}
