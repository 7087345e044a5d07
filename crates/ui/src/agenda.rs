//! The agenda: upcoming events the viewer can see (organization-wide and in the spheres they
//! can read) with their own answers, past events, an event's page (RSVP, participants, ICS,
//! video meeting), a sphere's events tab, and the personal calendar feed (its secret URL is
//! shown once when made; /calendar/{token}.ics answers without a session).
use super::events_shared::{EventForm, Row, ZONES, row, rows};
use super::{Page, PathId, St, redirect_or_again, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::service::calendar;
use crate::service::events::{self as svc, Scope};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::extract::{Path, Query};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::events::EventKind;
use embarq_domain::validate::FieldError;
use embarq_domain::{Id, SphereId, policy};
use embarq_store::{Registrant, Sphere, now_ms};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/agenda", get(list).post(create_org))
        .route("/agenda/calendar", post(regenerate_feed))
        .route("/agenda/calendar/off", post(revoke_feed))
        .route("/agenda/{id}", get(show))
        .route("/agenda/{id}/rsvp", post(rsvp))
        .route("/agenda/{id}/ics", get(ics))
        .route("/agenda/{id}/edit", post(edit))
        .route("/agenda/{id}/cancel", post(cancel))
        .route("/calendar/{file}", get(feed))
        .route(
            "/spheres/{id}/events",
            get(sphere_list).post(create_in_sphere),
        )
}

#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    past: Option<String>,
}

#[derive(Template)]
#[template(path = "agenda.html")]
struct AgendaPage {
    p: Page,
    past_view: bool,
    upcoming: Vec<Row>,
    mine: Vec<Row>,
    past: Vec<Row>,
    /// Managers create organization-wide events here.
    organize: bool,
    f: EventForm,
    action: String,
    zones: &'static [&'static str],
    /// When the feed secret was made (None: no feed).
    feed_since: Option<i64>,
    /// A freshly made feed URL, shown once.
    feed_url: Option<String>,
}

struct AgendaExtras {
    form: Option<(EventForm, Vec<FieldError>)>,
    feed_url: Option<String>,
    past_view: bool,
}

async fn agenda_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    x: AgendaExtras,
) -> AppResult<Response> {
    let o = svc::overview_of(state, auth, Scope::All).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "agenda-title").await;
    let (status, f) = match x.form {
        Some((f, errs)) => {
            p = p.with_errors(&errs);
            (StatusCode::UNPROCESSABLE_ENTITY, f)
        }
        None => (StatusCode::OK, EventForm::blank()),
    };
    let page = AgendaPage {
        past_view: x.past_view,
        upcoming: rows(lang, o.upcoming),
        mine: rows(lang, o.mine),
        past: rows(lang, o.past),
        organize: policy::can_organize_event(
            auth.viewer(),
            false,
            EventKind::Event,
            embarq_domain::events::Audience::All,
        ),
        f,
        action: "/agenda".into(),
        zones: ZONES,
        feed_since: calendar::status(state, auth).await?,
        feed_url: x.feed_url,
        p,
    };
    Ok(render_status(status, &page))
}

async fn list(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let x = AgendaExtras {
        form: None,
        feed_url: None,
        past_view: q.past.is_some(),
    };
    agenda_page(&state, lang, &csrf, &auth, x).await
}

async fn create_org(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<EventForm>,
) -> AppResult<Response> {
    match svc::create(&state, &auth, &f.input(None), None, &[EventKind::Event]).await {
        Ok(ids) => Ok(see_other(
            &ids.first()
                .map_or("/agenda".into(), |id| format!("/agenda/{id}")),
        )),
        Err(AppError::Validation(errs)) => {
            let x = AgendaExtras {
                form: Some((f, errs)),
                feed_url: None,
                past_view: false,
            };
            agenda_page(&state, lang, &csrf, &auth, x).await
        }
        Err(e) => Err(e.into()),
    }
}

/// Makes a new feed secret (the old URL stops working) and shows the URL once.
async fn regenerate_feed(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    let url = calendar::regenerate(&state, &auth).await?;
    let x = AgendaExtras {
        form: None,
        feed_url: Some(url),
        past_view: false,
    };
    agenda_page(&state, lang, &csrf, &auth, x).await
}

async fn revoke_feed(state: St, auth: Auth) -> AppResult<Response> {
    calendar::revoke(&state, &auth).await?;
    Ok(see_other("/agenda"))
}

