//! Push notifications to people's phones and browsers (Web Push: RFC 8030 delivery, RFC 8291
//! payload encryption, RFC 8292 VAPID), through the crate web-push-native.
//! - The server's VAPID key pair is made at first start and kept in the database.
//! - Each person turns push on per device and chooses what it announces (messages,
//!   mentions, replies, event reminders, announcements).
//! - A push is queued with its notification, in the same transaction, and sent by the
//!   process's sender like e-mail: claimed for a lease, retried with backoff, given up after
//!   the last wait. A device the push service says is gone (404, 410) is forgotten.
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::outbox::retry_at;
use crate::service::notifications::{link_of, sentence};
use crate::service::webhooks::{check_url, failure, outbound_client};
use crate::state::AppState;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use embarq_domain::Id;
use embarq_domain::push::{self as rules, Payload, PushTopic};
use embarq_domain::validate::FieldError;
use embarq_store::{PushDevice, QueuedPush};
use futures::StreamExt;
use std::sync::Arc;
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256KeyPair};
use web_push_native::{Auth as UaAuth, WebPushBuilder, p256::PublicKey};

/// Where the key pair is kept (`instance_keys`).
const VAPID_KEY: &str = "vapid_es256";
/// How long a push service keeps a push for a device that is offline (TTL); also how long
/// the VAPID token is valid, which RFC 8292 caps at 24 hours.
const TTL: std::time::Duration = std::time::Duration::from_secs(12 * 3600);
const LEASE_MS: i64 = 120_000;
const BATCH: i64 = 20;
const CONCURRENCY: usize = 4;
/// Given-up pushes are dropped after this long.
pub const KEEP_FAILED_MS: i64 = 7 * 24 * 3_600_000;

/// A device to register: what its browser's `PushSubscription` gave, and what it announces.
#[derive(Debug, Clone)]
pub struct NewDevice {
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    /// All topics when `None`.
    pub topics: Option<Vec<PushTopic>>,
    /// How the device names itself (kept to 120 characters).
    pub device: Option<String>,
}

/// Where a process keeps the key pair once read: it never changes.
pub type KeyCell = Arc<tokio::sync::OnceCell<Arc<ES256KeyPair>>>;

/// The server's VAPID key pair, made and kept at the first call (first start).
pub async fn key_pair(state: &AppState) -> AppResult<Arc<ES256KeyPair>> {
    state
        .push_key
        .get_or_try_init(|| stored_key_pair(state))
        .await
        .cloned()
}

async fn stored_key_pair(state: &AppState) -> AppResult<Arc<ES256KeyPair>> {
    let stored = state
        .db
        .instance_key(VAPID_KEY, || {
            URL_SAFE_NO_PAD.encode(ES256KeyPair::generate().to_bytes())
        })
        .await?;
    let bytes = URL_SAFE_NO_PAD
        .decode(stored)
        .map_err(|e| anyhow::anyhow!("stored VAPID key: {e}"))?;
    ES256KeyPair::from_bytes(&bytes)
        .map(Arc::new)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored VAPID key: {e}")))
}

/// The public key browsers subscribe with (`applicationServerKey`): the uncompressed P-256
/// point, base64url.
pub async fn public_key(state: &AppState) -> AppResult<String> {
    let kp = key_pair(state).await?;
    let point = kp.public_key().public_key().to_bytes_uncompressed();
    Ok(URL_SAFE_NO_PAD.encode(point))
}

/// Registers the device the signed-in person subscribed from (or updates it).
pub async fn subscribe(state: &AppState, auth: &Auth, input: &NewDevice) -> AppResult<PushDevice> {
    let endpoint = check_url(state, &input.endpoint)
        .await
        .map_err(|e| FieldError::new("endpoint", e.code))?;
    rules::keys(&input.p256dh, &input.auth)?;
    let device = input
        .device
        .as_deref()
        .map(|d| d.trim().chars().take(120).collect::<String>())
        .filter(|d| !d.is_empty());
    let topics = input
        .topics
        .clone()
        .unwrap_or_else(|| rules::DEFAULT_TOPICS.to_vec());
    let id = state
        .db
        .save_push_device(
            auth.user.id,
            endpoint.as_str(),
            input.p256dh.trim().trim_end_matches('='),
            input.auth.trim().trim_end_matches('='),
            &topics,
            device.as_deref(),
        )
        .await?;
    device_of(state, auth, id).await
}

/// The signed-in person's devices, the most recent first.
pub async fn devices(state: &AppState, auth: &Auth) -> AppResult<Vec<PushDevice>> {
    Ok(state.db.push_devices(auth.user.id).await?)
}

