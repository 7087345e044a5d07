//! SCIM Groups (RFC 7643 §4.2): a Group is a sphere created through SCIM, its members the
//! sphere's members. Spheres made in embarq are never Groups, so a secret sphere is only
//! ever exposed here when SCIM created it for the token's organization.
//!
//! Membership changes are set-based: a PATCH adding one person to a group of thousands
//! inserts one row; it never rewrites the member list. DELETE detaches the sphere from
//! SCIM (it stays with its members and content; see docs/decisions/scim-groups.md).
use super::{MAX_RESULTS, ScimCaller, ScimJson, ScimResult, base_url, method_not_allowed};
use crate::state::{AppState, WebState};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use embarq_domain::scim::{
    AttrPath, CompareOp, Filter, GROUP_SCHEMA, LIST_RESPONSE, PatchKind, PatchOp, ScimError,
    ScimType, filter, patch, projection, schemas,
};
use embarq_domain::validate::{self, NAME_MAX};
use embarq_domain::{Id, OrgId, SphereId, SphereKind, UserId, parse_id};
use embarq_store::scim::UserQuery;
use embarq_store::{GroupChange, ScimGroup, ScimGroupMember, StoreError};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};

pub fn router() -> Router<WebState> {
    Router::new()
        .route(
            "/Groups",
            get(list_handler)
                .post(create_handler)
                .fallback(method_not_allowed),
        )
        .route(
            "/Groups/.search",
            post(search_handler).fallback(method_not_allowed),
        )
        .route(
            "/Groups/{id}",
            get(get_handler)
                .put(replace_handler)
                .patch(patch_handler)
                .delete(delete_handler)
                .fallback(method_not_allowed),
        )
}

fn store_error(e: StoreError) -> ScimError {
    tracing::error!(error = %e, "SCIM groups: database error");
    ScimError::internal()
}

