//! Publications, comments, reactions and feeds (keyset pagination on (created_at, id)).
use crate::db::{Result, with_pool, with_writer};
use crate::models::{Comment, Post};
use crate::outbox::write_effects;
use crate::{Db, Effects, now_ms};
use embarq_domain::{Id, OrgId, PostStatus, new_id};
use embarq_domain::{SphereId, UserId};
use serde::Serialize;
use sqlx::AssertSqlSafe;

/// Position after the last item of a page: the next page starts strictly older.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub id: Id,
}

impl Cursor {
    /// Opaque text form `millis_uuid` used in URLs.
    pub fn encode(&self) -> String {
        format!("{}_{}", self.created_at, self.id.simple())
    }
    pub fn decode(s: &str) -> Option<Cursor> {
        let (t, id) = s.split_once('_')?;
        Some(Cursor {
            created_at: t.parse().ok()?,
            id: embarq_domain::parse_id(id)?,
        })
    }
    /// Starting cursor: newer than anything stored.
    fn top() -> Cursor {
        Cursor {
            created_at: i64::MAX,
            id: uuid::Uuid::max(),
        }
    }
}

pub struct NewPost<'a> {
    /// Chosen by the caller, so the effects written with the post can name it.
    pub id: Id,
    pub org_id: OrgId,
    pub sphere_id: SphereId,
    pub author_id: UserId,
    pub body_md: &'a str,
    pub body_html: &'a str,
    pub status: PostStatus,
}

const POST_SELECT: &str = "SELECT p.id, p.org_id, p.sphere_id, s.name AS sphere_name, s.kind AS sphere_kind, p.author_id, \
     u.display_name AS author_name, (u.photo IS NOT NULL) AS author_has_photo, u.title AS author_title, \
     u.site AS author_site, p.body_md, p.body_html, p.status, p.pinned, \
     p.comment_count, p.reaction_count, p.created_at, p.updated_at, p.hidden_at \
     FROM posts p JOIN spheres s ON s.id = p.sphere_id JOIN users u ON u.id = p.author_id";

/// Stores post `$1` of organization `$2`, sphere `$3`, author `$4`: body `$5` (Markdown) and
/// `$6` (HTML), status `$7`, at `$8`.
pub(crate) const INSERT_POST: &str = "INSERT INTO posts (id, org_id, sphere_id, author_id, body_md, body_html, status, pinned, \
     comment_count, reaction_count, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, 0, 0, $8, $8)";

/// The live event of post `$1` published at `$2`: one row for its sphere, pointing at the
/// sphere (pages listing the sphere's posts refresh).
pub(crate) const LIVE_POST: &str = "INSERT INTO live_events (user_id, sphere_id, kind, ref_id, created_at) \
     SELECT NULL, sphere_id, 'post', sphere_id, $2 FROM posts WHERE id = $1";

