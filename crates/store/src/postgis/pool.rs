//! Connections to the database: a few kept idle for reuse, a new one made when none
//! is, and a broken one (a database restart, a dropped network) thrown away, so the
//! call that met it fails with a [`StoreError`] and the next one reconnects. Errors
//! name the store by its URL without credentials.

use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::str::FromStr;
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use postgres::error::SqlState;
use postgres::types::{FromSql, ToSql};
use postgres::{Client, Config, IsolationLevel, NoTls, Row, Statement, Transaction};

use crate::error::{Result, StoreError};

/// Idle connections kept for reuse; more are opened when many threads call at once.
const IDLE: usize = 8;

/// Connections open at most at once (lent and idle; a listener's is apart): a
/// server's blocking threads are many more, and PostgreSQL's `max_connections`
/// (100 by default) is shared by every server. Callers beyond wait for one.
pub(crate) const MAX_OPEN: usize = 16;

/// How long a statement, or a transaction left idle, may run before the database
/// cancels it, unless the URL sets `options` itself.
const STATEMENT_TIMEOUT: Duration = Duration::from_secs(60);

/// Idle time before TCP keepalive probes, and between them: a network that drops
/// without a word is noticed within about four times this.
const KEEPALIVE: Duration = Duration::from_secs(10);

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

/// The connection settings, the idle connections and how many are open.
pub(crate) struct Pool {
    config: Config,
    shown: String,
    idle: Mutex<Idle>,
    /// Signalled when a connection comes back or closes.
    returned: Condvar,
}

/// The connections kept for reuse and the count of all open, lent or idle.
struct Idle {
    conns: Vec<Conn>,
    open: usize,
}

/// A connection lent by the pool, given back when dropped (also when the caller
/// panics), so the count of open connections stays true.
pub(crate) struct Lease<'p> {
    pool: &'p Pool,
    conn: Option<Conn>,
    /// Whether it was taken from the idle ones (it may have broken while idle).
    pooled: bool,
}

impl Deref for Lease<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn
            .as_ref()
            .expect("a lease holds its connection until dropped")
    }
}

impl DerefMut for Lease<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn
            .as_mut()
            .expect("a lease holds its connection until dropped")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.give_back(conn);
        }
    }
}

