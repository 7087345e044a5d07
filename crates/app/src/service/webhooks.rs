//! Webhooks: organization managers subscribe URLs to events. Every event writes one outbox
//! row per subscription in the transaction of its change (`crate::outbox`); a jobs task claims due rows atomically (so
//! two server processes never send one twice), POSTs them signed with HMAC-SHA256 and
//! retries failures with exponential backoff. URLs to loopback, private, link-local, CGNAT,
//! ULA, unspecified and multicast addresses are refused at subscription and again on the
//! resolved address at delivery time (DNS rebinding), unless the configuration allows them.
//!
//! Nothing from secret spheres is ever sent (posts and events in secret spheres emit no
//! webhook), and neither are champions-only events.
use crate::auth::{Auth, Manager, random_token};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use embarq_domain::SphereId;
use embarq_domain::rollout::Phase;
use embarq_domain::validate::FieldError;
use embarq_domain::{Id, OrgId, UserId};
use embarq_store::{
    ClaimedDelivery, Effects, Webhook, WebhookAttempt, WebhookDelivery, WebhookEvent, now_ms,
};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

/// The events one can subscribe to.
pub const EVENTS: &[&str] = &[
    "member.invited",
    "member.activated",
    "post.created",
    "event.created",
    "suggestion.created",
    "rollout.plan_changed",
    "rollout.phase_changed",
];
/// The test ping's type (sent to one subscription, whatever its events).
pub const PING: &str = "ping";
pub const TIMEOUT: Duration = Duration::from_secs(10);
const URL_MAX: usize = 2000;
const MAX_PER_ORG: usize = 20;
/// How long a claim lasts (a crashed process's deliveries are retried after it).
const LEASE_MS: i64 = 120_000;
const BATCH: i64 = 50;

/// Whether an address is not on the public internet (loopback, RFC 1918, link-local, CGNAT,
/// ULA, unspecified, multicast, broadcast, "this network", documentation).
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_multicast()
                || v4.is_broadcast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (o[1] & 0xc0) == 64)
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_forbidden_ip(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Checks a subscription URL: absolute http(s) (http only when private addresses are
/// allowed: a test or lab set-up), a host, no credentials, and no private address.
pub async fn check_url(state: &AppState, raw: &str) -> Result<url::Url, FieldError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Err(FieldError::new("url", "required"));
    }
    if raw.len() > URL_MAX {
        return Err(FieldError::with_limit("url", "too_long", URL_MAX as i64));
    }
    let allow = state.config.webhook_allow_private;
    let url = url::Url::parse(raw).map_err(|_| FieldError::new("url", "invalid_url"))?;
    let scheme_ok = url.scheme() == "https" || (allow && url.scheme() == "http");
    if !scheme_ok || !url.username().is_empty() || url.password().is_some() {
        return Err(FieldError::new("url", "invalid_url"));
    }
    let Some(host) = url.host() else {
        return Err(FieldError::new("url", "invalid_url"));
    };
    if !allow {
        let forbidden = match host {
            url::Host::Ipv4(a) => is_forbidden_ip(IpAddr::V4(a)),
            url::Host::Ipv6(a) => is_forbidden_ip(IpAddr::V6(a)),
            url::Host::Domain(d) => {
                let d = d.trim_end_matches('.').to_ascii_lowercase();
                d == "localhost"
                    || d.ends_with(".localhost")
                    || resolve(&url)
                        .await
                        .is_ok_and(|addrs| addrs.iter().any(|a| is_forbidden_ip(a.ip())))
            }
        };
        if forbidden {
            return Err(FieldError::new("url", "private_address"));
        }
    }
    Ok(url)
}

async fn resolve(url: &url::Url) -> std::io::Result<Vec<SocketAddr>> {
    let host = url.host_str().unwrap_or_default().trim_matches(['[', ']']);
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs = tokio::time::timeout(
        Duration::from_secs(5),
        tokio::net::lookup_host((host, port)),
    )
    .await
    .map_err(|_| std::io::Error::other("DNS timeout"))??;
    Ok(addrs.collect())
}

fn parse_events(events: &[String]) -> Result<String, FieldError> {
    let mut out: Vec<&str> = Vec::new();
    for e in events {
        let e = e.trim();
        if e.is_empty() {
            continue;
        }
        let Some(known) = EVENTS.iter().find(|k| **k == e) else {
            return Err(FieldError::new("events", "invalid_choice"));
        };
        if !out.contains(known) {
            out.push(known);
        }
    }
    if out.is_empty() {
        return Err(FieldError::new("events", "required"));
    }
    Ok(out.join(","))
}

