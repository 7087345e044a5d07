//! SCIM PATCH (RFC 7644 §3.5.2) over the full SCIM JSON of a resource: core attributes at
//! the top level, each extension under its URN key. Values are not coerced to the
//! attribute types (Azure AD sends `"active": "False"`); the web layer validates them.
use serde_json::{Map, Value};

use super::PATCH_OP;
use super::error::{ScimError, ScimType};
use super::filter::{self, CompareOp, Filter};
use super::path::{AttrPath, key_of, member};
use super::schemas::{AttrKind, AttributeDef, Mutability, ResourceSchema};

/// Most operations accepted in one PATCH request.
pub const MAX_OPERATIONS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchKind {
    Add,
    Remove,
    Replace,
}

impl PatchKind {
    /// The operation for an `op` name, case-insensitive (Azure AD sends "Add").
    pub fn from_name(name: &str) -> Option<PatchKind> {
        Some(match name.to_ascii_lowercase().as_str() {
            "add" => PatchKind::Add,
            "remove" => PatchKind::Remove,
            "replace" => PatchKind::Replace,
            _ => return None,
        })
    }
}

/// A PATCH target: `attr`, `attr.sub` (sub-attribute in `attr.sub`), `attr[filter]` or
/// `attr[filter].sub` (sub-attribute in `sub`). A bare extension URN parses as
/// `urn` = the URN up to its last ':' and `attr` = its last segment ("User").
#[derive(Debug, Clone, PartialEq)]
pub struct PatchPath {
    pub attr: AttrPath,
    pub filter: Option<Filter>,
    pub sub: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct PatchOp {
    pub kind: PatchKind,
    pub path: Option<PatchPath>,
    pub value: Option<Value>,
}

fn syntax(detail: impl Into<String>) -> ScimError {
    ScimError::bad(ScimType::InvalidSyntax, detail)
}

fn invalid_path(detail: impl Into<String>) -> ScimError {
    ScimError::bad(ScimType::InvalidPath, detail)
}

fn invalid_value(detail: impl Into<String>) -> ScimError {
    ScimError::bad(ScimType::InvalidValue, detail)
}

fn mutability(detail: impl Into<String>) -> ScimError {
    ScimError::bad(ScimType::Mutability, detail)
}

fn no_target(detail: impl Into<String>) -> ScimError {
    ScimError::bad(ScimType::NoTarget, detail)
}

/// Parses a PATCH path (RFC 7644 §3.5.2 PATH grammar). Errors are `invalidPath`.
pub fn parse_path(input: &str) -> Result<PatchPath, ScimError> {
    let trimmed = input.trim();
    let Some(open) = trimmed.find('[') else {
        return Ok(PatchPath {
            attr: AttrPath::parse(trimmed)?,
            filter: None,
            sub: None,
        });
    };
    // The closing bracket is the first ']' outside a quoted string.
    let mut close = None;
    let mut in_string = false;
    let mut escaped = false;
    for (i, c) in trimmed[open + 1..].char_indices() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
        } else if c == ']' {
            close = Some(open + 1 + i);
            break;
        }
    }
    let Some(close) = close else {
        return Err(invalid_path(format!(
            "Invalid path \"{input}\": the '[' is never closed."
        )));
    };
    let attr = AttrPath::parse(&trimmed[..open])?;
    if attr.sub.is_some() {
        return Err(invalid_path(format!(
            "Invalid path \"{input}\": a value filter follows a multi-valued attribute, not a sub-attribute."
        )));
    }
    let filter = filter::parse(&trimmed[open + 1..close])
        .map_err(|e| invalid_path(format!("Invalid filter in path \"{input}\": {}", e.detail)))?;
    let rest = &trimmed[close + 1..];
    let sub = if rest.is_empty() {
        None
    } else {
        let sub = rest.strip_prefix('.').unwrap_or_default();
        if AttrPath::parse(sub).map(|p| p.sub.is_none() && p.urn.is_none()) != Ok(true) {
            return Err(invalid_path(format!(
                "Invalid path \"{input}\": only '.subAttribute' may follow ']'."
            )));
        }
        Some(sub.to_string())
    };
    Ok(PatchPath {
        attr,
        filter: Some(filter),
        sub,
    })
}

/// Parses a PatchOp request body (RFC 7644 §3.5.2).
pub fn parse_request(body: &Value) -> Result<Vec<PatchOp>, ScimError> {
    let Some(obj) = body.as_object() else {
        return Err(syntax("The PATCH body must be a JSON object."));
    };
    let has_schema = member(body, "schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| {
            s.iter()
                .any(|v| v.as_str().is_some_and(|u| u.eq_ignore_ascii_case(PATCH_OP)))
        });
    if !has_schema {
        return Err(syntax(format!("\"schemas\" must contain \"{PATCH_OP}\".")));
    }
    let operations = key_of(obj, "Operations")
        .and_then(|k| obj.get(k))
        .and_then(Value::as_array)
        .ok_or_else(|| syntax("\"Operations\" must be an array of operations."))?;
    if operations.is_empty() {
        return Err(syntax(
            "\"Operations\" must contain at least one operation.",
        ));
    }
    if operations.len() > MAX_OPERATIONS {
        return Err(syntax(format!(
            "At most {MAX_OPERATIONS} operations are accepted in one request."
        )));
    }
    operations
        .iter()
        .enumerate()
        .map(|(i, op)| parse_operation(op).map_err(|e| at_operation(e, i)))
        .collect()
}

fn at_operation(mut e: ScimError, index: usize) -> ScimError {
    e.detail = format!("Operation {}: {}", index + 1, e.detail);
    e
}

