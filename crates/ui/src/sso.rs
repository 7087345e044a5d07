//! Single sign-on pages: /admin/sso (the organization's OpenID Connect provider, managers),
//! /sso/{org}/start (off to the provider) and /sso/callback (back, signed in or refused).
use super::{Page, PageError, PathId, St, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::service::oidc::{
    self as svc, BROWSER_COOKIE, CallbackQuery, SettingsError, SettingsInput,
};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::extract::Query;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use axum_extra::extract::CookieJar;
use fluent_templates::fluent_bundle::FluentValue;
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/admin/sso", get(settings_page).post(save))
        .route("/sso/{id}/start", get(start))
        .route(svc::CALLBACK_PATH, get(callback))
}

#[derive(Template)]
#[template(path = "admin_sso.html")]
struct SettingsPage {
    p: Page,
    f: SettingsInput,
    has_secret: bool,
    redirect_uri: String,
    /// Whether the manager viewing the page has signed in with this provider.
    linked: bool,
    /// A secret was typed but is not shown back: say to type it again before saving.
    secret_retype: bool,
}

#[allow(clippy::too_many_arguments)]
async fn render_settings(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    status: StatusCode,
    form: Option<(SettingsInput, bool)>,
    errors: Vec<PageError>,
    notice: Option<String>,
) -> AppResult<Response> {
    let saved = svc::settings(state, auth).await?;
    let linked = match &saved {
        Some(s) => state.db.oidc_has_link(auth.user.id, &s.issuer).await?,
        None => false,
    };
    let has_secret = saved.as_ref().is_some_and(|s| s.client_secret.is_some());
    let flag = |v: i64| (v == 1).then(|| "on".to_string());
    let (f, secret_retype) = form.unwrap_or_else(|| {
        let f = match &saved {
            Some(s) => SettingsInput {
                enabled: flag(s.enabled),
                issuer: s.issuer.clone(),
                client_id: s.client_id.clone(),
                client_secret: String::new(),
                scopes: s.scopes.clone(),
                claim_department: s.claim_department.clone().unwrap_or_default(),
                claim_site: s.claim_site.clone().unwrap_or_default(),
                claim_level: s.claim_level.clone().unwrap_or_default(),
                claim_display_name: s.claim_display_name.clone().unwrap_or_default(),
                jit_create: flag(s.jit_create),
                link_by_email: flag(s.link_by_email),
                allowed_domains: s.allowed_domains.clone(),
                passwords_disabled: flag(s.passwords_disabled),
            },
            None => SettingsInput {
                scopes: "openid email profile".into(),
                link_by_email: Some("on".into()),
                ..Default::default()
            },
        };
        (f, false)
    });
    let mut p = Page::new(state, lang, csrf, Some(auth), "sso-title").await;
    p.errors = errors;
    p.notice = notice;
    Ok(render_status(
        status,
        &SettingsPage {
            p,
            f,
            has_secret,
            redirect_uri: format!("{}{}", state.config.base_url, svc::CALLBACK_PATH),
            linked,
            secret_retype,
        },
    ))
}

#[derive(Deserialize)]
struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn settings_page(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(q): Query<SavedQuery>,
) -> AppResult<Response> {
    let notice = q.saved.map(|_| i18n::tr(lang, "sso-saved"));
    render_settings(
        &state,
        lang,
        &csrf,
        &auth,
        StatusCode::OK,
        None,
        Vec::new(),
        notice,
    )
    .await
}

#[derive(Deserialize)]
struct SaveForm {
    #[serde(default)]
    action: String,
    #[serde(flatten)]
    f: SettingsInput,
}

async fn save(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(form): Form<SaveForm>,
) -> AppResult<Response> {
    let testing = form.action == "test";
    let r = if testing {
        svc::test_settings(&state, &auth, &form.f).await.map(Some)
    } else {
        svc::save_settings(&state, &auth, &form.f)
            .await
            .map(|_| None)
    };
    let mut kept = form.f;
    // The secret is write-only: never echoed back into the page.
    let typed = !kept.client_secret.trim().is_empty();
    kept.client_secret = String::new();
    let again = |errors: Vec<PageError>, notice: Option<String>, status: StatusCode| {
        render_settings(
            &state,
            lang,
            &csrf,
            &auth,
            status,
            Some((kept.clone(), typed)),
            errors,
            notice,
        )
    };
    match r {
        Ok(None) => Ok(see_other("/admin/sso?saved=1")),
        Ok(Some(endpoint)) => {
            let msg = i18n::tr_args(
                lang,
                "sso-test-ok",
                &[("endpoint", FluentValue::from(endpoint))],
            );
            again(Vec::new(), Some(msg), StatusCode::OK).await
        }
        Err(SettingsError::Discovery(why)) => {
            let msg = i18n::tr_args(
                lang,
                "sso-discovery-failed",
                &[("reason", FluentValue::from(why))],
            );
            again(
                vec![PageError::general(msg)],
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(SettingsError::App(AppError::Validation(errs))) => {
            let msgs = errs.iter().map(|e| PageError::of(lang, e)).collect();
            again(msgs, None, StatusCode::UNPROCESSABLE_ENTITY).await
        }
        Err(SettingsError::App(e)) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

fn browser_cookie(state: &AppState, value: &str, max_age_s: i64) -> HeaderValue {
    // Lax: the provider's redirect back is a top-level GET navigation, which carries it.
    crate::auth::cookie(
        BROWSER_COOKIE,
        value,
        "/sso",
        Some(max_age_s),
        true,
        state.config.secure_cookies,
    )
}

async fn start(
    state: St,
    lang: Lang,
    csrf: Csrf,
    crate::auth::ClientIp(client): crate::auth::ClientIp,
    PathId(org_id): PathId,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    let next = super::account::safe_next(&q.next);
    match svc::start(
        &state,
        embarq_domain::OrgId(org_id),
        &next,
        &client.to_string(),
    )
    .await
    {
        Ok((url, browser)) => {
            let mut res = see_other(&url);
            res.headers_mut().append(
                header::SET_COOKIE,
                browser_cookie(&state, &browser, svc::STATE_TTL_MS / 1000),
            );
            Ok(res)
        }
        Err(AppError::Refused(code)) => Ok(refusal(&state, lang, &csrf, code).await),
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "sso_error.html")]
struct RefusalPage {
    p: Page,
    message: String,
}

/// A refused sign-in: a translated page with the way back to the sign-in page.
async fn refusal(state: &AppState, lang: Lang, csrf: &Csrf, code: &str) -> Response {
    let p = Page::new(state, lang, csrf, None, "sso-refused-title").await;
    let message = i18n::error_message(lang, code);
    let status = if code == svc::PROVIDER_ERROR {
        StatusCode::BAD_GATEWAY
    } else {
        StatusCode::FORBIDDEN
    };
    render_status(status, &RefusalPage { p, message })
}

async fn callback(
    state: St,
    lang: Lang,
    csrf: Csrf,
    jar: CookieJar,
    Query(q): Query<CallbackQuery>,
) -> AppResult<Response> {
    let cookie = jar.get(BROWSER_COOKIE).map(|c| c.value().to_string());
    let r = svc::callback(&state, &q, cookie.as_deref()).await;
    let mut res = match r {
        Ok(done) => super::account::signed_in(&state, &done.session, &done.next),
        Err(AppError::Refused(code)) => refusal(&state, lang, &csrf, code).await,
        Err(e) => return Err(e.into()),
    };
    // The state is spent either way; so is its cookie.
    res.headers_mut()
        .append(header::SET_COOKIE, browser_cookie(&state, "", 0));
    Ok(res)
}
