//! Setup, sign-in and out, invitations, password resets, language and personal settings.
use super::{Page, PathId, St, redirect_or_again, render, render_status, see_other};
use crate::auth::{Auth, ClientIp, Csrf, MaybeAuth, SESSION_COOKIE};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::service::{accounts, members, time_zone};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::extract::{Multipart, Path, Query};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_store::ApiToken;
use serde::Deserialize;

const BROWSER: accounts::SessionFor = accounts::SessionFor::Browser;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/setup", get(setup_form).post(setup))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/forgot", get(forgot_form).post(forgot))
        .route("/reset/{token}", get(reset_form).post(reset))
        .route("/invite/{token}", get(invite_form).post(invite_accept))
        .route("/lang", post(set_lang))
        .route("/settings", get(settings))
        .route("/settings/profile", post(update_profile))
        .route("/settings/photo", post(upload_photo))
        .route("/settings/tokens", post(create_token))
        .route("/settings/tokens/{id}/delete", post(delete_token))
}

fn session_cookie(state: &AppState, token: &str, max_age_s: i64) -> HeaderValue {
    crate::auth::cookie(
        SESSION_COOKIE,
        token,
        "/",
        Some(max_age_s),
        true,
        state.config.secure_cookies,
    )
}

/// Signs the browser in and sends it on.
pub(super) fn signed_in(state: &AppState, token: &str, to: &str) -> Response {
    let mut res = see_other(to);
    res.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(state, token, state.config.session_ttl_ms / 1000),
    );
    res
}

/// Where to go after signing in: only a path of this site. `next` is resolved as a browser
/// would (WHATWG URL rules: tabs and newlines dropped, `\\` read as `/`), and anything that
/// lands on another origin, or on a path a browser would read as one (`//host`), goes home.
pub(super) fn safe_next(next: &str) -> String {
    static BASE: std::sync::LazyLock<Option<url::Url>> =
        std::sync::LazyLock::new(|| url::Url::parse("http://embarq.invalid/").ok());
    let Some(base) = BASE.as_ref() else {
        return "/".into();
    };
    let resolved = match base.join(next) {
        Ok(u) if next.starts_with('/') && u.origin() == base.origin() => u,
        _ => return "/".into(),
    };
    let mut out = resolved.path().to_string();
    if out.starts_with("//") || out.starts_with("/\\") {
        return "/".into();
    }
    if let Some(q) = resolved.query() {
        out.push('?');
        out.push_str(q);
    }
    if let Some(f) = resolved.fragment() {
        out.push('#');
        out.push_str(f);
    }
    out
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    p: Page,
    org_name: String,
    display_name: String,
    email: String,
}

