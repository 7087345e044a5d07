//! The only place with backend-specific code: cross-process live events through PostgreSQL
//! LISTEN/NOTIFY. SQLite runs in one process, where an in-process wake-up suffices.
pub(crate) mod fts5;
pub(crate) mod search;

use crate::Db;
use crate::db::Result;
use crate::models::LiveEvent;
use futures::Stream;

mod video;
pub(crate) use video::notify_video;
pub use video::{VIDEO_CHANNEL, listen_video};

pub const LIVE_CHANNEL: &str = "embarq_live";

/// Every live event as it commits, from every server process (PostgreSQL: a trigger on
/// `live_events` NOTIFYs the row), or `None` on SQLite. `Err(())` marks a lost connection:
/// the listener reconnects by itself, and the caller reads what it missed from the table.
pub async fn listen_live(
    db: &Db,
) -> Result<Option<impl Stream<Item = std::result::Result<LiveEvent, ()>> + Send + 'static>> {
    match db {
        Db::Sqlite(_) => Ok(None),
        Db::Pg(p) => {
            let mut listener = sqlx::postgres::PgListener::connect_with(p).await?;
            listener.listen(LIVE_CHANNEL).await?;
            Ok(Some(futures::stream::unfold(
                listener,
                |mut l| async move {
                    loop {
                        match l.try_recv().await {
                            Ok(Some(n)) => match serde_json::from_str::<LiveEvent>(n.payload()) {
                                Ok(e) => return Some((Ok(e), l)),
                                Err(e) => {
                                    tracing::warn!(error = %e, "unreadable live event notification")
                                }
                            },
                            // Lost; the next call reconnects.
                            Ok(None) => return Some((Err(()), l)),
                            Err(e) => {
                                tracing::warn!(error = %e, "live event listener failed; retrying");
                                tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                                return Some((Err(()), l));
                            }
                        }
                    }
                },
            )))
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
