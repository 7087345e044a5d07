//! Champions: volunteers and nominations, the confirmed cohort, its secret sphere and the
//! registration to the champions' training.
use crate::bulk::values_sql;
use crate::db::{Result, with_pool, with_writer};
use crate::live::{LIVE_MEMBERSHIP, LIVE_SPHERE_MEMBERS};
use crate::{Db, now_ms};
use embarq_domain::{Id, OrgId};
use embarq_domain::{SphereId, UserId};
use serde::Serialize;
use sqlx::AssertSqlSafe;

/// Rows per multi-row insert (well under both backends' bind-parameter limits).
const CHUNK: usize = 500;

/// A directory entry as the champions' proposal needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChampionDirectoryEntry {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
    pub department: Option<String>,
    pub site: Option<String>,
    pub birth_year: Option<i64>,
    pub level: Option<String>,
    pub manager_id: Option<UserId>,
    pub volunteer: bool,
    pub nominated: bool,
}

/// A confirmed champion with what the champions page shows.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ChampionRow {
    pub user_id: UserId,
    pub display_name: String,
    pub email: String,
    pub department: Option<String>,
    pub site: Option<String>,
    pub status: String,
    pub activated_at: Option<i64>,
    pub last_seen_at: Option<i64>,
    pub reason: String,
    pub confirmed_at: i64,
}

/// The next champions' training session.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct TrainingEvent {
    pub id: Id,
    pub title: String,
    pub starts_at: i64,
}

/// What a confirmation did.
#[derive(Debug, Clone)]
pub struct ConfirmedCohort {
    pub sphere_id: SphereId,
    /// People who were not champions before.
    pub added: Vec<UserId>,
}

/// What a confirmation's notices were built for: the Champions sphere (the id to give it
/// if it does not exist yet) and the people who will be added, sorted.
pub struct Expected {
    pub sphere_id: SphereId,
    pub added: Vec<UserId>,
}

