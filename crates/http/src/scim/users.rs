//! /Users: directory members of the token's organization as SCIM User resources.
//!
//! - Every live member of the organization is a User (userName = their e-mail unless SCIM
//!   gave one), so an identity provider matching on `userName eq` finds existing accounts.
//! - Created users are invited members, like the CSV import's: they activate on first
//!   sign-in. The invitation e-mail is sent only when the organization's SCIM settings ask
//!   for it (off by default: the identity provider usually signs people in); the
//!   `member.invited` webhook fires either way.
//! - PATCH renders the stored resource, applies the operations (domain `patch::apply`) and
//!   then takes the PUT path, so both validate and write alike.
//! - DELETE erases the account with the organization's GDPR erasure policy (the same code as
//!   the manager's "erase"): the resource is gone (404 afterwards) and personal data with it.
//!   Identity providers that only want to suspend someone send `active: false` instead.
use super::{
    MAX_RESULTS, ScimCaller, ScimErr, ScimJson, ScimResult, base_url, json, method_not_allowed,
};
use crate::i18n::Lang;
use crate::service::membership_rules::follow_directory;
use crate::state::{AppState, WebState};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use embarq_domain::scim::{
    AttrPath, EMBARQ_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, Filter, LIST_RESPONSE, ResourceSchema,
    ScimError, ScimType, USER_SCHEMA, filter, patch, path, projection, schemas,
};
use embarq_domain::validate::{self, NAME_MAX, SHORT_TEXT_MAX};
use embarq_domain::{Id, UserId, new_id};
use embarq_store::RuleScope;
use embarq_store::scim::{ActiveChange, ScimSettings, ScimUser, ScimUserWrite, UserQuery};
use serde_json::{Map, Value, json};

/// Longest userName and externalId accepted.
const ID_MAX: usize = 256;
/// Most e-mail addresses kept for one user.
const EMAILS_MAX: usize = 20;
/// Domain of the placeholder address of a user provisioned without any e-mail (RFC 2606:
/// `.invalid` never resolves, so nothing is ever sent there).
const PLACEHOLDER_DOMAIN: &str = "@scim.invalid";

pub fn router() -> Router<WebState> {
    Router::new()
        .route(
            "/Users",
            get(list).post(create).fallback(method_not_allowed),
        )
        .route("/Users/.search", post(search).fallback(method_not_allowed))
        .route(
            "/Users/{id}",
            get(read)
                .put(replace)
                .patch(modify)
                .delete(remove)
                .fallback(method_not_allowed),
        )
}

pub use crate::service::scim_admin::settings_sources;

fn not_found() -> ScimErr {
    ScimErr(ScimError::not_found("No such user."))
}

fn parse_id(id: &str) -> ScimResult<Id> {
    uuid::Uuid::parse_str(id).map_err(|_| not_found())
}

fn invalid(detail: impl Into<String>) -> ScimErr {
    ScimErr(ScimError::bad(ScimType::InvalidValue, detail))
}

