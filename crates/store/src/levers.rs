//! What moves people: how many reminders of each kind were followed by an activation, and
//! how teams with a champion fare against teams without one.
use crate::Db;
use crate::db::{Result, with_pool};
use embarq_domain::OrgId;
use embarq_domain::adoption::{ACTIVE_WINDOW_MS, DAY_MS};

/// Reminders of one kind: an automatic step (`step`), or champions' ones (`step` None).
#[derive(Debug, Clone, Copy, sqlx::FromRow)]
pub struct ReminderConversion {
    pub step: Option<i64>,
    pub sent: i64,
    /// Followed by the person's activation within 7 days.
    pub converted: i64,
}

/// People whose manager's team has a champion (the manager or a direct report), or not.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow)]
pub struct TeamGroup {
    pub with_champion: bool,
    pub teams: i64,
    pub people: i64,
    pub activated: i64,
    pub active_7d: i64,
}

/// A reminder converts when its person is activated within this long after it.
pub const CONVERSION_WINDOW_MS: i64 = 7 * DAY_MS;

impl Db {
    /// Reminders per kind, and how many were followed by an activation within 7 days.
    pub async fn analytics_reminder_conversion(
        &self,
        org_id: OrgId,
    ) -> Result<Vec<ReminderConversion>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT n.step, COUNT(*) AS sent, \
             CAST(COALESCE(SUM(CASE WHEN u.activated_at > n.sent_at AND u.activated_at <= n.sent_at + $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS converted \
             FROM nudges n JOIN users u ON u.id = n.user_id WHERE n.org_id = $1 \
             GROUP BY n.step ORDER BY n.step")
            .bind(org_id).bind(CONVERSION_WINDOW_MS).fetch_all(p).await)?)
    }

    /// People who have a manager, by whether their team (the manager and the manager's
    /// direct reports) has a champion: teams, people, activated and active this week.
    pub async fn analytics_champion_teams(
        &self,
        org_id: OrgId,
        now: i64,
    ) -> Result<Vec<TeamGroup>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "WITH championed(lead) AS ( \
               SELECT t.manager_id FROM champions c JOIN users t ON t.id = c.user_id \
               WHERE c.org_id = $1 AND t.manager_id IS NOT NULL \
               UNION SELECT c.user_id FROM champions c WHERE c.org_id = $1) \
             SELECT (ch.lead IS NOT NULL) AS with_champion, COUNT(DISTINCT u.manager_id) AS teams, COUNT(*) AS people, \
             CAST(SUM(CASE WHEN u.activated_at IS NOT NULL THEN 1 ELSE 0 END) AS BIGINT) AS activated, \
             CAST(SUM(CASE WHEN u.last_seen_at >= $2 THEN 1 ELSE 0 END) AS BIGINT) AS active_7d \
             FROM users u LEFT JOIN championed ch ON ch.lead = u.manager_id \
             WHERE u.org_id = $1 AND u.status <> 'deactivated' AND u.manager_id IS NOT NULL \
             GROUP BY 1 ORDER BY 1")
            .bind(org_id).bind(now - ACTIVE_WINDOW_MS).fetch_all(p).await)?)
    }
}
