//! Adoption: the activation funnel and its daily series (a few aggregate queries, never one
//! query per member), reminders to invited members (automatic, claimed exactly once per
//! member and step, and champions' ones), and contests between sites or departments.
use crate::db::{LOCK_USER, Result, with_pool, with_writer};
use crate::{Db, now_ms};
use embarq_domain::UserId;
use embarq_domain::adoption::{ACTIVE_WINDOW_MS, DAY_MS};
use embarq_domain::{Id, OrgId, SphereId, new_id};
use serde::Serialize;
use sqlx::AssertSqlSafe;

/// Funnel counts of the members sharing one combination of attributes. Each stage counts the
/// members who are at it now, whatever the others (see `STAGES`).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FunnelGroup {
    pub department: Option<String>,
    pub site: Option<String>,
    pub birth_year: Option<i64>,
    pub level: Option<String>,
    pub invited: i64,
    pub activated: i64,
    pub profile_completed: i64,
    pub contributed: i64,
    pub active_7d: i64,
}

/// Funnel counts of one subset of members (champions, training attendees).
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct StageCounts {
    pub invited: i64,
    pub activated: Option<i64>,
    pub profile_completed: Option<i64>,
    pub contributed: Option<i64>,
    pub active_7d: Option<i64>,
}

/// Subsets of members compared with everyone else.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subset {
    /// Confirmed champions.
    Champions,
    /// Members who attended a training session.
    Trained,
}

/// The people of organization `$1` who attended a training session (or any event whose
/// attendance was taken).
pub(crate) const TRAINED: &str = "SELECT r.user_id FROM event_registrations r JOIN events e ON e.id = r.event_id \
     WHERE e.org_id = $1 AND r.attended_at IS NOT NULL";

/// One day of the series; `day` counts from the first day of the window.
#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct DayCount {
    pub day: i64,
    pub n: i64,
    pub m: i64,
}

#[derive(Debug, Clone, Default, sqlx::FromRow)]
pub struct ReminderStats {
    pub reminded: i64,
    pub activated_after: Option<i64>,
}

/// An invited colleague on a champion's worklist.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct WorklistItem {
    pub id: UserId,
    pub display_name: String,
    pub email: String,
    pub department: Option<String>,
    pub site: Option<String>,
    pub invitation_sent_at: Option<i64>,
    pub last_reminded_at: Option<i64>,
    pub reminders: i64,
}

/// A reminder to an invited member: an automatic step of the schedule, or a champion's.
#[derive(Debug, Clone, Copy)]
pub enum Reminder {
    Automatic {
        step: i64,
    },
    Champion {
        sender: UserId,
        per_sender_per_day: i64,
        colleague_every: i64,
    },
}

/// Why a reminder was or was not recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RemindOutcome {
    Sent,
    /// An automatic reminder already sent, or to someone no longer waiting.
    NotDue,
    ColleagueTooSoon,
    SenderLimit,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Contest {
    pub id: Id,
    pub org_id: OrgId,
    pub name: String,
    pub dimension: String,
    pub metric: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_by: UserId,
    pub created_at: i64,
    pub winner: Option<String>,
    pub winner_announced_at: Option<i64>,
}

pub struct NewContest<'a> {
    pub org_id: OrgId,
    pub name: &'a str,
    pub dimension: &'a str,
    pub metric: &'a str,
    pub starts_at: i64,
    pub ends_at: i64,
    pub created_by: UserId,
}

/// A site or department in a contest (`team` None: members without that attribute).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TeamCounts {
    pub team: Option<String>,
    pub headcount: i64,
    pub activated: i64,
    /// Activated during the contest.
    pub activated_during: i64,
    pub contributions: i64,
}