fn rfc3339(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

fn extra_of(u: &ScimUser) -> Option<Map<String, Value>> {
    u.scim_extra
        .as_deref()
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .and_then(|v| match v {
            Value::Object(m) => Some(m),
            _ => None,
        })
}

/// The full SCIM resource of a member (before projection).
pub fn render(u: &ScimUser, base: &str) -> Value {
    let m = &u.user;
    let extra = extra_of(u);
    let mut r = Map::new();
    r.insert("id".into(), json!(m.id.to_string()));
    if let Some(x) = &u.scim_external_id {
        r.insert("externalId".into(), json!(x));
    }
    r.insert(
        "userName".into(),
        json!(u.scim_user_name.as_deref().unwrap_or(&m.email)),
    );
    let mut name = Map::new();
    if let Some(g) = &m.first_name {
        name.insert("givenName".into(), json!(g));
    }
    if let Some(f) = &m.last_name {
        name.insert("familyName".into(), json!(f));
    }
    if !name.is_empty() {
        r.insert("name".into(), Value::Object(name));
    }
    // Attributes kept in `scim_extra` are returned only when assigned; members never
    // provisioned by SCIM show what the directory has.
    let assigned = |k: &str| extra.as_ref().is_none_or(|e| e.contains_key(k));
    if assigned("displayName") {
        r.insert("displayName".into(), json!(m.display_name));
    }
    if let Some(t) = &m.title {
        r.insert("title".into(), json!(t));
    }
    let deactivated = m.status == embarq_domain::UserStatus::Deactivated;
    if deactivated || assigned("active") {
        r.insert("active".into(), json!(!deactivated));
    }
    match extra.as_ref() {
        None if !m.email.ends_with(PLACEHOLDER_DOMAIN) => {
            r.insert(
                "emails".into(),
                json!([{"value": m.email, "type": "work", "primary": true}]),
            );
        }
        Some(e) => {
            if let Some(emails) = e
                .get("emails")
                .filter(|v| v.as_array().is_some_and(|a| !a.is_empty()))
            {
                r.insert("emails".into(), emails.clone());
            }
        }
        None => {}
    }
    let mut schemas = vec![json!(USER_SCHEMA)];
    let mut ent = Map::new();
    if let Some(v) = &m.employee_id {
        ent.insert("employeeNumber".into(), json!(v));
    }
    if let Some(v) = &m.department {
        ent.insert("department".into(), json!(v));
    }
    if let Some(v) = &u.scim_division {
        ent.insert("division".into(), json!(v));
    }
    if let Some(mid) = m.manager_id {
        ent.insert(
            "manager".into(),
            json!({"value": mid.to_string(), "$ref": format!("{base}/Users/{mid}")}),
        );
    }
    if !ent.is_empty() {
        schemas.push(json!(ENTERPRISE_USER_SCHEMA));
        r.insert(ENTERPRISE_USER_SCHEMA.into(), Value::Object(ent));
    }
    let embarq = match extra.as_ref() {
        Some(e) => e
            .get("embarq")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default(),
        None => {
            let mut x = Map::new();
            if let Some(v) = &m.site {
                x.insert("site".into(), json!(v));
            }
            if let Some(v) = m.birth_year {
                x.insert("birthYear".into(), json!(v));
            }
            if let Some(v) = &m.level {
                x.insert("level".into(), json!(v));
            }
            x
        }
    };
    if !embarq.is_empty() {
        schemas.push(json!(EMBARQ_USER_SCHEMA));
        r.insert(EMBARQ_USER_SCHEMA.into(), Value::Object(embarq));
    }
    r.insert("schemas".into(), Value::Array(schemas));
    r.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": rfc3339(m.created_at),
            "lastModified": rfc3339(u.updated_at),
            "location": format!("{base}/Users/{}", m.id),
        }),
    );
    Value::Object(r)
}

// ------------------------------------------------------------------ reading input

fn attr<'a>(res: &'a Value, p: &str, schema: &ResourceSchema) -> Option<&'a Value> {
    let p = AttrPath::parse(p).ok()?;
    path::get(res, &p, schema).filter(|v| !v.is_null())
}

/// An optional string attribute (numbers are accepted as their text), at most `max` chars.
fn text(res: &Value, p: &str, max: usize, schema: &ResourceSchema) -> ScimResult<Option<String>> {
    let v = match attr(res, p, schema) {
        None => return Ok(None),
        Some(Value::String(s)) => s.trim().to_string(),
        Some(Value::Number(n)) => n.to_string(),
        Some(_) => return Err(invalid(format!("\"{p}\" must be a string."))),
    };
    if v.is_empty() {
        return Ok(None);
    }
    if v.chars().count() > max {
        return Err(invalid(format!("\"{p}\" is longer than {max} characters.")));
    }
    if v.chars().any(char::is_control) {
        return Err(invalid(format!("\"{p}\" contains control characters.")));
    }
    Ok(Some(v))
}

/// A boolean, leniently: Azure AD sends "True" / "False" strings.
fn boolean(v: &Value, what: &str) -> ScimResult<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::String(s) if s.trim().eq_ignore_ascii_case("true") => Ok(true),
        Value::String(s) if s.trim().eq_ignore_ascii_case("false") => Ok(false),
        _ => Err(invalid(format!("\"{what}\" must be true or false."))),
    }
}

