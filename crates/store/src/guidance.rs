//! Starter kit, help sphere and help centre, use cases: the organization's guidance content.
use crate::db::{Result, with_pool, with_writer};
use crate::live::LIVE_MEMBERSHIP;
use crate::{Db, now_ms};
use embarq_domain::guidance::KitItem;
use embarq_domain::{Id, OrgId, new_id};
use embarq_domain::{SphereId, UserId};
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct KitItemRow {
    pub id: Id,
    pub title: String,
    pub kind: String,
    pub url: Option<String>,
    pub body_md: String,
    pub body_html: String,
    pub target_role: String,
    pub position: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct HelpArticle {
    pub id: Id,
    pub title: String,
    pub body_md: String,
    pub body_html: String,
    pub created_by: UserId,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A publication marked as a use case, as the library lists it.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct UseCase {
    pub post_id: Id,
    pub department: Option<String>,
    pub theme: Option<String>,
    pub marked_by: UserId,
    pub created_at: i64,
    pub sphere_id: SphereId,
    pub sphere_name: String,
    pub author_name: String,
    pub body_html: String,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct HelpAdmin {
    pub user_id: UserId,
    pub display_name: String,
    pub email: String,
    pub org_role: embarq_domain::OrgRole,
}

const KIT_COLUMNS: &str =
    "id, title, kind, url, body_md, body_html, target_role, position, updated_at";
const ARTICLE_COLUMNS: &str = "id, title, body_md, body_html, created_by, created_at, updated_at";

impl Db {
    /// The organization's starter kit in display order.
    pub async fn kit_items(&self, org_id: OrgId) -> Result<Vec<KitItemRow>> {
        let sql = format!(
            "SELECT {KIT_COLUMNS} FROM starter_kit_items WHERE org_id = $1 ORDER BY position, id"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org_id).fetch_all(p).await)?,
        )
    }

    pub async fn kit_item(&self, org_id: OrgId, id: Id) -> Result<Option<KitItemRow>> {
        let sql =
            format!("SELECT {KIT_COLUMNS} FROM starter_kit_items WHERE id = $1 AND org_id = $2");
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(org_id).fetch_optional(p).await)?,
        )
    }

    /// Appends a resource at the end of the kit.
    pub async fn create_kit_item(
        &self,
        org_id: OrgId,
        item: &KitItem,
        body_html: &str,
    ) -> Result<Id> {
        let id = new_id();
        let now = now_ms();
        with_writer!(self, p => sqlx::query(
            "INSERT INTO starter_kit_items (id, org_id, title, kind, url, body_md, body_html, target_role, position, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
             (SELECT COALESCE(MAX(position), 0) + 1 FROM starter_kit_items WHERE org_id = $2), $9, $9)")
            .bind(id).bind(org_id).bind(&item.title).bind(item.kind.as_str()).bind(&item.url).bind(&item.body_md)
            .bind(body_html).bind(item.role.as_str()).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(id)
    }

    pub async fn update_kit_item(
        &self,
        org_id: OrgId,
        id: Id,
        item: &KitItem,
        body_html: &str,
    ) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query(
            "UPDATE starter_kit_items SET title = $1, kind = $2, url = $3, body_md = $4, body_html = $5, target_role = $6, updated_at = $7 \
             WHERE id = $8 AND org_id = $9")
            .bind(&item.title).bind(item.kind.as_str()).bind(&item.url).bind(&item.body_md).bind(body_html)
            .bind(item.role.as_str()).bind(now_ms()).bind(id).bind(org_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn delete_kit_item(&self, org_id: OrgId, id: Id) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query("DELETE FROM starter_kit_items WHERE id = $1 AND org_id = $2")
            .bind(id).bind(org_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Stores a new order of the kit: `ids` in display order (all must belong to the organization).
    pub async fn reorder_kit(&self, org_id: OrgId, ids: &[Id]) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            for (i, id) in ids.iter().enumerate() {
                sqlx::query("UPDATE starter_kit_items SET position = $1, updated_at = $2 WHERE id = $3 AND org_id = $4")
                    .bind(i as i64 + 1).bind(now).bind(*id).bind(org_id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(())
    }

    /// Records that `user_id` saw the welcome page; `true` only the first time.
    pub async fn mark_kit_seen(&self, user_id: UserId) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query(
            "INSERT INTO starter_kit_seen (user_id, seen_at) VALUES ($1, $2) ON CONFLICT (user_id) DO NOTHING")
            .bind(user_id).bind(now_ms()).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn kit_seen(&self, user_id: UserId) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM starter_kit_seen WHERE user_id = $1")
            .bind(user_id).fetch_one(p).await)?;
        Ok(n > 0)
    }

    /// Creates the open help sphere with `admin` as its administrator and records it, unless
    /// the organization already has one (concurrent callers agree on a single sphere).
    pub async fn create_help_sphere(
        &self,
        org_id: OrgId,
        admin: UserId,
        name: &str,
        description: &str,
    ) -> Result<SphereId> {
        let id = SphereId::generate();
        let now = now_ms();
        let kept = with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO spheres (id, org_id, name, description, kind, requires_approval, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, 'open', FALSE, $5, $6)")
                .bind(id).bind(org_id).bind(name).bind(description).bind(admin).bind(now).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO sphere_members (sphere_id, user_id, role, joined_at) VALUES ($1, $2, 'admin', $3)")
                .bind(id).bind(admin).bind(now).execute(&mut *tx).await?;
            sqlx::query(LIVE_MEMBERSHIP).bind(admin).bind(id).bind(now).execute(&mut *tx).await?;
            let kept: Option<SphereId> = sqlx::query_scalar(
                "INSERT INTO org_onboarding (org_id, help_sphere_id, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (org_id) DO UPDATE SET help_sphere_id = COALESCE(org_onboarding.help_sphere_id, excluded.help_sphere_id), \
                 updated_at = excluded.updated_at RETURNING help_sphere_id")
                .bind(org_id).bind(id).bind(now).fetch_one(&mut *tx).await?;
            if kept == Some(id) {
                tx.commit().await?;
            } else {
                tx.rollback().await?;
            }
            Ok::<_, sqlx::Error>(kept.unwrap_or(id))
        })?;
        Ok(kept)
    }

    /// Administrators of a sphere with their organization role.
    pub async fn sphere_admins(&self, sphere_id: SphereId) -> Result<Vec<HelpAdmin>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT u.id AS user_id, u.display_name, u.email, u.org_role FROM sphere_members m JOIN users u ON u.id = m.user_id \
             WHERE m.sphere_id = $1 AND m.role = 'admin' ORDER BY lower(u.display_name), u.id")
            .bind(sphere_id).fetch_all(p).await)?)
    }

    /// Help-centre articles whose title contains `q` (case-insensitive), by title.
    pub async fn help_articles(&self, org_id: OrgId, q: &str) -> Result<Vec<HelpArticle>> {
        let pattern = crate::directory::contains_pattern(q);
        let sql = format!(
            "SELECT {ARTICLE_COLUMNS} FROM help_articles WHERE org_id = $1 AND lower(title) LIKE $2 ESCAPE '\\' \
             ORDER BY lower(title), id LIMIT 500"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org_id).bind(&pattern).fetch_all(p).await)?,
        )
    }

    pub async fn help_article(&self, org_id: OrgId, id: Id) -> Result<Option<HelpArticle>> {
        let sql =
            format!("SELECT {ARTICLE_COLUMNS} FROM help_articles WHERE id = $1 AND org_id = $2");
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).bind(org_id).fetch_optional(p).await)?,
        )
    }

    pub async fn create_help_article(
        &self,
        org_id: OrgId,
        author: UserId,
        title: &str,
        body_md: &str,
        body_html: &str,
    ) -> Result<Id> {
        let id = new_id();
        let now = now_ms();
        with_writer!(self, p => sqlx::query(
            "INSERT INTO help_articles (id, org_id, title, body_md, body_html, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)")
            .bind(id).bind(org_id).bind(title).bind(body_md).bind(body_html).bind(author).bind(now)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(id)
    }

    pub async fn update_help_article(
        &self,
        org_id: OrgId,
        id: Id,
        title: &str,
        body_md: &str,
        body_html: &str,
    ) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query(
            "UPDATE help_articles SET title = $1, body_md = $2, body_html = $3, updated_at = $4 WHERE id = $5 AND org_id = $6")
            .bind(title).bind(body_md).bind(body_html).bind(now_ms()).bind(id).bind(org_id)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn delete_help_article(&self, org_id: OrgId, id: Id) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query("DELETE FROM help_articles WHERE id = $1 AND org_id = $2")
            .bind(id).bind(org_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Marks (or re-tags) a publication as a use case.
    pub async fn mark_use_case(
        &self,
        org_id: OrgId,
        post_id: Id,
        by: UserId,
        department: Option<&str>,
        theme: &str,
    ) -> Result<()> {
        with_writer!(self, p => sqlx::query(
            "INSERT INTO use_cases (post_id, org_id, department, theme, marked_by, created_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (post_id) DO UPDATE SET department = excluded.department, theme = excluded.theme, marked_by = excluded.marked_by")
            .bind(post_id).bind(org_id).bind(department).bind(theme).bind(by).bind(now_ms())
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn unmark_use_case(&self, org_id: OrgId, post_id: Id) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query("DELETE FROM use_cases WHERE post_id = $1 AND org_id = $2")
            .bind(post_id).bind(org_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Use cases whose publication `viewer` may read (open spheres, or spheres they belong
    /// to), newest first.
    pub async fn use_cases(
        &self,
        org_id: OrgId,
        viewer: UserId,
        post_id: Option<Id>,
    ) -> Result<Vec<UseCase>> {
        let only = if post_id.is_some() {
            "AND uc.post_id = $3"
        } else {
            ""
        };
        let sql = format!(
            "SELECT uc.post_id, uc.department, uc.theme, uc.marked_by, uc.created_at, p.sphere_id, s.name AS sphere_name, \
             a.display_name AS author_name, p.body_html \
             FROM use_cases uc JOIN posts p ON p.id = uc.post_id JOIN spheres s ON s.id = p.sphere_id \
             JOIN users a ON a.id = p.author_id \
             WHERE uc.org_id = $2 AND p.status = 'published' AND {readable} {only} \
             ORDER BY uc.created_at DESC, uc.post_id LIMIT 1000",
            readable = crate::access::reads("s", "$1")
        );
        Ok(with_pool!(self, p => {
            let q = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(viewer).bind(org_id);
            let q = match post_id { Some(id) => q.bind(id), None => q };
            q.fetch_all(p).await
        })?)
    }
}
