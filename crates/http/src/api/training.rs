//! Training sessions and webinars: list, create (optionally as a monthly series), register,
//! organizer registrations and attendance. Same service as the /training pages.
use super::docs::{
    AudienceChoice, Description, Forbidden, Invalid, NotFound, OptDate, OptHttpUrl,
    OptLocalDateTime, OrdinalChoice, ShortText, Time, TimeZone, Title, TrainingKindChoice,
    Unauthorized, WeekdayChoice,
};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::error::ApiResult;
use crate::service::events::{self as svc, EventInput, SeriesInput};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::Id;
use embarq_domain::events::{EventKind, seats_left};
use embarq_store::{Event, Registrant};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

const KINDS: &[EventKind] = &[EventKind::Training, EventKind::Webinar];

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_training, create_training))
        .routes(routes!(register_training, unregister_training))
        .routes(routes!(training_registrants, enroll_training))
        .routes(routes!(training_attendance))
}

/// A training session or webinar as the caller sees it. Times are RFC 3339 instants.
#[derive(Serialize, ToSchema)]
pub struct TrainingDto {
    pub id: uuid::Uuid,
    /// `training` or `webinar`.
    pub kind: String,
    /// `all` or `champions`.
    pub audience: String,
    pub title: String,
    pub description_md: String,
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
    pub video_url: Option<String>,
    /// Null: unlimited.
    pub capacity: Option<i64>,
    /// Null: unlimited.
    pub seats_left: Option<i64>,
    /// Registered: the seats taken.
    pub registered_count: i64,
    /// Present, registered or not.
    pub attended_count: i64,
    /// Came without registering; they take no seat.
    pub walk_in_count: i64,
    pub series_id: Option<uuid::Uuid>,
    pub organizer_id: uuid::Uuid,
    pub organizer_name: String,
    /// The caller is registered.
    pub registered: bool,
    /// The caller's attendance was recorded.
    pub attended: bool,
}

impl From<Event> for TrainingDto {
    fn from(e: Event) -> Self {
        Self {
            seats_left: seats_left(e.capacity, e.registered_count),
            id: e.id,
            kind: e.kind,
            audience: e.audience,
            title: e.title,
            description_md: e.description_md,
            description_html: e.description_html,
            starts_local: super::time::local(e.starts_at, &e.time_zone),
            ends_local: super::time::local(e.ends_at, &e.time_zone),
            starts_at: e.starts_at,
            ends_at: e.ends_at,
            time_zone: e.time_zone,
            place: e.place,
            video_url: e.video_url,
            capacity: e.capacity,
            registered_count: e.registered_count,
            attended_count: e.attended_count,
            walk_in_count: e.walk_in_count,
            series_id: e.series_id,
            organizer_id: e.created_by.into(),
            organizer_name: e.organizer_name,
            registered: e.my_registered_at.is_some(),
            attended: e.my_attended_at.is_some(),
        }
    }
}

fn dtos(v: Vec<Event>) -> Vec<TrainingDto> {
    v.into_iter().map(TrainingDto::from).collect()
}

#[derive(Serialize, ToSchema)]
pub struct TrainingOverviewDto {
    /// Sessions not yet ended, soonest first.
    pub upcoming: Vec<TrainingDto>,
    /// Upcoming sessions the caller is registered to.
    pub mine: Vec<TrainingDto>,
    /// The 20 latest ended sessions.
    pub past: Vec<TrainingDto>,
}

/// Upcoming sessions, the caller's own, and recent past ones (champions-only sessions only for
/// champions and managers).
#[utoipa::path(get, path = "/training", tag = "training",
    responses((status = 200, description = "Sessions", body = TrainingOverviewDto), Unauthorized))]
