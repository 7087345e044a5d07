//! Training sessions and webinars: the members' page (/training: upcoming with seats, my
//! sessions, past), a session's page (register, registrants, attendance) and the managers'
//! overview (/admin/training). Creation forms appear for managers and champions.
use super::events_shared::{EventForm, Row, ZONES, row, rows};
use super::{Page, PathId, St, redirect_or_again, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::service::events::{self as svc, EventInput, SeriesInput};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::extract::RawForm;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::events::EventKind;
use embarq_domain::recurrence::DEFAULT_TIME_ZONE;
use embarq_domain::validate::FieldError;
use embarq_domain::{Id, UserId, parse_as, policy};
use embarq_store::{Registrant, now_ms};
use serde::Deserialize;

const KINDS: &[EventKind] = &[EventKind::Training, EventKind::Webinar];

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/training", get(list).post(create_one))
        .route("/training/series", post(create_series))
        .route("/admin/training", get(admin))
        .route("/training/{id}", get(show))
        .route("/training/{id}/register", post(register))
        .route("/training/{id}/unregister", post(unregister))
        .route("/training/{id}/enroll", post(enroll))
        .route("/training/{id}/attendance", post(attendance))
        .route("/training/{id}/edit", post(edit))
        .route("/training/{id}/cancel", post(cancel))
}

/// The creation forms' fields (one-off session and monthly series share them).
#[derive(Deserialize, Default, Clone)]
struct CreateForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    starts_at: String,
    #[serde(default)]
    ends_at: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    place: String,
    #[serde(default)]
    video_url: String,
    #[serde(default)]
    capacity: String,
    #[serde(default)]
    ordinal: String,
    #[serde(default)]
    weekday: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    duration_minutes: String,
    #[serde(default)]
    occurrences: String,
}

impl CreateForm {
    fn blank() -> Self {
        CreateForm {
            kind: "training".into(),
            time_zone: DEFAULT_TIME_ZONE.into(),
            ordinal: "first".into(),
            weekday: "tuesday".into(),
            time: "12:30".into(),
            duration_minutes: "45".into(),
            occurrences: "6".into(),
            ..Default::default()
        }
    }
    fn input(&self) -> EventInput {
        EventInput {
            kind: self.kind.clone(),
            audience: self.audience.clone(),
            title: self.title.clone(),
            description: self.description.clone(),
            starts_at: self.starts_at.clone(),
            ends_at: self.ends_at.clone(),
            time_zone: self.time_zone.clone(),
            place: self.place.clone(),
            video_url: self.video_url.clone(),
            capacity: self.capacity.clone(),
            ..Default::default()
        }
    }
    fn series(&self) -> SeriesInput {
        SeriesInput {
            ordinal: self.ordinal.clone(),
            weekday: self.weekday.clone(),
            time: self.time.clone(),
            minutes: self.duration_minutes.clone(),
            count: self.occurrences.clone(),
            from: String::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "training.html")]
struct ListPage {
    p: Page,
    admin: bool,
    organize: bool,
    champions_audience: bool,
    upcoming: Vec<Row>,
    mine: Vec<Row>,
    past: Vec<Row>,
    f: CreateForm,
    zones: &'static [&'static str],
}

async fn list_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    admin: bool,
    form: Option<(CreateForm, Vec<FieldError>)>,
) -> AppResult<Response> {
    let o = if admin {
        svc::training_admin(state, auth).await?
    } else {
        svc::overview(state, auth, true).await?
    };
    let organize = svc::can_organize(state, auth).await?;
    let title = if admin {
        "training-admin-title"
    } else {
        "training-title"
    };
    let mut p = Page::new(state, lang, csrf, Some(auth), title).await;
    let (status, f) = match form {
        Some((f, errs)) => {
            p = p.with_errors(&errs);
            (StatusCode::UNPROCESSABLE_ENTITY, f)
        }
        None => (StatusCode::OK, CreateForm::blank()),
    };
    let page = ListPage {
        admin,
        organize,
        champions_audience: policy::can_manage_org(auth.viewer()),
        upcoming: rows(lang, o.upcoming),
        mine: rows(lang, o.mine),
        past: rows(lang, o.past),
        f,
        zones: ZONES,
        p,
    };
    Ok(render_status(status, &page))
}

async fn list(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    list_page(&state, lang, &csrf, &auth, false, None).await
}

async fn admin(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    list_page(&state, lang, &csrf, &auth, true, None).await
}

