//! SCIM provisioning storage, users side: per-organization tokens and settings, the SCIM
//! columns of members, and SCIM list queries (a domain `Filter` turned into SQL over the
//! columns an attribute maps to, every value bound, never interpolated).
use crate::db::{Result, TOUCH_GAP_MS, change_member, refused, with_pool, with_writer};
use crate::models::{USER_COLUMNS, User};
use crate::{Db, StoreError, now_ms};
use embarq_domain::UserId;
use embarq_domain::lifecycle::Change;
use embarq_domain::scim::{
    AttrPath, CompareOp, ENTERPRISE_USER_SCHEMA, Filter, GROUP_SCHEMA, ScimError, ScimType,
    USER_SCHEMA,
};
use embarq_domain::{Id, OrgId, UserStatus, new_id};
use serde::Serialize;
use serde_json::Value;
use sqlx::AssertSqlSafe;

/// Default sources of the directory fields: the embarq extension's own attributes.
pub const DEFAULT_SITE_SOURCE: &str = "urn:embarq:params:scim:schemas:extension:2.0:User:site";
pub const DEFAULT_BIRTH_YEAR_SOURCE: &str =
    "urn:embarq:params:scim:schemas:extension:2.0:User:birthYear";
pub const DEFAULT_LEVEL_SOURCE: &str = "urn:embarq:params:scim:schemas:extension:2.0:User:level";

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ScimToken {
    pub id: Id,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

/// Per-organization SCIM settings. A source is an attribute path ("" = the field is not fed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ScimSettings {
    pub site_source: String,
    pub birth_year_source: String,
    pub level_source: String,
    /// Kind of the spheres SCIM groups become (`closed` unless changed).
    pub group_kind: String,
    /// Whether members created by SCIM get the invitation e-mail.
    pub send_invitations: bool,
}

impl Default for ScimSettings {
    fn default() -> Self {
        ScimSettings {
            site_source: DEFAULT_SITE_SOURCE.into(),
            birth_year_source: DEFAULT_BIRTH_YEAR_SOURCE.into(),
            level_source: DEFAULT_LEVEL_SOURCE.into(),
            group_kind: "closed".into(),
            send_invitations: false,
        }
    }
}

/// A member with its SCIM columns.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ScimUser {
    #[sqlx(flatten)]
    pub user: User,
    pub scim_user_name: Option<String>,
    pub scim_external_id: Option<String>,
    pub scim_division: Option<String>,
    /// JSON object of the SCIM values with no column; `None`: never provisioned by SCIM.
    pub scim_extra: Option<String>,
    pub updated_at: i64,
}

impl ScimUser {
    /// Whether SCIM created or last wrote this member (the scim-managed flag).
    pub fn scim_managed(&self) -> bool {
        self.scim_extra.is_some()
    }
}

const SCIM_USER_COLUMNS: &str = "u.scim_user_name, u.scim_external_id, u.scim_division, u.scim_extra, \
     COALESCE(u.updated_at, u.created_at) AS updated_at";

/// Everything a SCIM create or replace writes, already validated and mapped.
#[derive(Debug, Clone, Default)]
pub struct ScimUserWrite {
    pub user_name: String,
    pub external_id: Option<String>,
    /// Lower-case; unique across organizations like every e-mail.
    pub email: String,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub employee_id: Option<String>,
    pub manager_id: Option<UserId>,
    pub site: Option<String>,
    pub birth_year: Option<i64>,
    pub level: Option<String>,
    pub division: Option<String>,
    pub extra: String,
    pub active: bool,
}

/// What a create or update changed that the caller reports (audit, webhooks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActiveChange {
    None,
    Deactivated,
    Reactivated,
}

/// A checked list query: built from a filter and sort by [`UserQuery::build`].
#[derive(Debug, Clone)]
pub struct UserQuery {
    pub(crate) where_sql: String,
    pub(crate) order_sql: String,
    pub(crate) binds: Vec<Bind>,
    /// 0-based.
    pub offset: i64,
    pub limit: i64,
}