/// The value of a mapping source as text (site, level).
fn source_text(res: &Value, source: &str, schema: &ResourceSchema) -> Option<String> {
    match attr(res, source, schema)? {
        Value::String(s) => Some(s.trim().chars().take(SHORT_TEXT_MAX).collect::<String>()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
    .filter(|s| !s.is_empty())
}

fn source_year(res: &Value, source: &str, schema: &ResourceSchema) -> Option<i64> {
    let y = match attr(res, source, schema)? {
        Value::Number(n) => n.as_i64()?,
        Value::String(s) => s.trim().parse().ok()?,
        _ => return None,
    };
    (1900..=crate::service::current_year())
        .contains(&y)
        .then_some(y)
}

/// Validated e-mails as they will be returned, and the address for the directory column.
fn emails(
    res: &Value,
    schema: &ResourceSchema,
) -> ScimResult<Option<(Vec<Value>, Option<String>)>> {
    let list = match attr(res, "emails", schema) {
        None => return Ok(None),
        Some(Value::Array(a)) => a.clone(),
        Some(o @ Value::Object(_)) => vec![o.clone()],
        Some(_) => return Err(invalid("\"emails\" must be a list of e-mail objects.")),
    };
    if list.len() > EMAILS_MAX {
        return Err(invalid(format!("At most {EMAILS_MAX} e-mails are kept.")));
    }
    let mut out = Vec::new();
    let mut primary = None;
    let mut first = None;
    for e in &list {
        let obj = e
            .as_object()
            .ok_or_else(|| invalid("Each of \"emails\" must be an object with a \"value\"."))?;
        let field = |n: &str| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v)
                .filter(|v| !v.is_null())
        };
        let value = match field("value") {
            Some(Value::String(s)) => s.trim().to_string(),
            None => continue,
            Some(_) => return Err(invalid("\"emails.value\" must be a string.")),
        };
        let normalized = validate::email("email", &value)
            .map_err(|_| invalid(format!("\"{value}\" is not a valid e-mail address.")))?;
        let mut item = Map::new();
        item.insert("value".into(), json!(value));
        if let Some(t) = field("type") {
            let t = t
                .as_str()
                .ok_or_else(|| invalid("\"emails.type\" must be a string."))?;
            item.insert("type".into(), json!(t));
        }
        let is_primary = match field("primary") {
            Some(p) => {
                let b = boolean(p, "emails.primary")?;
                item.insert("primary".into(), json!(b));
                b
            }
            None => false,
        };
        if is_primary && primary.is_none() {
            primary = Some(normalized.clone());
        }
        first.get_or_insert(normalized);
        out.push(Value::Object(item));
    }
    Ok(Some((out, primary.or(first))))
}

