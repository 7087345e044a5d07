//! Bulk loading for the demo data set and the benchmark: rows carry their own ids and
//! timestamps (the regular methods stamp "now"), and are written with multi-row
//! `INSERT ... VALUES` statements inside one transaction per call. Same SQL on both backends.
use crate::db::{Result, with_pool, with_writer};
use crate::models::Organization;
use crate::{Db, StoreError};
use embarq_domain::{Id, OrgId, OrgRole, PostStatus, SphereKind, SphereRole, UserStatus};
use embarq_domain::{SphereId, UserId};
use sqlx::AssertSqlSafe;

/// Bind parameters per statement on PostgreSQL (its limit is 65535).
const MAX_PARAMS_PG: usize = 16_000;
/// Bind parameters per statement on SQLite: numbered parameters are looked up by a linear
/// scan of the statement's parameter list, so binding costs grow with the square of their
/// number; statements of a couple of hundred parameters load fastest (measured: 240
/// parameters load 3 to 4 times faster than 4000).
const MAX_PARAMS_SQLITE: usize = 240;

/// A member with every column given by the caller.
#[derive(Debug, Clone)]
pub struct BulkUser {
    pub id: UserId,
    pub email: String,
    pub password_hash: Option<String>,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
    pub birth_year: Option<i64>,
    pub level: Option<String>,
    /// Must reference a member inserted earlier (or in the same call).
    pub manager_id: Option<UserId>,
    pub employee_id: Option<String>,
    pub org_role: OrgRole,
    pub status: UserStatus,
    pub locale: Option<String>,
    pub created_at: i64,
    pub activated_at: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct BulkSphere {
    pub id: SphereId,
    pub name: String,
    pub description: String,
    pub kind: SphereKind,
    pub requires_approval: bool,
    pub created_by: UserId,
    pub created_at: i64,
}

#[derive(Debug, Clone, Copy)]
pub struct BulkSphereMember {
    pub sphere_id: SphereId,
    pub user_id: UserId,
    pub role: SphereRole,
    pub joined_at: i64,
    /// Made by a membership rule.
    pub via_rule: bool,
}

#[derive(Debug, Clone)]
pub struct BulkPost {
    pub id: Id,
    pub sphere_id: SphereId,
    pub author_id: UserId,
    pub body_md: String,
    pub body_html: String,
    pub status: PostStatus,
    pub pinned: bool,
    /// Stored as given: keep it equal to the comments inserted for the post.
    pub comment_count: i64,
    /// Stored as given: keep it equal to the reactions inserted for the post.
    pub reaction_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone)]
pub struct BulkComment {
    pub id: Id,
    pub post_id: Id,
    pub author_id: UserId,
    pub body_md: String,
    pub body_html: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct BulkReaction {
    pub post_id: Id,
    pub user_id: UserId,
    pub emoji: String,
    pub created_at: i64,
}

/// Row counts of one organization.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrgCounts {
    pub members: i64,
    pub spheres: i64,
    pub posts: i64,
    pub sphere_members: i64,
}

/// `INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4), ...` for `rows` rows.
pub(crate) fn values_sql(head: &str, ncols: usize, rows: usize) -> String {
    let mut sql = String::with_capacity(head.len() + rows * ncols * 8);
    sql.push_str(head);
    sql.push_str(" VALUES ");
    let mut n = 1;
    for r in 0..rows {
        if r > 0 {
            sql.push(',');
        }
        sql.push('(');
        for c in 0..ncols {
            if c > 0 {
                sql.push(',');
            }
            sql.push('$');
            sql.push_str(&n.to_string());
            n += 1;
        }
        sql.push(')');
    }
    sql
}

