//! Video meetings: who may open a sphere's or an event's room, the room itself (created on
//! demand, stored so every server process agrees), the organization's provider (built-in
//! WebRTC or an external URL template), ICE servers for browsers, and the wake-ups that carry
//! signalling between the WebSockets of one room across server processes.
use crate::auth::Auth;
use crate::config::IceConfig;
use crate::error::{AppError, AppResult};
use crate::service::{events, spheres};
use crate::state::AppState;
use base64::Engine;
use embarq_domain::UserId;
use embarq_domain::validate::{Errors, FieldError};
use embarq_domain::video::{self, Provider};
use embarq_domain::{Id, OrgId, policy};
use embarq_store::{RoomOwner, VideoRoom, now_ms};
use futures::StreamExt;
use hmac::{Hmac, Mac};
use rand::RngExt;
use serde::Serialize;
use sha1::Sha1;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use tokio::sync::{OnceCell, broadcast};

/// A participant whose server has not refreshed them for this long no longer counts.
pub const STALE_MS: i64 = 45_000;
/// How often an open room WebSocket refreshes its participant row.
pub const HEARTBEAT: Duration = Duration::from_secs(10);
/// Safety net: inboxes are also read this often, in case a wake-up was missed.
pub const POLL: Duration = Duration::from_secs(2);

/// A room the viewer may enter, with what the page needs.
pub struct Opened {
    pub room: VideoRoom,
    pub provider: Provider,
    /// Where an external provider hosts the meeting (filled for this viewer).
    pub external_url: Option<String>,
    /// The sphere's name or the event's title.
    pub title: String,
    /// The page this room belongs to.
    pub back_url: String,
}

/// The organization's provider with its template.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub provider: Provider,
    pub url_template: Option<String>,
}

/// Who the room is for, checked through the domain policy; returns (title, back link).
async fn authorize(state: &AppState, auth: &Auth, owner: RoomOwner) -> AppResult<(String, String)> {
    match owner {
        RoomOwner::Sphere(id) => {
            // Secret spheres of which the viewer is not a member answer 404 here.
            let v = spheres::load(state, auth, id).await?;
            v.require(policy::can_join_sphere_video)?;
            Ok((v.into_sphere().name, format!("/spheres/{id}")))
        }
        RoomOwner::Event(id) => {
            // Unknown, other organizations' and invisible events answer 404 here.
            let v = events::load(state, auth, id).await?;
            let back = match v.event.kind.as_str() {
                "training" | "webinar" => format!("/training/{id}"),
                _ => format!("/agenda/{id}"),
            };
            Ok((v.event.title, back))
        }
    }
}

/// The organization's provider (built-in until a manager chooses otherwise).
/// The organization's provider, for those who configure it.
pub async fn settings_to_configure(state: &AppState, auth: &Auth) -> AppResult<Settings> {
    if !policy::can_configure_video(auth.viewer()) {
        return Err(AppError::Forbidden);
    }
    settings(state, auth.user.org_id).await
}

pub async fn settings(state: &AppState, org_id: OrgId) -> AppResult<Settings> {
    Ok(match state.db.video_settings(org_id).await? {
        Some(s) => Settings {
            provider: Provider::parse(&s.provider).unwrap_or(Provider::Builtin),
            url_template: s.url_template,
        },
        None => Settings {
            provider: Provider::Builtin,
            url_template: None,
        },
    })
}