/// Checks a full User resource (POST, PUT, or the result of a PATCH) and maps it to the
/// directory. `current` is the stored member when replacing.
async fn ingest(
    state: &AppState,
    caller: &ScimCaller,
    res: &Value,
    current: Option<&ScimUser>,
    settings: &ScimSettings,
) -> ScimResult<ScimUserWrite> {
    let schema = schemas::user();
    let s = &schema;
    if !res.is_object() {
        return Err(ScimErr(ScimError::bad(
            ScimType::InvalidSyntax,
            "A User resource must be a JSON object.",
        )));
    }
    let user_name = text(res, "userName", ID_MAX, s)?.ok_or_else(|| {
        ScimErr(ScimError::bad(
            ScimType::InvalidValue,
            "\"userName\" is required.",
        ))
    })?;
    // Complex attributes must be objects (a string "name" is a client bug, not a name).
    for p in ["name", ENTERPRISE_USER_SCHEMA, EMBARQ_USER_SCHEMA] {
        if let Some(v) = res.get(p).filter(|v| !v.is_null() && !v.is_object()) {
            return Err(invalid(format!("\"{p}\" must be an object, not {v}.")));
        }
    }
    let external_id = text(res, "externalId", ID_MAX, s)?;
    let first_name = text(res, "name.givenName", NAME_MAX, s)?;
    let last_name = text(res, "name.familyName", NAME_MAX, s)?;
    let display = text(res, "displayName", NAME_MAX, s)?;
    let title = text(res, "title", SHORT_TEXT_MAX, s)?;
    let ent = |a: &str| format!("{ENTERPRISE_USER_SCHEMA}:{a}");
    let employee_id = text(res, &ent("employeeNumber"), SHORT_TEXT_MAX, s)?;
    let department = text(res, &ent("department"), SHORT_TEXT_MAX, s)?;
    let division = text(res, &ent("division"), SHORT_TEXT_MAX, s)?;
    let active = match attr(res, "active", s) {
        Some(v) => Some(boolean(v, "active")?),
        None => None,
    };
    // The manager: `value` (or the last segment of `$ref`; Azure sends a bare string).
    let manager = match attr(res, &ent("manager"), s) {
        None => None,
        Some(Value::String(v)) => Some(v.trim().to_string()),
        Some(Value::Object(o)) => {
            let field = |n: &str| {
                o.iter()
                    .find(|(k, _)| k.eq_ignore_ascii_case(n))
                    .and_then(|(_, v)| v.as_str())
            };
            field("value").map(str::to_string).or_else(|| {
                field("$ref")
                    .and_then(|r| r.rsplit('/').next())
                    .map(str::to_string)
            })
        }
        Some(_) => return Err(invalid("\"manager\" must be an object with a \"value\".")),
    }
    .filter(|v| !v.is_empty());
    let manager_id = match manager {
        None => None,
        Some(v) => {
            let id = uuid::Uuid::parse_str(&v)
                .map(UserId)
                .ok()
                .filter(|id| current.is_none_or(|c| c.user.id != *id));
            match id {
                Some(id) if state.db.scim_user_exists(caller.org_id, id).await? => Some(id),
                _ => {
                    return Err(invalid(format!(
                        "The manager \"{v}\" is not another user of this organization."
                    )));
                }
            }
        }
    };
    let emails = emails(res, s)?;
    let email = match emails.as_ref().and_then(|(_, e)| e.clone()) {
        Some(e) => e,
        None => match validate::email("userName", &user_name) {
            Ok(e) if emails.is_none() => e,
            // Keep the address the member signs in with; a new user with no address at all
            // gets a placeholder that never receives mail.
            _ => match current {
                Some(c) => c.user.email.clone(),
                None => format!("scim-{}{PLACEHOLDER_DOMAIN}", new_id().simple()),
            },
        },
    };
    // The embarq extension, kept as sent.
    let mut embarq = Map::new();
    for a in ["site", "birthYear", "level"] {
        let v = attr(res, &format!("{EMBARQ_USER_SCHEMA}:{a}"), s);
        match (a, v) {
            (_, None) => {}
            ("birthYear", Some(v)) => {
                let n = match v {
                    Value::Number(n) if n.is_i64() => n.clone(),
                    Value::String(t) => t
                        .trim()
                        .parse::<i64>()
                        .map(serde_json::Number::from)
                        .map_err(|_| invalid("\"birthYear\" must be an integer."))?,
                    _ => return Err(invalid("\"birthYear\" must be an integer.")),
                };
                embarq.insert(a.into(), Value::Number(n));
            }
            (_, Some(_)) => {
                if let Some(t) = text(res, &format!("{EMBARQ_USER_SCHEMA}:{a}"), SHORT_TEXT_MAX, s)?
                {
                    embarq.insert(a.into(), json!(t));
                }
            }
        }
    }
    // Directory fields fed by the mapping; a field with no source keeps its value.
    let keep = |f: fn(&ScimUser) -> Option<String>| current.and_then(f);
    let site = match settings.site_source.trim() {
        "" => keep(|c| c.user.site.clone()),
        src => source_text(res, src, s),
    };
    let level = match settings.level_source.trim() {
        "" => keep(|c| c.user.level.clone()),
        src => source_text(res, src, s),
    };
    let birth_year = match settings.birth_year_source.trim() {
        "" => current.and_then(|c| c.user.birth_year),
        src => source_year(res, src, s),
    };
    let mut extra = Map::new();
    if display.is_some() {
        extra.insert("displayName".into(), json!(true));
    }
    if let Some(a) = active {
        extra.insert("active".into(), json!(a));
    }
    if let Some((list, _)) = &emails {
        extra.insert("emails".into(), Value::Array(list.clone()));
    }
    if !embarq.is_empty() {
        extra.insert("embarq".into(), Value::Object(embarq));
    }
    let display_name = display.unwrap_or_else(|| {
        let full = [first_name.as_deref(), last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let name = if full.is_empty() {
            user_name.clone()
        } else {
            full
        };
        name.chars().take(NAME_MAX).collect()
    });
    Ok(ScimUserWrite {
        user_name,
        external_id,
        email,
        display_name,
        first_name,
        last_name,
        title,
        department,
        employee_id,
        manager_id,
        site,
        birth_year,
        level,
        division,
        extra: Value::Object(extra).to_string(),
        active: active.unwrap_or(true),
    })
}

// ------------------------------------------------------------------ projection parameters

/// `attributes` / `excludedAttributes` of a request.
#[derive(Default)]
struct Shape {
    attributes: Vec<AttrPath>,
    excluded: Vec<AttrPath>,
}

fn paths(list: &str) -> ScimResult<Vec<AttrPath>> {
    AttrPath::parse_list(list).map_err(ScimErr)
}

fn param<'a>(q: &'a [(String, String)], name: &str) -> Option<&'a str> {
    q.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn shape_of(q: &[(String, String)]) -> ScimResult<Shape> {
    Ok(Shape {
        attributes: param(q, "attributes")
            .map(paths)
            .transpose()?
            .unwrap_or_default(),
        excluded: param(q, "excludedAttributes")
            .map(paths)
            .transpose()?
            .unwrap_or_default(),
    })
}