fn iso(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// The SCIM JSON of a Group; `members` is `None` when they were not loaded (excluded).
/// Members' `display` is returned on request only (`attributes=members.display`).
fn resource(
    base: &str,
    g: &ScimGroup,
    members: Option<&[&ScimGroupMember]>,
    with_display: bool,
) -> Value {
    let mut r = Map::new();
    r.insert("schemas".into(), json!([GROUP_SCHEMA]));
    r.insert("id".into(), json!(g.id.to_string()));
    if let Some(e) = &g.external_id {
        r.insert("externalId".into(), json!(e));
    }
    r.insert("displayName".into(), json!(g.display_name));
    if let Some(ms) = members
        && !ms.is_empty()
    {
        let list: Vec<Value> = ms
            .iter()
            .map(|m| {
                let mut v = json!({
                    "value": m.user_id.to_string(),
                    "$ref": format!("{base}/Users/{}", m.user_id),
                    "type": "User",
                });
                if with_display {
                    v["display"] = json!(m.display_name);
                }
                v
            })
            .collect();
        r.insert("members".into(), Value::Array(list));
    }
    r.insert(
        "meta".into(),
        json!({
            "resourceType": "Group",
            "created": iso(g.created_at),
            "lastModified": iso(g.updated_at),
            "location": format!("{base}/Groups/{}", g.id),
        }),
    );
    Value::Object(r)
}

/// `attributes` / `excludedAttributes` as parsed paths.
#[derive(Debug, Default, Clone)]
pub struct Projection {
    pub attributes: Vec<AttrPath>,
    pub excluded: Vec<AttrPath>,
}

impl Projection {
    fn parse_list(raw: Option<&str>) -> Result<Vec<AttrPath>, ScimError> {
        AttrPath::parse_list(raw.unwrap_or_default())
            .map_err(|e| ScimError::bad(ScimType::InvalidValue, e.detail))
    }

    pub fn parse(attributes: Option<&str>, excluded: Option<&str>) -> Result<Self, ScimError> {
        Ok(Projection {
            attributes: Self::parse_list(attributes)?,
            excluded: Self::parse_list(excluded)?,
        })
    }

    fn is_members(p: &AttrPath) -> bool {
        p.attr.eq_ignore_ascii_case("members")
            && p.urn
                .as_deref()
                .is_none_or(|u| u.eq_ignore_ascii_case(GROUP_SCHEMA))
    }

    /// Whether the response shows members (they may be many: not loaded otherwise).
    fn wants_members(&self) -> bool {
        if !self.attributes.is_empty() {
            return self.attributes.iter().any(Self::is_members);
        }
        !self
            .excluded
            .iter()
            .any(|p| Self::is_members(p) && p.sub.is_none())
    }

    /// Whether `members.display` (returned on request only) was asked for.
    fn wants_display(&self) -> bool {
        self.attributes.iter().any(|p| {
            Self::is_members(p)
                && p.sub
                    .as_deref()
                    .is_some_and(|s| s.eq_ignore_ascii_case("display"))
        })
    }

    fn apply(&self, r: &mut Value) {
        if !self.attributes.is_empty() || !self.excluded.is_empty() {
            projection::project(r, &self.attributes, &self.excluded, &schemas::group());
        }
    }
}

/// A Group of the organization, or 404 (unknown, malformed, other organization's, or a
/// sphere SCIM did not create: all answer alike).
async fn load(state: &AppState, org_id: OrgId, id: &str) -> Result<ScimGroup, ScimError> {
    let not_found = || ScimError::not_found(format!("Group {id} not found"));
    let id = parse_id(id.trim()).ok_or_else(not_found)?;
    state
        .db
        .scim_group(org_id, id)
        .await
        .map_err(store_error)?
        .ok_or_else(not_found)
}

/// The Group as a response, members loaded only when shown.
async fn render(state: &AppState, g: &ScimGroup, p: &Projection) -> Result<Value, ScimError> {
    let base = base_url(state);
    let members = if p.wants_members() {
        Some(
            state
                .db
                .scim_group_members(&[g.id])
                .await
                .map_err(store_error)?,
        )
    } else {
        None
    };
    let refs: Option<Vec<&ScimGroupMember>> = members.as_ref().map(|m| m.iter().collect());
    let mut r = resource(&base, g, refs.as_deref(), p.wants_display());
    p.apply(&mut r);
    Ok(r)
}

fn invalid_value(detail: impl Into<String>) -> ScimError {
    ScimError::bad(ScimType::InvalidValue, detail)
}

/// Case-insensitive lookup of an attribute in a JSON object (attribute names are).
fn field<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    obj.iter()
        .find(|(k, _)| {
            k.eq_ignore_ascii_case(name)
                || k.len() > GROUP_SCHEMA.len() + 1
                    && k[..GROUP_SCHEMA.len()].eq_ignore_ascii_case(GROUP_SCHEMA)
                    && k[GROUP_SCHEMA.len() + 1..].eq_ignore_ascii_case(name)
        })
        .map(|(_, v)| v)
}

fn check_display_name(v: Option<&Value>) -> Result<String, ScimError> {
    let s = match v {
        Some(Value::String(s)) => s,
        Some(Value::Null) | None => return Err(invalid_value("displayName is required.")),
        Some(_) => return Err(invalid_value("displayName must be a string.")),
    };
    validate::required("displayName", s, NAME_MAX).map_err(|_| {
        invalid_value(format!(
            "displayName must be 1 to {NAME_MAX} characters long."
        ))
    })
}

fn check_external_id(v: Option<&Value>) -> Result<Option<String>, ScimError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.chars().count() <= 1024 => Ok(Some(s.clone())),
        Some(Value::String(_)) => Err(invalid_value("externalId is too long (1024 at most).")),
        Some(_) => Err(invalid_value("externalId must be a string.")),
    }
}

