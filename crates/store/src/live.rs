//! Live events for open pages. A sphere event ("post P in sphere S") is one row whatever the
//! sphere's size; a personal event (a notification, a message, a membership change) is one
//! row per person. They are written in the transaction of the change that causes them
//! (`Effects::live`, or the statements below). The table is the truth: the web layer routes new rows in memory to the
//! open connections allowed to see them, and a connection that reconnects or falls behind
//! catches up from here by cursor.
use crate::db::{Result, with_pool, with_writer};
use crate::models::LiveEvent;
use crate::{Db, now_ms};
use embarq_domain::SphereId;
use embarq_domain::UserId;

/// Records a live event in the caller's transaction: `$1` person or `$2` sphere (the other
/// NULL), `$3` kind, `$4` what it points to, `$5` time. On PostgreSQL a trigger announces the
/// row to every server process when the transaction commits.
pub(crate) const INSERT_LIVE: &str = "INSERT INTO live_events (user_id, sphere_id, kind, ref_id, created_at) VALUES ($1, $2, $3, $4, $5)";

/// Tells `$1`'s open pages that their spheres changed (`$2` the sphere, `$3` time), in the
/// transaction that changes the membership: routing follows it from the next event on.
pub(crate) const LIVE_MEMBERSHIP: &str = "INSERT INTO live_events (user_id, sphere_id, kind, ref_id, created_at) VALUES ($1, NULL, 'membership', $2, $3)";

/// Tells the open pages concerned that sphere `$1`'s members changed at `$2` (changes of many
/// members at once: SCIM groups, champions, "everyone"); routing re-reads the sphere's members.
pub(crate) const LIVE_SPHERE_MEMBERS: &str = "INSERT INTO live_events (user_id, sphere_id, kind, ref_id, created_at) VALUES (NULL, $1, 'members', $1, $2)";

/// Tells every server process to close `$1`'s open live streams (at `$2`): a page that was
/// signed in must not keep receiving once its session is gone (`revoke_credentials!`).
pub(crate) const LIVE_REVOKED: &str = "INSERT INTO live_events (user_id, sphere_id, kind, ref_id, created_at) VALUES ($1, NULL, 'revoked', NULL, $2)";

const LIVE_COLUMNS: &str = "seq, user_id, sphere_id, kind, ref_id, created_at";

/// Rows read at most per query (a connection far behind reads several pages).
pub const LIVE_PAGE: i64 = 500;

impl Db {
    /// Every event after `seq`, oldest first (one page): what a server process routes.
    pub async fn live_events_since(&self, seq: i64) -> Result<Vec<LiveEvent>> {
        let sql = format!(
            "SELECT {LIVE_COLUMNS} FROM live_events WHERE seq > $1 ORDER BY seq LIMIT {LIVE_PAGE}"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(seq).fetch_all(p).await)?,
        )
    }

    /// The events `user_id` may see after `seq`, oldest first (one page): their personal
    /// events and those of the spheres they belong to now.
    pub async fn live_events_after(&self, user_id: UserId, seq: i64) -> Result<Vec<LiveEvent>> {
        let sql = format!(
            "SELECT {LIVE_COLUMNS} FROM live_events WHERE user_id = $1 AND seq > $2 \
             UNION ALL \
             SELECT e.seq, e.user_id, e.sphere_id, e.kind, e.ref_id, e.created_at FROM sphere_members m \
             JOIN live_events e ON e.sphere_id = m.sphere_id AND e.seq > $2 WHERE m.user_id = $1 \
             ORDER BY seq LIMIT {LIVE_PAGE}"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(user_id).bind(seq).fetch_all(p).await)?,
        )
    }

    /// The spheres whose events reach `user_id`'s open pages.
    pub async fn live_spheres(&self, user_id: UserId) -> Result<Vec<SphereId>> {
        Ok(
            with_pool!(self, p => sqlx::query_scalar("SELECT sphere_id FROM sphere_members WHERE user_id = $1")
            .bind(user_id).fetch_all(p).await)?,
        )
    }

    /// The newest sequence number (a new page starts listening from here).
    pub async fn live_head(&self) -> Result<i64> {
        let v: Option<i64> = with_pool!(self, p => sqlx::query_scalar("SELECT MAX(seq) FROM live_events").fetch_one(p).await)?;
        Ok(v.unwrap_or(0))
    }

    /// Drops events older than `age_ms` by ranges of the time index, a bounded batch per
    /// statement so that writers never wait long; pages reconnecting later reload instead.
    pub async fn prune_live_events(&self, age_ms: i64) -> Result<u64> {
        let before = now_ms() - age_ms;
        let mut total = 0;
        loop {
            let n = with_writer!(self, p => sqlx::query(
                "DELETE FROM live_events WHERE seq IN \
                 (SELECT seq FROM live_events WHERE created_at < $1 ORDER BY created_at LIMIT 5000)")
                .bind(before).execute(p).await.map(|r| r.rows_affected()))?;
            total += n;
            if n < 5000 {
                return Ok(total);
            }
        }
    }
}