fn shaped(mut r: Value, shape: &Shape) -> Value {
    if !shape.attributes.is_empty() || !shape.excluded.is_empty() {
        projection::project(&mut r, &shape.attributes, &shape.excluded, &schemas::user());
    }
    r
}

fn resource(status: StatusCode, u: &ScimUser, base: &str, shape: &Shape) -> Response {
    let mut res = json(status, shaped(render(u, base), shape));
    if status == StatusCode::CREATED
        && let Ok(v) = HeaderValue::from_str(&format!("{base}/Users/{}", u.user.id))
    {
        res.headers_mut().insert(header::LOCATION, v);
    }
    res
}

// ------------------------------------------------------------------ handlers

async fn load(state: &AppState, caller: &ScimCaller, id: &str) -> ScimResult<ScimUser> {
    state
        .db
        .scim_user(caller.org_id, UserId(parse_id(id)?))
        .await?
        .ok_or_else(not_found)
}

async fn read(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
) -> ScimResult {
    let shape = shape_of(&q)?;
    let u = load(&state, &caller, &id).await?;
    Ok(resource(StatusCode::OK, &u, &base_url(&state), &shape))
}

async fn create(
    State(state): State<AppState>,
    caller: ScimCaller,
    Query(q): Query<Vec<(String, String)>>,
    ScimJson(body): ScimJson,
) -> ScimResult {
    let shape = shape_of(&q)?;
    let settings = state.db.scim_settings(caller.org_id).await?;
    let w = ingest(&state, &caller, &body, None, &settings).await?;
    let id = UserId::generate();
    // `member.invited` is written with the person.
    let effects = if w.active {
        crate::service::webhooks::member_event_of(
            caller.org_id,
            id,
            &w.email,
            &w.display_name,
            "member.invited",
        )
    } else {
        embarq_store::Effects::default()
    };
    state
        .db
        .scim_create_user(caller.org_id, id, &w, &effects)
        .await?;
    crate::outbox::written(&state, &effects);
    follow_directory(&state, caller.org_id, RuleScope::Person(id)).await;
    let u = state
        .db
        .scim_user(caller.org_id, id)
        .await?
        .ok_or_else(not_found)?;
    if w.active && settings.send_invitations && !w.email.ends_with(PLACEHOLDER_DOMAIN) {
        invite(&state, &u).await?;
    }
    Ok(resource(StatusCode::CREATED, &u, &base_url(&state), &shape))
}

