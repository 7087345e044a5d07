//! Attribute paths (RFC 7644 §3.10): `userName`, `name.givenName`,
//! `urn:…:enterprise:2.0:User:department`, `urn:…:enterprise:2.0:User:manager.value`.
use std::fmt;

use serde_json::{Map, Value};

use super::error::{ScimError, ScimType};
use super::schemas::ResourceSchema;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttrPath {
    /// The schema URN prefix when the path is fully qualified.
    pub urn: Option<String>,
    pub attr: String,
    pub sub: Option<String>,
}

impl AttrPath {
    /// An unqualified path `attr` or `attr.sub`.
    pub fn new(attr: &str, sub: Option<&str>) -> Self {
        Self {
            urn: None,
            attr: attr.to_string(),
            sub: sub.map(str::to_string),
        }
    }

    /// Parses a path; errors are `invalidPath` (the filter parser re-labels them).
    /// A comma-separated list of paths, as in `attributes` / `excludedAttributes`; blanks skipped.
    pub fn parse_list(list: &str) -> Result<Vec<AttrPath>, ScimError> {
        list.split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(AttrPath::parse)
            .collect()
    }

    pub fn parse(input: &str) -> Result<AttrPath, ScimError> {
        let invalid = |why: &str| {
            ScimError::bad(
                ScimType::InvalidPath,
                format!("Invalid attribute path \"{input}\": {why}."),
            )
        };
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(invalid("it is empty"));
        }
        let (urn, rest) = if trimmed.len() > 4 && trimmed[..4].eq_ignore_ascii_case("urn:") {
            // The attribute follows the last ':'; the URN itself may contain '.' (e.g. "2.0").
            match trimmed.rfind(':') {
                Some(i) if i + 1 < trimmed.len() => (Some(&trimmed[..i]), &trimmed[i + 1..]),
                _ => return Err(invalid("no attribute name follows the schema URN")),
            }
        } else {
            (None, trimmed)
        };
        let mut parts = rest.split('.');
        let attr = parts.next().unwrap_or_default();
        let sub = parts.next();
        if parts.next().is_some() {
            return Err(invalid("sub-attributes nest only one level"));
        }
        if !is_attr_name(attr) {
            return Err(invalid("an attribute name is expected"));
        }
        if let Some(sub) = sub
            && !is_attr_name(sub)
        {
            return Err(invalid("a sub-attribute name is expected after '.'"));
        }
        Ok(AttrPath {
            urn: urn.map(str::to_string),
            attr: attr.to_string(),
            sub: sub.map(str::to_string),
        })
    }

    /// The same path without its sub-attribute.
    pub fn parent(&self) -> AttrPath {
        AttrPath {
            urn: self.urn.clone(),
            attr: self.attr.clone(),
            sub: None,
        }
    }

    /// Whether the path qualifies an extension of `schema` (not the core schema).
    pub fn extension<'s>(&self, schema: &'s ResourceSchema) -> Option<&'s str> {
        let urn = self.urn.as_deref()?;
        schema.extension(urn).map(|e| e.id)
    }
}

/// ATTRNAME = ALPHA *(nameChar), plus "$ref" (RFC 7643 §2.1).
fn is_attr_name(s: &str) -> bool {
    if s.eq_ignore_ascii_case("$ref") {
        return true;
    }
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

impl fmt::Display for AttrPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(urn) = &self.urn {
            write!(f, "{urn}:")?;
        }
        write!(f, "{}", self.attr)?;
        if let Some(sub) = &self.sub {
            write!(f, ".{sub}")?;
        }
        Ok(())
    }
}

/// Case-insensitive key lookup in a JSON object (attribute names are case-insensitive).
pub fn key_of<'a>(obj: &'a Map<String, Value>, name: &str) -> Option<&'a str> {
    obj.keys()
        .find(|k| k.eq_ignore_ascii_case(name))
        .map(String::as_str)
}

/// Case-insensitive member lookup in a JSON object.
pub fn member<'a>(value: &'a Value, name: &str) -> Option<&'a Value> {
    let obj = value.as_object()?;
    obj.get(key_of(obj, name)?)
}

/// The object holding the path's top-level attribute: the resource itself for core
/// attributes, the object under the extension URN key for extension attributes.
pub fn container<'a>(
    resource: &'a Value,
    path: &AttrPath,
    schema: &ResourceSchema,
) -> Option<&'a Value> {
    match &path.urn {
        Some(urn) if !schema.is_core(urn) => member(resource, urn),
        _ => resource.as_object().map(|_| resource),
    }
}

