//! `GET /events`: the signed-in person's live stream as Server-Sent Events.
use crate::auth::Auth;
use crate::error::AppResult;
use crate::state::WebState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::{Stream, StreamExt};
use std::convert::Infallible;
use std::time::Duration;

pub async fn stream(
    State(state): State<WebState>,
    auth: Auth,
    headers: HeaderMap,
) -> AppResult<Sse<impl Stream<Item = Result<Event, Infallible>>>> {
    let resume: Option<i64> = headers
        .get("last-event-id")
        .and_then(|h| h.to_str().ok())
        .and_then(|s| s.parse().ok());
    let messages = embarq_app::realtime::subscribe(&state, &auth, resume).await?;
    let events = messages.map(|m| Ok(Event::default().id(m.id).event(m.kind).data(m.data)));
    // Every 30 s: under the usual 60 s idle timeout of proxies, and 10,000 idle pages cost
    // under 1 % of a core.
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(Duration::from_secs(30))))
}