fn parse_operation(op: &Value) -> Result<PatchOp, ScimError> {
    if !op.is_object() {
        return Err(syntax("an operation must be a JSON object."));
    }
    let name = member(op, "op")
        .and_then(Value::as_str)
        .ok_or_else(|| syntax("\"op\" is required (add, remove or replace)."))?;
    let kind = PatchKind::from_name(name).ok_or_else(|| {
        syntax(format!(
            "unknown op \"{name}\": expected add, remove or replace."
        ))
    })?;
    let path = match member(op, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(p)) if p.trim().is_empty() => None,
        Some(Value::String(p)) => Some(parse_path(p)?),
        Some(_) => return Err(invalid_path("\"path\" must be a string.")),
    };
    let value = member(op, "value").cloned();
    match (kind, &path, &value) {
        (PatchKind::Remove, None, _) => Err(no_target("remove requires a \"path\".")),
        (PatchKind::Add | PatchKind::Replace, _, None) => {
            Err(syntax("add and replace require a \"value\"."))
        }
        (PatchKind::Add | PatchKind::Replace, None, Some(v)) if !v.is_object() => Err(syntax(
            "without a \"path\", the \"value\" must be an object of attributes.",
        )),
        _ => Ok(PatchOp { kind, path, value }),
    }
}

/// Applies operations in order. On error the resource is left unchanged.
pub fn apply(
    resource: &mut Value,
    ops: &[PatchOp],
    schema: &ResourceSchema,
) -> Result<(), ScimError> {
    if !resource.is_object() {
        return Err(ScimError::internal());
    }
    let mut work = resource.clone();
    for (i, op) in ops.iter().enumerate() {
        apply_one(&mut work, op, schema).map_err(|e| at_operation(e, i))?;
    }
    sync_extensions(&mut work, schema);
    *resource = work;
    Ok(())
}

/// What a path designates once resolved against the schema.
struct Target<'a> {
    /// The extension URN holding the attribute; `None` for core attributes.
    ext: Option<&'static str>,
    /// The attribute; `None` when the path names a whole extension.
    def: Option<&'a AttributeDef>,
    /// The sub-attribute (`name.givenName`, `emails[...].value`).
    sub: Option<&'a AttributeDef>,
    filter: Option<&'a Filter>,
}

impl Target<'_> {
    fn label(&self) -> String {
        let name = self.def.map_or("", |d| d.name);
        match self.sub {
            Some(s) => format!("{name}.{}", s.name),
            None => name.to_string(),
        }
    }
}

fn resolve<'a>(
    schema: &'a ResourceSchema,
    attr: &AttrPath,
    filter: Option<&'a Filter>,
    filter_sub: Option<&str>,
) -> Result<Target<'a>, ScimError> {
    let unknown = || invalid_path(format!("Unknown attribute \"{attr}\"."));
    let (ext, schema_def) = match &attr.urn {
        None => (None, &schema.core),
        Some(urn) => match schema.schema(urn) {
            Some(s) if schema.is_core(urn) => (None, s),
            Some(s) => (Some(s.id), s),
            None => {
                // A bare extension URN: "urn:…:2.0" + ":" + "User".
                let whole = format!("{urn}:{}", attr.attr);
                return match schema.extension(&whole) {
                    Some(e) if attr.sub.is_none() && filter.is_none() => Ok(Target {
                        ext: Some(e.id),
                        def: None,
                        sub: None,
                        filter: None,
                    }),
                    _ => Err(unknown()),
                };
            }
        },
    };
    let def = schema_def.attribute(&attr.attr).ok_or_else(unknown)?;
    let sub_name = attr.sub.as_deref().or(filter_sub);
    let sub = match sub_name {
        None => None,
        Some(s) => Some(def.sub(s).ok_or_else(|| {
            invalid_path(format!("\"{}\" has no sub-attribute \"{s}\".", def.name))
        })?),
    };
    if filter.is_some() && !(def.multi_valued && def.kind == AttrKind::Complex) {
        return Err(invalid_path(format!(
            "\"{}\" is not a multi-valued complex attribute: it takes no value filter.",
            def.name
        )));
    }
    Ok(Target {
        ext,
        def: Some(def),
        sub,
        filter,
    })
}

fn apply_one(work: &mut Value, op: &PatchOp, schema: &ResourceSchema) -> Result<(), ScimError> {
    let Some(path) = &op.path else {
        if op.kind == PatchKind::Remove {
            return Err(no_target("remove requires a \"path\"."));
        }
        let Some(Value::Object(attrs)) = &op.value else {
            return Err(syntax(
                "without a \"path\", the \"value\" must be an object of attributes.",
            ));
        };
        return apply_pathless(work, op.kind, attrs, schema);
    };
    let target = resolve(
        schema,
        &path.attr,
        path.filter.as_ref(),
        path.sub.as_deref(),
    )?;
    check_writable(&target)?;
    match op.kind {
        PatchKind::Add => add(work, &target, value_of(op)?, schema),
        PatchKind::Replace => replace(work, &target, value_of(op)?, schema),
        PatchKind::Remove => remove(work, &target, op.value.as_ref()),
    }
}

fn value_of(op: &PatchOp) -> Result<&Value, ScimError> {
    op.value
        .as_ref()
        .ok_or_else(|| syntax("add and replace require a \"value\"."))
}

