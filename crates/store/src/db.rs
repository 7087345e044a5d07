use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use std::str::FromStr;
use std::time::Duration;

/// Runs the same code against whichever pool the `Db` holds. Each arm is compiled for its
/// own driver, so one SQL text and one body serve both backends.
macro_rules! with_pool {
    ($db:expr, $pool:ident => $body:expr) => {{
        #[allow(unused_imports)]
        use $crate::db::BeginWrite as _;
        match $db {
            $crate::Db::Sqlite(pools) => {
                let $pool = &pools.read;
                $body
            }
            $crate::Db::Pg($pool) => $body,
        }
    }};
}
/// The same for code that writes: on SQLite it runs on the one writer connection, so
/// writers queue in the pool (fairly, without the busy handler's sleeps) while reads go on
/// in the read pool, and each write wakes the live-event router (`Db::writes`). PostgreSQL
/// has one pool, and announces live events itself.
macro_rules! with_writer {
    ($db:expr, $pool:ident => $body:expr) => {{
        #[allow(unused_imports)]
        use $crate::db::BeginWrite as _;
        match $db {
            $crate::Db::Sqlite(pools) => {
                let $pool = &pools.write;
                let out = $body;
                // Whatever this wrote, live events included, is there to route now.
                pools.written.notify_one();
                out
            }
            $crate::Db::Pg($pool) => $body,
        }
    }};
}
pub(crate) use with_pool;
pub(crate) use with_writer;

/// Starts every transaction of the store. On SQLite it is `BEGIN IMMEDIATE`: a deferred
/// transaction that reads and then writes cannot wait for the write lock (SQLite answers
/// "database is locked" at once, ignoring the busy timeout), so the lock is taken up front
/// and concurrent writers queue on the busy timeout instead. PostgreSQL begins as usual.
pub(crate) trait BeginWrite {
    type Database: sqlx::Database;
    fn begin_write(
        &self,
    ) -> impl Future<Output = sqlx::Result<sqlx::Transaction<'static, Self::Database>>> + Send;
}

impl BeginWrite for SqlitePool {
    type Database = sqlx::Sqlite;
    fn begin_write(
        &self,
    ) -> impl Future<Output = sqlx::Result<sqlx::Transaction<'static, sqlx::Sqlite>>> + Send {
        self.begin_with("BEGIN IMMEDIATE")
    }
}

impl BeginWrite for PgPool {
    type Database = sqlx::Postgres;
    fn begin_write(
        &self,
    ) -> impl Future<Output = sqlx::Result<sqlx::Transaction<'static, sqlx::Postgres>>> + Send {
        self.begin()
    }
}

/// Lookups of a token (API, SCIM) refresh its `last_used_at` at most this often: one write
/// per minute, not one per request (a read would otherwise wait for the writer).
pub(crate) const TOUCH_GAP_MS: i64 = 60_000;

/// Locks a row for the rest of the transaction on both backends (a no-op update: a row
/// lock on PostgreSQL, the write lock on SQLite). Rules that count and then write (the last
/// manager, a sender's daily cap) lock the row that owns what they count first, so a
/// concurrent transaction under READ COMMITTED waits and then counts what this one wrote.
pub(crate) const LOCK_ORGANIZATION: &str = "UPDATE organizations SET name = name WHERE id = $1";
pub(crate) const LOCK_USER: &str = "UPDATE users SET status = status WHERE id = $1";

/// Everything that lets a person in without their password. Deactivation, erasure and a
/// password reset end them together (`revoke_credentials!`), whichever path (UI, API, CSV
/// import, SCIM, GDPR) does it.
pub(crate) const REVOKE_CREDENTIALS: [&str; 4] = [
    "DELETE FROM sessions WHERE user_id = $1",
    "DELETE FROM api_tokens WHERE user_id = $1",
    "DELETE FROM calendar_tokens WHERE user_id = $1",
    // A device's push subscription lets it hear about the account: it ends with the others.
    "DELETE FROM push_subscriptions WHERE user_id = $1",
];

