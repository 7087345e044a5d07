//! The web UI: server-rendered pages (askama) enhanced by htmx (hx-boost navigation, live
//! fragments), their static assets, and the layer that renders errors as localized pages.
//! Every page works without JavaScript. HTTP plumbing (state, auth, errors) is
//! `embarq-http`'s; `embarq-web` assembles both.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

mod account;
mod admin;
mod agenda;
mod analytics;
mod app_shell;
pub mod assets;
mod champions;
mod checklists;
mod contests;
mod events_shared;
mod files;
mod gdpr;
mod help;
mod home;
mod messages;
mod moderation;
mod nudges;
mod people;
mod polls;
pub(crate) mod rollout;
mod scim;
mod search;
mod sphere_rules;
mod spheres;
mod sso;
mod starter;
mod suggestions;
mod tasks;
mod training;
mod usecases;
mod video;
mod webhooks;
mod widgets;

use crate::auth::{Auth, Csrf};
// What pages use from the HTTP layer and the application, under short paths.
pub(crate) use embarq_app::{i18n, service};
pub(crate) use embarq_http::{auth, error, realtime, state, transfer};

use crate::error::{AppError, AppResult, UiErrorMarker};
use crate::i18n::Lang;
use crate::state::{AppState, WebState};
use askama::Template;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use embarq_domain::recency::{self, Recency};
use embarq_domain::validate::FieldError;
use fluent_templates::fluent_bundle::FluentValue;

pub fn router() -> Router<WebState> {
    Router::new()
        .merge(app_shell::router())
        .merge(account::router())
        .merge(home::router())
        .merge(search::router())
        .merge(spheres::router())
        .merge(sphere_rules::router())
        .merge(people::router())
        .merge(messages::router())
        .merge(moderation::router())
        .merge(admin::router())
        .merge(starter::router())
        .merge(checklists::router())
        .merge(help::router())
        .merge(usecases::router())
        .merge(suggestions::router())
        .merge(tasks::router())
        .merge(polls::router())
        .merge(training::router())
        .merge(agenda::router())
        .merge(rollout::router())
        .merge(champions::router())
        .merge(analytics::router())
        .merge(contests::router())
        .merge(nudges::router())
        .merge(files::router())
        .merge(gdpr::router())
        .merge(widgets::router())
        .merge(video::router())
        .merge(webhooks::router())
        .merge(scim::router())
        .merge(sso::router())
        .route("/events", get(crate::realtime::stream))
}

/// A message above the page's form; `field` names the input it is about, which then points to
/// it (`aria-describedby`, `aria-invalid`: app.js ties them).
pub struct PageError {
    pub field: Option<&'static str>,
    pub text: String,
}

impl PageError {
    pub fn general(text: String) -> Self {
        Self { field: None, text }
    }
    pub fn of(lang: Lang, e: &FieldError) -> Self {
        Self {
            field: Some(e.field),
            text: i18n::field_error(lang, e),
        }
    }
}

/// What every page needs: language, CSRF token, the signed-in person and their unread count.
pub struct Page {
    pub lang: Lang,
    pub csrf: String,
    pub me: Option<embarq_store::User>,
    pub unread: i64,
    /// Conversations with unread private messages.
    pub unread_messages: i64,
    pub title: String,
    pub errors: Vec<PageError>,
    pub notice: Option<String>,
    /// Where the reader's clock is: times are shown there (their own choice, else their
    /// browser's, else the organization's: Europe/Paris unless the rollout plan says otherwise).
    pub zone: chrono_tz::Tz,
}

