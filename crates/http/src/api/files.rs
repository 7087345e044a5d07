//! File box: folders and files of a sphere (streamed multipart upload, listing, download,
//! rename, move, delete).
use super::docs::{Binary, FileName, Forbidden, Invalid, NotFound, Unauthorized};
use super::extract::{ApiAuth, ApiJson, ApiPath, ApiQuery};
use crate::error::PageError;
use crate::error::{ApiError, ApiResult};
use crate::service::{files, spheres};
use crate::state::{AppState, WebState};
use crate::transfer::{Upload, send};
use axum::Json;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::Response;
use embarq_domain::files as rules;
use embarq_domain::{Id, SphereId};
use embarq_store::{FileFolder, FileRow};
use serde::{Deserialize, Deserializer, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use uuid::Uuid;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_files, upload_file))
        .layer(DefaultBodyLimit::disable())
        .routes(routes!(list_folders, create_folder))
        .routes(routes!(update_folder, delete_folder))
        .routes(routes!(get_file, update_file, delete_file))
        .routes(routes!(download_file))
        .routes(routes!(file_preview))
}

/// A folder of a sphere's file box.
#[derive(Serialize, ToSchema)]
pub struct FolderDto {
    pub id: Uuid,
    pub sphere_id: Uuid,
    /// The enclosing folder (null: top level).
    pub parent_id: Option<Uuid>,
    pub name: String,
    pub created_by: Uuid,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
}

impl From<FileFolder> for FolderDto {
    fn from(f: FileFolder) -> Self {
        FolderDto {
            id: f.id,
            sphere_id: f.sphere_id.into(),
            parent_id: f.parent_id,
            name: f.name,
            created_by: f.created_by.into(),
            created_at: f.created_at,
        }
    }
}

/// A file of a sphere's file box.
#[derive(Serialize, ToSchema)]
pub struct FileDto {
    pub id: Uuid,
    pub sphere_id: Uuid,
    pub folder_id: Option<Uuid>,
    pub name: String,
    /// Type decided from the file's bytes.
    pub content_type: String,
    pub size_bytes: i64,
    pub uploaded_by: Uuid,
    pub uploader_name: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub updated_at: i64,
    /// Where to download it (attachment).
    pub download_url: String,
    /// A PNG thumbnail for images, when one was made.
    pub preview_url: Option<String>,
}

impl From<FileRow> for FileDto {
    fn from(f: FileRow) -> Self {
        let preview = f.thumb_key.is_some() && rules::is_previewable(&f.content_type);
        FileDto {
            download_url: format!("/api/v1/files/{}/content", f.id),
            preview_url: preview.then(|| format!("/api/v1/files/{}/preview", f.id)),
            id: f.id,
            sphere_id: f.sphere_id.into(),
            folder_id: f.folder_id,
            name: f.name,
            content_type: f.content_type,
            size_bytes: f.size_bytes,
            uploaded_by: f.uploaded_by.into(),
            uploader_name: f.uploader_name,
            created_at: f.created_at,
            updated_at: f.updated_at,
        }
    }
}

#[derive(Deserialize, ToSchema, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FolderFilter {
    /// The folder to list (absent: the top level).
    folder_id: Option<Uuid>,
}

/// Files of one folder of a sphere, by name. Secret and closed spheres answer 404 to non-members.
#[utoipa::path(get, path = "/spheres/{id}/files", tag = "files",
    params(("id" = Uuid, Path, description = "Sphere id"), FolderFilter),
    responses((status = 200, description = "Files, by name", body = Vec<FileDto>), Unauthorized, Forbidden, NotFound, Invalid))]
async fn list_files(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
    ApiQuery(q): ApiQuery<FolderFilter>,
) -> ApiResult<Json<Vec<FileDto>>> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    let l = files::listing(&state, &auth, sphere, q.folder_id).await?;
    Ok(Json(l.files.into_iter().map(Into::into).collect()))
}

/// The multipart form of an upload.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct UploadForm {
    /// The file (one per request). Its type is decided from its bytes: a file whose
    /// content contradicts its name (HTML named `.png`) is refused.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads a file (streamed; size limit and organization quota apply: 422 `file_too_large`
/// or `quota_exceeded`).
#[utoipa::path(post, path = "/spheres/{id}/files", tag = "files",
    params(("id" = Uuid, Path, description = "Sphere id"), FolderFilter),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, description = "The stored file", body = FileDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn upload_file(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
    ApiQuery(q): ApiQuery<FolderFilter>,
    up: Result<Upload, PageError>,
) -> ApiResult<(StatusCode, Json<FileDto>)> {
    let up = up.map_err(|e| e.0)?;
    let f = files::upload(&state, &auth, id, q.folder_id, up.content_length, up.parts).await?;
    Ok((StatusCode::CREATED, Json(f.into())))
}

/// Every folder of a sphere (build the tree with `parent_id`).
#[utoipa::path(get, path = "/spheres/{id}/folders", tag = "files",
    params(("id" = Uuid, Path, description = "Sphere id")),
    responses((status = 200, description = "Folders, by name", body = Vec<FolderDto>), Unauthorized, Forbidden, NotFound))]
