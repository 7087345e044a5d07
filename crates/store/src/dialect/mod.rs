//! The only place with backend-specific code: cross-process wake-ups through PostgreSQL
//! LISTEN/NOTIFY. SQLite runs in one process, where an in-process channel suffices.
pub(crate) mod fts5;
pub(crate) mod search;

use crate::Db;
use crate::db::Result;
use futures::Stream;
use futures::StreamExt;

mod video;
pub(crate) use video::notify_video;
pub use video::{VIDEO_CHANNEL, listen_video};

pub const LIVE_CHANNEL: &str = "embarq_live";

/// Tells other server processes that new live events exist (PostgreSQL only).
pub(crate) async fn wake_other_processes(db: &Db) -> Result<()> {
    if let Db::Pg(p) = db {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(LIVE_CHANNEL)
            .execute(p)
            .await?;
    }
    Ok(())
}

/// A stream that yields whenever any process published live events (PostgreSQL), or
/// `None` on SQLite. The listener reconnects by itself after a connection loss.
pub async fn listen_wakeups(db: &Db) -> Result<Option<impl Stream<Item = ()> + Send + 'static>> {
    match db {
        Db::Sqlite(_) => Ok(None),
        Db::Pg(p) => {
            let mut listener = sqlx::postgres::PgListener::connect_with(p).await?;
            listener.listen(LIVE_CHANNEL).await?;
            Ok(Some(
                listener
                    .into_stream()
                    .filter_map(|n| async move { n.ok().map(|_| ()) }),
            ))
        }
    }
}

impl Db {
    /// Creates a database on the same PostgreSQL server (benchmarks and tests use scratch
    /// databases). The name must be a plain identifier.
    pub async fn create_database(&self, name: &str) -> Result<()> {
        self.database_admin("CREATE DATABASE", name).await
    }

    /// Drops a database of the same PostgreSQL server, ending its connections.
    pub async fn drop_database(&self, name: &str) -> Result<()> {
        self.database_admin("DROP DATABASE IF EXISTS", name).await
    }

    async fn database_admin(&self, verb: &str, name: &str) -> Result<()> {
        let plain = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        match self {
            Db::Pg(p) if plain => {
                let force = if verb.starts_with("DROP") {
                    " WITH (FORCE)"
                } else {
                    ""
                };
                sqlx::query(sqlx::AssertSqlSafe(format!("{verb} \"{name}\"{force}")))
                    .execute(p)
                    .await?;
                Ok(())
            }
            Db::Pg(_) => Err(crate::StoreError::Conflict("database name")),
            Db::Sqlite(_) => Err(crate::StoreError::UnknownScheme(
                "database administration needs PostgreSQL".into(),
            )),
        }
    }
}