impl Pool {
    /// Settings from a `postgres://` URL (credentials, host, port, database, and
    /// libpq's query parameters); connects once to check them. Unless the URL sets
    /// `options`, statements and idle transactions are cut off after
    /// [`STATEMENT_TIMEOUT`], so a stuck query cannot hold a connection (or the
    /// head row's lock) for ever; TCP keepalives notice a dropped network.
    ///
    /// # Errors
    /// [`StoreError::Unsupported`] for a URL that does not parse;
    /// [`StoreError::Unreachable`] when the database cannot be reached.
    pub fn new(url: &str, shown: &str) -> Result<Self> {
        let mut config = Config::from_str(url).map_err(|e| StoreError::Unsupported {
            location: shown.to_string(),
            reason: format!("not a PostgreSQL URL: {e}"),
        })?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(CONNECT_TIMEOUT);
        }
        if config.get_options().is_none() {
            let ms = STATEMENT_TIMEOUT.as_millis();
            config.options(&format!(
                "-c statement_timeout={ms} -c idle_in_transaction_session_timeout={ms}"
            ));
        }
        config
            .keepalives_idle(KEEPALIVE)
            .keepalives_interval(KEEPALIVE)
            .keepalives_retries(3);
        config.application_name("citygrid");
        let pool = Pool {
            config,
            shown: shown.to_string(),
            idle: Mutex::new(Idle {
                conns: Vec::new(),
                open: 0,
            }),
            returned: Condvar::new(),
        };
        drop(pool.take()?);
        Ok(pool)
    }

    /// A new connection outside the pool's count (a listener holds one for as long
    /// as it lives).
    ///
    /// # Errors
    /// [`StoreError::Unreachable`].
    pub fn connect_alone(&self) -> Result<Client> {
        self.config.connect(NoTls).at(&self.shown)
    }

    /// An idle connection, or a new one while fewer than [`MAX_OPEN`] are open, or
    /// the first one given back within [`CONNECT_TIMEOUT`].
    ///
    /// # Errors
    /// [`StoreError::Saturated`] when none came back in time;
    /// [`StoreError::Unreachable`] when a new one cannot be made.
    fn take(&self) -> Result<Lease<'_>> {
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        let mut idle = lock(&self.idle);
        loop {
            while let Some(conn) = idle.conns.pop() {
                if conn.client.is_closed() {
                    idle.open -= 1;
                    continue;
                }
                return Ok(self.lease(conn, true));
            }
            if idle.open < MAX_OPEN {
                idle.open += 1;
                drop(idle);
                return match self.connect_alone() {
                    Ok(client) => Ok(self.lease(
                        Conn {
                            client,
                            prepared: HashMap::new(),
                        },
                        false,
                    )),
                    Err(e) => {
                        lock(&self.idle).open -= 1;
                        self.returned.notify_one();
                        Err(e)
                    }
                };
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(StoreError::Saturated {
                    store: self.shown.clone(),
                    connections: MAX_OPEN,
                    seconds: CONNECT_TIMEOUT.as_secs(),
                });
            }
            idle = self
                .returned
                .wait_timeout(idle, deadline - now)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    fn lease(&self, conn: Conn, pooled: bool) -> Lease<'_> {
        Lease {
            pool: self,
            conn: Some(conn),
            pooled,
        }
    }

    /// Runs a read on a connection; when it fails because its idle connection had
    /// broken meanwhile (the database restarted, so every idle one has), the idle
    /// ones are thrown away and it runs once more on a new one.
    ///
    /// # Errors
    /// `f`'s; [`StoreError::Unreachable`] when no connection can be made.
    pub fn read<T>(&self, mut f: impl FnMut(&mut Conn) -> Result<T>) -> Result<T> {
        let mut conn = self.take()?;
        let out = f(&mut conn);
        if out.is_err() && conn.pooled && conn.client.is_closed() {
            drop(conn);
            self.forget_idle();
            return f(&mut *self.take()?);
        }
        out
    }

    /// Runs a write on a connection, once: a write that met a broken connection
    /// may have been committed just before the break, so it is not repeated; the
    /// error goes back to the caller (a commit then meets a conflict or sees its
    /// version on retry). The idle connections, broken too, are thrown away.
    ///
    /// # Errors
    /// `f`'s; [`StoreError::Unreachable`] when no connection can be made.
    pub fn write<T>(&self, f: impl FnOnce(&mut Conn) -> Result<T>) -> Result<T> {
        let mut conn = self.take()?;
        let out = f(&mut conn);
        if out.is_err() && conn.client.is_closed() {
            drop(conn);
            self.forget_idle();
        }
        out
    }

    fn give_back(&self, conn: Conn) {
        let mut idle = lock(&self.idle);
        if conn.client.is_closed() || idle.conns.len() >= IDLE {
            idle.open -= 1;
            drop(idle);
            close(vec![conn]);
        } else {
            idle.conns.push(conn);
        }
        self.returned.notify_one();
    }

    /// Closes every idle connection (after one was found broken: they all are).
    fn forget_idle(&self) {
        let mut idle = lock(&self.idle);
        let conns = std::mem::take(&mut idle.conns);
        idle.open -= conns.len();
        drop(idle);
        self.returned.notify_all();
        close(conns);
    }
}

/// Closes connections. The blocking client closes one by running a runtime of its
/// own, which cannot start on an async worker (where a server drops its store when
/// it shuts down): on a thread of their own.
fn close(conns: Vec<Conn>) {
    if !conns.is_empty() {
        let _ = std::thread::spawn(move || drop(conns)).join();
    }
}

/// Database errors with the store's name; a lock held too long becomes
/// [`StoreError::Busy`].
pub(crate) trait At<T> {
    /// Names the store in the error.
    fn at(self, store: &str) -> Result<T>;
}

impl Drop for Pool {
    fn drop(&mut self) {
        close(std::mem::take(&mut lock(&self.idle).conns));
    }
}

impl<T> At<T> for Result<T, postgres::Error> {
    fn at(self, store: &str) -> Result<T> {
        self.map_err(|source| match source.code() {
            Some(&SqlState::LOCK_NOT_AVAILABLE) => StoreError::Busy {
                store: store.to_string(),
                seconds: LOCK_TIMEOUT.as_secs(),
            },
            _ if unreachable(&source) => StoreError::Unreachable {
                store: store.to_string(),
                source,
            },
            _ => StoreError::Postgres {
                store: store.to_string(),
                source,
            },
        })
    }
}

/// Whether `e` says the database is out of reach rather than that it refused
/// something: the connection closed or could not be made (an I/O error under it),
/// or the server said it is shutting down or not accepting connections yet
/// (SQLSTATE class 08, connection exception, and 57P01-57P03).
pub(crate) fn unreachable(e: &postgres::Error) -> bool {
    if e.is_closed() {
        return true;
    }
    if let Some(code) = e.code() {
        let code = code.code();
        return code.starts_with("08") || matches!(code, "57P01" | "57P02" | "57P03");
    }
    std::error::Error::source(e).is_some_and(|s| s.is::<std::io::Error>())
}

/// A lock whose holder panicked is still good: transactions roll back on drop.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
