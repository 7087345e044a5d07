//! File box (folders, files, per-organization usage) and sphere widgets. The bytes live in
//! the object store; these rows say what is where. Usage is updated in the same transaction
//! as the file row with a conditional UPDATE, so concurrent uploads cannot exceed a quota.
use crate::db::{Result, with_pool, with_writer};
use crate::{Db, now_ms};
use embarq_domain::{Id, OrgId, new_id};
use embarq_domain::{SphereId, UserId};
use serde::Serialize;
use sqlx::AssertSqlSafe;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct FileFolder {
    pub id: Id,
    pub org_id: OrgId,
    pub sphere_id: SphereId,
    pub parent_id: Option<Id>,
    pub name: String,
    pub created_by: UserId,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct FileRow {
    pub id: Id,
    pub org_id: OrgId,
    pub sphere_id: SphereId,
    pub folder_id: Option<Id>,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    #[serde(skip)]
    pub storage_key: String,
    #[serde(skip)]
    pub thumb_key: Option<String>,
    pub uploaded_by: UserId,
    pub uploader_name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A file whose bytes are already in the object store.
#[derive(Debug, Clone)]
pub struct NewFile {
    pub id: Id,
    pub org_id: OrgId,
    pub sphere_id: SphereId,
    pub folder_id: Option<Id>,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub storage_key: String,
    pub uploaded_by: UserId,
}

/// Object keys of a deleted file, to remove from the object store.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DeletedFile {
    pub storage_key: String,
    pub thumb_key: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Widget {
    pub id: Id,
    pub sphere_id: SphereId,
    pub kind: String,
    pub title: String,
    pub position: i64,
    /// Markdown of a note.
    pub body: String,
    /// JSON array of `{title, url}` for links.
    pub links: String,
    /// Embed URL of a hosted video.
    pub video_url: Option<String>,
    /// An uploaded video of the sphere's file box (None once that file is deleted).
    pub video_file_id: Option<Id>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// What a widget holds, already validated.
#[derive(Debug, Clone, Default)]
pub struct WidgetContent {
    pub title: String,
    pub body: String,
    pub links: String,
    pub video_url: Option<String>,
    pub video_file_id: Option<Id>,
}

const FOLDER_COLUMNS: &str = "id, org_id, sphere_id, parent_id, name, created_by, created_at";
const FILE_SELECT: &str = "SELECT f.id, f.org_id, f.sphere_id, f.folder_id, f.name, f.content_type, f.size_bytes, \
     f.storage_key, f.thumb_key, f.uploaded_by, u.display_name AS uploader_name, f.created_at, f.updated_at \
     FROM files f JOIN users u ON u.id = f.uploaded_by";
const WIDGET_SELECT: &str = "SELECT w.id, w.sphere_id, w.kind, w.title, w.position, w.body, w.links, w.video_url, \
     (SELECT f.id FROM files f WHERE f.id = w.video_file_id AND f.deleted_at IS NULL) AS video_file_id, \
     w.created_at, w.updated_at FROM sphere_widgets w";

impl Db {
    pub async fn create_folder(
        &self,
        org_id: OrgId,
        sphere_id: SphereId,
        parent_id: Option<Id>,
        name: &str,
        by: UserId,
    ) -> Result<Id> {
        let id = new_id();
        with_writer!(self, p => sqlx::query(
            "INSERT INTO file_folders (id, org_id, sphere_id, parent_id, name, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(id).bind(org_id).bind(sphere_id).bind(parent_id).bind(name).bind(by).bind(now_ms())
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(id)
    }

    /// A live folder of a sphere.
    pub async fn folder(&self, sphere_id: SphereId, id: Id) -> Result<Option<FileFolder>> {
        let sql = format!(
            "SELECT {FOLDER_COLUMNS} FROM file_folders WHERE id = $1 AND sphere_id = $2 AND deleted_at IS NULL"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(id).bind(sphere_id).fetch_optional(p).await)?,
        )
    }

    /// Every live folder of a sphere, by name (the UI builds the tree).
    pub async fn folders(&self, sphere_id: SphereId) -> Result<Vec<FileFolder>> {
        let sql = format!(
            "SELECT {FOLDER_COLUMNS} FROM file_folders WHERE sphere_id = $1 AND deleted_at IS NULL ORDER BY lower(name), id"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(sphere_id).fetch_all(p).await)?,
        )
    }

    pub async fn update_folder(&self, id: Id, name: &str, parent_id: Option<Id>) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE file_folders SET name = $1, parent_id = $2 WHERE id = $3")
            .bind(name).bind(parent_id).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Deletes a folder only if it holds no live file or folder; `false` otherwise.
    pub async fn delete_empty_folder(&self, id: Id) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query(
            "UPDATE file_folders SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL \
             AND NOT EXISTS (SELECT 1 FROM files WHERE folder_id = $1 AND deleted_at IS NULL) \
             AND NOT EXISTS (SELECT 1 FROM file_folders c WHERE c.parent_id = $1 AND c.deleted_at IS NULL)")
            .bind(id).bind(now_ms()).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Records an uploaded file if the organization's usage stays within `quota_bytes`;
    /// `false` (nothing written) when it would exceed it.
    pub async fn insert_file_within_quota(&self, f: &NewFile, quota_bytes: i64) -> Result<bool> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO org_storage (org_id, used_bytes) VALUES ($1, 0) ON CONFLICT (org_id) DO NOTHING")
                .bind(f.org_id).execute(&mut *tx).await?;
            let n = sqlx::query("UPDATE org_storage SET used_bytes = used_bytes + $2 WHERE org_id = $1 AND used_bytes + $2 <= $3")
                .bind(f.org_id).bind(f.size_bytes).bind(quota_bytes).execute(&mut *tx).await?.rows_affected();
            if n == 0 {
                tx.rollback().await?;
                return Ok(false);
            }
            sqlx::query("INSERT INTO files (id, org_id, sphere_id, folder_id, name, content_type, size_bytes, storage_key, \
                 uploaded_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)")
                .bind(f.id).bind(f.org_id).bind(f.sphere_id).bind(f.folder_id).bind(&f.name).bind(&f.content_type)
                .bind(f.size_bytes).bind(&f.storage_key).bind(f.uploaded_by).bind(now).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        }).map_err(Into::into)
    }

    /// Bytes the organization's live files use.
    pub async fn org_used_bytes(&self, org_id: OrgId) -> Result<i64> {
        let v: Option<i64> = with_pool!(self, p => sqlx::query_scalar("SELECT used_bytes FROM org_storage WHERE org_id = $1")
            .bind(org_id).fetch_optional(p).await)?;
        Ok(v.unwrap_or(0))
    }

    /// A live file of the organization.
    pub async fn file(&self, org_id: OrgId, id: Id) -> Result<Option<FileRow>> {
        let sql =
            format!("{FILE_SELECT} WHERE f.id = $1 AND f.org_id = $2 AND f.deleted_at IS NULL");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(id).bind(org_id).fetch_optional(p).await)?,
        )
    }

    /// Live files of a folder (`None`: the top level), by name.
    pub async fn files_in(
        &self,
        sphere_id: SphereId,
        folder_id: Option<Id>,
    ) -> Result<Vec<FileRow>> {
        let sql = format!(
            "{FILE_SELECT} WHERE f.sphere_id = $1 AND (f.folder_id = $2 OR (f.folder_id IS NULL AND $3)) \
             AND f.deleted_at IS NULL ORDER BY lower(f.name), f.id"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(sphere_id).bind(folder_id).bind(folder_id.is_none()).fetch_all(p).await)?,
        )
    }

    /// Live video files of a sphere (for the video widget).
    pub async fn sphere_videos(&self, sphere_id: SphereId) -> Result<Vec<FileRow>> {
        let sql = format!(
            "{FILE_SELECT} WHERE f.sphere_id = $1 AND f.content_type LIKE 'video/%' AND f.deleted_at IS NULL ORDER BY lower(f.name), f.id"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(sphere_id).fetch_all(p).await)?,
        )
    }

    pub async fn update_file(&self, id: Id, name: &str, folder_id: Option<Id>) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE files SET name = $1, folder_id = $2, updated_at = $3 WHERE id = $4")
            .bind(name).bind(folder_id).bind(now_ms()).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_file_thumb(&self, id: Id, key: &str) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE files SET thumb_key = $1 WHERE id = $2")
            .bind(key).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Marks a file deleted and gives its bytes back to the organization's quota; the keys
    /// to remove from the object store, or `None` if it was already gone.
    pub async fn delete_file(&self, id: Id) -> Result<Option<DeletedFile>> {
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let row: Option<(String, Option<String>, i64, Id)> = sqlx::query_as(
                "UPDATE files SET deleted_at = $2 WHERE id = $1 AND deleted_at IS NULL RETURNING storage_key, thumb_key, size_bytes, org_id")
                .bind(id).bind(now_ms()).fetch_optional(&mut *tx).await?;
            let Some((storage_key, thumb_key, size, org_id)) = row else {
                tx.rollback().await?;
                return Ok(None);
            };
            sqlx::query("UPDATE org_storage SET used_bytes = used_bytes - $2 WHERE org_id = $1")
                .bind(org_id).bind(size).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Some(DeletedFile { storage_key, thumb_key }))
        }).map_err(Into::into)
    }

    /// The widgets of a sphere's side panel, in order.
    pub async fn widgets(&self, sphere_id: SphereId) -> Result<Vec<Widget>> {
        let sql = format!("{WIDGET_SELECT} WHERE w.sphere_id = $1 ORDER BY w.position, w.id");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(sphere_id).fetch_all(p).await)?,
        )
    }

    pub async fn widget(&self, sphere_id: SphereId, id: Id) -> Result<Option<Widget>> {
        let sql = format!("{WIDGET_SELECT} WHERE w.id = $1 AND w.sphere_id = $2");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(id).bind(sphere_id).fetch_optional(p).await)?,
        )
    }

    /// Adds a widget at the end of the panel.
    pub async fn create_widget(
        &self,
        org_id: OrgId,
        sphere_id: SphereId,
        kind: &str,
        c: &WidgetContent,
        by: UserId,
    ) -> Result<Id> {
        let id = new_id();
        with_writer!(self, p => sqlx::query(
            "INSERT INTO sphere_widgets (id, org_id, sphere_id, kind, title, position, body, links, video_url, video_file_id, \
             created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, \
             (SELECT COALESCE(MAX(position), 0) + 1 FROM sphere_widgets WHERE sphere_id = $3), $6, $7, $8, $9, $10, $11, $11)")
            .bind(id).bind(org_id).bind(sphere_id).bind(kind).bind(&c.title).bind(&c.body).bind(&c.links)
            .bind(&c.video_url).bind(c.video_file_id).bind(by).bind(now_ms())
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(id)
    }

    pub async fn update_widget(&self, id: Id, c: &WidgetContent) -> Result<()> {
        with_writer!(self, p => sqlx::query(
            "UPDATE sphere_widgets SET title = $1, body = $2, links = $3, video_url = $4, video_file_id = $5, updated_at = $6 WHERE id = $7")
            .bind(&c.title).bind(&c.body).bind(&c.links).bind(&c.video_url).bind(c.video_file_id).bind(now_ms()).bind(id)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn delete_widget(&self, id: Id) -> Result<()> {
        with_writer!(self, p => sqlx::query("DELETE FROM sphere_widgets WHERE id = $1")
            .bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Sets the panel's order: `ids` in their new order (every widget of the sphere).
    pub async fn reorder_widgets(&self, sphere_id: SphereId, ids: &[Id]) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            for (i, id) in ids.iter().enumerate() {
                sqlx::query("UPDATE sphere_widgets SET position = $1, updated_at = $2 WHERE id = $3 AND sphere_id = $4")
                    .bind(i as i64 + 1).bind(now).bind(id).bind(sphere_id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(())
    }
}
