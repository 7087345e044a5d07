//! Events (organization-wide or in a sphere): list, create, read, RSVP, participants, the ICS
//! file, and the personal calendar feed's secret URL. Same service as the /agenda pages.
use super::docs::{
    Description, Forbidden, Invalid, LocalDateTime, NotFound, OptHttpUrl, RsvpChoice, ShortText,
    TimeZone, Title, Unauthorized,
};
use super::extract::{ApiAuth, ApiJson, ApiPath, ApiQuery};
use super::time::local;
use crate::error::ApiResult;
use crate::service::calendar;
use crate::service::events::{self as svc, EventInput, Overview, Scope};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use embarq_domain::Id;
use embarq_domain::events::{EventKind, seats_left};
use embarq_store::{Event, Registrant};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_events, create_event))
        .routes(routes!(get_event, update_event))
        .routes(routes!(cancel_event))
        .routes(routes!(rsvp_event))
        .routes(routes!(event_participants))
        .routes(routes!(event_ics))
        .routes(routes!(
            calendar_feed_status,
            regenerate_calendar_feed,
            revoke_calendar_feed
        ))
}

/// An event as the caller sees it. Times are RFC 3339 instants; `*_local` are the same
/// instants in the event's own zone.
#[derive(Serialize, ToSchema)]
pub struct EventDto {
    pub id: uuid::Uuid,
    /// `event`, `training` or `webinar`.
    pub kind: String,
    /// `all` or `champions`.
    pub audience: String,
    /// Null: organization-wide.
    pub sphere_id: Option<uuid::Uuid>,
    pub sphere_name: Option<String>,
    pub title: String,
    pub description_md: String,
    /// Sanitized HTML.
    pub description_html: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub starts_at: i64,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub ends_at: i64,
    /// `YYYY-MM-DDTHH:MM` in `time_zone`.
    pub starts_local: String,
    pub ends_local: String,
    pub time_zone: String,
    pub place: Option<String>,
    /// External meeting link.
    pub video_url: Option<String>,
    /// A built-in video room is open for the event (`video_room_path`).
    pub video_room: bool,
    pub video_room_path: Option<String>,
    /// Null: unlimited.
    pub capacity: Option<i64>,
    /// Null: unlimited.
    pub seats_left: Option<i64>,
    /// Answers "going" (they take the seats).
    pub going_count: i64,
    pub maybe_count: i64,
    pub organizer_id: uuid::Uuid,
    pub organizer_name: String,
    /// The caller's answer: `going`, `maybe`, `not_going`, or null.
    pub my_response: Option<String>,
    /// The event's page in the web UI.
    pub page_path: String,
    /// The event's iCalendar file (UI path; `/api/v1/events/{id}/ics` for the API).
    pub ics_path: String,
    /// iCalendar SEQUENCE: incremented by each change calendars must pick up.
    pub sequence: i64,
    /// Last change (null: unchanged since creation).
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub updated_at: Option<i64>,
    /// When the event was cancelled (null: not cancelled). A cancelled event refuses answers.
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub cancelled_at: Option<i64>,
}

impl From<Event> for EventDto {
    fn from(e: Event) -> Self {
        Self {
            seats_left: seats_left(e.capacity, e.registered_count),
            starts_local: local(e.starts_at, &e.time_zone),
            ends_local: local(e.ends_at, &e.time_zone),
            video_room_path: e.video_room.then(|| format!("/video/event/{}", e.id)),
            page_path: svc::page_path(&e.kind, e.id),
            ics_path: format!("/agenda/{}/ics", e.id),
            id: e.id,
            kind: e.kind,
            audience: e.audience,
            sphere_id: e.sphere_id.map(Into::into),
            sphere_name: e.sphere_name,
            title: e.title,
            description_md: e.description_md,
            description_html: e.description_html,
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            time_zone: e.time_zone,
            place: e.place,
            video_url: e.video_url,
            video_room: e.video_room,
            capacity: e.capacity,
            going_count: e.registered_count,
            maybe_count: e.maybe_count,
            organizer_id: e.created_by.into(),
            organizer_name: e.organizer_name,
            my_response: e.my_response,
            sequence: e.sequence,
            updated_at: e.updated_at,
            cancelled_at: e.cancelled_at,
        }
    }
}