#[derive(Debug, Clone)]
pub(crate) enum Bind {
    Text(String),
    Int(i64),
    Uuid(Id),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Free text; `ci`: compared case-insensitively (not caseExact).
    Text {
        ci: bool,
    },
    /// Text already stored lower-case (userName key, e-mail): compared with a lower-cased value.
    Key,
    Uuid,
    Bool,
    Int,
    Time,
    /// Group membership (`members.value`): tested with EXISTS on the sphere's members.
    Member,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Col {
    Id,
    ExternalId,
    UserName,
    GivenName,
    FamilyName,
    DisplayName,
    Title,
    Active,
    Email,
    EmployeeNumber,
    Department,
    Division,
    Manager,
    Created,
    Modified,
    Site,
    BirthYear,
    Level,
    // Groups (scim_groups.rs): `s` is the sphere, `g` its scim_groups row.
    GroupId,
    GroupDisplayName,
    GroupExternalId,
    GroupMember,
    GroupCreated,
    GroupModified,
}

impl Col {
    fn sql(self) -> &'static str {
        match self {
            Col::Id => "u.id",
            Col::ExternalId => "u.scim_external_id",
            // The exact expression of the unique index users_scim_user_name.
            Col::UserName => "COALESCE(u.scim_user_key, u.email)",
            Col::GivenName => "u.first_name",
            Col::FamilyName => "u.last_name",
            Col::DisplayName => "u.display_name",
            Col::Title => "u.title",
            Col::Active => "(u.status <> 'deactivated')",
            Col::Email => "u.email",
            Col::EmployeeNumber => "u.employee_id",
            Col::Department => "u.department",
            Col::Division => "u.scim_division",
            Col::Manager => "u.manager_id",
            Col::Created => "u.created_at",
            Col::Modified => "COALESCE(u.updated_at, u.created_at)",
            Col::Site => "u.site",
            Col::BirthYear => "u.birth_year",
            Col::Level => "u.level",
            Col::GroupId | Col::GroupMember => "s.id",
            Col::GroupDisplayName => "s.name",
            Col::GroupExternalId => "g.external_id",
            Col::GroupCreated => "g.created_at",
            Col::GroupModified => "g.updated_at",
        }
    }

    fn kind(self) -> Kind {
        match self {
            Col::Id | Col::Manager | Col::GroupId => Kind::Uuid,
            Col::GroupMember => Kind::Member,
            Col::GroupExternalId => Kind::Text { ci: false },
            Col::GroupCreated | Col::GroupModified => Kind::Time,
            Col::ExternalId => Kind::Text { ci: false },
            Col::UserName | Col::Email => Kind::Key,
            Col::Active => Kind::Bool,
            Col::Created | Col::Modified => Kind::Time,
            Col::BirthYear => Kind::Int,
            _ => Kind::Text { ci: true },
        }
    }

    /// Columns always holding a value.
    fn always_present(self) -> bool {
        matches!(
            self,
            Col::Id
                | Col::UserName
                | Col::Active
                | Col::Email
                | Col::Created
                | Col::Modified
                | Col::GroupId
                | Col::GroupDisplayName
                | Col::GroupCreated
                | Col::GroupModified
        )
    }
}

/// `urn:attr.sub` in lower case, the URN defaulting to the core User schema.
pub fn path_key(p: &AttrPath) -> String {
    let mut k = format!("{}:{}", p.urn.as_deref().unwrap_or(USER_SCHEMA), p.attr);
    if let Some(s) = &p.sub {
        k.push('.');
        k.push_str(s);
    }
    k.to_lowercase()
}

/// The key of a source setting, `None` when unset or unparsable.
fn source_key(source: &str) -> Option<String> {
    let s = source.trim();
    if s.is_empty() {
        return None;
    }
    AttrPath::parse(s).ok().map(|p| path_key(&p))
}

/// The column an attribute path is stored in, if any.
fn column(p: &AttrPath, settings: &ScimSettings) -> Option<Col> {
    let key = path_key(p);
    let core = |a: &str| format!("{USER_SCHEMA}:{a}").to_lowercase();
    let ent = |a: &str| format!("{ENTERPRISE_USER_SCHEMA}:{a}").to_lowercase();
    let fixed = [
        (core("id"), Col::Id),
        (core("externalId"), Col::ExternalId),
        (core("userName"), Col::UserName),
        (core("name.givenName"), Col::GivenName),
        (core("name.familyName"), Col::FamilyName),
        (core("displayName"), Col::DisplayName),
        (core("title"), Col::Title),
        (core("active"), Col::Active),
        (core("emails"), Col::Email),
        (core("emails.value"), Col::Email),
        (core("meta.created"), Col::Created),
        (core("meta.lastModified"), Col::Modified),
        (ent("employeeNumber"), Col::EmployeeNumber),
        (ent("department"), Col::Department),
        (ent("division"), Col::Division),
        (ent("manager"), Col::Manager),
        (ent("manager.value"), Col::Manager),
    ];
    if let Some((_, c)) = fixed.iter().find(|(k, _)| *k == key) {
        return Some(*c);
    }
    // The embarq extension's attributes (or any other) are in a column only while the
    // mapping feeds that column from them.
    let mapped = [
        (&settings.site_source, Col::Site),
        (&settings.birth_year_source, Col::BirthYear),
        (&settings.level_source, Col::Level),
    ];
    mapped
        .iter()
        .find(|(s, _)| source_key(s).as_deref() == Some(key.as_str()))
        .map(|(_, c)| *c)
}