/// Member ids of a `members` value: an array of `{"value": "<user id>"}` (a single object
/// is accepted too). Ids must be well-formed; membership of the organization is checked
/// by [`check_members`].
fn member_ids(v: &Value) -> Result<Vec<UserId>, ScimError> {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(_) => vec![v],
        Value::Null => Vec::new(),
        _ => {
            return Err(invalid_value(
                "members must be a list of {\"value\": \"<user id>\"}.",
            ));
        }
    };
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let obj = item
            .as_object()
            .ok_or_else(|| invalid_value("Each member must be an object with a \"value\"."))?;
        if let Some(t) = field(obj, "type").and_then(Value::as_str)
            && !t.eq_ignore_ascii_case("User")
        {
            return Err(invalid_value(format!(
                "Members are Users here; type \"{t}\" is not supported."
            )));
        }
        let raw = field(obj, "value")
            .and_then(Value::as_str)
            .ok_or_else(|| invalid_value("Each member needs a \"value\": a User id."))?;
        let id = parse_id(raw.trim()).map(UserId).ok_or_else(|| {
            invalid_value(format!("\"{raw}\" is not a User of this organization."))
        })?;
        if seen.insert(id) {
            out.push(id);
        }
    }
    Ok(out)
}

/// Refuses ids that are not people of the organization (400 invalidValue).
async fn check_members(state: &AppState, org_id: OrgId, ids: &[UserId]) -> Result<(), ScimError> {
    if ids.is_empty() {
        return Ok(());
    }
    let found: HashSet<UserId> = state
        .db
        .scim_users_in_org(org_id, ids)
        .await
        .map_err(store_error)?
        .into_iter()
        .collect();
    if let Some(missing) = ids.iter().find(|i| !found.contains(i)) {
        return Err(invalid_value(format!(
            "\"{missing}\" is not a User of this organization."
        )));
    }
    Ok(())
}

fn check_schemas(obj: &Map<String, Value>) -> Result<(), ScimError> {
    match field(obj, "schemas") {
        None => Ok(()),
        Some(Value::Array(a))
            if a.iter().any(|s| {
                s.as_str()
                    .is_some_and(|s| s.eq_ignore_ascii_case(GROUP_SCHEMA))
            }) =>
        {
            Ok(())
        }
        Some(_) => Err(ScimError::bad(
            ScimType::InvalidSyntax,
            format!("schemas must contain \"{GROUP_SCHEMA}\"."),
        )),
    }
}

/// A checked POST or PUT body.
struct GroupInput {
    display_name: String,
    external_id: Option<String>,
    members: Vec<UserId>,
}

async fn read_input(
    state: &AppState,
    org_id: OrgId,
    body: &Value,
) -> Result<GroupInput, ScimError> {
    let obj = body.as_object().ok_or_else(|| {
        ScimError::bad(ScimType::InvalidSyntax, "The body must be a Group object.")
    })?;
    check_schemas(obj)?;
    let display_name = check_display_name(field(obj, "displayName"))?;
    let external_id = check_external_id(field(obj, "externalId"))?;
    let members = match field(obj, "members") {
        Some(v) => member_ids(v)?,
        None => Vec::new(),
    };
    check_members(state, org_id, &members).await?;
    Ok(GroupInput {
        display_name,
        external_id,
        members,
    })
}

/// POST /Groups: a new sphere of the kind chosen in the SCIM settings (closed by default).
pub async fn create(
    state: &AppState,
    caller: &ScimCaller,
    body: &Value,
) -> Result<ScimGroup, ScimError> {
    let org_id = caller.org_id;
    let input = read_input(state, org_id, body).await?;
    let settings = state.db.scim_settings(org_id).await.map_err(store_error)?;
    let kind = SphereKind::parse(&settings.group_kind).unwrap_or(SphereKind::Closed);
    let creator = state
        .db
        .scim_group_creator(org_id)
        .await
        .map_err(store_error)?
        .ok_or_else(ScimError::internal)?;
    let id = state
        .db
        .scim_create_group(
            org_id,
            creator,
            (&input.display_name, input.external_id.as_deref()),
            kind,
            &input.members,
            |id| audit(caller, "scim.group_created", id, &input.display_name),
        )
        .await
        .map_err(store_error)?;
    state
        .db
        .scim_group(org_id, id)
        .await
        .map_err(store_error)?
        .ok_or_else(ScimError::internal)
}

/// PUT /Groups/{id}: displayName, externalId and the whole member list are replaced.
pub async fn replace(
    state: &AppState,
    org_id: OrgId,
    id: &str,
    body: &Value,
) -> Result<ScimGroup, ScimError> {
    let g = load(state, org_id, id).await?;
    let input = read_input(state, org_id, body).await?;
    let change = GroupChange {
        display_name: Some(input.display_name),
        external_id: Some(input.external_id),
        clear_members: true,
        add: input.members,
        remove: Vec::new(),
    };
    apply_change(state, org_id, g.id, &change).await
}

