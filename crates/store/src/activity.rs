//! Daily activity: one row per person and UTC day with the kinds of things they did
//! (`embarq_domain::activity`), and the adoption figures read from it and from presence.
use crate::db::{Result, with_pool, with_writer};
use crate::{DayCount, Db};
use embarq_domain::activity::WEEKS_KEPT;
use embarq_domain::adoption::DAY_MS;
use embarq_domain::{OrgId, UserId};
use sqlx::AssertSqlSafe;

/// People seen (any request) within a day and 30 days of `now` (the week is the funnel's
/// `active_7d`).
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow)]
pub struct Presence {
    pub day: i64,
    pub month: i64,
}

/// The people activated in one week (`week`: `embarq_domain::activity::cohort_of`), champions
/// or not, and how many of them were active in weeks 1, 2, 4 and 8 after their activation.
#[derive(Debug, Clone, Copy, Default, sqlx::FromRow)]
pub struct CohortRow {
    pub week: i64,
    pub champion: bool,
    /// Attended a training session.
    pub trained: bool,
    pub size: i64,
    pub w1: i64,
    pub w2: i64,
    pub w4: i64,
    pub w8: i64,
}

/// Marks week `(day - activation day) / 7` of person `$1` on day `$2` (weeks up to `$3`).
const MARK_WEEK: &str = "UPDATE users SET active_weeks = active_weeks | \
     (CAST(1 AS BIGINT) << CAST(($2 - activated_at / 86400000) / 7 AS INTEGER)) \
     WHERE id = $1 AND activated_at IS NOT NULL AND $2 >= activated_at / 86400000 \
     AND ($2 - activated_at / 86400000) / 7 < $3";

/// After a bulk load of days: each activated person's active weeks and last visit, from
/// their days (`$1`: the organization, `$2`: weeks kept). `SUM(DISTINCT 2^week)` is the OR of
/// the weeks' bits.
pub(crate) const SUMMARIES: &str = "UPDATE users SET \
     active_weeks = COALESCE((SELECT SUM(DISTINCT CAST(1 AS BIGINT) << CAST((a.day - users.activated_at / 86400000) / 7 AS INTEGER)) \
       FROM daily_activity a WHERE a.user_id = users.id AND a.day >= users.activated_at / 86400000 \
       AND (a.day - users.activated_at / 86400000) / 7 < $2), 0), \
     last_seen_at = COALESCE((SELECT MAX(a.day) * 86400000 FROM daily_activity a WHERE a.user_id = users.id), last_seen_at) \
     WHERE org_id = $1 AND activated_at IS NOT NULL";

/// Counts the people active each day again from their days (after a bulk load).
pub(crate) const TOTALS: &str = "INSERT INTO daily_active_totals (org_id, day, active) \
     SELECT org_id, day, COUNT(*) FROM daily_activity WHERE org_id = $1 GROUP BY org_id, day \
     ON CONFLICT (org_id, day) DO UPDATE SET active = excluded.active";

/// People activated in a week, split by champion and by training, with their active weeks 1, 2, 4 and 8.
fn cohorts_sql() -> String {
    format!(
        "SELECT (u.activated_at / 86400000 + 3) / 7 AS week, \
         (c.user_id IS NOT NULL) AS champion, (t.user_id IS NOT NULL) AS trained, COUNT(*) AS size, \
         CAST(SUM((u.active_weeks >> 1) & 1) AS BIGINT) AS w1, \
         CAST(SUM((u.active_weeks >> 2) & 1) AS BIGINT) AS w2, \
         CAST(SUM((u.active_weeks >> 4) & 1) AS BIGINT) AS w4, \
         CAST(SUM((u.active_weeks >> 8) & 1) AS BIGINT) AS w8 \
         FROM users u LEFT JOIN champions c ON c.user_id = u.id \
         LEFT JOIN (SELECT DISTINCT x.user_id FROM ({}) x) t ON t.user_id = u.id \
         WHERE u.org_id = $1 AND u.activated_at >= $2 AND u.status <> 'deactivated' \
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        crate::adoption::TRAINED
    )
}

