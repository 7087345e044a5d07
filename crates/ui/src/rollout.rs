//! The rollout page (/admin/rollout): timeline, plan form, waves, readiness check; and the
//! "your access opens on ..." page shown by the sign-in gate.
use super::{Page, PathId, St, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr, tr_args};
use crate::service::membership_rules;
use crate::service::rollout::{self, Overview, ReadinessItem};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::Form;
use axum::Router;
use axum::extract::RawForm;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use embarq_domain::rollout::{
    DAY_MS, DEFAULT_EARLY_ACCESS_DAYS, DEFAULT_TIME, DEFAULT_TIME_ZONE, Phase, PlanInput,
    TIME_ZONES, WaveInput, early_access_warning, utc_to_local,
};
use embarq_domain::validate::FieldError;
use embarq_store::now_ms;
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/admin/rollout", get(page))
        .route("/admin/rollout/plan", post(save_plan))
        .route("/admin/rollout/waves", post(add_wave))
        .route("/admin/rollout/early-access", post(open_early_access_now))
        .route("/admin/rollout/launch", post(launch_now))
        .route("/admin/rollout/spheres", post(create_spheres))
        .route("/admin/rollout/waves/{id}/delete", post(delete_wave))
}

pub struct Step {
    pub label: String,
    pub date: String,
    /// `done`, `current` or `upcoming`.
    pub state: &'static str,
    /// Position on the timeline bar, 0-100.
    pub pos: i64,
}

pub struct WaveRow {
    pub id: String,
    pub name: String,
    pub dimension: String,
    pub value: String,
    pub date: String,
}

pub struct ReadyRow {
    pub label: String,
    pub ok: bool,
    pub missing: Vec<String>,
    pub fix_url: String,
}

#[derive(Template)]
#[template(path = "rollout.html")]
struct RolloutPage {
    p: Page,
    has_plan: bool,
    phase: String,
    /// Early access can be opened now (still preparing).
    can_open_early: bool,
    /// The launch can be brought forward to now (not launched yet).
    can_launch: bool,
    steps: Vec<Step>,
    today_pos: i64,
    next: Option<String>,
    warning: bool,
    form: PlanForm,
    wave_form: WaveForm,
    time_zones: Vec<&'static str>,
    waves: Vec<WaveRow>,
    ready: Vec<ReadyRow>,
    ready_count: usize,
    announced: Option<String>,
    /// A sphere per site and per department, proposed once the plan exists.
    proposals: Vec<membership_rules::Proposal>,
}

#[derive(Deserialize, Default, Clone)]
struct PlanForm {
    #[serde(default)]
    launch_date: String,
    #[serde(default)]
    launch_time: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    early_access_days: String,
    #[serde(default)]
    announcement_title: String,
    #[serde(default)]
    announcement_body: String,
}

#[derive(Deserialize, Default, Clone)]
struct WaveForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    dimension: String,
    #[serde(default)]
    value: String,
    #[serde(default)]
    opens_on: String,
    #[serde(default)]
    opens_time: String,
}

fn phase_label(lang: Lang, p: Phase) -> String {
    tr(
        lang,
        &format!("rollout-phase-{}", p.as_str().replace('_', "-")),
    )
}

fn plan_form(o: &Overview) -> PlanForm {
    match &o.plan {
        Some(p) => {
            let (d, t) = utc_to_local(&p.time_zone, p.launch_at);
            PlanForm {
                launch_date: d.format("%Y-%m-%d").to_string(),
                launch_time: t.format("%H:%M").to_string(),
                time_zone: p.time_zone.clone(),
                early_access_days: p.early_access_days.to_string(),
                announcement_title: p.announcement_title.clone(),
                announcement_body: p.announcement_md.clone(),
            }
        }
        None => PlanForm {
            launch_time: DEFAULT_TIME.into(),
            time_zone: DEFAULT_TIME_ZONE.into(),
            early_access_days: DEFAULT_EARLY_ACCESS_DAYS.to_string(),
            ..PlanForm::default()
        },
    }
}

fn ready_rows(lang: Lang, items: Vec<ReadinessItem>) -> Vec<ReadyRow> {
    items
        .into_iter()
        .map(|i| ReadyRow {
            label: tr(
                lang,
                &format!(
                    "rollout-ready-{}-{}",
                    i.code.replace('_', "-"),
                    if i.ok { "ok" } else { "missing" }
                ),
            ),
            ok: i.ok,
            missing: i.missing.into_iter().map(|n| n.name).collect(),
            fix_url: i.fix_url,
        })
        .collect()
}

