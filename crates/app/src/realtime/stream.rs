//! One person's live stream (served as `GET /events` by the HTTP layer). Each message
//! carries its sequence number as id, so a reconnecting browser resumes with Last-Event-ID
//! and receives what it missed once.
use super::Hub;
use crate::auth::Auth;
use crate::error::AppResult;
use crate::state::AppState;
use embarq_domain::UserId;
use embarq_store::{LIVE_PAGE, LiveEvent};
use futures::Stream;
use std::collections::{HashSet, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use tokio::sync::{mpsc, watch};

/// Events a reconnecting page receives at most from the table; a page away longer reloads.
const CATCH_UP_MAX: usize = 2_000;

/// Kinds pages act on; the others only steer routing.
pub(super) fn forwarded(kind: &str) -> bool {
    !matches!(kind, "membership" | "members" | "revoked")
}

/// Kinds that change the person's unread count (sent along, so the badge needs no request).
fn personal(kind: &str) -> bool {
    matches!(kind, "notification" | "message")
}

struct Conn {
    state: AppState,
    user: UserId,
    rx: mpsc::Receiver<Arc<LiveEvent>>,
    behind: Arc<AtomicBool>,
    closed: watch::Receiver<bool>,
    _registration: super::Registration,
    /// Events read from the table that may also come through the channel: sent once.
    read: HashSet<i64>,
    ready: VecDeque<Arc<LiveEvent>>,
    last: i64,
}

/// One message of a live stream: its sequence number, its kind and a small JSON body.
pub struct LiveMessage {
    pub id: String,
    pub kind: String,
    pub data: String,
}

/// Opens `auth`'s live stream, resuming after sequence number `resume` when given.
pub async fn subscribe(
    state: &AppState,
    auth: &Auth,
    resume: Option<i64>,
) -> AppResult<impl Stream<Item = LiveMessage> + use<>> {
    let user = auth.user.id;
    // Registered before anything is read: an event committed from now on comes through the
    // channel, one committed before is in the table; `read` sends the overlap once.
    let spheres = state.db.live_spheres(user).await?;
    let hub: &Hub = &state.hub;
    let (registration, rx, behind) = hub.register(user, spheres);
    let closed = hub.inner.closed.subscribe();
    let mut conn = Conn {
        state: state.clone(),
        user,
        rx,
        behind,
        closed,
        _registration: registration,
        read: HashSet::new(),
        ready: VecDeque::new(),
        last: 0,
    };
    if let Some(seq) = resume {
        conn.last = seq;
        conn.catch_up().await?;
    }
    Ok(futures::stream::unfold(conn, |mut c| async move {
        let e = c.next().await?;
        let m = c.message(&e).await;
        Some((m, c))
    }))
}

impl Conn {
    /// Reads what the person may see after `last` from the table (bounded).
    async fn catch_up(&mut self) -> AppResult<()> {
        self.read.clear();
        let mut cursor = self.last;
        while self.ready.len() < CATCH_UP_MAX {
            let page = self.state.db.live_events_after(self.user, cursor).await?;
            let full = page.len() as i64 >= LIVE_PAGE;
            for e in page {
                cursor = e.seq;
                self.read.insert(e.seq);
                if forwarded(&e.kind) {
                    self.ready.push_back(Arc::new(e));
                }
            }
            if !full {
                break;
            }
        }
        Ok(())
    }

    /// The next event to send; `None` when the server shuts down or the page went away.
    async fn next(&mut self) -> Option<Arc<LiveEvent>> {
        loop {
            if let Some(e) = self.ready.pop_front() {
                self.last = self.last.max(e.seq);
                return Some(e);
            }
            if self.behind.swap(false, Ordering::AcqRel) {
                // Its buffer overflowed: what is still queued is dropped and read again.
                while self.rx.try_recv().is_ok() {}
                if self.catch_up().await.is_err() {
                    return None;
                }
                continue;
            }
            tokio::select! {
                e = self.rx.recv() => {
                    let e = e?;
                    if !self.read.remove(&e.seq) {
                        self.ready.push_back(e);
                    }
                }
                _ = self.closed.changed() => return None,
            }
        }
    }

    async fn message(&self, e: &LiveEvent) -> LiveMessage {
        let mut data = serde_json::json!({ "kind": e.kind, "ref": e.ref_id });
        if personal(&e.kind) {
            data["unread"] = self
                .state
                .db
                .unread_count(self.user)
                .await
                .unwrap_or(0)
                .into();
        }
        if e.kind == "message" {
            data["unread_messages"] = self
                .state
                .db
                .unread_conversation_count(self.user)
                .await
                .unwrap_or(0)
                .into();
        }
        LiveMessage {
            id: e.seq.to_string(),
            kind: e.kind.clone(),
            data: data.to_string(),
        }
    }
}
