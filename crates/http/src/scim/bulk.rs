//! SCIM Bulk (RFC 7644 §3.7): several Users/Groups operations in one request. Each
//! operation is sent through the same SCIM router as a single request would be (same
//! authentication, validation and storage code), so Bulk adds no second implementation of
//! any resource. `bulkId:` references are resolved in order; an operation naming a
//! resource created later in the request waits for it (several passes), and one naming a
//! failed or unknown bulkId fails itself.
use super::discovery::LIMITS;
use super::{PREFIX, ScimCaller, ScimErr, ScimResult, method_not_allowed, parse_json, read_body};
use crate::state::{AppState, WebState};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::routing::post;
use embarq_domain::scim::{BULK_REQUEST, BULK_RESPONSE, ScimError, ScimType};
use serde_json::{Map, Value, json};
use std::collections::{HashMap, HashSet};
use tower::ServiceExt;

pub fn router() -> Router<WebState> {
    Router::new().route("/Bulk", post(bulk).fallback(method_not_allowed))
}

fn syntax(detail: impl Into<String>) -> ScimErr {
    ScimErr(ScimError::bad(ScimType::InvalidSyntax, detail))
}

/// One operation as sent, checked for shape.
#[derive(Debug, Clone)]
struct Op {
    method: Method,
    bulk_id: Option<String>,
    version: Option<String>,
    path: String,
    data: Option<Value>,
}

/// An operation's outcome in the BulkResponse.
fn outcome(op: &Op, status: u16, location: Option<String>, response: Option<Value>) -> Value {
    let mut o = Map::new();
    o.insert("method".into(), json!(op.method.as_str()));
    if let Some(b) = &op.bulk_id {
        o.insert("bulkId".into(), json!(b));
    }
    if let Some(v) = &op.version {
        o.insert("version".into(), json!(v));
    }
    if let Some(l) = location {
        o.insert("location".into(), json!(l));
    }
    o.insert("status".into(), json!(status.to_string()));
    if let Some(r) = response {
        o.insert("response".into(), r);
    }
    Value::Object(o)
}

fn error_outcome(op: &Op, e: &ScimError) -> Value {
    outcome(op, e.status, None, Some(e.to_json()))
}

/// The operations (each checked or refused alone) and failOnErrors.
type Parsed = (Vec<Result<Op, ScimError>>, Option<usize>);

/// Reads the envelope: 400 for anything malformed, 413 over maxOperations.
fn parse_request(body: &Value) -> ScimResult<Parsed> {
    let obj = body
        .as_object()
        .ok_or_else(|| syntax("The body must be a BulkRequest."))?;
    let get = |name: &str| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let schemas_ok = get("schemas").and_then(Value::as_array).is_some_and(|a| {
        a.iter().any(|s| {
            s.as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(BULK_REQUEST))
        })
    });
    if !schemas_ok {
        return Err(syntax(format!("schemas must contain \"{BULK_REQUEST}\".")));
    }
    let fail_on_errors = match get("failOnErrors") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => match n.as_u64() {
            Some(n) if n >= 1 => Some(n as usize),
            _ => return Err(syntax("failOnErrors must be a positive integer.")),
        },
        Some(_) => return Err(syntax("failOnErrors must be a positive integer.")),
    };
    let ops = get("Operations")
        .and_then(Value::as_array)
        .ok_or_else(|| syntax("Operations must be a list of operations."))?;
    if ops.len() > LIMITS.bulk_max_operations {
        return Err(ScimErr(ScimError::too_large(format!(
            "A bulk request holds at most {} operations; this one has {}.",
            LIMITS.bulk_max_operations,
            ops.len()
        ))));
    }
    let mut bulk_ids = HashSet::new();
    let mut out = Vec::with_capacity(ops.len());
    for (i, raw) in ops.iter().enumerate() {
        let op = parse_op(i, raw)?;
        if let Ok(op) = &op
            && let Some(b) = &op.bulk_id
            && !bulk_ids.insert(b.clone())
        {
            return Err(syntax(format!(
                "bulkId \"{b}\" is used by more than one operation."
            )));
        }
        out.push(op);
    }
    Ok((out, fail_on_errors))
}

