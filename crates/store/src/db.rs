//! The database handle: one enum over the two pools, and how to open it.

use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, Transaction};

use crate::error::{ConnectError, Error};
use crate::scope::{AdminScope, Scope};
use domain::ids::OrganizationId;

/// Which backend a URL or pool belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend's name, for labels: `sqlite` or `postgres`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }

    /// The backend a database URL names, judged by its scheme.
    pub fn of_url(url: &str) -> Result<Self, ConnectError> {
        let scheme = url.split_once(':').map(|(s, _)| s).unwrap_or_default();
        match scheme {
            "sqlite" => Ok(Self::Sqlite),
            "postgres" | "postgresql" => Ok(Self::Postgres),
            _ => Err(ConnectError::UnsupportedScheme),
        }
    }
}

/// How to open the pool. The defaults suit one server process.
#[derive(Clone, Debug)]
pub struct ConnectOptions {
    /// Upper bound on pooled connections (PostgreSQL, and SQLite readers).
    pub max_connections: u32,
    /// How long to wait for a connection, and on SQLite for a lock, before failing.
    pub busy_timeout: Duration,
    /// Create the SQLite file if it does not exist.
    pub create_if_missing: bool,
}

impl Default for ConnectOptions {
    fn default() -> Self {
        Self {
            max_connections: 10,
            busy_timeout: Duration::from_secs(5),
            create_if_missing: true,
        }
    }
}

/// A pool on either backend. Repositories are written once against the common dialect and
/// run on whichever pool this holds; see [`crate::with_pool`].
#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqliteDb),
    Postgres(PgPool),
}