#[derive(Deserialize, Default)]
pub struct SetupForm {
    #[serde(default)]
    org_name: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn setup_form(state: St, lang: Lang, csrf: Csrf) -> AppResult<Response> {
    if state.db.organization_count().await? > 0 {
        return Ok(see_other("/login"));
    }
    let p = Page::new(&state, lang, &csrf, None, "setup-title").await;
    Ok(render(&SetupPage {
        p,
        org_name: String::new(),
        display_name: String::new(),
        email: String::new(),
    }))
}

async fn setup(
    state: St,
    lang: Lang,
    csrf: Csrf,
    ClientIp(client): ClientIp,
    Form(f): Form<SetupForm>,
) -> AppResult<Response> {
    let input = accounts::SetupInput {
        org_name: f.org_name.clone(),
        display_name: f.display_name.clone(),
        email: f.email.clone(),
        password: f.password.clone(),
    };
    match accounts::setup(&state, &input).await {
        Ok(_) => {
            let s = accounts::sign_in(&state, &f.email, &f.password, client, BROWSER).await?;
            Ok(signed_in(&state, &s.token, "/"))
        }
        Err(AppError::Refused("already_set_up")) => Ok(see_other("/login")),
        Err(AppError::Validation(errs)) => {
            let p = Page::new(&state, lang, &csrf, None, "setup-title")
                .await
                .with_errors(&errs);
            Ok(render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &SetupPage {
                    p,
                    org_name: f.org_name,
                    display_name: f.display_name,
                    email: f.email,
                },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    p: Page,
    next: String,
    email: String,
    /// Organizations offering single sign-on: (id, button label).
    sso: Vec<(embarq_domain::Id, String)>,
}

#[derive(Deserialize)]
struct NextQuery {
    #[serde(default)]
    next: String,
}

async fn login_form(
    state: St,
    lang: Lang,
    csrf: Csrf,
    MaybeAuth(auth): MaybeAuth,
    Query(q): Query<NextQuery>,
) -> AppResult<Response> {
    if state.db.organization_count().await? == 0 {
        return Ok(see_other("/setup"));
    }
    if auth.is_some() {
        return Ok(see_other(&safe_next(&q.next)));
    }
    let p = Page::new(&state, lang, &csrf, None, "login-title").await;
    Ok(render(&LoginPage {
        p,
        next: q.next,
        email: String::new(),
        sso: crate::service::oidc::sign_in_choices(&state, lang).await?,
    }))
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login(
    state: St,
    lang: Lang,
    csrf: Csrf,
    ClientIp(client): ClientIp,
    Form(f): Form<LoginForm>,
) -> AppResult<Response> {
    match accounts::sign_in(&state, &f.email, &f.password, client, BROWSER).await {
        Ok(s) => Ok(signed_in(&state, &s.token, &safe_next(&f.next))),
        Err(AppError::Refused(crate::service::rollout::ACCESS_NOT_OPEN)) => {
            match crate::service::rollout::opening_for_email(&state, &f.email).await? {
                Some(o) => Ok(super::rollout::gate_page(&state, lang, &csrf, o).await),
                None => Err(AppError::Forbidden.into()),
            }
        }
        Err(e @ (AppError::Refused(_) | AppError::TooManyRequests)) => {
            let status = crate::error::status(&e);
            let p = Page::new(&state, lang, &csrf, None, "login-title")
                .await
                .with_error_code(e.code());
            Ok(render_status(
                status,
                &LoginPage {
                    p,
                    next: f.next,
                    email: f.email,
                    sso: crate::service::oidc::sign_in_choices(&state, lang).await?,
                },
            ))
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout(state: St, auth: Auth) -> AppResult<Response> {
    accounts::sign_out(&state, &auth).await?;
    let mut res = see_other("/login");
    res.headers_mut()
        .append(header::SET_COOKIE, session_cookie(&state, "", 0));
    Ok(res)
}

#[derive(Template)]
#[template(path = "forgot.html")]
struct ForgotPage {
    p: Page,
    sent: bool,
    /// Organizations offering single sign-on: (id, button label), the way in without a password.
    sso: Vec<(embarq_domain::Id, String)>,
}

async fn forgot_form(state: St, lang: Lang, csrf: Csrf) -> AppResult<Response> {
    let p = Page::new(&state, lang, &csrf, None, "forgot-title").await;
    let sso = crate::service::oidc::sign_in_choices(&state, lang).await?;
    Ok(render(&ForgotPage {
        p,
        sent: false,
        sso,
    }))
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
}

async fn forgot(
    state: St,
    lang: Lang,
    csrf: Csrf,
    ClientIp(client): ClientIp,
    Form(f): Form<EmailForm>,
) -> AppResult<Response> {
    // Reset requests count like failed sign-ins: they must not become a mail cannon.
    let key = format!("reset:{client}");
    if state
        .db
        .record_sign_in_failure(&key, state.config.sign_in_window_ms)
        .await?
        > state.config.sign_in_max_failures * 4
    {
        return Err(AppError::TooManyRequests.into());
    }
    accounts::request_password_reset(&state, &f.email, lang).await?;
    let p = Page::new(&state, lang, &csrf, None, "forgot-title").await;
    let sso = crate::service::oidc::sign_in_choices(&state, lang).await?;
    Ok(render(&ForgotPage { p, sent: true, sso }))
}

#[derive(Template)]
#[template(path = "set_password.html")]
struct SetPasswordPage {
    p: Page,
    heading: String,
    action: String,
    valid: bool,
    /// The organization signs in with SSO only: its (id, button label) instead of a password form.
    sso_only: Option<(embarq_domain::OrgId, String)>,
}

async fn password_form(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    token: &str,
    purpose: &str,
    errors: Option<AppError>,
) -> AppResult<Response> {
    let (title, base) = if purpose == accounts::INVITE {
        ("invite-title", "invite")
    } else {
        ("reset-title", "reset")
    };
    let valid = accounts::token_valid(state, token, purpose).await?;
    let mut p = Page::new(state, lang, csrf, None, title).await;
    let status = match errors {
        Some(AppError::Validation(e)) => {
            p = p.with_errors(&e);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Some(e) => {
            p = p.with_error_code(e.code());
            crate::error::status(&e)
        }
        None => StatusCode::OK,
    };
    let heading = p.title.clone();
    let sso_only = if valid {
        crate::service::oidc::sso_only_for_token(state, lang, token, purpose).await?
    } else {
        None
    };
    Ok(render_status(
        status,
        &SetPasswordPage {
            p,
            heading,
            action: format!("/{base}/{token}"),
            valid,
            sso_only,
        },
    ))
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

async fn reset_form(
    state: St,
    lang: Lang,
    csrf: Csrf,
    Path(token): Path<String>,
) -> AppResult<Response> {
    password_form(&state, lang, &csrf, &token, accounts::RESET, None).await
}

async fn invite_form(
    state: St,
    lang: Lang,
    csrf: Csrf,
    Path(token): Path<String>,
) -> AppResult<Response> {
    password_form(&state, lang, &csrf, &token, accounts::INVITE, None).await
}

async fn redeem(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    token: &str,
    purpose: &str,
    f: &PasswordForm,
) -> AppResult<Response> {
    match accounts::redeem(state, token, purpose, &f.password, &f.confirm, BROWSER).await {
        Ok(session) => Ok(signed_in(state, &session.token, "/")),
        Err(AppError::Refused(crate::service::rollout::ACCESS_NOT_OPEN)) => {
            match crate::service::rollout::opening_for_token(state, token, purpose).await? {
                Some(o) => Ok(super::rollout::gate_page(state, lang, csrf, o).await),
                None => Err(AppError::Forbidden.into()),
            }
        }
        Err(e @ (AppError::Validation(_) | AppError::Refused(_))) => {
            password_form(state, lang, csrf, token, purpose, Some(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn reset(
    state: St,
    lang: Lang,
    csrf: Csrf,
    Path(token): Path<String>,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    redeem(&state, lang, &csrf, &token, accounts::RESET, &f).await
}

async fn invite_accept(
    state: St,
    lang: Lang,
    csrf: Csrf,
    Path(token): Path<String>,
    Form(f): Form<PasswordForm>,
) -> AppResult<Response> {
    redeem(&state, lang, &csrf, &token, accounts::INVITE, &f).await
}

#[derive(Deserialize)]
struct LangForm {
    lang: String,
}

async fn set_lang(
    state: St,
    MaybeAuth(auth): MaybeAuth,
    headers: axum::http::HeaderMap,
    Form(f): Form<LangForm>,
) -> AppResult<Response> {
    let lang = Lang::parse(&f.lang).ok_or(embarq_domain::validate::FieldError::new(
        "locale",
        "invalid_choice",
    ))?;
    if let Some(a) = auth {
        state.db.set_locale(a.user.id, lang.code()).await?;
    }
    let back = headers
        .get(header::REFERER)
        .and_then(|r| r.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_string()))
        })
        .unwrap_or_else(|| "/".into());
    let mut res = see_other(&safe_next(&back));
    // Not HttpOnly: the language is no secret, and pages may read it.
    let v = crate::auth::cookie("lang", lang.code(), "/", Some(31_536_000), false, false);
    res.headers_mut().append(header::SET_COOKIE, v);
    Ok(res)
}

#[derive(Template)]
#[template(path = "settings.html")]
struct SettingsPage {
    p: Page,
    tokens: Vec<ApiToken>,
    new_secret: Option<String>,
    /// Every IANA zone, for the personal time zone choice.
    zones: Vec<&'static str>,
    /// "My device's (Europe/Paris for the organization)".
    zone_auto: String,
}

async fn settings_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    new_secret: Option<String>,
    errors: Option<AppError>,
) -> AppResult<Response> {
    let mut p = Page::new(state, lang, csrf, Some(auth), "settings-title").await;
    let status = match errors {
        Some(AppError::Validation(e)) => {
            p = p.with_errors(&e);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        _ => StatusCode::OK,
    };
    let tokens = state.db.api_tokens_of(auth.user.id).await?;
    let org_zone = time_zone::org_zone(state, auth.user.org_id).await?;
    Ok(render_status(
        status,
        &SettingsPage {
            p,
            tokens,
            new_secret,
            zones: chrono_tz::TZ_VARIANTS.iter().map(|z| z.name()).collect(),
            zone_auto: crate::i18n::tr_args(
                lang,
                "time-zone-auto",
                &[("zone", org_zone.name().into())],
            ),
        },
    ))
}

async fn settings(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    settings_page(&state, lang, &csrf, &auth, None, None).await
}

#[derive(Deserialize)]
struct ProfileForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    department: String,
    #[serde(default)]
    site: String,
    #[serde(default)]
    birth_year: String,
    #[serde(default)]
    level: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    time_zone: String,
}

async fn update_profile(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<ProfileForm>,
) -> AppResult<Response> {
    let input = members::ProfileInput {
        display_name: f.display_name,
        title: f.title,
        department: f.department,
        site: f.site,
        birth_year: f.birth_year,
        level: f.level,
        locale: f.locale,
        time_zone: f.time_zone,
    };
    let r = members::update_profile(&state, &auth, &input).await;
    let to = format!("/people/{}", auth.user.id);
    redirect_or_again(r, &to, async |e| {
        settings_page(&state, lang, &csrf, &auth, None, Some(e)).await
    })
    .await
}

async fn upload_photo(state: St, auth: Auth, mut mp: Multipart) -> AppResult<Response> {
    let mut bytes = Vec::new();
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|_| embarq_domain::validate::FieldError::new("photo", "upload_failed"))?
    {
        if field.name() == Some("photo") {
            bytes = field
                .bytes()
                .await
                .map_err(|_| embarq_domain::validate::FieldError::new("photo", "upload_failed"))?
                .to_vec();
        }
    }
    members::set_photo(&state, &auth, &bytes).await?;
    Ok(see_other(&format!("/people/{}", auth.user.id)))
}

#[derive(Deserialize)]
struct TokenForm {
    #[serde(default)]
    name: String,
}

async fn create_token(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<TokenForm>,
) -> AppResult<Response> {
    match accounts::create_api_token(&state, &auth, &f.name).await {
        Ok((_, secret)) => settings_page(&state, lang, &csrf, &auth, Some(secret), None).await,
        Err(e @ AppError::Validation(_)) => {
            settings_page(&state, lang, &csrf, &auth, None, Some(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn delete_token(state: St, auth: Auth, PathId(id): PathId) -> AppResult<impl IntoResponse> {
    if !crate::service::accounts::revoke_api_token(&state, &auth, id).await? {
        return Err(AppError::NotFound.into());
    }
    Ok(see_other("/settings"))
}
