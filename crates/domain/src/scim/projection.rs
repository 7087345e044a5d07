//! `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) with the "returned" rules of
//! RFC 7643 §7: `always` attributes (and `schemas`) stay, `never` ones go, `request`
//! ones appear only when asked for.
use serde_json::{Map, Value};

use super::path::{AttrPath, key_of};
use super::schemas::{AttributeDef, ResourceSchema, Returned, SchemaDef};

/// Where a path points: the container (`None` = top level, `Some(urn)` = extension
/// object) and the attribute, or a whole extension.
enum Spot<'a> {
    Extension(&'static str),
    Attr {
        ext: Option<&'static str>,
        def: &'a AttributeDef,
        sub: Option<&'a AttributeDef>,
    },
}

fn locate<'a>(schema: &'a ResourceSchema, path: &AttrPath) -> Option<Spot<'a>> {
    let (ext, schema_def): (Option<&'static str>, &SchemaDef) = match &path.urn {
        None => (None, &schema.core),
        Some(urn) => match schema.schema(urn) {
            Some(s) if schema.is_core(urn) => (None, s),
            Some(s) => (Some(s.id), s),
            None => {
                let whole = format!("{urn}:{}", path.attr);
                return schema
                    .extension(&whole)
                    .filter(|_| path.sub.is_none())
                    .map(|e| Spot::Extension(e.id));
            }
        },
    };
    let def = schema_def.attribute(&path.attr)?;
    let sub = match &path.sub {
        Some(s) => Some(def.sub(s)?),
        None => None,
    };
    Some(Spot::Attr { ext, def, sub })
}

fn take(map: &mut Map<String, Value>, name: &str) -> Option<Value> {
    let key = key_of(map, name)?.to_string();
    map.remove(&key)
}

/// Keeps only `sub` in a complex value (or in each element of a multi-valued one).
fn only_sub(value: Value, sub: &str) -> Option<Value> {
    let pick = |v: &Value| -> Option<Value> {
        let obj = v.as_object()?;
        let key = key_of(obj, sub)?;
        let mut out = Map::new();
        out.insert(key.to_string(), obj.get(key)?.clone());
        Some(Value::Object(out))
    };
    match value {
        Value::Array(items) => {
            let kept: Vec<Value> = items.iter().filter_map(pick).collect();
            (!kept.is_empty()).then_some(Value::Array(kept))
        }
        other => pick(&other),
    }
}

/// Merges a partial copy into what was already picked (`name.givenName` + `name.familyName`).
fn merge(into: &mut Map<String, Value>, key: &str, value: Value) {
    match (into.get_mut(key), value) {
        (Some(Value::Object(a)), Value::Object(b)) => a.extend(b),
        (Some(Value::Array(a)), Value::Array(b)) if a.len() == b.len() => {
            for (x, y) in a.iter_mut().zip(b) {
                if let (Value::Object(x), Value::Object(y)) = (x, y) {
                    x.extend(y);
                }
            }
        }
        (_, value) => {
            into.insert(key.to_string(), value);
        }
    }
}

fn container<'m>(
    root: &'m mut Map<String, Value>,
    ext: Option<&str>,
) -> Option<&'m mut Map<String, Value>> {
    match ext {
        None => Some(root),
        Some(urn) => {
            let key = key_of(root, urn)?.to_string();
            root.get_mut(&key)?.as_object_mut()
        }
    }
}

