//! Moderation pages: report forms, the sphere and organization queues, the audit log, and
//! the notification preferences page (Settings → Notifications).
use super::{Page, PathId, St, redirect_or_again, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr};
use crate::service::digests::{self, DigestPrefs, Preferences};
use crate::service::moderation::{self, ActionInput, AuditQuery, QueueItem, ReportInput};
use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::Id;
use embarq_domain::SphereId;
use embarq_domain::moderation::{Category, Channel, MUTE_HOURS, ReportReason, ReportTarget};
use embarq_store::{AuditRow, HiddenItem};
use serde::Deserialize;
use std::collections::BTreeMap;

use crate::state::{AppState, WebState};

pub fn router() -> Router<WebState> {
    Router::new()
        .route(
            "/posts/{id}/report",
            get(report_post_form).post(report_post),
        )
        .route(
            "/comments/{id}/report",
            get(report_comment_form).post(report_comment),
        )
        .route("/spheres/{id}/moderation", get(sphere_queue))
        .route("/spheres/{id}/audit", get(sphere_audit))
        .route("/admin/moderation", get(org_queue))
        .route("/admin/audit", get(org_audit))
        .route("/moderation/act", post(act))
        .route("/settings/notifications", get(prefs_page).post(save_prefs))
        .route("/settings/push/{id}/delete", post(remove_push_device))
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    p: Page,
    action: String,
    back: String,
    html: String,
    reasons: Vec<(&'static str, String)>,
    form: ReportInput,
    /// The report was just sent: thank the person instead of showing the form.
    sent: bool,
}

#[derive(Deserialize, Default)]
struct Sent {
    #[serde(default)]
    sent: Option<String>,
}

#[allow(clippy::too_many_arguments)]
async fn report_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    kind: ReportTarget,
    id: Id,
    form: ReportInput,
    err: Option<&AppError>,
    sent: bool,
) -> AppResult<Response> {
    let t = moderation::target(state, auth, kind, id).await?;
    if !embarq_domain::policy::can_report(t.visible.access()) {
        return Err(AppError::NotFound.into());
    }
    let html = match kind {
        ReportTarget::Post => t.post.body_html.clone(),
        ReportTarget::Comment => state
            .db
            .comments_for(t.post.id, true)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .map(|c| c.body_html)
            .unwrap_or_default(),
    };
    let mut p = Page::new(state, lang, csrf, Some(auth), "report-title").await;
    let code = p.show_error(err);
    Ok(render_status(
        code,
        &ReportPage {
            p,
            action: format!("/{}s/{id}/report", kind.as_str()),
            back: format!("/posts/{}", t.post.id),
            html,
            reasons: ReportReason::ALL
                .iter()
                .map(|r| {
                    (
                        r.as_str(),
                        tr(lang, &format!("report-reason-{}", r.as_str())),
                    )
                })
                .collect(),
            form,
            sent,
        },
    ))
}

async fn report_post_form(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Query(s): Query<Sent>,
) -> AppResult<Response> {
    report_page(
        &state,
        lang,
        &csrf,
        &auth,
        ReportTarget::Post,
        id,
        ReportInput::default(),
        None,
        s.sent.is_some(),
    )
    .await
}

async fn report_comment_form(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Query(s): Query<Sent>,
) -> AppResult<Response> {
    report_page(
        &state,
        lang,
        &csrf,
        &auth,
        ReportTarget::Comment,
        id,
        ReportInput::default(),
        None,
        s.sent.is_some(),
    )
    .await
}

