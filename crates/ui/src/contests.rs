//! Contests: the list with live leaderboards (every member), creation (managers and champions).
use super::{Page, PathId, St, render, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::service::contests::{
    self as svc, ContestInput, History, Score, TeamHistory, parse_local,
};
use crate::service::time_zone;
use crate::state::{AppState, WebState};
use askama::Template;
use axum::http::StatusCode;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Form, Router};
use embarq_domain::adoption::ContestMetric;
use embarq_domain::validate::FieldError;
use embarq_store::{Contest, now_ms};
use serde::Deserialize;
use std::borrow::Borrow;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/contests", get(list).post(create))
        .route("/contests/{id}", get(show))
        .route("/contests/{id}/history.csv", get(history_csv))
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
    history: History,
    now: i64,
}

/// The history chart's box (SVG units).
const CHART_W: f64 = 600.0;
const CHART_H: f64 = 180.0;

impl ShowPage {
    fn dim_key(&self) -> String {
        format!("contests-dimension-{}", self.c.dimension)
    }
    fn metric_key(&self) -> String {
        format!("contests-metric-{}", self.c.metric.replace('_', "-"))
    }
    fn metric(&self) -> ContestMetric {
        ContestMetric::parse(&self.c.metric).unwrap_or(ContestMetric::ActivationRate)
    }
    fn score_text(&self, s: &Score) -> String {
        self.metric().score_text(s.score)
    }
    fn text(&self, score: f64) -> String {
        self.metric().score_text(score)
    }
    fn score_at(&self, t: &TeamHistory, day: impl Borrow<usize>) -> String {
        t.scores
            .get(*day.borrow())
            .map(|s| self.text(*s))
            .unwrap_or_default()
    }
    /// The scale and the days the chart spans.
    fn span(&self) -> String {
        let days = &self.history.days;
        match (days.first(), days.last()) {
            (Some(first), Some(last)) => format!(
                "0 – {} · {} → {}",
                self.text(self.history_max()),
                self.p.when(*first),
                self.p.when(*last)
            ),
            _ => String::new(),
        }
    }
    /// The top of the chart's scale: 100 % for rates, the best score otherwise.
    fn history_max(&self) -> f64 {
        let best = self
            .history
            .teams
            .iter()
            .flat_map(|t| t.scores.iter().copied())
            .fold(0.0_f64, f64::max);
        match self.metric() {
            ContestMetric::ContributionsPerMember => best.max(0.01),
            _ => 100.0,
        }
    }
    fn history_points(&self, t: &TeamHistory) -> String {
        embarq_domain::chart::polyline(&t.scores, self.history_max(), CHART_W, CHART_H)
    }
    fn series_class(&self, i: impl Borrow<usize>) -> String {
        format!(
            "series-{}",
            i.borrow() % embarq_domain::chart::SERIES_STYLES
        )
    }
    fn last(&self, t: &TeamHistory) -> String {
        t.scores.last().map(|s| self.text(*s)).unwrap_or_default()
    }
    /// When a day of the history ended, as people say it (the last one is "just now").
    fn day(&self, ms: impl Borrow<i64>) -> String {
        self.p.time(*ms.borrow())
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
    let history = svc::history(&state, &c, &scores, now).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "contests-title").await;
    Ok(render(&ShowPage {
        p,
        c,
        scores,
        history,
        now,
    }))
}

/// The leaderboard's history as CSV.
async fn history_csv(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    let now = now_ms();
    let (c, scores) = svc::leaderboard(&state, &auth, id, now).await?;
    let body = svc::history_csv(&svc::history(&state, &c, &scores, now).await?)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"contest-{id}.csv\""),
            ),
        ],
        body,
    )
        .into_response())
}
