//! The transactional outbox, application side. Features describe what a change causes as
//! [`Effects`] and hand them to the store with the change (or to [`write`] alone), so both
//! commit together. E-mails then wait in the database for the sender below: it claims a few
//! at a time for a lease (two processes never hold one together), sends them concurrently (a
//! slow SMTP server delays e-mail only, never the scheduler nor a request), deletes each once
//! the server took it, and retries failures with backoff. After the last wait the e-mail is
//! given up and kept in the outbox folder, so nothing is lost. A process that dies while
//! sending leaves the e-mail to be claimed again when its lease ends (at least once: SMTP
//! offers no more).
use crate::error::AppResult;
use crate::state::AppState;
use embarq_domain::Id;
use embarq_store::{Effects, QueuedMail};
use futures::StreamExt;
use std::time::Duration;

/// Waits after the 1st, 2nd... failed attempt of an e-mail or a webhook delivery; after the
/// last one it is given up.
pub const BACKOFF_MS: &[i64] = &[
    60_000,
    5 * 60_000,
    30 * 60_000,
    2 * 3_600_000,
    12 * 3_600_000,
];
/// When to try again after the `attempts`-th failed attempt; `None` once it is given up.
pub fn retry_at(attempts: i64, now: i64) -> Option<i64> {
    usize::try_from(attempts - 1)
        .ok()
        .and_then(|i| BACKOFF_MS.get(i))
        .map(|wait| now + wait)
}

/// How long a claim lasts: well beyond one SMTP exchange (`mail::SMTP_TIMEOUT`).
const LEASE_MS: i64 = 120_000;
/// E-mails claimed per query, and sent at once.
const BATCH: i64 = 20;
const CONCURRENCY: usize = 4;
/// How often the sender looks for due e-mails when nobody wakes it (retries, other processes).
const ROUND: Duration = Duration::from_secs(30);
/// Given-up e-mails are kept this long in the database (they hold personal data).
pub const KEEP_FAILED_MS: i64 = 30 * 24 * 3_600_000;

/// Writes effects on their own, in one transaction; answers the webhook deliveries queued.
pub async fn write(state: &AppState, effects: &Effects) -> AppResult<Vec<Id>> {
    let ids = state.db.write_effects(effects).await?;
    written(state, effects);
    Ok(ids)
}

/// To call once a transaction holding `effects` committed: wakes the sender for its e-mails
/// and webhook deliveries, which then go out within a second instead of at the next round.
pub fn written(state: &AppState, effects: &Effects) {
    // A notification may have queued pushes to the person's devices.
    if !effects.mails.is_empty()
        || !effects.webhooks.is_empty()
        || !effects.notifications.is_empty()
    {
        state.mailer.wake();
    }
}

/// Sends every e-mail due at `now`; answers how many were attempted.
pub async fn send_due(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let mut attempted = 0;
    // Each claimed e-mail leaves the due set (sent, put off past `now`, given up, or still
    // leased if its record failed), so this ends.
    loop {
        let claimed = state.db.mail_claim_due(now, LEASE_MS, BATCH).await?;
        if claimed.is_empty() {
            return Ok(attempted);
        }
        attempted += claimed.len();
        futures::stream::iter(claimed)
            .for_each_concurrent(CONCURRENCY, |m| send_one(state, m, now))
            .await;
    }
}

async fn send_one(state: &AppState, m: QueuedMail, now: i64) {
    let outcome = match state.mailer.message(&m) {
        // An address or header no retry will fix.
        Err(e) => state.db.mail_failed(m.id, None, &e.to_string()).await,
        Ok(msg) => match state.mailer.transmit(&msg).await {
            Ok(()) => state.db.mail_sent(m.id).await,
            Err(e) => {
                let retry = retry_at(m.attempts, now);
                tracing::warn!(error = %e, attempt = m.attempts, given_up = retry.is_none(), "e-mail not sent");
                if retry.is_none()
                    && let Err(e) = state.mailer.keep(&msg).await
                {
                    tracing::error!(error = %e, "could not keep a given-up e-mail");
                }
                state.db.mail_failed(m.id, retry, &e.to_string()).await
            }
        },
    };
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "could not record an e-mail attempt");
    }
}

/// Starts the sender of this process, for e-mails, pushes and webhook deliveries: a round when
/// woken, else every [`ROUND`], until the state shuts down. Webhooks are also delivered on
/// the scheduler's ticks (claims make each go out once whoever takes it); where the
/// scheduler is off (tests driving `jobs::run_due` at chosen instants), so is their
/// delivery here.
pub fn start(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        // The VAPID key pair is made at the first start, before anything is pushed.
        if let Err(e) = crate::service::push::key_pair(&state).await {
            tracing::warn!(error = %e, "could not make the Web Push key");
        }
        loop {
            let now = embarq_store::now_ms();
            let hooks = async {
                if state.config.run_scheduler {
                    crate::service::webhooks::send_due(&state, now).await
                } else {
                    Ok(0)
                }
            };
            let (mails, hooks, pushes) = tokio::join!(
                send_due(&state, now),
                hooks,
                crate::service::push::send_due(&state, now)
            );
            if let Err(e) = pushes {
                tracing::warn!(error = %e, "push sender round failed");
            }
            if let Err(e) = mails {
                tracing::warn!(error = %e, "e-mail sender round failed");
            }
            if let Err(e) = hooks {
                tracing::warn!(error = %e, "webhook sender round failed");
            }
            tokio::select! {
                _ = state.mailer.woken() => {}
                _ = tokio::time::sleep(ROUND) => {}
                _ = state.hub.closed() => break,
            }
        }
    });
}