/// The stage rules in SQL, each on its own (a profile can be completed by the HR import before
/// its person ever comes, and an active person need not have a photo); `profile completed`
/// mirrors `adoption::profile_completed` (a photo and a non-blank title; `photo_type` is set
/// with the photo and, unlike the bytes, lives in the `users_adoption` index, so the funnel
/// reads the index only). "Active" is presence: seen since `$2`.
const STAGES: &str = "COUNT(*) AS invited, \
     SUM(CASE WHEN u.activated_at IS NOT NULL THEN 1 ELSE 0 END) AS activated, \
     SUM(CASE WHEN u.photo_type IS NOT NULL AND TRIM(COALESCE(u.title, '')) <> '' THEN 1 ELSE 0 END) AS profile_completed, \
     SUM(CASE WHEN u.first_contribution_at IS NOT NULL THEN 1 ELSE 0 END) AS contributed, \
     SUM(CASE WHEN u.last_seen_at >= $2 THEN 1 ELSE 0 END) AS active_7d";

const CONTEST_COLUMNS: &str = "id, org_id, name, dimension, metric, starts_at, ends_at, created_by, created_at, winner, winner_announced_at";

/// The users column a contest or worklist dimension reads (a whitelist: never user text in SQL).
fn team_column(dimension: &str) -> &'static str {
    if dimension == "site" {
        "site"
    } else {
        "department"
    }
}