impl Page {
    pub async fn new(
        state: &AppState,
        lang: Lang,
        csrf: &Csrf,
        auth: Option<&Auth>,
        title: &str,
    ) -> Page {
        let unread = match auth {
            Some(a) => state.db.unread_count(a.user.id).await.unwrap_or(0),
            None => 0,
        };
        let unread_messages = match auth {
            Some(a) => state
                .db
                .unread_conversation_count(a.user.id)
                .await
                .unwrap_or(0),
            None => 0,
        };
        let zone = match auth {
            Some(a) => embarq_app::service::time_zone::reader_zone(state, a)
                .await
                .unwrap_or(chrono_tz::Europe::Paris),
            None => chrono_tz::Europe::Paris,
        };
        Page {
            lang,
            csrf: csrf.0.clone(),
            me: auth.map(|a| a.user.clone()),
            unread,
            unread_messages,
            title: i18n::tr(lang, title),
            errors: Vec::new(),
            notice: None,
            zone,
        }
    }
    /// Translation for templates: `{{ p.t("key") }}`.
    pub fn t(&self, key: &str) -> String {
        i18n::tr(self.lang, key)
    }
    /// Whether `id` is the signed-in person (e.g. to offer "Report" on others' content only).
    pub fn is_me<I: std::borrow::Borrow<embarq_domain::UserId>>(&self, id: I) -> bool {
        self.me.as_ref().is_some_and(|u| u.id == *id.borrow())
    }
    pub fn is_manager(&self) -> bool {
        self.me
            .as_ref()
            .is_some_and(|u| u.org_role == embarq_domain::OrgRole::Manager)
    }
    /// A person's face: their photo, or their initials on their colour. Decorative (the name
    /// stands beside it); markup made of an id and letters only, safe to insert unescaped.
    pub fn avatar(
        &self,
        id: impl std::borrow::Borrow<embarq_domain::UserId>,
        name: &str,
        has_photo: impl std::borrow::Borrow<bool>,
    ) -> String {
        let id = *id.borrow();
        if *has_photo.borrow() {
            format!(
                r#"<img class="avatar" src="/people/{id}/photo" alt="" loading="lazy" width="40" height="40">"#
            )
        } else {
            let (letters, c) = (
                embarq_domain::avatar::initials(name),
                embarq_domain::avatar::colour(id),
            );
            format!(r#"<span class="avatar initials c{c}" aria-hidden="true">{letters}</span>"#)
        }
    }
    /// An icon of the vendored sprite (tools/vendor_icons.py); decorative: the label stands
    /// beside it.
    pub fn icon(&self, name: &str) -> String {
        format!(
            r##"<svg class="icon" aria-hidden="true" focusable="false"><use href="/static/icons.svg#{name}"/></svg>"##
        )
    }
    /// A translation with a count, plural rules included: `{{ p.t_n("key", n) }}`.
    pub fn t_n(&self, key: &str, count: impl std::borrow::Borrow<i64>) -> String {
        i18n::tr_args(
            self.lang,
            key,
            &[("count", FluentValue::from(*count.borrow()))],
        )
    }
    pub fn with_errors(mut self, errors: &[FieldError]) -> Self {
        self.errors = errors.iter().map(|e| PageError::of(self.lang, e)).collect();
        self
    }
    pub fn with_error_code(mut self, code: &str) -> Self {
        self.errors = vec![PageError::general(i18n::error_message(self.lang, code))];
        self
    }
    /// Puts what went wrong on the page (each invalid field's message, or the refusal's);
    /// answers the status to send.
    pub fn show_error(&mut self, e: Option<&AppError>) -> StatusCode {
        match e {
            None => StatusCode::OK,
            Some(AppError::Validation(fields)) => {
                self.errors = fields.iter().map(|f| PageError::of(self.lang, f)).collect();
                StatusCode::UNPROCESSABLE_ENTITY
            }
            Some(other) => {
                self.errors = vec![PageError::general(i18n::error_message(
                    self.lang,
                    other.code(),
                ))];
                crate::error::status(other)
            }
        }
    }
    /// A date-time in the reader's language and zone, in full.
    pub fn when(&self, ms: impl std::borrow::Borrow<i64>) -> String {
        self.lang.date_time(self.zone, *ms.borrow())
    }
    /// A `<time>` element: recent times as people say them ("il y a 5 min", "hier à 14:02"),
    /// others in full; the exact local time on hover, the instant with its offset in
    /// `datetime`. Markup made here from numbers only: safe to insert unescaped.
    pub fn time(&self, ms: impl std::borrow::Borrow<i64>) -> String {
        let ms = *ms.borrow();
        let t = recency::local(self.zone, ms);
        let exact = self.when(ms);
        let hm = |time: chrono::NaiveTime| time.format("%H:%M").to_string();
        let text = match recency::recency(ms, embarq_store::now_ms(), self.zone) {
            Recency::JustNow => i18n::tr(self.lang, "time-just-now"),
            Recency::MinutesAgo(n) => i18n::tr_args(
                self.lang,
                "time-minutes-ago",
                &[("n", FluentValue::from(n))],
            ),
            Recency::Today(at) => self.at("time-today-at", None, hm(at)),
            Recency::Yesterday(at) => self.at("time-yesterday-at", None, hm(at)),
            Recency::ThisWeek(day, at) => self.at(
                "time-weekday-at",
                Some(format!("time-weekday-{}", day.number_from_monday())),
                hm(at),
            ),
            Recency::Dated(..) => exact.clone(),
        };
        format!(
            "<time datetime=\"{}\" title=\"{exact}\">{text}</time>",
            t.to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
        )
    }
    fn at(&self, key: &str, day: Option<String>, time: String) -> String {
        let day = day.map(|d| i18n::tr(self.lang, &d)).unwrap_or_default();
        i18n::tr_args(
            self.lang,
            key,
            &[
                ("day", FluentValue::from(day)),
                ("time", FluentValue::from(time)),
            ],
        )
    }
}

/// Renders a template, answering 500 (logged) if rendering itself fails.
pub fn render<T: Template>(t: &T) -> Response {
    render_status(StatusCode::OK, t)
}

pub fn render_status<T: Template>(status: StatusCode, t: &T) -> Response {
    match t.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template rendering failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

/// Redirect after a successful form (303, so the browser follows with GET).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// After a form: redirect to `to` on success; a refusal or invalid input re-renders the form's
/// page with the message (`again`); anything else (403, 404) stays the error page.
pub async fn redirect_or_again<T>(
    r: embarq_app::AppResult<T>,
    to: &str,
    again: impl AsyncFnOnce(AppError) -> AppResult<Response>,
) -> AppResult<Response> {
    redirect_to_or_again(r, |_| to.to_string(), again).await
}

/// [`redirect_or_again`] to a place that depends on what the form made (`/help/{id}`).
pub async fn redirect_to_or_again<T>(
    r: embarq_app::AppResult<T>,
    to: impl FnOnce(&T) -> String,
    again: impl AsyncFnOnce(AppError) -> AppResult<Response>,
) -> AppResult<Response> {
    match r {
        Ok(v) => Ok(see_other(&to(&v))),
        Err(e @ (AppError::Refused(_) | AppError::Validation(_))) => again(e).await,
        Err(e) => Err(e.into()),
    }
}

/// Decodes a urlencoded body keeping repeated keys (`attended=a&attended=b`).
pub(crate) fn form_pairs(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|s| !s.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            let dec = |s: &str| {
                urlencoding::decode(&s.replace('+', " "))
                    .map(|c| c.into_owned())
                    .unwrap_or_default()
            };
            (dec(k), dec(v))
        })
        .collect()
}

