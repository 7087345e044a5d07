//! Notifications with unread counts.
use crate::db::{Result, with_pool, with_writer};
use crate::models::Notification;
use crate::{Db, now_ms};
use embarq_domain::Id;
use embarq_domain::UserId;
use sqlx::AssertSqlSafe;

impl Db {
    /// A person's notifications, newest first. Only notifications whose sphere the person can
    /// still see are returned (leaving a secret sphere hides its notifications).
    pub async fn notifications(&self, user_id: UserId, limit: i64) -> Result<Vec<Notification>> {
        let sql = notifications_where("TRUE", "$2");
        Ok(with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(user_id).bind(limit).fetch_all(p).await)?)
    }

    pub async fn unread_count(&self, user_id: UserId) -> Result<i64> {
        let sql = format!(
            "SELECT COUNT(*) FROM notifications n LEFT JOIN spheres s ON s.id = n.sphere_id \
             WHERE n.user_id = $1 AND n.read_at IS NULL AND (s.id IS NULL OR {sees})",
            sees = crate::access::sees("s", "$1")
        );
        Ok(with_pool!(self, p => sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(user_id).fetch_one(p).await)?)
    }

    pub async fn mark_notifications_read(&self, user_id: UserId, only: Option<Id>) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL AND ($3 IS NULL OR id = $3)")
            .bind(now_ms()).bind(user_id).bind(only).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

/// Person `$1`'s notifications matching `filter`, newest first, at most `limit`: only those
/// whose sphere they can still see (leaving a secret sphere hides its notifications).
pub(crate) fn notifications_where(filter: &str, limit: &str) -> String {
    format!(
        "SELECT n.id, n.kind, n.actor_id, a.display_name AS actor_name, n.sphere_id, s.name AS sphere_name, n.post_id, \
         n.conversation_id, n.link, n.created_at, n.read_at FROM notifications n \
         LEFT JOIN users a ON a.id = n.actor_id LEFT JOIN spheres s ON s.id = n.sphere_id \
         WHERE n.user_id = $1 AND (s.id IS NULL OR {sees}) AND {filter} \
         ORDER BY n.created_at DESC, n.id DESC LIMIT {limit}",
        sees = crate::access::sees("s", "$1")
    )
}