async fn device_of(state: &AppState, auth: &Auth, id: Id) -> AppResult<PushDevice> {
    state
        .db
        .push_device(auth.user.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Changes what one of the person's devices announces.
pub async fn set_topics(
    state: &AppState,
    auth: &Auth,
    id: Id,
    topics: &[PushTopic],
) -> AppResult<PushDevice> {
    if !state.db.set_push_topics(auth.user.id, id, topics).await? {
        return Err(AppError::NotFound);
    }
    device_of(state, auth, id).await
}

/// Forgets one of the person's devices: it hears nothing more.
pub async fn remove(state: &AppState, auth: &Auth, id: Id) -> AppResult<()> {
    if state.db.delete_push_device(auth.user.id, id).await? {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Sends every push due at `now`; answers how many were attempted.
pub async fn send_due(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let mut attempted = 0;
    loop {
        let claimed = state.db.push_claim_due(now, LEASE_MS, BATCH).await?;
        if claimed.is_empty() {
            return Ok(attempted);
        }
        attempted += claimed.len();
        let key = key_pair(state).await.map_err(|e| anyhow::anyhow!("{e}"))?;
        futures::stream::iter(claimed)
            .for_each_concurrent(CONCURRENCY, |p| send_one(state, &key, p, now))
            .await;
    }
}

/// What one push says, in its recipient's language.
pub fn payload(p: &QueuedPush) -> Payload {
    let lang = Lang::of(p.locale.as_deref());
    Payload {
        title: "embarq".to_string(),
        body: sentence(
            lang,
            p.actor_name.as_deref(),
            &p.kind,
            p.sphere_name.as_deref(),
        ),
        url: link_of(p.link.as_deref(), p.post_id, p.sphere_id),
        tag: p.notification_id.to_string(),
    }
}

async fn send_one(state: &AppState, key: &ES256KeyPair, p: QueuedPush, now: i64) {
    let outcome = if p.read_at.is_some() {
        // Read on another device meanwhile: nothing to announce.
        state
            .db
            .push_done(p.notification_id, p.subscription_id, false)
            .await
    } else {
        match deliver(state, key, &p).await {
            Ok(status) if (200..300).contains(&status) => {
                state
                    .db
                    .push_done(p.notification_id, p.subscription_id, true)
                    .await
            }
            Ok(404 | 410) => state.db.push_device_gone(p.subscription_id).await,
            other => {
                // Too many requests and server errors pass; other refusals will not.
                let transient =
                    !matches!(other, Ok(s) if (400..500).contains(&s) && s != 408 && s != 429);
                let error = match other {
                    Ok(status) => format!("push service answered {status}"),
                    Err(e) => e,
                };
                let retry = retry_at(p.attempts, now).filter(|_| transient);
                tracing::warn!(%error, attempt = p.attempts, given_up = retry.is_none(), "push not sent");
                state
                    .db
                    .push_failed(p.notification_id, p.subscription_id, retry, &error)
                    .await
            }
        }
    };
    if let Err(e) = outcome {
        tracing::warn!(error = %e, "could not record a push attempt");
    }
}

/// Encrypts and POSTs one push; answers the push service's status.
async fn deliver(state: &AppState, key: &ES256KeyPair, p: &QueuedPush) -> Result<u16, String> {
    let ua_public = URL_SAFE_NO_PAD
        .decode(&p.p256dh)
        .ok()
        .and_then(|k| PublicKey::from_sec1_bytes(&k).ok())
        .ok_or("the device's key is not a P-256 point")?;
    let ua_auth = URL_SAFE_NO_PAD
        .decode(&p.auth)
        .ok()
        .filter(|a| a.len() == 16)
        .ok_or("the device's secret is not 16 bytes")?;
    let contact = contact(&state.config.base_url);
    let request = WebPushBuilder::new(
        p.endpoint.parse().map_err(|e| format!("endpoint: {e}"))?,
        ua_public,
        UaAuth::clone_from_slice(&ua_auth),
    )
    .with_valid_duration(TTL)
    .with_vapid(key, &contact)
    .build(serde_json::to_vec(&payload(p)).map_err(|e| e.to_string())?)
    .map_err(|e| e.to_string())?;
    let url = url::Url::parse(&p.endpoint).map_err(|e| e.to_string())?;
    let client = outbound_client(&url, state.config.webhook_allow_private).await?;
    let urgency = if p.kind == "message" || p.kind == "mention" {
        "high"
    } else {
        "normal"
    };
    let (parts, body) = request.into_parts();
    let r = client
        .post(url)
        .headers(parts.headers)
        .header("urgency", urgency)
        .body(body)
        .send()
        .await
        .map_err(failure)?;
    Ok(r.status().as_u16())
}

/// The VAPID `sub` claim: the site itself when it is served over https, else a mailbox of
/// its host (RFC 8292 asks for a way to reach the operator).
fn contact(base_url: &str) -> String {
    match url::Url::parse(base_url) {
        Ok(u) if u.scheme() == "https" => u.origin().ascii_serialization(),
        Ok(u) => format!("mailto:postmaster@{}", u.host_str().unwrap_or("localhost")),
        Err(_) => "mailto:postmaster@localhost".to_string(),
    }
}
