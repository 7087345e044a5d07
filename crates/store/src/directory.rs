//! Organizations and the member directory, including the CSV import upsert.
use crate::bulk::values_sql;
use crate::db::{Result, change_member, refused, with_pool, with_writer};
use crate::models::{Organization, Person, USER_COLUMNS, User};
use crate::{Db, StoreError, now_ms};
use embarq_domain::UserId;
use embarq_domain::csv_import::{MemberRow, RowError};
use embarq_domain::lifecycle::Change;
use embarq_domain::{OrgId, OrgRole, UserStatus};
use serde::Serialize;
use sqlx::AssertSqlSafe;
use std::collections::{HashMap, HashSet};

/// A member to create by hand (setup, invitation, tests).
#[derive(Debug, Clone)]
pub struct NewMember {
    pub org_id: OrgId,
    pub email: String,
    pub display_name: String,
    pub password_hash: Option<String>,
    pub org_role: OrgRole,
    pub status: UserStatus,
}

#[derive(Debug, Clone, Default)]
pub struct ProfileUpdate {
    pub display_name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
    pub birth_year: Option<i64>,
    pub level: Option<String>,
    pub locale: Option<String>,
    pub time_zone: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct MemberFilter {
    pub query: Option<String>,
    pub include_inactive: bool,
    pub limit: i64,
    pub offset: i64,
}

/// What an import would do (dry run) or did.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ImportPlan {
    pub create: Vec<String>,
    pub update: Vec<String>,
    pub unchanged: usize,
    pub deactivate: Vec<String>,
    /// Rows refused while planning (e-mail used by another organization...).
    pub errors: Vec<RowError>,
    /// Rows imported with a caveat (manager not found: imported without manager).
    pub warnings: Vec<RowError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ImportOutcome {
    pub plan: ImportPlan,
    /// New members' ids with e-mails, so the caller can send invitations.
    pub created: Vec<(UserId, String)>,
}

#[derive(sqlx::FromRow)]
struct Existing {
    id: UserId,
    email: String,
    display_name: String,
    first_name: Option<String>,
    last_name: Option<String>,
    title: Option<String>,
    department: Option<String>,
    site: Option<String>,
    birth_year: Option<i64>,
    level: Option<String>,
    manager_id: Option<UserId>,
    employee_id: Option<String>,
    org_role: OrgRole,
    status: UserStatus,
}

impl Existing {
    fn differs(&self, r: &MemberRow, manager: Option<UserId>) -> bool {
        self.display_name != r.display_name()
            || self.first_name != r.first_name
            || self.last_name != r.last_name
            || self.title != r.title
            || self.department != r.department
            || self.site != r.site
            || self.birth_year != r.birth_year
            || self.level != r.level
            || self.employee_id != r.employee_id
            || self.manager_id != manager
            || self.status == UserStatus::Deactivated
    }
}

impl Db {
    pub async fn organization_count(&self) -> Result<i64> {
        Ok(
            with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM organizations").fetch_one(p).await)?,
        )
    }

    pub async fn organization(&self, id: OrgId) -> Result<Option<Organization>> {
        Ok(
            with_pool!(self, p => sqlx::query_as("SELECT id, name, created_at FROM organizations WHERE id = $1")
            .bind(id).fetch_optional(p).await)?,
        )
    }

    /// Creates an organization and its first manager in one transaction.
    pub async fn create_organization(
        &self,
        name: &str,
        manager: NewMember,
    ) -> Result<(Organization, UserId)> {
        self.insert_organization(name, manager, false).await
    }

    /// First-run setup: creates the instance's first organization, once. The singleton row
    /// of `instance_setup` is the claim: of concurrent setups exactly one commits, the
    /// others get `Conflict("already_set_up")`.
    pub async fn setup_first_organization(
        &self,
        name: &str,
        manager: NewMember,
    ) -> Result<(Organization, UserId)> {
        self.insert_organization(name, manager, true).await
    }