/// Ends every credential of `$user` and its open live streams, in the caller's transaction.
macro_rules! revoke_credentials {
    ($tx:expr, $user:expr) => {{
        for sql in $crate::db::REVOKE_CREDENTIALS {
            sqlx::query(sql).bind($user).execute(&mut *$tx).await?;
        }
        sqlx::query($crate::live::LIVE_REVOKED)
            .bind($user)
            .bind($crate::now_ms())
            .execute(&mut *$tx)
            .await?;
    }};
}
pub(crate) use revoke_credentials;

/// Applies a member lifecycle change (`embarq_domain::lifecycle`) to account `$user` in the
/// caller's transaction `$tx`, for every path that changes an account (UI, API, SCIM, CSV
/// import, GDPR erasure, password reset, SSO). Locks the person's row first, so the state read
/// is current under READ COMMITTED; when the change could remove a manager, also locks the
/// organization's row and counts its other active managers, so two managers demoting each
/// other at once cannot both pass. Writes the effects and evaluates to `Ok(Some(effects))`,
/// `Ok(None)` for an unknown or erased account (or one outside `$org`, when given), or
/// `Err(refusal)` with nothing written.
macro_rules! change_member {
    ($tx:expr, $org:expr, $user:expr, $change:expr) => {{
        use embarq_domain::lifecycle::{MemberState, transition};
        use embarq_domain::{OrgRole, UserStatus};
        let change: embarq_domain::lifecycle::Change = $change;
        let user: embarq_domain::UserId = $user;
        let org: Option<embarq_domain::OrgId> = $org;
        sqlx::query($crate::db::LOCK_USER).bind(user).execute(&mut *$tx).await?;
        let row: Option<(UserStatus, OrgRole, bool, embarq_domain::OrgId)> = sqlx::query_as(
            "SELECT status, org_role, password_hash IS NOT NULL, org_id FROM users \
             WHERE id = $1 AND ($2 IS NULL OR org_id = $2) AND erased_at IS NULL",
        )
        .bind(user)
        .bind(org)
        .fetch_optional(&mut *$tx)
        .await?;
        match row {
            None => Ok(None),
            Some((status, role, has_password, org_id)) => {
                let mut state = MemberState {
                    status,
                    role,
                    has_password,
                    other_active_managers: 0,
                };
                if state.counts_managers(change) {
                    sqlx::query($crate::db::LOCK_ORGANIZATION).bind(org_id).execute(&mut *$tx).await?;
                    state.other_active_managers = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM users WHERE org_id = $1 AND org_role = 'manager' \
                         AND status = 'active' AND erased_at IS NULL AND id <> $2",
                    )
                    .bind(org_id)
                    .bind(user)
                    .fetch_one(&mut *$tx)
                    .await?;
                }
                match transition(&state, change) {
                    Err(refusal) => Err(refusal),
                    Ok(effects) => {
                        if effects.status.is_some() || effects.role.is_some() {
                            sqlx::query(
                                "UPDATE users SET status = COALESCE($2, status), org_role = COALESCE($3, org_role) WHERE id = $1",
                            )
                            .bind(user)
                            .bind(effects.status)
                            .bind(effects.role)
                            .execute(&mut *$tx)
                            .await?;
                        }
                        if effects.revoke_credentials {
                            $crate::db::revoke_credentials!($tx, user);
                        }
                        Ok(Some(effects))
                    }
                }
            }
        }
    }};
}
pub(crate) use change_member;

/// A lifecycle refusal as the store reports it.
pub(crate) fn refused(r: embarq_domain::lifecycle::Refusal) -> StoreError {
    StoreError::Refused(r.code())
}

/// Locks sphere `$sphere`'s row in transaction `$tx` (PostgreSQL; SQLite's write lock is
/// already held): concurrent changes that count and then write on one sphere take turns.
macro_rules! lock_sphere {
    ($tx:expr, $sphere:expr) => {
        sqlx::query("UPDATE spheres SET name = name WHERE id = $1")
            .bind($sphere)
            .execute(&mut *$tx)
            .await?
    };
}
pub(crate) use lock_sphere;