#[derive(Template)]
#[template(path = "agenda_event.html")]
struct EventPage {
    p: Page,
    ev: Row,
    ends: String,
    manage: bool,
    show_participants: bool,
    going: Vec<Registrant>,
    maybe: Vec<Registrant>,
    not_going: Vec<Registrant>,
    back: String,
    /// The edit form (those who manage an event not started nor cancelled).
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
    let show_participants = v.participants_visible();
    let people = if show_participants {
        svc::participants_of(state, auth, id).await?.1
    } else {
        Vec::new()
    };
    let pick = |r: &str| -> Vec<Registrant> {
        people.iter().filter(|g| g.response == r).cloned().collect()
    };
    let (going, maybe, not_going) = (pick("going"), pick("maybe"), pick("not_going"));
    let mut p = Page::new(state, lang, csrf, Some(auth), "agenda-title").await;
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
    let back = match v.event.sphere_id {
        Some(s) => format!("/spheres/{s}/events"),
        None => "/agenda".into(),
    };
    let page = EventPage {
        ends: svc::local_time(lang, v.event.ends_at, &v.event.time_zone),
        ev: row(lang, v.event, now_ms()),
        manage: v.manage,
        show_participants,
        going,
        maybe,
        not_going,
        back,
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

#[derive(Deserialize)]
struct RsvpForm {
    #[serde(default)]
    response: String,
}

/// An answer; refusals (full, started) re-render the page with the message; an event the
/// viewer cannot see stays a 404.
async fn rsvp(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<RsvpForm>,
) -> AppResult<Response> {
    let r = match svc::parse_rsvp(&f.response) {
        Ok(answer) => svc::rsvp(&state, &auth, id, answer).await.map(|_| ()),
        Err(e) => Err(e),
    };
    redirect_or_again(r, &format!("/agenda/{id}"), async |e| {
        event_page(&state, lang, &csrf, &auth, id, Some(e), None).await
    })
    .await
}

/// Edits the event; invalid fields re-render the page with the submitted values (422).
async fn edit(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<EventForm>,
) -> AppResult<Response> {
    let r = svc::update(&state, &auth, id, &f.input(None)).await;
    redirect_or_again(r, &format!("/agenda/{id}"), async |e| {
        event_page(&state, lang, &csrf, &auth, id, Some(e), Some(f)).await
    })
    .await
}

/// Cancels the event (the confirmation is the form itself, behind "Cancel this event").
async fn cancel(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    match svc::cancel(&state, &auth, id).await {
        Ok(_) => Ok(see_other(&format!("/agenda/{id}"))),
        Err(e @ AppError::Refused(_)) => {
            event_page(&state, lang, &csrf, &auth, id, Some(e), None).await
        }
        Err(e) => Err(e.into()),
    }
}

fn calendar_response(body: String, filename: &str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                "text/calendar; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

async fn ics(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    let body = calendar::event_file(&state, &auth, id).await?;
    Ok(calendar_response(body, &format!("event-{id}.ics")))
}

/// The personal feed: `/calendar/{token}.ics`, no session needed.
async fn feed(state: St, Path(file): Path<String>) -> AppResult<Response> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let body = calendar::feed(&state, token).await?;
    Ok(calendar_response(body, "embarq.ics"))
}

#[derive(Template)]
#[template(path = "sphere_events.html")]
struct SphereEventsPage {
    p: Page,
    s: Sphere,
    tab: &'static str,
    upcoming: Vec<Row>,
    past: Vec<Row>,
    organize: bool,
    f: EventForm,
    action: String,
    zones: &'static [&'static str],
}

async fn sphere_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: SphereId,
    form: Option<(EventForm, Vec<FieldError>)>,
) -> AppResult<Response> {
    let v = crate::service::spheres::load(state, auth, id).await?;
    let o = svc::sphere_overview(state, auth, &v).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "agenda-title").await;
    p.title = format!("{} · {}", v.sphere().name, p.t("sphere-tab-events"));
    let (status, f) = match form {
        Some((f, errs)) => {
            p = p.with_errors(&errs);
            (StatusCode::UNPROCESSABLE_ENTITY, f)
        }
        None => (StatusCode::OK, EventForm::blank()),
    };
    let page = SphereEventsPage {
        tab: "events",
        upcoming: rows(lang, o.upcoming),
        past: rows(lang, o.past),
        organize: policy::can_create_sphere_event(v.access()),
        f,
        action: format!("/spheres/{id}/events"),
        zones: ZONES,
        s: v.into_sphere(),
        p,
    };
    Ok(render_status(status, &page))
}

async fn sphere_list(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
) -> AppResult<Response> {
    sphere_page(&state, lang, &csrf, &auth, id, None).await
}

async fn create_in_sphere(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
    Form(f): Form<EventForm>,
) -> AppResult<Response> {
    match svc::create(&state, &auth, &f.input(Some(id)), None, &[EventKind::Event]).await {
        Ok(ids) => Ok(see_other(
            &ids.first()
                .map_or(format!("/spheres/{id}/events"), |e| format!("/agenda/{e}")),
        )),
        Err(AppError::Validation(errs)) => {
            sphere_page(&state, lang, &csrf, &auth, id, Some((f, errs))).await
        }
        Err(e) => Err(e.into()),
    }
}