/// Path-less add/replace: each key is an attribute path (Azure AD sends "name.givenName"
/// or URN-qualified keys) or an extension URN holding an object. Unknown attributes
/// are ignored; readOnly ones are accepted only when unchanged (clients echo `id`).
fn apply_pathless(
    work: &mut Value,
    kind: PatchKind,
    attrs: &Map<String, Value>,
    schema: &ResourceSchema,
) -> Result<(), ScimError> {
    for (key, value) in attrs {
        if key.eq_ignore_ascii_case("schemas") || key.eq_ignore_ascii_case("meta") {
            continue;
        }
        // Azure AD also sends filtered keys such as `emails[type eq "work"].value`.
        let parsed = match schema.extension(key) {
            Some(_) => None,
            None => match parse_path(key) {
                Ok(p) => Some(p),
                Err(_) => continue,
            },
        };
        let target = match (&parsed, schema.extension(key)) {
            (None, Some(e)) => Target {
                ext: Some(e.id),
                def: None,
                sub: None,
                filter: None,
            },
            (Some(p), _) => match resolve(schema, &p.attr, p.filter.as_ref(), p.sub.as_deref()) {
                Ok(t) => t,
                Err(_) => continue,
            },
            (None, None) => continue,
        };
        if check_writable(&target).is_err() {
            if target.filter.is_none() && current(work, &target) == Some(value) {
                continue;
            }
            check_writable(&target)?;
        }
        match kind {
            PatchKind::Add => add(work, &target, value, schema)?,
            _ => replace(work, &target, value, schema)?,
        }
    }
    Ok(())
}

fn check_writable(target: &Target<'_>) -> Result<(), ScimError> {
    for def in [target.def, target.sub].into_iter().flatten() {
        if def.mutability == Mutability::ReadOnly {
            return Err(mutability(format!(
                "\"{}\" is readOnly and cannot be modified.",
                target.label()
            )));
        }
    }
    Ok(())
}

/// The current value of a plain (unfiltered) target.
fn current<'v>(work: &'v Value, target: &Target<'_>) -> Option<&'v Value> {
    let container = match target.ext {
        Some(urn) => member(work, urn)?,
        None => work,
    };
    let Some(def) = target.def else {
        return Some(container);
    };
    let top = member(container, def.name)?;
    match target.sub {
        Some(sub) => member(top, sub.name),
        None => Some(top),
    }
}

/// Immutable attributes may be set once (RFC 7643 §2.2).
fn guard_immutable(
    def: &AttributeDef,
    existing: Option<&Value>,
    new: &Value,
) -> Result<(), ScimError> {
    if def.mutability == Mutability::Immutable
        && existing.is_some_and(filter::is_present)
        && existing != Some(new)
    {
        return Err(mutability(format!(
            "\"{}\" is immutable: it cannot be changed once set.",
            def.name
        )));
    }
    Ok(())
}

/// The object holding the target's attribute, created for extensions when missing.
fn container_mut<'v>(
    work: &'v mut Value,
    ext: Option<&str>,
) -> Result<&'v mut Map<String, Value>, ScimError> {
    let root = work.as_object_mut().ok_or_else(ScimError::internal)?;
    let Some(urn) = ext else {
        return Ok(root);
    };
    let key = key_of(root, urn).map_or_else(|| urn.to_string(), str::to_string);
    let slot = root.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    slot.as_object_mut().ok_or_else(ScimError::internal)
}

/// Removes every case variant of `name`, returning the value.
fn take(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = key_of(map, name)?.to_string();
    map.remove(&key)
}

/// Sets `name` under its canonical spelling.
fn put(map: &mut Map<String, Value>, name: &str, value: Value) {
    take(map, name);
    map.insert(name.to_string(), value);
}

fn get<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    map.get(key_of(map, name)?)
}

/// A client value with canonical sub-attribute names; readOnly, unknown and null
/// sub-attributes are dropped (they are the server's to compute).
fn normalize(def: &AttributeDef, value: &Value) -> Result<Value, ScimError> {
    if def.kind != AttrKind::Complex {
        return Ok(value.clone());
    }
    let wrapped;
    let obj = match value {
        Value::Object(obj) => obj,
        // Azure AD sends the manager as a bare id: it is the `value` sub-attribute.
        Value::String(_) | Value::Number(_) if def.sub("value").is_some() => {
            let mut m = Map::new();
            m.insert("value".into(), value.clone());
            wrapped = m;
            &wrapped
        }
        _ => {
            return Err(invalid_value(format!(
                "\"{}\" takes an object of sub-attributes.",
                def.name
            )));
        }
    };
    let mut out = Map::new();
    for (k, v) in obj {
        if let Some(sub) = def.sub(k)
            && sub.mutability != Mutability::ReadOnly
            && !v.is_null()
        {
            out.insert(sub.name.to_string(), v.clone());
        }
    }
    Ok(Value::Object(out))
}

/// The elements a value gives a multi-valued attribute (a single value counts as one).
fn items_of(def: &AttributeDef, value: &Value) -> Result<Vec<Value>, ScimError> {
    let items: Vec<&Value> = match value {
        Value::Array(a) => a.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    };
    items
        .into_iter()
        .filter(|v| !v.is_null())
        .map(|v| normalize(def, v))
        .collect()
}

fn values_equal(def: Option<&AttributeDef>, a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(x), Value::String(y)) if !def.is_some_and(|d| d.case_exact) => {
            x.to_lowercase() == y.to_lowercase()
        }
        _ => a == b,
    }
}

/// Two elements of a multi-valued attribute are the same value when equal, or when
/// they are complex and their `value` sub-attributes are equal.
fn same_element(def: &AttributeDef, a: &Value, b: &Value) -> bool {
    if a == b {
        return true;
    }
    let value_def = def.sub("value");
    match (member(a, "value"), member(b, "value")) {
        (Some(x), Some(y)) if def.kind == AttrKind::Complex && !x.is_null() => {
            values_equal(value_def, x, y)
        }
        _ => false,
    }
}

/// Add and replace agree on a single-valued attribute: a complex value merges into what is
/// there, a simple one overwrites it (unless immutable and already set).
fn set_single(
    container: &mut Map<String, Value>,
    def: &AttributeDef,
    value: &Value,
) -> Result<(), ScimError> {
    if def.kind == AttrKind::Complex {
        let mut element = take(container, def.name).unwrap_or(Value::Null);
        merge_into(def, &mut element, value)?;
        container.insert(def.name.to_string(), element);
    } else {
        guard_immutable(def, get(container, def.name), value)?;
        put(container, def.name, value.clone());
    }
    Ok(())
}

