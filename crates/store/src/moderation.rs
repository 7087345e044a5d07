//! Reports, the moderation queue and moderation actions. Each action, the resolution of the
//! item's open reports and its audit entry are written in one transaction.
use crate::audit::{AuditEntry, audit_in_tx};
use crate::db::{Result, StoreError, keep_a_sphere_admin, with_pool, with_writer};
use crate::live::LIVE_MEMBERSHIP;
use crate::{Db, now_ms};
use embarq_domain::moderation::{ModerationAction, ReportTarget};
use embarq_domain::{Id, OrgId, new_id};
use embarq_domain::{SphereId, UserId};
use serde::Serialize;

pub struct NewReport<'a> {
    pub org_id: OrgId,
    pub sphere_id: SphereId,
    pub target: ReportTarget,
    pub target_id: Id,
    pub post_id: Id,
    pub reporter_id: UserId,
    pub reason: &'a str,
    pub details: &'a str,
}

/// A comment with what moderation needs to know about it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CommentRef {
    pub id: Id,
    pub post_id: Id,
    pub author_id: UserId,
    pub hidden_at: Option<i64>,
}

/// One open report with the reported item (absent when the item is gone).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct OpenReport {
    pub id: Id,
    pub sphere_id: SphereId,
    pub sphere_name: String,
    pub target_kind: String,
    pub target_id: Id,
    pub post_id: Id,
    pub reporter_id: UserId,
    pub reporter_name: String,
    pub reason: String,
    pub details: String,
    pub created_at: i64,
    pub item_author_id: Option<UserId>,
    pub item_author_name: Option<String>,
    pub item_html: Option<String>,
    pub item_hidden_at: Option<i64>,
}

/// A hidden publication or comment of a sphere (for its moderators).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct HiddenItem {
    pub target_kind: String,
    pub target_id: Id,
    pub post_id: Id,
    pub author_name: String,
    pub item_html: String,
    pub hidden_at: i64,
}

/// A moderation action on one item (and, for mute and remove, its author).
pub struct Moderation<'a> {
    pub org_id: OrgId,
    pub sphere_id: SphereId,
    pub actor_id: UserId,
    pub action: ModerationAction,
    pub target: ReportTarget,
    pub target_id: Id,
    /// The post of the item (the item itself for a post).
    pub post_id: Id,
    /// The member muted or removed.
    pub user_id: Option<UserId>,
    /// End of a mute (epoch ms).
    pub until: Option<i64>,
    /// JSON object recorded in the audit log.
    pub details: &'a str,
}

/// Open reports of `$1`, or with `$2` of anything of post `$1` (deleting a post settles the
/// reports on its comments).
const OPEN_REPORTS_OF: &str = "status = 'open' AND (target_id = $1 OR ($2 AND post_id = $1))";

const OPEN_SELECT: &str = "SELECT r.id, r.sphere_id, s.name AS sphere_name, r.target_kind, r.target_id, r.post_id, r.reporter_id, \
     ru.display_name AS reporter_name, r.reason, r.details, r.created_at, COALESCE(p.author_id, c.author_id) AS item_author_id, \
     au.display_name AS item_author_name, COALESCE(p.body_html, c.body_html) AS item_html, \
     COALESCE(p.hidden_at, c.hidden_at) AS item_hidden_at \
     FROM reports r JOIN spheres s ON s.id = r.sphere_id JOIN users ru ON ru.id = r.reporter_id \
     LEFT JOIN posts p ON r.target_kind = 'post' AND p.id = r.target_id \
     LEFT JOIN comments c ON r.target_kind = 'comment' AND c.id = r.target_id \
     LEFT JOIN users au ON au.id = COALESCE(p.author_id, c.author_id)";