async fn render_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    errors: &[FieldError],
    form: Option<PlanForm>,
    wave_form: Option<WaveForm>,
) -> AppResult<Response> {
    let now = now_ms();
    let o = rollout::overview(state, auth, now).await?;
    let items = rollout::readiness(state, auth, now).await?;
    let p = Page::new(state, lang, csrf, Some(auth), "rollout-title")
        .await
        .with_errors(errors);
    let tz = o
        .plan
        .as_ref()
        .map(|p| p.time_zone.clone())
        .unwrap_or_else(|| DEFAULT_TIME_ZONE.into());
    let mut steps = Vec::new();
    let mut today_pos = 0;
    let mut next = None;
    if let (Some(s), Some(phase)) = (&o.schedule, o.phase) {
        let starts = s.phase_starts();
        let first = s.early_access_at();
        let last = s.after_launch_at();
        // The bar spans from a little before early access to a little after launch, and
        // always includes today.
        let lo = first.min(now) - DAY_MS;
        let hi = last.max(now) + DAY_MS;
        let pos = |t: i64| ((t - lo) as f64 / (hi - lo) as f64 * 100.0).round() as i64;
        let current = Phase::ALL.iter().position(|p| *p == phase).unwrap_or(0);
        for (i, (ph, at)) in starts.iter().enumerate() {
            steps.push(Step {
                label: phase_label(lang, *ph),
                date: at
                    .map(|a| rollout::local_date(lang, &tz, a))
                    .unwrap_or_default(),
                state: if i < current {
                    "done"
                } else if i == current {
                    "current"
                } else {
                    "upcoming"
                },
                pos: at.map(pos).unwrap_or(0),
            });
        }
        today_pos = pos(now);
        next = s.next_change(now).map(|(ph, at)| {
            tr_args(
                lang,
                "rollout-next",
                &[
                    ("phase", phase_label(lang, ph).into()),
                    ("date", rollout::local_date(lang, &tz, at).into()),
                ],
            )
        });
    }
    let waves = o
        .waves
        .iter()
        .map(|w| WaveRow {
            id: w.id.to_string(),
            name: w.name.clone(),
            dimension: tr(lang, &format!("rollout-dimension-{}", w.dimension)),
            value: w.value.clone(),
            date: rollout::local_date(lang, &tz, w.opens_at),
        })
        .collect();
    let warning = o
        .plan
        .as_ref()
        .is_some_and(|p| early_access_warning(p.early_access_days));
    let announced = o
        .plan
        .as_ref()
        .filter(|p| p.announcement_post_id.is_some())
        .and_then(|p| p.announced_at)
        .map(|a| rollout::local_date(lang, &tz, a));
    let proposals = if o.plan.is_some() {
        membership_rules::proposals(state, auth, lang).await?
    } else {
        Vec::new()
    };
    let ready = ready_rows(lang, items);
    let ready_count = ready.iter().filter(|r| r.ok).count();
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render_status(
        status,
        &RolloutPage {
            p,
            has_plan: o.plan.is_some(),
            phase: o.phase.map(|ph| phase_label(lang, ph)).unwrap_or_default(),
            can_open_early: o.phase == Some(Phase::Preparation),
            can_launch: matches!(o.phase, Some(Phase::Preparation | Phase::EarlyAccess)),
            steps,
            today_pos,
            next,
            warning,
            form: form.unwrap_or_else(|| plan_form(&o)),
            wave_form: wave_form.unwrap_or_default(),
            time_zones: TIME_ZONES.to_vec(),
            waves,
            ready,
            ready_count,
            announced,
            proposals,
        },
    ))
}

/// Makes the proposed spheres that were left ticked (`pick=site:Lille&pick=...`).
async fn create_spheres(
    state: St,
    lang: Lang,
    auth: Auth,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    let picks: Vec<String> = super::form_pairs(&body)
        .into_iter()
        .filter(|(k, _)| k == "pick")
        .map(|(_, v)| v)
        .collect();
    membership_rules::create_proposed(&state, &auth, lang, &picks).await?;
    Ok(see_other("/admin/rollout#spheres"))
}

async fn page(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    render_page(&state, lang, &csrf, &auth, &[], None, None).await
}

async fn save_plan(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<PlanForm>,
) -> AppResult<Response> {
    let input = PlanInput {
        launch_date: f.launch_date.clone(),
        launch_time: f.launch_time.clone(),
        time_zone: f.time_zone.clone(),
        early_access_days: f.early_access_days.clone(),
        announcement_title: f.announcement_title.clone(),
        announcement_body: f.announcement_body.clone(),
    };
    match rollout::save_plan(&state, &auth, &input).await {
        Ok(()) => Ok(see_other("/admin/rollout")),
        Err(AppError::Validation(errs)) => {
            render_page(&state, lang, &csrf, &auth, &errs, Some(f), None).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn add_wave(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<WaveForm>,
) -> AppResult<Response> {
    let input = WaveInput {
        name: f.name.clone(),
        dimension: f.dimension.clone(),
        value: f.value.clone(),
        opens_on: f.opens_on.clone(),
        opens_time: f.opens_time.clone(),
    };
    match rollout::add_wave(&state, &auth, &input).await {
        Ok(_) => Ok(see_other("/admin/rollout#waves")),
        Err(AppError::Validation(errs)) => {
            render_page(&state, lang, &csrf, &auth, &errs, None, Some(f)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn open_early_access_now(state: St, auth: Auth) -> AppResult<Response> {
    rollout::open_early_access_now(&state, &auth).await?;
    Ok(see_other("/admin/rollout"))
}

async fn launch_now(state: St, auth: Auth) -> AppResult<Response> {
    rollout::launch_now(&state, &auth).await?;
    Ok(see_other("/admin/rollout"))
}

async fn delete_wave(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    rollout::delete_wave(&state, &auth, id).await?;
    Ok(see_other("/admin/rollout#waves"))
}

#[derive(Template)]
#[template(path = "rollout_gate.html")]
struct GatePage {
    p: Page,
    message: String,
}

/// "Your access opens on <date>" (403), shown instead of signing in.
pub async fn gate_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    opening: (i64, String),
) -> Response {
    let p = Page::new(state, lang, csrf, None, "rollout-gate-title").await;
    let message = tr_args(
        lang,
        "rollout-gate-message",
        &[(
            "date",
            rollout::local_date(lang, &opening.1, opening.0).into(),
        )],
    );
    render_status(StatusCode::FORBIDDEN, &GatePage { p, message })
}
