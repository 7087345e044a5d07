//! Simple search over spheres, members and publications, with the same visibility rules as
//! the lists: secret spheres and their publications only for their members.
use crate::db::{Result, with_pool};
use crate::directory::like_escape;
use crate::models::{Person, Post, Sphere};
use crate::{Db, MemberFilter};
use embarq_domain::Id;
use sqlx::AssertSqlSafe;

impl Db {
    pub async fn search_spheres(&self, org_id: Id, viewer: Id, q: &str) -> Result<Vec<Sphere>> {
        let q = q.to_lowercase();
        Ok(self
            .visible_spheres(org_id, viewer, false)
            .await?
            .into_iter()
            .filter(|s| {
                s.name.to_lowercase().contains(&q) || s.description.to_lowercase().contains(&q)
            })
            .take(20)
            .collect())
    }

    pub async fn search_people(&self, org_id: Id, q: &str) -> Result<Vec<Person>> {
        let f = MemberFilter {
            query: Some(q.to_string()),
            include_inactive: false,
            limit: 20,
            offset: 0,
        };
        Ok(self
            .list_members(org_id, &f)
            .await?
            .into_iter()
            .map(|u| Person {
                id: u.id,
                display_name: u.display_name,
                title: u.title,
                department: u.department,
                site: u.site,
                has_photo: u.has_photo,
            })
            .collect())
    }

    /// Published posts containing `q` in spheres the viewer belongs to or that are open.
    pub async fn search_posts(&self, org_id: Id, viewer: Id, q: &str) -> Result<Vec<Post>> {
        let pattern = format!("%{}%", like_escape(&q.to_lowercase()));
        let sql = "SELECT p.id, p.org_id, p.sphere_id, s.name AS sphere_name, s.kind AS sphere_kind, p.author_id, \
             u.display_name AS author_name, (u.photo IS NOT NULL) AS author_has_photo, p.body_md, p.body_html, p.status, p.pinned, \
             p.comment_count, p.reaction_count, p.created_at, p.updated_at \
             FROM posts p JOIN spheres s ON s.id = p.sphere_id JOIN users u ON u.id = p.author_id \
             WHERE p.org_id = $1 AND p.status = 'published' AND lower(p.body_md) LIKE $3 ESCAPE '\\' \
             AND (s.kind = 'open' OR EXISTS (SELECT 1 FROM sphere_members m WHERE m.sphere_id = s.id AND m.user_id = $2)) \
             ORDER BY p.created_at DESC LIMIT 20";
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(org_id).bind(viewer).bind(&pattern).fetch_all(p).await)?,
        )
    }
}
