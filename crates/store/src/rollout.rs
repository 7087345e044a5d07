//! Rollout plans, waves, the access gate's facts, the invitation and announcement claims,
//! and the facts of the pre-launch readiness check.
use crate::db::{Result, with_pool, with_writer};
use crate::live::LIVE_SPHERE_MEMBERS;
use crate::models::{USER_COLUMNS, User};
use crate::{Db, now_ms};
use embarq_domain::{Id, OrgId, new_id};
use embarq_domain::{SphereId, UserId};
use sqlx::AssertSqlSafe;

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct RolloutPlan {
    pub org_id: OrgId,
    pub launch_at: i64,
    pub early_access_days: i64,
    pub time_zone: String,
    pub announcement_title: String,
    pub announcement_md: String,
    pub announcement_sphere_id: Option<SphereId>,
    pub announcement_post_id: Option<Id>,
    pub announced_at: Option<i64>,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct RolloutWave {
    pub id: Id,
    pub org_id: OrgId,
    pub name: String,
    pub dimension: String,
    pub value: String,
    pub opens_at: i64,
    pub created_at: i64,
}

/// An invited member of an organization with a plan, not yet sent their invitation.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PendingInvitee {
    pub id: UserId,
    pub org_id: OrgId,
    pub department: Option<String>,
    pub site: Option<String>,
    pub champion: i64,
}

/// A member to e-mail at launch, with what the gate needs.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Recipient {
    pub id: UserId,
    pub email: String,
    pub org_role: embarq_domain::OrgRole,
    pub department: Option<String>,
    pub site: Option<String>,
    pub locale: Option<String>,
    pub champion: i64,
}

/// A named thing of the readiness check (a sphere, a champion).
#[derive(Debug, Clone, sqlx::FromRow, serde::Serialize)]
pub struct Named {
    pub id: Id,
    pub name: String,
}

/// What a guarded change of the plan did.
#[derive(Debug)]
pub enum PlanChange {
    NoPlan,
    /// The plan is no longer in the phase the change needs; nothing written.
    Refused,
    /// Done, with the effects written.
    Done(crate::Effects),
}

const PLAN_COLUMNS: &str = "org_id, launch_at, early_access_days, time_zone, announcement_title, announcement_md, \
     announcement_sphere_id, announcement_post_id, announced_at, updated_at";