async fn apply_change(
    state: &AppState,
    org_id: OrgId,
    id: Id,
    change: &GroupChange,
) -> Result<ScimGroup, ScimError> {
    if !state
        .db
        .scim_change_group(org_id, id, change)
        .await
        .map_err(store_error)?
    {
        return Err(ScimError::not_found(format!("Group {id} not found")));
    }
    state
        .db
        .scim_group(org_id, id)
        .await
        .map_err(store_error)?
        .ok_or_else(|| ScimError::not_found(format!("Group {id} not found")))
}

/// Net membership change of a sequence of PATCH operations, in order.
#[derive(Default)]
struct MemberDelta {
    clear: bool,
    add: Vec<UserId>,
    add_set: HashSet<UserId>,
    remove: HashSet<UserId>,
}

impl MemberDelta {
    fn add(&mut self, ids: Vec<UserId>) {
        for id in ids {
            self.remove.remove(&id);
            if self.add_set.insert(id) {
                self.add.push(id);
            }
        }
    }
    fn remove(&mut self, ids: impl IntoIterator<Item = UserId>) {
        for id in ids {
            if self.add_set.remove(&id) {
                self.add.retain(|a| *a != id);
            }
            self.remove.insert(id);
        }
    }
    fn clear(&mut self) {
        *self = MemberDelta {
            clear: true,
            ..Default::default()
        };
    }
}

fn is_members_path(p: &AttrPath) -> bool {
    Projection::is_members(p)
}

/// The ids a `members[...]` filter designates: `value eq "x"` (or several joined by `or`)
/// is read directly; any other filter is evaluated on the current members.
async fn filtered_members(
    state: &AppState,
    group: Id,
    f: &Filter,
) -> Result<Vec<UserId>, ScimError> {
    fn direct(f: &Filter, out: &mut Vec<UserId>) -> bool {
        match f {
            Filter::Or(a, b) => direct(a, out) && direct(b, out),
            Filter::Compare {
                path,
                op: CompareOp::Eq,
                value: Value::String(v),
            } if path.attr.eq_ignore_ascii_case("value") && path.sub.is_none() => {
                // A malformed id designates nobody.
                if let Some(id) = parse_id(v.trim()).map(UserId) {
                    out.push(id);
                }
                true
            }
            _ => false,
        }
    }
    let mut ids = Vec::new();
    if direct(f, &mut ids) {
        return Ok(ids);
    }
    let schema = schemas::group();
    let members = state
        .db
        .scim_group_members(&[group])
        .await
        .map_err(store_error)?;
    let whole = Filter::ValuePath {
        path: AttrPath::new("members", None),
        filter: Box::new(f.clone()),
    };
    Ok(members
        .into_iter()
        .filter(|m| {
            let r = json!({"members": [{
                "value": m.user_id.to_string(),
                "display": m.display_name,
                "type": "User",
            }]});
            filter::matches(&whole, &r, &schema)
        })
        .map(|m| m.user_id)
        .collect())
}