impl Db {
    /// Records that `user` did `kinds` (bits) on `day`; answers whether any of them was new
    /// for that day. The day's first activity also marks its week after activation. Two
    /// requests recording at once both succeed: the row's key makes one insert win, and the
    /// other adds its bits.
    pub async fn record_activity(
        &self,
        org: OrgId,
        user: UserId,
        day: i64,
        kinds: i32,
    ) -> Result<bool> {
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let inserted = sqlx::query(
                "INSERT INTO daily_activity (org_id, day, user_id, kinds) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (org_id, day, user_id) DO NOTHING")
                .bind(org).bind(day).bind(user).bind(kinds)
                .execute(&mut *tx).await?.rows_affected() == 1;
            let changed = if inserted {
                sqlx::query(MARK_WEEK).bind(user).bind(day).bind(WEEKS_KEPT).execute(&mut *tx).await?;
                sqlx::query(
                    "INSERT INTO daily_active_totals (org_id, day, active) VALUES ($1, $2, 1) \
                     ON CONFLICT (org_id, day) DO UPDATE SET active = daily_active_totals.active + 1")
                    .bind(org).bind(day).execute(&mut *tx).await?;
                true
            } else {
                sqlx::query(
                    "UPDATE daily_activity SET kinds = kinds | $4 \
                     WHERE org_id = $1 AND day = $2 AND user_id = $3 AND (kinds & $4) <> $4")
                    .bind(org).bind(day).bind(user).bind(kinds)
                    .execute(&mut *tx).await?.rows_affected() == 1
            };
            tx.commit().await?;
            Ok::<_, sqlx::Error>(changed)
        })?)
    }

    /// Forgets people's days before `before_day`, organization by organization along the
    /// key (cheap when there is nothing to forget); the per-day totals stay.
    pub async fn prune_activity(&self, before_day: i64) -> Result<u64> {
        let orgs: Vec<OrgId> = with_pool!(self, p => sqlx::query_scalar("SELECT id FROM organizations")
            .fetch_all(p).await)?;
        let mut total = 0;
        for org in orgs {
            total += with_writer!(self, p => sqlx::query(
                "DELETE FROM daily_activity WHERE org_id = $1 AND day < $2")
                .bind(org).bind(before_day).execute(p).await.map(|r| r.rows_affected()))?;
        }
        Ok(total)
    }

    /// A person's recorded days from `since_day` on, with their kinds (their own export, tests).
    pub async fn activity_of(&self, user: UserId, since_day: i64) -> Result<Vec<(i64, i32)>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT day, kinds FROM daily_activity WHERE user_id = $1 AND day >= $2 ORDER BY day")
            .bind(user).bind(since_day).fetch_all(p).await)?)
    }

    /// Active people per day (`n`) from `since_day` (`day` counts from it).
    pub async fn analytics_active_by_day(
        &self,
        org_id: OrgId,
        since_day: i64,
    ) -> Result<Vec<DayCount>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT day - $2 AS day, active AS n, CAST(0 AS BIGINT) AS m \
             FROM daily_active_totals WHERE org_id = $1 AND day >= $2 ORDER BY day")
            .bind(org_id).bind(since_day).fetch_all(p).await)?)
    }

    /// Members (not deactivated) seen within a day and within 30 days of `now`.
    pub async fn analytics_presence(&self, org_id: OrgId, now: i64) -> Result<Presence> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT CAST(COALESCE(SUM(CASE WHEN last_seen_at >= $2 THEN 1 ELSE 0 END), 0) AS BIGINT) AS day, \
             CAST(COALESCE(SUM(CASE WHEN last_seen_at >= $3 THEN 1 ELSE 0 END), 0) AS BIGINT) AS month \
             FROM users WHERE org_id = $1 AND status <> 'deactivated'")
            .bind(org_id).bind(now - DAY_MS).bind(now - 30 * DAY_MS)
            .fetch_one(p).await)?)
    }

    /// Cohorts of the people activated since `since` (an instant).
    pub async fn analytics_cohorts(&self, org_id: OrgId, since: i64) -> Result<Vec<CohortRow>> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(cohorts_sql);
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(SQL.as_str()))
            .bind(org_id).bind(since).fetch_all(p).await)?,
        )
    }

    /// Gives the activated members of a bench organization (see
    /// `analytics_spread_bench_states`) 90 days of deterministic activity: each is active on
    /// about four days in ten since their activation, reads on those days and posts on one
    /// in five; their active weeks and last visit follow. Done once: answers the rows written.
    pub async fn analytics_spread_bench_activity(&self, org_id: OrgId, now: i64) -> Result<u64> {
        let today = now.div_euclid(DAY_MS);
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let any: Option<i64> = sqlx::query_scalar("SELECT day FROM daily_activity WHERE org_id = $1 LIMIT 1")
                .bind(org_id).fetch_optional(&mut *tx).await?;
            if any.is_some() {
                return Ok(0);
            }
            let written = sqlx::query(
                "WITH RECURSIVE days(d) AS (SELECT 0 UNION ALL SELECT d + 1 FROM days WHERE d < 89), \
                 b AS (SELECT id AS uid, activated_at / 86400000 AS first_day, CAST(SUBSTR(employee_id, 2) AS BIGINT) AS k \
                       FROM users WHERE org_id = $1 AND employee_id LIKE 'B%' AND activated_at IS NOT NULL) \
                 INSERT INTO daily_activity (org_id, day, user_id, kinds) \
                 SELECT $1, $2 - days.d, b.uid, CASE WHEN (b.k + days.d) % 5 = 0 THEN 7 ELSE 3 END \
                 FROM b CROSS JOIN days WHERE $2 - days.d >= b.first_day AND (b.k * 7 + days.d * 3) % 10 < 4")
                .bind(org_id).bind(today).execute(&mut *tx).await?.rows_affected();
            sqlx::query(SUMMARIES).bind(org_id).bind(WEEKS_KEPT).execute(&mut *tx).await?;
            sqlx::query(TOTALS).bind(org_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(written)
        })?)
    }
}