async fn list_folders(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
) -> ApiResult<Json<Vec<FolderDto>>> {
    spheres::readable(&state, &auth, id).await?;
    Ok(Json(
        state
            .db
            .folders(id)
            .await?
            .into_iter()
            .map(Into::into)
            .collect(),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct NewFolder {
    #[serde(default)]
    #[schema(value_type = FileName, inline, required = true)]
    name: String,
    /// The enclosing folder (absent: top level).
    parent_id: Option<Uuid>,
}

/// Creates a folder (members who may post).
#[utoipa::path(post, path = "/spheres/{id}/folders", tag = "files",
    params(("id" = Uuid, Path, description = "Sphere id")), request_body = NewFolder,
    responses((status = 201, description = "The new folder", body = FolderDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn create_folder(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
    ApiJson(b): ApiJson<NewFolder>,
) -> ApiResult<(StatusCode, Json<FolderDto>)> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    let f = files::create_folder(&state, &auth, &sphere, b.parent_id, &b.name).await?;
    Ok((StatusCode::CREATED, Json(f.into())))
}

/// `null` and absent differ: `null` means "to the top level".
fn double<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<Uuid>>, D::Error> {
    Ok(Some(Option::<Uuid>::deserialize(d)?))
}

#[derive(Deserialize, ToSchema)]
pub struct FolderPatch {
    #[schema(value_type = Option<FileName>, inline)]
    name: Option<String>,
    /// New enclosing folder; `null` moves it to the top level.
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<Uuid>)]
    parent_id: Option<Option<Uuid>>,
}

/// Renames or moves a folder (its creator or a sphere administrator).
#[utoipa::path(patch, path = "/spheres/{id}/folders/{folder_id}", tag = "files",
    params(("id" = Uuid, Path, description = "Sphere id"), ("folder_id" = Uuid, Path, description = "Folder id")),
    request_body = FolderPatch,
    responses((status = 200, description = "The folder", body = FolderDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn update_folder(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath((id, folder)): ApiPath<(SphereId, Id)>,
    ApiJson(b): ApiJson<FolderPatch>,
) -> ApiResult<Json<FolderDto>> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    let f = files::update_folder(
        &state,
        &auth,
        &sphere,
        folder,
        b.name.as_deref(),
        b.parent_id,
    )
    .await?;
    Ok(Json(f.into()))
}

/// Deletes an empty folder (422 `folder_not_empty` otherwise).
#[utoipa::path(delete, path = "/spheres/{id}/folders/{folder_id}", tag = "files",
    params(("id" = Uuid, Path, description = "Sphere id"), ("folder_id" = Uuid, Path, description = "Folder id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound, Invalid))]
async fn delete_folder(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath((id, folder)): ApiPath<(SphereId, Id)>,
) -> ApiResult<StatusCode> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    files::delete_folder(&state, &auth, &sphere, folder).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One file's details.
#[utoipa::path(get, path = "/files/{id}", tag = "files",
    params(("id" = Uuid, Path, description = "File id")),
    responses((status = 200, description = "The file", body = FileDto), Unauthorized, NotFound))]
async fn get_file(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<FileDto>> {
    let (f, _) = files::visible_file(&state, &auth, id).await?;
    Ok(Json(f.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct FilePatch {
    #[schema(value_type = Option<FileName>, inline)]
    name: Option<String>,
    /// New folder; `null` moves it to the top level.
    #[serde(default, deserialize_with = "double")]
    #[schema(value_type = Option<Uuid>)]
    folder_id: Option<Option<Uuid>>,
}

/// Renames or moves a file (its uploader or a sphere administrator).
#[utoipa::path(patch, path = "/files/{id}", tag = "files",
    params(("id" = Uuid, Path, description = "File id")), request_body = FilePatch,
    responses((status = 200, description = "The file", body = FileDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn update_file(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<FilePatch>,
) -> ApiResult<Json<FileDto>> {
    let f = files::update_file(&state, &auth, id, b.name.as_deref(), b.folder_id).await?;
    Ok(Json(f.into()))
}

/// Deletes a file (its uploader or a sphere administrator); its bytes leave the quota.
#[utoipa::path(delete, path = "/files/{id}", tag = "files",
    params(("id" = Uuid, Path, description = "File id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound))]
async fn delete_file(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    files::delete_file(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The file's bytes, as an attachment (`Content-Disposition`, `nosniff`, CSP sandbox).
#[utoipa::path(get, path = "/files/{id}/content", tag = "files",
    params(("id" = Uuid, Path, description = "File id")),
    responses((status = 200, description = "The bytes, with the file's own type", content_type = "*/*", body = Binary), Unauthorized, NotFound))]
async fn download_file(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> Result<Response, ApiError> {
    Ok(send(files::download(&state, &auth, id).await?))
}

/// A PNG thumbnail of an image file (404 for other types).
#[utoipa::path(get, path = "/files/{id}/preview", tag = "files",
    params(("id" = Uuid, Path, description = "File id")),
    responses((status = 200, description = "PNG thumbnail", content_type = "image/png", body = Binary), Unauthorized, NotFound))]
async fn file_preview(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> Result<Response, ApiError> {
    Ok(send(files::preview(&state, &auth, id).await?))
}
