//! Full-text search over publications, comments, spheres, members and file names, with the
//! visibility rules of the feeds: secret spheres exist only for their members, closed and
//! secret spheres' content only for members, open spheres' content for the whole
//! organization; pending, hidden and deleted items and deactivated members never match.
//!
//! Publications and comments: the candidates are the `limit` most recent visible matches
//! (an index walk that stops early, so common words stay fast on a million posts), each
//! with its relevance; the caller ranks them. Spheres, members and files: the `limit` most
//! relevant matches.
use crate::Db;
use crate::db::{Result, with_pool};
use crate::dialect::search::fts;
use embarq_domain::search::Query;
use embarq_domain::{Id, OrgId};
use embarq_domain::{SphereId, UserId};
use sqlx::AssertSqlSafe;

/// Who searches, where, and how many candidates to return.
#[derive(Debug, Clone, Copy)]
pub struct SearchScope {
    pub org_id: OrgId,
    pub viewer: UserId,
    /// Only this sphere's publications, comments, files and members (and the sphere
    /// itself); the caller checks the viewer may read it.
    pub sphere: Option<SphereId>,
    pub limit: i64,
}

/// A publication or a comment that matches: `post_id` is the publication itself for a
/// publication, the one commented on for a comment.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TextHit {
    pub id: Id,
    pub post_id: Id,
    pub sphere_id: SphereId,
    pub sphere_name: String,
    pub author_id: UserId,
    pub author_name: String,
    pub body_md: String,
    pub created_at: i64,
    pub relevance: f64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SphereHit {
    pub id: SphereId,
    pub name: String,
    pub description: String,
    pub kind: String,
    /// The viewer's role, if a member.
    pub my_role: Option<String>,
    pub created_at: i64,
    pub relevance: f64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MemberHit {
    pub id: UserId,
    pub display_name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
    pub has_photo: bool,
    pub created_at: i64,
    pub relevance: f64,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FileHit {
    pub id: Id,
    pub sphere_id: SphereId,
    pub sphere_name: String,
    pub name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub created_at: i64,
    pub relevance: f64,
}

/// The viewer ($2) may read the content of sphere `s`.
static READABLE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::access::reads("s", "$2"));

/// Runs `sql` (parameters $1 org, $2 viewer, $3 sphere or NULL, $4 limit, then the words)
/// on either backend.
macro_rules! run_search {
    ($db:expr, $sql:expr, $scope:expr, $query:expr) => {{
        let sql = $sql;
        with_pool!($db, p => {
            let mut q = sqlx::query_as(AssertSqlSafe(sql))
                .bind($scope.org_id)
                .bind($scope.viewer)
                .bind($scope.sphere)
                .bind($scope.limit);
            for w in &$query.words {
                q = q.bind(w.as_str());
            }
            q.fetch_all(p).await
        })
    }};
}

impl Db {
    /// The most recent published, visible, not hidden publications matching `query`.
    pub async fn search_posts(&self, scope: &SearchScope, query: &Query) -> Result<Vec<TextHit>> {
        let f = fts(self.backend(), "posts", "p", "", 5, query);
        let readable = &*READABLE;
        let sql = |from: &str, newest: &str| {
            format!(
                "SELECT p.id, p.id AS post_id, p.sphere_id, s.name AS sphere_name, p.author_id, u.display_name AS author_name, \
                 p.body_md, p.created_at, {rel} AS relevance \
                 FROM {from} JOIN spheres s ON s.id = p.sphere_id JOIN users u ON u.id = p.author_id \
                 WHERE {m} AND p.org_id = $1 AND p.status = 'published' AND p.hidden_at IS NULL \
                 AND ($3 IS NULL OR p.sphere_id = $3) AND {readable} \
                 ORDER BY {newest} LIMIT $4",
                rel = f.relevance,
                m = f.matches,
            )
        };
        if let Some(recent) = &f.recent_from {
            // Enough matches among the newest rows are the newest matches overall.
            // The subquery's time order is kept, so the walk stops at the limit.
            let rows: Vec<TextHit> =
                run_search!(self, sql(recent, "p.created_at DESC"), scope, query)?;
            if rows.len() as i64 >= scope.limit {
                return Ok(rows);
            }
        }
        Ok(run_search!(self, sql(&f.from, &f.newest), scope, query)?)
    }

    /// The most recent visible comments matching `query`, on visible publications.
    pub async fn search_comments(
        &self,
        scope: &SearchScope,
        query: &Query,
    ) -> Result<Vec<TextHit>> {
        let f = fts(self.backend(), "comments", "c", "", 5, query);
        let readable = &*READABLE;
        let sql = format!(
            "SELECT c.id, c.post_id, p.sphere_id, s.name AS sphere_name, c.author_id, u.display_name AS author_name, \
             c.body_md, c.created_at, {rel} AS relevance \
             FROM {from} JOIN posts p ON p.id = c.post_id JOIN spheres s ON s.id = p.sphere_id \
             JOIN users u ON u.id = c.author_id \
             WHERE {m} AND p.org_id = $1 AND p.status = 'published' AND p.hidden_at IS NULL AND c.hidden_at IS NULL \
             AND ($3 IS NULL OR p.sphere_id = $3) AND {readable} \
             ORDER BY {newest} LIMIT $4",
            rel = f.relevance,
            from = f.from,
            m = f.matches,
            newest = f.newest
        );
        Ok(run_search!(self, sql, scope, query)?)
    }

    /// Spheres the viewer can see (secret ones only as a member) matching by name or
    /// description, most relevant first.
    pub async fn search_spheres(
        &self,
        scope: &SearchScope,
        query: &Query,
    ) -> Result<Vec<SphereHit>> {
        let f = fts(self.backend(), "spheres", "s", "4.0, 1.0", 5, query);
        let sees = crate::access::sees("s", "$2");
        let sql = format!(
            "SELECT s.id, s.name, s.description, s.kind, m.role AS my_role, s.created_at, {rel} AS relevance \
             FROM {from} LEFT JOIN sphere_members m ON m.sphere_id = s.id AND m.user_id = $2 \
             WHERE {m} AND s.org_id = $1 AND {sees} \
             AND ($3 IS NULL OR s.id = $3) \
             ORDER BY relevance DESC, s.id LIMIT $4",
            rel = f.relevance,
            from = f.from,
            m = f.matches,
        );
        Ok(run_search!(self, sql, scope, query)?)
    }

    /// Members of the organization (not deactivated) matching by name, job title,
    /// department or site; with a sphere, only its members.
    pub async fn search_members(
        &self,
        scope: &SearchScope,
        query: &Query,
    ) -> Result<Vec<MemberHit>> {
        let f = fts(self.backend(), "users", "u", "4.0, 1.0, 1.0, 1.0", 5, query);
        let sql = format!(
            "SELECT u.id, u.display_name, u.title, u.department, u.site, (u.photo IS NOT NULL) AS has_photo, \
             u.created_at, {rel} AS relevance \
             FROM {from} \
             WHERE {m} AND u.org_id = $1 AND u.status <> 'deactivated' \
             AND ($3 IS NULL OR EXISTS (SELECT 1 FROM sphere_members sm WHERE sm.sphere_id = $3 AND sm.user_id = u.id)) \
             AND ($2 IS NOT NULL) \
             ORDER BY relevance DESC, u.id LIMIT $4",
            rel = f.relevance,
            from = f.from,
            m = f.matches,
        );
        Ok(run_search!(self, sql, scope, query)?)
    }

    /// Files (not deleted, not in a deleted folder) of spheres whose content the viewer
    /// may read, matching by name.
    pub async fn search_files(&self, scope: &SearchScope, query: &Query) -> Result<Vec<FileHit>> {
        let f = fts(self.backend(), "files", "f", "1.0", 5, query);
        let readable = &*READABLE;
        let sql = format!(
            "SELECT f.id, f.sphere_id, s.name AS sphere_name, f.name, f.content_type, f.size_bytes, f.created_at, \
             {rel} AS relevance \
             FROM {from} JOIN spheres s ON s.id = f.sphere_id \
             WHERE {m} AND f.org_id = $1 AND f.deleted_at IS NULL \
             AND (f.folder_id IS NULL OR NOT EXISTS (SELECT 1 FROM file_folders d WHERE d.id = f.folder_id AND d.deleted_at IS NOT NULL)) \
             AND ($3 IS NULL OR f.sphere_id = $3) AND {readable} \
             ORDER BY relevance DESC, f.id LIMIT $4",
            rel = f.relevance,
            from = f.from,
            m = f.matches,
        );
        Ok(run_search!(self, sql, scope, query)?)
    }
}
