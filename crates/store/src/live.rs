//! Live events for open pages: rows in `live_events`, read by cursor. The events table is
//! the truth; wake-ups (in-process or PostgreSQL NOTIFY) carry nothing but "look again".
use crate::db::{Result, with_pool};
use crate::models::LiveEvent;
use crate::{Db, dialect, now_ms};
use embarq_domain::Id;

impl Db {
    /// Records an event for each recipient and wakes listeners in other processes.
    pub async fn publish_live(
        &self,
        user_ids: &[Id],
        kind: &str,
        ref_id: Option<Id>,
    ) -> Result<()> {
        if user_ids.is_empty() {
            return Ok(());
        }
        let now = now_ms();
        with_pool!(self, p => {
            let mut tx = p.begin_write().await?;
            for u in user_ids {
                sqlx::query("INSERT INTO live_events (user_id, kind, ref_id, created_at) VALUES ($1, $2, $3, $4)")
                    .bind(u).bind(kind).bind(ref_id).bind(now).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        dialect::wake_other_processes(self).await
    }

    /// Events for `user_id` after `seq`, oldest first.
    pub async fn live_events_after(&self, user_id: Id, seq: i64) -> Result<Vec<LiveEvent>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT seq, user_id, kind, ref_id, created_at FROM live_events WHERE user_id = $1 AND seq > $2 ORDER BY seq LIMIT 200")
            .bind(user_id).bind(seq).fetch_all(p).await)?)
    }

    /// The newest sequence number (a new page starts listening from here).
    pub async fn live_head(&self) -> Result<i64> {
        let v: Option<i64> = with_pool!(self, p => sqlx::query_scalar("SELECT MAX(seq) FROM live_events").fetch_one(p).await)?;
        Ok(v.unwrap_or(0))
    }

    /// Drops events older than `age_ms`; pages reconnecting later reload instead.
    pub async fn prune_live_events(&self, age_ms: i64) -> Result<u64> {
        Ok(
            with_pool!(self, p => sqlx::query("DELETE FROM live_events WHERE created_at < $1")
            .bind(now_ms() - age_ms).execute(p).await.map(|r| r.rows_affected()))?,
        )
    }
}