impl Db {
    /// Files a report; a second open report by the same person on the same item is a
    /// `Conflict("report")`.
    /// Files a report with what it causes (the moderators' notifications), in one transaction.
    pub async fn create_report(&self, r: &NewReport<'_>, effects: &crate::Effects) -> Result<Id> {
        let id = new_id();
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "INSERT INTO reports (id, org_id, sphere_id, target_kind, target_id, post_id, reporter_id, reason, details, status, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'open', $10)")
                .bind(id).bind(r.org_id).bind(r.sphere_id).bind(r.target.as_str()).bind(r.target_id).bind(r.post_id)
                .bind(r.reporter_id).bind(r.reason).bind(r.details).bind(now).execute(&mut *tx).await
                .map_err(|e| StoreError::on_unique(e, "report"))?;
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })?;
        Ok(id)
    }

    /// Who reported `target_id` (or, with `whole_post`, anything of that post) in a report
    /// still open: those a moderation of it answers.
    pub async fn open_reporters(&self, target_id: Id, whole_post: bool) -> Result<Vec<UserId>> {
        let sql = format!("SELECT DISTINCT reporter_id FROM reports WHERE {OPEN_REPORTS_OF}");
        Ok(
            with_pool!(self, p => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(target_id).bind(whole_post).fetch_all(p).await)?,
        )
    }

    pub async fn comment_ref(&self, id: Id) -> Result<Option<CommentRef>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, post_id, author_id, hidden_at FROM comments WHERE id = $1")
            .bind(id).fetch_optional(p).await)?)
    }

    /// Open reports of one sphere, oldest first.
    pub async fn open_reports_in_sphere(&self, sphere_id: SphereId) -> Result<Vec<OpenReport>> {
        let sql = format!(
            "{OPEN_SELECT} WHERE r.sphere_id = $1 AND r.status = 'open' ORDER BY r.created_at, r.id LIMIT 1000"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(sphere_id).fetch_all(p).await)?,
        )
    }

    /// Open reports of the organization in spheres `viewer` may administer as a manager:
    /// every sphere but secret ones they are not a member of.
    pub async fn open_reports_in_org(
        &self,
        org_id: OrgId,
        viewer: UserId,
    ) -> Result<Vec<OpenReport>> {
        let sql = format!(
            "{OPEN_SELECT} WHERE r.org_id = $1 AND r.status = 'open' AND {sees} \
             ORDER BY r.created_at, r.id LIMIT 1000",
            sees = crate::access::sees("s", "$2")
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org_id).bind(viewer).fetch_all(p).await)?,
        )
    }

    /// Publications and comments hidden in a sphere, most recently hidden first.
    pub async fn hidden_items(&self, sphere_id: SphereId) -> Result<Vec<HiddenItem>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT * FROM (\
               SELECT 'post' AS target_kind, p.id AS target_id, p.id AS post_id, u.display_name AS author_name, \
                 p.body_html AS item_html, p.hidden_at AS hidden_at \
               FROM posts p JOIN users u ON u.id = p.author_id WHERE p.sphere_id = $1 AND p.hidden_at IS NOT NULL \
               UNION ALL \
               SELECT 'comment' AS target_kind, c.id AS target_id, c.post_id AS post_id, u.display_name AS author_name, \
                 c.body_html AS item_html, c.hidden_at AS hidden_at \
               FROM comments c JOIN posts p ON p.id = c.post_id JOIN users u ON u.id = c.author_id \
               WHERE p.sphere_id = $1 AND c.hidden_at IS NOT NULL) h \
             ORDER BY hidden_at DESC LIMIT 200")
            .bind(sphere_id).fetch_all(p).await)?)
    }

    /// Until when `user_id` is muted in the sphere at `now`, if they are.
    pub async fn muted_until(
        &self,
        sphere_id: SphereId,
        user_id: UserId,
        now: i64,
    ) -> Result<Option<i64>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT until_at FROM sphere_mutes WHERE sphere_id = $1 AND user_id = $2 AND until_at > $3")
            .bind(sphere_id).bind(user_id).bind(now).fetch_optional(p).await)?)
    }

    /// Applies a moderation action, resolves the item's open reports (not for `unhide`),
    /// records the audit entry and writes `outcome` (what it tells the reporters, read before
    /// with [`Db::open_reporters`]), all or nothing. Answers the reporters whose reports it
    /// resolved.
    pub async fn moderate(&self, m: &Moderation<'_>, outcome: &crate::Effects) -> Result<Vec<Id>> {
        let now = now_ms();
        let post = m.target == ReportTarget::Post;
        let audit = AuditEntry {
            org_id: m.org_id,
            actor_id: Some(m.actor_id),
            action: match m.action {
                ModerationAction::Dismiss => "moderation.dismiss",
                ModerationAction::Hide => "moderation.hide",
                ModerationAction::Unhide => "moderation.unhide",
                ModerationAction::Delete => "moderation.delete",
                ModerationAction::Mute => "moderation.mute",
                ModerationAction::Remove => "moderation.remove",
            },
            target_kind: m.target.as_str(),
            target_id: Some(m.target_id),
            sphere_id: Some(m.sphere_id),
            details: m.details,
        };
        let status = if m.action == ModerationAction::Dismiss {
            "dismissed"
        } else {
            "actioned"
        };
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            match m.action {
                ModerationAction::Dismiss => {}
                ModerationAction::Hide | ModerationAction::Unhide => {
                    let hidden = (m.action == ModerationAction::Hide).then_some(now);
                    if post {
                        sqlx::query("UPDATE posts SET hidden_at = $1 WHERE id = $2")
                            .bind(hidden).bind(m.target_id).execute(&mut *tx).await?;
                    } else {
                        // The comment counter counts what members see.
                        let changed = sqlx::query(if hidden.is_some() {
                            "UPDATE comments SET hidden_at = $1 WHERE id = $2 AND hidden_at IS NULL"
                        } else {
                            "UPDATE comments SET hidden_at = $1 WHERE id = $2 AND hidden_at IS NOT NULL"
                        })
                            .bind(hidden).bind(m.target_id).execute(&mut *tx).await?.rows_affected();
                        if changed > 0 {
                            let delta: i64 = if hidden.is_some() { -1 } else { 1 };
                            sqlx::query("UPDATE posts SET comment_count = comment_count + $1 WHERE id = $2")
                                .bind(delta).bind(m.post_id).execute(&mut *tx).await?;
                        }
                    }
                }
                ModerationAction::Delete => {
                    if post {
                        sqlx::query("DELETE FROM posts WHERE id = $1").bind(m.target_id).execute(&mut *tx).await?;
                    } else {
                        let visible = sqlx::query("DELETE FROM comments WHERE id = $1 AND hidden_at IS NULL")
                            .bind(m.target_id).execute(&mut *tx).await?.rows_affected();
                        sqlx::query("DELETE FROM comments WHERE id = $1").bind(m.target_id).execute(&mut *tx).await?;
                        if visible > 0 {
                            sqlx::query("UPDATE posts SET comment_count = comment_count - 1 WHERE id = $1")
                                .bind(m.post_id).execute(&mut *tx).await?;
                        }
                    }
                }
                ModerationAction::Mute => {
                    sqlx::query("INSERT INTO sphere_mutes (sphere_id, user_id, until_at, muted_by, created_at) VALUES ($1, $2, $3, $4, $5) \
                         ON CONFLICT (sphere_id, user_id) DO UPDATE SET until_at = excluded.until_at, muted_by = excluded.muted_by, \
                         created_at = excluded.created_at")
                        .bind(m.sphere_id).bind(m.user_id).bind(m.until.unwrap_or(now)).bind(m.actor_id).bind(now)
                        .execute(&mut *tx).await?;
                }
                ModerationAction::Remove => {
                    keep_a_sphere_admin!(tx, m.sphere_id, m.user_id);
                    sqlx::query("DELETE FROM sphere_members WHERE sphere_id = $1 AND user_id = $2")
                        .bind(m.sphere_id).bind(m.user_id).execute(&mut *tx).await?;
                    sqlx::query("DELETE FROM sphere_requests WHERE sphere_id = $1 AND user_id = $2")
                        .bind(m.sphere_id).bind(m.user_id).execute(&mut *tx).await?;
                    sqlx::query(LIVE_MEMBERSHIP).bind(m.user_id).bind(m.sphere_id).bind(now).execute(&mut *tx).await?;
                }
            }
            let reporters: Vec<Id> = if m.action == ModerationAction::Unhide {
                Vec::new()
            } else {
                // Deleting a post also settles the reports on its comments.
                let whole_post = post && m.action == ModerationAction::Delete;
                let sql = format!(
                    "UPDATE reports SET status = $3, outcome = $4, resolved_at = $5, resolved_by = $6 \
                     WHERE {OPEN_REPORTS_OF} RETURNING reporter_id");
                sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(m.target_id).bind(whole_post).bind(status).bind(m.action.as_str()).bind(now).bind(m.actor_id)
                    .fetch_all(&mut *tx).await?
            };
            audit_in_tx!(tx, audit, now)?;
            crate::outbox::write_effects!(tx, outcome, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(reporters)
        })?)
    }
}