/// The value at `path`: the top-level attribute, or its sub-attribute for a single-valued
/// complex attribute. A sub-attribute of a multi-valued attribute has no single value
/// (`None`); use [`values`] for it.
pub fn get<'a>(resource: &'a Value, path: &AttrPath, schema: &ResourceSchema) -> Option<&'a Value> {
    let top = member(container(resource, path, schema)?, &path.attr)?;
    match &path.sub {
        None => Some(top),
        Some(sub) => member(top, sub),
    }
}

/// Every value at `path`, flattening multi-valued attributes: `emails.value` gives each
/// e-mail's value; `emails` gives each e-mail object. Nulls are skipped.
pub fn values<'a>(resource: &'a Value, path: &AttrPath, schema: &ResourceSchema) -> Vec<&'a Value> {
    let Some(top) = container(resource, path, schema).and_then(|c| member(c, &path.attr)) else {
        return Vec::new();
    };
    let elements: Vec<&Value> = match top {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    };
    match &path.sub {
        None => elements,
        Some(sub) => elements
            .into_iter()
            .filter_map(|e| member(e, sub))
            .filter(|v| !v.is_null())
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::schemas::user;
    use crate::scim::{ENTERPRISE_USER_SCHEMA, ScimType};
    use serde_json::json;

    #[test]
    fn parses_comma_separated_lists_and_rejects_bad_entries() {
        let l = AttrPath::parse_list(" userName, name.givenName,,").unwrap();
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].sub.as_deref(), Some("givenName"));
        assert!(AttrPath::parse_list("").unwrap().is_empty());
        assert!(AttrPath::parse_list("userName, bad path").is_err());
    }

    #[test]
    fn parses_simple_sub_and_urn_paths() {
        assert_eq!(
            AttrPath::parse("userName").unwrap(),
            AttrPath::new("userName", None)
        );
        assert_eq!(
            AttrPath::parse("name.givenName").unwrap(),
            AttrPath::new("name", Some("givenName"))
        );
        let p = AttrPath::parse(&format!("{ENTERPRISE_USER_SCHEMA}:department")).unwrap();
        assert_eq!(p.urn.as_deref(), Some(ENTERPRISE_USER_SCHEMA));
        assert_eq!(p.attr, "department");
        assert_eq!(p.sub, None);
        let p = AttrPath::parse(&format!("{ENTERPRISE_USER_SCHEMA}:manager.value")).unwrap();
        assert_eq!(p.urn.as_deref(), Some(ENTERPRISE_USER_SCHEMA));
        assert_eq!(
            (p.attr.as_str(), p.sub.as_deref()),
            ("manager", Some("value"))
        );
        assert_eq!(
            AttrPath::parse("manager.$ref").unwrap().sub.as_deref(),
            Some("$ref")
        );
        assert_eq!(
            p.to_string(),
            format!("{ENTERPRISE_USER_SCHEMA}:manager.value")
        );
    }

    #[test]
    fn rejects_malformed_paths() {
        for bad in [
            "",
            "a.b.c",
            "1abc",
            "name.",
            "urn:x:",
            "user name",
            "emails[type",
        ] {
            let e = AttrPath::parse(bad).unwrap_err();
            assert_eq!(e.scim_type, Some(ScimType::InvalidPath), "{bad}");
            assert_eq!(e.status, 400);
        }
    }

    #[test]
    fn finds_attributes_case_insensitively() {
        let s = user();
        let r = json!({
            "userName": "Ann",
            "name": {"givenName": "Ann"},
            "emails": [{"value": "a@x.io"}, {"value": "b@x.io"}],
            ENTERPRISE_USER_SCHEMA: {"department": "R&D", "manager": {"value": "m1"}},
        });
        let p = |s: &str| AttrPath::parse(s).unwrap();
        assert_eq!(get(&r, &p("USERNAME"), &s), Some(&json!("Ann")));
        assert_eq!(get(&r, &p("name.GIVENNAME"), &s), Some(&json!("Ann")));
        assert_eq!(
            get(&r, &p(&format!("{ENTERPRISE_USER_SCHEMA}:Department")), &s),
            Some(&json!("R&D"))
        );
        assert_eq!(
            get(
                &r,
                &p(&format!("{ENTERPRISE_USER_SCHEMA}:manager.value")),
                &s
            ),
            Some(&json!("m1"))
        );
        assert_eq!(get(&r, &p("emails.value"), &s), None);
        assert_eq!(
            values(&r, &p("emails.value"), &s),
            vec![&json!("a@x.io"), &json!("b@x.io")]
        );
        assert!(s.find(&p("Emails.Primary")).is_some());
        assert!(s.find(&p("emails.nope")).is_none());
    }
}
