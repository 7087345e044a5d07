//! Recording what people do, for the adoption figures. Each process remembers what it
//! already recorded today for each person, so a request costs one lookup in memory and the
//! database is written at most once per person, day and kind (per process).
use crate::auth::Auth;
use crate::state::AppState;
use embarq_domain::UserId;
use embarq_domain::activity::{Activity, day_of};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What this process recorded today, per person: the day and its kinds (bits).
#[derive(Debug, Clone, Default)]
pub struct Recorded(Arc<Mutex<HashMap<UserId, (i64, i32)>>>);

impl Recorded {
    /// Claims the bit of `kind` for `user` on `day`: `true` if it was not recorded yet.
    fn claim(&self, user: UserId, day: i64, kind: Activity) -> bool {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map.entry(user).or_insert((day, 0));
        if entry.0 != day {
            *entry = (day, 0);
        }
        let new = entry.1 & kind.bit() == 0;
        entry.1 |= kind.bit();
        new
    }

    /// Gives the bit back after a failed write, so the next request tries again.
    fn release(&self, user: UserId, day: i64, kind: Activity) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = map.get_mut(&user).filter(|e| e.0 == day) {
            entry.1 &= !kind.bit();
        }
    }
}

/// Records that the signed-in person did `kind` now. Never fails the request: a write that
/// fails is logged and tried again at the person's next request.
pub async fn record(state: &AppState, auth: &Auth, kind: Activity) {
    if !state.config.record_activity {
        return;
    }
    let day = day_of(embarq_store::now_ms());
    let user = auth.user.id;
    if !state.activity.claim(user, day, kind) {
        return;
    }
    if let Err(e) = state
        .db
        .record_activity(auth.user.org_id, user, day, kind.bit())
        .await
    {
        state.activity.release(user, day, kind);
        tracing::warn!(error = %e, "could not record activity");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_is_claimed_once_a_day() {
        let r = Recorded::default();
        let u = UserId::generate();
        assert!(r.claim(u, 10, Activity::Visited));
        assert!(!r.claim(u, 10, Activity::Visited));
        assert!(r.claim(u, 10, Activity::Read));
        r.release(u, 10, Activity::Read);
        assert!(r.claim(u, 10, Activity::Read));
        assert!(r.claim(u, 11, Activity::Visited));
    }
}
