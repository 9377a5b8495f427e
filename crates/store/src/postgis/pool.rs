//! Connections to the database: a few kept idle for reuse, a new one made when none
//! is, and a broken one (a database restart, a dropped network) thrown away, so the
//! call that met it fails with a [`StoreError`] and the next one reconnects. Errors
//! name the store by its URL without credentials.

use std::collections::HashMap;
use std::str::FromStr;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use postgres::error::SqlState;
use postgres::types::{FromSql, ToSql};
use postgres::{Client, Config, IsolationLevel, NoTls, Row, Statement, Transaction};

use crate::error::{Result, StoreError};

/// Idle connections kept for reuse; more are opened when many threads call at once.
const IDLE: usize = 8;

/// How long a connection attempt may take before the call fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How long a writer waits for another's write transaction (the head row's lock).
pub(crate) const LOCK_TIMEOUT: Duration = Duration::from_secs(10);

/// A connection and the statements prepared on it.
pub(crate) struct Conn {
    client: Client,
    prepared: HashMap<String, Statement>,
}

impl Conn {
    /// Starts a read: one snapshot (`REPEATABLE READ`), so no answer mixes versions.
    ///
    /// # Errors
    /// [`StoreError::Postgres`].
    pub fn read<'a>(&'a mut self, store: &'a str) -> Result<Tx<'a>> {
        let tx = self
            .client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .at(store)?;
        Ok(Tx {
            tx,
            prepared: &mut self.prepared,
            store,
        })
    }

    /// Starts a transaction that takes no lock first (to create or migrate the schema).
    ///
    /// # Errors
    /// [`StoreError::Postgres`].
    pub fn begin<'a>(&'a mut self, store: &'a str) -> Result<Tx<'a>> {
        let tx = self.client.transaction().at(store)?;
        Ok(Tx {
            tx,
            prepared: &mut self.prepared,
            store,
        })
    }

    /// Starts a write: waits (up to [`LOCK_TIMEOUT`]) for the lock on the one row of
    /// `citygrid_head`, which every writer takes first, so writers take turns across
    /// every process and server, and what each reads next is what the last one
    /// committed. Returns the transaction and the head.
    ///
    /// # Errors
    /// [`StoreError::Busy`] after the timeout; [`StoreError::Postgres`].
    pub fn write<'a>(&'a mut self, store: &'a str) -> Result<(Tx<'a>, u64)> {
        let tx = self.client.transaction().at(store)?;
        let mut tx = Tx {
            tx,
            prepared: &mut self.prepared,
            store,
        };
        tx.batch(&format!(
            "SET LOCAL lock_timeout = '{}s'",
            LOCK_TIMEOUT.as_secs()
        ))?;
        let row = tx.query_one("SELECT version FROM citygrid_head FOR UPDATE", &[])?;
        let head = to_u64(tx.get(&row, 0)?);
        Ok((tx, head))
    }

    /// The head, through a statement prepared once: what a poll costs is one round
    /// trip.
    ///
    /// # Errors
    /// [`StoreError::Postgres`].
    pub fn head(&mut self, store: &str) -> Result<u64> {
        let statement = prepare(&mut self.client, &mut self.prepared, HEAD).at(store)?;
        let row = self.client.query_one(&statement, &[]).at(store)?;
        row.try_get::<_, i64>(0).map(to_u64).at(store)
    }
}

/// The one query [`Conn::head`] runs.
const HEAD: &str = "SELECT version FROM citygrid_head";

/// A transaction and the statements prepared on its connection; errors name the store.
pub(crate) struct Tx<'a> {
    tx: Transaction<'a>,
    prepared: &'a mut HashMap<String, Statement>,
    /// The store, for errors.
    pub store: &'a str,
}

