//! Video meetings in the browser: a sphere's room (/video/sphere/{id}), an event's room
//! (/video/event/{id}), the signalling WebSocket of a built-in room (/video/rooms/{id}/ws)
//! and the managers' provider setting (/admin/video).
//!
//! Signalling protocol (JSON text frames). The browser sends `join` first, then
//! `offer`/`answer` (`to`, `sdp`), `ice` (`to`, `candidate`) and `leave`. The server answers
//! `welcome` (`peer`: your id, `peers`: who is there, `max`) or `full` (then closes with 4008),
//! and relays `join`/`leave` (`from`, `name`) and `offer`/`answer`/`ice` (with `from`, the
//! sender's id, set by the server). A newcomer offers to everyone already in the room.
use super::{Page, PathId, St, render, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr_args};
use crate::service::video::{self as svc, Opened, SettingsInput};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use embarq_domain::video::{MAX_PARTICIPANTS, PLACEHOLDERS, Provider, Relay, relayed};
use embarq_domain::{Id, SphereId, new_id};
use embarq_store::{JoinOutcome, RoomOwner, VideoRoom, now_ms};
use fluent_templates::fluent_bundle::FluentValue;
use serde::Deserialize;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Largest signalling message accepted (an SDP offer is a few kilobytes).
const MAX_MESSAGE: usize = 64 * 1024;
/// Messages a browser may send per window before it is disconnected.
const RATE_WINDOW: Duration = Duration::from_secs(10);
const RATE_MAX: u32 = 400;
/// Close codes the page understands.
const CLOSE_FULL: u16 = 4008;
const CLOSE_PROTOCOL: u16 = 4002;
const CLOSE_LIMIT: u16 = 4029;
const CLOSE_GONE: u16 = 4010;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/video/sphere/{id}", get(sphere_room))
        .route("/video/event/{id}", get(event_room))
        .route("/video/rooms/{id}/ws", get(socket))
        .route("/admin/video", get(admin).post(save_admin))
}

/// What the sphere tabs include needs (`s.id`).
struct SphereRef {
    id: SphereId,
}

#[derive(Template)]
#[template(path = "video_room.html")]
struct RoomPage {
    p: Page,
    room_id: Id,
    title: String,
    back_url: String,
    /// Set for a sphere's room: the sphere's tabs are shown.
    s: Option<SphereRef>,
    /// ICE servers as JSON for RTCPeerConnection.
    ice_json: String,
    intro_text: String,
    count_text: String,
    /// The same sentence with `__N__` for the count, updated by the page as people come and go.
    count_template: String,
    full_text: String,
}

async fn room_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    owner: RoomOwner,
) -> AppResult<Response> {
    let opened: Opened = svc::open(state, auth, owner).await?;
    if let (Provider::External, Some(url)) = (opened.provider, opened.external_url.as_deref()) {
        return Ok(see_other(url));
    }
    let ice = svc::ice_servers(&state.config.ice, auth.user.id, now_ms() / 1000);
    let count = svc::participant_count(state, opened.room.id).await?;
    let max = FluentValue::from(MAX_PARTICIPANTS);
    let mut p = Page::new(state, lang, csrf, Some(auth), "video-title").await;
    p.title = format!("{} · {}", p.title, opened.title);
    let s = match owner {
        RoomOwner::Sphere(id) => Some(SphereRef { id }),
        RoomOwner::Event(_) => None,
    };
    let mut res = render(&RoomPage {
        p,
        room_id: opened.room.id,
        title: opened.title,
        back_url: opened.back_url,
        s,
        ice_json: serde_json::to_string(&ice).unwrap_or_else(|_| "[]".into()),
        intro_text: tr_args(lang, "video-intro", &[("max", max.clone())]),
        count_text: tr_args(
            lang,
            "video-count",
            &[("count", FluentValue::from(count)), ("max", max.clone())],
        ),
        count_template: tr_args(
            lang,
            "video-count",
            &[("count", FluentValue::from("__N__")), ("max", max.clone())],
        ),
        full_text: tr_args(lang, "video-full", &[("max", max)]),
    });
    // Time-limited TURN credentials are personal: never cache the page.
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

async fn sphere_room(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
) -> AppResult<Response> {
    room_page(&state, lang, &csrf, &auth, RoomOwner::Sphere(id)).await
}

async fn event_room(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    room_page(&state, lang, &csrf, &auth, RoomOwner::Event(id)).await
}

/// The signalling WebSocket: same-origin only, signed in, allowed in the room's sphere or
/// event; everything is checked before the upgrade so refusals are plain HTTP statuses.
async fn socket(
    state: St,
    auth: Auth,
    PathId(room_id): PathId,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> AppResult<Response> {
    let origin = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok());
    if !svc::origin_allowed(&state.config.base_url, origin) {
        return Err(AppError::Forbidden.into());
    }
    let room = svc::room_for_socket(&state, &auth, room_id).await?;
    let upgrade = upgrade.map_err(|_| AppError::Refused("websocket_required"))?;
    let state = state.0;
    Ok(upgrade
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |ws| async move {
            let mut s = Session {
                state,
                auth,
                room,
                ws,
            };
            s.run().await;
        }))
}

