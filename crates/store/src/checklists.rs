//! Facts behind the checklists: aggregate counts of real actions, per person or for the
//! whole organization in a few queries. `embarq_domain::checklists` decides what they complete.
use crate::Db;
use crate::db::{Result, with_pool};
use embarq_domain::OrgId;
use embarq_domain::UserId;
use embarq_domain::checklists::{MemberFacts, OrgFacts, SphereAdminFacts};

/// One active person's facts, with what decides which checklists they have.
#[derive(Debug, Clone)]
pub struct PersonFacts {
    pub user_id: UserId,
    pub is_manager: bool,
    pub is_champion: bool,
    pub member: MemberFacts,
}

#[derive(sqlx::FromRow)]
struct MemberRow {
    id: UserId,
    org_role: embarq_domain::OrgRole,
    is_champion: bool,
    has_photo: bool,
    has_title: bool,
    spheres_joined: i64,
    posts: i64,
    comments: i64,
    trainings: i64,
    post_spheres: i64,
    in_champions_sphere: bool,
    champions_training: bool,
    reminders_sent: i64,
}

#[derive(sqlx::FromRow)]
struct AdminRow {
    user_id: UserId,
    spheres: i64,
    with_description: i64,
    with_pinned_post: i64,
    with_invited_members: i64,
    pending_requests: i64,
}

// Trainings are events of kind training or webinar; the champions' training is a training
// whose audience is the champions.
const MEMBER_SELECT: &str = "SELECT u.id, u.org_role, \
     EXISTS (SELECT 1 FROM champions ch WHERE ch.user_id = u.id) AS is_champion, \
     (u.photo IS NOT NULL) AS has_photo, \
     (u.title IS NOT NULL AND u.title <> '') AS has_title, \
     (SELECT COUNT(*) FROM sphere_members m WHERE m.user_id = u.id AND NOT m.via_rule) AS spheres_joined, \
     (SELECT COUNT(*) FROM posts p WHERE p.author_id = u.id AND p.status = 'published') AS posts, \
     (SELECT COUNT(*) FROM comments c WHERE c.author_id = u.id) AS comments, \
     (SELECT COUNT(*) FROM event_registrations r JOIN events e ON e.id = r.event_id \
      WHERE r.user_id = u.id AND r.attended_at IS NOT NULL AND e.kind IN ('training', 'webinar')) AS trainings, \
     (SELECT COUNT(DISTINCT p.sphere_id) FROM posts p WHERE p.author_id = u.id AND p.status = 'published') AS post_spheres, \
     EXISTS (SELECT 1 FROM org_onboarding o JOIN sphere_members m ON m.sphere_id = o.champions_sphere_id \
             WHERE o.org_id = u.org_id AND m.user_id = u.id) AS in_champions_sphere, \
     EXISTS (SELECT 1 FROM event_registrations r JOIN events e ON e.id = r.event_id \
             WHERE r.user_id = u.id AND r.attended_at IS NOT NULL AND e.kind = 'training' AND e.audience = 'champions') AS champions_training, \
     (SELECT COUNT(*) FROM nudges n WHERE n.sender_id = u.id) AS reminders_sent \
     FROM users u WHERE u.org_id = $1 AND u.status = 'active'";

const ADMIN_SELECT: &str = "SELECT m.user_id, CAST(COUNT(*) AS BIGINT) AS spheres, \
     CAST(SUM(CASE WHEN s.description <> '' THEN 1 ELSE 0 END) AS BIGINT) AS with_description, \
     CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM posts p WHERE p.sphere_id = s.id AND p.pinned = TRUE AND p.status = 'published') \
          THEN 1 ELSE 0 END) AS BIGINT) AS with_pinned_post, \
     CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM sphere_members o WHERE o.sphere_id = s.id AND o.role <> 'admin') \
          OR EXISTS (SELECT 1 FROM sphere_requests r WHERE r.sphere_id = s.id AND r.kind = 'invitation') THEN 1 ELSE 0 END) AS BIGINT) \
          AS with_invited_members, \
     CAST(SUM(CASE WHEN EXISTS (SELECT 1 FROM sphere_requests r WHERE r.sphere_id = s.id AND r.kind = 'request') \
          THEN 1 ELSE 0 END) AS BIGINT) AS pending_requests \
     FROM sphere_members m JOIN spheres s ON s.id = m.sphere_id JOIN users u ON u.id = m.user_id \
     WHERE s.org_id = $1 AND m.role = 'admin' AND u.status = 'active'";