/// PATCH /Groups/{id}. Member operations become set operations on the sphere's members;
/// the others (displayName, externalId) go through the protocol's PATCH rules on the Group
/// without its members. All of it is written in one transaction.
pub async fn patch(
    state: &AppState,
    org_id: OrgId,
    id: &str,
    body: &Value,
) -> Result<ScimGroup, ScimError> {
    let ops = patch::parse_request(body)?;
    let g = load(state, org_id, id).await?;
    let mut delta = MemberDelta::default();
    let mut other: Vec<PatchOp> = Vec::new();
    for op in ops {
        match &op.path {
            Some(p) if is_members_path(&p.attr) => {
                if p.attr.sub.is_some() || p.sub.is_some() {
                    return Err(ScimError::bad(
                        ScimType::Mutability,
                        "Member sub-attributes are immutable: add or remove members instead.",
                    ));
                }
                match (op.kind, &p.filter) {
                    (PatchKind::Add, None) => {
                        let v = op
                            .value
                            .as_ref()
                            .ok_or_else(|| invalid_value("add on members needs a value."))?;
                        delta.add(member_ids(v)?);
                    }
                    (PatchKind::Replace, None) => {
                        let ids = op.value.as_ref().map(member_ids).transpose()?;
                        delta.clear();
                        delta.add(ids.unwrap_or_default());
                    }
                    // Azure AD sends the members to remove as the value.
                    (PatchKind::Remove, None) => match op.value.as_ref() {
                        Some(v) if !v.is_null() => delta.remove(member_ids(v)?),
                        _ => delta.clear(),
                    },
                    (PatchKind::Remove, Some(f)) => {
                        delta.remove(filtered_members(state, g.id, f).await?)
                    }
                    (_, Some(_)) => {
                        return Err(ScimError::bad(
                            ScimType::InvalidPath,
                            "A filter on members is only supported to remove them.",
                        ));
                    }
                }
            }
            Some(_) => other.push(op),
            None => {
                // A path-less value: its members go to the member delta, the rest to the
                // general rules.
                let Some(Value::Object(obj)) = &op.value else {
                    other.push(op);
                    continue;
                };
                let mut rest = obj.clone();
                let key = rest
                    .keys()
                    .find(|k| k.eq_ignore_ascii_case("members"))
                    .cloned();
                if let Some(k) = key
                    && let Some(v) = rest.remove(&k)
                {
                    let ids = member_ids(&v)?;
                    match op.kind {
                        PatchKind::Add => delta.add(ids),
                        PatchKind::Replace => {
                            delta.clear();
                            delta.add(ids);
                        }
                        PatchKind::Remove => delta.remove(ids),
                    }
                }
                if !rest.is_empty() {
                    other.push(PatchOp {
                        kind: op.kind,
                        path: None,
                        value: Some(Value::Object(rest)),
                    });
                }
            }
        }
    }
    check_members(state, org_id, &delta.add).await?;
    let mut change = GroupChange {
        clear_members: delta.clear,
        add: delta.add,
        remove: delta.remove.into_iter().collect(),
        ..Default::default()
    };
    if !other.is_empty() {
        let base = base_url(state);
        let mut light = resource(&base, &g, None, false);
        patch::apply(&mut light, &other, &schemas::group())?;
        let obj = light.as_object().cloned().unwrap_or_default();
        let name = check_display_name(field(&obj, "displayName"))?;
        let ext = check_external_id(field(&obj, "externalId"))?;
        if name != g.display_name {
            change.display_name = Some(name);
        }
        if ext != g.external_id {
            change.external_id = Some(ext);
        }
    }
    apply_change(state, org_id, g.id, &change).await
}

/// DELETE /Groups/{id}: the sphere stops being a Group; it keeps its members and content.
pub async fn delete(state: &AppState, caller: &ScimCaller, id: &str) -> Result<(), ScimError> {
    let org_id = caller.org_id;
    let g = load(state, org_id, id).await?;
    let audit = audit(caller, "scim.group_deleted", g.id, &g.display_name);
    if !state
        .db
        .scim_delete_group(org_id, g.id, &audit)
        .await
        .map_err(store_error)?
    {
        return Err(ScimError::not_found(format!("Group {id} not found")));
    }
    Ok(())
}

/// The audit entry of a change to a Group, written with it.
fn audit(caller: &ScimCaller, action: &str, id: Id, name: &str) -> embarq_store::Effects {
    crate::service::admin_audit::record(
        crate::service::admin_audit::Admin {
            org_id: caller.org_id,
            actor_id: None,
            action,
            target_kind: "sphere",
            target_id: Some(id),
            sphere_id: Some(SphereId(id)),
        },
        json!({ "name": name, "via": "scim", "token_id": caller.token_id }),
    )
}

/// List parameters (query string of GET, body of POST .search).
#[derive(Debug, Default, Clone)]
pub struct ListParams {
    pub filter: Option<String>,
    pub sort_by: Option<String>,
    pub descending: bool,
    pub start_index: i64,
    pub count: Option<i64>,
    pub projection: Projection,
}