    async fn insert_organization(
        &self,
        name: &str,
        manager: NewMember,
        first_setup: bool,
    ) -> Result<(Organization, UserId)> {
        let org = Organization {
            id: OrgId::generate(),
            name: name.to_string(),
            created_at: now_ms(),
        };
        let uid = UserId::generate();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            if first_setup {
                sqlx::query("INSERT INTO instance_setup (singleton, done_at) VALUES (1, $1)")
                    .bind(org.created_at).execute(&mut *tx).await
                    .map_err(|e| StoreError::on_unique(e, "already_set_up"))?;
            }
            sqlx::query("INSERT INTO organizations (id, name, created_at) VALUES ($1, $2, $3)")
                .bind(org.id).bind(&org.name).bind(org.created_at).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO users (id, org_id, email, password_hash, display_name, org_role, status, created_at, activated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)")
                .bind(uid).bind(org.id).bind(&manager.email).bind(&manager.password_hash).bind(&manager.display_name)
                .bind(manager.org_role.as_str()).bind(manager.status.as_str()).bind(org.created_at)
                .execute(&mut *tx).await.map_err(|e| StoreError::on_unique(e, "email"))?;
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })?;
        Ok((org, uid))
    }

    pub async fn create_member(&self, m: &NewMember) -> Result<UserId> {
        let id = UserId::generate();
        let now = now_ms();
        let activated = (m.status == UserStatus::Active).then_some(now);
        with_writer!(self, p => sqlx::query(
            "INSERT INTO users (id, org_id, email, password_hash, display_name, org_role, status, created_at, activated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(id).bind(m.org_id).bind(&m.email).bind(&m.password_hash).bind(&m.display_name)
            .bind(m.org_role.as_str()).bind(m.status.as_str()).bind(now).bind(activated)
            .execute(p).await.map(|r| r.rows_affected())).map_err(|e| StoreError::on_unique(e, "email"))?;
        Ok(id)
    }

    pub async fn user(&self, id: UserId) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(p).await)?,
        )
    }

    /// A user of `org_id` only: ids of other organizations read as absent.
    pub async fn user_in_org(&self, org_id: OrgId, id: UserId) -> Result<Option<User>> {
        Ok(self.user(id).await?.filter(|u| u.org_id == org_id))
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.email = $1");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(email).fetch_optional(p).await)?,
        )
    }

    /// Users of `org_id` among `emails` (lower-case), for mentions and invitations.
    pub async fn users_by_emails(&self, org_id: OrgId, emails: &[String]) -> Result<Vec<Person>> {
        self.active_people_where(org_id, "email", emails).await
    }

    /// Users of `org_id` among `ids` (others, and deactivated people, are left out), for
    /// mentions by name.
    pub async fn users_by_ids(&self, org_id: OrgId, ids: &[UserId]) -> Result<Vec<Person>> {
        self.active_people_where(org_id, "id", ids).await
    }

    /// Active people of `org_id` whose `column` is among `values`, 500 per statement.
    async fn active_people_where<T>(
        &self,
        org_id: OrgId,
        column: &'static str,
        values: &[T],
    ) -> Result<Vec<Person>>
    where
        T: Clone
            + Send
            + Sync
            + for<'q> sqlx::Encode<'q, sqlx::Sqlite>
            + sqlx::Type<sqlx::Sqlite>
            + for<'q> sqlx::Encode<'q, sqlx::Postgres>
            + sqlx::Type<sqlx::Postgres>,
    {
        let mut out = Vec::new();
        for chunk in values.chunks(500) {
            let list: Vec<String> = (0..chunk.len()).map(|i| format!("${}", i + 2)).collect();
            let sql = format!(
                "SELECT id, display_name, title, department, site, (photo IS NOT NULL) AS has_photo \
                 FROM users WHERE org_id = $1 AND {column} IN ({}) AND status <> 'deactivated'",
                list.join(",")
            );
            let found: Vec<Person> = with_pool!(self, p => {
                let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(org_id);
                for v in chunk {
                    q = q.bind(v.clone());
                }
                q.fetch_all(p).await
            })?;
            out.extend(found);
        }
        Ok(out)
    }

    pub async fn touch_user(&self, id: UserId) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => sqlx::query("UPDATE users SET last_seen_at = $1, activated_at = COALESCE(activated_at, $1) WHERE id = $2")
            .bind(now).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn list_members(&self, org_id: OrgId, f: &MemberFilter) -> Result<Vec<User>> {
        let pattern = f
            .query
            .as_deref()
            .map(|q| format!("%{}%", like_escape(&q.to_lowercase())));
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.org_id = $1 \
             AND ($2 OR u.status <> 'deactivated') \
             AND ($3 IS NULL OR lower(u.display_name) LIKE $3 ESCAPE '\\' OR u.email LIKE $3 ESCAPE '\\' \
                  OR lower(COALESCE(u.department, '')) LIKE $3 ESCAPE '\\' OR lower(COALESCE(u.site, '')) LIKE $3 ESCAPE '\\' \
                  OR lower(COALESCE(u.title, '')) LIKE $3 ESCAPE '\\') \
             ORDER BY u.display_name, u.id LIMIT $4 OFFSET $5"
        );
        Ok(with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(org_id).bind(f.include_inactive).bind(pattern).bind(f.limit).bind(f.offset)
            .fetch_all(p).await)?)
    }

    /// Whether the organization has more than one active member (someone besides the manager
    /// who set it up): two index entries read, whatever its size.
    pub async fn has_members_beyond_one(&self, org_id: OrgId) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM (SELECT 1 FROM users WHERE org_id = $1 AND status <> 'deactivated' LIMIT 2) t")
            .bind(org_id).fetch_one(p).await)?;
        Ok(n > 1)
    }

    pub async fn count_members(&self, org_id: OrgId) -> Result<i64> {
        Ok(
            with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE org_id = $1 AND status <> 'deactivated'")
            .bind(org_id).fetch_one(p).await)?,
        )
    }

    pub async fn update_profile(&self, id: UserId, u: &ProfileUpdate) -> Result<()> {
        with_writer!(self, p => sqlx::query(
            "UPDATE users SET display_name = $1, title = $2, department = $3, site = $4, birth_year = $5, level = $6, locale = $7, time_zone = $8 WHERE id = $9")
            .bind(&u.display_name).bind(&u.title).bind(&u.department).bind(&u.site).bind(u.birth_year)
            .bind(&u.level).bind(&u.locale).bind(&u.time_zone).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_locale(&self, id: UserId, locale: &str) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE users SET locale = $1 WHERE id = $2").bind(locale).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    pub async fn set_photo(&self, id: UserId, bytes: &[u8], content_type: &str) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE users SET photo = $1, photo_type = $2 WHERE id = $3")
            .bind(bytes).bind(content_type).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Photo bytes and content type of a member of `org_id`.
    pub async fn photo(&self, org_id: OrgId, id: UserId) -> Result<Option<(Vec<u8>, String)>> {
        let row: Option<(Option<Vec<u8>>, Option<String>)> = with_pool!(self, p => sqlx::query_as(
            "SELECT photo, photo_type FROM users WHERE id = $1 AND org_id = $2")
            .bind(id).bind(org_id).fetch_optional(p).await)?;
        Ok(row.and_then(|(b, t)| Some((b?, t?))))
    }

    /// Changes a member's role; refused (`last_manager`) when it would leave the
    /// organization without an active manager.
    pub async fn set_org_role(
        &self,
        org_id: OrgId,
        id: UserId,
        role: OrgRole,
        effects: &crate::Effects,
    ) -> Result<()> {
        self.change_member(org_id, id, Change::SetRole(role), effects)
            .await
    }

    /// Deactivates an account and ends its credentials in one transaction; refused
    /// (`last_manager`) for the organization's last active manager.
    pub async fn deactivate_user(
        &self,
        org_id: OrgId,
        id: UserId,
        effects: &crate::Effects,
    ) -> Result<()> {
        self.change_member(org_id, id, Change::Deactivate, effects)
            .await
    }

    /// Reactivates an account: active again if it has a password, invited otherwise. Its
    /// former sessions and tokens stay ended.
    pub async fn reactivate_user(
        &self,
        org_id: OrgId,
        id: UserId,
        effects: &crate::Effects,
    ) -> Result<()> {
        self.change_member(org_id, id, Change::Reactivate, effects)
            .await
    }

    /// One lifecycle change of a member of `org_id` with what it causes, in its own
    /// transaction (see `change_member!`); a refusal is `StoreError::Refused` with its code,
    /// and writes nothing.
    async fn change_member(
        &self,
        org_id: OrgId,
        id: UserId,
        change: Change,
        effects: &crate::Effects,
    ) -> Result<()> {
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            change_member!(tx, Some(org_id), id, change).map_err(refused)?;
            crate::outbox::write_effects!(tx, effects, now_ms());
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Plans (and unless `dry_run`, applies in one transaction) a directory import for `org_id`:
    /// upsert by e-mail, manager links resolved after every row is read, optional
    /// deactivation of members absent from the file (never `keep`, never a manager).
    pub async fn import_members(
        &self,
        org_id: OrgId,
        rows: &[MemberRow],
        deactivate_missing: bool,
        keep: UserId,
        dry_run: bool,
        effects_of: impl FnOnce(&ImportPlan) -> crate::Effects,
    ) -> Result<ImportOutcome> {
        let existing: Vec<Existing> = with_pool!(self, p => sqlx::query_as(
            "SELECT id, email, display_name, first_name, last_name, title, department, site, birth_year, level, \
             manager_id, employee_id, org_role, status FROM users WHERE org_id = $1")
            .bind(org_id).fetch_all(p).await)?;
        // E-mails are unique across organizations: those used elsewhere are refused by row, and so
        // are those another member of this organization holds as SCIM userName (same unique index).
        let elsewhere: Vec<String> = with_pool!(self, p => sqlx::query_scalar(
            "SELECT email FROM users WHERE org_id <> $1 \
             UNION ALL SELECT scim_user_key FROM users WHERE org_id = $1 AND scim_user_key IS NOT NULL AND scim_user_key <> email")
            .bind(org_id).fetch_all(p).await)?;
        let elsewhere: HashSet<&str> = elsewhere.iter().map(String::as_str).collect();
        let by_email: HashMap<&str, &Existing> =
            existing.iter().map(|e| (e.email.as_str(), e)).collect();
        let mut plan = ImportPlan::default();
        let mut accepted: Vec<&MemberRow> = Vec::with_capacity(rows.len());
        for r in rows {
            if elsewhere.contains(r.email.as_str()) && !by_email.contains_key(r.email.as_str()) {
                plan.errors.push(RowError {
                    line: r.line,
                    field: Some("email"),
                    code: "email_taken",
                    value: Some(r.email.clone()),
                });
            } else {
                accepted.push(r);
            }
        }
        // Ids: existing members keep theirs, new ones get fresh ids now so managers resolve.
        let mut ids: HashMap<&str, UserId> =
            existing.iter().map(|e| (e.email.as_str(), e.id)).collect();
        for r in &accepted {
            ids.entry(r.email.as_str()).or_insert_with(UserId::generate);
        }
        let mut writes: Vec<(&MemberRow, UserId, Option<UserId>, bool)> = Vec::new();
        for r in &accepted {
            let manager = match r.manager_email.as_deref() {
                None => None,
                Some(m) => match ids.get(m) {
                    Some(id) => Some(*id),
                    None => {
                        plan.warnings.push(RowError {
                            line: r.line,
                            field: Some("manager_email"),
                            code: "unknown_manager",
                            value: Some(m.to_string()),
                        });
                        None
                    }
                },
            };
            let id = ids[r.email.as_str()];
            match by_email.get(r.email.as_str()) {
                None => {
                    plan.create.push(r.email.clone());
                    writes.push((r, id, manager, true));
                }
                Some(e) if e.differs(r, manager) => {
                    plan.update.push(r.email.clone());
                    writes.push((r, id, manager, false));
                }
                Some(_) => plan.unchanged += 1,
            }
        }
        let mut to_deactivate = Vec::new();
        if deactivate_missing {
            let in_file: HashSet<&str> = accepted.iter().map(|r| r.email.as_str()).collect();
            for e in &existing {
                if !in_file.contains(e.email.as_str())
                    && e.status != UserStatus::Deactivated
                    && e.id != keep
                    && e.org_role != OrgRole::Manager
                {
                    plan.deactivate.push(e.email.clone());
                    to_deactivate.push(e.id);
                }
            }
        }
        let created: Vec<(UserId, String)> = writes
            .iter()
            .filter(|w| w.3)
            .map(|w| (w.1, w.0.email.clone()))
            .collect();
        let to_reactivate: Vec<UserId> = writes
            .iter()
            .filter(|w| {
                by_email
                    .get(w.0.email.as_str())
                    .is_some_and(|e| e.status == UserStatus::Deactivated)
            })
            .map(|w| w.1)
            .collect();
        if !dry_run {
            let effects = effects_of(&plan);
            self.apply_import(org_id, &writes, (&to_reactivate, &to_deactivate), &effects)
                .await?;
        }
        Ok(ImportOutcome { plan, created })
    }

    async fn apply_import(
        &self,
        org_id: OrgId,
        writes: &[(&MemberRow, UserId, Option<UserId>, bool)],
        (reactivate, deactivate): (&[UserId], &[UserId]),
        effects: &crate::Effects,
    ) -> Result<()> {
        const INSERT_HEAD: &str = "INSERT INTO users (id, org_id, email, display_name, first_name, last_name, title, department, \
             site, birth_year, level, employee_id, org_role, status, created_at)";
        const INSERT_COLS: usize = 15;
        const LINK_HEAD: &str = "UPDATE users SET manager_id = v.column2 FROM (";
        let now = now_ms();
        let new: Vec<_> = writes.iter().filter(|w| w.3).collect();
        let links: Vec<(UserId, UserId)> = writes
            .iter()
            .filter_map(|w| w.2.map(|m| (w.1, m)))
            .collect();
        let per_insert = (self.max_params() / INSERT_COLS).max(1);
        let per_link = (self.max_params() / 2).max(1);
        with_writer!(self, p => {
            // One transaction: an import applies whole or not at all. New rows go in
            // multi-row statements without manager links (a manager may come later in the
            // file), then links are set in multi-row updates.
            let mut tx = p.begin_write().await?;
            for chunk in new.chunks(per_insert) {
                let mut q = sqlx::query(AssertSqlSafe(values_sql(INSERT_HEAD, INSERT_COLS, chunk.len())));
                for (r, id, _, _) in chunk {
                    q = q.bind(id).bind(org_id).bind(&r.email).bind(r.display_name()).bind(&r.first_name)
                        .bind(&r.last_name).bind(&r.title).bind(&r.department).bind(&r.site).bind(r.birth_year)
                        .bind(&r.level).bind(&r.employee_id).bind(OrgRole::Member.as_str())
                        .bind(UserStatus::Invited.as_str()).bind(now);
                }
                q.execute(&mut *tx).await?;
            }
            for (r, id, _, _) in writes.iter().filter(|w| !w.3) {
                sqlx::query("UPDATE users SET email = $2, display_name = $3, first_name = $4, last_name = $5, title = $6, \
                     department = $7, site = $8, birth_year = $9, level = $10, employee_id = $11, manager_id = NULL \
                     WHERE id = $1")
                    .bind(id).bind(&r.email).bind(r.display_name()).bind(&r.first_name).bind(&r.last_name)
                    .bind(&r.title).bind(&r.department).bind(&r.site).bind(r.birth_year).bind(&r.level)
                    .bind(&r.employee_id).execute(&mut *tx).await?;
            }
            for chunk in links.chunks(per_link) {
                let sql = format!("{} ) AS v WHERE users.id = v.column1", values_sql(LINK_HEAD, 2, chunk.len()).replacen(" VALUES ", "VALUES ", 1));
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for (id, manager) in chunk {
                    q = q.bind(id).bind(manager);
                }
                q.execute(&mut *tx).await?;
            }
            // Listed again: a deactivated member comes back.
            for id in reactivate {
                let _ = change_member!(tx, Some(org_id), *id, Change::Reactivate);
            }
            // A member promoted to manager since the plan was made is kept (`manager_kept`).
            for id in deactivate {
                let _ = change_member!(tx, Some(org_id), *id, Change::DeactivateAbsent);
            }
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(())
    }
}

/// Escapes `%`, `_` and `\` so a search string matches literally inside LIKE.
pub(crate) fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}

/// The LIKE pattern (with `ESCAPE '\'`) for "contains `s`" over lower-cased text.
pub(crate) fn contains_pattern(s: &str) -> String {
    format!("%{}%", like_escape(&s.to_lowercase()))
}

impl Db {
    /// The longest-standing active organization manager (the command line acts as them).
    pub async fn first_manager(&self) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM users u WHERE u.org_role = 'manager' AND u.status = 'active' ORDER BY u.created_at LIMIT 1"
        );
        Ok(with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).fetch_optional(p).await)?)
    }
}
