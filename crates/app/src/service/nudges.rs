//! Reminders to invited members who have not activated: automatic ones on the
//! organization's schedule (a jobs task, exactly once per member and step) and the
//! champions' "remind" action from their worklist (rate-limited, logged).
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr};
use crate::service::accounts;
use crate::state::AppState;
use embarq_domain::UserId;
use embarq_domain::adoption::{self, NudgeSchedule};
use embarq_domain::{OrgId, UserStatus, policy};
use embarq_store::{Db, RemindOutcome, Reminder, StoreError, WorklistItem, now_ms};

/// The organization's schedule (the default one until a manager changes it).
pub async fn schedule(state: &AppState, org_id: OrgId) -> AppResult<NudgeSchedule> {
    Ok(schedule_in(&state.db, org_id).await?)
}

/// [`schedule`], read from `db` (the dashboard's figures are computed from a `Db`).
pub async fn schedule_in(db: &Db, org_id: OrgId) -> Result<NudgeSchedule, StoreError> {
    Ok(match db.nudge_settings(org_id).await? {
        Some((days, max)) => NudgeSchedule::parse(&days, &max.to_string()).unwrap_or_default(),
        None => NudgeSchedule::default(),
    })
}

/// Managers change the schedule ("3, 7" days after the invitation, capped at `max`).
pub async fn set_schedule(
    state: &AppState,
    auth: &Auth,
    days: &str,
    max: &str,
) -> AppResult<NudgeSchedule> {
    crate::auth::Manager::of(auth)?;
    let s = NudgeSchedule::parse(days, max)?;
    state
        .db
        .nudge_set_settings(auth.user.org_id, &s.days_text(), s.max)
        .await?;
    Ok(s)
}

/// Sends automatic reminder `step` to one member, recorded with it; `false` when the person
/// is gone, already reminded or no longer waiting.
async fn send_reminder(state: &AppState, user_id: UserId, step: i64, now: i64) -> AppResult<bool> {
    let Some(u) = state.db.user(user_id).await? else {
        return Ok(false);
    };
    let lang = Lang::of(u.locale.as_deref());
    let reminder = Reminder::Automatic { step };
    let outcome =
        accounts::remind(state, &u, &tr(lang, "nudges-inviter"), lang, &reminder, now).await?;
    Ok(outcome == RemindOutcome::Sent)
}

/// Jobs task: sends every automatic reminder due at `now`; returns how many went out.
pub async fn send_due(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let mut sent = 0;
    for org in state.db.nudge_orgs_with_pending().await? {
        let s = schedule(state, org)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let steps: Vec<i64> = s.steps().map(|(step, _)| step).collect();
        for step in steps {
            let Some((from, until)) = s.window(step) else {
                continue;
            };
            // Each reminder is claimed with its invitation in one transaction: one that fails
            // leaves nothing behind, stops no other, and goes out at the next tick.
            for user_id in state.db.nudge_due(org, step, from, until, now).await? {
                match send_reminder(state, user_id, step, now).await {
                    Ok(true) => sent += 1,
                    Ok(false) => {}
                    Err(e) => {
                        tracing::warn!(error = %e, %user_id, step, "reminder not sent; it goes out at the next tick");
                    }
                }
            }
        }
    }
    Ok(sent)
}

async fn require(state: &AppState, auth: &Auth) -> AppResult<()> {
    let champion = state.db.is_champion(auth.user.id).await?;
    if policy::can_use_worklist(auth.viewer(), champion) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Not-yet-activated colleagues of the champion's department or site (managers: everyone).
pub async fn worklist(
    state: &AppState,
    auth: &Auth,
    search: &str,
    page: i64,
) -> AppResult<Worklist> {
    require(state, auth).await?;
    let everyone = policy::can_manage_org(auth.viewer());
    let page = page.max(1);
    let (items, total) = state
        .db
        .worklist(
            auth.user.org_id,
            everyone,
            auth.user.department.as_deref(),
            auth.user.site.as_deref(),
            search,
            // A page far beyond the end is simply empty.
            (page - 1).saturating_mul(WORKLIST_PAGE),
            WORKLIST_PAGE,
        )
        .await?;
    Ok(Worklist {
        items,
        total,
        page,
        pages: ((total + WORKLIST_PAGE - 1) / WORKLIST_PAGE).max(1),
    })
}

/// Colleagues per page of the worklist.
pub const WORKLIST_PAGE: i64 = 50;

/// One page of the worklist.
pub struct Worklist {
    pub items: Vec<WorklistItem>,
    /// Colleagues to remind on every page (after the search).
    pub total: i64,
    /// From 1.
    pub page: i64,
    pub pages: i64,
}

/// A champion reminds a colleague: the invitation goes out again with a fresh link.
/// At most one reminder per colleague per 24 h and 20 per champion per day (429 beyond).
pub async fn remind(state: &AppState, auth: &Auth, user_id: UserId) -> AppResult<()> {
    require(state, auth).await?;
    let u = state
        .db
        .user_in_org(auth.user.org_id, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let colleague = u.department.is_some() && u.department == auth.user.department
        || u.site.is_some() && u.site == auth.user.site;
    if !policy::can_manage_org(auth.viewer()) && !colleague {
        return Err(AppError::NotFound);
    }
    if u.status != UserStatus::Invited || u.activated_at.is_some() {
        return Err(AppError::Refused("already_active"));
    }
    let reminder = Reminder::Champion {
        sender: auth.user.id,
        per_sender_per_day: adoption::REMIND_PER_SENDER_PER_DAY,
        colleague_every: adoption::REMIND_COLLEAGUE_EVERY_MS,
    };
    let inviter = &auth.user.display_name;
    match accounts::remind(
        state,
        &u,
        inviter,
        Lang::of(u.locale.as_deref()),
        &reminder,
        now_ms(),
    )
    .await?
    {
        RemindOutcome::Sent | RemindOutcome::NotDue => Ok(()),
        RemindOutcome::ColleagueTooSoon => Err(AppError::Limited("nudge_too_soon")),
        RemindOutcome::SenderLimit => Err(AppError::Limited("nudge_daily_limit")),
    }
}
