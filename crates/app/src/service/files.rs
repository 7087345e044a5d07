//! File box: folders and files of a sphere. Uploads stream to the object store (a local
//! directory under DATA_DIR, or an S3-compatible bucket) under keys made of ids, never of
//! names; the type is decided from the bytes; the organization's quota is enforced in the
//! database in the same transaction as the file row.
use crate::auth::Auth;
use crate::config::Config;
use crate::error::{AppError, AppResult};
use crate::service::Download;
use crate::service::spheres::{self, Readable};
use crate::state::AppState;
use embarq_domain::SphereId;
use embarq_domain::files::{self as rules, SNIFF_LEN};
use embarq_domain::policy;
use embarq_domain::validate::FieldError;
use embarq_domain::{Id, OrgId, new_id};
use embarq_store::{FileFolder, FileRow, NewFile};
use futures::StreamExt;
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt, WriteMultipart};
use std::sync::Arc;

const MIB: u64 = 1024 * 1024;
/// Multipart framing and small fields allowed on top of the file itself.
const ENVELOPE: u64 = 64 * 1024;
/// Images larger than this get no thumbnail (decoding is bounded in memory).
const THUMB_SOURCE_MAX: u64 = 40 * MIB;
const THUMB_SIZE: u32 = 320;

pub use crate::config::{FilesConfig, S3Config};

/// Opens the object store the configuration names.
pub fn open_store(config: &Config) -> anyhow::Result<Arc<dyn ObjectStore>> {
    match &config.files.s3 {
        Some(s3) => {
            let mut b = object_store::aws::AmazonS3Builder::from_env().with_bucket_name(&s3.bucket);
            if let Some(e) = &s3.endpoint {
                b = b
                    .with_endpoint(e)
                    .with_allow_http(e.starts_with("http://"))
                    .with_virtual_hosted_style_request(false);
            }
            if let Some(r) = &s3.region {
                b = b.with_region(r);
            }
            if let Some(k) = &s3.access_key_id {
                b = b.with_access_key_id(k);
            }
            if let Some(k) = &s3.secret_access_key {
                b = b.with_secret_access_key(k);
            }
            Ok(Arc::new(b.build()?))
        }
        None => {
            let dir = config.data_dir.join("files");
            std::fs::create_dir_all(&dir)?;
            Ok(Arc::new(
                object_store::local::LocalFileSystem::new_with_prefix(dir)?
                    .with_automatic_cleanup(true),
            ))
        }
    }
}

fn file_key(org: OrgId, id: Id) -> ObjectPath {
    ObjectPath::from(format!("files/{org}/{id}"))
}

fn thumb_key(org: OrgId, id: Id) -> String {
    format!("thumbs/{org}/{id}.png")
}

fn internal(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("object store: {e}"))
}

