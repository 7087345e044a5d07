//! Spheres, memberships, join requests and invitations. List queries apply the visibility
//! rule of `embarq_domain::policy::sphere_access`: a secret sphere exists only for its members.
use crate::db::{Result, keep_a_sphere_admin, with_pool, with_writer};
use crate::live::LIVE_MEMBERSHIP;
use crate::models::{Sphere, SphereMember, SphereRequest};
use crate::{Db, StoreError, now_ms};
use embarq_domain::{Id, OrgId, RequestKind, SphereKind, SphereRole, new_id};
use embarq_domain::{SphereId, UserId};
use sqlx::AssertSqlSafe;

const SPHERE_COLUMNS: &str = "s.id, s.org_id, s.name, s.description, s.kind, s.requires_approval, s.created_by, s.created_at, \
     s.member_count, \
     m.role AS my_role, r.kind AS my_request";

const SPHERE_JOINS: &str = "FROM spheres s \
     LEFT JOIN sphere_members m ON m.sphere_id = s.id AND m.user_id = $1 \
     LEFT JOIN sphere_requests r ON r.sphere_id = s.id AND r.user_id = $1";

impl Db {
    /// Creates a sphere with its creator as administrator.
    pub async fn create_sphere(
        &self,
        org_id: OrgId,
        creator: UserId,
        name: &str,
        description: &str,
        kind: SphereKind,
        requires_approval: bool,
    ) -> Result<SphereId> {
        let id = SphereId::generate();
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO spheres (id, org_id, name, description, kind, requires_approval, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(id).bind(org_id).bind(name).bind(description).bind(kind.as_str()).bind(requires_approval)
                .bind(creator).bind(now).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO sphere_members (sphere_id, user_id, role, joined_at) VALUES ($1, $2, 'admin', $3)")
                .bind(id).bind(creator).bind(now).execute(&mut *tx).await?;
            sqlx::query(LIVE_MEMBERSHIP).bind(creator).bind(id).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(id)
    }

    pub async fn update_sphere(
        &self,
        id: SphereId,
        name: &str,
        description: &str,
        kind: SphereKind,
        requires_approval: bool,
    ) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE spheres SET name = $1, description = $2, kind = $3, requires_approval = $4 WHERE id = $5")
            .bind(name).bind(description).bind(kind.as_str()).bind(requires_approval).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The sphere as seen by `viewer` (with their role), if it belongs to `org_id`.
    /// Visibility is decided by the caller through the policy.
    pub async fn sphere_for(
        &self,
        org_id: OrgId,
        viewer: UserId,
        id: SphereId,
    ) -> Result<Option<Sphere>> {
        let sql =
            format!("SELECT {SPHERE_COLUMNS} {SPHERE_JOINS} WHERE s.id = $2 AND s.org_id = $3");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(viewer).bind(id).bind(org_id).fetch_optional(p).await)?,
        )
    }

    /// Spheres `viewer` can see: every non-secret sphere of the organization and the secret
    /// ones they belong to. `mine_only` keeps the viewer's own spheres.
    pub async fn visible_spheres(
        &self,
        org_id: OrgId,
        viewer: UserId,
        mine_only: bool,
    ) -> Result<Vec<Sphere>> {
        // One's own spheres are found from one's memberships (an index range), not by
        // walking every sphere of the organization: the home page asks for them each time.
        let sql = if mine_only {
            format!(
                "SELECT {SPHERE_COLUMNS} FROM sphere_members m JOIN spheres s ON s.id = m.sphere_id \
                 LEFT JOIN sphere_requests r ON r.sphere_id = s.id AND r.user_id = $1 \
                 WHERE m.user_id = $1 AND s.org_id = $2 ORDER BY lower(s.name), s.id"
            )
        } else {
            format!(
                "SELECT {SPHERE_COLUMNS} {SPHERE_JOINS} WHERE s.org_id = $2 AND {sees} \
                 ORDER BY lower(s.name), s.id",
                sees = crate::access::sees("s", "$1")
            )
        };
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(viewer).bind(org_id).fetch_all(p).await)?,
        )
    }

    /// Spheres `viewer` sees without being a member (secret ones never), the most followed
    /// first: `limit` of them from `offset`, for the spheres page to offer a page at a time.
    pub async fn spheres_to_discover(
        &self,
        org_id: OrgId,
        viewer: UserId,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<Sphere>> {
        let sql = format!(
            "SELECT {SPHERE_COLUMNS} {SPHERE_JOINS} WHERE s.org_id = $2 AND m.user_id IS NULL AND {sees} \
             ORDER BY s.member_count DESC, s.id LIMIT $3 OFFSET $4",
            sees = crate::access::sees("s", "$1")
        );
        Ok(with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(viewer).bind(org_id).bind(limit).bind(offset).fetch_all(p).await)?)
    }

    pub async fn sphere_members(&self, sphere_id: SphereId) -> Result<Vec<SphereMember>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT m.user_id, u.display_name, u.title, m.role, m.joined_at FROM sphere_members m JOIN users u ON u.id = m.user_id \
             WHERE m.sphere_id = $1 AND u.status <> 'deactivated' \
             ORDER BY CASE m.role WHEN 'admin' THEN 0 WHEN 'publisher' THEN 1 ELSE 2 END, lower(u.display_name)")
            .bind(sphere_id).fetch_all(p).await)?)
    }

    /// Ids of members with one of the given roles (notification targets).
    pub async fn sphere_member_ids(
        &self,
        sphere_id: SphereId,
        roles: &[SphereRole],
    ) -> Result<Vec<UserId>> {
        let roles: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        let all: Vec<(UserId, String)> = with_pool!(self, p => sqlx::query_as("SELECT user_id, role FROM sphere_members WHERE sphere_id = $1")
            .bind(sphere_id).fetch_all(p).await)?;
        Ok(all
            .into_iter()
            .filter(|(_, r)| roles.contains(&r.as_str()))
            .map(|(id, _)| id)
            .collect())
    }

    /// Those of `users` who belong to `sphere_id`.
    pub async fn sphere_members_among(
        &self,
        sphere_id: SphereId,
        users: &[UserId],
    ) -> Result<Vec<UserId>> {
        let mut out = Vec::new();
        for chunk in users.chunks(500) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT user_id FROM sphere_members WHERE sphere_id = $1 AND user_id IN ({})",
                list.join(",")
            );
            let found: Vec<UserId> = with_pool!(self, p => {
                let mut q = sqlx::query_scalar(AssertSqlSafe(sql)).bind(sphere_id);
                for u in chunk {
                    q = q.bind(*u);
                }
                q.fetch_all(p).await
            })?;
            out.extend(found);
        }
        Ok(out)
    }

    /// Adds a member (or changes their role) and clears any pending request in one transaction.
    pub async fn add_sphere_member(
        &self,
        sphere_id: SphereId,
        user_id: UserId,
        role: SphereRole,
    ) -> Result<()> {
        self.add_sphere_member_with(sphere_id, user_id, role, &crate::Effects::default())
            .await
    }

    /// [`Db::add_sphere_member`] with what the arrival causes, in one transaction.
    pub async fn add_sphere_member_with(
        &self,
        sphere_id: SphereId,
        user_id: UserId,
        role: SphereRole,
        effects: &crate::Effects,
    ) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO sphere_members (sphere_id, user_id, role, joined_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (sphere_id, user_id) DO UPDATE SET role = excluded.role")
                .bind(sphere_id).bind(user_id).bind(role.as_str()).bind(now).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sphere_requests WHERE sphere_id = $1 AND user_id = $2")
                .bind(sphere_id).bind(user_id).execute(&mut *tx).await?;
            sqlx::query(LIVE_MEMBERSHIP).bind(user_id).bind(sphere_id).bind(now).execute(&mut *tx).await?;
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(())
    }

    /// Changes the role of an existing member; `false` if they are not a member. Refused
    /// (`last_admin`) when it would leave the sphere without an administrator.
    pub async fn set_sphere_role(
        &self,
        sphere_id: SphereId,
        user_id: UserId,
        role: SphereRole,
        effects: &crate::Effects,
    ) -> Result<bool> {
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            if role != SphereRole::Admin {
                keep_a_sphere_admin!(tx, sphere_id, user_id);
            }
            let changed = sqlx::query("UPDATE sphere_members SET role = $1 WHERE sphere_id = $2 AND user_id = $3")
                .bind(role.as_str()).bind(sphere_id).bind(user_id).execute(&mut *tx).await?.rows_affected();
            if changed > 0 {
                crate::outbox::write_effects!(tx, effects, now_ms());
            }
            tx.commit().await?;
            Ok::<_, StoreError>(changed > 0)
        })
    }

    pub async fn count_sphere_admins(&self, sphere_id: SphereId) -> Result<i64> {
        Ok(
            with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM sphere_members WHERE sphere_id = $1 AND role = 'admin'")
            .bind(sphere_id).fetch_one(p).await)?,
        )
    }

    /// Removes a member with what it causes; refused (`last_admin`, nothing written) for the
    /// sphere's last administrator.
    pub async fn remove_sphere_member(
        &self,
        sphere_id: SphereId,
        user_id: UserId,
        effects: &crate::Effects,
    ) -> Result<()> {
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            keep_a_sphere_admin!(tx, sphere_id, user_id);
            sqlx::query("DELETE FROM sphere_members WHERE sphere_id = $1 AND user_id = $2")
                .bind(sphere_id).bind(user_id).execute(&mut *tx).await?;
            sqlx::query(LIVE_MEMBERSHIP).bind(user_id).bind(sphere_id).bind(now_ms()).execute(&mut *tx).await?;
            crate::outbox::write_effects!(tx, effects, now_ms());
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    pub async fn sphere_role(
        &self,
        sphere_id: SphereId,
        user_id: UserId,
    ) -> Result<Option<SphereRole>> {
        let r: Option<String> = with_pool!(self, p => sqlx::query_scalar("SELECT role FROM sphere_members WHERE sphere_id = $1 AND user_id = $2")
            .bind(sphere_id).bind(user_id).fetch_optional(p).await)?;
        Ok(r.as_deref().and_then(SphereRole::parse))
    }

    /// Records a join request or an invitation; `Conflict` if one is already pending.
    pub async fn create_sphere_request(
        &self,
        sphere_id: SphereId,
        user_id: UserId,
        kind: RequestKind,
        invited_by: Option<UserId>,
        effects: &crate::Effects,
    ) -> Result<Id> {
        let id = new_id();
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "INSERT INTO sphere_requests (id, sphere_id, user_id, kind, invited_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id).bind(sphere_id).bind(user_id).bind(kind.as_str()).bind(invited_by).bind(now)
                .execute(&mut *tx).await.map_err(|e| StoreError::on_unique(e, "request"))?;
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })?;
        Ok(id)
    }

    const REQUEST_SELECT: &'static str = "SELECT r.id, r.sphere_id, s.name AS sphere_name, r.user_id, u.display_name, r.kind, r.invited_by, r.created_at \
         FROM sphere_requests r JOIN spheres s ON s.id = r.sphere_id JOIN users u ON u.id = r.user_id";

    pub async fn sphere_request(&self, id: Id) -> Result<Option<SphereRequest>> {
        let sql = format!("{} WHERE r.id = $1", Self::REQUEST_SELECT);
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(p).await)?,
        )
    }

    /// The join request or invitation pending between a person and a sphere, if any.
    pub async fn pending_sphere_request(
        &self,
        sphere_id: SphereId,
        user_id: UserId,
    ) -> Result<Option<SphereRequest>> {
        let sql = format!(
            "{} WHERE r.sphere_id = $1 AND r.user_id = $2",
            Self::REQUEST_SELECT
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(sphere_id).bind(user_id).fetch_optional(p).await)?,
        )
    }

    /// Pending join requests of a sphere (for its administrators).
    pub async fn join_requests(&self, sphere_id: SphereId) -> Result<Vec<SphereRequest>> {
        let sql = format!(
            "{} WHERE r.sphere_id = $1 AND r.kind = 'request' ORDER BY r.created_at",
            Self::REQUEST_SELECT
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(sphere_id).fetch_all(p).await)?,
        )
    }

    /// Pending invitations addressed to a person.
    pub async fn invitations_for(&self, user_id: UserId) -> Result<Vec<SphereRequest>> {
        let sql = format!(
            "{} WHERE r.user_id = $1 AND r.kind = 'invitation' ORDER BY r.created_at DESC",
            Self::REQUEST_SELECT
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(user_id).fetch_all(p).await)?,
        )
    }

    pub async fn delete_sphere_request(&self, id: Id) -> Result<()> {
        with_writer!(self, p => sqlx::query("DELETE FROM sphere_requests WHERE id = $1").bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