async fn list_training(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<TrainingOverviewDto>> {
    let o = svc::overview(&state, &auth, true).await?;
    Ok(Json(TrainingOverviewDto {
        upcoming: dtos(o.upcoming),
        mine: dtos(o.mine),
        past: dtos(o.past),
    }))
}

/// "Every month on the `ordinal` `weekday` at `time` for `duration_minutes`".
#[derive(Deserialize, ToSchema)]
pub struct RecurrenceInput {
    /// `first`, `second`, `third`, `fourth`, `fifth` (months without one are skipped) or `last`.
    #[schema(value_type = OrdinalChoice, inline)]
    ordinal: String,
    /// `monday` ... `sunday`.
    #[schema(value_type = WeekdayChoice, inline)]
    weekday: String,
    /// Local `HH:MM` in `time_zone`.
    #[schema(value_type = Time, inline)]
    time: String,
    /// 1 to 1440.
    #[schema(minimum = 1, maximum = 1440)]
    duration_minutes: u32,
    /// 1 to 24; default 6.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 24)]
    occurrences: Option<u32>,
    /// First day considered (`YYYY-MM-DD`); default today.
    #[serde(default)]
    #[schema(value_type = Option<OptDate>, inline)]
    from: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewTraining {
    /// `training` (default) or `webinar`.
    #[serde(default)]
    #[schema(value_type = Option<TrainingKindChoice>, inline)]
    kind: Option<String>,
    /// `all` (default) or `champions` (managers only).
    #[serde(default)]
    #[schema(value_type = Option<AudienceChoice>, inline)]
    audience: Option<String>,
    #[schema(value_type = Title, inline)]
    title: String,
    /// Markdown (sanitized).
    #[serde(default)]
    #[schema(value_type = Description, inline)]
    description: String,
    /// Local date-time in `time_zone`, e.g. `2027-01-05T10:00` (required without
    /// `recurrence`, ignored with it).
    #[serde(default)]
    #[schema(value_type = OptLocalDateTime, inline)]
    starts_local: String,
    /// After `starts_local` (required without `recurrence`, ignored with it).
    #[serde(default)]
    #[schema(value_type = OptLocalDateTime, inline)]
    ends_local: String,
    /// IANA zone; default `Europe/Paris`.
    #[serde(default)]
    #[schema(value_type = TimeZone)]
    time_zone: String,
    #[serde(default)]
    #[schema(value_type = ShortText, inline)]
    place: String,
    /// http(s) only.
    #[serde(default)]
    #[schema(value_type = OptHttpUrl, inline)]
    video_url: String,
    /// 1 to 100000; null or absent: unlimited.
    #[serde(default)]
    #[schema(minimum = 1, maximum = 100_000)]
    capacity: Option<i64>,
    /// Creates a monthly series instead of one session.
    #[serde(default)]
    recurrence: Option<RecurrenceInput>,
}

#[derive(Serialize, ToSchema)]
pub struct CreatedTrainingDto {
    /// Ids of the created sessions, in date order.
    pub ids: Vec<uuid::Uuid>,
}

/// Creates a session, or every occurrence of a monthly series (all or nothing). Managers
/// create anything; champions create sessions open to everyone.
#[utoipa::path(post, path = "/training", tag = "training", request_body = NewTraining,
    responses((status = 201, description = "Created sessions", body = CreatedTrainingDto), Unauthorized, Forbidden, Invalid))]
async fn create_training(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiJson(b): ApiJson<NewTraining>,
) -> ApiResult<(StatusCode, Json<CreatedTrainingDto>)> {
    let input = EventInput {
        kind: b.kind.unwrap_or_else(|| "training".into()),
        audience: b.audience.unwrap_or_default(),
        title: b.title,
        description: b.description,
        starts_at: b.starts_local,
        ends_at: b.ends_local,
        time_zone: b.time_zone,
        place: b.place,
        video_url: b.video_url,
        capacity: b.capacity.map(|c| c.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    let series = b.recurrence.map(|r| SeriesInput {
        ordinal: r.ordinal,
        weekday: r.weekday,
        time: r.time,
        minutes: r.duration_minutes.to_string(),
        count: r.occurrences.map(|c| c.to_string()).unwrap_or_default(),
        from: r.from.unwrap_or_default(),
    });
    let ids = svc::create(&state, &auth, &input, series.as_ref(), KINDS).await?;
    Ok((StatusCode::CREATED, Json(CreatedTrainingDto { ids })))
}

/// Registers the caller. Refused (422 `training_full`, `training_started`) when no seat is left or
/// the session has started; registering twice is harmless.
#[utoipa::path(post, path = "/training/{id}/register", tag = "training",
    params(("id" = uuid::Uuid, Path, description = "Session id")),
    responses((status = 200, description = "The session", body = TrainingDto), Unauthorized, NotFound, Invalid))]