struct Session {
    state: AppState,
    auth: Auth,
    room: VideoRoom,
    ws: WebSocket,
}

/// Why a session ended (the close frame sent, if any).
enum End {
    Quiet,
    Close(u16, &'static str),
}

impl Session {
    async fn send(&mut self, v: &Value) -> bool {
        self.ws
            .send(Message::Text(v.to_string().into()))
            .await
            .is_ok()
    }

    async fn close(&mut self, code: u16, reason: &'static str) {
        let _ = self
            .ws
            .send(Message::Close(Some(CloseFrame {
                code,
                reason: Utf8Bytes::from_static(reason),
            })))
            .await;
    }

    /// The first message must be `join` (within 30 s).
    async fn wait_for_join(&mut self) -> bool {
        let deadline = tokio::time::sleep(Duration::from_secs(30));
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                m = self.ws.recv() => match m {
                    Some(Ok(Message::Text(t))) => {
                        let v: Value = serde_json::from_str(t.as_str()).unwrap_or(Value::Null);
                        return v["type"] == "join";
                    }
                    Some(Ok(Message::Ping(_) | Message::Pong(_))) => {}
                    _ => return false,
                },
                _ = &mut deadline => return false,
            }
        }
    }

    async fn run(&mut self) {
        if !self.wait_for_join().await {
            self.close(CLOSE_PROTOCOL, "join_expected").await;
            return;
        }
        let peer = new_id();
        let name = self.auth.user.display_name.clone();
        let mut wake = self.state.video.subscribe(&self.state).await;
        let joined = self
            .state
            .db
            .video_join(
                self.room.id,
                peer,
                self.auth.user.id,
                &name,
                MAX_PARTICIPANTS,
                now_ms() - svc::STALE_MS,
            )
            .await;
        let others = match joined {
            Ok(JoinOutcome::Joined(others)) => others,
            Ok(JoinOutcome::Full) => {
                self.send(&json!({ "type": "full", "max": MAX_PARTICIPANTS }))
                    .await;
                self.close(CLOSE_FULL, "room_full").await;
                return;
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not join a video room");
                self.close(1011, "error").await;
                return;
            }
        };
        // Tell the others first: the newcomer's offers follow this in their inboxes.
        let announce = json!({ "type": "join", "from": peer, "name": name });
        if let Err(e) = svc::send(&self.state, self.room.id, peer, None, &announce).await {
            tracing::warn!(error = ?e, "could not announce a video participant");
        }
        let peers: Vec<Value> = others
            .iter()
            .map(|p| json!({ "peer": p.peer_id, "name": p.display_name }))
            .collect();
        let welcome =
            json!({ "type": "welcome", "peer": peer, "peers": peers, "max": MAX_PARTICIPANTS });
        let end = if self.send(&welcome).await {
            self.relay(peer, &mut wake).await
        } else {
            End::Quiet
        };
        if let Err(e) = self.state.db.video_leave(peer).await {
            tracing::warn!(error = %e, "could not leave a video room");
        }
        let bye = json!({ "type": "leave", "from": peer });
        if let Err(e) = svc::send(&self.state, self.room.id, peer, None, &bye).await {
            tracing::warn!(error = ?e, "could not announce a departure");
        }
        if let End::Close(code, reason) = end {
            self.close(code, reason).await;
        }
    }

    /// Delivers what waits in this peer's inbox.
    async fn drain(&mut self, peer: Id) -> bool {
        match self.state.db.video_take(peer).await {
            Ok(msgs) => {
                for m in msgs {
                    if self.ws.send(Message::Text(m.body.into())).await.is_err() {
                        return false;
                    }
                }
                true
            }
            Err(e) => {
                tracing::warn!(error = %e, "could not read video signals");
                true
            }
        }
    }

    async fn relay(&mut self, peer: Id, wake: &mut tokio::sync::broadcast::Receiver<Id>) -> End {
        let mut poll = tokio::time::interval(svc::POLL);
        let mut beat = tokio::time::interval(svc::HEARTBEAT);
        beat.tick().await;
        let mut window = Instant::now();
        let mut count = 0u32;
        let room = self.room.id;
        loop {
            tokio::select! {
                m = self.ws.recv() => {
                    let text = match m {
                        Some(Ok(Message::Text(t))) => t,
                        Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Binary(_))) => continue,
                        _ => return End::Quiet,
                    };
                    if window.elapsed() > RATE_WINDOW {
                        window = Instant::now();
                        count = 0;
                    }
                    count += 1;
                    if count > RATE_MAX {
                        return End::Close(CLOSE_LIMIT, "too_many_messages");
                    }
                    let v: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                    match relayed(&v, peer) {
                        Relay::Leave => return End::Close(1000, "left"),
                        Relay::To(to, body) => {
                            if let Err(e) = svc::send(&self.state, room, peer, Some(to), &body).await {
                                tracing::warn!(error = ?e, "could not relay a video signal");
                            }
                        }
                        Relay::Ignore => {}
                        Relay::Bad => {
                            if !self.send(&json!({ "type": "error", "code": "bad_message" })).await {
                                return End::Quiet;
                            }
                        }
                    }
                }
                w = wake.recv() => {
                    let mine = match w {
                        Ok(r) => r == room,
                        Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => true,
                        Err(tokio::sync::broadcast::error::RecvError::Closed) => false,
                    };
                    if mine && !self.drain(peer).await {
                        return End::Quiet;
                    }
                }
                _ = poll.tick() => {
                    if !self.drain(peer).await {
                        return End::Quiet;
                    }
                }
                _ = beat.tick() => {
                    match self.state.db.video_touch(peer).await {
                        Ok(true) => {}
                        // Dropped as stale by another process: the page may join again.
                        Ok(false) => return End::Close(CLOSE_GONE, "gone"),
                        Err(e) => tracing::warn!(error = %e, "video heartbeat failed"),
                    }
                }
                _ = self.state.hub.closed() => return End::Close(1001, "shutdown"),
            }
        }
    }
}

