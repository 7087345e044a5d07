//! Scheduled work. Every server process ticks; each task claims its work atomically in the
//! database (`UPDATE ... WHERE done IS NULL RETURNING`), so a piece of work happens exactly
//! once however many processes run. Tasks take `now` so tests can run them at any instant.
use crate::state::AppState;
use std::time::Duration;

/// How often each process looks for due work.
pub const TICK: Duration = Duration::from_secs(30);

/// What one pass did, task by task (for logs and tests).
#[derive(Debug, Default, Clone)]
pub struct Report {
    pub done: Vec<(&'static str, usize)>,
}

impl Report {
    pub fn count(&self, task: &str) -> usize {
        self.done
            .iter()
            .filter(|(t, _)| *t == task)
            .map(|(_, n)| n)
            .sum()
    }
}

/// Runs one task into `report`; a failure is logged and does not stop the others.
macro_rules! task {
    ($report:ident, $name:literal, $call:expr) => {
        match $call.await {
            Ok(n) => $report.done.push(($name, n)),
            Err(e) => tracing::warn!(task = $name, error = %e, "scheduled task failed"),
        }
    };
}

/// Runs every task that is due at `now` (epoch ms). A failing task is logged and does not
/// stop the others.
pub async fn run_due(state: &AppState, now: i64) -> Report {
    let mut report = Report::default();
    task!(report, "prune_live_events", prune_live_events(state, now));
    task!(report, "prune_mail_outbox", prune_mail_outbox(state, now));
    task!(report, "prune_activity", prune_activity(state, now));
    report.done.extend(rollout_due(state, now).await.done);
    task!(
        report,
        "training_reminders",
        crate::service::events::send_due_reminders(state, now)
    );
    task!(
        report,
        "nudges",
        crate::service::nudges::send_due(state, now)
    );
    task!(
        report,
        "message_mails",
        crate::service::messages::mail_unread(state, now)
    );
    task!(
        report,
        "contest_winners",
        crate::service::contests::announce_winners(state, now)
    );
    task!(
        report,
        "digests",
        crate::service::digests::send_due(state, now)
    );
    task!(
        report,
        "webhooks",
        crate::service::webhooks::send_due(state, now)
    );
    task!(
        report,
        "gdpr_retention",
        crate::service::gdpr::apply_retention(state, now)
    );
    // Onboarding tasks register here (rollout invitations, launch announcement, reminders,
    // nudges, contest results...).
    report
}

/// The rollout's due work: invitations as access opens, the launch announcement and the
/// phase-change webhook (queued before `run_due` sends webhooks). Also run at once when a
/// manager opens early access or launches now.
pub async fn rollout_due(state: &AppState, now: i64) -> Report {
    let mut report = Report::default();
    task!(
        report,
        "rollout_invitations",
        crate::service::rollout::send_due_invitations(state, now)
    );
    task!(
        report,
        "rollout_announcement",
        crate::service::rollout::publish_due_announcements(state, now)
    );
    task!(
        report,
        "rollout_phase",
        crate::service::webhooks::announce_phase_changes(state, now)
    );
    report
}

async fn prune_live_events(state: &AppState, _now: i64) -> anyhow::Result<usize> {
    Ok(state.db.prune_live_events(24 * 3600 * 1000).await? as usize)
}

async fn prune_activity(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let today = embarq_domain::activity::day_of(now);
    let before = today - embarq_domain::activity::DAYS_KEPT;
    Ok(state.db.prune_activity(before).await? as usize)
}

async fn prune_mail_outbox(state: &AppState, _now: i64) -> anyhow::Result<usize> {
    let mails = state
        .db
        .prune_mail_outbox(crate::outbox::KEEP_FAILED_MS)
        .await?;
    let pushes = state
        .db
        .prune_push_outbox(crate::service::push::KEEP_FAILED_MS)
        .await?;
    Ok((mails + pushes) as usize)
}

/// Starts what runs beside the requests: the live-update listener (PostgreSQL), the e-mail
/// sender and, unless `run_scheduler` is off, the scheduler's tick, until the state shuts
/// down.
pub async fn start(state: &AppState) -> anyhow::Result<()> {
    state.hub.start(&state.db).await?;
    // E-mail goes out from every process (claims keep it single), beside the scheduler.
    crate::outbox::start(state);
    if !state.config.run_scheduler {
        return Ok(());
    }
    let state = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(TICK);
        loop {
            tokio::select! {
                _ = tick.tick() => {
                    let report = run_due(&state, embarq_store::now_ms()).await;
                    tracing::debug!(?report, "scheduled work");
                }
                _ = state.hub.closed() => break,
            }
        }
    });
    Ok(())
}
