//! Live updates for open pages over Server-Sent Events. The `live_events` table is the
//! truth; a wake-up (in-process broadcast, plus PostgreSQL NOTIFY from other processes)
//! only tells connected pages to read the events after their cursor.
use crate::auth::Auth;
use crate::error::AppResult;
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use embarq_domain::Id;
use futures::{Stream, StreamExt};
use std::convert::Infallible;
use std::time::Duration;
use tokio::sync::{broadcast, watch};

#[derive(Clone)]
pub struct Hub {
    wake: broadcast::Sender<()>,
    closed: watch::Sender<bool>,
}

impl Default for Hub {
    fn default() -> Self {
        Self::new()
    }
}

impl Hub {
    pub fn new() -> Self {
        let (wake, _) = broadcast::channel(64);
        let (closed, _) = watch::channel(false);
        Self { wake, closed }
    }

    /// On PostgreSQL, relays NOTIFY wake-ups from every server process.
    pub async fn start(&self, db: &embarq_store::Db) -> anyhow::Result<()> {
        if let Some(stream) = embarq_store::dialect::listen_wakeups(db).await? {
            let wake = self.wake.clone();
            let mut closed = self.closed.subscribe();
            tokio::spawn(async move {
                let mut stream = Box::pin(stream);
                loop {
                    tokio::select! {
                        n = stream.next() => match n {
                            Some(()) => { let _ = wake.send(()); }
                            None => break,
                        },
                        _ = closed.changed() => break,
                    }
                }
            });
        }
        Ok(())
    }

    pub fn wake(&self) {
        let _ = self.wake.send(());
    }

    pub fn close(&self) {
        let _ = self.closed.send(true);
    }

    pub async fn closed(&self) {
        let mut rx = self.closed.subscribe();
        while !*rx.borrow() {
            if rx.changed().await.is_err() {
                return;
            }
        }
    }
}

/// Records live events for `users` and wakes local listeners.
pub async fn publish(state: &AppState, users: &[Id], kind: &str, ref_id: Option<Id>) {
    match state.db.publish_live(users, kind, ref_id).await {
        Ok(()) => state.hub.wake(),
        Err(e) => tracing::warn!(error = %e, "could not publish live event"),
    }
}

/// `GET /events`: the signed-in person's live stream. Each event carries its sequence number
/// as SSE id, so a reconnecting browser resumes with Last-Event-ID.
pub async fn stream(
    State(state): State<AppState>,
    auth: Auth,
    headers: HeaderMap,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let start = match headers
        .get("last-event-id")
        .and_then(|h| h.to_str().ok())
        .and_then(|s| s.parse().ok())
    {
        Some(seq) => seq,
        None => state.db.live_head().await?,
    };
    let user = auth.user.id;
    let rx = state.hub.wake.subscribe();
    let closed = state.hub.closed.subscribe();
    let s = futures::stream::unfold((state, rx, closed, start), move |(state, mut rx, mut closed, mut cursor)| async move {
        loop {
            let events = state.db.live_events_after(user, cursor).await.unwrap_or_default();
            if !events.is_empty() {
                let unread = state.db.unread_count(user).await.unwrap_or(0);
                let batch: Vec<Result<Event, Infallible>> = events
                    .iter()
                    .map(|e| {
                        let data = serde_json::json!({ "kind": e.kind, "ref": e.ref_id, "unread": unread });
                        Ok(Event::default().id(e.seq.to_string()).event(e.kind.clone()).data(data.to_string()))
                    })
                    .collect();
                if let Some(last) = events.last() {
                    cursor = last.seq;
                }
                return Some((futures::stream::iter(batch), (state, rx, closed, cursor)));
            }
            tokio::select! {
                r = rx.recv() => if let Err(broadcast::error::RecvError::Closed) = r { return None },
                _ = closed.changed() => return None,
                // Safety net for a missed wake-up.
                _ = tokio::time::sleep(Duration::from_secs(15)) => {}
            }
        }
    })
    .flatten();
    Ok(Sse::new(s).keep_alive(KeepAlive::new().interval(Duration::from_secs(20))))
}
