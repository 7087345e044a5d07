//! Task lists, tasks, their assignees and comments. Visibility is the caller's business
//! (through the policy), except `my_tasks`, which keeps the spheres the person can still
//! read (the policy's rule: open, or a member) and lets the caller re-check each row.
use crate::db::{Result, with_pool, with_writer};
use crate::outbox::{one_row_with_effects, write_effects};
use crate::{Db, Effects, now_ms};
use embarq_domain::{Id, OrgId, new_id};
use embarq_domain::{SphereId, UserId};
use serde::Serialize;
use sqlx::AssertSqlSafe;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct TaskList {
    pub id: Id,
    pub org_id: OrgId,
    pub sphere_id: SphereId,
    pub name: String,
    pub created_by: UserId,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Task {
    pub id: Id,
    pub org_id: OrgId,
    pub sphere_id: SphereId,
    pub sphere_name: String,
    pub sphere_kind: String,
    pub list_id: Id,
    pub list_name: String,
    pub title: String,
    pub description_md: String,
    pub description_html: String,
    pub status: String,
    /// Local calendar date `YYYY-MM-DD` in the organization's time zone.
    pub due_date: Option<String>,
    pub comment_count: i64,
    pub created_by: UserId,
    pub creator_name: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The viewer's role in the task's sphere, if a member.
    pub my_role: Option<String>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct TaskAssignee {
    pub task_id: Id,
    pub user_id: UserId,
    pub display_name: String,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct TaskComment {
    pub id: Id,
    pub task_id: Id,
    pub author_id: UserId,
    pub author_name: String,
    pub body_html: String,
    pub created_at: i64,
}

pub struct NewTask<'a> {
    /// Chosen by the caller, so the effects written with the task can name it.
    pub id: Id,
    pub org_id: OrgId,
    pub sphere_id: SphereId,
    pub list_id: Id,
    pub title: &'a str,
    pub description_md: &'a str,
    pub description_html: &'a str,
    pub due_date: Option<&'a str>,
    pub created_by: UserId,
}

/// `$1` is always the viewer.
const TASK_SELECT: &str = "SELECT t.id, t.org_id, t.sphere_id, s.name AS sphere_name, s.kind AS sphere_kind, t.list_id, \
     l.name AS list_name, t.title, t.description_md, t.description_html, t.status, t.due_date, t.comment_count, \
     t.created_by, c.display_name AS creator_name, t.created_at, t.updated_at, m.role AS my_role \
     FROM tasks t JOIN spheres s ON s.id = t.sphere_id JOIN task_lists l ON l.id = t.list_id \
     JOIN users c ON c.id = t.created_by \
     LEFT JOIN sphere_members m ON m.sphere_id = t.sphere_id AND m.user_id = $1";

const ORDER: &str =
    "CASE WHEN t.due_date IS NULL THEN 1 ELSE 0 END, t.due_date, t.created_at, t.id";

impl Db {
    pub async fn create_task_list(
        &self,
        org_id: OrgId,
        sphere_id: SphereId,
        by: UserId,
        name: &str,
        effects: &Effects,
    ) -> Result<Id> {
        let id = new_id();
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "INSERT INTO task_lists (id, org_id, sphere_id, name, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id).bind(org_id).bind(sphere_id).bind(name).bind(by).bind(now)
                .execute(&mut *tx).await?;
            write_effects!(tx, effects, now);
            tx.commit().await
        })?;
        Ok(id)
    }

    pub async fn task_list(&self, org_id: OrgId, id: Id) -> Result<Option<TaskList>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, org_id, sphere_id, name, created_by, created_at FROM task_lists WHERE id = $1 AND org_id = $2")
            .bind(id).bind(org_id).fetch_optional(p).await)?)
    }

    pub async fn task_lists(&self, sphere_id: SphereId) -> Result<Vec<TaskList>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, org_id, sphere_id, name, created_by, created_at FROM task_lists WHERE sphere_id = $1 \
             ORDER BY created_at, id")
            .bind(sphere_id).fetch_all(p).await)?)
    }

    pub async fn rename_task_list(&self, id: Id, name: &str, effects: &Effects) -> Result<bool> {
        one_row_with_effects!(
            self,
            sqlx::query("UPDATE task_lists SET name = $1 WHERE id = $2")
                .bind(name)
                .bind(id),
            effects
        )
    }

    /// Deletes a list and its tasks (their assignees and comments go with them) with what
    /// it causes, unless it holds tasks created by someone other than `by` and
    /// `others_allowed` is false (then `false`, nothing deleted). The list row is locked
    /// first, so a task added meanwhile is either seen here or refused its list.
    pub async fn delete_task_list(
        &self,
        id: Id,
        by: UserId,
        others_allowed: bool,
        effects: &Effects,
    ) -> Result<bool> {
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE task_lists SET name = name WHERE id = $1").bind(id).execute(&mut *tx).await?;
            if !others_allowed {
                let others: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tasks WHERE list_id = $1 AND created_by <> $2")
                    .bind(id).bind(by).fetch_one(&mut *tx).await?;
                if others > 0 {
                    return Ok(false);
                }
            }
            sqlx::query("DELETE FROM task_lists WHERE id = $1").bind(id).execute(&mut *tx).await?;
            write_effects!(tx, effects, now_ms());
            tx.commit().await?;
            Ok::<_, sqlx::Error>(true)
        }).map_err(Into::into)
    }

    /// Creates a task, its assignees and what it causes, in one transaction.
    pub async fn create_task(
        &self,
        n: &NewTask<'_>,
        assignees: &[UserId],
        effects: &Effects,
    ) -> Result<Id> {
        let id = n.id;
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "INSERT INTO tasks (id, org_id, sphere_id, list_id, title, description_md, description_html, status, due_date, \
                 comment_count, created_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, 'todo', $8, 0, $9, $10, $10)")
                .bind(id).bind(n.org_id).bind(n.sphere_id).bind(n.list_id).bind(n.title).bind(n.description_md)
                .bind(n.description_html).bind(n.due_date).bind(n.created_by).bind(now)
                .execute(&mut *tx).await?;
            for u in assignees {
                sqlx::query("INSERT INTO task_assignees (task_id, user_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (task_id, user_id) DO NOTHING")
                    .bind(id).bind(u).bind(n.created_by).bind(now).execute(&mut *tx).await?;
            }
            write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(id)
    }

    /// A task of `org_id` with the viewer's role in its sphere.
    pub async fn task(&self, org_id: OrgId, viewer: UserId, id: Id) -> Result<Option<Task>> {
        let sql = format!("{TASK_SELECT} WHERE t.id = $2 AND t.org_id = $3");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(viewer).bind(id).bind(org_id).fetch_optional(p).await)?,
        )
    }

    /// Every task of a sphere, by list order of creation then due date.
    pub async fn sphere_tasks(&self, viewer: UserId, sphere_id: SphereId) -> Result<Vec<Task>> {
        let sql = format!("{TASK_SELECT} WHERE t.sphere_id = $2 ORDER BY {ORDER} LIMIT 2000");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(viewer).bind(sphere_id).fetch_all(p).await)?,
        )
    }

    /// Tasks assigned to `user_id` in spheres they can still read (open, or a member);
    /// done tasks only if updated since `done_since`.
    pub async fn my_tasks(&self, user_id: UserId, done_since: i64) -> Result<Vec<Task>> {
        let sql = format!(
            "{TASK_SELECT} WHERE t.id IN (SELECT a.task_id FROM task_assignees a WHERE a.user_id = $1) \
             AND {readable} AND (t.status <> 'done' OR t.updated_at >= $2) \
             ORDER BY {ORDER} LIMIT 1000",
            readable = crate::access::reads("s", "$1")
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(user_id).bind(done_since).fetch_all(p).await)?,
        )
    }

    pub async fn update_task(
        &self,
        id: Id,
        title: &str,
        description: (&str, &str),
        due_date: Option<&str>,
        effects: &Effects,
    ) -> Result<bool> {
        let (description_md, description_html) = description;
        one_row_with_effects!(
            self,
            sqlx::query(
                "UPDATE tasks SET title = $1, description_md = $2, description_html = $3, due_date = $4, updated_at = $5 WHERE id = $6")
                .bind(title).bind(description_md).bind(description_html).bind(due_date).bind(now_ms()).bind(id),
            effects
        )
    }

    /// Moves a task to another list of the same sphere.
    pub async fn move_task(&self, id: Id, list_id: Id) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE tasks SET list_id = $1, updated_at = $2 WHERE id = $3")
            .bind(list_id).bind(now_ms()).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_task_status(&self, id: Id, status: &str, effects: &Effects) -> Result<bool> {
        one_row_with_effects!(
            self,
            sqlx::query("UPDATE tasks SET status = $1, updated_at = $2 WHERE id = $3")
                .bind(status)
                .bind(now_ms())
                .bind(id),
            effects
        )
    }

    pub async fn delete_task(&self, id: Id, effects: &Effects) -> Result<bool> {
        one_row_with_effects!(
            self,
            sqlx::query("DELETE FROM tasks WHERE id = $1").bind(id),
            effects
        )
    }

    /// Assignees of one task.
    pub async fn task_assignees(&self, task_id: Id) -> Result<Vec<TaskAssignee>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT a.task_id, a.user_id, u.display_name FROM task_assignees a JOIN users u ON u.id = a.user_id \
             WHERE a.task_id = $1 ORDER BY lower(u.display_name), u.id")
            .bind(task_id).fetch_all(p).await)?)
    }

    /// Assignees of every task of a sphere.
    pub async fn sphere_task_assignees(&self, sphere_id: SphereId) -> Result<Vec<TaskAssignee>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT a.task_id, a.user_id, u.display_name FROM task_assignees a JOIN users u ON u.id = a.user_id \
             JOIN tasks t ON t.id = a.task_id WHERE t.sphere_id = $1 ORDER BY lower(u.display_name), u.id")
            .bind(sphere_id).fetch_all(p).await)?)
    }

    /// Assignees of every task assigned to `user_id`.
    pub async fn my_task_assignees(&self, user_id: UserId) -> Result<Vec<TaskAssignee>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT a.task_id, a.user_id, u.display_name FROM task_assignees a JOIN users u ON u.id = a.user_id \
             WHERE a.task_id IN (SELECT x.task_id FROM task_assignees x WHERE x.user_id = $1) \
             ORDER BY lower(u.display_name), u.id")
            .bind(user_id).fetch_all(p).await)?)
    }

    /// Makes the task's assignees exactly `users` and writes `effects` (computed by the
    /// caller from the assignees it read before), in one transaction; answers those newly
    /// added.
    pub async fn set_task_assignees(
        &self,
        task_id: Id,
        by: UserId,
        users: &[UserId],
        effects: &Effects,
    ) -> Result<Vec<UserId>> {
        let now = now_ms();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            // Touch the task first: concurrent edits of one task's assignees take turns.
            sqlx::query("UPDATE tasks SET updated_at = $1 WHERE id = $2").bind(now).bind(task_id).execute(&mut *tx).await?;
            let current: Vec<UserId> = sqlx::query_scalar("SELECT user_id FROM task_assignees WHERE task_id = $1")
                .bind(task_id).fetch_all(&mut *tx).await?;
            for u in current.iter().filter(|u| !users.contains(u)) {
                sqlx::query("DELETE FROM task_assignees WHERE task_id = $1 AND user_id = $2")
                    .bind(task_id).bind(u).execute(&mut *tx).await?;
            }
            let mut added = Vec::new();
            for u in users.iter().filter(|u| !current.contains(u)) {
                sqlx::query("INSERT INTO task_assignees (task_id, user_id, assigned_by, assigned_at) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (task_id, user_id) DO NOTHING")
                    .bind(task_id).bind(u).bind(by).bind(now).execute(&mut *tx).await?;
                added.push(*u);
            }
            write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(added)
        })?)
    }

    /// Adds a comment, bumps the task's counter and writes what it causes, in one
    /// transaction.
    pub async fn add_task_comment(
        &self,
        task_id: Id,
        author_id: UserId,
        body: (&str, &str),
        effects: &Effects,
    ) -> Result<TaskComment> {
        let (body_md, body_html) = body;
        let id = new_id();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO task_comments (id, task_id, author_id, body_md, body_html, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id).bind(task_id).bind(author_id).bind(body_md).bind(body_html).bind(now_ms()).execute(&mut *tx).await?;
            sqlx::query("UPDATE tasks SET comment_count = comment_count + 1 WHERE id = $1").bind(task_id).execute(&mut *tx).await?;
            let c: TaskComment = sqlx::query_as(
                "SELECT c.id, c.task_id, c.author_id, u.display_name AS author_name, c.body_html, c.created_at \
                 FROM task_comments c JOIN users u ON u.id = c.author_id WHERE c.id = $1")
                .bind(id).fetch_one(&mut *tx).await?;
            write_effects!(tx, effects, now_ms());
            tx.commit().await?;
            Ok::<_, sqlx::Error>(c)
        })?)
    }

    pub async fn task_comments(&self, task_id: Id) -> Result<Vec<TaskComment>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT c.id, c.task_id, c.author_id, u.display_name AS author_name, c.body_html, c.created_at \
             FROM task_comments c JOIN users u ON u.id = c.author_id WHERE c.task_id = $1 ORDER BY c.created_at, c.id")
            .bind(task_id).fetch_all(p).await)?)
    }
}