#[derive(Template)]
#[template(path = "admin_video.html")]
struct AdminPage {
    p: Page,
    provider: String,
    url_template: String,
    placeholders: Vec<&'static str>,
}

#[derive(Deserialize, Default)]
struct SettingsForm {
    #[serde(default)]
    provider: String,
    #[serde(default)]
    url_template: String,
}

async fn admin_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    form: Option<SettingsForm>,
    error: Option<&AppError>,
    notice: Option<String>,
) -> AppResult<Response> {
    let current = svc::settings_to_configure(state, auth).await?;
    let form = form.unwrap_or_else(|| SettingsForm {
        provider: current.provider.as_str().to_string(),
        url_template: current.url_template.unwrap_or_default(),
    });
    let mut p = Page::new(state, lang, csrf, Some(auth), "video-admin-title").await;
    p.notice = notice;
    let status = p.show_error(error);
    Ok(render_status(
        status,
        &AdminPage {
            p,
            provider: form.provider,
            url_template: form.url_template,
            placeholders: PLACEHOLDERS.to_vec(),
        },
    ))
}

async fn admin(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    admin_page(&state, lang, &csrf, &auth, None, None, None).await
}

async fn save_admin(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<SettingsForm>,
) -> AppResult<Response> {
    let input = SettingsInput {
        provider: f.provider.clone(),
        url_template: f.url_template.clone(),
    };
    match svc::save_settings(&state, &auth, &input).await {
        Ok(()) => {
            let notice = crate::i18n::tr(lang, "video-admin-saved");
            admin_page(&state, lang, &csrf, &auth, None, None, Some(notice)).await
        }
        Err(e @ AppError::Validation(_)) => {
            admin_page(&state, lang, &csrf, &auth, Some(f), Some(&e), None).await
        }
        Err(e) => Err(e.into()),
    }
}