/// The column of a Group attribute path, if any.
fn group_column(p: &AttrPath) -> Option<Col> {
    let mut key = format!("{}:{}", p.urn.as_deref().unwrap_or(GROUP_SCHEMA), p.attr);
    if let Some(s) = &p.sub {
        key.push('.');
        key.push_str(s);
    }
    let core = |a: &str| format!("{GROUP_SCHEMA}:{a}").to_lowercase();
    let fixed = [
        (core("id"), Col::GroupId),
        (core("externalId"), Col::GroupExternalId),
        (core("displayName"), Col::GroupDisplayName),
        (core("members"), Col::GroupMember),
        (core("members.value"), Col::GroupMember),
        (core("meta.created"), Col::GroupCreated),
        (core("meta.lastModified"), Col::GroupModified),
    ];
    let key = key.to_lowercase();
    fixed.iter().find(|(k, _)| *k == key).map(|(_, c)| *c)
}

fn invalid_filter(detail: String) -> ScimError {
    ScimError::bad(ScimType::InvalidFilter, detail)
}

fn display(p: &AttrPath) -> String {
    let mut s = String::new();
    if let Some(u) = &p.urn {
        s.push_str(u);
        s.push(':');
    }
    s.push_str(&p.attr);
    if let Some(sub) = &p.sub {
        s.push('.');
        s.push_str(sub);
    }
    s
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
fn like_escape(s: &str) -> String {
    crate::directory::like_escape(s)
}

/// Milliseconds of an RFC 3339 date-time.
fn instant(v: &Value) -> Option<i64> {
    let s = v.as_str()?;
    chrono::DateTime::parse_from_rfc3339(s)
        .ok()
        .map(|d| d.timestamp_millis())
}

fn int_value(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn bool_value(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

fn op_name(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => "eq",
        CompareOp::Ne => "ne",
        CompareOp::Co => "co",
        CompareOp::Sw => "sw",
        CompareOp::Ew => "ew",
        CompareOp::Gt => "gt",
        CompareOp::Ge => "ge",
        CompareOp::Lt => "lt",
        CompareOp::Le => "le",
    }
}

struct Builder<'a> {
    settings: &'a ScimSettings,
    postgres: bool,
    binds: Vec<Bind>,
    /// Group attributes instead of User ones.
    group: bool,
}

impl Builder<'_> {
    /// A placeholder for `b`; `$1` is the organization.
    fn bind(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len() + 1)
    }

    fn col(&self, p: &AttrPath) -> Result<Col, ScimError> {
        if self.group {
            return group_column(p).ok_or_else(|| {
                invalid_filter(format!(
                    "The attribute \"{}\" cannot be used in a filter here: only id, externalId, \
                     displayName, members.value, meta.created and meta.lastModified can.",
                    display(p)
                ))
            });
        }
        column(p, self.settings).ok_or_else(|| {
            invalid_filter(format!(
                "The attribute \"{}\" cannot be used in a filter here: only id, externalId, userName, \
                 name.givenName, name.familyName, displayName, title, active, emails, meta.created, \
                 meta.lastModified, the enterprise employeeNumber, department, division and manager, \
                 and the attributes mapped to site, birth year and level can.",
                display(p)
            ))
        })
    }

    fn cond(&mut self, f: &Filter, prefix: Option<&AttrPath>) -> Result<String, ScimError> {
        let resolve = |p: &AttrPath| match prefix {
            // Inside `emails[...]`, paths name sub-attributes of `emails`.
            Some(outer) => AttrPath {
                urn: outer.urn.clone(),
                attr: outer.attr.clone(),
                sub: Some(p.attr.clone()),
            },
            None => p.clone(),
        };
        Ok(match f {
            Filter::And(a, b) => {
                format!("({} AND {})", self.cond(a, prefix)?, self.cond(b, prefix)?)
            }
            Filter::Or(a, b) => format!("({} OR {})", self.cond(a, prefix)?, self.cond(b, prefix)?),
            // NULL (an unassigned attribute) is "does not match", so NOT of it matches.
            Filter::Not(a) => format!("(NOT COALESCE({}, FALSE))", self.cond(a, prefix)?),
            Filter::ValuePath { path, filter } => {
                if prefix.is_some() {
                    return Err(invalid_filter(
                        "Value filters ([...]) cannot be nested.".into(),
                    ));
                }
                self.cond(filter, Some(path))?
            }
            Filter::Present(p) => {
                let c = self.col(&resolve(p))?;
                if c.kind() == Kind::Member {
                    "EXISTS (SELECT 1 FROM sphere_members gm WHERE gm.sphere_id = s.id)".into()
                } else if c.always_present() {
                    "(1 = 1)".into()
                } else if matches!(c.kind(), Kind::Text { .. }) {
                    format!("({0} IS NOT NULL AND {0} <> '')", c.sql())
                } else {
                    format!("({} IS NOT NULL)", c.sql())
                }
            }
            Filter::Compare { path, op, value } => {
                let p = resolve(path);
                let c = self.col(&p)?;
                self.compare(c, &p, *op, value)?
            }
        })
    }

    fn compare(
        &mut self,
        c: Col,
        p: &AttrPath,
        op: CompareOp,
        value: &Value,
    ) -> Result<String, ScimError> {
        let col = c.sql();
        let unsupported = || {
            invalid_filter(format!(
                "The operator \"{}\" does not apply to \"{}\".",
                op_name(op),
                display(p)
            ))
        };
        let bad_value = |what: &str| {
            invalid_filter(format!(
                "\"{}\" is compared with {what}, not with {value}.",
                display(p)
            ))
        };
        let ordering = |op: CompareOp| match op {
            CompareOp::Gt => Some(">"),
            CompareOp::Ge => Some(">="),
            CompareOp::Lt => Some("<"),
            CompareOp::Le => Some("<="),
            _ => None,
        };
        match c.kind() {
            Kind::Member => {
                let s = value.as_str().ok_or_else(|| bad_value("a string"))?;
                let id = uuid::Uuid::parse_str(s.trim()).ok();
                let exists = |b: &mut Self, id| {
                    format!(
                        "EXISTS (SELECT 1 FROM sphere_members gm WHERE gm.sphere_id = s.id AND gm.user_id = {})",
                        b.bind(Bind::Uuid(id))
                    )
                };
                match (op, id) {
                    (CompareOp::Eq, Some(id)) => Ok(format!("({})", exists(self, id))),
                    (CompareOp::Eq, None) => Ok("(1 = 0)".into()),
                    (CompareOp::Ne, Some(id)) => Ok(format!("(NOT {})", exists(self, id))),
                    (CompareOp::Ne, None) => Ok("(1 = 1)".into()),
                    _ => Err(unsupported()),
                }
            }
            Kind::Bool => {
                let b = bool_value(value).ok_or_else(|| bad_value("true or false"))?;
                let want = match op {
                    CompareOp::Eq => b,
                    CompareOp::Ne => !b,
                    _ => return Err(unsupported()),
                };
                Ok(if want {
                    "(u.status <> 'deactivated')".into()
                } else {
                    "(u.status = 'deactivated')".into()
                })
            }
            Kind::Uuid => {
                let s = value.as_str().ok_or_else(|| bad_value("a string"))?;
                let id = uuid::Uuid::parse_str(s.trim()).ok();
                match (op, id) {
                    (CompareOp::Eq, Some(id)) => {
                        Ok(format!("({col} = {})", self.bind(Bind::Uuid(id))))
                    }
                    (CompareOp::Eq, None) => Ok("(1 = 0)".into()),
                    (CompareOp::Ne, Some(id)) => Ok(format!(
                        "({col} IS NULL OR {col} <> {})",
                        self.bind(Bind::Uuid(id))
                    )),
                    (CompareOp::Ne, None) => Ok("(1 = 1)".into()),
                    _ => Err(unsupported()),
                }
            }
            Kind::Int | Kind::Time => {
                let n = if c.kind() == Kind::Int {
                    int_value(value).ok_or_else(|| bad_value("a number"))?
                } else {
                    instant(value).ok_or_else(|| bad_value("an RFC 3339 date-time"))?
                };
                let ph = self.bind(Bind::Int(n));
                match op {
                    CompareOp::Eq => Ok(format!("({col} = {ph})")),
                    CompareOp::Ne => Ok(format!("({col} IS NULL OR {col} <> {ph})")),
                    o => ordering(o)
                        .map(|s| format!("({col} {s} {ph})"))
                        .ok_or_else(unsupported),
                }
            }
            Kind::Text { .. } | Kind::Key => {
                let s = value.as_str().ok_or_else(|| bad_value("a string"))?;
                let ci = matches!(c.kind(), Kind::Key | Kind::Text { ci: true });
                let lhs = match c.kind() {
                    Kind::Text { ci: true } => format!("lower({col})"),
                    _ => col.to_string(),
                };
                let v = if ci { s.to_lowercase() } else { s.to_string() };
                match op {
                    CompareOp::Eq => Ok(format!("({lhs} = {})", self.bind(Bind::Text(v)))),
                    CompareOp::Ne => Ok(format!(
                        "({col} IS NULL OR {lhs} <> {})",
                        self.bind(Bind::Text(v))
                    )),
                    CompareOp::Co | CompareOp::Sw | CompareOp::Ew if ci => {
                        let e = like_escape(&v);
                        let pattern = match op {
                            CompareOp::Co => format!("%{e}%"),
                            CompareOp::Sw => format!("{e}%"),
                            _ => format!("%{e}"),
                        };
                        Ok(format!(
                            "({lhs} LIKE {} ESCAPE '\\')",
                            self.bind(Bind::Text(pattern))
                        ))
                    }
                    // Case-exact substring tests without LIKE (SQLite's LIKE ignores ASCII case).
                    CompareOp::Co => {
                        let ph = self.bind(Bind::Text(v));
                        let f = if self.postgres { "strpos" } else { "instr" };
                        Ok(format!("({f}({col}, {ph}) > 0)"))
                    }
                    CompareOp::Sw => {
                        let ph = self.bind(Bind::Text(v));
                        Ok(format!(
                            "(substr({col}, 1, length(CAST({ph} AS TEXT))) = {ph})"
                        ))
                    }
                    CompareOp::Ew => {
                        let ph = self.bind(Bind::Text(v));
                        Ok(format!(
                            "(length({col}) >= length(CAST({ph} AS TEXT)) AND \
                             substr({col}, length({col}) - length(CAST({ph} AS TEXT)) + 1) = {ph})"
                        ))
                    }
                    o => {
                        let ph = self.bind(Bind::Text(v));
                        ordering(o)
                            .map(|s| format!("({lhs} {s} {ph})"))
                            .ok_or_else(unsupported)
                    }
                }
            }
        }
    }
}

