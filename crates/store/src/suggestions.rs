//! The suggestions platform: suggestions, one vote per member, comments and statuses.
use crate::db::{Result, with_pool, with_writer};
use crate::{Db, now_ms};
use embarq_domain::UserId;
use embarq_domain::{Id, OrgId, new_id};
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Suggestion {
    pub id: Id,
    pub author_id: UserId,
    pub author_name: String,
    pub title: String,
    pub body_md: String,
    pub body_html: String,
    pub status: String,
    pub vote_count: i64,
    pub comment_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Whether the viewer voted for it.
    pub voted: bool,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct SuggestionComment {
    pub id: Id,
    pub author_id: UserId,
    pub author_name: String,
    pub body_html: String,
    pub created_at: i64,
}

const SELECT: &str = "SELECT s.id, s.author_id, u.display_name AS author_name, s.title, s.body_md, s.body_html, s.status, \
     s.vote_count, s.comment_count, s.created_at, s.updated_at, \
     EXISTS (SELECT 1 FROM suggestion_votes v WHERE v.suggestion_id = s.id AND v.user_id = $1) AS voted \
     FROM suggestions s JOIN users u ON u.id = s.author_id";

impl Db {
    /// Suggestions of the organization, optionally of one status, most voted or newest first.
    pub async fn suggestions(
        &self,
        org_id: OrgId,
        viewer: UserId,
        status: Option<&str>,
        by_votes: bool,
    ) -> Result<Vec<Suggestion>> {
        let order = if by_votes {
            "s.vote_count DESC, s.created_at DESC, s.id"
        } else {
            "s.created_at DESC, s.id"
        };
        let sql = format!(
            "{SELECT} WHERE s.org_id = $2 AND ($3 = '' OR s.status = $3) ORDER BY {order} LIMIT 500"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(viewer).bind(org_id)
            .bind(status.unwrap_or_default()).fetch_all(p).await)?,
        )
    }

    pub async fn suggestion(
        &self,
        org_id: OrgId,
        viewer: UserId,
        id: Id,
    ) -> Result<Option<Suggestion>> {
        let sql = format!("{SELECT} WHERE s.id = $2 AND s.org_id = $3");
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(viewer).bind(id).bind(org_id)
            .fetch_optional(p).await)?,
        )
    }

    /// Stores suggestion `id` (chosen by the caller) with what it causes, in one transaction.
    pub async fn create_suggestion(
        &self,
        id: Id,
        org_id: OrgId,
        author: UserId,
        title: &str,
        body: (&str, &str),
        effects: &crate::Effects,
    ) -> Result<()> {
        let (body_md, body_html) = body;
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "INSERT INTO suggestions (id, org_id, author_id, title, body_md, body_html, status, vote_count, comment_count, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'new', 0, 0, $7, $7)")
                .bind(id).bind(org_id).bind(author).bind(title).bind(body_md).bind(body_html).bind(now)
                .execute(&mut *tx).await?;
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await
        })?;
        Ok(())
    }

    /// Adds the member's vote, or removes it if present; answers (voted, vote count).
    pub async fn toggle_suggestion_vote(&self, id: Id, user_id: UserId) -> Result<(bool, i64)> {
        let now = now_ms();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let removed = sqlx::query("DELETE FROM suggestion_votes WHERE suggestion_id = $1 AND user_id = $2")
                .bind(id).bind(user_id).execute(&mut *tx).await?.rows_affected();
            if removed == 0 {
                sqlx::query("INSERT INTO suggestion_votes (suggestion_id, user_id, created_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (suggestion_id, user_id) DO NOTHING")
                    .bind(id).bind(user_id).bind(now).execute(&mut *tx).await?;
            }
            let count: i64 = sqlx::query_scalar(
                "UPDATE suggestions SET vote_count = (SELECT COUNT(*) FROM suggestion_votes WHERE suggestion_id = $1) \
                 WHERE id = $1 RETURNING vote_count")
                .bind(id).fetch_one(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>((removed == 0, count))
        })?)
    }

    pub async fn add_suggestion_comment(
        &self,
        id: Id,
        author: UserId,
        body_md: &str,
        body_html: &str,
    ) -> Result<Id> {
        let cid = new_id();
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO suggestion_comments (id, suggestion_id, author_id, body_md, body_html, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(cid).bind(id).bind(author).bind(body_md).bind(body_html).bind(now).execute(&mut *tx).await?;
            sqlx::query("UPDATE suggestions SET comment_count = comment_count + 1 WHERE id = $1")
                .bind(id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(cid)
    }

    pub async fn suggestion_comments(&self, id: Id) -> Result<Vec<SuggestionComment>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT c.id, c.author_id, u.display_name AS author_name, c.body_html, c.created_at \
             FROM suggestion_comments c JOIN users u ON u.id = c.author_id WHERE c.suggestion_id = $1 ORDER BY c.created_at, c.id")
            .bind(id).fetch_all(p).await)?)
    }

    /// Sets a suggestion's status with what the change causes, in one transaction.
    pub async fn set_suggestion_status(
        &self,
        org_id: OrgId,
        id: Id,
        status: &str,
        effects: &crate::Effects,
    ) -> Result<bool> {
        let now = now_ms();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query(
                "UPDATE suggestions SET status = $1, updated_at = $2 WHERE id = $3 AND org_id = $4")
                .bind(status).bind(now).bind(id).bind(org_id).execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                crate::outbox::write_effects!(tx, effects, now);
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n > 0)
        })?)
    }
}
