//! SCIM Groups: spheres created through SCIM (a row in `scim_groups`), their members being
//! the sphere's members. Spheres made in embarq itself are never Groups. Member changes are
//! set-based (one statement per chunk of ids), so adding one person to a group of
//! thousands touches one row, and every change to a group happens in one transaction.
use crate::db::{Result, with_pool, with_writer};
use crate::live::LIVE_SPHERE_MEMBERS;
use crate::scim::UserQuery;
use crate::{Db, now_ms};
use embarq_domain::UserId;
use embarq_domain::{Id, OrgId, SphereKind, new_id};
use sqlx::AssertSqlSafe;

/// Ids bound per statement: far below SQLite's and PostgreSQL's parameter limits.
const CHUNK: usize = 500;

/// A Group as stored: the sphere's name is its displayName.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScimGroup {
    pub id: Id,
    pub org_id: OrgId,
    pub display_name: String,
    pub external_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// One member of a Group, with the name shown as `display`.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScimGroupMember {
    pub group_id: Id,
    pub user_id: UserId,
    pub display_name: String,
}

/// A change to a Group, applied in one transaction: `clear_members` first, then `remove`,
/// then `add` (people already in the sphere keep their role).
#[derive(Debug, Clone, Default)]
pub struct GroupChange {
    pub display_name: Option<String>,
    pub external_id: Option<Option<String>>,
    pub clear_members: bool,
    pub add: Vec<UserId>,
    pub remove: Vec<UserId>,
}

const GROUP_SELECT: &str = "SELECT s.id, g.org_id, s.name AS display_name, g.external_id, g.created_at, g.updated_at \
     FROM scim_groups g JOIN spheres s ON s.id = g.sphere_id";

fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Db {
    /// Creates the sphere (no administrator: organization managers administer visible
    /// spheres, and the identity provider owns the membership) and its Group row, with the
    /// given members, in one transaction. Members outside the organization are ignored
    /// here: the caller refuses them before. `effects_of` the new id is written with it.
    pub async fn scim_create_group(
        &self,
        org_id: OrgId,
        created_by: UserId,
        (display_name, external_id): (&str, Option<&str>),
        kind: SphereKind,
        members: &[UserId],
        effects_of: impl FnOnce(Id) -> crate::Effects,
    ) -> Result<Id> {
        let id = new_id();
        let effects = effects_of(id);
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO spheres (id, org_id, name, description, kind, requires_approval, created_by, created_at) \
                 VALUES ($1, $2, $3, '', $4, FALSE, $5, $6)")
                .bind(id).bind(org_id).bind(display_name).bind(kind.as_str()).bind(created_by).bind(now)
                .execute(&mut *tx).await?;
            sqlx::query("INSERT INTO scim_groups (sphere_id, org_id, external_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)")
                .bind(id).bind(org_id).bind(external_id).bind(now).execute(&mut *tx).await?;
            for chunk in members.chunks(CHUNK) {
                let sql = format!(
                    "INSERT INTO sphere_members (sphere_id, user_id, role, joined_at) \
                     SELECT $1, u.id, 'member', $3 FROM users u WHERE u.org_id = $2 AND u.erased_at IS NULL AND u.id IN ({}) \
                     ON CONFLICT (sphere_id, user_id) DO NOTHING", placeholders(4, chunk.len()));
                let mut q = sqlx::query(AssertSqlSafe(sql)).bind(id).bind(org_id).bind(now);
                for m in chunk { q = q.bind(*m); }
                q.execute(&mut *tx).await?;
            }
            sqlx::query(LIVE_SPHERE_MEMBERS).bind(id).bind(now).execute(&mut *tx).await?;
            crate::outbox::write_effects!(tx, &effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(id)
    }

    /// The Group `id` of the organization, if it is one.
    pub async fn scim_group(&self, org_id: OrgId, id: Id) -> Result<Option<ScimGroup>> {
        // By primary key only, the organization checked here: a plan cached while the
        // table was small can never turn this lookup into a scan of the organization.
        let sql = format!("{GROUP_SELECT} WHERE g.sphere_id = $1");
        let g: Option<ScimGroup> = with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(p).await)?;
        Ok(g.filter(|g| g.org_id == org_id))
    }

    /// Members of the given Groups (one query per chunk), oldest membership first.
    pub async fn scim_group_members(&self, groups: &[Id]) -> Result<Vec<ScimGroupMember>> {
        let mut out = Vec::new();
        for chunk in groups.chunks(CHUNK) {
            let sql = format!(
                "SELECT m.sphere_id AS group_id, m.user_id, u.display_name FROM sphere_members m JOIN users u ON u.id = m.user_id \
                 WHERE m.sphere_id IN ({}) AND u.erased_at IS NULL ORDER BY m.sphere_id, m.joined_at, m.user_id",
                placeholders(1, chunk.len())
            );
            let rows: Vec<ScimGroupMember> = with_pool!(self, p => {
                let mut q = sqlx::query_as(AssertSqlSafe(sql));
                for g in chunk { q = q.bind(*g); }
                q.fetch_all(p).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Which of `ids` are people of the organization.
    pub async fn scim_users_in_org(&self, org_id: OrgId, ids: &[UserId]) -> Result<Vec<UserId>> {
        let mut out = Vec::new();
        for chunk in ids.chunks(CHUNK) {
            let sql = format!(
                "SELECT id FROM users WHERE org_id = $1 AND erased_at IS NULL AND id IN ({})",
                placeholders(2, chunk.len())
            );
            let rows: Vec<UserId> = with_pool!(self, p => {
                let mut q = sqlx::query_scalar(AssertSqlSafe(sql)).bind(org_id);
                for i in chunk { q = q.bind(*i); }
                q.fetch_all(p).await
            })?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Applies `change` to the Group in one transaction; `false` if it is not a Group of
    /// the organization. Bumps `updated_at`.
    pub async fn scim_change_group(
        &self,
        org_id: OrgId,
        id: Id,
        change: &GroupChange,
    ) -> Result<bool> {
        let now = now_ms();
        let found = with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let owner: Option<OrgId> = sqlx::query_scalar("UPDATE scim_groups SET updated_at = $1 WHERE sphere_id = $2 RETURNING org_id")
                .bind(now).bind(id).fetch_optional(&mut *tx).await?;
            if owner != Some(org_id) {
                // Dropping the transaction rolls the update back.
                return Ok(false);
            }
            if let Some(name) = &change.display_name {
                sqlx::query("UPDATE spheres SET name = $1 WHERE id = $2")
                    .bind(name).bind(id).execute(&mut *tx).await?;
            }
            if let Some(ext) = &change.external_id {
                sqlx::query("UPDATE scim_groups SET external_id = $1 WHERE sphere_id = $2")
                    .bind(ext.as_deref()).bind(id).execute(&mut *tx).await?;
            }
            if change.clear_members {
                sqlx::query("DELETE FROM sphere_members WHERE sphere_id = $1")
                    .bind(id).execute(&mut *tx).await?;
            }
            for chunk in change.remove.chunks(CHUNK) {
                let sql = format!("DELETE FROM sphere_members WHERE sphere_id = $1 AND user_id IN ({})", placeholders(2, chunk.len()));
                let mut q = sqlx::query(AssertSqlSafe(sql)).bind(id);
                for m in chunk { q = q.bind(*m); }
                q.execute(&mut *tx).await?;
            }
            for chunk in change.add.chunks(CHUNK) {
                let sql = format!(
                    "INSERT INTO sphere_members (sphere_id, user_id, role, joined_at) \
                     SELECT $1, u.id, 'member', $3 FROM users u WHERE u.org_id = $2 AND u.erased_at IS NULL AND u.id IN ({}) \
                     ON CONFLICT (sphere_id, user_id) DO NOTHING", placeholders(4, chunk.len()));
                let mut q = sqlx::query(AssertSqlSafe(sql)).bind(id).bind(org_id).bind(now);
                for m in chunk { q = q.bind(*m); }
                q.execute(&mut *tx).await?;
                // A pending request or invitation is settled by the membership.
                let sql = format!("DELETE FROM sphere_requests WHERE sphere_id = $1 AND user_id IN ({})", placeholders(2, chunk.len()));
                let mut q = sqlx::query(AssertSqlSafe(sql)).bind(id);
                for m in chunk { q = q.bind(*m); }
                q.execute(&mut *tx).await?;
            }
            sqlx::query(LIVE_SPHERE_MEMBERS).bind(id).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        })?;
        Ok(found)
    }

    /// Detaches the Group from SCIM: the sphere, its members and its content stay (an
    /// identity provider's deletion must not destroy an organization's publications);
    /// it is simply no longer a Group. `false` if it was not a Group of the organization.
    pub async fn scim_delete_group(
        &self,
        org_id: OrgId,
        id: Id,
        effects: &crate::Effects,
    ) -> Result<bool> {
        self.delete_owned("scim_groups", "sphere_id", org_id, id, effects)
            .await
    }

    /// A page of the organization's Groups matching `q` (built by
    /// [`UserQuery::build_groups`]), with the total count.
    pub async fn scim_list_groups(
        &self,
        org_id: OrgId,
        q: &UserQuery,
    ) -> Result<(i64, Vec<ScimGroup>)> {
        let from = format!(
            "FROM scim_groups g JOIN spheres s ON s.id = g.sphere_id WHERE g.org_id = $1 AND {}",
            q.where_sql
        );
        self.scim_page(
            "s.id, g.org_id, s.name AS display_name, g.external_id, g.created_at, g.updated_at",
            &from,
            org_id,
            q,
        )
        .await
    }

    /// The organization's first manager: the recorded creator of SCIM-made spheres.
    pub async fn scim_group_creator(&self, org_id: OrgId) -> Result<Option<UserId>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT id FROM users WHERE org_id = $1 AND org_role = 'manager' ORDER BY created_at, id LIMIT 1")
            .bind(org_id).fetch_optional(p).await)?)
    }
}