impl UserQuery {
    /// Checks and translates a filter and sort. Attributes with no column are refused with
    /// `invalidFilter` (sortBy: `invalidValue`) rather than evaluated in memory, so every
    /// query stays one indexed SQL statement whatever the directory's size.
    pub fn build(
        filter: Option<&Filter>,
        sort_by: Option<&AttrPath>,
        descending: bool,
        offset: i64,
        limit: i64,
        settings: &ScimSettings,
        db: &Db,
    ) -> std::result::Result<UserQuery, ScimError> {
        let sort = sort_by.map(|p| (p, column(p, settings)));
        Self::translate(filter, sort, descending, offset, limit, settings, db, false)
    }

    /// The same translation for Groups (scim_groups.rs): id, externalId, displayName,
    /// members.value (membership test) and meta dates.
    pub fn build_groups(
        filter: Option<&Filter>,
        sort_by: Option<&AttrPath>,
        descending: bool,
        offset: i64,
        limit: i64,
        db: &Db,
    ) -> std::result::Result<UserQuery, ScimError> {
        let sort = sort_by.map(|p| (p, group_column(p).filter(|c| *c != Col::GroupMember)));
        let settings = ScimSettings::default();
        Self::translate(filter, sort, descending, offset, limit, &settings, db, true)
    }

