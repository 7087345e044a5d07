//! JSON API under /api/v1, documented by an OpenAPI 3.1 document generated from the code
//! and served at /api/openapi.json. Handlers translate HTTP to the service layer and back.
mod account;
mod analytics;
mod champions;
mod contests;
mod docs;
mod dto;
mod events;
pub mod extract;
mod files;
mod gdpr;
mod help;
mod members;
mod messages;
mod moderation;
mod nudges;
mod people;
mod polls;
mod posts;
mod push;
mod rollout;
mod search;
mod sessions;
mod sphere_rules;
mod spheres;
mod starter;
mod tasks;
mod time;
mod training;
mod usecases;
mod video;
mod webhooks;
mod widgets;

use crate::error::{ApiError, AppError, Problem};
use crate::state::WebState;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use docs::Security;
use std::sync::OnceLock;
use utoipa::OpenApi;
use utoipa::openapi::OpenApi as OpenApiDoc;
use utoipa_axum::router::OpenApiRouter;

pub use extract::{ApiAuth, ApiJson, ApiPath, ApiQuery};

/// Where the versioned API lives.
pub const PREFIX: &str = "/api/v1";
/// Where the OpenAPI document is served.
pub const OPENAPI_PATH: &str = "/api/openapi.json";

#[derive(OpenApi)]
#[openapi(
    info(
        title = "embarq API",
        version = "1",
        description = "Enterprise collaborative network. Authenticate with a personal access token \
                       (`Authorization: Bearer ...`) or a session cookie; cookie-authenticated requests \
                       that change state must send the session's CSRF token in `X-CSRF-Token`. \
                       Errors are RFC 9457 problem details (`application/problem+json`)."
    ),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    components(schemas(crate::error::Problem, crate::error::ProblemField)),
    tags(
        (name = "account", description = "The signed-in person, notifications and personal access tokens"),
        (name = "champions", description = "Champions: volunteers, nominations, the proposal and the confirmed cohort"),
        (name = "members", description = "The organization directory"),
        (name = "spheres", description = "Spheres, memberships, invitations and join requests"),
        (name = "rollout", description = "The rollout plan: launch, early access, waves, announcement, readiness"),
        (name = "posts", description = "Publications, comments, reactions and feeds"),
        (name = "messages", description = "Private conversations"),
        (name = "search", description = "Full-text search over publications, comments, spheres, members and file names"),
        (name = "training", description = "Training sessions and webinars: registration, capacity, attendance"),
        (name = "events", description = "Events in spheres or organization-wide: RSVP, participants, ICS, calendar feed"),
        (name = "analytics", description = "Activation funnel, breakdowns and daily series"),
        (name = "contests", description = "Contests between sites or departments"),
        (name = "nudges", description = "Reminders to invited members: the champion's worklist"),
        (name = "video", description = "Video meetings: sphere and event rooms, the organization's provider"),
        (name = "moderation", description = "Reports, moderation queues and actions, and the audit log"),
        (name = "files", description = "File box of a sphere: folders, streamed uploads, downloads, previews"),
        (name = "widgets", description = "Side panel widgets of a sphere: links, video, note"),
        (name = "tasks", description = "Sphere task lists, tasks, assignees, statuses, comments and the caller's tasks"),
        (name = "webhooks", description = "Webhook subscriptions, delivery log, redelivery and test pings (managers)"),
        (name = "guidance", description = "Starter kit, checklists, help centre, use cases and suggestions"),
    )
)]
pub struct ApiDoc;

/// The documented API routes, mounted under [`PREFIX`].
fn documented() -> OpenApiRouter<WebState> {
    let v1 = OpenApiRouter::new()
        .merge(account::router())
        .merge(sessions::router())
        .merge(champions::router())
        .merge(members::router())
        .merge(people::router())
        .merge(push::router())
        .merge(spheres::router())
        .merge(posts::router())
        .merge(rollout::router())
        .merge(messages::router())
        .merge(moderation::router())
        .merge(search::router())
        .merge(training::router())
        .merge(events::router())
        .merge(analytics::router())
        .merge(contests::router())
        .merge(nudges::router())
        .merge(starter::router())
        .merge(help::router())
        .merge(usecases::router())
        .merge(tasks::router())
        .merge(polls::router())
        .merge(files::router())
        .merge(gdpr::router())
        .merge(widgets::router())
        .merge(video::router())
        .merge(webhooks::router())
        .merge(sphere_rules::router())
        .fallback(unknown_route);
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest(PREFIX, v1)
}

/// Unknown paths under the API answer problem+json too.
async fn unknown_route() -> ApiError {
    ApiError(AppError::NotFound)
}

/// The generated OpenAPI document (built once).
pub fn openapi() -> &'static OpenApiDoc {
    static DOC: OnceLock<OpenApiDoc> = OnceLock::new();
    DOC.get_or_init(|| docs::tidy(documented().into_openapi()))
}

async fn openapi_json() -> Json<&'static OpenApiDoc> {
    Json(openapi())
}

/// A known path called with another method.
async fn wrong_method() -> Response {
    let status = StatusCode::METHOD_NOT_ALLOWED;
    let body = Problem {
        kind: "https://embarq.dev/problems/method-not-allowed".to_string(),
        title: status.canonical_reason().unwrap_or("Error").to_string(),
        status: status.as_u16(),
        detail: "This method is not allowed on this path; see the Allow header.".to_string(),
        code: "method_not_allowed".to_string(),
        errors: Vec::new(),
    };
    let mut res = (status, Json(body)).into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    res
}

/// The API router: every documented route plus the document itself.
pub fn router() -> OpenApiRouter<WebState> {
    let (routes, doc) = documented().split_for_parts();
    let routes = routes
        .route(OPENAPI_PATH, get(openapi_json))
        .method_not_allowed_fallback(wrong_method);
    let mut router = OpenApiRouter::from(routes);
    *router.get_openapi_mut() = docs::tidy(doc);
    router
}
