//! Widgets of a sphere's side panel: list, create, update, delete and reorder.
use super::docs::{
    Forbidden, HttpsUrl, Invalid, Name, NotFound, OptName, OptNoteText, Unauthorized,
};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::error::ApiResult;
use crate::service::spheres;
use crate::service::widgets::{self, Link, WidgetInput, WidgetView};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::{Id, SphereId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_widgets, create_widget))
        .routes(routes!(get_widget, update_widget, delete_widget))
        .routes(routes!(reorder_widgets))
}

/// What a widget shows.
#[derive(Serialize, ToSchema)]
#[allow(dead_code, reason = "documents the stored text")]
#[serde(rename_all = "snake_case")]
pub enum WidgetKindName {
    Links,
    Video,
    Note,
}

/// A widget of a sphere's side panel.
#[derive(Serialize, ToSchema)]
pub struct WidgetDto {
    pub id: Uuid,
    pub sphere_id: Uuid,
    #[schema(value_type = WidgetKindName)]
    pub kind: String,
    pub title: String,
    /// 1 = top of the panel.
    pub position: i64,
    /// Markdown of a note.
    pub body: String,
    /// The note as sanitized HTML.
    pub body_html: String,
    pub links: Vec<Link>,
    /// Embed URL of a hosted video (YouTube, Vimeo, Dailymotion, PeerTube).
    pub video_url: Option<String>,
    /// A video file of the sphere's file box.
    pub video_file_id: Option<Uuid>,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub updated_at: i64,
}

impl From<WidgetView> for WidgetDto {
    fn from(v: WidgetView) -> Self {
        WidgetDto {
            id: v.w.id,
            sphere_id: v.w.sphere_id.into(),
            kind: v.w.kind,
            title: v.w.title,
            position: v.w.position,
            body: v.w.body,
            body_html: v.note_html,
            links: v.links,
            video_url: v.w.video_url,
            video_file_id: v.w.video_file_id,
            created_at: v.w.created_at,
            updated_at: v.w.updated_at,
        }
    }
}

/// Content of a widget. `links` for links, `body` (Markdown) for a note, and for a video
/// either `video_url` (a share link of an allow-listed host) or `video_file_id`.
#[derive(Deserialize, ToSchema)]
pub struct WidgetBody {
    /// Required when creating; ignored when updating.
    #[serde(default)]
    #[schema(value_type = Option<WidgetKindName>)]
    kind: Option<String>,
    #[serde(default)]
    #[schema(value_type = Name, inline, required = true)]
    title: String,
    /// A note's Markdown text (required for a note).
    #[serde(default)]
    #[schema(value_type = OptNoteText, inline)]
    body: String,
    /// A links widget's links (1 to 20).
    #[serde(default)]
    #[schema(max_items = 20)]
    links: Vec<WidgetLinkInput>,
    /// A video widget's share link (YouTube, Vimeo, Dailymotion or an allowed PeerTube host).
    #[serde(default)]
    #[schema(max_length = 2000)]
    video_url: String,
    video_file_id: Option<Uuid>,
}

/// One link of a links widget.
#[derive(Deserialize, ToSchema)]
pub struct WidgetLinkInput {
    /// Defaults to the link's host.
    #[serde(default)]
    #[schema(value_type = OptName, inline)]
    title: String,
    #[schema(value_type = HttpsUrl, inline)]
    url: String,
}

impl WidgetBody {
    fn input(self) -> WidgetInput {
        WidgetInput {
            kind: self.kind.unwrap_or_default(),
            title: self.title,
            body: self.body,
            links: self
                .links
                .into_iter()
                .map(|l| Link {
                    title: l.title,
                    url: l.url,
                })
                .collect(),
            video_url: self.video_url,
            video_file_id: self.video_file_id,
        }
    }
}

/// The side panel of a sphere, in order.
#[utoipa::path(get, path = "/spheres/{id}/widgets", tag = "widgets",
    params(("id" = Uuid, Path, description = "Sphere id")),
    responses((status = 200, description = "Widgets, in panel order", body = Vec<WidgetDto>), Unauthorized, Forbidden, NotFound))]
async fn list_widgets(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
) -> ApiResult<Json<Vec<WidgetDto>>> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    let list = widgets::list(&state, &sphere).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Adds a widget at the bottom of the panel (sphere administrators).
#[utoipa::path(post, path = "/spheres/{id}/widgets", tag = "widgets",
    params(("id" = Uuid, Path, description = "Sphere id")), request_body = WidgetBody,
    responses((status = 201, description = "The new widget", body = WidgetDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn create_widget(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
    ApiJson(b): ApiJson<WidgetBody>,
) -> ApiResult<(StatusCode, Json<WidgetDto>)> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    let wid = widgets::create(&state, &auth, &sphere, &b.input()).await?;
    let w = widgets::get(&state, &sphere, wid).await?;
    Ok((StatusCode::CREATED, Json(w.into())))
}

/// One widget.
#[utoipa::path(get, path = "/spheres/{id}/widgets/{widget_id}", tag = "widgets",
    params(("id" = Uuid, Path, description = "Sphere id"), ("widget_id" = Uuid, Path, description = "Widget id")),
    responses((status = 200, description = "The widget", body = WidgetDto), Unauthorized, Forbidden, NotFound))]
async fn get_widget(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath((id, wid)): ApiPath<(SphereId, Id)>,
) -> ApiResult<Json<WidgetDto>> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    Ok(Json(widgets::get(&state, &sphere, wid).await?.into()))
}

/// Replaces a widget's content (its kind stays).
#[utoipa::path(put, path = "/spheres/{id}/widgets/{widget_id}", tag = "widgets",
    params(("id" = Uuid, Path, description = "Sphere id"), ("widget_id" = Uuid, Path, description = "Widget id")),
    request_body = WidgetBody,
    responses((status = 200, description = "The widget", body = WidgetDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn update_widget(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath((id, wid)): ApiPath<(SphereId, Id)>,
    ApiJson(b): ApiJson<WidgetBody>,
) -> ApiResult<Json<WidgetDto>> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    widgets::update(&state, &auth, &sphere, wid, &b.input()).await?;
    Ok(Json(widgets::get(&state, &sphere, wid).await?.into()))
}

/// Removes a widget.
#[utoipa::path(delete, path = "/spheres/{id}/widgets/{widget_id}", tag = "widgets",
    params(("id" = Uuid, Path, description = "Sphere id"), ("widget_id" = Uuid, Path, description = "Widget id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound))]
async fn delete_widget(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath((id, wid)): ApiPath<(SphereId, Id)>,
) -> ApiResult<StatusCode> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    widgets::delete(&state, &sphere, wid).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct WidgetOrder {
    /// Every widget id of the sphere, once each, in the new order.
    ids: Vec<Uuid>,
}

/// Sets the panel's order.
#[utoipa::path(put, path = "/spheres/{id}/widgets/order", tag = "widgets",
    params(("id" = Uuid, Path, description = "Sphere id")), request_body = WidgetOrder,
    responses((status = 200, description = "Widgets, in the new order", body = Vec<WidgetDto>), Unauthorized, Forbidden, NotFound, Invalid))]
async fn reorder_widgets(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
    ApiJson(b): ApiJson<WidgetOrder>,
) -> ApiResult<Json<Vec<WidgetDto>>> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    widgets::reorder(&state, &sphere, &b.ids).await?;
    let list = widgets::list(&state, &sphere).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}