impl Db {
    /// The funnel of every member who is not deactivated, grouped by the attributes the
    /// dashboard breaks down by (in `users_adoption` index order: no sort); the caller folds
    /// the groups per breakdown.
    pub async fn analytics_funnel(&self, org_id: OrgId, now: i64) -> Result<Vec<FunnelGroup>> {
        let sql = format!(
            "SELECT u.department, u.site, u.birth_year, u.level, {STAGES} \
             FROM users u WHERE u.org_id = $1 AND u.status <> 'deactivated' \
             GROUP BY u.department, u.site, u.birth_year, u.level"
        );
        let since = now - ACTIVE_WINDOW_MS;
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(org_id).bind(since).fetch_all(p).await)?,
        )
    }

    /// The funnel of a (small) subset of members; "the others" are everyone minus them.
    pub async fn analytics_subset(
        &self,
        org_id: OrgId,
        now: i64,
        subset: Subset,
    ) -> Result<StageCounts> {
        let members = match subset {
            Subset::Champions => "SELECT c.user_id FROM champions c WHERE c.org_id = $1",
            Subset::Trained => TRAINED,
        };
        let sql = format!(
            "SELECT {STAGES} FROM users u WHERE u.org_id = $1 AND u.status <> 'deactivated' AND u.id IN ({members})"
        );
        let since = now - ACTIVE_WINDOW_MS;
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(org_id).bind(since).fetch_one(p).await)?,
        )
    }

    /// Activations per day since `since` (`n`).
    pub async fn analytics_activations_by_day(
        &self,
        org_id: OrgId,
        since: i64,
    ) -> Result<Vec<DayCount>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT (activated_at - $2) / 86400000 AS day, COUNT(*) AS n, CAST(0 AS BIGINT) AS m FROM users \
             WHERE org_id = $1 AND activated_at >= $2 AND status <> 'deactivated' GROUP BY 1 ORDER BY 1")
            .bind(org_id).bind(since).fetch_all(p).await)?)
    }

    /// Contributions (posts and comments, `n`) and distinct contributors (`m`) per day since
    /// `since` (a UTC midnight), from the table the database keeps per person and day.
    pub async fn analytics_contributions_by_day(
        &self,
        org_id: OrgId,
        since: i64,
    ) -> Result<Vec<DayCount>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT day - $2 / 86400000 AS day, CAST(SUM(n) AS BIGINT) AS n, COUNT(*) AS m FROM daily_contributions \
             WHERE org_id = $1 AND day >= $2 / 86400000 GROUP BY day ORDER BY day")
            .bind(org_id).bind(since).fetch_all(p).await)?)
    }

    /// Members reminded at least once, and how many of them activated after their first reminder.
    pub async fn analytics_reminders(&self, org_id: OrgId) -> Result<ReminderStats> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT COUNT(*) AS reminded, SUM(CASE WHEN u.activated_at > f.first_at THEN 1 ELSE 0 END) AS activated_after \
             FROM (SELECT user_id, MIN(sent_at) AS first_at FROM nudges WHERE org_id = $1 GROUP BY user_id) f \
             JOIN users u ON u.id = f.user_id")
            .bind(org_id).fetch_one(p).await)?)
    }

    /// Sets the adoption timestamps of a member (used by the bench and tests).
    pub async fn analytics_set_times(
        &self,
        user_id: UserId,
        invitation_sent_at: Option<i64>,
        activated_at: Option<i64>,
        last_seen_at: Option<i64>,
    ) -> Result<()> {
        with_writer!(self, p => sqlx::query(
            "UPDATE users SET invitation_sent_at = $2, activated_at = $3, last_seen_at = $4 WHERE id = $1")
            .bind(user_id).bind(invitation_sent_at).bind(activated_at).bind(last_seen_at).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Gives every member of a bench organization a deterministic adoption state: about
    /// 70 % activated over the last 90 days, half of them with photo and title, a third
    /// seen in the last week. Returns the members touched.
    pub async fn analytics_spread_bench_states(&self, org_id: OrgId, now: i64) -> Result<u64> {
        let photo: &[u8] = b"bench";
        Ok(with_writer!(self, p => sqlx::query(
            "UPDATE users SET \
               invitation_sent_at = created_at, \
               activated_at = CASE WHEN employee_num % 10 < 7 THEN $2 - (employee_num % 90) * 86400000 ELSE NULL END, \
               last_seen_at = CASE WHEN employee_num % 10 < 7 THEN $2 - (employee_num % 21) * 86400000 ELSE NULL END, \
               title = CASE WHEN employee_num % 2 = 0 THEN 'Chargé de mission' ELSE NULL END, \
               photo = CASE WHEN employee_num % 4 < 2 THEN $3 ELSE NULL END, \
               photo_type = CASE WHEN employee_num % 4 < 2 THEN 'image/png' ELSE NULL END \
             FROM (SELECT id AS uid, CAST(SUBSTR(employee_id, 2) AS BIGINT) AS employee_num FROM users \
                   WHERE org_id = $1 AND employee_id LIKE 'B%') b \
             WHERE users.id = b.uid")
            .bind(org_id).bind(now).bind(photo).execute(p).await.map(|r| r.rows_affected()))?)
    }

    // ---- reminders ----

    /// The organization's reminder schedule (`days` text, cap), if it was changed.
    pub async fn nudge_settings(&self, org_id: OrgId) -> Result<Option<(String, i64)>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT days, max_reminders FROM nudge_settings WHERE org_id = $1").bind(org_id).fetch_optional(p).await)?)
    }

    pub async fn nudge_set_settings(&self, org_id: OrgId, days: &str, max: i64) -> Result<()> {
        with_writer!(self, p => sqlx::query(
            "INSERT INTO nudge_settings (org_id, days, max_reminders, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (org_id) DO UPDATE SET days = excluded.days, max_reminders = excluded.max_reminders, \
             updated_at = excluded.updated_at")
            .bind(org_id).bind(days).bind(max).bind(now_ms()).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Organizations with members still waiting to activate after an invitation went out.
    pub async fn nudge_orgs_with_pending(&self) -> Result<Vec<OrgId>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT DISTINCT org_id FROM users WHERE status = 'invited' AND invitation_sent_at IS NOT NULL")
            .fetch_all(p).await)?)
    }

    /// Invited members due for automatic reminder `step` at `now` (their invitation is
    /// between `from` and `until` old) who have not had it.
    pub async fn nudge_due(
        &self,
        org_id: OrgId,
        step: i64,
        from: i64,
        until: Option<i64>,
        now: i64,
    ) -> Result<Vec<UserId>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT u.id FROM users u \
             WHERE u.org_id = $1 AND u.status = 'invited' AND u.activated_at IS NULL \
               AND u.invitation_sent_at IS NOT NULL AND u.invitation_sent_at + $3 <= $5 \
               AND ($4 < 0 OR u.invitation_sent_at + $4 > $5) \
               AND NOT EXISTS (SELECT 1 FROM nudges n WHERE n.user_id = u.id AND n.step = $2) \
             ORDER BY u.id")
            .bind(org_id).bind(step).bind(from).bind(until.unwrap_or(-1)).bind(now).fetch_all(p).await)?)
    }

    /// Invited colleagues not yet activated: the whole organization when `everyone`,
    /// otherwise those sharing the department or the site; those whose name or address
    /// contains `search` (any case), `limit` of them from `offset` by name, and how many
    /// there are in all.
    #[allow(clippy::too_many_arguments, reason = "one query's parameters")]
    pub async fn worklist(
        &self,
        org_id: OrgId,
        everyone: bool,
        department: Option<&str>,
        site: Option<&str>,
        search: &str,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<WorklistItem>, i64)> {
        const SCOPE: &str = "FROM users u WHERE u.org_id = $1 AND u.status = 'invited' AND u.activated_at IS NULL \
             AND ($2 OR u.department = $3 OR u.site = $4) \
             AND ($5 = '' OR lower(u.display_name) LIKE $6 ESCAPE '\\' OR lower(u.email) LIKE $6 ESCAPE '\\')";
        let search = search.trim();
        let pattern = crate::directory::contains_pattern(search);
        let items_sql = format!(
            "SELECT u.id, u.display_name, u.email, u.department, u.site, u.invitation_sent_at, \
             (SELECT MAX(n.sent_at) FROM nudges n WHERE n.user_id = u.id) AS last_reminded_at, \
             (SELECT COUNT(*) FROM nudges n WHERE n.user_id = u.id) AS reminders \
             {SCOPE} ORDER BY lower(u.display_name), u.id LIMIT $7 OFFSET $8"
        );
        let count_sql = format!("SELECT COUNT(*) {SCOPE}");
        Ok(with_pool!(self, p => {
            let items: Vec<WorklistItem> = sqlx::query_as(AssertSqlSafe(items_sql))
                .bind(org_id).bind(everyone).bind(department).bind(site).bind(search).bind(&pattern)
                .bind(limit).bind(offset).fetch_all(p).await?;
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(count_sql))
                .bind(org_id).bind(everyone).bind(department).bind(site).bind(search).bind(&pattern)
                .fetch_one(p).await?;
            Ok::<_, sqlx::Error>((items, total))
        })?)
    }

    /// Records a reminder to `user_id` together with the invitation it sends (a new one-time
    /// link and its e-mail, `effects`), in one transaction: a reminder is counted if and only
    /// if its invitation is stored. An automatic one is recorded once per member and step
    /// (the unique row is the claim, so concurrent processes never send it twice) and only
    /// while the member is still invited; a champion's one unless the colleague was reminded
    /// in the last 24 h or the sender reached the daily cap, both checked under row locks.
    /// The reminder is dated `now`.
    pub async fn remind_with_invitation(
        &self,
        org_id: OrgId,
        user_id: UserId,
        reminder: &Reminder,
        token: (&str, i64),
        effects: &crate::Effects,
        now: i64,
    ) -> Result<RemindOutcome> {
        let clock = now_ms();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            match *reminder {
                Reminder::Automatic { step } => {
                    let claimed: Option<Id> = sqlx::query_scalar(
                        "INSERT INTO nudges (org_id, user_id, step, sender_id, sent_at) \
                         SELECT u.org_id, u.id, $3, NULL, $4 FROM users u \
                         WHERE u.org_id = $1 AND u.id = $2 AND u.status = 'invited' AND u.activated_at IS NULL \
                         ON CONFLICT (user_id, step) DO NOTHING RETURNING user_id")
                        .bind(org_id).bind(user_id).bind(step).bind(now).fetch_optional(&mut *tx).await?;
                    if claimed.is_none() {
                        return Ok(RemindOutcome::NotDue);
                    }
                }
                Reminder::Champion { sender, per_sender_per_day, colleague_every } => {
                    // The sender's and the colleague's rows are locked (in id order, so two
                    // reminders never wait on each other) before counting: under READ
                    // COMMITTED a concurrent reminder waits here, then counts this one's row.
                    let mut locks = [sender, user_id];
                    locks.sort();
                    for id in locks {
                        sqlx::query(LOCK_USER).bind(id).execute(&mut *tx).await?;
                    }
                    let recent: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM nudges WHERE user_id = $1 AND sent_at > $2")
                        .bind(user_id).bind(now - colleague_every).fetch_one(&mut *tx).await?;
                    if recent > 0 {
                        return Ok(RemindOutcome::ColleagueTooSoon);
                    }
                    let mine: i64 = sqlx::query_scalar(
                        "SELECT COUNT(*) FROM nudges WHERE sender_id = $1 AND sent_at > $2")
                        .bind(sender).bind(now - DAY_MS).fetch_one(&mut *tx).await?;
                    if mine >= per_sender_per_day {
                        return Ok(RemindOutcome::SenderLimit);
                    }
                    sqlx::query("INSERT INTO nudges (org_id, user_id, step, sender_id, sent_at) VALUES ($1, $2, NULL, $3, $4)")
                        .bind(org_id).bind(user_id).bind(sender).bind(now).execute(&mut *tx).await?;
                }
            }
            crate::sessions::insert_one_time_token!(tx, token.0, user_id, "invite", clock, token.1);
            crate::outbox::write_effects!(tx, effects, clock);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(RemindOutcome::Sent)
        })?)
    }

    // ---- contests ----

    pub async fn contest_create(&self, c: &NewContest<'_>) -> Result<Id> {
        let id = new_id();
        with_writer!(self, p => sqlx::query(
            "INSERT INTO contests (id, org_id, name, dimension, metric, starts_at, ends_at, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(id).bind(c.org_id).bind(c.name).bind(c.dimension).bind(c.metric).bind(c.starts_at)
            .bind(c.ends_at).bind(c.created_by).bind(now_ms()).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(id)
    }

    /// Contests of the organization, latest ending first.
    pub async fn contests(&self, org_id: OrgId) -> Result<Vec<Contest>> {
        let sql = format!(
            "SELECT {CONTEST_COLUMNS} FROM contests WHERE org_id = $1 ORDER BY ends_at DESC, id DESC LIMIT 100"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(org_id).fetch_all(p).await)?,
        )
    }

    pub async fn contest(&self, org_id: OrgId, id: Id) -> Result<Option<Contest>> {
        let sql = format!("SELECT {CONTEST_COLUMNS} FROM contests WHERE org_id = $1 AND id = $2");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(org_id).bind(id).fetch_optional(p).await)?,
        )
    }

    /// Headcount, activated members (by the end) and contributions during `[from, to)` per
    /// site or department.
    pub async fn contest_teams(
        &self,
        org_id: OrgId,
        dimension: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<TeamCounts>> {
        let col = team_column(dimension);
        let sql = format!(
            "SELECT u.{col} AS team, COUNT(*) AS headcount, \
             SUM(CASE WHEN u.activated_at IS NOT NULL AND u.activated_at < $3 THEN 1 ELSE 0 END) AS activated, \
             SUM(CASE WHEN u.activated_at >= $2 AND u.activated_at < $3 THEN 1 ELSE 0 END) AS activated_during, \
             CAST(COALESCE(SUM(w.n), 0) AS BIGINT) AS contributions \
             FROM users u LEFT JOIN (SELECT x.author_id, COUNT(*) AS n FROM ( \
                 SELECT po.author_id FROM posts po WHERE po.org_id = $1 AND po.created_at >= $2 AND po.created_at < $3 \
                 UNION ALL \
                 SELECT c.author_id FROM comments c JOIN posts cp ON cp.id = c.post_id \
                 WHERE cp.org_id = $1 AND c.created_at >= $2 AND c.created_at < $3) x GROUP BY x.author_id) w \
               ON w.author_id = u.id \
             WHERE u.org_id = $1 AND u.status <> 'deactivated' GROUP BY u.{col}"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(org_id).bind(from).bind(to).fetch_all(p).await)?,
        )
    }

    /// What each site or department did on each day of `[from, to)` (day 0 starts at
    /// `from`): activations and contributions, counted as [`Db::contest_teams`] counts them.
    pub async fn contest_days(
        &self,
        org_id: OrgId,
        dimension: &str,
        from: i64,
        to: i64,
    ) -> Result<Vec<embarq_domain::adoption::TeamDay>> {
        let col = team_column(dimension);
        let sql = format!(
            "SELECT x.team, x.day, CAST(SUM(x.a) AS BIGINT) AS activations, CAST(SUM(x.c) AS BIGINT) AS contributions FROM ( \
               SELECT u.{col} AS team, (u.activated_at - $2) / {DAY_MS} AS day, 1 AS a, 0 AS c FROM users u \
               WHERE u.org_id = $1 AND u.status <> 'deactivated' AND u.activated_at >= $2 AND u.activated_at < $3 \
               UNION ALL \
               SELECT u.{col}, (po.created_at - $2) / {DAY_MS}, 0, 1 FROM posts po JOIN users u ON u.id = po.author_id \
               WHERE po.org_id = $1 AND po.created_at >= $2 AND po.created_at < $3 AND u.status <> 'deactivated' \
               UNION ALL \
               SELECT u.{col}, (c.created_at - $2) / {DAY_MS}, 0, 1 FROM comments c JOIN posts cp ON cp.id = c.post_id \
               JOIN users u ON u.id = c.author_id \
               WHERE cp.org_id = $1 AND c.created_at >= $2 AND c.created_at < $3 AND u.status <> 'deactivated' \
             ) x GROUP BY x.team, x.day"
        );
        let rows: Vec<(Option<String>, i64, i64, i64)> = with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(org_id).bind(from).bind(to).fetch_all(p).await)?;
        Ok(rows
            .into_iter()
            .map(
                |(team, day, activations, contributions)| embarq_domain::adoption::TeamDay {
                    team,
                    day,
                    activations,
                    contributions,
                },
            )
            .collect())
    }

    /// Claims the ended contests whose winner is not announced yet (exactly once across processes).
    pub async fn contest_claim_ended(&self, now: i64) -> Result<Vec<Contest>> {
        let sql = format!(
            "UPDATE contests SET winner_announced_at = $1 WHERE winner_announced_at IS NULL AND ends_at <= $1 \
             RETURNING {CONTEST_COLUMNS}"
        );
        Ok(with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(now).fetch_all(p).await)?)
    }

    pub async fn contest_set_winner(&self, id: Id, winner: &str) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE contests SET winner = $2 WHERE id = $1")
            .bind(id).bind(winner).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Active members of the organization (recipients of organization-wide announcements).
    pub async fn contest_audience(&self, org_id: OrgId) -> Result<Vec<UserId>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT id FROM users WHERE org_id = $1 AND status = 'active'").bind(org_id).fetch_all(p).await)?)
    }

    /// Where announcements go: the help sphere when set, otherwise the oldest open sphere.
    pub async fn contest_announcement_sphere(&self, org_id: OrgId) -> Result<Option<SphereId>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT s.id FROM spheres s WHERE s.org_id = $1 AND (s.id IN (SELECT help_sphere_id FROM org_onboarding WHERE org_id = $1) \
             OR s.kind = 'open') ORDER BY CASE WHEN s.id IN (SELECT help_sphere_id FROM org_onboarding WHERE org_id = $1) THEN 0 ELSE 1 END, \
             s.created_at, s.id LIMIT 1").bind(org_id).fetch_optional(p).await)?)
    }
}
