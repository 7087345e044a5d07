//! Personal calendar feed secrets: one per person, stored as a SHA-256 (the caller hashes).
use crate::db::{Result, with_pool, with_writer};
use crate::models::{USER_COLUMNS, User};
use crate::{Db, now_ms};
use embarq_domain::UserId;
use sqlx::AssertSqlSafe;

impl Db {
    /// Sets (or replaces: the old URL stops working) the person's feed secret.
    pub async fn set_calendar_token(&self, user_id: UserId, token_hash: &str) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => sqlx::query("INSERT INTO calendar_tokens (user_id, token_hash, created_at) VALUES ($1, $2, $3) \
             ON CONFLICT (user_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at")
            .bind(user_id).bind(token_hash).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Turns the feed off. `false` if there was none.
    pub async fn delete_calendar_token(&self, user_id: UserId) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query("DELETE FROM calendar_tokens WHERE user_id = $1")
            .bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// When the person's current feed secret was made, if they have one.
    pub async fn calendar_token_created_at(&self, user_id: UserId) -> Result<Option<i64>> {
        Ok(
            with_pool!(self, p => sqlx::query_scalar("SELECT created_at FROM calendar_tokens WHERE user_id = $1")
            .bind(user_id).fetch_optional(p).await)?,
        )
    }

    /// The active person a feed secret belongs to (deactivated people's feeds stop).
    pub async fn calendar_token_user(&self, token_hash: &str) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM calendar_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND u.status = 'active'"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(token_hash).fetch_optional(p).await)?,
        )
    }
}
