//! File box pages: a sphere's folders and files, uploads with a progress bar, rename, move
//! and delete; downloads and image previews at `/files/{id}`.
use super::{Page, PathId, PathIds, St, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::PageError;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr_args};
use crate::service::files::{self, human_size};
use crate::service::spheres;
use crate::state::{AppState, WebState};
use crate::transfer::{Upload, send};
use askama::Template;
use axum::extract::{DefaultBodyLimit, Query};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::SphereId;
use embarq_domain::files as rules;
use embarq_domain::validate::FieldError;
use embarq_domain::{Id, parse_id, policy};
use embarq_store::{FileFolder, FileRow, Sphere};
use fluent_templates::fluent_bundle::FluentValue;
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route(
            "/spheres/{id}/files",
            get(list).post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/spheres/{id}/folders", post(create_folder))
        .route("/spheres/{id}/folders/{folder}/edit", post(edit_folder))
        .route("/spheres/{id}/folders/{folder}/delete", post(delete_folder))
        .route("/files/{id}", get(download))
        .route("/files/{id}/preview", get(preview))
        .route("/files/{id}/edit", post(edit_file))
        .route("/files/{id}/delete", post(delete_file))
}

pub struct FileItem {
    pub f: FileRow,
    pub size: String,
    pub manage: bool,
    pub preview: bool,
}

#[derive(Template)]
#[template(path = "files.html")]
struct FilesPage {
    p: Page,
    s: Sphere,
    folder: Option<FileFolder>,
    trail: Vec<FileFolder>,
    folders: Vec<(FileFolder, bool)>,
    files: Vec<FileItem>,
    all_folders: Vec<(Id, String)>,
    can_upload: bool,
    limit_text: String,
    folder_q: String,
}

#[derive(Deserialize, Default)]
struct FolderQuery {
    #[serde(default)]
    folder: Option<String>,
}

fn parse_folder(raw: Option<&str>, field: &'static str) -> Result<Option<Id>, FieldError> {
    match raw.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => parse_id(s)
            .map(Some)
            .ok_or(FieldError::new(field, "invalid_choice")),
    }
}

fn list_url(sphere: SphereId, folder: Option<Id>) -> String {
    match folder {
        Some(f) => format!("/spheres/{sphere}/files?folder={f}"),
        None => format!("/spheres/{sphere}/files"),
    }
}

async fn list(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
    Query(q): Query<FolderQuery>,
) -> AppResult<Response> {
    let folder_id = parse_folder(q.folder.as_deref(), "folder").map_err(|_| AppError::NotFound)?;
    list_page(&state, lang, &csrf, &auth, id, folder_id, None).await
}

/// The listing, with the reason of a refused upload when there is one (422).
async fn list_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: SphereId,
    folder_id: Option<Id>,
    refused: Option<AppError>,
) -> AppResult<Response> {
    let sphere = spheres::readable(state, auth, id).await?;
    let l = files::listing(state, auth, sphere, folder_id).await?;
    let cfg = &state.config.files;
    let limit_text = tr_args(
        lang,
        "files-limits",
        &[
            (
                "max",
                FluentValue::from(human_size(cfg.max_file_bytes as i64)),
            ),
            ("used", FluentValue::from(human_size(l.used_bytes))),
            (
                "quota",
                FluentValue::from(human_size(cfg.org_quota_bytes as i64)),
            ),
        ],
    );
    let me = auth.user.id;
    let access = l.v.access();
    let folders = l
        .folders
        .into_iter()
        .map(|f| {
            let m = policy::can_manage_file(f.created_by == me, access);
            (f, m)
        })
        .collect();
    let files = l
        .files
        .into_iter()
        .map(|f| FileItem {
            size: human_size(f.size_bytes),
            manage: policy::can_manage_file(f.uploaded_by == me, access),
            preview: f.thumb_key.is_some() && rules::is_previewable(&f.content_type),
            f,
        })
        .collect();
    let mut p = Page::new(state, lang, csrf, Some(auth), "files-title").await;
    p.title = format!("{} · {}", l.v.sphere().name, p.t("files-title"));
    let status = match &refused {
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
    Ok(render_status(
        status,
        &FilesPage {
            p,
            s: l.v.into_sphere(),
            folder_q: folder_id.map(|f| f.to_string()).unwrap_or_default(),
            folder: l.folder,
            trail: l.trail,
            folders,
            files,
            all_folders: l.all_folders,
            can_upload: l.can_upload,
            limit_text,
        },
    ))
}

#[allow(clippy::too_many_arguments, reason = "one axum extractor each")]
async fn upload(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
    Query(q): Query<FolderQuery>,
    up: Result<Upload, PageError>,
) -> AppResult<Response> {
    let folder = parse_folder(q.folder.as_deref(), "folder_id")?;
    let up = up?;
    match files::upload(&state, &auth, id, folder, up.content_length, up.parts).await {
        Ok(_) => Ok(see_other(&list_url(id, folder))),
        // Refusals keep the person on the page with the reason.
        Err(e @ (AppError::Validation(_) | AppError::Refused(_))) => {
            list_page(&state, lang, &csrf, &auth, id, folder, Some(e)).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
struct FolderForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent: Option<String>,
}

async fn create_folder(
    state: St,
    auth: Auth,
    PathId(id): PathId<SphereId>,
    Form(f): Form<FolderForm>,
) -> AppResult<Response> {
    let parent = parse_folder(f.parent.as_deref(), "parent_id")?;
    let sphere = spheres::readable(&state, &auth, id).await?;
    files::create_folder(&state, &auth, &sphere, parent, &f.name).await?;
    Ok(see_other(&list_url(id, parent)))
}

async fn edit_folder(
    state: St,
    auth: Auth,
    PathIds(id, folder): PathIds<SphereId, Id>,
    Form(f): Form<FolderForm>,
) -> AppResult<Response> {
    let parent = parse_folder(f.parent.as_deref(), "parent_id")?;
    let sphere = spheres::readable(&state, &auth, id).await?;
    let updated =
        files::update_folder(&state, &auth, &sphere, folder, Some(&f.name), Some(parent)).await?;
    Ok(see_other(&list_url(id, updated.parent_id)))
}

async fn delete_folder(
    state: St,
    auth: Auth,
    PathIds(id, folder): PathIds<SphereId, Id>,
) -> AppResult<Response> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    let parent = state.db.folder(id, folder).await?.and_then(|f| f.parent_id);
    files::delete_folder(&state, &auth, &sphere, folder).await?;
    Ok(see_other(&list_url(id, parent)))
}

#[derive(Deserialize)]
struct FileForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    folder: Option<String>,
}

async fn edit_file(
    state: St,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<FileForm>,
) -> AppResult<Response> {
    let folder = parse_folder(f.folder.as_deref(), "folder_id")?;
    let updated = files::update_file(&state, &auth, id, Some(&f.name), Some(folder)).await?;
    Ok(see_other(&list_url(updated.sphere_id, updated.folder_id)))
}

async fn delete_file(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    let (f, _) = files::visible_file(&state, &auth, id).await?;
    files::delete_file(&state, &auth, id).await?;
    Ok(see_other(&list_url(f.sphere_id, f.folder_id)))
}

async fn download(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    Ok(send(files::download(&state, &auth, id).await?))
}

async fn preview(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    Ok(send(files::preview(&state, &auth, id).await?))
}