async fn register_training(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<TrainingDto>> {
    Ok(Json(svc::register(&state, &auth, id).await?.event.into()))
}

/// Cancels the caller's registration (before the start).
#[utoipa::path(delete, path = "/training/{id}/register", tag = "training",
    params(("id" = uuid::Uuid, Path, description = "Session id")),
    responses((status = 200, description = "The session", body = TrainingDto), Unauthorized, NotFound, Invalid))]
async fn unregister_training(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<TrainingDto>> {
    Ok(Json(svc::unregister(&state, &auth, id).await?.event.into()))
}

#[derive(Serialize, ToSchema)]
pub struct RegistrantDto {
    pub user_id: uuid::Uuid,
    pub display_name: String,
    pub email: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub registered_at: i64,
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub attended_at: Option<i64>,
}

impl From<Registrant> for RegistrantDto {
    fn from(r: Registrant) -> Self {
        Self {
            user_id: r.user_id.into(),
            display_name: r.display_name,
            email: r.email,
            registered_at: r.registered_at,
            attended_at: r.attended_at,
        }
    }
}

fn registrant_dtos(v: Vec<Registrant>) -> Vec<RegistrantDto> {
    v.into_iter().map(RegistrantDto::from).collect()
}

/// Registrants and attendance (organizer and managers).
#[utoipa::path(get, path = "/training/{id}/registrants", tag = "training",
    params(("id" = uuid::Uuid, Path, description = "Session id")),
    responses((status = 200, description = "Registrants", body = Vec<RegistrantDto>), Unauthorized, Forbidden, NotFound))]
async fn training_registrants(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<Vec<RegistrantDto>>> {
    Ok(Json(registrant_dtos(
        svc::registrants(&state, &auth, id).await?.1,
    )))
}

#[derive(Deserialize, ToSchema)]
pub struct UserIdsInput {
    #[serde(default)]
    #[schema(required = true)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    user_ids: Vec<embarq_domain::UserId>,
}

/// The organizer or a manager registers members (they are notified). All or nothing when
/// someone is unknown or seats are short.
#[utoipa::path(post, path = "/training/{id}/registrants", tag = "training",
    params(("id" = uuid::Uuid, Path, description = "Session id")),
    request_body = UserIdsInput,
    responses((status = 200, description = "Registrants", body = Vec<RegistrantDto>), Unauthorized, Forbidden, NotFound, Invalid))]
async fn enroll_training(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<UserIdsInput>,
) -> ApiResult<Json<Vec<RegistrantDto>>> {
    svc::enroll(&state, &auth, id, &b.user_ids).await?;
    Ok(Json(registrant_dtos(
        svc::registrants(&state, &auth, id).await?.1,
    )))
}

/// Records who attended (the full list; registrants left out are marked absent, people who
/// came without registering are added). Once the session has started.
#[utoipa::path(post, path = "/training/{id}/attendance", tag = "training",
    params(("id" = uuid::Uuid, Path, description = "Session id")),
    request_body = UserIdsInput,
    responses((status = 200, description = "Registrants with attendance", body = Vec<RegistrantDto>), Unauthorized, Forbidden, NotFound, Invalid))]
async fn training_attendance(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<UserIdsInput>,
) -> ApiResult<Json<Vec<RegistrantDto>>> {
    Ok(Json(registrant_dtos(
        svc::set_attendance(&state, &auth, id, &b.user_ids).await?,
    )))
}