    #[allow(clippy::too_many_arguments)]
    fn translate(
        filter: Option<&Filter>,
        sort: Option<(&AttrPath, Option<Col>)>,
        descending: bool,
        offset: i64,
        limit: i64,
        settings: &ScimSettings,
        db: &Db,
        group: bool,
    ) -> std::result::Result<UserQuery, ScimError> {
        let mut b = Builder {
            settings,
            postgres: db.backend() == crate::Backend::Postgres,
            binds: Vec::new(),
            group,
        };
        let where_sql = match filter {
            Some(f) => b.cond(f, None)?,
            None => "(1 = 1)".into(),
        };
        let (default_order, tie) = if group {
            ("g.created_at ASC, g.sphere_id ASC", "g.sphere_id ASC")
        } else {
            ("u.id ASC", "u.id ASC")
        };
        let dir = if descending { "DESC" } else { "ASC" };
        let order_sql = match sort {
            None => default_order.to_string(),
            Some((p, c)) => {
                let c = c.ok_or_else(|| {
                    ScimError::bad(
                        ScimType::InvalidValue,
                        format!("Results cannot be sorted by \"{}\".", display(p)),
                    )
                })?;
                let e = match c.kind() {
                    Kind::Text { ci: true } => format!("lower({})", c.sql()),
                    _ => c.sql().to_string(),
                };
                // RFC 7644 §3.4.2.3: unassigned values last when ascending, first when descending.
                format!("({} IS NULL) {dir}, {e} {dir}, {tie}", c.sql())
            }
        };
        Ok(UserQuery {
            where_sql,
            order_sql,
            binds: b.binds,
            offset: offset.max(0),
            limit: limit.max(0),
        })
    }
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(n) => q.bind(*n),
                Bind::Uuid(id) => q.bind(*id),
            };
        }
        q
    }};
}