/// A SQLite pool and the queue its write transactions wait in.
///
/// SQLite lets one writer in at a time. Writers that wait inside SQLite poll its lock with
/// sleeps of up to 100 ms, so under load some wait far longer than others; waiting here instead,
/// in arrival order, keeps the queue fair and the lock busy.
#[derive(Clone, Debug)]
pub struct SqliteDb {
    pool: SqlitePool,
    writers: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl std::ops::Deref for SqliteDb {
    type Target = SqlitePool;

    fn deref(&self) -> &SqlitePool {
        &self.pool
    }
}

/// An open transaction on either backend. A SQLite write transaction holds its place at the
/// head of the writers' queue until it ends.
#[derive(Debug)]
pub enum Tx {
    Sqlite(
        Transaction<'static, Sqlite>,
        Option<tokio::sync::OwnedMutexGuard<()>>,
    ),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$pool` bound to a connection of the concrete backend, once per backend.
/// Generic sqlx calls type-check against each backend separately, so SQL shared by both stays
/// one string.
///
/// `$tenant` (anything [`Into<Tenant>`](Tenant): a `&Scope`, an `OrganizationId`, a
/// [`CrossTenant`] reason) names whose rows the body may touch. On PostgreSQL the body runs
/// in a transaction of its own in which row-level security confines every statement to that
/// tenant ([`Db::begin_read`]). `$pool` is a connection (on PostgreSQL that transaction's), so
/// a body that runs two statements reborrows it (`&mut *pool`).
#[macro_export]
#[doc(hidden)]
macro_rules! with_pool {
    ($db:expr, $tenant:expr, $pool:ident => $body:expr) => {
        match $db {
            $crate::Db::Sqlite(db) => {
                let mut conn = db.acquire().await?;
                let $pool: &mut sqlx::SqliteConnection = &mut *conn;
                $body
            }
            $crate::Db::Postgres(pg) => {
                let mut tx = $crate::Tenant::from($tenant).begin_postgres(pg).await?;
                let out = {
                    let $pool: &mut sqlx::PgConnection = &mut *tx;
                    $body
                };
                tx.commit().await?;
                out
            }
        }
    };
}

/// Like [`with_pool!`] for a [`Tx`]: binds `$conn` to the transaction's connection.
#[macro_export]
#[doc(hidden)]
macro_rules! with_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(tx, _) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::Tx::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}

/// Whose rows a transaction may touch on PostgreSQL, where every tenant table has its
/// policy FORCEd: each transaction sets `app.organization_id` (or `app.cross_tenant`) LOCAL
/// in the statement that begins it, so a query that forgets its `WHERE organization_id`
/// still sees one organization at most. SQLite has no row-level security and ignores this.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tenant {
    /// One organization's rows, and no other's.
    Organization(OrganizationId),
    /// Every organization's rows, for the reason named: work that is legitimately
    /// cross-tenant must say so where it begins its transaction.
    CrossTenant(CrossTenant),
    /// No organization's rows: for statements on tables that hold no tenant data.
    Nobody,
}

/// Why a transaction reads or writes across organizations. Each variant is a place a
/// reviewer can grep for; a new one needs a reason no single organization can be named.
/// (Credentials need none: API keys, session cookies and every e-mailed or linked token
/// carry their organization's id, so their lookup runs confined to it.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrossTenant {
    /// Sign-in by email across organizations, or by organization slug.
    SignIn,
    /// Resolving a public page (booking page, routing form, single-use link) by its slug or
    /// token to the organization that publishes it.
    PublicPage,
    /// Background workers scanning the shared queues (jobs, calendar syncs) of every
    /// organization.
    Worker,
    /// The operator's command line, which may act in any organization.
    Operator,
    /// Founding an organization (its first rows are written before anyone can be scoped).
    Founding,
}

impl From<OrganizationId> for Tenant {
    fn from(org: OrganizationId) -> Self {
        Self::Organization(org)
    }
}

impl From<&Scope> for Tenant {
    fn from(scope: &Scope) -> Self {
        Self::Organization(scope.organization_id())
    }
}

impl From<&AdminScope> for Tenant {
    fn from(grant: &AdminScope) -> Self {
        Self::from(grant.scope())
    }
}

impl<C: crate::permission::Capability> From<&crate::permission::Granted<C>> for Tenant {
    fn from(grant: &crate::permission::Granted<C>) -> Self {
        Self::from(grant.scope())
    }
}

impl From<CrossTenant> for Tenant {
    fn from(reason: CrossTenant) -> Self {
        Self::CrossTenant(reason)
    }
}

impl Tenant {
    /// The statement that begins a PostgreSQL transaction for this tenant: `BEGIN` and the
    /// LOCAL setting in one simple query, one round trip. The id is formatted by us (a UUID's
    /// hex and dashes), never taken from input.
    fn begin_statement(self) -> String {
        match self {
            Self::Organization(org) => {
                format!("BEGIN; SET LOCAL app.organization_id = '{}'", org.0)
            }
            Self::CrossTenant(_) => "BEGIN; SET LOCAL app.cross_tenant = 'on'".to_owned(),
            Self::Nobody => "BEGIN".to_owned(),
        }
    }

    /// Begins a PostgreSQL transaction confined to this tenant. Used by [`with_pool!`];
    /// repositories call [`Db::begin_read`] or [`Db::begin_write`].
    #[doc(hidden)]
    pub async fn begin_postgres(
        self,
        pool: &PgPool,
    ) -> Result<Transaction<'static, Postgres>, sqlx::Error> {
        pool.begin_with(sqlx::AssertSqlSafe(self.begin_statement()))
            .await
    }
}

impl Db {
    /// Opens a pool for `url` (`sqlite:` or `postgres:`), without migrating.
    ///
    /// SQLite gets WAL, a busy timeout, foreign keys and `synchronous=NORMAL` (durable in WAL
    /// mode across process crashes; the last transactions may be lost on power failure).
    pub async fn connect(url: &str, options: &ConnectOptions) -> Result<Self, ConnectError> {
        match Backend::of_url(url)? {
            Backend::Sqlite => {
                let connect = SqliteConnectOptions::from_str(url)
                    .map_err(|e| ConnectError::InvalidUrl(e.to_string()))?
                    .create_if_missing(options.create_if_missing)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(options.busy_timeout)
                    .foreign_keys(true);
                probe(&connect).await?;
                let pool = SqlitePoolOptions::new()
                    .max_connections(options.max_connections.max(1))
                    .acquire_timeout(options.busy_timeout)
                    .connect_with(connect)
                    .await
                    .map_err(ConnectError::Unreachable)?;
                Ok(Self::Sqlite(SqliteDb {
                    pool,
                    writers: Default::default(),
                }))
            }
            Backend::Postgres => {
                let connect = PgConnectOptions::from_str(url)
                    .map_err(|e| ConnectError::InvalidUrl(e.to_string()))?;
                Self::connect_postgres(connect, options).await
            }
        }
    }

    /// Opens a PostgreSQL pool from already-built options (tests use this to pin a schema).
    pub async fn connect_postgres(
        connect: PgConnectOptions,
        options: &ConnectOptions,
    ) -> Result<Self, ConnectError> {
        // The first connection is made by the pool and kept in it: each new PostgreSQL
        // connection costs a round trip or three (more with TLS), which start-up should pay
        // once. Connection refused is retried until the timeout, so a server may start while
        // its database is still coming up.
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.busy_timeout)
            .connect_lazy_with(connect.clone());
        match pool.acquire().await {
            // Awaited, not dropped: a dropped connection goes back to the pool in a spawned
            // task, and the next acquire (the migrations) would open a second connection.
            Ok(mut conn) => conn.return_to_pool().await,
            // The pool only says it timed out; one direct attempt says why.
            Err(sqlx::Error::PoolTimedOut) => {
                probe(&connect).await?;
                return Err(ConnectError::Unreachable(sqlx::Error::PoolTimedOut));
            }
            Err(e) => return Err(ConnectError::Unreachable(e)),
        }
        Ok(Self::Postgres(pool))
    }

    /// Which backend this pool talks to.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Brings the schema up to date. Safe to run from several processes at once on PostgreSQL
    /// (sqlx takes an advisory lock); on SQLite the write lock serializes them.
    ///
    /// On PostgreSQL the migrations run cross-tenant (a data migration may rewrite every
    /// organization's rows): the session setting is reset before the connection goes back to
    /// the pool, and a connection that cannot be reset is closed instead.
    pub async fn migrate(&self) -> Result<(), Error> {
        match self {
            Self::Sqlite(db) => crate::migrations::SQLITE.run(&db.pool).await?,
            Self::Postgres(pool) => {
                let mut conn = pool.acquire().await?;
                sqlx::query("SET app.cross_tenant = 'on'")
                    .execute(&mut *conn)
                    .await?;
                let migrated = crate::migrations::POSTGRES.run(&mut *conn).await;
                let reset = sqlx::query("RESET app.cross_tenant")
                    .execute(&mut *conn)
                    .await;
                if reset.is_err() {
                    // Closing is best effort; what matters is that it leaves the pool.
                    let _ = sqlx::Connection::close(conn.detach()).await;
                }
                migrated?;
            }
        }
        Ok(())
    }

    /// A round trip to the database, for readiness checks.
    pub async fn ping(&self) -> Result<(), Error> {
        with_pool!(self, Tenant::Nobody, pool => {
            sqlx::query("SELECT 1").execute(pool).await?;
        });
        Ok(())
    }

    /// Whether the role the server connects as ignores row-level security (a superuser or a
    /// `BYPASSRLS` role on PostgreSQL), so the tenant policies would not bind it. Always
    /// `false` on SQLite, which has none to ignore.
    pub async fn bypasses_row_security(&self) -> Result<bool, Error> {
        match self {
            Self::Sqlite(_) => Ok(false),
            Self::Postgres(pool) => Ok(sqlx::query_scalar(
                "SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user",
            )
            .fetch_one(pool)
            .await?),
        }
    }

    /// Pool occupancy, for metrics.
    pub fn pool_stats(&self) -> PoolStats {
        let stats = |size: u32, idle: usize, max: u32| PoolStats {
            size,
            idle: u32::try_from(idle).unwrap_or(u32::MAX),
            max,
        };
        match self {
            Self::Sqlite(db) => stats(db.size(), db.num_idle(), db.options().get_max_connections()),
            Self::Postgres(pool) => stats(
                pool.size(),
                pool.num_idle(),
                pool.options().get_max_connections(),
            ),
        }
    }

    /// Begins a write transaction confined to `tenant` (see [`Tenant`]). On SQLite it starts
    /// `IMMEDIATE`, taking the write lock up front: a deferred transaction that reads then
    /// writes can fail with SQLITE_BUSY at the write instead of waiting its turn under the
    /// busy timeout.
    pub async fn begin_write(&self, tenant: impl Into<Tenant>) -> Result<Tx, Error> {
        Ok(match self {
            Self::Sqlite(db) => {
                let turn = db.writers.clone().lock_owned().await;
                Tx::Sqlite(db.pool.begin_with("BEGIN IMMEDIATE").await?, Some(turn))
            }
            Self::Postgres(pool) => Tx::Postgres(tenant.into().begin_postgres(pool).await?),
        })
    }

    /// Begins a transaction for consistent reads confined to `tenant` (deferred on SQLite: it
    /// takes no write lock).
    pub async fn begin_read(&self, tenant: impl Into<Tenant>) -> Result<Tx, Error> {
        Ok(match self {
            Self::Sqlite(db) => Tx::Sqlite(db.pool.begin().await?, None),
            Self::Postgres(pool) => Tx::Postgres(tenant.into().begin_postgres(pool).await?),
        })
    }

    /// Closes the pool, waiting for connections to be returned.
    pub async fn close(&self) {
        match self {
            Self::Sqlite(db) => db.close().await,
            Self::Postgres(pool) => pool.close().await,
        }
    }
}

impl Tx {
    /// Makes the transaction's writes durable.
    pub async fn commit(self) -> Result<(), Error> {
        match self {
            Self::Sqlite(tx, _turn) => tx.commit().await?,
            Self::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    /// Lets this transaction's commit return before PostgreSQL has flushed it to disk
    /// (`synchronous_commit = off` for this transaction only). Other sessions see it at once;
    /// only a crash of the database server itself may forget it, never half of it. For writes
    /// whose loss only repeats work: a job claim (the job stays due), or the outcome of an
    /// idempotent delivery (sent again under the same id). On SQLite, whose WAL commits are
    /// not flushed one by one anyway, it does nothing.
    pub(crate) async fn flush_lazily(&mut self) -> Result<(), Error> {
        if let Self::Postgres(tx) = self {
            sqlx::query("SET LOCAL synchronous_commit = off")
                .execute(&mut **tx)
                .await?;
        }
        Ok(())
    }
}

/// Opens and closes one connection. A pool that cannot connect reports only that it timed
/// out; a direct connection says why (refused, bad password, no such file).
async fn probe<O>(options: &O) -> Result<(), ConnectError>
where
    O: sqlx::ConnectOptions,
    O::Connection: Sized,
{
    use sqlx::Connection;
    let conn = options.connect().await.map_err(ConnectError::Unreachable)?;
    // The probe succeeded; failing to close it cleanly changes nothing.
    let _ = conn.close().await;
    Ok(())
}

/// A snapshot of pool occupancy.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStats {
    /// Open connections, idle or in use.
    pub size: u32,
    /// Open connections not in use.
    pub idle: u32,
    /// The configured maximum.
    pub max: u32,
}
