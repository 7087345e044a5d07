//! The organization's time zone: due dates, polls' closing dates and "today" are calendar
//! dates there.
use crate::auth::Auth;
use crate::error::AppResult;
use crate::state::AppState;
use chrono::NaiveDate;
use chrono_tz::Tz;
use embarq_domain::OrgId;
use embarq_domain::recurrence::{DEFAULT_TIME_ZONE, ms_to_local, parse_zone};
use embarq_store::now_ms;

/// The rollout plan's zone, Europe/Paris by default.
pub async fn org_zone(state: &AppState, org_id: OrgId) -> AppResult<Tz> {
    let plan = state.db.rollout_plan(org_id).await?;
    Ok(plan
        .and_then(|p| parse_zone(&p.time_zone))
        .or_else(|| parse_zone(DEFAULT_TIME_ZONE))
        .unwrap_or(chrono_tz::UTC))
}

/// The zone `auth`'s reader sees times in: their own choice, else their browser's, else the
/// organization's.
pub async fn reader_zone(state: &AppState, auth: &Auth) -> AppResult<Tz> {
    let own = auth.user.time_zone.as_deref().and_then(parse_zone);
    match own.or(auth.browser_zone) {
        Some(tz) => Ok(tz),
        None => org_zone(state, auth.user.org_id).await,
    }
}

/// Today's date in the organization's zone.
pub async fn today(state: &AppState, org_id: OrgId) -> AppResult<NaiveDate> {
    let tz = org_zone(state, org_id).await?;
    Ok(ms_to_local(tz, now_ms()).date())
}