/// Applies `attributes` (when non-empty) then `excludedAttributes`, and the returned
/// rules. Unknown paths are ignored.
pub fn project(
    resource: &mut Value,
    attributes: &[AttrPath],
    excluded: &[AttrPath],
    schema: &ResourceSchema,
) {
    let Some(root) = resource.as_object_mut() else {
        return;
    };
    let requested = |def: &AttributeDef| -> bool {
        attributes.iter().any(|p| match locate(schema, p) {
            Some(Spot::Attr {
                def: d, sub: None, ..
            }) => std::ptr::eq(d, def),
            Some(Spot::Attr { sub: Some(s), .. }) => std::ptr::eq(s, def),
            _ => false,
        })
    };
    if !attributes.is_empty() {
        let mut picked = Map::new();
        let mut source = std::mem::take(root);
        if let Some(s) = take(&mut source, "schemas") {
            picked.insert("schemas".into(), s);
        }
        for path in attributes {
            match locate(schema, path) {
                Some(Spot::Extension(urn)) => {
                    if let Some(key) = key_of(&source, urn).map(str::to_string)
                        && let Some(v) = source.get(&key)
                    {
                        picked.insert(key, v.clone());
                    }
                }
                Some(Spot::Attr { ext, def, sub }) => {
                    let Some(from) = container(&mut source, ext) else {
                        continue;
                    };
                    let Some(key) = key_of(from, def.name).map(str::to_string) else {
                        continue;
                    };
                    let Some(value) = from.get(&key).cloned() else {
                        continue;
                    };
                    let value = match sub {
                        Some(s) => match only_sub(value, s.name) {
                            Some(v) => v,
                            None => continue,
                        },
                        None => value,
                    };
                    let into = match ext {
                        None => &mut picked,
                        Some(urn) => {
                            let ext_key = key_of(&source, urn)
                                .map_or_else(|| urn.to_string(), str::to_string);
                            match picked
                                .entry(ext_key)
                                .or_insert_with(|| Value::Object(Map::new()))
                            {
                                Value::Object(m) => m,
                                _ => continue,
                            }
                        }
                    };
                    merge(into, &key, value);
                }
                None => {}
            }
        }
        // `always` attributes come back whatever was asked.
        for def in schema.core.attributes.iter() {
            if def.returned == Returned::Always
                && let Some(key) = key_of(&source, def.name).map(str::to_string)
                && let Some(v) = source.remove(&key)
            {
                picked.insert(key, v);
            }
        }
        *root = picked;
    }
    for path in excluded {
        match locate(schema, path) {
            Some(Spot::Extension(urn)) => {
                take(root, urn);
            }
            Some(Spot::Attr { ext, def, sub }) => {
                if def.returned == Returned::Always
                    || sub.is_some_and(|s| s.returned == Returned::Always)
                {
                    continue;
                }
                let Some(from) = container(root, ext) else {
                    continue;
                };
                match sub {
                    None => {
                        take(from, def.name);
                    }
                    Some(s) => strip_sub(from, def.name, s.name),
                }
            }
            None => {}
        }
    }
    // `never` attributes never leave; `request` ones only when named in `attributes`.
    let schemas = std::iter::once((None, &schema.core))
        .chain(schema.extensions.iter().map(|e| (Some(e.id), e)));
    for (ext, schema_def) in schemas {
        let Some(from) = container(root, ext) else {
            continue;
        };
        for def in &schema_def.attributes {
            let hidden = def.returned == Returned::Never
                || (def.returned == Returned::Request && !requested(def));
            if hidden {
                take(from, def.name);
                continue;
            }
            for s in &def.sub_attributes {
                let hidden = s.returned == Returned::Never
                    || (s.returned == Returned::Request && !requested(s));
                if hidden {
                    strip_sub(from, def.name, s.name);
                }
            }
        }
    }
    // An extension left empty disappears.
    for e in &schema.extensions {
        if let Some(key) = key_of(root, e.id).map(str::to_string)
            && root
                .get(&key)
                .is_some_and(|v| v.as_object().is_some_and(Map::is_empty))
        {
            root.remove(&key);
        }
    }
}