impl Db {
    pub async fn rollout_plan(&self, org_id: OrgId) -> Result<Option<RolloutPlan>> {
        let sql = format!("SELECT {PLAN_COLUMNS} FROM rollout_plans WHERE org_id = $1");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(org_id).fetch_optional(p).await)?,
        )
    }

    /// Creates or updates the plan's dates and announcement (never the publication state).
    pub async fn save_rollout_plan(
        &self,
        org_id: OrgId,
        v: &embarq_domain::rollout::PlanValues,
        effects: &crate::Effects,
    ) -> Result<()> {
        let saved: Result<bool> = crate::outbox::one_row_with_effects!(self, sqlx::query(
            "INSERT INTO rollout_plans (org_id, launch_at, early_access_days, time_zone, announcement_title, announcement_md, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (org_id) DO UPDATE SET launch_at = excluded.launch_at, early_access_days = excluded.early_access_days, \
             time_zone = excluded.time_zone, announcement_title = excluded.announcement_title, \
             announcement_md = excluded.announcement_md, updated_at = excluded.updated_at")
            .bind(org_id).bind(v.launch_at).bind(v.early_access_days).bind(&v.time_zone)
            .bind(&v.announcement_title).bind(&v.announcement_md).bind(now_ms()),
            effects);
        saved.map(|_| ())
    }

    /// Removes the plan and its waves with `effects`, if it has not launched by `now`:
    /// `None` when there is no plan, `Some(false)` when it has launched (nothing written).
    pub async fn delete_rollout_plan(
        &self,
        org_id: OrgId,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<Option<bool>> {
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let deleted = sqlx::query(
                "DELETE FROM rollout_plans WHERE org_id = $1 AND announced_at IS NULL AND launch_at > $2")
                .bind(org_id).bind(now).execute(&mut *tx).await?.rows_affected() == 1;
            if !deleted {
                let exists: Option<i64> = sqlx::query_scalar("SELECT launch_at FROM rollout_plans WHERE org_id = $1")
                    .bind(org_id).fetch_optional(&mut *tx).await?;
                return Ok(exists.map(|_| false));
            }
            for sql in ["DELETE FROM rollout_waves WHERE org_id = $1", "DELETE FROM rollout_phase_announced WHERE org_id = $1"] {
                sqlx::query(sql).bind(org_id).execute(&mut *tx).await?;
            }
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some(true))
        })?)
    }

    /// Moves the launch to now with `effects_of(now)`, if the plan has not launched yet.
    pub async fn launch_rollout_now(
        &self,
        org_id: OrgId,
        effects_of: impl FnOnce(i64) -> crate::Effects,
    ) -> Result<PlanChange> {
        self.change_plan_if(
            org_id,
            "UPDATE rollout_plans SET launch_at = $2, updated_at = $2 WHERE org_id = $1 AND launch_at > $2",
            None,
            effects_of,
        )
        .await
    }

    /// Opens early access now by lengthening it to `days`, with `effects_of(now)`, if it has
    /// not opened yet.
    pub async fn open_early_access_now(
        &self,
        org_id: OrgId,
        days: i64,
        effects_of: impl FnOnce(i64) -> crate::Effects,
    ) -> Result<PlanChange> {
        self.change_plan_if(
            org_id,
            "UPDATE rollout_plans SET early_access_days = $3, updated_at = $2 \
             WHERE org_id = $1 AND launch_at - early_access_days * 86400000 > $2",
            Some(days),
            effects_of,
        )
        .await
    }

    /// Runs one guarded plan update (`$1` org, `$2` now, `$3` value) with its effects. The
    /// plan's row is locked before the clock is read: a request that waited for another's
    /// change reads a later time, so it sees the phase that change started (two clicks on
    /// "launch now" launch once).
    async fn change_plan_if(
        &self,
        org_id: OrgId,
        sql: &'static str,
        value: Option<i64>,
        effects_of: impl FnOnce(i64) -> crate::Effects,
    ) -> Result<PlanChange> {
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let exists = sqlx::query("UPDATE rollout_plans SET org_id = org_id WHERE org_id = $1")
                .bind(org_id).execute(&mut *tx).await?.rows_affected() == 1;
            if !exists {
                return Ok(PlanChange::NoPlan);
            }
            let now = now_ms();
            let mut q = sqlx::query(sql).bind(org_id).bind(now);
            if let Some(v) = value {
                q = q.bind(v);
            }
            if q.execute(&mut *tx).await?.rows_affected() == 0 {
                return Ok(PlanChange::Refused);
            }
            let effects = effects_of(now);
            crate::outbox::write_effects!(tx, &effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(PlanChange::Done(effects))
        })?)
    }

    pub async fn rollout_waves(&self, org_id: OrgId) -> Result<Vec<RolloutWave>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, org_id, name, dimension, value, opens_at, created_at FROM rollout_waves WHERE org_id = $1 ORDER BY opens_at, id")
            .bind(org_id).fetch_all(p).await)?)
    }

    pub async fn add_rollout_wave(
        &self,
        org_id: OrgId,
        name: &str,
        dimension: &str,
        value: &str,
        opens_at: i64,
        effects_of: impl FnOnce(Id) -> crate::Effects,
    ) -> Result<Id> {
        let id = new_id();
        let effects = effects_of(id);
        crate::outbox::one_row_with_effects!(self, sqlx::query(
            "INSERT INTO rollout_waves (id, org_id, name, dimension, value, opens_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id).bind(org_id).bind(name).bind(dimension).bind(value).bind(opens_at).bind(now_ms()), &effects)?;
        Ok(id)
    }

    /// Deletes a wave with what it causes; `false` if no such wave in this organization
    /// (nothing written).
    pub async fn delete_rollout_wave(
        &self,
        org_id: OrgId,
        id: Id,
        effects: &crate::Effects,
    ) -> Result<bool> {
        self.delete_owned("rollout_waves", "id", org_id, id, effects)
            .await
    }

    pub async fn is_champion(&self, user_id: UserId) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM champions WHERE user_id = $1")
            .bind(user_id).fetch_one(p).await)?;
        Ok(n > 0)
    }

    /// Invited members of organizations with a plan whose invitation has not gone out, once
    /// the plan's first opening (champions' early access) has come: before it, nobody's has.
    pub async fn rollout_pending_invitees(&self, now: i64) -> Result<Vec<PendingInvitee>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT u.id, u.org_id, u.department, u.site, (SELECT COUNT(*) FROM champions c WHERE c.user_id = u.id) AS champion \
             FROM users u JOIN rollout_plans r ON r.org_id = u.org_id \
             WHERE u.status = 'invited' AND u.invitation_sent_at IS NULL \
               AND r.launch_at - r.early_access_days * 86400000 <= $1 ORDER BY u.id")
            .bind(now).fetch_all(p).await)?)
    }

    /// Claims the invitation of a member: `true` for exactly one caller.
    pub async fn claim_invitation(&self, user_id: UserId, now: i64) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query(
            "UPDATE users SET invitation_sent_at = $1 WHERE id = $2 AND invitation_sent_at IS NULL")
            .bind(now).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Records the first invitation sent by hand (so the rollout job does not send another);
    /// later reminders keep the first time, which the nudges count from.
    pub async fn invitation_sent_at(&self, user_id: UserId) -> Result<Option<i64>> {
        Ok(
            with_pool!(self, p => sqlx::query_scalar("SELECT invitation_sent_at FROM users WHERE id = $1")
            .bind(user_id).fetch_one(p).await)?,
        )
    }

    /// Organizations whose launch has come and whose announcement is not published.
    pub async fn due_announcements(&self, now: i64) -> Result<Vec<OrgId>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT org_id FROM rollout_plans WHERE announced_at IS NULL AND launch_at <= $1")
            .bind(now).fetch_all(p).await)?)
    }

    /// Claims the launch announcement of an organization: `true` for exactly one caller.
    pub async fn claim_announcement(&self, org_id: OrgId, now: i64) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query(
            "UPDATE rollout_plans SET announced_at = $1 WHERE org_id = $2 AND announced_at IS NULL")
            .bind(now).bind(org_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    pub async fn set_announcement_post(
        &self,
        org_id: OrgId,
        sphere_id: SphereId,
        post_id: Id,
    ) -> Result<()> {
        with_writer!(self, p => sqlx::query(
            "UPDATE rollout_plans SET announcement_sphere_id = $1, announcement_post_id = $2 WHERE org_id = $3")
            .bind(sphere_id).bind(post_id).bind(org_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Whether a sphere still exists in the organization.
    pub async fn sphere_exists(&self, org_id: OrgId, sphere_id: SphereId) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM spheres WHERE id = $1 AND org_id = $2")
            .bind(sphere_id).bind(org_id).fetch_one(p).await)?;
        Ok(n > 0)
    }

    /// Makes every active or invited member of the organization a member of the sphere.
    pub async fn add_everyone_to_sphere(&self, org_id: OrgId, sphere_id: SphereId) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "INSERT INTO sphere_members (sphere_id, user_id, role, joined_at) \
                 SELECT $1, u.id, 'member', $2 FROM users u WHERE u.org_id = $3 AND u.status <> 'deactivated' \
                 ON CONFLICT (sphere_id, user_id) DO NOTHING")
                .bind(sphere_id).bind(now).bind(org_id).execute(&mut *tx).await?;
            sqlx::query(LIVE_SPHERE_MEMBERS).bind(sphere_id).bind(now).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// The longest-standing active manager of an organization (author of the announcement).
    pub async fn first_manager_of(&self, org_id: OrgId) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = $1 AND u.org_role = 'manager' AND u.status = 'active' \
             ORDER BY u.created_at, u.id LIMIT 1"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(org_id).fetch_optional(p).await)?,
        )
    }

    /// Active and invited members of an organization, with what the gate needs.
    pub async fn rollout_recipients(&self, org_id: OrgId) -> Result<Vec<Recipient>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT u.id, u.email, u.org_role, u.department, u.site, u.locale, \
             (SELECT COUNT(*) FROM champions c WHERE c.user_id = u.id) AS champion \
             FROM users u WHERE u.org_id = $1 AND u.status <> 'deactivated' ORDER BY u.id")
            .bind(org_id).fetch_all(p).await)?)
    }

    /// Spheres with no published post; secret spheres only if `viewer` belongs to them.
    pub async fn spheres_without_content(
        &self,
        org_id: OrgId,
        viewer: UserId,
    ) -> Result<Vec<Named>> {
        let sql = format!(
            "SELECT s.id, s.name FROM spheres s WHERE s.org_id = $1 AND {sees} \
             AND NOT EXISTS (SELECT 1 FROM posts p WHERE p.sphere_id = s.id AND p.status = 'published') \
             ORDER BY lower(s.name), s.id",
            sees = crate::access::sees("s", "$2")
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(org_id).bind(viewer).fetch_all(p).await)?,
        )
    }

    /// A welcome post: something published in an open sphere, the help sphere or the
    /// announcement sphere.
    pub async fn has_welcome_post(&self, org_id: OrgId) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM posts p JOIN spheres s ON s.id = p.sphere_id WHERE p.org_id = $1 AND p.status = 'published' \
             AND (s.kind = 'open' \
                  OR s.id IN (SELECT help_sphere_id FROM org_onboarding WHERE org_id = $1 AND help_sphere_id IS NOT NULL) \
                  OR s.id IN (SELECT announcement_sphere_id FROM rollout_plans WHERE org_id = $1 AND announcement_sphere_id IS NOT NULL))")
            .bind(org_id).fetch_one(p).await)?;
        Ok(n > 0)
    }

    pub async fn help_sphere_id(&self, org_id: OrgId) -> Result<Option<SphereId>> {
        let id: Option<Option<SphereId>> = with_pool!(self, p => sqlx::query_scalar(
            "SELECT help_sphere_id FROM org_onboarding WHERE org_id = $1")
            .bind(org_id).fetch_optional(p).await)?;
        Ok(id.flatten())
    }

    pub async fn champion_count(&self, org_id: OrgId) -> Result<i64> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM champions c JOIN users u ON u.id = c.user_id WHERE c.org_id = $1 AND u.status <> 'deactivated'")
            .bind(org_id).fetch_one(p).await)?)
    }

    /// Champions who never signed in.
    pub async fn champions_not_signed_in(&self, org_id: OrgId) -> Result<Vec<Named>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT u.id, u.display_name AS name FROM champions c JOIN users u ON u.id = c.user_id \
             WHERE c.org_id = $1 AND u.status <> 'deactivated' AND u.activated_at IS NULL ORDER BY lower(u.display_name), u.id")
            .bind(org_id).fetch_all(p).await)?)
    }

    /// Whether a champions' training has ended with at least one attendance.
    /// Whether a champions' training is scheduled or held (and not cancelled).
    pub async fn champions_training_planned(&self, org_id: OrgId) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM events e WHERE e.org_id = $1 AND e.kind = 'training' AND e.audience = 'champions' \
             AND e.cancelled_at IS NULL")
            .bind(org_id).fetch_one(p).await)?;
        Ok(n > 0)
    }

    pub async fn champions_training_held(&self, org_id: OrgId, now: i64) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM events e WHERE e.org_id = $1 AND e.kind = 'training' AND e.audience = 'champions' \
             AND e.ends_at <= $2 AND EXISTS (SELECT 1 FROM event_registrations r WHERE r.event_id = e.id AND r.attended_at IS NOT NULL)")
            .bind(org_id).bind(now).fetch_one(p).await)?;
        Ok(n > 0)
    }
}