/// RFC 7643 §2.4: at most one element is primary; the last one set wins.
fn fix_primary(list: &mut [Value], winner: Option<usize>) {
    let Some(winner) = winner else {
        return;
    };
    for (i, element) in list.iter_mut().enumerate() {
        if i != winner
            && let Some(obj) = element.as_object_mut()
            && get(obj, "primary") == Some(&Value::Bool(true))
        {
            put(obj, "primary", Value::Bool(false));
        }
    }
}

fn is_primary(element: &Value) -> bool {
    member(element, "primary") == Some(&Value::Bool(true))
}

fn list_of(container: &mut Map<String, Value>, def: &AttributeDef) -> Vec<Value> {
    match take(container, def.name) {
        Some(Value::Array(a)) => a,
        Some(Value::Null) | None => Vec::new(),
        Some(other) => vec![other],
    }
}

fn put_list(container: &mut Map<String, Value>, def: &AttributeDef, list: Vec<Value>) {
    if !list.is_empty() {
        container.insert(def.name.to_string(), Value::Array(list));
    }
}

/// Merges sub-attributes into a complex value, minding immutable ones.
fn merge_into(def: &AttributeDef, element: &mut Value, value: &Value) -> Result<(), ScimError> {
    let Value::Object(new) = normalize(def, value)? else {
        return Err(ScimError::internal());
    };
    if !element.is_object() {
        *element = Value::Object(Map::new());
    }
    let obj = element.as_object_mut().ok_or_else(ScimError::internal)?;
    for (k, v) in new {
        if let Some(sub) = def.sub(&k) {
            guard_immutable(sub, get(obj, &k), &v)?;
        }
        put(obj, &k, v);
    }
    Ok(())
}

/// Sets one sub-attribute of a complex value (null removes it).
fn set_sub(sub: &AttributeDef, element: &mut Value, value: &Value) -> Result<(), ScimError> {
    if !element.is_object() {
        *element = Value::Object(Map::new());
    }
    let obj = element.as_object_mut().ok_or_else(ScimError::internal)?;
    guard_immutable(sub, get(obj, sub.name), value)?;
    if value.is_null() {
        take(obj, sub.name);
    } else {
        put(obj, sub.name, value.clone());
    }
    Ok(())
}

/// The element an `add` through an unmatched `eq` filter creates (Azure AD adds
/// `emails[type eq "work"].value` to a user with no work e-mail).
fn element_from_filter(def: &AttributeDef, f: &Filter) -> Option<Map<String, Value>> {
    match f {
        Filter::Compare {
            path,
            op: CompareOp::Eq,
            value,
        } if path.urn.is_none() && path.sub.is_none() && !value.is_null() => {
            let sub = def.sub(&path.attr)?;
            let mut m = Map::new();
            m.insert(sub.name.to_string(), value.clone());
            Some(m)
        }
        Filter::And(a, b) => {
            let mut m = element_from_filter(def, a)?;
            m.extend(element_from_filter(def, b)?);
            Some(m)
        }
        _ => None,
    }
}

fn matched(def: &AttributeDef, f: &Filter, list: &[Value]) -> Vec<usize> {
    list.iter()
        .enumerate()
        .filter(|(_, e)| filter::matches_element(f, e, Some(def)))
        .map(|(i, _)| i)
        .collect()
}

/// Add or replace every attribute of an object; `ext` qualifies the keys of an
/// extension object.
fn apply_members(
    work: &mut Value,
    kind: PatchKind,
    ext: &'static str,
    attrs: &Value,
    schema: &ResourceSchema,
) -> Result<(), ScimError> {
    let Some(attrs) = attrs.as_object() else {
        return Err(invalid_value(format!(
            "The value of \"{ext}\" must be an object of attributes."
        )));
    };
    for (key, value) in attrs {
        let Ok(mut path) = AttrPath::parse(key) else {
            continue;
        };
        if path.urn.is_some() {
            continue;
        }
        path.urn = Some(ext.to_string());
        let Ok(target) = resolve(schema, &path, None, None) else {
            continue;
        };
        if check_writable(&target).is_err() {
            continue;
        }
        match kind {
            PatchKind::Add => add(work, &target, value, schema)?,
            _ => replace(work, &target, value, schema)?,
        }
    }
    Ok(())
}