async fn submit(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    kind: ReportTarget,
    id: Id,
    f: ReportInput,
) -> AppResult<Response> {
    match moderation::report(state, auth, kind, id, &f).await {
        Ok(_) => Ok(see_other(&format!(
            "/{}s/{id}/report?sent=1",
            kind.as_str()
        ))),
        Err(e @ (AppError::Validation(_) | AppError::Conflict(_) | AppError::Refused(_))) => {
            report_page(state, lang, csrf, auth, kind, id, f, Some(&e), false).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn report_post(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<ReportInput>,
) -> AppResult<Response> {
    submit(&state, lang, &csrf, &auth, ReportTarget::Post, id, f).await
}

async fn report_comment(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<ReportInput>,
) -> AppResult<Response> {
    submit(&state, lang, &csrf, &auth, ReportTarget::Comment, id, f).await
}

#[derive(Template)]
#[template(path = "moderation.html")]
struct QueuePage {
    p: Page,
    /// The sphere, for a sphere's queue.
    sphere: Option<(SphereId, String)>,
    items: Vec<QueueItem>,
    hidden: Vec<HiddenItem>,
    back: String,
    mute_hours: Vec<i64>,
    /// (action, button class) offered per item.
    actions: Vec<(&'static str, &'static str)>,
}

const ACTIONS: [(&str, &str); 4] = [
    ("dismiss", "secondary"),
    ("hide", "secondary"),
    ("delete", "secondary danger"),
    ("remove", "secondary danger"),
];

impl QueuePage {
    /// Whether to offer `action` on the item: hiding twice or acting on a vanished item is not.
    fn offer(&self, i: &QueueItem, action: &str) -> bool {
        match action {
            "dismiss" => true,
            "hide" => !i.hidden && i.html.is_some(),
            _ => i.html.is_some(),
        }
    }
    fn label(&self, action: &str) -> String {
        self.p.t(&format!("moderation-action-{action}"))
    }
    fn mute_label(&self, h: impl std::fmt::Display) -> String {
        self.p.t(&format!("moderation-mute-{h}"))
    }
    fn reason(&self, r: &str) -> String {
        self.p.t(&format!("report-reason-{r}"))
    }
}

async fn sphere_queue(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
) -> AppResult<Response> {
    let v = crate::service::spheres::load(&state, &auth, id).await?;
    let (items, hidden) = moderation::sphere_queue(&state, &v).await?;
    let s = v.into_sphere();
    let mut p = Page::new(&state, lang, &csrf, Some(&auth), "moderation-title").await;
    p.title = format!("{} · {}", p.title, s.name);
    Ok(render_status(
        StatusCode::OK,
        &QueuePage {
            p,
            sphere: Some((s.id, s.name)),
            items,
            hidden,
            back: format!("/spheres/{id}/moderation"),
            mute_hours: MUTE_HOURS.to_vec(),
            actions: ACTIONS.to_vec(),
        },
    ))
}

async fn org_queue(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    let items = moderation::org_queue(&state, &auth).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "moderation-title").await;
    Ok(render_status(
        StatusCode::OK,
        &QueuePage {
            p,
            sphere: None,
            items,
            hidden: Vec::new(),
            back: "/admin/moderation".to_string(),
            mute_hours: MUTE_HOURS.to_vec(),
            actions: ACTIONS.to_vec(),
        },
    ))
}

#[derive(Deserialize)]
struct ActForm {
    #[serde(default)]
    target_kind: String,
    #[serde(default)]
    target_id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    hours: Option<String>,
    #[serde(default)]
    back: String,
}

async fn act(state: St, auth: Auth, Form(f): Form<ActForm>) -> AppResult<Response> {
    let input = ActionInput {
        target_kind: f.target_kind,
        target_id: embarq_domain::parse_id(f.target_id.trim()),
        action: f.action,
        hours: f.hours,
    };
    let out = moderation::act(&state, &auth, &input).await?;
    // Only app-relative pages: never an open redirect.
    let back = if f.back.starts_with('/') && !f.back.starts_with("//") {
        f.back
    } else {
        format!("/spheres/{}/moderation", out.sphere_id)
    };
    Ok(see_other(&back))
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    p: Page,
    base: String,
    sphere: Option<(SphereId, String)>,
    rows: Vec<AuditRow>,
    actions: Vec<String>,
    q_action: String,
    q_actor: String,
    q_from: String,
    q_to: String,
    q_text: String,
    page: i64,
    more: bool,
}

impl AuditPage {
    /// A target without a name of its own (a webhook, a token): what kind of thing it is.
    fn target_label(&self, r: &AuditRow) -> String {
        let key = format!("audit-target-{}", r.target_kind.replace('_', "-"));
        let t = crate::i18n::tr(self.p.lang, &key);
        if t == key { r.target_kind.clone() } else { t }
    }
    fn detail_lines(&self, r: &AuditRow) -> Vec<(String, String)> {
        crate::service::admin_audit::detail_lines(self.p.lang, &r.details)
    }
    fn query(&self, page: i64) -> String {
        format!(
            "{}?q={}&action={}&actor={}&from={}&to={}&page={page}",
            self.base,
            urlencoding::encode(&self.q_text),
            urlencoding::encode(&self.q_action),
            urlencoding::encode(&self.q_actor),
            urlencoding::encode(&self.q_from),
            urlencoding::encode(&self.q_to),
        )
    }

    fn label(&self, action: &str) -> String {
        crate::service::admin_audit::label(self.p.lang, action)
    }
}

async fn audit_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    sphere: Option<SphereId>,
    q: AuditQuery,
) -> AppResult<Response> {
    let mut p = Page::new(state, lang, csrf, Some(auth), "audit-title").await;
    let (rows, more, code) = match moderation::audit(state, auth, sphere, &q).await {
        Ok((r, m)) => (r, m, StatusCode::OK),
        Err(e @ AppError::Validation(_)) => {
            let c = p.show_error(Some(&e));
            (Vec::new(), false, c)
        }
        Err(e) => return Err(e.into()),
    };
    let sphere_named = match sphere {
        Some(s) => {
            let v = crate::service::spheres::load(state, auth, s).await?;
            let s = v.into_sphere();
            Some((s.id, s.name))
        }
        None => None,
    };
    let actions = state.db.audit_actions(auth.user.org_id, sphere).await?;
    let actions = actions
        .into_iter()
        .filter(|a| sphere.is_none() || a.starts_with("moderation."))
        .collect();
    Ok(render_status(
        code,
        &AuditPage {
            p,
            base: match sphere {
                Some(s) => format!("/spheres/{s}/audit"),
                None => "/admin/audit".to_string(),
            },
            sphere: sphere_named,
            rows,
            actions,
            q_action: q.action.clone().unwrap_or_default(),
            q_actor: q.actor.clone().unwrap_or_default(),
            q_from: q.from.clone().unwrap_or_default(),
            q_to: q.to.clone().unwrap_or_default(),
            q_text: q.q.clone().unwrap_or_default(),
            page: q.page.unwrap_or(1).max(1),
            more,
        },
    ))
}

async fn org_audit(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    audit_page(&state, lang, &csrf, &auth, None, q).await
}

async fn sphere_audit(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
    Query(q): Query<AuditQuery>,
) -> AppResult<Response> {
    audit_page(&state, lang, &csrf, &auth, Some(id), q).await
}

#[derive(Template)]
#[template(path = "notification_prefs.html")]
struct PrefsPage {
    p: Page,
    /// (category, label, chosen channel)
    rows: Vec<(&'static str, String, String)>,
    channels: Vec<(&'static str, String)>,
    digest: DigestPrefs,
    weekdays: Vec<(u32, String)>,
    frequencies: Vec<(&'static str, String)>,
    hours: Vec<u32>,
    saved: bool,
    /// (minutes, label, chosen) for unread private messages' e-mail.
    message_delays: Vec<(u32, String, bool)>,
    /// (topic, label) a device may announce.
    push_topics: Vec<(&'static str, String)>,
    /// The person's devices receiving pushes.
    push_devices: Vec<embarq_store::PushDevice>,
}

impl PrefsPage {
    fn is_chosen(&self, chosen: &str, ch: &str) -> bool {
        chosen == ch
    }
    fn is_frequency(&self, f: &str) -> bool {
        self.digest.frequency == f
    }
    // Askama hands loop items by reference (sometimes twice): compare their text.
    fn is_weekday(&self, d: impl std::fmt::Display) -> bool {
        self.digest.weekday.to_string() == d.to_string()
    }
    fn is_hour(&self, h: impl std::fmt::Display) -> bool {
        self.digest.hour.to_string() == h.to_string()
    }
    fn hour_label(&self, h: impl std::fmt::Display) -> String {
        format!("{h:0>2}:00")
    }
}

#[derive(Deserialize, Default)]
struct Saved {
    #[serde(default)]
    saved: Option<String>,
}

async fn render_prefs(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    prefs: Preferences,
    saved: bool,
    err: Option<&AppError>,
) -> AppResult<Response> {
    let mut p = Page::new(state, lang, csrf, Some(auth), "prefs-title").await;
    let code = p.show_error(err);
    let push_devices = crate::service::push::devices(state, auth).await?;
    let rows = Category::ALL
        .iter()
        .map(|c| {
            (
                c.as_str(),
                tr(lang, &format!("prefs-category-{}", c.as_str())),
                prefs
                    .channels
                    .get(c.as_str())
                    .cloned()
                    .unwrap_or_else(|| Channel::App.as_str().to_string()),
            )
        })
        .collect();
    Ok(render_status(
        code,
        &PrefsPage {
            p,
            rows,
            channels: Channel::ALL
                .iter()
                .map(|c| {
                    (
                        c.as_str(),
                        tr(lang, &format!("prefs-channel-{}", c.as_str())),
                    )
                })
                .collect(),
            digest: prefs.digest,
            message_delays: embarq_domain::moderation::MESSAGE_MAIL_DELAYS
                .iter()
                .map(|m| {
                    let label = match m {
                        0 => tr(lang, "prefs-messages-never"),
                        m if m % 60 == 0 => crate::i18n::tr_args(
                            lang,
                            "prefs-messages-hours",
                            &[("count", (m / 60).into())],
                        ),
                        m => crate::i18n::tr_args(
                            lang,
                            "prefs-messages-minutes",
                            &[("count", (*m).into())],
                        ),
                    };
                    let chosen = prefs
                        .message_email_after
                        .unwrap_or(embarq_domain::moderation::MESSAGE_MAIL_DEFAULT)
                        == *m;
                    (*m, label, chosen)
                })
                .collect(),
            weekdays: (0..7)
                .map(|d| (d, tr(lang, &format!("prefs-weekday-{d}"))))
                .collect(),
            frequencies: embarq_domain::moderation::DigestFrequency::ALL
                .iter()
                .map(|f| {
                    (
                        f.as_str(),
                        tr(lang, &format!("prefs-frequency-{}", f.as_str())),
                    )
                })
                .collect(),
            hours: (0..24).collect(),
            saved,
            push_topics: embarq_domain::push::PushTopic::ALL
                .iter()
                .map(|t| (t.as_str(), tr(lang, &format!("push-topic-{}", t.as_str()))))
                .collect(),
            push_devices,
        },
    ))
}

/// Turns pushes off for one of the person's devices (the list on the preferences page).
async fn remove_push_device(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    crate::service::push::remove(&state, &auth, id).await?;
    Ok(see_other("/settings/notifications#push-prefs"))
}

async fn prefs_page(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(s): Query<Saved>,
) -> AppResult<Response> {
    let prefs = digests::preferences(&state, &auth).await?;
    render_prefs(&state, lang, &csrf, &auth, prefs, s.saved.is_some(), None).await
}

async fn save_prefs(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<BTreeMap<String, String>>,
) -> AppResult<Response> {
    let channels = f
        .iter()
        .filter_map(|(k, v)| k.strip_prefix("ch_").map(|c| (c.to_string(), v.clone())))
        .collect();
    let num = |k: &str| -> u32 {
        f.get(k)
            .and_then(|v| v.trim().parse::<u32>().ok())
            .unwrap_or(u32::MAX)
    };
    let prefs = Preferences {
        channels,
        digest: DigestPrefs {
            frequency: f.get("frequency").cloned().unwrap_or_default(),
            weekday: num("weekday"),
            hour: num("hour"),
            time_zone: f.get("time_zone").cloned().unwrap_or_default(),
        },
        message_email_after: f
            .get("message_email_after")
            .map(|_| num("message_email_after")),
    };
    let r = digests::save_preferences(&state, &auth, &prefs).await;
    redirect_or_again(r, "/settings/notifications?saved=1", async |e| {
        render_prefs(&state, lang, &csrf, &auth, prefs, false, Some(&e)).await
    })
    .await
}