/// The invitation e-mail, when the organization's rollout plan lets this member in now.
async fn invite(state: &AppState, u: &ScimUser) -> ScimResult<()> {
    let org = state
        .db
        .organization(u.user.org_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    if crate::service::rollout::invitation_due_now(state, &u.user).await? {
        let lang = Lang::of(u.user.locale.as_deref());
        crate::service::accounts::send_invitation(state, &u.user, &org, lang, Default::default())
            .await?;
    }
    Ok(())
}

async fn replace(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
    ScimJson(body): ScimJson,
) -> ScimResult {
    let shape = shape_of(&q)?;
    let current = load(&state, &caller, &id).await?;
    write(&state, &caller, current, &body, &shape).await
}

async fn modify(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    Query(q): Query<Vec<(String, String)>>,
    ScimJson(body): ScimJson,
) -> ScimResult {
    let shape = shape_of(&q)?;
    let ops = patch::parse_request(&body)?;
    let current = load(&state, &caller, &id).await?;
    let mut r = render(&current, &base_url(&state));
    patch::apply(&mut r, &ops, &schemas::user())?;
    write(&state, &caller, current, &r, &shape).await
}

/// The PUT path, shared by PATCH: validate, write in one transaction, report.
async fn write(
    state: &AppState,
    caller: &ScimCaller,
    current: ScimUser,
    body: &Value,
    shape: &Shape,
) -> ScimResult {
    let id = current.user.id;
    // The caller cannot lock the organization out: the store keeps its last active
    // manager active (403).
    let settings = state.db.scim_settings(caller.org_id).await?;
    let w = ingest(state, caller, body, Some(&current), &settings).await?;
    // A change of status is audited with it.
    let audit = |change: ActiveChange| {
        let action = match change {
            ActiveChange::None => return Default::default(),
            ActiveChange::Deactivated => "scim.user_deactivated",
            ActiveChange::Reactivated => "scim.user_reactivated",
        };
        crate::service::admin_audit::record(
            crate::service::admin_audit::Admin {
                org_id: caller.org_id,
                actor_id: None,
                action,
                target_kind: "user",
                target_id: Some(id.into()),
                sphere_id: None,
            },
            json!({"via": "scim", "token_id": caller.token_id, "name": w.display_name, "email": w.email}),
        )
    };
    state
        .db
        .scim_update_user(caller.org_id, id, &w, &audit)
        .await?
        .ok_or_else(not_found)?;
    follow_directory(state, caller.org_id, RuleScope::Person(id)).await;
    let u = state
        .db
        .scim_user(caller.org_id, id)
        .await?
        .ok_or_else(not_found)?;
    Ok(resource(StatusCode::OK, &u, &base_url(state), shape))
}

async fn remove(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
) -> ScimResult {
    let u = load(&state, &caller, &id).await?;
    let mode = state.db.gdpr_settings(caller.org_id).await?.erase_mode;
    crate::service::gdpr::erase_as(&state, caller.org_id, u.user.id, mode, None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

// ------------------------------------------------------------------ lists

struct ListParams {
    filter: Option<Filter>,
    sort_by: Option<AttrPath>,
    descending: bool,
    start_index: i64,
    count: i64,
    shape: Shape,
}

fn list_params(
    filter_text: Option<&str>,
    sort_by: Option<&str>,
    sort_order: Option<&str>,
    start_index: Option<i64>,
    count: Option<i64>,
    shape: Shape,
) -> ScimResult<ListParams> {
    let filter = match filter_text.map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => Some(filter::parse(f)?),
        None => None,
    };
    let sort_by = match sort_by.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Some(AttrPath::parse(s).map_err(|e| invalid(e.detail))?),
        None => None,
    };
    let descending = match sort_order.map(|s| s.trim().to_ascii_lowercase()) {
        None => false,
        Some(o) if o.is_empty() || o == "ascending" => false,
        Some(o) if o == "descending" => true,
        Some(o) => {
            return Err(invalid(format!(
                "sortOrder must be \"ascending\" or \"descending\", not \"{o}\"."
            )));
        }
    };
    Ok(ListParams {
        filter,
        sort_by,
        descending,
        // RFC 7644 §3.4.2.4: below 1 means 1; a negative count means 0.
        start_index: start_index.unwrap_or(1).max(1),
        count: count
            .unwrap_or(MAX_RESULTS as i64)
            .clamp(0, MAX_RESULTS as i64),
        shape,
    })
}

fn int_param(q: &[(String, String)], name: &str) -> ScimResult<Option<i64>> {
    param(q, name)
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| invalid(format!("\"{name}\" must be an integer.")))
        })
        .transpose()
}

