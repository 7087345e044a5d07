//! Notification preferences (per category: in-app, in-app + e-mail, off) and e-mail digests
//! (settings, the once-per-period claim, and what a digest contains).
use crate::db::{Result, with_pool, with_writer};
use crate::models::{Notification, Post};
use crate::{Db, now_ms};
use embarq_domain::UserId;
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct DigestSettings {
    pub frequency: String,
    pub weekday: i64,
    pub hour: i64,
    pub time_zone: String,
    pub last_digest_at: i64,
}

/// A person whose digest may be due, with what the e-mail needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DigestCandidate {
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub locale: Option<String>,
    pub frequency: String,
    pub weekday: i64,
    pub hour: i64,
    pub time_zone: String,
    pub last_digest_at: i64,
}

impl Db {
    /// The categories a person set, as (category, channel); others use their default.
    pub async fn notification_prefs(&self, user_id: UserId) -> Result<Vec<(String, String)>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT category, channel FROM notification_prefs WHERE user_id = $1 ORDER BY category")
            .bind(user_id).fetch_all(p).await)?)
    }

    /// Replaces a person's preferences.
    pub async fn set_notification_prefs(
        &self,
        user_id: UserId,
        prefs: &[(&str, &str)],
    ) -> Result<()> {
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("DELETE FROM notification_prefs WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            for (category, channel) in prefs {
                sqlx::query("INSERT INTO notification_prefs (user_id, category, channel) VALUES ($1, $2, $3)")
                    .bind(user_id).bind(*category).bind(*channel).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(())
    }

    /// Explicit choices of one category in the organization of `member`, as (person,
    /// channel): one query however many recipients a notification has.
    pub async fn category_choices(
        &self,
        member: UserId,
        category: &str,
    ) -> Result<Vec<(UserId, String)>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT n.user_id, n.channel FROM notification_prefs n JOIN users u ON u.id = n.user_id \
             WHERE u.org_id = (SELECT org_id FROM users WHERE id = $1) AND n.category = $2")
            .bind(member).bind(category).fetch_all(p).await)?)
    }

    pub async fn digest_settings(&self, user_id: UserId) -> Result<Option<DigestSettings>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT frequency, weekday, hour, time_zone, last_digest_at FROM digest_settings WHERE user_id = $1")
            .bind(user_id).fetch_optional(p).await)?)
    }

    /// Saves digest settings. Turning digests on starts from now: the first digest covers
    /// what happens after this moment.
    pub async fn set_digest_settings(
        &self,
        user_id: UserId,
        frequency: &str,
        weekday: i64,
        hour: i64,
        time_zone: &str,
    ) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => sqlx::query(
            "INSERT INTO digest_settings (user_id, frequency, weekday, hour, time_zone, last_digest_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6) ON CONFLICT (user_id) DO UPDATE SET frequency = excluded.frequency, \
             weekday = excluded.weekday, hour = excluded.hour, time_zone = excluded.time_zone, updated_at = excluded.updated_at, \
             last_digest_at = CASE WHEN digest_settings.frequency = 'off' THEN excluded.last_digest_at \
               ELSE digest_settings.last_digest_at END")
            .bind(user_id).bind(frequency).bind(weekday).bind(hour).bind(time_zone).bind(now)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Active people with digests on.
    pub async fn digest_candidates(&self) -> Result<Vec<DigestCandidate>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT d.user_id, u.email, u.display_name, u.locale, d.frequency, d.weekday, d.hour, d.time_zone, d.last_digest_at \
             FROM digest_settings d JOIN users u ON u.id = d.user_id WHERE d.frequency <> 'off' AND u.status = 'active'")
            .fetch_all(p).await)?)
    }

    /// Claims the digest of the period starting at `slot` with its e-mail (`effects`): true
    /// for exactly one caller, whatever the number of server processes.
    pub async fn claim_digest(
        &self,
        user_id: UserId,
        slot: i64,
        effects: &crate::Effects,
    ) -> Result<bool> {
        crate::outbox::one_row_with_effects!(
            self,
            sqlx::query(
                "UPDATE digest_settings SET last_digest_at = $2 WHERE user_id = $1 AND last_digest_at < $2 AND frequency <> 'off'")
                .bind(user_id).bind(slot),
            effects
        )
    }

    /// Unread notifications created in (`since`, `until`], newest first, that the person
    /// can still see.
    pub async fn unread_notifications_between(
        &self,
        user_id: UserId,
        since: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        let sql = crate::notifications::notifications_where(
            "n.read_at IS NULL AND n.created_at > $2 AND n.created_at <= $3",
            "$4",
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(user_id).bind(since).bind(until).bind(limit).fetch_all(p).await)?,
        )
    }

    /// Publications of others in the person's spheres created in (`since`, `until`],
    /// published and not hidden, newest first.
    pub async fn new_posts_between(
        &self,
        user_id: UserId,
        since: i64,
        until: i64,
        limit: i64,
    ) -> Result<Vec<Post>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT p.id, p.org_id, p.sphere_id, s.name AS sphere_name, s.kind AS sphere_kind, p.author_id, \
             u.display_name AS author_name, (u.photo IS NOT NULL) AS author_has_photo, p.body_md, p.body_html, p.status, p.pinned, \
             p.comment_count, p.reaction_count, p.created_at, p.updated_at, p.hidden_at \
             FROM posts p JOIN spheres s ON s.id = p.sphere_id JOIN users u ON u.id = p.author_id \
             WHERE p.sphere_id IN (SELECT sphere_id FROM sphere_members WHERE user_id = $1) AND p.status = 'published' \
             AND p.hidden_at IS NULL AND p.author_id <> $1 AND p.created_at > $2 AND p.created_at <= $3 \
             ORDER BY p.created_at DESC, p.id DESC LIMIT $4")
            .bind(user_id).bind(since).bind(until).bind(limit).fetch_all(p).await)?)
    }
}