async fn create_one(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<CreateForm>,
) -> AppResult<Response> {
    match svc::create(&state, &auth, &f.input(), None, KINDS).await {
        Ok(ids) => match ids.first() {
            Some(id) => Ok(see_other(&format!("/training/{id}"))),
            None => Ok(see_other("/training")),
        },
        Err(AppError::Validation(errs)) => {
            list_page(&state, lang, &csrf, &auth, false, Some((f, errs))).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn create_series(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<CreateForm>,
) -> AppResult<Response> {
    match svc::create(&state, &auth, &f.input(), Some(&f.series()), KINDS).await {
        Ok(_) => Ok(see_other("/training")),
        Err(AppError::Validation(errs)) => {
            list_page(&state, lang, &csrf, &auth, false, Some((f, errs))).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "training_event.html")]
struct EventPage {
    p: Page,
    ev: Row,
    ends: String,
    manage: bool,
    registrants: Vec<Registrant>,
    /// The edit form (those who manage a session not started nor cancelled).
    edit: Option<EventForm>,
    edit_open: bool,
    zones: &'static [&'static str],
}

async fn event_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: Id,
    error: Option<AppError>,
    submitted: Option<EventForm>,
) -> AppResult<Response> {
    let v = svc::load(state, auth, id).await?;
    let edit_open = submitted.is_some();
    let edit = EventForm::for_edit(&v, submitted);
    let registrants = if v.manage {
        state.db.event_registrants(id).await?
    } else {
        Vec::new()
    };
    let mut p = Page::new(state, lang, csrf, Some(auth), "training-title").await;
    p.title = v.event.title.clone();
    let status = match &error {
        Some(AppError::Validation(errs)) => {
            p = p.with_errors(errs);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Some(e) => {
            p = p.with_error_code(e.code());
            crate::error::status(e)
        }
        None => StatusCode::OK,
    };
    let ends = svc::local_time(lang, v.event.ends_at, &v.event.time_zone);
    let page = EventPage {
        ev: row(lang, v.event, now_ms()),
        ends,
        manage: v.manage,
        registrants,
        edit,
        edit_open,
        zones: ZONES,
        p,
    };
    Ok(render_status(status, &page))
}

async fn show(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    event_page(&state, lang, &csrf, &auth, id, None, None).await
}

/// Refusals (full, started, bad input) re-render the session's page with the message; a
/// missing session stays a 404.
async fn after(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: Id,
    r: embarq_app::AppResult<()>,
) -> AppResult<Response> {
    redirect_or_again(r, &format!("/training/{id}"), async |e| {
        event_page(state, lang, csrf, auth, id, Some(e), None).await
    })
    .await
}

async fn register(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let r = svc::register(&state, &auth, id).await.map(|_| ());
    after(&state, lang, &csrf, &auth, id, r).await
}

async fn unregister(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let r = svc::unregister(&state, &auth, id).await.map(|_| ());
    after(&state, lang, &csrf, &auth, id, r).await
}

#[derive(Deserialize)]
struct EnrollForm {
    #[serde(default)]
    emails: String,
}

async fn enroll(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<EnrollForm>,
) -> AppResult<Response> {
    svc::registrants(&state, &auth, id).await?;
    let r =
        match crate::service::mentions::by_addresses(&state, auth.user.org_id, "emails", &f.emails)
            .await
        {
            Ok(ids) if ids.is_empty() => Err(FieldError::new("emails", "required").into()),
            Ok(ids) => svc::enroll(&state, &auth, id, &ids).await.map(|_| ()),
            Err(e) => Err(e),
        };
    after(&state, lang, &csrf, &auth, id, r).await
}

/// The attendance form: a checkbox per registrant (`attended`) and walk-ins by e-mail.
async fn attendance(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    RawForm(body): RawForm,
) -> AppResult<Response> {
    svc::registrants(&state, &auth, id).await?;
    let fields = super::form_pairs(&body);
    let mut ids: Vec<UserId> = fields
        .iter()
        .filter(|(k, _)| k == "attended")
        .filter_map(|(_, v)| parse_as(v))
        .collect();
    let walk_in = fields
        .iter()
        .find(|(k, _)| k == "walk_in")
        .map(|(_, v)| v.as_str())
        .unwrap_or("");
    let r = match crate::service::mentions::by_addresses(
        &state,
        auth.user.org_id,
        "training_walk_in",
        walk_in,
    )
    .await
    {
        Ok(more) => {
            ids.extend(more);
            svc::set_attendance(&state, &auth, id, &ids)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    after(&state, lang, &csrf, &auth, id, r).await
}

/// Edits the session; invalid fields re-render the page with the submitted values.
async fn edit(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<EventForm>,
) -> AppResult<Response> {
    let r = svc::update(&state, &auth, id, &f.input(None)).await;
    redirect_or_again(r, &format!("/training/{id}"), async |e| {
        event_page(&state, lang, &csrf, &auth, id, Some(e), Some(f)).await
    })
    .await
}

async fn cancel(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let r = svc::cancel(&state, &auth, id).await.map(|_| ());
    after(&state, lang, &csrf, &auth, id, r).await
}