/// One operation: a malformed envelope entry (not an object, no method) fails the whole
/// request; a wrong path or missing data fails that operation only.
fn parse_op(i: usize, raw: &Value) -> ScimResult<Result<Op, ScimError>> {
    let obj = raw
        .as_object()
        .ok_or_else(|| syntax(format!("Operation {} is not an object.", i + 1)))?;
    let get = |name: &str| {
        obj.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    };
    let method = match get("method")
        .and_then(Value::as_str)
        .map(str::to_ascii_uppercase)
    {
        Some(m) if m == "POST" => Method::POST,
        Some(m) if m == "PUT" => Method::PUT,
        Some(m) if m == "PATCH" => Method::PATCH,
        Some(m) if m == "DELETE" => Method::DELETE,
        _ => {
            return Err(syntax(format!(
                "Operation {}: method must be POST, PUT, PATCH or DELETE.",
                i + 1
            )));
        }
    };
    let text = |name: &str| -> ScimResult<Option<String>> {
        match get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(syntax(format!(
                "Operation {}: {name} must be a string.",
                i + 1
            ))),
        }
    };
    let bulk_id = text("bulkId")?;
    let version = text("version")?;
    let path = text("path")?.unwrap_or_default();
    let data = get("data").filter(|d| !d.is_null()).cloned();
    let op = Op {
        method,
        bulk_id,
        version,
        path,
        data,
    };
    let bad = |d: String| Ok(Err(ScimError::bad(ScimType::InvalidValue, d)));
    let segments: Vec<&str> = op.path.trim_start_matches('/').split('/').collect();
    let resource_ok = matches!(segments.first(), Some(&"Users") | Some(&"Groups"));
    if !op.path.starts_with('/') || !resource_ok {
        return bad(format!(
            "Operation {}: path must be /Users or /Groups (with an id except for POST).",
            i + 1
        ));
    }
    match (&op.method, segments.len()) {
        (&Method::POST, 1) => {
            if op.bulk_id.as_deref().is_none_or(str::is_empty) {
                return bad(format!("Operation {}: POST needs a bulkId.", i + 1));
            }
        }
        (&Method::POST, _) => {
            return bad(format!(
                "Operation {}: POST goes to /Users or /Groups.",
                i + 1
            ));
        }
        (_, 2) if !segments[1].is_empty() => {}
        _ => {
            return bad(format!(
                "Operation {}: {} needs a path like /Users/<id>.",
                i + 1,
                op.method
            ));
        }
    }
    if op.method != Method::DELETE && !op.data.as_ref().is_some_and(Value::is_object) {
        return bad(format!("Operation {}: data must be an object.", i + 1));
    }
    Ok(Ok(op))
}

const BULK_PREFIX: &str = "bulkId:";

/// The `bulkId:x` references inside a string: a whole value (`"bulkId:u1"`), a path segment
/// (`/Groups/bulkId:g1`) or a filter value (`members[value eq "bulkId:u1"]`).
fn refs_in(s: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = s[from..].find(BULK_PREFIX) {
        let start = from + i;
        let id_start = start + BULK_PREFIX.len();
        let len = s[id_start..]
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '/' | ']' | ')' | ','))
            .unwrap_or(s.len() - id_start);
        if len > 0 {
            out.push((start, id_start + len));
        }
        from = id_start + len;
    }
    out
}

fn walk_strings(v: &mut Value, f: &mut impl FnMut(&mut String)) {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter_mut().for_each(|x| walk_strings(x, f)),
        Value::Object(o) => o.values_mut().for_each(|x| walk_strings(x, f)),
        _ => {}
    }
}

/// The bulkIds an operation refers to (path and data).
fn references(op: &Op) -> Vec<String> {
    let mut out = Vec::new();
    let mut collect = |s: &mut String| {
        for (a, b) in refs_in(s) {
            out.push(s[a + BULK_PREFIX.len()..b].to_string());
        }
    };
    collect(&mut op.path.clone());
    if let Some(d) = &op.data {
        walk_strings(&mut d.clone(), &mut collect);
    }
    out
}

/// Replaces `bulkId:x` with the id of the resource created for `x`.
fn substitute(op: &Op, ids: &HashMap<String, String>) -> Op {
    let replace = |s: &mut String| {
        let spans = refs_in(s);
        if spans.is_empty() {
            return;
        }
        let mut out = String::with_capacity(s.len());
        let mut last = 0;
        for (a, b) in spans {
            out.push_str(&s[last..a]);
            match ids.get(&s[a + BULK_PREFIX.len()..b]) {
                Some(id) => out.push_str(id),
                None => out.push_str(&s[a..b]),
            }
            last = b;
        }
        out.push_str(&s[last..]);
        *s = out;
    };
    let mut op = op.clone();
    let mut replace = replace;
    replace(&mut op.path);
    if let Some(d) = op.data.as_mut() {
        walk_strings(d, &mut replace);
    }
    op
}

/// Runs one operation through the SCIM router: (status, Location, body).
async fn dispatch(
    app: &Router,
    authorization: &HeaderValue,
    op: &Op,
) -> Result<(u16, Option<String>, Option<Value>), ScimError> {
    let body = match &op.data {
        Some(d) => Body::from(d.to_string()),
        None => Body::empty(),
    };
    let req = Request::builder()
        .method(op.method.clone())
        .uri(format!("{PREFIX}{}", op.path))
        .header(header::AUTHORIZATION, authorization.clone())
        .header(header::CONTENT_TYPE, super::CONTENT_TYPE)
        .body(body)
        .map_err(|_| ScimError::bad(ScimType::InvalidValue, "The operation's path is invalid."))?;
    let res = app
        .clone()
        .oneshot(req)
        .await
        .map_err(|_| ScimError::internal())?;
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = axum::body::to_bytes(res.into_body(), 16 * 1024 * 1024)
        .await
        .map_err(|_| ScimError::internal())?;
    let value = serde_json::from_slice::<Value>(&bytes).ok();
    Ok((status, location, value))
}

