//! Contests: the list with live leaderboards (every member), creation (managers and champions).
use super::{Page, PathId, St, render, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::service::contests::{self as svc, ContestInput, Score, parse_local};
use crate::service::time_zone;
use crate::state::{AppState, WebState};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use embarq_domain::validate::FieldError;
use embarq_store::{Contest, now_ms};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/contests", get(list).post(create))
        .route("/contests/{id}", get(show))
}

#[derive(Deserialize, Default, Clone)]
struct ContestForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    dimension: String,
    #[serde(default)]
    metric: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
}

#[derive(Template)]
#[template(path = "contests.html")]
struct ListPage {
    p: Page,
    items: Vec<Contest>,
    may_create: bool,
    form: ContestForm,
    now: i64,
}

impl ListPage {
    fn metric_key(&self, m: &str) -> String {
        format!("contests-metric-{}", m.replace('_', "-"))
    }
}

async fn list_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    form: ContestForm,
    errors: &[FieldError],
) -> AppResult<Response> {
    let items = svc::list(state, auth).await?;
    let may_create = svc::may_create(state, auth).await?;
    let p = Page::new(state, lang, csrf, Some(auth), "contests-title")
        .await
        .with_errors(errors);
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &ListPage {
            p,
            items,
            may_create,
            form,
            now: now_ms(),
        },
    ))
}

async fn list(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    list_page(
        &state,
        lang,
        &csrf,
        &auth,
        ContestForm {
            dimension: "site".into(),
            metric: "activation_rate".into(),
            ..Default::default()
        },
        &[],
    )
    .await
}

async fn create(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<ContestForm>,
) -> AppResult<Response> {
    let tz = time_zone::reader_zone(&state, &auth).await?;
    let starts = parse_local("contest_starts_at", &f.starts_at, tz);
    let ends = parse_local("contest_ends_at", &f.ends_at, tz);
    let mut errors: Vec<FieldError> = Vec::new();
    let (starts_at, ends_at) = match (starts, ends) {
        (Ok(s), Ok(e)) => (s, e),
        (s, e) => {
            errors.extend(s.err());
            errors.extend(e.err());
            (None, None)
        }
    };
    if errors.is_empty() {
        let input = ContestInput {
            name: &f.name,
            dimension: &f.dimension,
            metric: &f.metric,
            starts_at,
            ends_at,
        };
        match svc::create(&state, &auth, &input, now_ms()).await {
            Ok(id) => return Ok(see_other(&format!("/contests/{id}"))),
            Err(AppError::Validation(e)) => errors = e,
            Err(e) => return Err(e.into()),
        }
    }
    list_page(&state, lang, &csrf, &auth, f, &errors).await
}

#[derive(Template)]
#[template(path = "contest.html")]
struct ShowPage {
    p: Page,
    c: Contest,
    scores: Vec<Score>,
    now: i64,
}

impl ShowPage {
    fn dim_key(&self) -> String {
        format!("contests-dimension-{}", self.c.dimension)
    }
    fn metric_key(&self) -> String {
        format!("contests-metric-{}", self.c.metric.replace('_', "-"))
    }
    fn score_text(&self, s: &Score) -> String {
        if self.c.metric == "activation_rate" {
            format!("{:.1} %", s.score)
        } else {
            format!("{:.2}", s.score)
        }
    }
}

async fn show(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let now = now_ms();
    let (c, scores) = svc::leaderboard(&state, &auth, id, now).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "contests-title").await;
    Ok(render(&ShowPage { p, c, scores, now }))
}
