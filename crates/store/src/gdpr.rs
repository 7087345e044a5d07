//! GDPR: a member's data export, the erasure of an account (tombstone + anonymized or removed
//! content, in one transaction) and the organization's retention settings.
use crate::Db;
use crate::audit::{AuditEntry, audit_in_tx};
use crate::db::{Result, change_member, with_pool, with_writer};
use embarq_domain::lifecycle::{Change, Refusal};
use embarq_domain::{Id, OrgId, new_id};
use embarq_domain::{SphereId, UserId};
use serde::Serialize;

/// Name shown for the author of content left by an erased account.
pub const FORMER_MEMBER: &str = "Former member · Ancien membre";

/// What an organization does with the content of an erased member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EraseMode {
    /// Content stays, its author shown as a former member.
    Anonymize,
    /// Content written by the person is deleted.
    Remove,
}

impl EraseMode {
    pub fn as_str(self) -> &'static str {
        match self {
            EraseMode::Anonymize => "anonymize",
            EraseMode::Remove => "remove",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "anonymize" => Some(EraseMode::Anonymize),
            "remove" => Some(EraseMode::Remove),
            _ => None,
        }
    }
}

/// The organization's GDPR policy; `None` days mean "keep forever".
#[derive(Debug, Clone, Serialize)]
pub struct GdprSettings {
    pub erase_mode: EraseMode,
    pub message_days: Option<i64>,
    pub notification_days: Option<i64>,
    pub deactivated_days: Option<i64>,
}