fn unique_error(e: sqlx::Error) -> StoreError {
    if let sqlx::Error::Database(d) = &e
        && d.is_unique_violation()
    {
        let on_user_name = d.constraint() == Some("users_scim_user_name")
            || d.message().contains("users_scim_user_name");
        return StoreError::Conflict(if on_user_name { "userName" } else { "email" });
    }
    StoreError::Sqlx(e)
}

impl Db {
    // ---------------------------------------------------------------- tokens

    /// Stores a new token (its hash only) for `org_id`.
    pub async fn scim_create_token(
        &self,
        org_id: OrgId,
        name: &str,
        token_hash: &str,
        created_by: Option<UserId>,
        effects_of: impl FnOnce(&ScimToken) -> crate::Effects,
    ) -> Result<ScimToken> {
        let t = ScimToken {
            id: new_id(),
            name: name.to_string(),
            created_at: now_ms(),
            last_used_at: None,
            revoked_at: None,
        };
        let effects = effects_of(&t);
        crate::outbox::one_row_with_effects!(self, sqlx::query(
            "INSERT INTO scim_tokens (id, org_id, name, token_hash, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(t.id).bind(org_id).bind(&t.name).bind(token_hash).bind(created_by).bind(t.created_at), &effects)?;
        Ok(t)
    }

    pub async fn scim_tokens(&self, org_id: OrgId) -> Result<Vec<ScimToken>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, name, created_at, last_used_at, revoked_at FROM scim_tokens WHERE org_id = $1 \
             ORDER BY revoked_at IS NOT NULL, created_at DESC")
            .bind(org_id).fetch_all(p).await)?)
    }

    /// Revokes a live token of `org_id`; the token's name when it was revoked now.
    /// Revokes a live token with what it causes (`effects_of` its name); `None` when there
    /// is no such live token (nothing written).
    pub async fn scim_revoke_token(
        &self,
        org_id: OrgId,
        id: Id,
        effects_of: &(dyn Fn(&str) -> crate::Effects + Sync),
    ) -> Result<Option<String>> {
        let now = now_ms();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let name: Option<String> = sqlx::query_scalar(
                "UPDATE scim_tokens SET revoked_at = $3 WHERE id = $1 AND org_id = $2 AND revoked_at IS NULL RETURNING name")
                .bind(id).bind(org_id).bind(now).fetch_optional(&mut *tx).await?;
            if let Some(name) = &name {
                crate::outbox::write_effects!(tx, &effects_of(name), now);
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(name)
        })?)
    }

    /// The (token id, organization) of a live token, recording its use.
    pub async fn scim_token_org(&self, token_hash: &str) -> Result<Option<(Id, OrgId)>> {
        let row: Option<(Id, OrgId, Option<i64>)> = with_pool!(self, p => sqlx::query_as(
            "SELECT id, org_id, last_used_at FROM scim_tokens WHERE token_hash = $1 AND revoked_at IS NULL")
            .bind(token_hash).fetch_optional(p).await)?;
        let Some((id, org, last)) = row else {
            return Ok(None);
        };
        let now = now_ms();
        if last.is_none_or(|t| now - t > TOUCH_GAP_MS) {
            with_writer!(self, p => sqlx::query("UPDATE scim_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        }
        Ok(Some((id, org)))
    }

    // ---------------------------------------------------------------- settings

    pub async fn scim_settings(&self, org_id: OrgId) -> Result<ScimSettings> {
        let row: Option<(String, String, String, String, bool)> = with_pool!(self, p => sqlx::query_as(
            "SELECT site_source, birth_year_source, level_source, group_kind, send_invitations \
             FROM scim_settings WHERE org_id = $1")
            .bind(org_id).fetch_optional(p).await)?;
        Ok(row
            .map(|(s, b, l, g, i)| ScimSettings {
                site_source: s,
                birth_year_source: b,
                level_source: l,
                group_kind: g,
                send_invitations: i,
            })
            .unwrap_or_default())
    }

    pub async fn set_scim_settings(
        &self,
        org_id: OrgId,
        s: &ScimSettings,
        effects: &crate::Effects,
    ) -> Result<()> {
        crate::outbox::one_row_with_effects!(self, sqlx::query(
            "INSERT INTO scim_settings (org_id, site_source, birth_year_source, level_source, group_kind, send_invitations, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (org_id) DO UPDATE SET site_source = excluded.site_source, \
             birth_year_source = excluded.birth_year_source, level_source = excluded.level_source, \
             group_kind = excluded.group_kind, send_invitations = excluded.send_invitations, updated_at = excluded.updated_at")
            .bind(org_id).bind(&s.site_source).bind(&s.birth_year_source).bind(&s.level_source)
            .bind(&s.group_kind).bind(s.send_invitations).bind(now_ms()), effects)?;
        Ok(())
    }

    // ---------------------------------------------------------------- users

    /// A member of `org_id` as SCIM sees it; erased accounts read as absent. Looked up by
    /// primary key alone and the organization checked here: with `org_id` in the WHERE clause,
    /// PostgreSQL on stale statistics walked an (org_id, …) index over the whole organization.
    pub async fn scim_user(&self, org_id: OrgId, id: UserId) -> Result<Option<ScimUser>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, {SCIM_USER_COLUMNS} FROM users u \
             WHERE u.id = $1 AND u.erased_at IS NULL"
        );
        let user: Option<ScimUser> = with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(id).fetch_optional(p).await)?;
        Ok(user.filter(|u| u.user.org_id == org_id))
    }

    /// Whether `id` is a live member of `org_id` (manager references).
    pub async fn scim_user_exists(&self, org_id: OrgId, id: UserId) -> Result<bool> {
        // By primary key alone, as in `scim_user`.
        let org: Option<OrgId> = with_pool!(self, p => sqlx::query_scalar(
            "SELECT org_id FROM users WHERE id = $1 AND erased_at IS NULL")
            .bind(id).fetch_optional(p).await)?;
        Ok(org == Some(org_id))
    }

    /// One page of members matching `q`, with the total count.
    pub async fn scim_list_users(
        &self,
        org_id: OrgId,
        q: &UserQuery,
    ) -> Result<(i64, Vec<ScimUser>)> {
        let from = format!(
            "FROM users u WHERE u.org_id = $1 AND u.erased_at IS NULL AND {}",
            q.where_sql
        );
        self.scim_page(
            &format!("{USER_COLUMNS}, {SCIM_USER_COLUMNS}"),
            &from,
            org_id,
            q,
        )
        .await
    }

    /// The total of `from`'s rows (`$1` the organization, then `q`'s parameters) and the
    /// page `q` asks for, in its order.
    pub(crate) async fn scim_page<T>(
        &self,
        columns: &str,
        from: &str,
        org_id: OrgId,
        q: &UserQuery,
    ) -> Result<(i64, Vec<T>)>
    where
        T: Send + Unpin,
        T: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>,
        T: for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>,
    {
        let count_sql = format!("SELECT COUNT(*) {from}");
        let total: i64 = with_pool!(self, p => {
            let query = bind_all!(sqlx::query_scalar(AssertSqlSafe(count_sql)).bind(org_id), &q.binds);
            query.fetch_one(p).await
        })?;
        if q.limit == 0 || q.offset >= total {
            return Ok((total, Vec::new()));
        }
        let n = q.binds.len();
        let page_sql = format!(
            "SELECT {columns} {from} ORDER BY {} LIMIT ${} OFFSET ${}",
            q.order_sql,
            n + 2,
            n + 3
        );
        let rows: Vec<T> = with_pool!(self, p => {
            let query = bind_all!(sqlx::query_as(AssertSqlSafe(page_sql)).bind(org_id), &q.binds);
            query.bind(q.limit).bind(q.offset).fetch_all(p).await
        })?;
        Ok((total, rows))
    }

    /// Creates an invited member from SCIM. `Conflict("userName")` or `Conflict("email")`
    /// when either is taken.
    pub async fn scim_create_user(
        &self,
        org_id: OrgId,
        id: UserId,
        w: &ScimUserWrite,
        effects: &crate::Effects,
    ) -> Result<()> {
        let now = now_ms();
        let status = if w.active { "invited" } else { "deactivated" };
        with_writer!(self, p => async {
            let mut tx = p.begin_write().await?;
            sqlx::query(
            "INSERT INTO users (id, org_id, email, display_name, first_name, last_name, title, department, site, \
             birth_year, level, manager_id, employee_id, org_role, status, created_at, scim_user_name, scim_user_key, \
             scim_external_id, scim_division, scim_extra, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'member', $14, $15, $16, $17, $18, $19, $20, $15)")
            .bind(id).bind(org_id).bind(&w.email).bind(&w.display_name).bind(&w.first_name).bind(&w.last_name)
            .bind(&w.title).bind(&w.department).bind(&w.site).bind(w.birth_year).bind(&w.level).bind(w.manager_id)
            .bind(&w.employee_id).bind(status).bind(now).bind(&w.user_name).bind(w.user_name.to_lowercase())
            .bind(&w.external_id).bind(&w.division).bind(&w.extra)
            .execute(&mut *tx).await?;
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await
        }.await).map_err(unique_error)
    }

    /// Replaces the SCIM-managed fields of a member in one transaction. Deactivation ends
    /// the member's sessions and API tokens; reactivation restores invited or active.
    /// `None` when the member is not (or no longer) in `org_id`.
    pub async fn scim_update_user(
        &self,
        org_id: OrgId,
        id: UserId,
        w: &ScimUserWrite,
        effects_of: &(dyn Fn(ActiveChange) -> crate::Effects + Sync),
    ) -> Result<Option<ActiveChange>> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            // By primary key alone, as in `scim_user`; the organization is checked here.
            let row: Option<(UserStatus, OrgId)> = sqlx::query_as(
                "SELECT status, org_id FROM users WHERE id = $1 AND erased_at IS NULL")
                .bind(id).fetch_optional(&mut *tx).await?;
            let Some((status, _)) = row.filter(|(_, org)| *org == org_id) else {
                return Ok(None);
            };
            sqlx::query(
                "UPDATE users SET email = $2, display_name = $3, first_name = $4, last_name = $5, title = $6, \
                 department = $7, site = $8, birth_year = $9, level = $10, manager_id = $11, employee_id = $12, \
                 scim_user_name = $13, scim_user_key = $14, scim_external_id = $15, scim_division = $16, \
                 scim_extra = $17, updated_at = $18 WHERE id = $1")
                .bind(id).bind(&w.email).bind(&w.display_name).bind(&w.first_name).bind(&w.last_name)
                .bind(&w.title).bind(&w.department).bind(&w.site).bind(w.birth_year).bind(&w.level)
                .bind(w.manager_id).bind(&w.employee_id).bind(&w.user_name).bind(w.user_name.to_lowercase())
                .bind(&w.external_id).bind(&w.division).bind(&w.extra).bind(now)
                .execute(&mut *tx).await.map_err(unique_error)?;
            let change = match (status == UserStatus::Deactivated, w.active) {
                (false, false) => {
                    change_member!(tx, Some(org_id), id, Change::Deactivate).map_err(refused)?;
                    ActiveChange::Deactivated
                }
                (true, true) => {
                    change_member!(tx, Some(org_id), id, Change::Reactivate).map_err(refused)?;
                    ActiveChange::Reactivated
                }
                _ => ActiveChange::None,
            };
            crate::outbox::write_effects!(tx, &effects_of(change), now);
            tx.commit().await?;
            Ok::<_, StoreError>(Some(change))
        })
    }
}
