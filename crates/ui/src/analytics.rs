//! The activation dashboard (/admin/analytics) for organization managers: funnel, breakdowns,
//! daily series as server-drawn SVG (works offline, tables behind every chart), CSV export and
//! the automatic reminders' schedule.
use super::{Page, St, render_status};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr_args};
use crate::service::analytics::{self, CohortDto, Dashboard, SeriesDay};
use crate::service::nudges;
use askama::Template;
use axum::extract::Query;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::validate::FieldError;
use serde::Deserialize;

use crate::state::{AppState, WebState};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/admin/analytics", get(page))
        .route("/admin/analytics.csv", get(export))
        .route("/admin/analytics/nudges", post(set_nudges))
}

/// Chart geometry of the daily series.
const W: f64 = 600.0;
const H: f64 = 160.0;

#[derive(Template)]
#[template(path = "analytics.html")]
struct AnalyticsPage {
    p: Page,
    d: Dashboard,
    days_input: String,
    max_input: String,
}

/// One week of the average retention: a bar for everyone, champions and the others.
struct WeekBars {
    label: String,
    bars: Vec<WeekBar>,
}

struct WeekBar {
    label: String,
    class: &'static str,
    pct: Option<f64>,
}

/// One table of cohorts; the first is shown open, the others folded.
struct CohortTable<'a> {
    id: &'static str,
    label: String,
    open: bool,
    cohorts: &'a [CohortDto],
}

/// One bar of the funnel.
struct Bar {
    key: &'static str,
    n: i64,
    pct: f64,
}

impl AnalyticsPage {
    fn funnel(&self) -> Vec<Bar> {
        let o = &self.d.overall;
        o.stages()
            .into_iter()
            .map(|(key, n)| Bar {
                key,
                n,
                pct: o.pct(n),
            })
            .collect()
    }
    fn max_of(&self, f: fn(&SeriesDay) -> i64) -> i64 {
        self.d.series.iter().map(f).max().unwrap_or(0).max(1)
    }
    /// Points of one line of the series chart (`svg polyline`).
    fn points(&self, which: &str) -> String {
        let f: fn(&SeriesDay) -> i64 = match which {
            "activations" => |s| s.activations,
            "contributions" => |s| s.contributions,
            _ => |s| s.active_members,
        };
        let values: Vec<f64> = self.d.series.iter().map(|s| f(s) as f64).collect();
        embarq_domain::chart::polyline(&values, self.max_of(f) as f64, W, H)
    }
    fn peak(&self, which: &str) -> i64 {
        match which {
            "activations" => self.max_of(|s| s.activations),
            "contributions" => self.max_of(|s| s.contributions),
            _ => self.max_of(|s| s.active_members),
        }
    }
    fn first_date(&self) -> String {
        self.d
            .series
            .first()
            .map(|s| s.date.clone())
            .unwrap_or_default()
    }
    fn last_date(&self) -> String {
        self.d
            .series
            .last()
            .map(|s| s.date.clone())
            .unwrap_or_default()
    }
    fn headline(&self) -> String {
        tr_args(
            self.p.lang,
            "adoption-headline-text",
            &[
                ("active", self.d.overall.active_7d.into()),
                ("members", self.d.overall.invited.into()),
            ],
        )
    }
    fn sent_text(&self, sent: &i64, converted: &i64) -> String {
        tr_args(
            self.p.lang,
            "adoption-reminder-sent",
            &[("sent", (*sent).into()), ("converted", (*converted).into())],
        )
    }
    fn teams_text(&self, teams: &i64, people: &i64) -> String {
        tr_args(
            self.p.lang,
            "adoption-teams-count",
            &[("teams", (*teams).into()), ("people", (*people).into())],
        )
    }
    fn week_labels(&self) -> Vec<String> {
        self.d
            .retention
            .weeks
            .iter()
            .map(|w| {
                tr_args(
                    self.p.lang,
                    "adoption-retention-week",
                    &[("week", (*w).into())],
                )
            })
            .collect()
    }
    fn averages(&self) -> Vec<WeekBars> {
        let r = &self.d.retention;
        let groups = [
            ("adoption-retention-all", "", &r.overall_average),
            ("adoption-champions", "bar-b", &r.champions_average),
            ("adoption-others", "bar-c", &r.others_average),
            ("adoption-retention-trained", "bar-d", &r.trained_average),
            (
                "adoption-retention-untrained",
                "bar-e",
                &r.untrained_average,
            ),
        ];
        self.week_labels()
            .into_iter()
            .enumerate()
            .map(|(i, label)| WeekBars {
                label,
                bars: groups
                    .iter()
                    .map(|(key, class, values)| WeekBar {
                        label: self.p.t(key),
                        class,
                        pct: values.get(i).copied().flatten(),
                    })
                    .collect(),
            })
            .collect()
    }
    fn cohort_tables(&self) -> Vec<CohortTable<'_>> {
        let r = &self.d.retention;
        [
            ("overall", "adoption-retention-all", &r.overall),
            ("champions", "adoption-champions", &r.champions),
            ("others", "adoption-others", &r.others),
            ("trained", "adoption-retention-trained", &r.trained),
            ("untrained", "adoption-retention-untrained", &r.untrained),
        ]
        .into_iter()
        .enumerate()
        .map(|(i, (id, key, cohorts))| CohortTable {
            id,
            label: self.p.t(key),
            open: i == 0,
            cohorts,
        })
        .collect()
    }
    fn by_key(&self, by: &str) -> String {
        format!("adoption-by-{by}")
    }
}

