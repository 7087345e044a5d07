//! The audit log: who did what, when, to what. Every action is recorded in the same
//! transaction as the action: by the store itself (`audit_in_tx!`: moderation, erasure,
//! import) or as a [`NewAudit`] in the change's `Effects`.
use crate::Db;
use crate::db::{Result, with_pool};
use embarq_domain::{Id, OrgId};
use embarq_domain::{SphereId, UserId};
use serde::Serialize;

/// One entry to record. `details` is a JSON object as text.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub org_id: OrgId,
    pub actor_id: Option<UserId>,
    /// Dotted name, e.g. `moderation.hide`, `roles.grant`.
    pub action: &'a str,
    /// What the action is about: `post`, `comment`, `user`, `sphere`...
    pub target_kind: &'a str,
    pub target_id: Option<Id>,
    pub sphere_id: Option<SphereId>,
    pub details: &'a str,
}

/// An entry written with the change it records (in [`crate::Effects`]): the log never
/// shows an action that did not happen, nor misses one that did.
#[derive(Debug, Clone)]
pub struct NewAudit {
    pub org_id: OrgId,
    pub actor_id: Option<UserId>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<Id>,
    pub sphere_id: Option<SphereId>,
    /// A JSON object as text.
    pub details: String,
}

impl NewAudit {
    pub fn entry(&self) -> AuditEntry<'_> {
        AuditEntry {
            org_id: self.org_id,
            actor_id: self.actor_id,
            action: &self.action,
            target_kind: &self.target_kind,
            target_id: self.target_id,
            sphere_id: self.sphere_id,
            details: &self.details,
        }
    }
}

pub(crate) const AUDIT_INSERT: &str = "INSERT INTO audit_log (id, org_id, actor_id, action, target_kind, target_id, sphere_id, details, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// Records `$entry` on the open transaction `$tx` (either backend).
macro_rules! audit_in_tx {
    ($tx:expr, $e:expr, $now:expr) => {{
        let e: &$crate::AuditEntry = &$e;
        sqlx::query($crate::audit::AUDIT_INSERT)
            .bind(embarq_domain::new_id())
            .bind(e.org_id)
            .bind(e.actor_id)
            .bind(e.action)
            .bind(e.target_kind)
            .bind(e.target_id)
            .bind(e.sphere_id)
            .bind(e.details)
            .bind($now)
            .execute(&mut *$tx)
            .await
    }};
}
pub(crate) use audit_in_tx;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct AuditRow {
    pub id: Id,
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub action: String,
    pub target_kind: String,
    pub target_id: Option<Id>,
    pub sphere_id: Option<SphereId>,
    pub sphere_name: Option<String>,
    /// The target's name, for a person or a sphere.
    #[sqlx(default)]
    pub target_name: Option<String>,
    pub details: String,
    pub created_at: i64,
}

/// What to list: an organization's log, optionally one sphere's, filtered, one page.
#[derive(Debug, Clone)]
pub struct AuditFilter {
    pub org_id: OrgId,
    pub sphere_id: Option<SphereId>,
    /// Leaves out entries of secret spheres this person is not a member of.
    pub viewer: Option<UserId>,
    /// Exact action, or a prefix ending with `.` (e.g. `moderation.`).
    pub action: Option<String>,
    pub actor_id: Option<UserId>,
    /// Created at or after (epoch ms).
    pub from: Option<i64>,
    /// Created before (epoch ms).
    pub to: Option<i64>,
    /// Free text, case-insensitive, over the action, target kind, details and actor's name.
    pub q: Option<String>,
    pub offset: i64,
    pub limit: i64,
}

impl AuditFilter {
    /// Everything of the organization's log, first page of `limit`.
    pub fn of(org_id: OrgId, limit: i64) -> Self {
        Self {
            org_id,
            sphere_id: None,
            viewer: None,
            action: None,
            actor_id: None,
            from: None,
            to: None,
            q: None,
            offset: 0,
            limit,
        }
    }
}

impl Db {
    /// Entries newest first.
    pub async fn audit_entries(&self, f: &AuditFilter) -> Result<Vec<AuditRow>> {
        let (exact, prefix) = match f.action.as_deref() {
            Some(a) if a.ends_with('.') => (None, Some(format!("{a}%"))),
            Some(a) => (Some(a.to_string()), None),
            None => (None, None),
        };
        let q =
            f.q.as_deref()
                .map(str::trim)
                .filter(|q| !q.is_empty())
                .map(crate::directory::contains_pattern);
        let sql = format!(
            "SELECT a.id, a.actor_id, u.display_name AS actor_name, a.action, a.target_kind, a.target_id, a.sphere_id, \
             s.name AS sphere_name, a.details, a.created_at, \
             CASE a.target_kind WHEN 'user' THEN (SELECT tu.display_name FROM users tu WHERE tu.id = a.target_id) \
             WHEN 'sphere' THEN (SELECT ts.name FROM spheres ts WHERE ts.id = a.target_id) END AS target_name \
             FROM audit_log a \
             LEFT JOIN users u ON u.id = a.actor_id LEFT JOIN spheres s ON s.id = a.sphere_id \
             WHERE a.org_id = $1 AND ($2 IS NULL OR a.sphere_id = $2) AND ($3 IS NULL OR a.action = $3) \
             AND ($4 IS NULL OR a.action LIKE $4) AND ($5 IS NULL OR a.actor_id = $5) \
             AND ($6 IS NULL OR a.created_at >= $6) AND ($7 IS NULL OR a.created_at < $7) \
             AND ($10 IS NULL OR s.id IS NULL OR {sees}) \
             AND ($11 IS NULL OR LOWER(a.action || ' ' || a.target_kind || ' ' || a.details || ' ' \
               || COALESCE(u.display_name, '') || ' ' || COALESCE(s.name, '')) LIKE $11 ESCAPE '\\') \
             ORDER BY a.created_at DESC, a.id DESC LIMIT $8 OFFSET $9",
            sees = crate::access::sees("s", "$10")
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(f.org_id).bind(f.sphere_id).bind(exact).bind(prefix).bind(f.actor_id)
            .bind(f.from).bind(f.to).bind(f.limit).bind(f.offset).bind(f.viewer).bind(q).fetch_all(p).await)?,
        )
    }

    /// Distinct actions recorded for the organization (for the filter's choices).
    pub async fn audit_actions(
        &self,
        org_id: OrgId,
        sphere_id: Option<SphereId>,
    ) -> Result<Vec<String>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT DISTINCT action FROM audit_log WHERE org_id = $1 AND ($2 IS NULL OR sphere_id = $2) ORDER BY action")
            .bind(org_id).bind(sphere_id).fetch_all(p).await)?)
    }
}