impl Tx<'_> {
    fn statement(&mut self, sql: &str) -> Result<Statement> {
        if let Some(s) = self.prepared.get(sql) {
            return Ok(s.clone());
        }
        let statement = self.tx.prepare(sql).at(self.store)?;
        self.prepared.insert(sql.to_string(), statement.clone());
        Ok(statement)
    }

    /// The rows of a query (prepared once per connection).
    ///
    /// # Errors
    /// [`StoreError::Postgres`].
    pub fn query(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>> {
        let statement = self.statement(sql)?;
        self.tx.query(&statement, params).at(self.store)
    }

    /// The row of a query that returns at most one.
    ///
    /// # Errors
    /// [`StoreError::Postgres`].
    pub fn query_opt(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Option<Row>> {
        let statement = self.statement(sql)?;
        self.tx.query_opt(&statement, params).at(self.store)
    }

    /// The row of a query that returns exactly one.
    ///
    /// # Errors
    /// [`StoreError::Postgres`].
    pub fn query_one(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<Row> {
        let statement = self.statement(sql)?;
        self.tx.query_one(&statement, params).at(self.store)
    }

    /// Runs a statement; returns the rows it changed.
    ///
    /// # Errors
    /// [`StoreError::Postgres`].
    pub fn execute(&mut self, sql: &str, params: &[&(dyn ToSql + Sync)]) -> Result<u64> {
        let statement = self.statement(sql)?;
        self.tx.execute(&statement, params).at(self.store)
    }

    /// Runs statements with no parameters (schema changes).
    ///
    /// # Errors
    /// [`StoreError::Postgres`].
    pub fn batch(&mut self, sql: &str) -> Result<()> {
        self.tx.batch_execute(sql).at(self.store)
    }

    /// Column `i` of `row`.
    ///
    /// # Errors
    /// [`StoreError::Postgres`] when it does not have the type asked for.
    pub fn get<'r, T: FromSql<'r>>(&self, row: &'r Row, i: usize) -> Result<T> {
        row.try_get(i).at(self.store)
    }

    /// Commits.
    ///
    /// # Errors
    /// [`StoreError::Postgres`].
    pub fn commit(self) -> Result<()> {
        self.tx.commit().at(self.store)
    }
}

fn prepare(
    client: &mut Client,
    prepared: &mut HashMap<String, Statement>,
    sql: &str,
) -> Result<Statement, postgres::Error> {
    if let Some(s) = prepared.get(sql) {
        return Ok(s.clone());
    }
    let statement = client.prepare(sql)?;
    prepared.insert(sql.to_string(), statement.clone());
    Ok(statement)
}

/// A stored count or version (never negative).
pub(crate) fn to_u64(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

/// A count or version as PostgreSQL's bigint (they never come near 2^63).
pub(crate) fn to_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// The connection settings and the idle connections.
pub(crate) struct Pool {
    config: Config,
    shown: String,
    idle: Mutex<Vec<Conn>>,
}

impl Pool {
    /// Settings from a `postgres://` URL (credentials, host, port, database, and
    /// libpq's query parameters); connects once to check them.
    ///
    /// # Errors
    /// [`StoreError::Unsupported`] for a URL that does not parse;
    /// [`StoreError::Postgres`] when the database cannot be reached.
    pub fn new(url: &str, shown: &str) -> Result<Self> {
        let mut config = Config::from_str(url).map_err(|e| StoreError::Unsupported {
            location: shown.to_string(),
            reason: format!("not a PostgreSQL URL: {e}"),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        config.application_name("citygrid");
        let pool = Pool {
            config,
            shown: shown.to_string(),
            idle: Mutex::new(Vec::new()),
        };
        let first = pool.connect()?;
        pool.put(first);
        Ok(pool)
    }

    /// A new connection.
    ///
    /// # Errors
    /// [`StoreError::Postgres`].
    pub fn connect(&self) -> Result<Conn> {
        let client = self.config.connect(NoTls).at(&self.shown)?;
        Ok(Conn {
            client,
            prepared: HashMap::new(),
        })
    }

    /// Runs a read on a connection; when it fails because its idle connection had
    /// broken meanwhile (the database restarted), it runs once more on a new one.
    ///
    /// # Errors
    /// `f`'s; [`StoreError::Postgres`] when no connection can be made.
    pub fn read<T>(&self, mut f: impl FnMut(&mut Conn) -> Result<T>) -> Result<T> {
        let pooled = lock(&self.idle).pop();
        let was_pooled = pooled.is_some();
        let mut conn = match pooled {
            Some(c) if !c.client.is_closed() => c,
            _ => self.connect()?,
        };
        let out = f(&mut conn);
        if out.is_err() && was_pooled && conn.client.is_closed() {
            drop(conn);
            let mut fresh = self.connect()?;
            let again = f(&mut fresh);
            self.put(fresh);
            return again;
        }
        self.put(conn);
        out
    }

    /// Runs a write on a connection, once: a write that met a broken connection
    /// may have been committed just before the break, so it is not repeated; the
    /// error goes back to the caller (a commit then meets a conflict or sees its
    /// version on retry).
    ///
    /// # Errors
    /// `f`'s; [`StoreError::Postgres`] when no connection can be made.
    pub fn write<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        let pooled = lock(&self.idle).pop();
        let mut conn = match pooled {
            Some(c) if !c.client.is_closed() => c,
            _ => self.connect()?,
        };
        let out = f(&mut conn);
        self.put(conn);
        out
    }

    fn put(&self, conn: Conn) {
        if conn.client.is_closed() {
            return;
        }
        let mut idle = lock(&self.idle);
        if idle.len() < IDLE {
            idle.push(conn);
        }
    }
}

/// Database errors with the store's name; a lock held too long becomes
/// [`StoreError::Busy`].
pub(crate) trait At<T> {
    /// Names the store in the error.
    fn at(self, store: &str) -> Result<T>;
}

/// Idle connections are closed on a thread of their own: the blocking client closes
/// one by running its own runtime, which cannot start on an async worker (where a
/// server drops its store when it shuts down).
impl Drop for Pool {
    fn drop(&mut self) {
        let idle = std::mem::take(&mut *lock(&self.idle));
        if !idle.is_empty() {
            let _ = std::thread::spawn(move || drop(idle)).join();
        }
    }
}

impl<T> At<T> for Result<T, postgres::Error> {
    fn at(self, store: &str) -> Result<T> {
        self.map_err(|source| match source.code() {
            Some(&SqlState::LOCK_NOT_AVAILABLE) => StoreError::Busy {
                store: store.to_string(),
                seconds: LOCK_TIMEOUT.as_secs(),
            },
            _ => StoreError::Postgres {
                store: store.to_string(),
                source,
            },
        })
    }
}

/// A lock whose holder panicked is still good: transactions roll back on drop.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