#[derive(Deserialize)]
struct DaysQuery {
    days: Option<String>,
    by: Option<String>,
}

async fn render_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    days: i64,
    form: Option<(String, String, Vec<FieldError>)>,
) -> AppResult<Response> {
    let d = analytics::dashboard(state, auth, days, lang).await?;
    let schedule = nudges::schedule(state, auth.user.org_id).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "adoption-title").await;
    let (status, days_input, max_input) = match form {
        Some((days_in, max_in, errs)) if !errs.is_empty() => {
            p = p.with_errors(&errs);
            (StatusCode::UNPROCESSABLE_ENTITY, days_in, max_in)
        }
        Some(_) => {
            p.notice = Some(p.t("adoption-nudges-saved"));
            (
                StatusCode::OK,
                schedule.days_text(),
                schedule.max.to_string(),
            )
        }
        None => (
            StatusCode::OK,
            schedule.days_text(),
            schedule.max.to_string(),
        ),
    };
    Ok(render_status(
        status,
        &AnalyticsPage {
            p,
            d,
            days_input,
            max_input,
        },
    ))
}

async fn page(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(q): Query<DaysQuery>,
) -> AppResult<Response> {
    let days = analytics::parse_days(q.days.as_deref())?;
    render_page(&state, lang, &csrf, &auth, days, None).await
}

async fn export(
    state: St,
    lang: Lang,
    auth: Auth,
    Query(q): Query<DaysQuery>,
) -> AppResult<Response> {
    let days = analytics::parse_days(q.days.as_deref())?;
    let by = q.by.unwrap_or_else(|| "overall".to_string());
    let d = analytics::dashboard(&state, &auth, days, lang).await?;
    let body = analytics::csv(&d, &by)?;
    let name = format!(
        "attachment; filename=\"activation-{}.csv\"",
        by.replace(|c: char| !c.is_ascii_alphanumeric(), "")
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        body,
    )
        .into_response())
}

#[derive(Deserialize)]
struct NudgeForm {
    #[serde(default)]
    days: String,
    #[serde(default)]
    max: String,
}

async fn set_nudges(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<NudgeForm>,
) -> AppResult<Response> {
    match nudges::set_schedule(&state, &auth, &f.days, &f.max).await {
        Ok(_) => {
            render_page(
                &state,
                lang,
                &csrf,
                &auth,
                30,
                Some((f.days, f.max, Vec::new())),
            )
            .await
        }
        Err(AppError::Validation(errs)) => {
            render_page(&state, lang, &csrf, &auth, 30, Some((f.days, f.max, errs))).await
        }
        Err(e) => Err(e.into()),
    }
}