/// The caller is authenticated before the body is read: an unauthenticated client learns
/// nothing of the limits.
async fn bulk(State(state): State<AppState>, _caller: ScimCaller, req: Request) -> ScimResult {
    let authorization = req
        .headers()
        .get(header::AUTHORIZATION)
        .cloned()
        .ok_or_else(|| ScimErr(ScimError::unauthorized()))?;
    let bytes = read_body(req, &state, LIMITS.bulk_max_payload).await?;
    let (ops, fail_on_errors) = parse_request(&parse_json(&bytes)?)?;
    let app = super::router().with_state(WebState::from(state.clone()));
    let base = super::base_url(&state);

    let mut results: Vec<Option<Value>> = vec![None; ops.len()];
    // bulkId → id of the resource created; bulkIds whose operation failed.
    let mut created: HashMap<String, String> = HashMap::new();
    let mut failed: HashSet<String> = HashSet::new();
    let mut errors = 0usize;
    let mut pending: Vec<usize> = (0..ops.len()).collect();
    let defined: HashSet<&str> = ops
        .iter()
        .filter_map(|o| o.as_ref().ok().and_then(|o| o.bulk_id.as_deref()))
        .collect();
    let stop = |errors: usize| fail_on_errors.is_some_and(|n| errors >= n);
    let mut order: Vec<usize> = Vec::with_capacity(ops.len());
    'passes: while !pending.is_empty() {
        let mut progressed = false;
        let mut next = Vec::new();
        for i in pending {
            if stop(errors) {
                break 'passes;
            }
            let op = match &ops[i] {
                Ok(op) => op,
                Err(e) => {
                    errors += 1;
                    let op = Op {
                        method: Method::POST,
                        bulk_id: None,
                        version: None,
                        path: String::new(),
                        data: None,
                    };
                    let mut o = error_outcome(&op, e);
                    if let Some(m) = o.as_object_mut() {
                        m.remove("method");
                    }
                    results[i] = Some(o);
                    order.push(i);
                    progressed = true;
                    continue;
                }
            };
            let refs = references(op);
            if let Some(bad) = refs
                .iter()
                .find(|r| failed.contains(*r) || !defined.contains(r.as_str()))
            {
                errors += 1;
                if let Some(b) = &op.bulk_id {
                    failed.insert(b.clone());
                }
                let e = ScimError::new(
                    409,
                    Some(ScimType::InvalidValue),
                    format!("bulkId \"{bad}\" does not name a resource created in this request."),
                );
                results[i] = Some(error_outcome(op, &e));
                order.push(i);
                progressed = true;
                continue;
            }
            if refs.iter().any(|r| !created.contains_key(r)) {
                next.push(i);
                continue;
            }
            progressed = true;
            order.push(i);
            let op = substitute(op, &created);
            match dispatch(&app, &authorization, &op).await {
                Ok((status, location, body)) if status < 300 => {
                    let id = body
                        .as_ref()
                        .and_then(|b| b.get("id"))
                        .and_then(Value::as_str)
                        .map(str::to_string);
                    if let (Some(b), Some(id)) = (&op.bulk_id, &id) {
                        created.insert(b.clone(), id.clone());
                    }
                    let location = location
                        .or_else(|| {
                            body.as_ref()
                                .and_then(|b| b.pointer("/meta/location"))
                                .and_then(Value::as_str)
                                .map(str::to_string)
                        })
                        .or_else(|| match (&op.method, &id) {
                            (&Method::DELETE, _) => None,
                            (&Method::POST, Some(id)) => Some(format!("{base}{}/{id}", op.path)),
                            _ => Some(format!("{base}{}", op.path)),
                        });
                    results[i] = Some(outcome(&op, status, location, None));
                }
                Ok((status, _, body)) => {
                    errors += 1;
                    if let Some(b) = &op.bulk_id {
                        failed.insert(b.clone());
                    }
                    results[i] = Some(outcome(&op, status, None, body));
                }
                Err(e) => {
                    errors += 1;
                    if let Some(b) = &op.bulk_id {
                        failed.insert(b.clone());
                    }
                    results[i] = Some(error_outcome(&op, &e));
                }
            }
        }
        if !progressed {
            // Circular references: what is left cannot be resolved.
            for i in next {
                if let Ok(op) = &ops[i] {
                    errors += 1;
                    let e = ScimError::new(
                        409,
                        Some(ScimType::InvalidValue),
                        "Circular bulkId references cannot be resolved.",
                    );
                    results[i] = Some(error_outcome(op, &e));
                    order.push(i);
                }
                if stop(errors) {
                    break;
                }
            }
            break;
        }
        pending = next;
    }
    // Operations are reported in the order they were sent.
    order.sort_unstable();
    let operations: Vec<Value> = order
        .into_iter()
        .filter_map(|i| results[i].take())
        .collect();
    Ok(super::json(
        StatusCode::OK,
        json!({"schemas": [BULK_RESPONSE], "Operations": operations}),
    ))
}