/// The query string of GET /Groups.
#[derive(Debug, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ListQuery {
    filter: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    start_index: Option<String>,
    count: Option<String>,
    attributes: Option<String>,
    excluded_attributes: Option<String>,
}

fn parse_int(name: &str, v: Option<&str>) -> Result<Option<i64>, ScimError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => s
            .parse::<i64>()
            .map(Some)
            .map_err(|_| invalid_value(format!("{name} must be an integer."))),
    }
}

fn descending(order: Option<&str>) -> Result<bool, ScimError> {
    match order.map(str::trim) {
        None | Some("") => Ok(false),
        Some(o) if o.eq_ignore_ascii_case("ascending") => Ok(false),
        Some(o) if o.eq_ignore_ascii_case("descending") => Ok(true),
        Some(o) => Err(invalid_value(format!(
            "sortOrder must be \"ascending\" or \"descending\", not \"{o}\"."
        ))),
    }
}

impl ListParams {
    pub fn from_query(q: &ListQuery) -> Result<Self, ScimError> {
        Ok(ListParams {
            filter: q.filter.clone(),
            sort_by: q.sort_by.clone(),
            descending: descending(q.sort_order.as_deref())?,
            start_index: parse_int("startIndex", q.start_index.as_deref())?.unwrap_or(1),
            count: parse_int("count", q.count.as_deref())?,
            projection: Projection::parse(
                q.attributes.as_deref(),
                q.excluded_attributes.as_deref(),
            )?,
        })
    }

    /// A SearchRequest body (RFC 7644 §3.4.3).
    pub fn from_search(body: &Value) -> Result<Self, ScimError> {
        let obj = body.as_object().ok_or_else(|| {
            ScimError::bad(ScimType::InvalidSyntax, "The body must be a SearchRequest.")
        })?;
        let text = |name: &str| -> Result<Option<String>, ScimError> {
            match field(obj, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(invalid_value(format!("{name} must be a string."))),
            }
        };
        let list = |name: &str| -> Result<Option<String>, ScimError> {
            match field(obj, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(Value::Array(a)) => Ok(Some(
                    a.iter()
                        .map(|v| {
                            v.as_str()
                                .map(str::to_string)
                                .ok_or_else(|| invalid_value(format!("{name} lists strings.")))
                        })
                        .collect::<Result<Vec<_>, _>>()?
                        .join(","),
                )),
                Some(_) => Err(invalid_value(format!("{name} must be a list of strings."))),
            }
        };
        let int = |name: &str| -> Result<Option<i64>, ScimError> {
            match field(obj, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_i64()
                    .map(Some)
                    .ok_or_else(|| invalid_value(format!("{name} must be an integer."))),
                Some(Value::String(s)) => parse_int(name, Some(s)),
                Some(_) => Err(invalid_value(format!("{name} must be an integer."))),
            }
        };
        Ok(ListParams {
            filter: text("filter")?,
            sort_by: text("sortBy")?,
            descending: descending(text("sortOrder")?.as_deref())?,
            start_index: int("startIndex")?.unwrap_or(1),
            count: int("count")?,
            projection: Projection::parse(
                list("attributes")?.as_deref(),
                list("excludedAttributes")?.as_deref(),
            )?,
        })
    }
}