pub fn is_htmx(headers: &HeaderMap) -> bool {
    headers.contains_key("hx-request")
}

/// A request htmx sends to redraw part of the page (a reaction, a comment from the feed),
/// which answers that part. A boosted one (every link and form, `hx-boost` on the body) is a
/// navigation and gets the usual redirect or page.
pub fn is_in_place(headers: &HeaderMap) -> bool {
    is_htmx(headers) && !headers.contains_key("hx-boosted")
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    lang: Lang,
    title: String,
    message: String,
    status: u16,
}

/// A standalone error page (also used before a handler runs, e.g. for CSRF refusals).
pub fn error_page(lang: Lang, status: StatusCode, message: &str) -> Response {
    let page = ErrorPage {
        lang,
        title: i18n::tr(lang, "error-title"),
        message: message.to_string(),
        status: status.as_u16(),
    };
    render_status(status, &page)
}

/// Turns page errors into pages: sign-in redirects for anonymous visitors, a localized
/// message otherwise. Wraps the whole application (`embarq_web::app`), so errors raised
/// before a handler (a refused CSRF token) are rendered too; API and SCIM errors carry no
/// page marker and pass through.
pub async fn render_errors(req: Request, next: Next) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.to_string())
        .unwrap_or_default();
    let htmx = is_htmx(req.headers());
    let res = next.run(req).await;
    let Some(marker) = res.extensions().get::<UiErrorMarker>().cloned() else {
        return res;
    };
    let lang = res.extensions().get::<Lang>().copied().unwrap_or_default();
    if marker.code == AppError::Unauthorized.code() {
        let to = format!("/login?next={}", urlencoding::encode(&path));
        if htmx {
            return ([("hx-redirect", to)], StatusCode::UNAUTHORIZED).into_response();
        }
        return Redirect::to(&to).into_response();
    }
    let message = if marker.fields.is_empty() {
        i18n::error_message(lang, marker.code)
    } else {
        marker
            .fields
            .iter()
            .map(|f| i18n::field_error(lang, f))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut page = error_page(lang, res.status(), &message);
    page.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    page
}

/// `POST` handlers take `State` first; re-exported for the submodules.
pub(crate) type St = State<AppState>;

/// Two ids from the path (`/spheres/{id}/widgets/{widget}`); anything malformed is a 404.
pub struct PathIds<A = embarq_domain::Id, B = embarq_domain::Id>(pub A, pub B);

impl<S, A, B> axum::extract::FromRequestParts<S> for PathIds<A, B>
where
    S: Send + Sync,
    A: embarq_domain::FromUuid,
    B: embarq_domain::FromUuid,
{
    type Rejection = crate::error::PageError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &S,
    ) -> Result<Self, Self::Rejection> {
        let axum::extract::Path((a, b)) =
            axum::extract::Path::<(String, String)>::from_request_parts(parts, s)
                .await
                .map_err(|_| crate::error::PageError(AppError::NotFound))?;
        match (embarq_domain::parse_id(&a), embarq_domain::parse_id(&b)) {
            (Some(a), Some(b)) => Ok(PathIds(A::from_uuid(a), B::from_uuid(b))),
            _ => Err(crate::error::PageError(AppError::NotFound)),
        }
    }
}

/// An id from the path; anything malformed is a plain 404, like an unknown id.
pub struct PathId<T = embarq_domain::Id>(pub T);

impl<S: Send + Sync, T: embarq_domain::FromUuid> axum::extract::FromRequestParts<S> for PathId<T> {
    type Rejection = crate::error::PageError;
    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        s: &S,
    ) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) = axum::extract::Path::<String>::from_request_parts(parts, s)
            .await
            .map_err(|_| crate::error::PageError(AppError::NotFound))?;
        embarq_domain::parse_id(&raw)
            .map(|id| PathId(T::from_uuid(id)))
            .ok_or(crate::error::PageError(AppError::NotFound))
    }
}