impl From<MemberRow> for PersonFacts {
    fn from(r: MemberRow) -> Self {
        PersonFacts {
            user_id: r.id,
            is_manager: r.org_role == embarq_domain::OrgRole::Manager,
            is_champion: r.is_champion,
            member: MemberFacts {
                has_photo: r.has_photo,
                has_title: r.has_title,
                spheres_joined: r.spheres_joined,
                posts: r.posts,
                comments: r.comments,
                trainings_attended: r.trainings,
                post_spheres: r.post_spheres,
                in_champions_sphere: r.in_champions_sphere,
                champions_training_attended: r.champions_training,
                reminders_sent: r.reminders_sent,
            },
        }
    }
}

impl From<AdminRow> for (UserId, SphereAdminFacts) {
    fn from(r: AdminRow) -> Self {
        (
            r.user_id,
            SphereAdminFacts {
                spheres: r.spheres,
                with_description: r.with_description,
                with_pinned_post: r.with_pinned_post,
                with_invited_members: r.with_invited_members,
                pending_requests: r.pending_requests,
            },
        )
    }
}

impl Db {
    /// Facts of every active person of the organization, or of one (`only`).
    pub async fn person_facts(
        &self,
        org_id: OrgId,
        only: Option<UserId>,
    ) -> Result<Vec<PersonFacts>> {
        let sql = match only {
            Some(_) => format!("{MEMBER_SELECT} AND u.id = $2"),
            None => MEMBER_SELECT.to_string(),
        };
        let rows: Vec<MemberRow> = with_pool!(self, p => {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org_id);
            let q = match only { Some(id) => q.bind(id), None => q };
            q.fetch_all(p).await
        })?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Per administrator: their spheres counted by what they have.
    pub async fn sphere_admin_facts(
        &self,
        org_id: OrgId,
        only: Option<UserId>,
    ) -> Result<Vec<(UserId, SphereAdminFacts)>> {
        let sql = match only {
            Some(_) => format!("{ADMIN_SELECT} AND m.user_id = $2 GROUP BY m.user_id"),
            None => format!("{ADMIN_SELECT} GROUP BY m.user_id"),
        };
        let rows: Vec<AdminRow> = with_pool!(self, p => {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org_id);
            let q = match only { Some(id) => q.bind(id), None => q };
            q.fetch_all(p).await
        })?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    pub async fn org_facts(&self, org_id: OrgId) -> Result<OrgFacts> {
        let (members, has_rollout_plan, champions, help_delegates, kit_items): (
            i64,
            bool,
            i64,
            i64,
            i64,
        ) = with_pool!(self, p => sqlx::query_as(
                "SELECT (SELECT COUNT(*) FROM users WHERE org_id = $1 AND status <> 'deactivated'), \
                 EXISTS (SELECT 1 FROM rollout_plans WHERE org_id = $1), \
                 (SELECT COUNT(*) FROM champions WHERE org_id = $1), \
                 (SELECT COUNT(*) FROM org_onboarding o JOIN sphere_members m ON m.sphere_id = o.help_sphere_id \
                  JOIN users u ON u.id = m.user_id WHERE o.org_id = $1 AND m.role = 'admin' AND u.org_role <> 'manager'), \
                 (SELECT COUNT(*) FROM starter_kit_items WHERE org_id = $1)")
                .bind(org_id).fetch_one(p).await)?;
        Ok(OrgFacts {
            members,
            has_rollout_plan,
            champions,
            help_delegates,
            kit_items,
        })
    }
}