/// A stable, unguessable room name: 20 lower-case letters and digits (~103 bits).
fn new_slug() -> String {
    const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    (0..20)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// Opens (creating on first use) the room of a sphere or event the viewer may join.
pub async fn open(state: &AppState, auth: &Auth, owner: RoomOwner) -> AppResult<Opened> {
    let (title, back_url) = authorize(state, auth, owner).await?;
    let room = state
        .db
        .video_room_for(auth.user.org_id, owner, &new_slug(), auth.user.id)
        .await?;
    let s = settings(state, auth.user.org_id).await?;
    let external_url = match (s.provider, s.url_template.as_deref()) {
        (Provider::External, Some(t)) => Some(video::fill(
            t,
            &room.slug,
            &auth.user.display_name,
            &auth.user.email,
        )),
        _ => None,
    };
    let provider = if external_url.is_some() {
        Provider::External
    } else {
        Provider::Builtin
    };
    Ok(Opened {
        room,
        provider,
        external_url,
        title,
        back_url,
    })
}

/// A built-in room the viewer may enter through its WebSocket: same rules as its page;
/// refused when the organization uses an external provider.
pub async fn room_for_socket(state: &AppState, auth: &Auth, room_id: Id) -> AppResult<VideoRoom> {
    let room = state
        .db
        .video_room(auth.user.org_id, room_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let owner = match (room.sphere_id, room.event_id) {
        (Some(s), _) => RoomOwner::Sphere(s),
        (None, Some(e)) => RoomOwner::Event(e),
        (None, None) => return Err(AppError::NotFound),
    };
    authorize(state, auth, owner).await?;
    if settings(state, auth.user.org_id).await?.provider == Provider::External {
        return Err(AppError::Refused("video_external"));
    }
    Ok(room)
}

/// How many people are in a built-in room now.
pub async fn participant_count(state: &AppState, room_id: Id) -> AppResult<i64> {
    Ok(state
        .db
        .video_participant_count(room_id, now_ms() - STALE_MS)
        .await?)
}

/// The raw fields of the provider form / API body.
#[derive(Debug, Clone, Default)]
pub struct SettingsInput {
    pub provider: String,
    pub url_template: String,
}

/// Managers choose the provider; an external one needs a valid template (nothing is saved
/// when anything is wrong). A template sent along with a built-in choice is checked and kept.
pub async fn save_settings(state: &AppState, auth: &Auth, input: &SettingsInput) -> AppResult<()> {
    if !policy::can_configure_video(auth.viewer()) {
        return Err(AppError::Forbidden);
    }
    let mut e = Errors::default();
    let provider = e.check(
        Provider::parse(input.provider.trim())
            .ok_or(FieldError::new("video_provider", "invalid_choice")),
    );
    let template = if provider == Some(Provider::External) || !input.url_template.trim().is_empty()
    {
        e.check(video::template("video_template", &input.url_template))
    } else {
        None
    };
    e.into_result()?;
    let provider = provider.unwrap_or(Provider::Builtin);
    let audit = super::admin_audit::by(
        auth,
        "settings.video",
        "organization",
        Some(auth.user.org_id.0),
        serde_json::json!({"provider": provider.as_str(), "url_template": template}),
    );
    state
        .db
        .set_video_settings(
            auth.user.org_id,
            provider.as_str(),
            template.as_deref(),
            auth.user.id,
            &audit,
        )
        .await?;
    Ok(())
}

/// One ICE server as `RTCPeerConnection` expects it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IceServer {
    pub urls: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub username: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
}

/// HMAC-SHA1 (RFC 2104), what TURN servers expect for time-limited credentials.
fn hmac_sha1(key: &[u8], msg: &[u8]) -> [u8; 20] {
    #[allow(clippy::expect_used, reason = "HMAC takes keys of any length")]
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("any key length");
    mac.update(msg);
    mac.finalize().into_bytes().into()
}

/// The ICE servers for `user_id`: configured STUN servers, and TURN servers with fixed
/// credentials or, with a shared secret, credentials valid `turn_ttl_secs` ("REST API for
/// TURN services": username `<expiry>:<user>`, password base64(HMAC-SHA1(secret, username))).
pub fn ice_servers(cfg: &IceConfig, user_id: UserId, now_secs: i64) -> Vec<IceServer> {
    let mut out = Vec::new();
    if !cfg.stun_urls.is_empty() {
        out.push(IceServer {
            urls: cfg.stun_urls.clone(),
            username: None,
            credential: None,
        });
    }
    if !cfg.turn_urls.is_empty() {
        let (username, credential) = match &cfg.turn_secret {
            Some(secret) => {
                let ttl = if cfg.turn_ttl_secs > 0 {
                    cfg.turn_ttl_secs
                } else {
                    86_400
                };
                let user = format!("{}:{}", now_secs + ttl, user_id.0.simple());
                let mac = hmac_sha1(secret.as_bytes(), user.as_bytes());
                (user, base64::engine::general_purpose::STANDARD.encode(mac))
            }
            None => (
                cfg.turn_username.clone().unwrap_or_default(),
                cfg.turn_credential.clone().unwrap_or_default(),
            ),
        };
        out.push(IceServer {
            urls: cfg.turn_urls.clone(),
            username: Some(username),
            credential: Some(credential),
        });
    }
    out
}

/// The origin (`scheme://host[:port]`, default port dropped, lower-case) of a URL.
pub fn origin_of(url: &str) -> String {
    let lower = url.trim().to_ascii_lowercase();
    let Some((scheme, rest)) = lower.split_once("://") else {
        return lower;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    let authority = match scheme {
        "https" => authority.strip_suffix(":443").unwrap_or(authority),
        "http" => authority.strip_suffix(":80").unwrap_or(authority),
        _ => authority,
    };
    format!("{scheme}://{authority}")
}

/// A WebSocket opened from another site (cross-site WebSocket hijacking) carries the
/// visitor's cookie but a foreign Origin: only our own origin is accepted.
pub fn origin_allowed(base_url: &str, origin: Option<&str>) -> bool {
    origin.is_some_and(|o| origin_of(o) == origin_of(base_url))
}

/// Process-wide wake-ups: "room X has new signalling messages". Every server state of the
/// process shares it (a room id is unique), and on PostgreSQL a listener forwards NOTIFYs
/// from other processes into it. The messages themselves wait in the database.
fn bus() -> &'static broadcast::Sender<Id> {
    static BUS: OnceLock<broadcast::Sender<Id>> = OnceLock::new();
    BUS.get_or_init(|| broadcast::channel(1024).0)
}

/// Per server state: whether its cross-process listener runs.
#[derive(Clone, Default)]
pub struct Signals {
    listening: Arc<OnceCell<()>>,
}

impl Signals {
    /// Wakes this process' WebSockets of `room_id` (other processes learn through NOTIFY).
    pub fn wake(&self, room_id: Id) {
        let _ = bus().send(room_id);
    }

    /// Subscribes to wake-ups, starting the PostgreSQL listener on first use.
    pub async fn subscribe(&self, state: &AppState) -> broadcast::Receiver<Id> {
        let rx = bus().subscribe();
        self.listening
            .get_or_init(|| async {
                match embarq_store::dialect::listen_video(&state.db).await {
                    Ok(Some(stream)) => {
                        let hub = state.hub.clone();
                        tokio::spawn(async move {
                            let mut stream = Box::pin(stream);
                            loop {
                                tokio::select! {
                                    n = stream.next() => match n {
                                        Some(room) => { let _ = bus().send(room); }
                                        None => break,
                                    },
                                    _ = hub.closed() => break,
                                }
                            }
                        });
                    }
                    Ok(None) => {}
                    // Inboxes are still polled; log and carry on.
                    Err(e) => tracing::warn!(error = %e, "video signalling listener unavailable"),
                }
            })
            .await;
        rx
    }
}

/// Queues a signalling message and wakes the addressees' WebSockets.
pub async fn send(
    state: &AppState,
    room_id: Id,
    from: Id,
    to: Option<Id>,
    body: &serde_json::Value,
) -> AppResult<u64> {
    let n = state
        .db
        .video_send(room_id, from, to, &body.to_string())
        .await?;
    if n > 0 {
        state.video.wake(room_id);
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_sha1_matches_rfc_2202() {
        assert_eq!(
            hex::encode(hmac_sha1(&[0x0b; 20], b"Hi There")),
            "b617318655057264e28bc0b6fb378c8ef146be00"
        );
        assert_eq!(
            hex::encode(hmac_sha1(b"Jefe", b"what do ya want for nothing?")),
            "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"
        );
        assert_eq!(
            hex::encode(hmac_sha1(
                &[0xaa; 80],
                b"Test Using Larger Than Block-Size Key - Hash Key First"
            )),
            "aa4ae5e15272d00e95705637ce8a3b55ed402112"
        );
    }

    #[test]
    fn origins() {
        assert!(origin_allowed(
            "http://127.0.0.1:8080",
            Some("http://127.0.0.1:8080")
        ));
        assert!(origin_allowed(
            "https://Embarq.example.com/",
            Some("https://embarq.example.com:443")
        ));
        assert!(!origin_allowed(
            "https://embarq.example.com",
            Some("https://evil.example.com")
        ));
        assert!(!origin_allowed(
            "https://embarq.example.com",
            Some("http://embarq.example.com")
        ));
        assert!(!origin_allowed("https://embarq.example.com", None));
        assert!(!origin_allowed("https://embarq.example.com", Some("null")));
    }

    #[test]
    fn ice() {
        let mut c = IceConfig::default();
        assert!(ice_servers(&c, UserId::default(), 0).is_empty());
        c.stun_urls = vec!["stun:stun.example.com:3478".into()];
        c.turn_urls = vec!["turn:turn.example.com:3478".into()];
        c.turn_secret = Some("s3cret".into());
        c.turn_ttl_secs = 3600;
        let v = ice_servers(&c, UserId::default(), 1_000);
        assert_eq!(v.len(), 2);
        let user = v[1].username.clone().unwrap();
        assert_eq!(user, format!("4600:{}", Id::nil().simple()));
        let expected =
            base64::engine::general_purpose::STANDARD.encode(hmac_sha1(b"s3cret", user.as_bytes()));
        assert_eq!(v[1].credential.as_deref(), Some(expected.as_str()));
    }
}