fn add(
    work: &mut Value,
    t: &Target<'_>,
    value: &Value,
    schema: &ResourceSchema,
) -> Result<(), ScimError> {
    let Some(def) = t.def else {
        let ext = t.ext.ok_or_else(ScimError::internal)?;
        return apply_members(work, PatchKind::Add, ext, value, schema);
    };
    if value.is_null() && t.filter.is_none() && t.sub.is_none() {
        return remove(work, t, None);
    }
    let container = container_mut(work, t.ext)?;
    match (t.filter, t.sub) {
        (None, None) if def.multi_valued => {
            let mut list = list_of(container, def);
            let mut winner = None;
            for item in items_of(def, value)? {
                let primary = is_primary(&item);
                let index = match list.iter().position(|e| same_element(def, e, &item)) {
                    Some(i) => {
                        if def.kind == AttrKind::Complex {
                            merge_into(def, &mut list[i], &item)?;
                        }
                        i
                    }
                    None => {
                        list.push(item);
                        list.len() - 1
                    }
                };
                if primary {
                    winner = Some(index);
                }
            }
            fix_primary(&mut list, winner);
            put_list(container, def, list);
        }
        (None, None) => set_single(container, def, value)?,
        (None, Some(sub)) if def.multi_valued => {
            let mut list = list_of(container, def);
            if list.is_empty() {
                list.push(Value::Object(Map::new()));
            }
            for element in &mut list {
                set_sub(sub, element, value)?;
            }
            put_list(container, def, list);
        }
        (None, Some(sub)) => {
            let mut element = take(container, def.name).unwrap_or(Value::Null);
            set_sub(sub, &mut element, value)?;
            if element.as_object().is_some_and(|o| !o.is_empty()) {
                container.insert(def.name.to_string(), element);
            }
        }
        (Some(f), sub) => {
            let mut list = list_of(container, def);
            let hits = matched(def, f, &list);
            if hits.is_empty() {
                let Some(base) = element_from_filter(def, f) else {
                    put_list(container, def, list);
                    return Err(no_target(format!(
                        "No value of \"{}\" matches the filter.",
                        def.name
                    )));
                };
                let mut element = normalize(def, &Value::Object(base))?;
                match sub {
                    Some(sub) => set_sub(sub, &mut element, value)?,
                    None => merge_into(def, &mut element, value)?,
                }
                let primary = is_primary(&element);
                list.push(element);
                let last = list.len() - 1;
                fix_primary(&mut list, primary.then_some(last));
            } else {
                let mut winner = None;
                for i in hits {
                    match sub {
                        Some(sub) => set_sub(sub, &mut list[i], value)?,
                        None => merge_into(def, &mut list[i], value)?,
                    }
                    if is_primary(&list[i]) {
                        winner = Some(i);
                    }
                }
                fix_primary(&mut list, winner);
            }
            put_list(container, def, list);
        }
    }
    Ok(())
}

fn replace(
    work: &mut Value,
    t: &Target<'_>,
    value: &Value,
    schema: &ResourceSchema,
) -> Result<(), ScimError> {
    let Some(def) = t.def else {
        let ext = t.ext.ok_or_else(ScimError::internal)?;
        return apply_members(work, PatchKind::Replace, ext, value, schema);
    };
    if value.is_null() {
        return remove(work, t, None);
    }
    let container = container_mut(work, t.ext)?;
    match (t.filter, t.sub) {
        (None, None) if def.multi_valued => {
            let mut list = items_of(def, value)?;
            let winner = list.iter().rposition(is_primary);
            fix_primary(&mut list, winner);
            if list.is_empty() && def.required {
                return Err(required(def));
            }
            take(container, def.name);
            put_list(container, def, list);
        }
        (None, None) => set_single(container, def, value)?,
        (None, Some(sub)) if def.multi_valued => {
            let mut list = list_of(container, def);
            if list.is_empty() {
                return Err(no_target(format!("\"{}\" has no value.", def.name)));
            }
            for element in &mut list {
                set_sub(sub, element, value)?;
            }
            put_list(container, def, list);
        }
        (None, Some(sub)) => {
            let mut element = take(container, def.name).unwrap_or(Value::Null);
            set_sub(sub, &mut element, value)?;
            container.insert(def.name.to_string(), element);
        }
        (Some(f), sub) => {
            let mut list = list_of(container, def);
            let hits = matched(def, f, &list);
            if hits.is_empty() {
                put_list(container, def, list);
                return Err(no_target(format!(
                    "No value of \"{}\" matches the filter.",
                    def.name
                )));
            }
            let mut winner = None;
            for i in hits {
                match sub {
                    Some(sub) => set_sub(sub, &mut list[i], value)?,
                    None => {
                        let new = normalize(def, value)?;
                        for s in &def.sub_attributes {
                            if let Some(old) = member(&list[i], s.name) {
                                let new_sub = member(&new, s.name).unwrap_or(&Value::Null);
                                guard_immutable(s, Some(old), new_sub)?;
                            }
                        }
                        list[i] = new;
                    }
                }
                if is_primary(&list[i]) {
                    winner = Some(i);
                }
            }
            fix_primary(&mut list, winner);
            put_list(container, def, list);
        }
    }
    Ok(())
}

fn required(def: &AttributeDef) -> ScimError {
    invalid_value(format!(
        "\"{}\" is required and cannot be removed.",
        def.name
    ))
}

fn remove(work: &mut Value, t: &Target<'_>, value: Option<&Value>) -> Result<(), ScimError> {
    let Some(def) = t.def else {
        let ext = t.ext.ok_or_else(ScimError::internal)?;
        if let Some(root) = work.as_object_mut() {
            take(root, ext);
        }
        return Ok(());
    };
    let container = container_mut(work, t.ext)?;
    match (t.filter, t.sub) {
        (None, None) => {
            if def.required {
                return Err(required(def));
            }
            match value {
                // Azure AD removes members with {"path":"members","value":[{"value":id}]}.
                Some(v) if def.multi_valued && !v.is_null() => {
                    let gone = items_of(def, v)?;
                    let mut list = list_of(container, def);
                    list.retain(|e| !gone.iter().any(|g| same_element(def, e, g)));
                    put_list(container, def, list);
                }
                _ => {
                    take(container, def.name);
                }
            }
        }
        (None, Some(sub)) => {
            if sub.required {
                return Err(required(sub));
            }
            if def.multi_valued {
                let mut list = list_of(container, def);
                for element in &mut list {
                    set_sub(sub, element, &Value::Null)?;
                }
                put_list(container, def, list);
            } else if let Some(mut element) = take(container, def.name) {
                set_sub(sub, &mut element, &Value::Null)?;
                if element.as_object().is_some_and(|o| !o.is_empty()) {
                    container.insert(def.name.to_string(), element);
                }
            }
        }
        (Some(f), None) => {
            let mut list = list_of(container, def);
            let before = list.len();
            list.retain(|e| !filter::matches_element(f, e, Some(def)));
            if list.is_empty() && before > 0 && def.required {
                return Err(required(def));
            }
            put_list(container, def, list);
        }
        (Some(f), Some(sub)) => {
            if sub.required {
                return Err(required(sub));
            }
            let mut list = list_of(container, def);
            for i in matched(def, f, &list) {
                set_sub(sub, &mut list[i], &Value::Null)?;
            }
            put_list(container, def, list);
        }
    }
    Ok(())
}