/// The same rule for a sphere: refuses (`last_admin`) to demote or remove `$user` when
/// they are the last administrator of `$sphere`, after locking the sphere's row.
macro_rules! keep_a_sphere_admin {
    ($tx:expr, $sphere:expr, $user:expr) => {{
        $crate::db::lock_sphere!($tx, $sphere);
        let others: Option<i64> = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM sphere_members o WHERE o.sphere_id = $1 AND o.role = 'admin' \
             AND o.user_id <> $2) FROM sphere_members WHERE sphere_id = $1 AND user_id = $2 AND role = 'admin'",
        )
        .bind($sphere)
        .bind($user)
        .fetch_optional(&mut *$tx)
        .await?;
        if others == Some(0) {
            return Err($crate::StoreError::Refused("last_admin"));
        }
    }};
}
pub(crate) use keep_a_sphere_admin;

#[derive(Clone, Debug)]
pub enum Db {
    Sqlite(SqlitePools),
    Pg(PgPool),
}

/// SQLite allows one writer at a time: writes go through one connection, reads through a
/// pool beside it (WAL lets them run while a write is in progress).
#[derive(Clone, Debug)]
pub struct SqlitePools {
    pub read: SqlitePool,
    pub write: SqlitePool,
    /// Signalled after each write through `with_writer!` (see `Db::writes`).
    pub written: std::sync::Arc<tokio::sync::Notify>,
}

/// Connections reading SQLite at once (the machine's cores do the work; more only queue).
const SQLITE_READERS: u32 = 6;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Sqlx(#[from] sqlx::Error),
    #[error("migration error: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A unique constraint refused the write; the value names what was duplicated.
    #[error("already exists: {0}")]
    Conflict(&'static str),
    /// A rule of the product refused the write (e.g. `last_manager`), checked atomically.
    #[error("refused: {0}")]
    Refused(&'static str),
    #[error("unsupported database URL {0:?}: use sqlite://path or postgres://...")]
    UnknownScheme(String),
}

impl StoreError {
    /// Maps a unique-constraint violation to `Conflict(what)`, leaving other errors alone.
    pub(crate) fn on_unique(e: sqlx::Error, what: &'static str) -> Self {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what),
            _ => StoreError::Sqlx(e),
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Milliseconds since the epoch: every timestamp is set by the application, never by the database.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

impl Db {
    /// Opens `sqlite://path` (created if missing) or `postgres://...`; anything else is refused
    /// rather than silently creating an empty database somewhere unexpected.
    pub async fn connect(url: &str) -> Result<Db> {
        if let Some(path) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            // Memory stays flat under load: each connection's page cache is bounded (16 MiB
            // for the writer, 8 MiB per reader) and so is the memory-mapped window.
            let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                .pragma("temp_store", "memory")
                .pragma("mmap_size", "67108864");
            // The writer is opened first: it creates the file and switches it to WAL.
            let write = SqlitePoolOptions::new()
                // The search tokenizer (French and English stems) on every connection.
                .after_connect(|c, _| Box::pin(crate::dialect::fts5::on_connect(c)))
                .max_connections(1)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts.clone().pragma("cache_size", "-16384"))
                .await?;
            let read = SqlitePoolOptions::new()
                .after_connect(|c, _| Box::pin(crate::dialect::fts5::on_connect(c)))
                .max_connections(SQLITE_READERS)
                .min_connections(1)
                .connect_with(opts.pragma("cache_size", "-8192"))
                .await?;
            Ok(Db::Sqlite(SqlitePools {
                read,
                write,
                written: Default::default(),
            }))
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(10))
                .connect_with(opts)
                .await?;
            Ok(Db::Pg(pool))
        } else {
            Err(StoreError::UnknownScheme(url.chars().take(40).collect()))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Db::Sqlite(_) => Backend::Sqlite,
            Db::Pg(_) => Backend::Postgres,
        }
    }

    /// Applies pending migrations of the backend's dialect.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(&p.write).await?,
            Db::Pg(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// Readiness probe: the database answers.
    pub async fn ping(&self) -> Result<()> {
        with_pool!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// On SQLite (one process), signalled after each write: the live-event router reads new
    /// rows then, whichever path wrote them. `None` on PostgreSQL, which NOTIFYs each row.
    pub fn writes(&self) -> Option<std::sync::Arc<tokio::sync::Notify>> {
        match self {
            Db::Sqlite(p) => Some(p.written.clone()),
            Db::Pg(_) => None,
        }
    }

    pub async fn close(&self) {
        match self {
            Db::Sqlite(p) => {
                p.read.close().await;
                p.write.close().await;
            }
            Db::Pg(p) => p.close().await,
        }
    }
}