/// Removes a sub-attribute from a complex value or from every element of a
/// multi-valued one; an emptied value disappears.
fn strip_sub(from: &mut Map<String, Value>, attr: &str, sub: &str) {
    let Some(key) = key_of(from, attr).map(str::to_string) else {
        return;
    };
    let Some(value) = from.get_mut(&key) else {
        return;
    };
    let strip = |v: &mut Value| {
        if let Some(obj) = v.as_object_mut() {
            take(obj, sub);
        }
    };
    let empty = match value {
        Value::Array(items) => {
            items.iter_mut().for_each(strip);
            items.retain(|v| v.as_object().is_none_or(|o| !o.is_empty()));
            items.is_empty()
        }
        other => {
            strip(other);
            other.as_object().is_some_and(Map::is_empty)
        }
    };
    if empty {
        from.remove(&key);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schemas::{Mutability, group, user};
    use crate::scim::{EMBARQ_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, USER_SCHEMA};
    use serde_json::json;

    fn full() -> Value {
        json!({
            "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, EMBARQ_USER_SCHEMA],
            "id": "u-1",
            "userName": "bjensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "title": "Guide",
            "emails": [{"value": "a@x.io", "type": "work"}, {"value": "b@x.io", "type": "home"}],
            "meta": {"resourceType": "User", "location": "https://h/scim/v2/Users/u-1"},
            ENTERPRISE_USER_SCHEMA: {"department": "Tours", "manager": {"value": "m-1"}},
            EMBARQ_USER_SCHEMA: {"site": "Lyon"}
        })
    }

    fn paths(list: &[&str]) -> Vec<AttrPath> {
        list.iter().map(|p| AttrPath::parse(p).unwrap()).collect()
    }

    fn projected(attributes: &[&str], excluded: &[&str]) -> Value {
        let mut r = full();
        project(&mut r, &paths(attributes), &paths(excluded), &user());
        r
    }

    #[test]
    fn no_parameters_keep_everything() {
        assert_eq!(projected(&[], &[]), full());
    }

    #[test]
    fn attributes_keep_only_those_plus_always_returned() {
        assert_eq!(
            projected(&["userName"], &[]),
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, EMBARQ_USER_SCHEMA],
                "id": "u-1",
                "userName": "bjensen"
            })
        );
        assert_eq!(
            projected(&["NAME.givenName", "name.familyName", "emails.value"], &[]),
            json!({
                "schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, EMBARQ_USER_SCHEMA],
                "id": "u-1",
                "name": {"givenName": "Barbara", "familyName": "Jensen"},
                "emails": [{"value": "a@x.io"}, {"value": "b@x.io"}]
            })
        );
        let r = projected(
            &[
                &format!("{ENTERPRISE_USER_SCHEMA}:manager.value"),
                EMBARQ_USER_SCHEMA,
                &format!("{USER_SCHEMA}:title"),
                "nickName",
            ],
            &[],
        );
        assert_eq!(
            r[ENTERPRISE_USER_SCHEMA],
            json!({"manager": {"value": "m-1"}})
        );
        assert_eq!(r[EMBARQ_USER_SCHEMA], json!({"site": "Lyon"}));
        assert_eq!(r["title"], json!("Guide"));
        assert!(r.get("userName").is_none() && r.get("meta").is_none());
    }

    #[test]
    fn excluded_attributes_drop_all_but_always_returned() {
        let r = projected(&[], &["emails", "id", "name.givenName", EMBARQ_USER_SCHEMA]);
        assert!(r.get("emails").is_none());
        assert_eq!(r["id"], json!("u-1"));
        assert_eq!(r["name"], json!({"familyName": "Jensen"}));
        assert!(r.get(EMBARQ_USER_SCHEMA).is_none());
        assert_eq!(r["userName"], json!("bjensen"));
        let r = projected(
            &[],
            &[
                &format!("{ENTERPRISE_USER_SCHEMA}:department"),
                &format!("{ENTERPRISE_USER_SCHEMA}:manager"),
            ],
        );
        assert!(
            r.get(ENTERPRISE_USER_SCHEMA).is_none(),
            "an emptied extension goes"
        );
        let r = projected(&[], &["emails.type"]);
        assert_eq!(
            r["emails"],
            json!([{"value": "a@x.io"}, {"value": "b@x.io"}])
        );
    }

    #[test]
    fn computed_display_names_come_back_only_on_request() {
        let g =
            json!({"id": "g", "displayName": "Ops", "members": [{"value": "u", "display": "Ann"}]});
        let mut r = g.clone();
        project(&mut r, &[], &[], &group());
        assert_eq!(r["members"], json!([{"value": "u"}]));
        let mut r = g.clone();
        project(&mut r, &paths(&["members"]), &[], &group());
        assert_eq!(r["members"], json!([{"value": "u"}]));
        let mut r = g.clone();
        project(
            &mut r,
            &paths(&["members.display", "members.value"]),
            &[],
            &group(),
        );
        assert_eq!(r["members"], json!([{"value": "u", "display": "Ann"}]));
        let mut u = full();
        u[ENTERPRISE_USER_SCHEMA]["manager"]["displayName"] = json!("Boss");
        project(&mut u, &[], &[], &user());
        assert_eq!(
            u[ENTERPRISE_USER_SCHEMA]["manager"],
            json!({"value": "m-1"})
        );
    }

    #[test]
    fn never_and_request_attributes() {
        let mut schema = group();
        schema.core.attributes[2].returned = Returned::Never;
        schema.core.attributes[3].returned = Returned::Request;
        schema.core.attributes[3].mutability = Mutability::ReadWrite;
        let g = json!({"id": "g", "displayName": "Ops", "members": [{"value": "u"}]});
        let mut r = g.clone();
        project(&mut r, &[], &[], &schema);
        assert_eq!(r, json!({"id": "g"}));
        let mut r = g.clone();
        project(&mut r, &paths(&["members", "displayName"]), &[], &schema);
        assert_eq!(r, json!({"id": "g", "members": [{"value": "u"}]}));
    }
}