/// Drops empty extension objects and keeps `schemas` listing exactly the extensions
/// that hold data.
fn sync_extensions(work: &mut Value, schema: &ResourceSchema) {
    let Some(root) = work.as_object_mut() else {
        return;
    };
    for ext in &schema.extensions {
        let present = match key_of(root, ext.id).map(str::to_string) {
            Some(key) => {
                let empty = root
                    .get(&key)
                    .is_none_or(|v| v.as_object().is_none_or(Map::is_empty));
                if empty {
                    root.remove(&key);
                }
                !empty
            }
            None => false,
        };
        let listed = get(root, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|s| {
                s.iter()
                    .any(|u| u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(ext.id)))
            });
        if present && !listed {
            let core = schema.core.id;
            let entry = root
                .entry("schemas")
                .or_insert_with(|| Value::Array(vec![Value::String(core.into())]));
            if let Value::Array(list) = entry {
                list.push(Value::String(ext.id.into()));
            }
        } else if !present
            && listed
            && let Some(Value::Array(list)) = root.get_mut("schemas")
        {
            list.retain(|u| !u.as_str().is_some_and(|u| u.eq_ignore_ascii_case(ext.id)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schemas::{group, user};
    use crate::scim::{EMBARQ_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
    use serde_json::json;

    fn request(ops: Value) -> Value {
        json!({"schemas": [PATCH_OP], "Operations": ops})
    }

    fn user_json() -> Value {
        json!({
            "schemas": [USER_SCHEMA],
            "id": "u-1",
            "userName": "bjensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "active": true,
            "emails": [{"value": "b@example.com", "type": "work", "primary": true}],
            "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00Z"}
        })
    }

    fn patched(resource: &Value, ops: Value, schema: &ResourceSchema) -> Result<Value, ScimError> {
        let ops = parse_request(&request(ops))?;
        let mut r = resource.clone();
        apply(&mut r, &ops, schema)?;
        Ok(r)
    }

    fn user_patch(ops: Value) -> Value {
        patched(&user_json(), ops, &user()).unwrap()
    }

    fn user_err(ops: Value) -> ScimError {
        patched(&user_json(), ops, &user()).unwrap_err()
    }

    #[test]
    fn parse_request_checks_the_envelope() {
        let e =
            parse_request(&json!({"Operations": [{"op": "add", "path": "title", "value": "x"}]}))
                .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
        assert!(e.detail.contains(PATCH_OP));
        let e = parse_request(&request(json!([]))).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
        let e = parse_request(&json!({"schemas": [PATCH_OP]})).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
        let e = parse_request(&json!([1])).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
        let many: Vec<Value> = (0..=MAX_OPERATIONS)
            .map(|_| json!({"op": "add", "path": "title", "value": "x"}))
            .collect();
        let e = parse_request(&request(Value::Array(many))).unwrap_err();
        assert!(e.detail.contains("1000"));
        let e = parse_request(&request(json!([{"op": "move", "path": "title"}]))).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
        assert!(
            e.detail.starts_with("Operation 1: unknown op \"move\""),
            "{}",
            e.detail
        );
        let e = parse_request(&request(json!([
            {"op": "add", "path": "title", "value": "x"},
            {"op": "remove"}
        ])))
        .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::NoTarget));
        assert!(e.detail.starts_with("Operation 2:"));
        let e = parse_request(&request(json!([{"op": "add", "path": "title"}]))).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
        let e = parse_request(&request(json!([{"op": "add", "value": "x"}]))).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidSyntax));
        for bad in [
            "a.b.c",
            "emails[type eq \"work\"",
            "emails[type zz \"work\"]",
            "emails[type eq \"w\"]x",
        ] {
            let e = parse_request(&request(json!([{"op": "remove", "path": bad}]))).unwrap_err();
            assert_eq!(e.scim_type, Some(ScimType::InvalidPath), "{bad}");
        }
        // Op names are case-insensitive, as Azure AD sends them capitalized.
        let ops = parse_request(&request(json!([
            {"op": "Add", "path": "title", "value": "x"},
            {"op": "REPLACE", "path": "emails[type eq \"work\"].value", "value": "y"},
            {"op": "Remove", "path": "members[value eq \"2819c223\"]"}
        ])))
        .unwrap();
        assert_eq!(
            ops.iter().map(|o| o.kind).collect::<Vec<_>>(),
            vec![PatchKind::Add, PatchKind::Replace, PatchKind::Remove]
        );
        let p = ops[1].path.as_ref().unwrap();
        assert_eq!(p.attr, AttrPath::new("emails", None));
        assert_eq!(p.sub.as_deref(), Some("value"));
        assert!(p.filter.is_some());
    }

    #[test]
    fn parse_path_handles_brackets_in_strings() {
        let p = parse_path(r#"emails[value eq "a]b"].type"#).unwrap();
        assert_eq!(p.sub.as_deref(), Some("type"));
        assert_eq!(
            p.filter,
            Some(Filter::Compare {
                path: AttrPath::new("value", None),
                op: CompareOp::Eq,
                value: json!("a]b")
            })
        );
    }

    #[test]
    fn azure_replace_active_keeps_the_string() {
        let r = user_patch(json!([{"op": "Replace", "path": "active", "value": "False"}]));
        assert_eq!(r["active"], json!("False"));
    }

    #[test]
    fn replace_simple_and_complex_attributes() {
        let r = user_patch(json!([
            {"op": "replace", "path": "USERNAME", "value": "barbara"},
            {"op": "replace", "path": "name", "value": {"familyName": "Smith"}},
            {"op": "replace", "path": "name.givenName", "value": "Babs"}
        ]));
        assert_eq!(r["userName"], json!("barbara"));
        assert!(r.get("USERNAME").is_none());
        assert_eq!(
            r["name"],
            json!({"givenName": "Babs", "familyName": "Smith"})
        );
    }

    #[test]
    fn pathless_add_and_replace_with_urn_keys() {
        let r = user_patch(json!([{
            "op": "add",
            "value": {
                "displayName": "Babs",
                "name.givenName": "B.",
                ENTERPRISE_USER_SCHEMA: {"department": "Tours", "manager": {"value": "m-1"}},
                format!("{ENTERPRISE_USER_SCHEMA}:division"): "North",
                format!("{EMBARQ_USER_SCHEMA}:birthYear"): 1980,
                "nickName": "ignored",
                "id": "u-1"
            }
        }]));
        assert_eq!(r["displayName"], json!("Babs"));
        assert_eq!(r["name"]["givenName"], json!("B."));
        assert_eq!(
            r[ENTERPRISE_USER_SCHEMA],
            json!({"department": "Tours", "manager": {"value": "m-1"}, "division": "North"})
        );
        assert_eq!(r[EMBARQ_USER_SCHEMA], json!({"birthYear": 1980}));
        assert!(r.get("nickName").is_none());
        assert_eq!(
            r["schemas"],
            json!([USER_SCHEMA, ENTERPRISE_USER_SCHEMA, EMBARQ_USER_SCHEMA])
        );
        // Replacing with a different id is refused.
        let e = user_err(json!([{"op": "replace", "value": {"id": "other"}}]));
        assert_eq!(e.scim_type, Some(ScimType::Mutability));
    }

    #[test]
    fn whole_extension_paths() {
        let r = user_patch(json!([{
            "op": "add",
            "path": ENTERPRISE_USER_SCHEMA,
            "value": {"employeeNumber": "42", "manager": {"value": "m-2", "displayName": "dropped"}}
        }]));
        assert_eq!(
            r[ENTERPRISE_USER_SCHEMA],
            json!({"employeeNumber": "42", "manager": {"value": "m-2"}})
        );
        let r = patched(
            &r,
            json!([{"op": "remove", "path": ENTERPRISE_USER_SCHEMA}]),
            &user(),
        )
        .unwrap();
        assert!(r.get(ENTERPRISE_USER_SCHEMA).is_none());
        assert_eq!(r["schemas"], json!([USER_SCHEMA]));
    }

    #[test]
    fn azure_quirks_bare_manager_id_and_filtered_keys() {
        let manager = format!("{ENTERPRISE_USER_SCHEMA}:manager");
        let r = user_patch(json!([{"op": "Replace", "path": manager, "value": "m-9"}]));
        assert_eq!(
            r[ENTERPRISE_USER_SCHEMA]["manager"],
            json!({"value": "m-9"})
        );
        let r = user_patch(json!([{
            "op": "replace",
            "value": {"emails[type eq \"work\"].value": "w@x.io", "name.familyName": "J."}
        }]));
        assert_eq!(r["emails"][0]["value"], json!("w@x.io"));
        assert_eq!(r["name"]["familyName"], json!("J."));
        let e = user_err(json!([{"op": "replace", "path": "name", "value": true}]));
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn extension_attribute_paths() {
        let r = user_patch(json!([
            {"op": "add", "path": format!("{ENTERPRISE_USER_SCHEMA}:manager"), "value": {"value": "m-1", "$ref": "https://x/Users/m-1"}},
            {"op": "replace", "path": format!("{ENTERPRISE_USER_SCHEMA}:manager.value"), "value": "m-3"},
            {"op": "add", "path": format!("{EMBARQ_USER_SCHEMA}:site"), "value": "Lyon"}
        ]));
        assert_eq!(
            r[ENTERPRISE_USER_SCHEMA]["manager"],
            json!({"value": "m-3", "$ref": "https://x/Users/m-1"})
        );
        assert_eq!(r[EMBARQ_USER_SCHEMA]["site"], json!("Lyon"));
        let r = patched(
            &r,
            json!([
                {"op": "remove", "path": format!("{ENTERPRISE_USER_SCHEMA}:manager.value")},
                {"op": "remove", "path": format!("{ENTERPRISE_USER_SCHEMA}:manager.$ref")},
                {"op": "remove", "path": format!("{EMBARQ_USER_SCHEMA}:site")}
            ]),
            &user(),
        )
        .unwrap();
        assert!(r.get(ENTERPRISE_USER_SCHEMA).is_none(), "{r}");
        assert!(r.get(EMBARQ_USER_SCHEMA).is_none());
        assert_eq!(r["schemas"], json!([USER_SCHEMA]));
    }

    #[test]
    fn add_to_multi_valued_appends_without_duplicates() {
        let r = user_patch(json!([{
            "op": "add",
            "path": "emails",
            "value": [
                {"value": "B@EXAMPLE.COM", "type": "work"},
                {"value": "home@example.com", "type": "home", "primary": true}
            ]
        }]));
        assert_eq!(
            r["emails"],
            json!([
                {"value": "B@EXAMPLE.COM", "type": "work", "primary": false},
                {"value": "home@example.com", "type": "home", "primary": true}
            ])
        );
    }

    #[test]
    fn filtered_paths_replace_add_and_remove() {
        let r = user_patch(json!([
            {"op": "replace", "path": "emails[type eq \"work\"].value", "value": "new@example.com"}
        ]));
        assert_eq!(r["emails"][0]["value"], json!("new@example.com"));
        // Azure AD adds through a filter that matches nothing: the element is created.
        let r = user_patch(json!([
            {"op": "add", "path": "emails[type eq \"home\"].value", "value": "h@example.com"}
        ]));
        assert_eq!(
            r["emails"][1],
            json!({"type": "home", "value": "h@example.com"})
        );
        let r = user_patch(json!([
            {"op": "replace", "path": "emails[type eq \"work\"]", "value": {"value": "w@x.io", "type": "work"}}
        ]));
        assert_eq!(r["emails"], json!([{"value": "w@x.io", "type": "work"}]));
        let r = user_patch(json!([{"op": "remove", "path": "emails[type eq \"work\"]"}]));
        assert!(r.get("emails").is_none());
        let r = user_patch(json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]));
        assert_eq!(
            r["emails"],
            json!([{"value": "b@example.com", "type": "work"}])
        );
        // Removing through a filter that matches nothing changes nothing.
        let r = user_patch(json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]));
        assert_eq!(r, user_json());
    }

    #[test]
    fn no_target_when_a_replace_filter_matches_nothing() {
        let e = user_err(json!([
            {"op": "replace", "path": "emails[type eq \"home\"].value", "value": "x@y.z"}
        ]));
        assert_eq!(e.scim_type, Some(ScimType::NoTarget));
        let e = user_err(json!([
            {"op": "add", "path": "emails[value co \"home\"].type", "value": "home"}
        ]));
        assert_eq!(e.scim_type, Some(ScimType::NoTarget));
    }

    #[test]
    fn read_only_required_and_unknown_targets_are_refused() {
        for path in ["id", "meta", "meta.created", "ID"] {
            let e = user_err(json!([{"op": "replace", "path": path, "value": "x"}]));
            assert_eq!(e.scim_type, Some(ScimType::Mutability), "{path}");
            let e = user_err(json!([{"op": "remove", "path": path}]));
            assert_eq!(e.scim_type, Some(ScimType::Mutability), "{path}");
        }
        let e = user_err(json!([{
            "op": "replace",
            "path": format!("{ENTERPRISE_USER_SCHEMA}:manager.displayName"),
            "value": "x"
        }]));
        assert_eq!(e.scim_type, Some(ScimType::Mutability));
        let e = user_err(json!([{"op": "remove", "path": "userName"}]));
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        let e = user_err(json!([{"op": "replace", "path": "userName", "value": null}]));
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        for path in [
            "nickName",
            "name.middleName",
            "title[value eq \"x\"]",
            "urn:x:y:z",
        ] {
            let e = user_err(json!([{"op": "add", "path": path, "value": "x"}]));
            assert_eq!(e.scim_type, Some(ScimType::InvalidPath), "{path}");
        }
        let e = user_err(json!([{"op": "add", "path": "name", "value": ["flat"]}]));
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
    }

    #[test]
    fn a_failing_operation_leaves_the_resource_unchanged() {
        let mut r = user_json();
        let ops = parse_request(&request(json!([
            {"op": "replace", "path": "title", "value": "Boss"},
            {"op": "replace", "path": "id", "value": "x"}
        ])))
        .unwrap();
        let e = apply(&mut r, &ops, &user()).unwrap_err();
        assert!(e.detail.starts_with("Operation 2:"));
        assert_eq!(r, user_json());
    }

    fn group_json() -> Value {
        json!({
            "schemas": [GROUP_SCHEMA],
            "id": "g-1",
            "displayName": "Ops",
            "members": [
                {"value": "x", "type": "User", "display": "X"},
                {"value": "y", "type": "User"}
            ]
        })
    }

    #[test]
    fn group_members() {
        let g = group();
        let r = patched(
            &group_json(),
            json!([{"op": "remove", "path": "members[value eq \"x\"]"}]),
            &g,
        )
        .unwrap();
        assert_eq!(r["members"], json!([{"value": "y", "type": "User"}]));
        let r = patched(
            &group_json(),
            json!([{"op": "add", "path": "members", "value": [{"value": "z", "display": "ro"}, {"value": "y"}]}]),
            &g,
        )
        .unwrap();
        assert_eq!(
            r["members"],
            json!([
                {"value": "x", "type": "User", "display": "X"},
                {"value": "y", "type": "User"},
                {"value": "z"}
            ])
        );
        // Azure AD: remove with the members in "value".
        let r = patched(
            &group_json(),
            json!([{"op": "Remove", "path": "members", "value": [{"value": "x"}, {"value": "y"}]}]),
            &g,
        )
        .unwrap();
        assert!(r.get("members").is_none());
        let r = patched(
            &group_json(),
            json!([{"op": "remove", "path": "members"}]),
            &g,
        )
        .unwrap();
        assert!(r.get("members").is_none());
        let r = patched(
            &group_json(),
            json!([{"op": "replace", "path": "members", "value": [{"value": "q"}]}]),
            &g,
        )
        .unwrap();
        assert_eq!(r["members"], json!([{"value": "q"}]));
        // member values are immutable once set
        let e = patched(
            &group_json(),
            json!([{"op": "replace", "path": "members[value eq \"x\"].value", "value": "w"}]),
            &g,
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::Mutability));
        let e = patched(
            &group_json(),
            json!([{"op": "replace", "path": "members[value eq \"x\"]", "value": {"value": "w"}}]),
            &g,
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::Mutability));
        let e = patched(
            &group_json(),
            json!([{"op": "replace", "path": "members[value eq \"x\"].display", "value": "w"}]),
            &g,
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::Mutability));
        let e = patched(
            &group_json(),
            json!([{"op": "remove", "path": "displayName"}]),
            &g,
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        let r = patched(
            &group_json(),
            json!([{"op": "replace", "value": {"displayName": "Ops 2", "externalId": "E"}}]),
            &g,
        )
        .unwrap();
        assert_eq!(
            (&r["displayName"], &r["externalId"]),
            (&json!("Ops 2"), &json!("E"))
        );
    }
}