async fn list(
    State(state): State<AppState>,
    caller: ScimCaller,
    Query(q): Query<Vec<(String, String)>>,
) -> ScimResult {
    let p = list_params(
        param(&q, "filter"),
        param(&q, "sortBy"),
        param(&q, "sortOrder"),
        int_param(&q, "startIndex")?,
        int_param(&q, "count")?,
        shape_of(&q)?,
    )?;
    Ok(json(StatusCode::OK, list_page(&state, &caller, p).await?))
}

async fn search(
    State(state): State<AppState>,
    caller: ScimCaller,
    ScimJson(body): ScimJson,
) -> ScimResult {
    Ok(json(
        StatusCode::OK,
        search_page(&state, &caller, &body).await?,
    ))
}

/// A SearchRequest body (RFC 7644 §3.4.3) run over the users: the ListResponse.
pub(super) async fn search_page(
    state: &AppState,
    caller: &ScimCaller,
    body: &Value,
) -> ScimResult<Value> {
    let field = |n: &str| {
        body.as_object().and_then(|o| {
            o.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(n))
                .map(|(_, v)| v)
                .filter(|v| !v.is_null())
        })
    };
    let text_field = |n: &str| -> ScimResult<Option<String>> {
        match field(n) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(Value::Array(a)) => Ok(Some(
                a.iter()
                    .map(|v| {
                        v.as_str()
                            .map(str::to_string)
                            .ok_or_else(|| invalid(format!("\"{n}\" must list strings.")))
                    })
                    .collect::<ScimResult<Vec<_>>>()?
                    .join(","),
            )),
            Some(_) => Err(invalid(format!("\"{n}\" must be a string."))),
        }
    };
    let int_field = |n: &str| -> ScimResult<Option<i64>> {
        match field(n) {
            None => Ok(None),
            Some(v) => v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
                .map(Some)
                .ok_or_else(|| invalid(format!("\"{n}\" must be an integer."))),
        }
    };
    let shape = Shape {
        attributes: text_field("attributes")?
            .as_deref()
            .map(paths)
            .transpose()?
            .unwrap_or_default(),
        excluded: text_field("excludedAttributes")?
            .as_deref()
            .map(paths)
            .transpose()?
            .unwrap_or_default(),
    };
    let p = list_params(
        text_field("filter")?.as_deref(),
        text_field("sortBy")?.as_deref(),
        text_field("sortOrder")?.as_deref(),
        int_field("startIndex")?,
        int_field("count")?,
        shape,
    )?;
    list_page(state, caller, p).await
}

async fn list_page(state: &AppState, caller: &ScimCaller, p: ListParams) -> ScimResult<Value> {
    let settings = state.db.scim_settings(caller.org_id).await?;
    let query = UserQuery::build(
        p.filter.as_ref(),
        p.sort_by.as_ref(),
        p.descending,
        p.start_index - 1,
        p.count,
        &settings,
        &state.db,
    )?;
    let (total, rows) = state.db.scim_list_users(caller.org_id, &query).await?;
    let base = base_url(state);
    let resources: Vec<Value> = rows
        .iter()
        .map(|u| shaped(render(u, &base), &p.shape))
        .collect();
    Ok(json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": p.start_index,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    }))
}