impl Default for GdprSettings {
    fn default() -> Self {
        GdprSettings {
            erase_mode: EraseMode::Anonymize,
            message_days: None,
            notification_days: None,
            deactivated_days: None,
        }
    }
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ExportProfile {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
    pub level: Option<String>,
    pub employee_id: Option<String>,
    pub org_role: String,
    pub status: String,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
    pub created_at: i64,
    pub activated_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ExportMembership {
    pub sphere_id: SphereId,
    pub sphere_name: String,
    pub role: String,
    pub joined_at: i64,
}

/// A piece of text the person wrote (publication, comment, suggestion, message...).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ExportText {
    pub id: Id,
    /// The sphere, post, conversation... it belongs to.
    pub parent_id: Option<Id>,
    pub title: Option<String>,
    pub body_md: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ExportMessage {
    pub id: Id,
    pub conversation_id: Id,
    pub author_id: UserId,
    pub author_name: String,
    pub body_md: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ExportReaction {
    pub post_id: Id,
    pub emoji: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ExportNotification {
    pub id: Id,
    pub kind: String,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ExportRsvp {
    pub event_id: Id,
    pub registered_at: i64,
    pub attended_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ExportTask {
    pub id: Id,
    pub title: String,
    pub description_md: String,
    pub status: String,
    pub due_date: Option<String>,
    pub created_by_me: bool,
    pub assigned_to_me: bool,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ExportVote {
    pub poll_id: Id,
    pub question: String,
    pub option: String,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ExportFile {
    pub id: Id,
    pub sphere_id: SphereId,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    #[serde(skip)]
    pub storage_key: String,
    pub created_at: i64,
}

/// Everything stored about one person (their files' bytes are fetched separately).
#[derive(Debug, Clone, Serialize)]
pub struct ExportData {
    pub profile: ExportProfile,
    pub sphere_memberships: Vec<ExportMembership>,
    pub publications: Vec<ExportText>,
    pub comments: Vec<ExportText>,
    pub reactions: Vec<ExportReaction>,
    pub private_messages: Vec<ExportMessage>,
    pub notifications: Vec<ExportNotification>,
    pub event_registrations: Vec<ExportRsvp>,
    pub tasks: Vec<ExportTask>,
    pub poll_votes: Vec<ExportVote>,
    pub suggestions: Vec<ExportText>,
    pub files: Vec<ExportFile>,
}

/// What an erasure changed, for the audit log and the object store clean-up.
#[derive(Debug, Clone, Default)]
pub struct EraseOutcome {
    pub removed_posts: u64,
    pub removed_comments: u64,
    pub removed_messages: u64,
    /// Object store keys of files that were removed (delete after the commit).
    pub removed_storage_keys: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct SettingsRow {
    org_id: OrgId,
    erase_mode: String,
    message_days: Option<i64>,
    notification_days: Option<i64>,
    deactivated_days: Option<i64>,
}

impl SettingsRow {
    fn settings(self) -> GdprSettings {
        GdprSettings {
            erase_mode: EraseMode::parse(&self.erase_mode).unwrap_or(EraseMode::Anonymize),
            message_days: self.message_days,
            notification_days: self.notification_days,
            deactivated_days: self.deactivated_days,
        }
    }
}

/// How an erasure ended; nothing is written unless `Erased`.
#[derive(Debug, Clone)]
pub enum EraseResult {
    Erased(EraseOutcome),
    /// No such account in the organization, or already erased.
    NotFound,
    /// The person is the organization's last active manager.
    LastManager,
}

macro_rules! all {
    ($db:expr, $sql:expr, $id:expr) => {
        with_pool!($db, p => sqlx::query_as($sql).bind($id).fetch_all(p).await)?
    };
}

impl Db {
    /// Atomically takes the person's export slot: true if the last export is older than
    /// `min_gap_ms` (or there was none), false if they must wait.
    pub async fn claim_gdpr_export(
        &self,
        user_id: UserId,
        now: i64,
        min_gap_ms: i64,
    ) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query(
            "INSERT INTO gdpr_exports (user_id, last_at) VALUES ($1, $2) \
             ON CONFLICT (user_id) DO UPDATE SET last_at = excluded.last_at \
             WHERE gdpr_exports.last_at <= $3")
            .bind(user_id).bind(now).bind(now - min_gap_ms).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn gdpr_export(&self, user_id: UserId) -> Result<Option<ExportData>> {
        let profile: Option<ExportProfile> = with_pool!(self, p => sqlx::query_as(
            "SELECT id, email, display_name, first_name, last_name, title, department, site, level, employee_id, \
             org_role, status, locale, time_zone, created_at, activated_at FROM users WHERE id = $1 AND erased_at IS NULL")
            .bind(user_id).fetch_optional(p).await)?;
        let Some(profile) = profile else {
            return Ok(None);
        };
        Ok(Some(ExportData {
            profile,
            sphere_memberships: all!(
                self,
                "SELECT m.sphere_id, s.name AS sphere_name, m.role, m.joined_at \
                FROM sphere_members m JOIN spheres s ON s.id = m.sphere_id WHERE m.user_id = $1 ORDER BY m.joined_at",
                user_id
            ),
            publications: all!(
                self,
                "SELECT id, sphere_id AS parent_id, NULL AS title, body_md, created_at \
                FROM posts WHERE author_id = $1 ORDER BY created_at",
                user_id
            ),
            comments: all!(
                self,
                "SELECT id, post_id AS parent_id, NULL AS title, body_md, created_at \
                FROM comments WHERE author_id = $1 ORDER BY created_at",
                user_id
            ),
            reactions: all!(
                self,
                "SELECT post_id, emoji, created_at FROM reactions WHERE user_id = $1 ORDER BY created_at",
                user_id
            ),
            private_messages: all!(
                self,
                "SELECT m.id, m.conversation_id, m.author_id, u.display_name AS author_name, m.body_md, m.created_at \
                FROM messages m JOIN users u ON u.id = m.author_id \
                WHERE m.conversation_id IN (SELECT conversation_id FROM conversation_members WHERE user_id = $1) \
                ORDER BY m.created_at",
                user_id
            ),
            notifications: all!(
                self,
                "SELECT id, kind, created_at, read_at FROM notifications WHERE user_id = $1 ORDER BY created_at",
                user_id
            ),
            event_registrations: all!(
                self,
                "SELECT event_id, registered_at, attended_at FROM event_registrations WHERE user_id = $1 ORDER BY registered_at",
                user_id
            ),
            tasks: all!(
                self,
                "SELECT t.id, t.title, t.description_md, t.status, t.due_date, \
                (t.created_by = $1) AS created_by_me, \
                EXISTS (SELECT 1 FROM task_assignees a WHERE a.task_id = t.id AND a.user_id = $1) AS assigned_to_me, t.created_at \
                FROM tasks t WHERE t.created_by = $1 OR EXISTS (SELECT 1 FROM task_assignees a WHERE a.task_id = t.id AND a.user_id = $1) \
                ORDER BY t.created_at",
                user_id
            ),
            poll_votes: all!(
                self,
                "SELECT v.poll_id, p.question, o.label AS option FROM poll_votes v \
                JOIN polls p ON p.id = v.poll_id JOIN poll_options o ON o.id = v.option_id \
                WHERE v.user_id = $1 AND p.anonymous = FALSE ORDER BY p.created_at, o.position",
                user_id
            ),
            suggestions: all!(
                self,
                "SELECT id, NULL AS parent_id, title, body_md, created_at FROM suggestions WHERE author_id = $1 ORDER BY created_at",
                user_id
            ),
            files: all!(
                self,
                "SELECT id, sphere_id, name, content_type, size_bytes, storage_key, created_at FROM files \
                WHERE uploaded_by = $1 AND deleted_at IS NULL ORDER BY created_at",
                user_id
            ),
        }))
    }

    pub async fn gdpr_settings(&self, org_id: OrgId) -> Result<GdprSettings> {
        let row: Option<SettingsRow> = with_pool!(self, p => sqlx::query_as(
            "SELECT org_id, erase_mode, message_days, notification_days, deactivated_days FROM gdpr_settings WHERE org_id = $1")
            .bind(org_id).fetch_optional(p).await)?;
        Ok(row.map(SettingsRow::settings).unwrap_or_default())
    }

    pub async fn set_gdpr_settings(
        &self,
        org_id: OrgId,
        s: &GdprSettings,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<()> {
        crate::outbox::one_row_with_effects!(self, sqlx::query(
            "INSERT INTO gdpr_settings (org_id, erase_mode, message_days, notification_days, deactivated_days, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id) DO UPDATE SET erase_mode = excluded.erase_mode, \
             message_days = excluded.message_days, notification_days = excluded.notification_days, \
             deactivated_days = excluded.deactivated_days, updated_at = excluded.updated_at")
            .bind(org_id).bind(s.erase_mode.as_str()).bind(s.message_days).bind(s.notification_days)
            .bind(s.deactivated_days).bind(now), effects)?;
        Ok(())
    }

    /// Erases an account in one transaction: the user row becomes a tombstone (no e-mail,
    /// no name, no password, no sessions or tokens), its memberships end, and its content is
    /// anonymized or removed. Refuses if erasing would leave the organization without an
    /// active manager, or if the person is already erased. The audit entry is
    /// written in the same transaction.
    pub async fn erase_user(
        &self,
        org_id: OrgId,
        user_id: UserId,
        mode: EraseMode,
        actor_id: Option<UserId>,
        now: i64,
    ) -> Result<EraseResult> {
        let tombstone = format!("erased-{}@erased.invalid", new_id().simple());
        let details = format!("{{\"mode\":\"{}\"}}", mode.as_str());
        let out = with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            // Deactivated, demoted and signed out everywhere by the one lifecycle rule.
            match change_member!(tx, Some(org_id), user_id, Change::Erase) {
                Ok(Some(_)) => {}
                Ok(None) => return Ok(EraseResult::NotFound),
                Err(Refusal::LastManager) => return Ok(EraseResult::LastManager),
                Err(other) => return Err(crate::db::refused(other)),
            }
            // The claim: only one transaction (or process) erases a given account.
            let erased: Option<i64> = sqlx::query_scalar(
                "UPDATE users SET erased_at = $3 WHERE id = $1 AND org_id = $2 AND erased_at IS NULL RETURNING erased_at",
            )
            .bind(user_id)
            .bind(org_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?;
            if erased.is_none() {
                return Ok(EraseResult::NotFound);
            }
            let mut out = EraseOutcome::default();
            if mode == EraseMode::Remove {
                out.removed_storage_keys = sqlx::query_scalar(
                    "SELECT storage_key FROM files WHERE uploaded_by = $1 AND deleted_at IS NULL")
                    .bind(user_id).fetch_all(&mut *tx).await?;
                sqlx::query("UPDATE files SET deleted_at = $2 WHERE uploaded_by = $1 AND deleted_at IS NULL")
                    .bind(user_id).bind(now).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM reactions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
                out.removed_comments = sqlx::query("DELETE FROM comments WHERE author_id = $1")
                    .bind(user_id).execute(&mut *tx).await?.rows_affected();
                sqlx::query("UPDATE posts SET comment_count = (SELECT COUNT(*) FROM comments c WHERE c.post_id = posts.id), \
                             reaction_count = (SELECT COUNT(*) FROM reactions r WHERE r.post_id = posts.id) WHERE org_id = $1")
                    .bind(org_id).execute(&mut *tx).await?;
                out.removed_posts = sqlx::query("DELETE FROM posts WHERE author_id = $1")
                    .bind(user_id).execute(&mut *tx).await?.rows_affected();
                out.removed_messages = sqlx::query("DELETE FROM messages WHERE author_id = $1")
                    .bind(user_id).execute(&mut *tx).await?.rows_affected();
                sqlx::query("DELETE FROM suggestion_comments WHERE author_id = $1").bind(user_id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM task_comments WHERE author_id = $1").bind(user_id).execute(&mut *tx).await?;
            }
            for sql in [
                "DELETE FROM one_time_tokens WHERE user_id = $1",
                "DELETE FROM notifications WHERE user_id = $1",
                "DELETE FROM sphere_members WHERE user_id = $1",
                "DELETE FROM sphere_requests WHERE user_id = $1",
                "DELETE FROM gdpr_exports WHERE user_id = $1",
                "DELETE FROM oidc_links WHERE user_id = $1",
                "DELETE FROM daily_activity WHERE user_id = $1",
                // E-mails not sent yet hold their address and content.
                "DELETE FROM mail_outbox WHERE recipient = (SELECT email FROM users WHERE id = $1)",
                "UPDATE notifications SET actor_id = NULL WHERE actor_id = $1",
                "UPDATE users SET manager_id = NULL WHERE manager_id = $1",
            ] {
                sqlx::query(sql).bind(user_id).execute(&mut *tx).await?;
            }
            sqlx::query(
                "UPDATE users SET email = $2, display_name = $3, password_hash = NULL, first_name = NULL, \
                 last_name = NULL, title = NULL, department = NULL, site = NULL, birth_year = NULL, level = NULL, \
                 manager_id = NULL, employee_id = NULL, photo = NULL, photo_type = NULL, locale = NULL, time_zone = NULL, \
                 active_weeks = 0, erased_at = $4, scim_user_name = NULL, scim_user_key = NULL, \
                 scim_external_id = NULL, scim_division = NULL, scim_extra = NULL WHERE id = $1")
                .bind(user_id).bind(&tombstone).bind(FORMER_MEMBER).bind(now).execute(&mut *tx).await?;
            let entry = AuditEntry {
                org_id,
                actor_id,
                action: "gdpr.erase",
                target_kind: "user",
                target_id: Some(user_id.into()),
                sphere_id: None,
                details: &details,
            };
            audit_in_tx!(tx, entry, now)?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(EraseResult::Erased(out))
        })?;
        Ok(out)
    }

    /// Deactivated (not yet erased) accounts of `org_id` deactivated before `before`… the
    /// schema keeps no deactivation time, so the last activity (or creation) is used.
    pub async fn gdpr_stale_deactivated(
        &self,
        org_id: OrgId,
        before: i64,
        limit: i64,
    ) -> Result<Vec<UserId>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT id FROM users WHERE org_id = $1 AND status = 'deactivated' AND erased_at IS NULL \
             AND COALESCE(last_seen_at, activated_at, created_at) < $2 ORDER BY id LIMIT $3")
            .bind(org_id).bind(before).bind(limit).fetch_all(p).await)?)
    }

    /// Organizations with at least one retention rule.
    pub async fn gdpr_retention_orgs(&self) -> Result<Vec<(OrgId, GdprSettings)>> {
        let rows: Vec<SettingsRow> = with_pool!(self, p => sqlx::query_as(
            "SELECT org_id, erase_mode, message_days, notification_days, deactivated_days FROM gdpr_settings \
             WHERE message_days IS NOT NULL OR notification_days IS NOT NULL OR deactivated_days IS NOT NULL")
            .fetch_all(p).await)?;
        Ok(rows.into_iter().map(|r| (r.org_id, r.settings())).collect())
    }

    /// Deletes the organization's private messages created before `before`; idempotent
    /// (a second run, or another process running it at the same time, deletes nothing more).
    pub async fn gdpr_purge_messages(&self, org_id: OrgId, before: i64) -> Result<u64> {
        Ok(with_writer!(self, p => sqlx::query(
            "DELETE FROM messages WHERE created_at < $2 AND conversation_id IN \
             (SELECT id FROM conversations WHERE org_id = $1)")
            .bind(org_id).bind(before).execute(p).await.map(|r| r.rows_affected()))?)
    }

    /// Deletes notifications of the organization's members created before `before`.
    pub async fn gdpr_purge_notifications(&self, org_id: OrgId, before: i64) -> Result<u64> {
        Ok(with_writer!(self, p => sqlx::query(
            "DELETE FROM notifications WHERE created_at < $2 AND user_id IN \
             (SELECT id FROM users WHERE org_id = $1)")
            .bind(org_id).bind(before).execute(p).await.map(|r| r.rows_affected()))?)
    }
}
