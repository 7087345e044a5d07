//! Cross-process wake-ups for video signalling: PostgreSQL NOTIFY on its own channel with the
//! room id as payload, so only the WebSockets of that room look at their inboxes. SQLite runs
//! in one process, where the in-process channel of the web layer suffices.
use crate::Db;
use crate::db::Result;
use embarq_domain::Id;
use futures::Stream;
use futures::StreamExt;

pub const VIDEO_CHANNEL: &str = "embarq_video";

/// Tells other server processes that signalling messages wait in `room_id` (PostgreSQL only).
pub(crate) async fn notify_video(db: &Db, room_id: Id) -> Result<()> {
    if let Db::Pg(p) = db {
        sqlx::query("SELECT pg_notify($1, $2)")
            .bind(VIDEO_CHANNEL)
            .bind(room_id.to_string())
            .execute(p)
            .await?;
    }
    Ok(())
}

/// Room ids with new signalling messages, from every process (PostgreSQL), or `None` on
/// SQLite. The listener reconnects by itself after a connection loss (messages stay queued
/// in the database meanwhile).
pub async fn listen_video(db: &Db) -> Result<Option<impl Stream<Item = Id> + Send + 'static>> {
    match db {
        Db::Sqlite(_) => Ok(None),
        Db::Pg(p) => {
            let mut listener = sqlx::postgres::PgListener::connect_with(p).await?;
            listener.listen(VIDEO_CHANNEL).await?;
            Ok(Some(listener.into_stream().filter_map(|n| async move {
                n.ok().and_then(|n| embarq_domain::parse_id(n.payload()))
            })))
        }
    }
}