/// Inserts `$rows` in one transaction, a bounded number of rows per statement; `$bind`
/// appends one row's values to the query `$q` (the row is `$r`). Evaluates to
/// `Result<(), sqlx::Error>`.
macro_rules! insert_rows {
    ($db:expr, $head:expr, $ncols:expr, $rows:expr, |$q:ident, $r:ident| $bind:expr) => {{
        let rows = $rows;
        let max = $db.max_params();
        let per = (max / $ncols).max(1);
        with_writer!($db, p => {
            let mut tx = p.begin_write().await?;
            for chunk in rows.chunks(per) {
                let mut $q = sqlx::query(AssertSqlSafe(values_sql($head, $ncols, chunk.len())));
                for $r in chunk {
                    $q = $bind;
                }
                $q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })
    }};
}

impl Db {
    /// Bound parameters per statement that keep multi-row statements fast on this backend.
    pub(crate) fn max_params(&self) -> usize {
        match self.backend() {
            crate::Backend::Sqlite => MAX_PARAMS_SQLITE,
            crate::Backend::Postgres => MAX_PARAMS_PG,
        }
    }

    /// Creates an organization with a given id and creation time, without any member.
    pub async fn insert_organization_at(
        &self,
        id: OrgId,
        name: &str,
        created_at: i64,
    ) -> Result<Organization> {
        with_writer!(self, p => sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
            .bind(id).bind(name).bind(created_at).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(Organization {
            id,
            name: name.to_string(),
            created_at,
        })
    }

    pub async fn rename_organization(&self, id: OrgId, name: &str) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE organizations SET name = $1 WHERE id = $2")
            .bind(name).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Every organization, oldest first.
    pub async fn organizations(&self) -> Result<Vec<Organization>> {
        Ok(
            with_pool!(self, p => sqlx::query_as("SELECT id, name, created_at FROM organizations ORDER BY created_at, id")
            .fetch_all(p).await)?,
        )
    }

    pub async fn org_counts(&self, org_id: OrgId) -> Result<OrgCounts> {
        let (members, spheres, posts, sphere_members): (i64, i64, i64, i64) = with_pool!(self, p => sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM users WHERE org_id = $1), (SELECT COUNT(*) FROM spheres WHERE org_id = $1), \
             (SELECT COUNT(*) FROM posts WHERE org_id = $1), \
             (SELECT COUNT(*) FROM sphere_members m JOIN spheres s ON s.id = m.sphere_id WHERE s.org_id = $1)")
            .bind(org_id).fetch_one(p).await)?;
        Ok(OrgCounts {
            members,
            spheres,
            posts,
            sphere_members,
        })
    }

    /// Published posts of the given spheres (one query per sphere: for reports, not pages).
    pub async fn published_post_count(&self, spheres: &[SphereId]) -> Result<i64> {
        let mut n = 0;
        for s in spheres {
            let c: i64 = with_pool!(self, p => sqlx::query_scalar(
                "SELECT COUNT(*) FROM posts WHERE sphere_id = $1 AND status = 'published'")
                .bind(s).fetch_one(p).await)?;
            n += c;
        }
        Ok(n)
    }

    /// Deletes an organization and everything the bulk loader can have written for it
    /// (members, spheres, memberships, posts, comments, reactions), in one transaction.
    /// Meant for benchmark data only: members' sessions, messages and notifications are
    /// not handled and make it fail on their foreign keys.
    pub async fn delete_bulk_organization(&self, org_id: OrgId) -> Result<()> {
        let statements = [
            "DELETE FROM reactions WHERE post_id IN (SELECT id FROM posts WHERE org_id = $1)",
            "DELETE FROM comments WHERE post_id IN (SELECT id FROM posts WHERE org_id = $1)",
            "DELETE FROM posts WHERE org_id = $1",
            "DELETE FROM sphere_requests WHERE sphere_id IN (SELECT id FROM spheres WHERE org_id = $1)",
            "DELETE FROM sphere_members WHERE sphere_id IN (SELECT id FROM spheres WHERE org_id = $1)",
            "DELETE FROM spheres WHERE org_id = $1",
            "UPDATE users SET manager_id = NULL WHERE org_id = $1",
            "DELETE FROM users WHERE org_id = $1",
            "DELETE FROM organizations WHERE id = $1",
        ];
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            for s in statements {
                sqlx::query(s).bind(org_id).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(())
    }

    /// Inserts members of `org_id` as given (ids, timestamps, statuses, manager links).
    pub async fn bulk_insert_users(&self, org_id: OrgId, rows: &[BulkUser]) -> Result<()> {
        const HEAD: &str = "INSERT INTO users (id, org_id, email, password_hash, display_name, first_name, last_name, title, \
             department, site, birth_year, level, manager_id, employee_id, org_role, status, locale, created_at, activated_at)";
        insert_rows!(self, HEAD, 19, rows, |q, r| q
            .bind(r.id)
            .bind(org_id)
            .bind(&r.email)
            .bind(&r.password_hash)
            .bind(&r.display_name)
            .bind(&r.first_name)
            .bind(&r.last_name)
            .bind(&r.title)
            .bind(&r.department)
            .bind(&r.site)
            .bind(r.birth_year)
            .bind(&r.level)
            .bind(r.manager_id)
            .bind(&r.employee_id)
            .bind(r.org_role.as_str())
            .bind(r.status.as_str())
            .bind(&r.locale)
            .bind(r.created_at)
            .bind(r.activated_at))
        .map_err(|e| StoreError::on_unique(e, "email"))
    }

    /// Inserts spheres of `org_id`; memberships (including the creator's) are separate.
    pub async fn bulk_insert_spheres(&self, org_id: OrgId, rows: &[BulkSphere]) -> Result<()> {
        const HEAD: &str = "INSERT INTO spheres (id, org_id, name, description, kind, requires_approval, created_by, created_at)";
        insert_rows!(self, HEAD, 8, rows, |q, r| q
            .bind(r.id)
            .bind(org_id)
            .bind(&r.name)
            .bind(&r.description)
            .bind(r.kind.as_str())
            .bind(r.requires_approval)
            .bind(r.created_by)
            .bind(r.created_at))?;
        Ok(())
    }

    /// Inserts memberships; a (sphere, member) pair must appear once.
    pub async fn bulk_insert_sphere_members(&self, rows: &[BulkSphereMember]) -> Result<()> {
        const HEAD: &str =
            "INSERT INTO sphere_members (sphere_id, user_id, role, joined_at, via_rule)";
        insert_rows!(self, HEAD, 5, rows, |q, r| q
            .bind(r.sphere_id)
            .bind(r.user_id)
            .bind(r.role.as_str())
            .bind(r.joined_at)
            .bind(r.via_rule))?;
        Ok(())
    }

    /// Confirms `champions` of `org_id` (by `manager`, at `at`) whose secret sphere is `sphere`
    /// (its members are inserted apart), as the champions' page would have.
    pub async fn bulk_insert_champions(
        &self,
        org_id: OrgId,
        sphere: SphereId,
        manager: UserId,
        champions: &[UserId],
        at: i64,
    ) -> Result<()> {
        with_writer!(self, p => sqlx::query(
            "INSERT INTO org_onboarding (org_id, champions_sphere_id, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (org_id) DO UPDATE SET champions_sphere_id = excluded.champions_sphere_id")
            .bind(org_id).bind(sphere).bind(at).execute(p).await.map(|_| ()))?;
        const HEAD: &str =
            "INSERT INTO champions (user_id, org_id, reason, confirmed_by, confirmed_at)";
        insert_rows!(self, HEAD, 5, champions, |q, c| q
            .bind(*c)
            .bind(org_id)
            .bind("volunteer")
            .bind(manager)
            .bind(at))?;
        Ok(())
    }

    /// Writes days of activity (`(day, person, kinds)`, the demo company's history), then what
    /// follows from them: each person's active weeks and last visit.
    pub async fn bulk_insert_activity(
        &self,
        org_id: OrgId,
        rows: &[(i64, UserId, i32)],
    ) -> Result<()> {
        const HEAD: &str = "INSERT INTO daily_activity (org_id, day, user_id, kinds)";
        insert_rows!(self, HEAD, 4, rows, |q, r| q
            .bind(org_id)
            .bind(r.0)
            .bind(r.1)
            .bind(r.2))?;
        with_writer!(self, p => {
            sqlx::query(crate::activity::SUMMARIES)
                .bind(org_id).bind(embarq_domain::activity::WEEKS_KEPT).execute(p).await?;
            sqlx::query(crate::activity::TOTALS).bind(org_id).execute(p).await.map(|_| ())
        })?;
        Ok(())
    }

    /// Inserts posts of `org_id` with their stored counters.
    pub async fn bulk_insert_posts(&self, org_id: OrgId, rows: &[BulkPost]) -> Result<()> {
        const HEAD: &str = "INSERT INTO posts (id, org_id, sphere_id, author_id, body_md, body_html, status, pinned, \
             comment_count, reaction_count, created_at, updated_at)";
        insert_rows!(self, HEAD, 12, rows, |q, r| q
            .bind(r.id)
            .bind(org_id)
            .bind(r.sphere_id)
            .bind(r.author_id)
            .bind(&r.body_md)
            .bind(&r.body_html)
            .bind(r.status.as_str())
            .bind(r.pinned)
            .bind(r.comment_count)
            .bind(r.reaction_count)
            .bind(r.created_at)
            .bind(r.updated_at))?;
        Ok(())
    }

    /// Inserts comments; the posts' `comment_count` is not touched.
    pub async fn bulk_insert_comments(&self, rows: &[BulkComment]) -> Result<()> {
        const HEAD: &str =
            "INSERT INTO comments (id, post_id, author_id, body_md, body_html, created_at)";
        insert_rows!(self, HEAD, 6, rows, |q, r| q
            .bind(r.id)
            .bind(r.post_id)
            .bind(r.author_id)
            .bind(&r.body_md)
            .bind(&r.body_html)
            .bind(r.created_at))?;
        Ok(())
    }

    /// Inserts reactions; the posts' `reaction_count` is not touched.
    pub async fn bulk_insert_reactions(&self, rows: &[BulkReaction]) -> Result<()> {
        const HEAD: &str = "INSERT INTO reactions (post_id, user_id, emoji, created_at)";
        insert_rows!(self, HEAD, 4, rows, |q, r| q
            .bind(r.post_id)
            .bind(r.user_id)
            .bind(&r.emoji)
            .bind(r.created_at))?;
        Ok(())
    }

    /// Gives the listed members of `org_id` one password hash (computed once by the caller:
    /// argon2 per member would dominate a load test's set-up) and makes them active.
    /// Returns how many members were updated.
    pub async fn bulk_set_password(
        &self,
        org_id: OrgId,
        user_ids: &[UserId],
        password_hash: &str,
    ) -> Result<u64> {
        let per = self.max_params().saturating_sub(3).max(1);
        let now = crate::now_ms();
        let n = with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let mut n = 0;
            for chunk in user_ids.chunks(per) {
                let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 4)).collect();
                let sql = format!(
                    "UPDATE users SET password_hash = $1, status = 'active', activated_at = COALESCE(activated_at, $2) \
                     WHERE org_id = $3 AND id IN ({})", list.join(","));
                let mut q = sqlx::query(AssertSqlSafe(sql)).bind(password_hash).bind(now).bind(org_id);
                for id in chunk {
                    q = q.bind(*id);
                }
                n += q.execute(&mut *tx).await?.rows_affected();
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n)
        })?;
        Ok(n)
    }

    /// Opens one session per (token hash, user) in one transaction (load benchmarks: a
    /// sign-in each would time argon2, not what they measure).
    pub async fn bulk_create_sessions(
        &self,
        sessions: &[(String, UserId)],
        ttl_ms: i64,
    ) -> Result<()> {
        let per = (self.max_params() / 5).max(1);
        let now = crate::now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            for chunk in sessions.chunks(per) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) ",
                );
                qb.push_values(chunk, |mut b, (hash, user)| {
                    b.push_bind(hash.clone())
                        .push_bind(*user)
                        .push_bind(embarq_domain::new_id().to_string())
                        .push_bind(now)
                        .push_bind(now + ttl_ms);
                });
                qb.build().execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// Refreshes the planner statistics after a bulk load: `ANALYZE` on SQLite (then folds
    /// the write-ahead log, grown by the load, back into the database file), `VACUUM
    /// ANALYZE` on PostgreSQL (which also marks pages all-visible, so index-only scans stop
    /// visiting the table, as they would once autovacuum has run).
    pub async fn analyze(&self) -> Result<()> {
        match self {
            Db::Sqlite(p) => {
                sqlx::query("ANALYZE").execute(&p.write).await?;
                sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                    .execute(&p.write)
                    .await?;
            }
            Db::Pg(p) => {
                sqlx::query("VACUUM ANALYZE").execute(p).await?;
            }
        }
        Ok(())
    }
}