/// GET /Groups and POST /Groups/.search: a ListResponse page; members are loaded for the
/// page's groups in one query, and not at all when excluded.
pub async fn list(state: &AppState, org_id: OrgId, p: &ListParams) -> Result<Value, ScimError> {
    let schema = schemas::group();
    let parsed = match p.filter.as_deref().map(str::trim).filter(|f| !f.is_empty()) {
        Some(f) => {
            let f = filter::parse(f)?;
            filter::check(&f, &schema)?;
            Some(f)
        }
        None => None,
    };
    let sort = match p
        .sort_by
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => Some(AttrPath::parse(s).map_err(|e| invalid_value(e.detail))?),
        None => None,
    };
    let max = MAX_RESULTS as i64;
    let count = p.count.unwrap_or(max).clamp(0, max);
    let start = p.start_index.max(1);
    let q = UserQuery::build_groups(
        parsed.as_ref(),
        sort.as_ref(),
        p.descending,
        start - 1,
        count,
        &state.db,
    )?;
    let (total, groups) = state
        .db
        .scim_list_groups(org_id, &q)
        .await
        .map_err(store_error)?;
    let base = base_url(state);
    let mut by_group: HashMap<Id, Vec<ScimGroupMember>> = HashMap::new();
    if p.projection.wants_members() && !groups.is_empty() {
        let ids: Vec<Id> = groups.iter().map(|g| g.id).collect();
        for m in state
            .db
            .scim_group_members(&ids)
            .await
            .map_err(store_error)?
        {
            by_group.entry(m.group_id).or_default().push(m);
        }
    }
    let resources: Vec<Value> = groups
        .iter()
        .map(|g| {
            let members: Option<Vec<&ScimGroupMember>> = p.projection.wants_members().then(|| {
                by_group
                    .get(&g.id)
                    .map(|v| v.iter().collect())
                    .unwrap_or_default()
            });
            let mut r = resource(&base, g, members.as_deref(), p.projection.wants_display());
            p.projection.apply(&mut r);
            r
        })
        .collect();
    Ok(json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    }))
}

// ------------------------------------------------------------------ handlers

fn location(state: &AppState, g: &ScimGroup) -> String {
    format!("{}/Groups/{}", base_url(state), g.id)
}

async fn create_handler(
    State(state): State<AppState>,
    caller: ScimCaller,
    Query(q): Query<ListQuery>,
    ScimJson(body): ScimJson,
) -> ScimResult<Response> {
    let p = Projection::parse(q.attributes.as_deref(), q.excluded_attributes.as_deref())?;
    let g = create(&state, &caller, &body).await?;
    let r = render(&state, &g, &p).await?;
    let mut resp = super::json(StatusCode::CREATED, r);
    if let Ok(v) = location(&state, &g).parse() {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    Ok(resp)
}

async fn get_handler(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
) -> ScimResult<Response> {
    let p = Projection::parse(q.attributes.as_deref(), q.excluded_attributes.as_deref())?;
    let g = load(&state, caller.org_id, &id).await?;
    Ok(super::json(StatusCode::OK, render(&state, &g, &p).await?))
}

async fn list_handler(
    State(state): State<AppState>,
    caller: ScimCaller,
    Query(q): Query<ListQuery>,
) -> ScimResult<Response> {
    let p = ListParams::from_query(&q)?;
    Ok(super::json(
        StatusCode::OK,
        list(&state, caller.org_id, &p).await?,
    ))
}

async fn search_handler(
    State(state): State<AppState>,
    caller: ScimCaller,
    ScimJson(body): ScimJson,
) -> ScimResult<Response> {
    let p = ListParams::from_search(&body)?;
    Ok(super::json(
        StatusCode::OK,
        list(&state, caller.org_id, &p).await?,
    ))
}

async fn replace_handler(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
    ScimJson(body): ScimJson,
) -> ScimResult<Response> {
    let p = Projection::parse(q.attributes.as_deref(), q.excluded_attributes.as_deref())?;
    let g = replace(&state, caller.org_id, &id, &body).await?;
    Ok(super::json(StatusCode::OK, render(&state, &g, &p).await?))
}

/// 204 No Content (RFC 7644 §3.5.2 allows it): a group may hold thousands of people and
/// identity providers send many small PATCHes, so the member list is not sent back. With
/// `attributes` or `excludedAttributes`, 200 and the Group as asked.
async fn patch_handler(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    Query(q): Query<ListQuery>,
    ScimJson(body): ScimJson,
) -> ScimResult<Response> {
    let p = Projection::parse(q.attributes.as_deref(), q.excluded_attributes.as_deref())?;
    let g = patch(&state, caller.org_id, &id, &body).await?;
    if p.attributes.is_empty() && p.excluded.is_empty() {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(super::json(StatusCode::OK, render(&state, &g, &p).await?))
}

async fn delete_handler(
    State(state): State<AppState>,
    caller: ScimCaller,
    Path(id): Path<String>,
    _headers: HeaderMap,
) -> ScimResult<Response> {
    delete(&state, &caller, &id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