fn dtos(v: Vec<Event>) -> Vec<EventDto> {
    v.into_iter().map(EventDto::from).collect()
}

#[derive(Serialize, ToSchema)]
pub struct EventsOverviewDto {
    /// Events not yet ended, soonest first (at most 100).
    pub upcoming: Vec<EventDto>,
    /// Upcoming events the caller answered "going" or "maybe".
    pub mine: Vec<EventDto>,
    /// The 20 latest ended events.
    pub past: Vec<EventDto>,
}

impl From<Overview> for EventsOverviewDto {
    fn from(o: Overview) -> Self {
        Self {
            upcoming: dtos(o.upcoming),
            mine: dtos(o.mine),
            past: dtos(o.past),
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQuery {
    /// Only this sphere's events (404 if the sphere is invisible, 403 if unreadable).
    #[param(value_type = Option<uuid::Uuid>)]
    sphere_id: Option<embarq_domain::SphereId>,
}

/// Events the caller can see: organization-wide ones and those of the spheres they can read
/// (secret spheres: members only), or one sphere's.
#[utoipa::path(get, path = "/events", tag = "events", params(EventsQuery),
    responses((status = 200, description = "Events", body = EventsOverviewDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn list_events(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiQuery(q): ApiQuery<EventsQuery>,
) -> ApiResult<Json<EventsOverviewDto>> {
    let o = match q.sphere_id {
        Some(id) => {
            let sphere = crate::service::spheres::load(&state, &auth, id).await?;
            svc::sphere_overview(&state, &auth, &sphere).await?
        }
        None => svc::overview_of(&state, &auth, Scope::All).await?,
    };
    Ok(Json(o.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewEventBody {
    /// The sphere (members who may post there create its events); absent: organization-wide
    /// (organization managers).
    #[serde(default)]
    #[schema(value_type = Option<uuid::Uuid>)]
    sphere_id: Option<embarq_domain::SphereId>,
    #[schema(value_type = Title, inline)]
    title: String,
    /// Markdown (sanitized).
    #[serde(default)]
    #[schema(value_type = Description, inline)]
    description: String,
    /// Local date-time in `time_zone`, e.g. `2027-01-05T10:00`.
    #[serde(default)]
    #[schema(value_type = LocalDateTime, inline, required = true)]
    starts_local: String,
    /// Must be after `starts_local` (48 hours at most).
    #[serde(default)]
    #[schema(value_type = LocalDateTime, inline, required = true)]
    ends_local: String,
    /// IANA zone; default `Europe/Paris`.
    #[serde(default)]
    #[schema(value_type = TimeZone)]
    time_zone: String,
    #[serde(default)]
    #[schema(value_type = ShortText, inline)]
    place: String,
    /// Opens a built-in video room (not with `video_url`).
    #[serde(default)]
    video_room: bool,
    /// External meeting link, http(s) only.
    #[serde(default)]
    #[schema(value_type = OptHttpUrl, inline)]
    video_url: String,
    /// 1 to 100000; null or absent: unlimited.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100_000)]
    capacity: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedEventDto {
    pub id: uuid::Uuid,
}

/// Creates an event in a sphere or for the whole organization. Invalid fields (end before
/// start, unknown time zone, capacity out of 1..=100000...) answer 422 with `errors`.
#[utoipa::path(post, path = "/events", tag = "events", request_body = NewEventBody,
    responses((status = 201, description = "Created", body = CreatedEventDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn create_event(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(b): ApiJson<NewEventBody>,
) -> ApiResult<(StatusCode, Json<CreatedEventDto>)> {
    let input = EventInput {
        kind: EventKind::Event.as_str().into(),
        audience: "all".into(),
        title: b.title,
        description: b.description,
        starts_at: b.starts_local,
        ends_at: b.ends_local,
        time_zone: b.time_zone,
        place: b.place,
        video_url: b.video_url,
        capacity: b.capacity.map(|c| c.to_string()).unwrap_or_default(),
        sphere_id: b.sphere_id,
        video_room: b.video_room,
    };
    let ids = svc::create(&state, &auth, &input, None, &[EventKind::Event]).await?;
    let id = ids
        .first()
        .copied()
        .ok_or(crate::error::AppError::Refused("invalid"))?;
    Ok((StatusCode::CREATED, Json(CreatedEventDto { id })))
}

/// One event (404 when the caller cannot see it).
#[utoipa::path(get, path = "/events/{id}", tag = "events",
    params(("id" = uuid::Uuid, Path, description = "Event id")),
    responses((status = 200, description = "The event", body = EventDto), Unauthorized, NotFound))]
async fn get_event(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<EventDto>> {
    Ok(Json(svc::load(&state, &auth, id).await?.event.into()))
}

/// Absent fields keep their value; `capacity: null` makes the event unlimited.
#[derive(Deserialize, ToSchema)]
pub struct EventChangeBody {
    #[schema(value_type = Option<Title>, inline)]
    title: Option<String>,
    /// Markdown (sanitized).
    #[schema(value_type = Option<Description>, inline)]
    description: Option<String>,
    /// Local date-time in `time_zone`, e.g. `2027-01-05T10:00` (must be in the future).
    #[schema(value_type = Option<LocalDateTime>, inline)]
    starts_local: Option<String>,
    /// Must be after `starts_local` (48 hours at most).
    #[schema(value_type = Option<LocalDateTime>, inline)]
    ends_local: Option<String>,
    /// IANA zone. Changing only the zone keeps the local times: the instants move.
    #[schema(value_type = Option<TimeZone>)]
    time_zone: Option<String>,
    #[schema(value_type = Option<ShortText>, inline)]
    place: Option<String>,
    video_room: Option<bool>,
    /// External meeting link, http(s) only; empty removes it.
    #[schema(value_type = Option<OptHttpUrl>, inline)]
    video_url: Option<String>,
    /// 1 to 100000, not below the number of people going; null: unlimited.
    #[serde(default, deserialize_with = "some")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 100_000)]
    capacity: Option<Option<i64>>,
}

/// Tells a present `null` (Some(None)) from an absent field (None).
fn some<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<i64>>, D::Error> {
    Option::<i64>::deserialize(d).map(Some)
}

/// Edits an event (its organizer, the sphere's administrators, organization managers; others
/// 403). Same checks as creation: invalid fields answer 422 with `errors` and nothing is
/// changed; a capacity below the people going is refused (`capacity_below_going`). Those
/// going or maybe are notified when the time or place changes; SEQUENCE is incremented.
#[utoipa::path(patch, path = "/events/{id}", tag = "events",
    params(("id" = uuid::Uuid, Path, description = "Event id")), request_body = EventChangeBody,
    responses((status = 200, description = "The event", body = EventDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn update_event(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<EventChangeBody>,
) -> ApiResult<Json<EventDto>> {
    let e = svc::load(&state, &auth, id).await?.event;
    let input = EventInput {
        kind: e.kind.clone(),
        audience: e.audience.clone(),
        starts_at: b
            .starts_local
            .unwrap_or_else(|| local(e.starts_at, &e.time_zone)),
        ends_at: b
            .ends_local
            .unwrap_or_else(|| local(e.ends_at, &e.time_zone)),
        title: b.title.unwrap_or(e.title),
        description: b.description.unwrap_or(e.description_md),
        time_zone: b.time_zone.unwrap_or(e.time_zone),
        place: b.place.or(e.place).unwrap_or_default(),
        video_url: b.video_url.or(e.video_url).unwrap_or_default(),
        capacity: b
            .capacity
            .unwrap_or(e.capacity)
            .map(|c| c.to_string())
            .unwrap_or_default(),
        sphere_id: e.sphere_id,
        video_room: b.video_room.unwrap_or(e.video_room),
    };
    Ok(Json(
        svc::update(&state, &auth, id, &input).await?.event.into(),
    ))
}

/// Cancels an event (same people as editing). It stays visible with `cancelled_at` set,
/// answers are refused (`event_cancelled`), calendars get STATUS:CANCELLED, reminders stop
/// and those going or maybe are notified. Cancelling twice is harmless.
#[utoipa::path(post, path = "/events/{id}/cancel", tag = "events",
    params(("id" = uuid::Uuid, Path, description = "Event id")),
    responses((status = 200, description = "The cancelled event", body = EventDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn cancel_event(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<EventDto>> {
    Ok(Json(svc::cancel(&state, &auth, id).await?.event.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct RsvpBody {
    /// `going` (takes a seat), `maybe` or `not_going`.
    #[schema(value_type = RsvpChoice, inline)]
    response: String,
}

/// Answers an event. `going` on a full event is refused (422 `event_full`); any answer after
/// the start too (`event_started`).
#[utoipa::path(post, path = "/events/{id}/rsvp", tag = "events",
    params(("id" = uuid::Uuid, Path, description = "Event id")), request_body = RsvpBody,
    responses((status = 200, description = "The event", body = EventDto), Unauthorized, NotFound, Invalid))]
async fn rsvp_event(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<RsvpBody>,
) -> ApiResult<Json<EventDto>> {
    // An invisible event answers 404 before the answer is looked at.
    svc::load(&state, &auth, id).await?;
    let answer = svc::parse_rsvp(&b.response)?;
    Ok(Json(
        svc::rsvp(&state, &auth, id, answer).await?.event.into(),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ParticipantDto {
    pub user_id: uuid::Uuid,
    pub display_name: String,
    /// Only for the event's managers.
    pub email: Option<String>,
    /// `going`, `maybe` or `not_going` (the latter only for managers).
    pub response: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub answered_at: i64,
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub attended_at: Option<i64>,
}

/// Who answered. The organizer, managers (and a sphere event's sphere administrators) see
/// everyone with e-mails; other viewers of an event see who is going or maybe; training
/// sessions' registrants are for their organizers only (403).
#[utoipa::path(get, path = "/events/{id}/registrants", tag = "events",
    params(("id" = uuid::Uuid, Path, description = "Event id")),
    responses((status = 200, description = "Participants", body = Vec<ParticipantDto>), Unauthorized, Forbidden, NotFound))]
async fn event_participants(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<Vec<ParticipantDto>>> {
    let (v, people) = svc::participants_of(&state, &auth, id).await?;
    let out = people
        .into_iter()
        .map(|r: Registrant| ParticipantDto {
            user_id: r.user_id.into(),
            display_name: r.display_name,
            email: v.manage.then_some(r.email),
            response: r.response,
            answered_at: r.registered_at,
            attended_at: r.attended_at,
        })
        .collect();
    Ok(Json(out))
}

/// The event as an iCalendar file (`text/calendar`, UTC times, stable UID).
#[utoipa::path(get, path = "/events/{id}/ics", tag = "events",
    params(("id" = uuid::Uuid, Path, description = "Event id")),
    responses((status = 200, description = "iCalendar file", content_type = "text/calendar", body = String), Unauthorized, NotFound))]
async fn event_ics(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Response> {
    let body = calendar::event_file(&state, &auth, id).await?;
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        body,
    )
        .into_response())
}

#[derive(Serialize, ToSchema)]
pub struct CalendarFeedDto {
    /// A feed secret exists.
    pub active: bool,
    /// When it was made.
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub created_at: Option<i64>,
    /// The subscription URL: only in the answer that made it (only its hash is kept).
    pub url: Option<String>,
}

/// Whether the caller has a personal calendar feed.
#[utoipa::path(get, path = "/calendar-feed", tag = "events",
    responses((status = 200, description = "Feed status", body = CalendarFeedDto), Unauthorized))]
async fn calendar_feed_status(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<CalendarFeedDto>> {
    let created_at = calendar::status(&state, &auth).await?;
    Ok(Json(CalendarFeedDto {
        active: created_at.is_some(),
        created_at,
        url: None,
    }))
}

/// Makes a new feed secret and returns its URL (`/calendar/{token}.ics`, no session needed).
/// The previous URL stops working.
#[utoipa::path(post, path = "/calendar-feed", tag = "events",
    responses((status = 201, description = "The new feed URL", body = CalendarFeedDto), Unauthorized))]
async fn regenerate_calendar_feed(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<(StatusCode, Json<CalendarFeedDto>)> {
    let url = calendar::regenerate(&state, &auth).await?;
    let created_at = calendar::status(&state, &auth).await?;
    Ok((
        StatusCode::CREATED,
        Json(CalendarFeedDto {
            active: true,
            created_at,
            url: Some(url),
        }),
    ))
}

/// Turns the feed off (its URL answers 404).
#[utoipa::path(delete, path = "/calendar-feed", tag = "events",
    responses((status = 204, description = "Feed turned off"), Unauthorized))]
async fn revoke_calendar_feed(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<StatusCode> {
    calendar::revoke(&state, &auth).await?;
    Ok(StatusCode::NO_CONTENT)
}