impl Db {
    /// Stores a post; a published one tells the sphere's open pages in the same transaction
    /// (one event row, whatever the sphere's size).
    /// Publishes (or queues for approval) a post with what it causes, in one transaction.
    pub async fn create_post(&self, n: &NewPost<'_>, effects: &Effects) -> Result<Id> {
        let id = n.id;
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(INSERT_POST)
                .bind(id).bind(n.org_id).bind(n.sphere_id).bind(n.author_id).bind(n.body_md).bind(n.body_html)
                .bind(n.status.as_str()).bind(now).execute(&mut *tx).await?;
            if n.status == PostStatus::Published {
                sqlx::query(LIVE_POST).bind(id).bind(now).execute(&mut *tx).await?;
            }
            write_effects!(tx, effects, now);
            tx.commit().await
        })?;
        Ok(id)
    }

    /// A post of `org_id`, whatever its status; callers apply the policy.
    pub async fn post(&self, org_id: OrgId, id: Id) -> Result<Option<Post>> {
        let sql = format!("{POST_SELECT} WHERE p.id = $1 AND p.org_id = $2");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(id).bind(org_id).fetch_optional(p).await)?,
        )
    }

    /// Home feed: published posts of the spheres `user_id` belongs to, newest first.
    ///
    /// Sorting every post of the member's spheres does not scale (a member of the busiest
    /// spheres reaches hundreds of thousands of posts), so the query first finds a floor:
    /// in each sphere, the time of the `limit`-th post after the cursor (`posts_sphere_time`
    /// gives it after `limit` index steps). The page's posts are all at or above the highest
    /// of these floors, since that sphere alone has `limit` posts there; each sphere has at
    /// most about `limit` posts above it, so the final sort handles at most spheres × limit
    /// index entries. Same rows and order as the plain "IN my spheres ORDER BY ... LIMIT".
    pub async fn home_feed(
        &self,
        user_id: UserId,
        after: Option<Cursor>,
        limit: i64,
    ) -> Result<Vec<Post>> {
        let c = after.unwrap_or_else(Cursor::top);
        let sql = format!(
            "WITH mine AS (SELECT sphere_id FROM sphere_members WHERE user_id = $1) \
             {POST_SELECT} WHERE p.id IN (\
               SELECT f.id FROM posts f WHERE f.sphere_id IN (SELECT sphere_id FROM mine) AND f.status = 'published' AND f.hidden_at IS NULL \
               AND f.created_at <= $2 AND (f.created_at < $2 OR f.id < $3) \
               AND f.created_at >= (SELECT COALESCE(MAX(floors.t), -9223372036854775807 - 1) FROM (\
                 SELECT (SELECT q.created_at FROM posts q WHERE q.sphere_id = m.sphere_id AND q.status = 'published' AND q.hidden_at IS NULL \
                   AND q.created_at <= $2 AND (q.created_at < $2 OR q.id < $3) \
                   ORDER BY q.created_at DESC, q.id DESC LIMIT 1 OFFSET CASE WHEN $4 > 0 THEN $4 - 1 ELSE 0 END) AS t \
                 FROM mine m) floors) \
               ORDER BY f.created_at DESC, f.id DESC LIMIT $4) \
             ORDER BY p.created_at DESC, p.id DESC LIMIT $4"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(user_id).bind(c.created_at).bind(c.id).bind(limit).fetch_all(p).await)?,
        )
    }

    /// A sphere's published posts, newest first (pinned posts are listed separately).
    pub async fn sphere_feed(
        &self,
        sphere_id: SphereId,
        after: Option<Cursor>,
        limit: i64,
    ) -> Result<Vec<Post>> {
        let c = after.unwrap_or_else(Cursor::top);
        let sql = format!(
            "{POST_SELECT} WHERE p.sphere_id = $1 AND p.status = 'published' AND p.hidden_at IS NULL \
             AND p.created_at <= $2 AND (p.created_at < $2 OR p.id < $3) \
             ORDER BY p.created_at DESC, p.id DESC LIMIT $4"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(sphere_id).bind(c.created_at).bind(c.id).bind(limit).fetch_all(p).await)?,
        )
    }

    /// The sphere `author` last published in, if any (the home composer offers it first).
    pub async fn last_posted_sphere(&self, author: UserId) -> Result<Option<SphereId>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT sphere_id FROM posts WHERE author_id = $1 ORDER BY created_at DESC LIMIT 1")
            .bind(author).fetch_optional(p).await)?)
    }

    /// Publications pinned in the organization-wide spheres (those with the rule "everyone")
    /// that `viewer` belongs to, newest first: the launch announcement and what managers
    /// keep in front of everyone, above the home feed.
    pub async fn pinned_for_everyone(
        &self,
        org_id: OrgId,
        viewer: UserId,
        limit: i64,
    ) -> Result<Vec<Post>> {
        let sql = format!(
            "{POST_SELECT} WHERE p.org_id = $1 AND p.pinned AND p.status = 'published' AND p.hidden_at IS NULL \
             AND p.sphere_id IN (SELECT r.sphere_id FROM sphere_rules r WHERE r.org_id = $1 AND r.attribute = 'everyone') \
             AND EXISTS (SELECT 1 FROM sphere_members m WHERE m.sphere_id = p.sphere_id AND m.user_id = $2) \
             ORDER BY p.created_at DESC LIMIT $3"
        );
        Ok(with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(org_id).bind(viewer).bind(limit).fetch_all(p).await)?)
    }

    pub async fn pinned_posts(&self, sphere_id: SphereId) -> Result<Vec<Post>> {
        let sql = format!(
            "{POST_SELECT} WHERE p.sphere_id = $1 AND p.status = 'published' AND p.hidden_at IS NULL AND p.pinned ORDER BY p.created_at DESC LIMIT 5"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(sphere_id).fetch_all(p).await)?,
        )
    }

    /// Posts waiting for approval in a sphere, oldest first.
    pub async fn pending_posts(&self, sphere_id: SphereId) -> Result<Vec<Post>> {
        let sql = format!(
            "{POST_SELECT} WHERE p.sphere_id = $1 AND p.status = 'pending' ORDER BY p.created_at, p.id"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(sphere_id).fetch_all(p).await)?,
        )
    }

    /// Changes a post's status; publishing it (an approval) tells the sphere's open pages.
    /// Sets a post's status with what the change causes, in one transaction.
    pub async fn set_post_status(
        &self,
        id: Id,
        status: PostStatus,
        effects: &Effects,
    ) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE posts SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(status.as_str()).bind(now).bind(id).execute(&mut *tx).await?;
            if status == PostStatus::Published {
                sqlx::query(LIVE_POST).bind(id).bind(now).execute(&mut *tx).await?;
            }
            write_effects!(tx, effects, now);
            tx.commit().await
        })?;
        Ok(())
    }

    pub async fn set_post_pinned(&self, id: Id, pinned: bool) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE posts SET pinned = $1 WHERE id = $2").bind(pinned).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Deletes a post with what the deletion causes, in one transaction.
    pub async fn delete_post(&self, id: Id, effects: &Effects) -> Result<()> {
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("DELETE FROM posts WHERE id = $1").bind(id).execute(&mut *tx).await?;
            write_effects!(tx, effects, now_ms());
            tx.commit().await
        })?;
        Ok(())
    }

    /// Adds a comment, bumps the post's counter and writes what the comment causes, in one
    /// transaction; answers the comment as stored (with its author's name).
    pub async fn add_comment(
        &self,
        post_id: Id,
        author_id: UserId,
        body: (&str, &str),
        effects: &Effects,
    ) -> Result<Comment> {
        let (body_md, body_html) = body;
        let id = new_id();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO comments (id, post_id, author_id, body_md, body_html, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id).bind(post_id).bind(author_id).bind(body_md).bind(body_html).bind(now_ms()).execute(&mut *tx).await?;
            sqlx::query("UPDATE posts SET comment_count = comment_count + 1 WHERE id = $1").bind(post_id).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO live_events (user_id, sphere_id, kind, ref_id, created_at) \
                 SELECT NULL, sphere_id, 'comment', id, $2 FROM posts WHERE id = $1")
                .bind(post_id).bind(now_ms()).execute(&mut *tx).await?;
            let comment: Comment = sqlx::query_as(
                "SELECT c.id, c.post_id, c.author_id, u.display_name AS author_name, (u.photo IS NOT NULL) AS author_has_photo, c.body_html, c.created_at \
                 FROM comments c JOIN users u ON u.id = c.author_id WHERE c.id = $1")
                .bind(id).fetch_one(&mut *tx).await?;
            write_effects!(tx, effects, now_ms());
            tx.commit().await?;
            Ok::<_, sqlx::Error>(comment)
        })?)
    }

    /// A post's comments, hidden ones left out (what members see).
    pub async fn comments(&self, post_id: Id) -> Result<Vec<Comment>> {
        self.comments_for(post_id, false).await
    }

    /// A post's comments; `with_hidden` also lists those a moderator hid (for moderators).
    pub async fn comments_for(&self, post_id: Id, with_hidden: bool) -> Result<Vec<Comment>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT c.id, c.post_id, c.author_id, u.display_name AS author_name, (u.photo IS NOT NULL) AS author_has_photo, c.body_html, c.created_at, c.hidden_at \
             FROM comments c JOIN users u ON u.id = c.author_id WHERE c.post_id = $1 AND ($2 OR c.hidden_at IS NULL) \
             ORDER BY c.created_at, c.id")
            .bind(post_id).bind(with_hidden).fetch_all(p).await)?)
    }

    /// Adds the reaction, or removes it if present; returns whether it is now set.
    pub async fn toggle_reaction(&self, post_id: Id, user_id: UserId, emoji: &str) -> Result<bool> {
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let removed = sqlx::query("DELETE FROM reactions WHERE post_id = $1 AND user_id = $2 AND emoji = $3")
                .bind(post_id).bind(user_id).bind(emoji).execute(&mut *tx).await?.rows_affected() > 0;
            // A concurrent toggle may have inserted since the delete looked: the conflict
            // means the reaction is set, and it is counted once.
            let delta: i64 = if removed {
                -1
            } else {
                sqlx::query("INSERT INTO reactions (post_id, user_id, emoji, created_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT DO NOTHING")
                    .bind(post_id).bind(user_id).bind(emoji).bind(now_ms()).execute(&mut *tx).await?.rows_affected() as i64
            };
            sqlx::query("UPDATE posts SET reaction_count = reaction_count + $1 WHERE id = $2").bind(delta).bind(post_id).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok(!removed)
        })
    }

    /// Reactions on several posts at once: (post, emoji, count, whether `user_id` is among them).
    pub async fn reactions_of_posts(
        &self,
        post_ids: &[Id],
        user_id: UserId,
    ) -> Result<Vec<(Id, String, i64, bool)>> {
        if post_ids.is_empty() {
            return Ok(Vec::new());
        }
        let marks: Vec<String> = (0..post_ids.len()).map(|i| format!("${}", i + 2)).collect();
        let sql = format!(
            "SELECT post_id, emoji, COUNT(*) AS n, MAX(CASE WHEN user_id = $1 THEN 1 ELSE 0 END) = 1 AS mine \
             FROM reactions WHERE post_id IN ({}) GROUP BY post_id, emoji",
            marks.join(", ")
        );
        Ok(with_pool!(self, p => {
            let mut q = sqlx::query_as(AssertSqlSafe(sql.clone())).bind(user_id);
            for id in post_ids {
                q = q.bind(*id);
            }
            q.fetch_all(p).await
        })?)
    }

    /// Who reacted to a post and how, first reactions first (at most `limit`).
    pub async fn reactors(&self, post_id: Id, limit: i64) -> Result<Vec<Reactor>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT r.user_id, u.display_name, (u.photo IS NOT NULL) AS has_photo, r.emoji FROM reactions r \
             JOIN users u ON u.id = r.user_id WHERE r.post_id = $1 ORDER BY r.created_at, r.user_id LIMIT $2")
            .bind(post_id).bind(limit).fetch_all(p).await)?)
    }

    /// Reactions on a post: (emoji, count, whether `user_id` is among them).
    pub async fn reactions(
        &self,
        post_id: Id,
        user_id: UserId,
    ) -> Result<Vec<(String, i64, bool)>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT emoji, COUNT(*) AS n, MAX(CASE WHEN user_id = $2 THEN 1 ELSE 0 END) = 1 AS mine FROM reactions \
             WHERE post_id = $1 GROUP BY emoji ORDER BY emoji")
            .bind(post_id).bind(user_id).fetch_all(p).await)?)
    }
}

/// One person's reaction to a post.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Reactor {
    pub user_id: UserId,
    pub display_name: String,
    pub has_photo: bool,
    pub emoji: String,
}