/// Subscribes a URL; answers the subscription and its secret (shown once).
pub async fn create(
    state: &AppState,
    auth: &Auth,
    url: &str,
    events: &[String],
) -> AppResult<(Webhook, String)> {
    Manager::of(auth)?;
    let mut errs = Vec::new();
    let url = check_url(state, url).await.map_err(|e| errs.push(e)).ok();
    let events = parse_events(events).map_err(|e| errs.push(e)).ok();
    let (Some(url), Some(events)) = (url, events) else {
        return Err(AppError::Validation(errs));
    };
    if state.db.webhooks_of_org(auth.user.org_id).await?.len() >= MAX_PER_ORG {
        return Err(AppError::Limited("webhooks_limit"));
    }
    let secret = format!("whsec_{}", random_token());
    let id = state
        .db
        .webhook_create(
            auth.user.org_id,
            url.as_str(),
            &secret,
            &events,
            auth.user.id,
            |id| {
                let details = serde_json::json!({ "url": url.as_str(), "events": events });
                super::admin_audit::by(auth, "webhook.create", "webhook", Some(id), details)
            },
        )
        .await?;
    let hook = state
        .db
        .webhook(auth.user.org_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((hook, secret))
}

pub async fn list(state: &AppState, auth: &Auth) -> AppResult<Vec<Webhook>> {
    Manager::of(auth)?;
    Ok(state.db.webhooks_of_org(auth.user.org_id).await?)
}

pub async fn get(state: &AppState, auth: &Auth, id: Id) -> AppResult<Webhook> {
    Manager::of(auth)?;
    state
        .db
        .webhook(auth.user.org_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn delete(state: &AppState, auth: &Auth, id: Id) -> AppResult<()> {
    Manager::of(auth)?;
    let audit = super::admin_audit::by(
        auth,
        "webhook.delete",
        "webhook",
        Some(id),
        serde_json::json!({}),
    );
    if state
        .db
        .webhook_delete(auth.user.org_id, id, &audit)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// The delivery log of a subscription (latest 50).
pub async fn deliveries(state: &AppState, auth: &Auth, id: Id) -> AppResult<Vec<WebhookDelivery>> {
    let hook = get(state, auth, id).await?;
    Ok(state.db.webhook_deliveries(hook.id, 50).await?)
}

/// One delivery of a subscription with every attempt (first first).
pub async fn delivery(
    state: &AppState,
    auth: &Auth,
    id: Id,
    delivery: Id,
) -> AppResult<(WebhookDelivery, Vec<WebhookAttempt>)> {
    Manager::of(auth)?;
    let d = state
        .db
        .webhook_delivery(auth.user.org_id, id, delivery)
        .await?
        .ok_or(AppError::NotFound)?;
    let attempts = state.db.webhook_attempts(d.id).await?;
    Ok((d, attempts))
}

/// Pauses (`active` false) or resumes a subscription; audited when it changes. A paused
/// subscription gets no new event queued; what was already queued (retries, pings,
/// redeliveries) waits and goes out after resume.
pub async fn set_active(state: &AppState, auth: &Auth, id: Id, active: bool) -> AppResult<Webhook> {
    let hook = get(state, auth, id).await?;
    let action = if active {
        "webhook.resumed"
    } else {
        "webhook.paused"
    };
    let details = serde_json::json!({ "url": hook.url });
    let audit = super::admin_audit::by(auth, action, "webhook", Some(id), details);
    // Written only when the state changes.
    state
        .db
        .webhook_set_active(auth.user.org_id, id, active, &audit)
        .await?
        .ok_or(AppError::NotFound)?;
    get(state, auth, id).await
}

/// Queues a delivery again, at once.
pub async fn redeliver(state: &AppState, auth: &Auth, delivery: Id) -> AppResult<()> {
    Manager::of(auth)?;
    if state
        .db
        .webhook_redeliver(auth.user.org_id, delivery, now_ms())
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// Queues a test ping to one subscription; answers the delivery's id.
pub async fn ping(state: &AppState, auth: &Auth, id: Id) -> AppResult<Id> {
    let hook = get(state, auth, id).await?;
    let ping = Effects {
        webhooks: vec![WebhookEvent {
            org_id: hook.org_id,
            event_type: PING.to_string(),
            data: serde_json::json!({"webhook_id": hook.id}),
            only: Some(hook.id),
        }],
        ..Effects::default()
    };
    let ids = crate::outbox::write(state, &ping).await?;
    ids.into_iter().next().ok_or(AppError::NotFound)
}

/// `member.invited` / `member.activated` for one person.
pub fn member_event(u: &embarq_store::User, event_type: &'static str) -> Effects {
    member_event_of(u.org_id, u.id, &u.email, &u.display_name, event_type)
}

/// The same for a person being written (not read back yet).
pub fn member_event_of(
    org_id: OrgId,
    id: UserId,
    email: &str,
    display_name: &str,
    event_type: &'static str,
) -> Effects {
    let data = serde_json::json!({
        "member": {"id": id, "email": email, "display_name": display_name},
    });
    Effects::webhook(org_id, event_type, data)
}

/// A post being written, as `post.created` tells it.
pub struct PostCreated<'a> {
    pub id: Id,
    pub sphere: &'a embarq_store::Sphere,
    pub author: &'a embarq_store::User,
    pub body: &'a str,
    pub status: embarq_domain::PostStatus,
}

/// What a new post tells `post.created` subscribers; nothing for secret spheres nor posts
/// awaiting approval.
pub fn post_event(p: &PostCreated<'_>) -> Effects {
    if p.sphere.kind == embarq_domain::SphereKind::Secret
        || p.status != embarq_domain::PostStatus::Published
    {
        return Effects::default();
    }
    let data = serde_json::json!({
        "post": {"id": p.id, "sphere_id": p.sphere.id, "sphere_name": p.sphere.name,
                 "author_id": p.author.id, "author_name": p.author.display_name, "body": p.body},
    });
    Effects::webhook(p.sphere.org_id, "post.created", data)
}

/// `event.created` for events open to everyone outside secret spheres (one per event of a
/// series).
pub async fn events_created(
    state: &AppState,
    auth: &Auth,
    ids: &[Id],
    sphere: Option<SphereId>,
    audience: &str,
) -> AppResult<Effects> {
    let mut out = Effects::default();
    if audience.trim() != "all" {
        return Ok(out);
    }
    if let Some(sid) = sphere {
        match state
            .db
            .sphere_for(auth.user.org_id, auth.user.id, sid)
            .await?
        {
            Some(s) if s.kind != embarq_domain::SphereKind::Secret => {}
            _ => return Ok(out),
        }
    }
    for id in ids {
        let data = serde_json::json!({"event": {"id": id, "sphere_id": sphere, "organizer_id": auth.user.id}});
        out.extend(Effects::webhook(auth.user.org_id, "event.created", data));
    }
    Ok(out)
}

/// Jobs task: `rollout.phase_changed` once per change of an organization's rollout phase
/// (preparation, early_access, launch, after_launch, from the plan's dates at `now`).
/// The phase last announced is kept per organization and moved with a conditional update,
/// in the same transaction as the outbox rows, so two processes announce a change once.
/// A new plan starts from "preparation" (a plan whose early access already began announces
/// it); plans older than the announcements are recorded silently on the first pass. If
/// several phases passed between two passes, one event tells the latest. Postponing the
/// launch can move the phase back; that is announced too. Answers how many changes were
/// announced.
pub async fn announce_phase_changes(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let mut announced = 0;
    for seen in state.db.rollout_phases_seen().await? {
        let Some(plan) = state.db.rollout_plan(seen.org_id).await? else {
            continue;
        };
        let waves = state.db.rollout_waves(seen.org_id).await?;
        let schedule = super::rollout::schedule(&plan, &waves);
        let phase = schedule.phase_at(now);
        let previous = match (seen.known, seen.phase.as_deref()) {
            (0, _) => Some(Phase::Preparation.as_str()),
            (_, None) => None,
            (_, Some(p)) => Some(p),
        };
        if previous == Some(phase.as_str()) && seen.known == 1 {
            continue;
        }
        // Recorded silently: an unknown past, or a new plan still in preparation.
        let silent = previous.is_none() || previous == Some(phase.as_str());
        let started_at = schedule
            .phase_starts()
            .into_iter()
            .find(|(p, _)| *p == phase)
            .and_then(|(_, at)| at);
        let data = serde_json::json!({
            "phase": phase.as_str(),
            "previous_phase": previous,
            "phase_started_at": started_at,
            "launch_at": schedule.launch_at,
            "early_access_at": schedule.early_access_at(),
            "after_launch_at": schedule.after_launch_at(),
        });
        let announcement = if silent {
            Effects::default()
        } else {
            Effects::webhook(seen.org_id, PHASE_CHANGED, data)
        };
        let won = state
            .db
            .rollout_phase_advance(&seen, phase.as_str(), now, &announcement)
            .await?;
        if won.is_some() && !silent {
            announced += 1;
        }
    }
    Ok(announced)
}

const PHASE_CHANGED: &str = "rollout.phase_changed";

/// Jobs task: sends the deliveries due at `now`; answers how many were attempted.
pub async fn send_due(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let claimed = state.db.webhook_claim_due(now, LEASE_MS, BATCH).await?;
    let n = claimed.len();
    let client_allow = state.config.webhook_allow_private;
    futures::future::join_all(
        claimed
            .into_iter()
            .map(|d| deliver(state, d, now, client_allow)),
    )
    .await
    .into_iter()
    .collect::<anyhow::Result<Vec<()>>>()?;
    Ok(n)
}

/// The signature header's value: `sha256=` + hex HMAC-SHA256 of `"{timestamp}.{body}"`.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    #[allow(clippy::expect_used, reason = "HMAC takes keys of any length")]
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body.as_bytes());
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

async fn deliver(
    state: &AppState,
    d: ClaimedDelivery,
    now: i64,
    allow_private: bool,
) -> anyhow::Result<()> {
    let attempt = d.attempts + 1;
    let started = Instant::now();
    let result = post(&d, now, allow_private).await;
    let duration_ms = started.elapsed().as_millis() as i64;
    let (code, error) = match result {
        Ok(code) if (200..300).contains(&code) => (Some(code), None),
        Ok(code) => (Some(code), Some(format!("HTTP {code}"))),
        Err(e) => (None, Some(e)),
    };
    let (status, next) = match &error {
        None => ("delivered", now),
        Some(_) => match crate::outbox::retry_at(attempt, now) {
            Some(at) => ("pending", at),
            None => ("failed", now),
        },
    };
    state
        .db
        .webhook_record_attempt(
            d.id,
            attempt,
            now,
            code,
            duration_ms,
            error.as_deref(),
            status,
            next,
        )
        .await?;
    Ok(())
}

/// A client for one request to `url`, a server someone outside gave us (a webhook, a push
/// service): no redirects, [`TIMEOUT`], and unless `allow_private`, the name is resolved
/// once, every address checked, and the connection made to a checked one only.
pub(crate) async fn outbound_client(
    url: &url::Url,
    allow_private: bool,
) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(reqwest::redirect::Policy::none());
    if !allow_private {
        let addrs = resolve(url).await.map_err(|e| format!("DNS: {e}"))?;
        if addrs.is_empty() || addrs.iter().any(|a| is_forbidden_ip(a.ip())) {
            return Err("refused: the URL resolves to a private address".into());
        }
        if let Some(url::Host::Domain(host)) = url.host() {
            builder = builder.resolve(host, addrs[0]);
        }
    }
    builder.build().map_err(|e| e.to_string())
}

/// What went wrong with a request to an outside server, as the delivery log says it.
pub(crate) fn failure(e: reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".to_string()
    } else {
        e.to_string()
    }
}

/// POSTs one delivery; answers the HTTP status or what went wrong.
async fn post(d: &ClaimedDelivery, now: i64, allow_private: bool) -> Result<i64, String> {
    let url = url::Url::parse(&d.url).map_err(|e| e.to_string())?;
    let client = outbound_client(&url, allow_private).await?;
    let timestamp = now / 1000;
    let r = client
        .post(url)
        .header("content-type", "application/json")
        .header("user-agent", "embarq-webhooks")
        .header("x-embarq-event", &d.event_type)
        .header("x-embarq-delivery", d.id.to_string())
        .header("x-embarq-timestamp", timestamp.to_string())
        .header(
            "x-embarq-signature",
            signature(&d.secret, timestamp, &d.payload),
        )
        .body(d.payload.clone())
        .send()
        .await
        .map_err(failure)?;
    Ok(i64::from(r.status().as_u16()))
}