impl Db {
    /// Active (and, if asked, invited) members with their candidacies.
    pub async fn champion_directory(
        &self,
        org_id: OrgId,
        include_invited: bool,
    ) -> Result<Vec<ChampionDirectoryEntry>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT u.id, u.display_name, u.email, u.department, u.site, u.birth_year, u.level, u.manager_id, \
             EXISTS (SELECT 1 FROM champion_candidates c WHERE c.user_id = u.id AND c.kind = 'volunteer') AS volunteer, \
             EXISTS (SELECT 1 FROM champion_candidates c WHERE c.user_id = u.id AND c.kind = 'nomination') AS nominated \
             FROM users u WHERE u.org_id = $1 AND (u.status = 'active' OR ($2 AND u.status = 'invited'))")
            .bind(org_id).bind(include_invited).fetch_all(p).await)?)
    }

    /// Records a volunteer or a nomination (idempotent).
    pub async fn add_champion_candidate(
        &self,
        org_id: OrgId,
        user_id: UserId,
        kind: &str,
        nominated_by: Option<UserId>,
        effects: &crate::Effects,
    ) -> Result<()> {
        let _added: Result<bool> = crate::outbox::one_row_with_effects!(self, sqlx::query(
            "INSERT INTO champion_candidates (user_id, org_id, kind, nominated_by, created_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (user_id, kind) DO NOTHING")
            .bind(user_id).bind(org_id).bind(kind).bind(nominated_by).bind(now_ms()), effects);
        _added.map(|_| ())
    }

    pub async fn remove_champion_candidate(&self, user_id: UserId, kind: &str) -> Result<()> {
        with_writer!(self, p => sqlx::query("DELETE FROM champion_candidates WHERE user_id = $1 AND kind = $2")
            .bind(user_id).bind(kind).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn is_champion_candidate(&self, user_id: UserId, kind: &str) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM champion_candidates WHERE user_id = $1 AND kind = $2")
            .bind(user_id).bind(kind).fetch_one(p).await)?;
        Ok(n > 0)
    }

    pub async fn champions(&self, org_id: OrgId) -> Result<Vec<ChampionRow>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT c.user_id, u.display_name, u.email, u.department, u.site, u.status, u.activated_at, u.last_seen_at, \
             c.reason, c.confirmed_at FROM champions c JOIN users u ON u.id = c.user_id \
             WHERE c.org_id = $1 ORDER BY lower(u.display_name), c.user_id")
            .bind(org_id).fetch_all(p).await)?)
    }

    /// The organization's Champions sphere, if it was created and still exists.
    pub async fn champions_sphere(&self, org_id: OrgId) -> Result<Option<SphereId>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT o.champions_sphere_id FROM org_onboarding o JOIN spheres s ON s.id = o.champions_sphere_id \
             WHERE o.org_id = $1")
            .bind(org_id).fetch_optional(p).await)?)
    }

    /// The next training session for champions, starting after `now`.
    pub async fn upcoming_champions_training(
        &self,
        org_id: OrgId,
        now: i64,
    ) -> Result<Option<TrainingEvent>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, title, starts_at FROM events WHERE org_id = $1 AND kind = 'training' AND audience = 'champions' \
             AND starts_at > $2 ORDER BY starts_at, id LIMIT 1")
            .bind(org_id).bind(now).fetch_optional(p).await)?)
    }

    /// Confirms champions in one transaction: the champions rows (existing champions keep
    /// their reason), the secret Champions sphere (created if needed, `manager` as its
    /// administrator) with every champion as member, and the registration to `training`.
    /// `told` is what it causes (the notices to the people added), written in the same
    /// transaction; it was built for an [`Expected`] outcome: `None` (nothing written) when a
    /// concurrent change made that guess wrong, to read and retry.
    pub async fn confirm_champions(
        &self,
        org_id: OrgId,
        manager: UserId,
        sphere: (&str, &str),
        entries: &[(UserId, String)],
        training: Option<Id>,
        told: Option<(&Expected, &crate::Effects)>,
    ) -> Result<Option<ConfirmedCohort>> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let existing: Option<SphereId> = sqlx::query_scalar(
                "SELECT o.champions_sphere_id FROM org_onboarding o JOIN spheres s ON s.id = o.champions_sphere_id \
                 WHERE o.org_id = $1")
                .bind(org_id).fetch_optional(&mut *tx).await?;
            let sphere_id = match existing {
                Some(id) => id,
                None => {
                    let id = told.map_or_else(SphereId::generate, |(e, _)| e.sphere_id);
                    sqlx::query("INSERT INTO spheres (id, org_id, name, description, kind, requires_approval, created_by, created_at) \
                         VALUES ($1, $2, $3, $4, 'secret', FALSE, $5, $6)")
                        .bind(id).bind(org_id).bind(sphere.0).bind(sphere.1).bind(manager).bind(now)
                        .execute(&mut *tx).await?;
                    sqlx::query("INSERT INTO org_onboarding (org_id, champions_sphere_id, updated_at) VALUES ($1, $2, $3) \
                         ON CONFLICT (org_id) DO UPDATE SET champions_sphere_id = excluded.champions_sphere_id, updated_at = excluded.updated_at")
                        .bind(org_id).bind(id).bind(now).execute(&mut *tx).await?;
                    id
                }
            };
            sqlx::query("INSERT INTO sphere_members (sphere_id, user_id, role, joined_at) VALUES ($1, $2, 'admin', $3) \
                 ON CONFLICT (sphere_id, user_id) DO UPDATE SET role = 'admin'")
                .bind(sphere_id).bind(manager).bind(now).execute(&mut *tx).await?;
            // Multi-row inserts: a cohort of 15,000 takes a few statements, not 45,000.
            let mut added: Vec<UserId> = Vec::new();
            for chunk in entries.chunks(CHUNK) {
                let sql = format!("{} ON CONFLICT (user_id) DO NOTHING RETURNING user_id",
                    values_sql("INSERT INTO champions (user_id, org_id, reason, confirmed_by, confirmed_at)", 5, chunk.len()));
                let mut q = sqlx::query_scalar(AssertSqlSafe(sql));
                for (user_id, reason) in chunk {
                    q = q.bind(*user_id).bind(org_id).bind(reason.as_str()).bind(manager).bind(now);
                }
                let ids: Vec<UserId> = q.fetch_all(&mut *tx).await?;
                added.extend(ids);
                let sql = format!("{} ON CONFLICT (sphere_id, user_id) DO NOTHING",
                    values_sql("INSERT INTO sphere_members (sphere_id, user_id, role, joined_at)", 4, chunk.len()));
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (user_id, _) in chunk {
                    q = q.bind(sphere_id).bind(*user_id).bind("member").bind(now);
                }
                q.execute(&mut *tx).await?;
                if let Some(event) = training {
                    let sql = format!("{} ON CONFLICT (event_id, user_id) DO NOTHING",
                        values_sql("INSERT INTO event_registrations (event_id, user_id, registered_at)", 3, chunk.len()));
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for (user_id, _) in chunk {
                        q = q.bind(event).bind(*user_id).bind(now);
                    }
                    q.execute(&mut *tx).await?;
                }
            }
            sqlx::query(LIVE_SPHERE_MEMBERS).bind(sphere_id).bind(now).execute(&mut *tx).await?;
            if let Some((expected, effects)) = told {
                let mut got = added.clone();
                got.sort();
                if sphere_id != expected.sphere_id || got != expected.added {
                    return Ok(None);
                }
                crate::outbox::write_effects!(tx, effects, now);
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some(ConfirmedCohort { sphere_id, added }))
        }).map_err(Into::into)
    }

    /// Removes a champion (with `effects`) and their membership of the Champions sphere (unless they are its
    /// last administrator). `false` if they were not a champion of the organization.
    pub async fn remove_champion(
        &self,
        org_id: OrgId,
        user_id: UserId,
        effects: &crate::Effects,
    ) -> Result<bool> {
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query("DELETE FROM champions WHERE user_id = $1 AND org_id = $2")
                .bind(user_id).bind(org_id).execute(&mut *tx).await?.rows_affected();
            if n > 0 {
                sqlx::query("DELETE FROM sphere_members WHERE user_id = $2 AND sphere_id = \
                     (SELECT champions_sphere_id FROM org_onboarding WHERE org_id = $1) \
                     AND (role <> 'admin' OR (SELECT COUNT(*) FROM sphere_members a WHERE a.sphere_id = sphere_members.sphere_id AND a.role = 'admin') > 1)")
                    .bind(org_id).bind(user_id).execute(&mut *tx).await?;
                let sphere: Option<SphereId> = None;
                sqlx::query(LIVE_MEMBERSHIP).bind(user_id).bind(sphere).bind(crate::now_ms()).execute(&mut *tx).await?;
                crate::outbox::write_effects!(tx, effects, crate::now_ms());
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n > 0)
        }).map_err(Into::into)
    }
}
