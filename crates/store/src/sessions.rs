//! Sessions, one-time tokens (invitations, password resets), personal access tokens and
//! sign-in attempts. Only hashes of secrets are stored.
use crate::db::{Result, TOUCH_GAP_MS, change_member, with_pool, with_writer};
use crate::models::{ApiToken, SessionUser, USER_COLUMNS, User};
use crate::{Db, now_ms};
use embarq_domain::Id;
use embarq_domain::UserId;
use embarq_domain::lifecycle::Change;
use embarq_domain::throttle::Counter;
use sqlx::AssertSqlSafe;

/// A token's owner and when the token was last used.
#[derive(sqlx::FromRow)]
struct TokenUser {
    #[sqlx(flatten)]
    user: User,
    token_used_at: Option<i64>,
}

/// Stores a one-time token in transaction `tx`; an invitation also records that the person
/// was invited, so the rollout job never invites them twice.
macro_rules! insert_one_time_token {
    ($tx:expr, $hash:expr, $user:expr, $purpose:expr, $now:expr, $ttl:expr) => {{
        let (purpose, now): (&str, i64) = ($purpose, $now);
        sqlx::query(
            "INSERT INTO one_time_tokens (token_hash, user_id, purpose, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind($hash).bind($user).bind(purpose).bind(now).bind(now + $ttl)
            .execute(&mut *$tx).await?;
        if purpose == "invite" {
            sqlx::query("UPDATE users SET invitation_sent_at = COALESCE(invitation_sent_at, $1) WHERE id = $2")
                .bind(now).bind($user).execute(&mut *$tx).await?;
        }
    }};
}
pub(crate) use insert_one_time_token;

impl Db {
    pub async fn create_session(
        &self,
        token_hash: &str,
        user_id: UserId,
        csrf: &str,
        ttl_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(token_hash).bind(user_id).bind(csrf).bind(now).bind(now + ttl_ms)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The session's active user, if the session exists, has not expired and the account is active.
    pub async fn session_user(&self, token_hash: &str) -> Result<Option<SessionUser>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.status = 'active'"
        );
        let row = with_pool!(self, p => {
            use sqlx::Row;
            sqlx::query(AssertSqlSafe(sql)).bind(token_hash).bind(now_ms()).fetch_optional(p).await?
                .map(|r| -> Result<SessionUser> {
                    Ok(SessionUser { user: sqlx::FromRow::from_row(&r)?, csrf_token: r.try_get("csrf_token")? })
                }).transpose()
        })?;
        Ok(row)
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        with_writer!(self, p => sqlx::query("DELETE FROM sessions WHERE token_hash = $1").bind(token_hash).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn delete_sessions_of(&self, user_id: UserId) -> Result<()> {
        with_writer!(self, p => sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Stores a one-time token with the e-mail that carries its link (`effects`), in one
    /// transaction. An invitation also records that the person was invited, so the rollout
    /// job never invites them twice.
    pub async fn create_one_time_token(
        &self,
        token_hash: &str,
        user_id: UserId,
        purpose: &str,
        ttl_ms: i64,
        effects: &crate::Effects,
    ) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            insert_one_time_token!(tx, token_hash, user_id, purpose, now, ttl_ms);
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(())
    }

    /// The user a valid, unused token belongs to, without consuming it (to show the form).
    pub async fn peek_one_time_token(
        &self,
        token_hash: &str,
        purpose: &str,
    ) -> Result<Option<UserId>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT user_id FROM one_time_tokens WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3")
            .bind(token_hash).bind(purpose).bind(now_ms()).fetch_optional(p).await)?)
    }

    /// Uses a one-time token and sets the account's password in one transaction: the token
    /// can succeed once, and a failure leaves both untouched. Activates invited accounts and
    /// ends every other session of the account.
    pub async fn redeem_token_set_password(
        &self,
        token_hash: &str,
        purpose: &str,
        password_hash: &str,
        effects: &crate::Effects,
    ) -> Result<Option<UserId>> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let user: Option<UserId> = sqlx::query_scalar(
                "UPDATE one_time_tokens SET used_at = $1 WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1 RETURNING user_id")
                .bind(now).bind(token_hash).bind(purpose).fetch_optional(&mut *tx).await?;
            if let Some(uid) = user {
                // Activates an invitation and ends every other session; a deactivated
                // account sets no password (the link is spent all the same).
                if change_member!(tx, None, uid, Change::SetPassword).is_ok() {
                    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                        .bind(password_hash).bind(uid).execute(&mut *tx).await?;
                    crate::outbox::write_effects!(tx, effects, now);
                }
                sqlx::query("UPDATE one_time_tokens SET used_at = $1 WHERE user_id = $2 AND purpose = $3 AND used_at IS NULL")
                    .bind(now).bind(uid).bind(purpose).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok(user)
        })
    }

    /// Stores a personal access token `id` with what it causes (`effects`: its audit entry).
    pub async fn create_api_token(
        &self,
        id: Id,
        user_id: UserId,
        name: &str,
        token_hash: &str,
        effects: &crate::Effects,
    ) -> Result<ApiToken> {
        let t = ApiToken {
            id,
            name: name.to_string(),
            created_at: now_ms(),
            last_used_at: None,
        };
        crate::outbox::one_row_with_effects!(self, sqlx::query(
            "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at) VALUES ($1, $2, $3, $4, $5)")
            .bind(t.id).bind(user_id).bind(name).bind(token_hash).bind(t.created_at), effects)?;
        Ok(t)
    }

    pub async fn api_tokens_of(&self, user_id: UserId) -> Result<Vec<ApiToken>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, name, created_at, last_used_at FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC")
            .bind(user_id).fetch_all(p).await)?)
    }

    /// Deletes one of the person's tokens and writes `effects` with it; `false` when it is
    /// not theirs (nothing written).
    pub async fn delete_api_token(
        &self,
        user_id: UserId,
        id: Id,
        effects: &crate::Effects,
    ) -> Result<bool> {
        crate::outbox::one_row_with_effects!(
            self,
            sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
                .bind(id)
                .bind(user_id),
            effects
        )
    }

    /// The active user owning a personal access token.
    pub async fn api_token_user(&self, token_hash: &str) -> Result<Option<User>> {
        let now = now_ms();
        let sql = format!(
            "SELECT {USER_COLUMNS}, t.last_used_at AS token_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND u.status = 'active'"
        );
        let row: Option<TokenUser> = with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(token_hash).fetch_optional(p).await)?;
        let Some(row) = row else { return Ok(None) };
        if row.token_used_at.is_none_or(|t| now - t > TOUCH_GAP_MS) {
            with_writer!(self, p => sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE token_hash = $2")
                .bind(now).bind(token_hash).execute(p).await.map(|r| r.rows_affected()))?;
        }
        Ok(Some(row.user))
    }

    /// Records a failed sign-in for `key` and returns how many failures it had in the window.
    pub async fn record_sign_in_failure(&self, key: &str, window_ms: i64) -> Result<i64> {
        let now = now_ms();
        with_writer!(self, p => {
            sqlx::query("DELETE FROM sign_in_attempts WHERE at < $1").bind(now - window_ms).execute(p).await?;
            sqlx::query("INSERT INTO sign_in_attempts (key, at) VALUES ($1, $2)").bind(key).bind(now).execute(p).await?;
            Ok(sqlx::query_scalar("SELECT COUNT(*) FROM sign_in_attempts WHERE key = $1").bind(key).fetch_one(p).await?)
        })
    }

    // ---- sign-in throttling (rules in embarq_domain::throttle) ----

    pub async fn throttle_counter(&self, key: &str) -> Result<Option<Counter>> {
        let row: Option<(i64, i64, i64)> = with_pool!(self, p => sqlx::query_as(
            "SELECT attempts, next_allowed_at, updated_at FROM sign_in_throttle WHERE key = $1")
            .bind(key).fetch_optional(p).await)?;
        Ok(row.map(|(attempts, next_allowed_at, updated_at)| Counter {
            attempts,
            next_allowed_at,
            updated_at,
        }))
    }

    /// Stores `next` if the key still holds `seen` (compare-and-set): of concurrent attempts
    /// that read the same counter exactly one is counted; the others read again.
    pub async fn throttle_claim(
        &self,
        key: &str,
        seen: Option<Counter>,
        next: Counter,
    ) -> Result<bool> {
        let n = match seen {
            Some(s) => with_writer!(self, p => sqlx::query(
                "UPDATE sign_in_throttle SET attempts = $2, next_allowed_at = $3, updated_at = $4 \
                 WHERE key = $1 AND attempts = $5 AND updated_at = $6")
                .bind(key).bind(next.attempts).bind(next.next_allowed_at).bind(next.updated_at)
                .bind(s.attempts).bind(s.updated_at).execute(p).await.map(|r| r.rows_affected()))?,
            None => with_writer!(self, p => {
                // New keys are where an attacker could grow the table: forgotten ones go first.
                sqlx::query("DELETE FROM sign_in_throttle WHERE updated_at < $1")
                    .bind(next.updated_at - THROTTLE_KEEP_MS).execute(p).await?;
                sqlx::query(
                    "INSERT INTO sign_in_throttle (key, attempts, next_allowed_at, updated_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (key) DO NOTHING")
                    .bind(key).bind(next.attempts).bind(next.next_allowed_at).bind(next.updated_at)
                    .execute(p).await.map(|r| r.rows_affected())
            })?,
        };
        Ok(n == 1)
    }

    /// Forgets a key (a correct password for the account from this address).
    pub async fn throttle_reset(&self, key: &str) -> Result<()> {
        with_writer!(self, p => sqlx::query("DELETE FROM sign_in_throttle WHERE key = $1")
            .bind(key).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Gives back one attempt (a successful sign-in from a shared address is no guess).
    pub async fn throttle_refund(&self, key: &str) -> Result<()> {
        with_writer!(self, p => sqlx::query(
            "UPDATE sign_in_throttle SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0")
            .bind(key).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

/// Throttle rows untouched for a day are deleted (every rule's window is shorter).
const THROTTLE_KEEP_MS: i64 = 24 * 3600 * 1000;