/// A file with its sphere, if the viewer may read it.
pub async fn visible_file(state: &AppState, auth: &Auth, id: Id) -> AppResult<(FileRow, Readable)> {
    let f = state
        .db
        .file(auth.user.org_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let v = spheres::readable_content(state, auth, f.sphere_id).await?;
    Ok((f, v))
}

/// What one folder of a sphere holds.
pub struct Listing {
    pub v: Readable,
    pub folder: Option<FileFolder>,
    /// From the top level down to the current folder's parent.
    pub trail: Vec<FileFolder>,
    pub folders: Vec<FileFolder>,
    pub files: Vec<FileRow>,
    /// Every folder, for "move to" choices, as (id, path).
    pub all_folders: Vec<(Id, String)>,
    pub can_upload: bool,
    pub used_bytes: i64,
}

fn folder_path(all: &[FileFolder], f: &FileFolder) -> Vec<FileFolder> {
    let mut out = vec![f.clone()];
    let mut cur = f.parent_id;
    while let Some(pid) = cur {
        if out.len() > 64 {
            break;
        }
        match all.iter().find(|x| x.id == pid) {
            Some(p) => {
                out.push(p.clone());
                cur = p.parent_id;
            }
            None => break,
        }
    }
    out.reverse();
    out
}

pub async fn listing(
    state: &AppState,
    auth: &Auth,
    v: Readable,
    folder_id: Option<Id>,
) -> AppResult<Listing> {
    let sphere_id = v.id();
    let all = state.db.folders(sphere_id).await?;
    let folder = match folder_id {
        Some(fid) => Some(
            all.iter()
                .find(|f| f.id == fid)
                .cloned()
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let trail = match &folder {
        Some(f) => {
            let mut t = folder_path(&all, f);
            t.pop();
            t
        }
        None => Vec::new(),
    };
    let folders = all
        .iter()
        .filter(|f| f.parent_id == folder_id)
        .cloned()
        .collect();
    let mut all_folders: Vec<(Id, String)> = all
        .iter()
        .map(|f| {
            let path = folder_path(&all, f)
                .iter()
                .map(|x| x.name.as_str())
                .collect::<Vec<_>>()
                .join(" / ");
            (f.id, path)
        })
        .collect();
    all_folders.sort_by_key(|a| a.1.to_lowercase());
    let files = state.db.files_in(sphere_id, folder_id).await?;
    let used_bytes = state.db.org_used_bytes(auth.user.org_id).await?;
    Ok(Listing {
        can_upload: policy::can_upload_file(v.access()),
        v,
        folder,
        trail,
        folders,
        files,
        all_folders,
        used_bytes,
    })
}

async fn target_folder(
    state: &AppState,
    sphere_id: SphereId,
    folder_id: Option<Id>,
    field: &'static str,
) -> AppResult<Option<Id>> {
    match folder_id {
        None => Ok(None),
        Some(f) => match state.db.folder(sphere_id, f).await? {
            Some(_) => Ok(Some(f)),
            None => Err(FieldError::new(field, "invalid_choice").into()),
        },
    }
}

pub async fn create_folder(
    state: &AppState,
    auth: &Auth,
    sphere: &Readable,
    parent_id: Option<Id>,
    name: &str,
) -> AppResult<FileFolder> {
    sphere.require(policy::can_upload_file)?;
    let sphere_id = sphere.id();
    let name = rules::file_name("name", name)?;
    let parent = target_folder(state, sphere_id, parent_id, "parent_id").await?;
    let id = state
        .db
        .create_folder(auth.user.org_id, sphere_id, parent, &name, auth.user.id)
        .await?;
    state
        .db
        .folder(sphere_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

async fn manageable_folder(
    state: &AppState,
    auth: &Auth,
    sphere: &Readable,
    id: Id,
) -> AppResult<FileFolder> {
    let f = state
        .db
        .folder(sphere.id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::can_manage_file(f.created_by == auth.user.id, sphere.access()) {
        return Err(AppError::Forbidden);
    }
    Ok(f)
}

/// Renames and/or moves a folder (`parent`: `Some(None)` = to the top level).
pub async fn update_folder(
    state: &AppState,
    auth: &Auth,
    sphere: &Readable,
    id: Id,
    name: Option<&str>,
    parent: Option<Option<Id>>,
) -> AppResult<FileFolder> {
    let f = manageable_folder(state, auth, sphere, id).await?;
    let sphere_id = sphere.id();
    let name = match name {
        Some(n) => rules::file_name("name", n)?,
        None => f.name.clone(),
    };
    let parent_id = match parent {
        None => f.parent_id,
        Some(p) => {
            let p = target_folder(state, sphere_id, p, "parent_id").await?;
            if let Some(pid) = p {
                // Not into itself or one of its own sub-folders.
                let all = state.db.folders(sphere_id).await?;
                if let Some(target) = all.iter().find(|x| x.id == pid)
                    && folder_path(&all, target).iter().any(|x| x.id == id)
                {
                    return Err(FieldError::new("parent_id", "folder_cycle").into());
                }
            }
            p
        }
    };
    state.db.update_folder(id, &name, parent_id).await?;
    state
        .db
        .folder(sphere_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn delete_folder(
    state: &AppState,
    auth: &Auth,
    sphere: &Readable,
    id: Id,
) -> AppResult<()> {
    manageable_folder(state, auth, sphere, id).await?;
    if !state.db.delete_empty_folder(id).await? {
        return Err(AppError::Refused("folder_not_empty"));
    }
    Ok(())
}

/// Renames and/or moves a file (`folder`: `Some(None)` = to the top level).
pub async fn update_file(
    state: &AppState,
    auth: &Auth,
    id: Id,
    name: Option<&str>,
    folder: Option<Option<Id>>,
) -> AppResult<FileRow> {
    let (f, v) = visible_file(state, auth, id).await?;
    if !policy::can_manage_file(f.uploaded_by == auth.user.id, v.access()) {
        return Err(AppError::Forbidden);
    }
    let name = match name {
        Some(n) => {
            let n = rules::file_name("name", n)?;
            // The type was decided from the bytes; a new name cannot claim another one.
            check_rename(&f, &n)?;
            n
        }
        None => f.name.clone(),
    };
    let folder_id = match folder {
        None => f.folder_id,
        Some(x) => target_folder(state, f.sphere_id, x, "folder_id").await?,
    };
    state.db.update_file(id, &name, folder_id).await?;
    state
        .db
        .file(auth.user.org_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A renamed file may not claim a recognizable type its bytes do not have (a text file
/// renamed `.png`); keeping the extension, or an unrecognized one, is fine.
fn check_rename(f: &FileRow, new_name: &str) -> Result<(), FieldError> {
    let old = rules::extension(&f.name);
    let new = rules::extension(new_name);
    if old == new {
        return Ok(());
    }
    // The stored type against what the new extension claims: same rule as an upload
    // whose detected type is the stored one.
    let detected = (f.content_type != "application/octet-stream"
        && !f.content_type.starts_with("text/"))
    .then_some(f.content_type.as_str());
    match rules::classify(new_name, b"\x00", detected) {
        Ok(_) => Ok(()),
        Err(_) => Err(FieldError::new("name", "file_disguised")),
    }
}

pub async fn delete_file(state: &AppState, auth: &Auth, id: Id) -> AppResult<()> {
    let (f, v) = visible_file(state, auth, id).await?;
    if !policy::can_manage_file(f.uploaded_by == auth.user.id, v.access()) {
        return Err(AppError::Forbidden);
    }
    if let Some(gone) = state.db.delete_file(id).await? {
        if let Err(e) = state
            .objects
            .delete(&ObjectPath::from(gone.storage_key))
            .await
        {
            tracing::warn!(error = %e, "could not remove a deleted file's bytes");
        }
        if let Some(t) = gone.thumb_key {
            let _ = state.objects.delete(&ObjectPath::from(t)).await;
        }
    }
    Ok(())
}

/// Reads what is left of a refused upload (bounded), so the client receives the answer
/// instead of a reset connection.
async fn drain(mp: &mut multer::Multipart<'static>, mut budget: u64) {
    while let Ok(Some(mut field)) = mp.next_field().await {
        drain_field(&mut field, &mut budget).await;
        if budget == 0 {
            return;
        }
    }
}

/// Drains the rest of the current field and then the request.
async fn drain_field(field: &mut multer::Field<'_>, budget: &mut u64) {
    while let Ok(Some(c)) = field.chunk().await {
        *budget = budget.saturating_sub(c.len() as u64);
        if *budget == 0 {
            return;
        }
    }
}

fn too_large(max: u64) -> AppError {
    FieldError::with_limit("file", "file_too_large", max.div_ceil(MIB) as i64).into()
}

fn bad_multipart() -> AppError {
    FieldError::new("file", "upload_unreadable").into()
}

/// Streams the `file` field of a multipart request into the sphere's file box. It takes
/// the sphere's id, not a proof of access: a refusal must come after the request body has
/// been drained (below), so the access is checked here.
pub async fn upload(
    state: &AppState,
    auth: &Auth,
    sphere_id: SphereId,
    folder_id: Option<Id>,
    content_length: Option<u64>,
    mut mp: multer::Multipart<'static>,
) -> AppResult<FileRow> {
    let cfg = &state.config.files;
    let max = cfg.max_file_bytes;
    // Bytes read after a refusal so that the client gets the answer.
    let drain_budget = max.saturating_add(16 * MIB);
    let pre = async {
        spheres::readable(state, auth, sphere_id)
            .await?
            .require(policy::can_upload_file)?;
        let folder = target_folder(state, sphere_id, folder_id, "folder_id").await?;
        if let Some(len) = content_length {
            if len > max.saturating_add(ENVELOPE) {
                return Err(too_large(max));
            }
            let used = state.db.org_used_bytes(auth.user.org_id).await?.max(0) as u64;
            if used.saturating_add(len.saturating_sub(ENVELOPE)) > cfg.org_quota_bytes {
                return Err(AppError::Refused("quota_exceeded"));
            }
        }
        Ok(folder)
    };
    let folder = match pre.await {
        Ok(f) => f,
        Err(e) => {
            if content_length.is_none_or(|l| l <= drain_budget) {
                drain(&mut mp, drain_budget).await;
            }
            return Err(e);
        }
    };
    let mut stored: Option<FileRow> = None;
    let mut budget = drain_budget;
    loop {
        let mut field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(_) => return Err(bad_multipart()),
        };
        if stored.is_some() {
            // One file per request: anything after it is read (bounded) and ignored, so the
            // stored file and the answer stay consistent.
            drain_field(&mut field, &mut budget).await;
            if budget == 0 {
                break;
            }
            continue;
        }
        if field.name() != Some("file") {
            // Small extra fields (a browser's submit button, `_csrf`) are skipped.
            let mut seen = 0u64;
            while let Ok(Some(c)) = field.chunk().await {
                seen += c.len() as u64;
                if seen > ENVELOPE {
                    return Err(bad_multipart());
                }
            }
            continue;
        }
        let raw_name = field.file_name().unwrap_or("").to_string();
        if raw_name.trim().is_empty() {
            drain_field(&mut field, &mut budget).await;
            drain(&mut mp, budget).await;
            return Err(FieldError::new("file", "required").into());
        }
        let name = match rules::upload_name(&raw_name) {
            Ok(n) => n,
            Err(e) => {
                drain_field(&mut field, &mut budget).await;
                drain(&mut mp, budget).await;
                return Err(e.into());
            }
        };
        let id = new_id();
        let key = file_key(auth.user.org_id, id);
        let upload = state.objects.put_multipart(&key).await.map_err(internal)?;
        let mut w = WriteMultipart::new_with_chunk_size(upload, 5 * MIB as usize);
        let mut head: Vec<u8> = Vec::with_capacity(SNIFF_LEN);
        let mut size: u64 = 0;
        let outcome: AppResult<()> = loop {
            match field.chunk().await {
                Ok(Some(chunk)) => {
                    size += chunk.len() as u64;
                    if size > max {
                        break Err(too_large(max));
                    }
                    if head.len() < SNIFF_LEN {
                        let take = (SNIFF_LEN - head.len()).min(chunk.len());
                        head.extend_from_slice(&chunk[..take]);
                    }
                    if let Err(e) = w.wait_for_capacity(2).await {
                        break Err(internal(e));
                    }
                    w.put(chunk);
                }
                Ok(None) => break Ok(()),
                Err(_) => break Err(bad_multipart()),
            }
        };
        if let Err(e) = outcome {
            let _ = w.abort().await;
            let _ = state.objects.delete(&key).await;
            drain_field(&mut field, &mut budget).await;
            drain(&mut mp, budget).await;
            return Err(e);
        }
        if size == 0 {
            let _ = w.abort().await;
            let _ = state.objects.delete(&key).await;
            return Err(FieldError::new("file", "file_empty").into());
        }
        w.finish().await.map_err(internal)?;
        let detected = infer::get(&head).map(|t| t.mime_type());
        let content_type = match rules::classify(&name, &head, detected) {
            Ok(t) => t,
            Err(e) => {
                let _ = state.objects.delete(&key).await;
                drain(&mut mp, budget).await;
                return Err(e.into());
            }
        };
        let new = NewFile {
            id,
            org_id: auth.user.org_id,
            sphere_id,
            folder_id: folder,
            name,
            content_type: content_type.clone(),
            size_bytes: size as i64,
            storage_key: key.to_string(),
            uploaded_by: auth.user.id,
        };
        let recorded = state
            .db
            .insert_file_within_quota(&new, cfg.org_quota_bytes as i64)
            .await;
        match recorded {
            Ok(true) => {}
            Ok(false) => {
                let _ = state.objects.delete(&key).await;
                drain(&mut mp, budget).await;
                return Err(AppError::Refused("quota_exceeded"));
            }
            Err(e) => {
                let _ = state.objects.delete(&key).await;
                return Err(e.into());
            }
        }
        if rules::is_previewable(&content_type) && size <= THUMB_SOURCE_MAX {
            make_thumbnail(state, auth.user.org_id, id, &key).await;
        }
        let row = state
            .db
            .file(auth.user.org_id, id)
            .await?
            .ok_or(AppError::NotFound)?;
        stored = Some(row);
    }
    stored.ok_or_else(|| FieldError::new("file", "required").into())
}

/// Decodes a verified image (bounded) and stores a PNG thumbnail; failures only mean no
/// preview.
async fn make_thumbnail(state: &AppState, org: OrgId, id: Id, key: &ObjectPath) {
    let bytes = match state.objects.get(key).await {
        Ok(r) => match r.bytes().await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "thumbnail source unreadable");
                return;
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "thumbnail source missing");
            return;
        }
    };
    let png = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, image::ImageError> {
        let mut reader =
            image::ImageReader::new(std::io::Cursor::new(bytes)).with_guessed_format()?;
        let mut limits = image::Limits::default();
        limits.max_image_width = Some(12_000);
        limits.max_image_height = Some(12_000);
        limits.max_alloc = Some(512 * MIB);
        reader.limits(limits);
        let img = reader.decode()?.thumbnail(THUMB_SIZE, THUMB_SIZE);
        let mut out = std::io::Cursor::new(Vec::new());
        img.write_to(&mut out, image::ImageFormat::Png)?;
        Ok(out.into_inner())
    })
    .await;
    let png = match png {
        Ok(Ok(p)) => p,
        Ok(Err(e)) => {
            tracing::info!(error = %e, "no thumbnail for an image");
            return;
        }
        Err(e) => {
            tracing::warn!(error = %e, "thumbnail task failed");
            return;
        }
    };
    let tkey = thumb_key(org, id);
    if let Err(e) = state
        .objects
        .put(&ObjectPath::from(tkey.clone()), png.into())
        .await
    {
        tracing::warn!(error = %e, "could not store a thumbnail");
        return;
    }
    if let Err(e) = state.db.set_file_thumb(id, &tkey).await {
        tracing::warn!(error = %e, "could not record a thumbnail");
    }
}

/// The file's bytes as an attachment, streamed from the object store.
pub async fn download(state: &AppState, auth: &Auth, id: Id) -> AppResult<Download> {
    let (f, _) = visible_file(state, auth, id).await?;
    let got = state
        .objects
        .get(&ObjectPath::from(f.storage_key.clone()))
        .await
        .map_err(|e| match e {
            object_store::Error::NotFound { .. } => AppError::NotFound,
            e => internal(e),
        })?;
    let content_type = if rules::is_previewable(&f.content_type)
        || rules::is_video(&f.content_type)
        || f.content_type == "application/pdf"
        || f.content_type.starts_with("text/plain")
        || f.content_type.starts_with("audio/")
    {
        f.content_type.clone()
    } else {
        "application/octet-stream".to_string()
    };
    Ok(Download {
        body: got
            .into_stream()
            .map(|r| r.map_err(std::io::Error::other))
            .boxed(),
        content_type,
        length: Some(f.size_bytes.max(0) as u64),
        disposition: Some(rules::content_disposition(&f.name)),
        untrusted: true,
    })
}

/// The server-made PNG thumbnail of an image, shown inline.
pub async fn preview(state: &AppState, auth: &Auth, id: Id) -> AppResult<Download> {
    let (f, _) = visible_file(state, auth, id).await?;
    let key = match (&f.thumb_key, rules::is_previewable(&f.content_type)) {
        (Some(k), true) => k.clone(),
        _ => return Err(AppError::NotFound),
    };
    let bytes = state
        .objects
        .get(&ObjectPath::from(key))
        .await
        .map_err(|_| AppError::NotFound)?
        .bytes()
        .await
        .map_err(internal)?;
    Ok(Download {
        length: Some(bytes.len() as u64),
        body: futures::stream::once(async { Ok(bytes) }).boxed(),
        content_type: "image/png".into(),
        disposition: None,
        untrusted: true,
    })
}

/// Human-readable size (B, KiB, MiB, GiB).
pub fn human_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1024.0 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / 1024.0 / 1024.0)
    } else {
        format!("{:.2} GiB", b / 1024.0 / 1024.0 / 1024.0)
    }
}
