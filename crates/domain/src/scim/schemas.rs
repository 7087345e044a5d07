//! Attribute metadata of the advertised resources, and the discovery documents
//! (/Schemas, /ResourceTypes, /ServiceProviderConfig) of RFC 7643 §5–§7.
use serde_json::{Map, Value, json};

use super::path::AttrPath;
use super::{
    EMBARQ_USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, RESOURCE_TYPE_SCHEMA, SCHEMA_SCHEMA,
    SERVICE_PROVIDER_CONFIG_SCHEMA, USER_SCHEMA,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrKind {
    String,
    Boolean,
    Integer,
    DateTime,
    Reference,
    Complex,
}

impl AttrKind {
    pub fn as_str(self) -> &'static str {
        match self {
            AttrKind::String => "string",
            AttrKind::Boolean => "boolean",
            AttrKind::Integer => "integer",
            AttrKind::DateTime => "dateTime",
            AttrKind::Reference => "reference",
            AttrKind::Complex => "complex",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutability {
    ReadOnly,
    ReadWrite,
    Immutable,
    WriteOnly,
}

impl Mutability {
    pub fn as_str(self) -> &'static str {
        match self {
            Mutability::ReadOnly => "readOnly",
            Mutability::ReadWrite => "readWrite",
            Mutability::Immutable => "immutable",
            Mutability::WriteOnly => "writeOnly",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Returned {
    Always,
    Never,
    Default,
    Request,
}

impl Returned {
    pub fn as_str(self) -> &'static str {
        match self {
            Returned::Always => "always",
            Returned::Never => "never",
            Returned::Default => "default",
            Returned::Request => "request",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Uniqueness {
    None,
    Server,
    Global,
}

impl Uniqueness {
    pub fn as_str(self) -> &'static str {
        match self {
            Uniqueness::None => "none",
            Uniqueness::Server => "server",
            Uniqueness::Global => "global",
        }
    }
}

/// One attribute definition (RFC 7643 §7 "attributes").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttributeDef {
    pub name: &'static str,
    pub kind: AttrKind,
    pub multi_valued: bool,
    pub required: bool,
    pub case_exact: bool,
    pub mutability: Mutability,
    pub returned: Returned,
    pub uniqueness: Uniqueness,
    pub sub_attributes: Vec<AttributeDef>,
    pub canonical_values: Vec<&'static str>,
    pub reference_types: Vec<&'static str>,
    pub description: &'static str,
}

impl AttributeDef {
    /// A single-valued, optional, readWrite, non-caseExact attribute returned by default.
    pub fn new(name: &'static str, kind: AttrKind, description: &'static str) -> Self {
        Self {
            name,
            kind,
            multi_valued: false,
            required: false,
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            sub_attributes: Vec::new(),
            canonical_values: Vec::new(),
            reference_types: Vec::new(),
            description,
        }
    }
    pub fn string(name: &'static str, description: &'static str) -> Self {
        Self::new(name, AttrKind::String, description)
    }
    pub fn complex(name: &'static str, description: &'static str, subs: Vec<AttributeDef>) -> Self {
        let mut def = Self::new(name, AttrKind::Complex, description);
        def.sub_attributes = subs;
        def
    }
    fn with_subs(mut self, subs: Vec<AttributeDef>) -> Self {
        self.sub_attributes = subs;
        self
    }
    fn multi(mut self) -> Self {
        self.multi_valued = true;
        self
    }
    fn required(mut self) -> Self {
        self.required = true;
        self
    }
    fn case_exact(mut self) -> Self {
        self.case_exact = true;
        self
    }
    fn mutability(mut self, m: Mutability) -> Self {
        self.mutability = m;
        self
    }
    fn returned(mut self, r: Returned) -> Self {
        self.returned = r;
        self
    }
    fn uniqueness(mut self, u: Uniqueness) -> Self {
        self.uniqueness = u;
        self
    }
    fn canonical(mut self, values: &[&'static str]) -> Self {
        self.canonical_values = values.to_vec();
        self
    }
    fn references(mut self, types: &[&'static str]) -> Self {
        self.reference_types = types.to_vec();
        self
    }

    /// The sub-attribute named `name` (case-insensitive).
    pub fn sub(&self, name: &str) -> Option<&AttributeDef> {
        self.sub_attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The RFC 7643 §7 representation.
    pub fn to_json(&self) -> Value {
        let mut obj = Map::new();
        obj.insert("name".into(), json!(self.name));
        obj.insert("type".into(), json!(self.kind.as_str()));
        obj.insert("multiValued".into(), json!(self.multi_valued));
        obj.insert("description".into(), json!(self.description));
        obj.insert("required".into(), json!(self.required));
        obj.insert("caseExact".into(), json!(self.case_exact));
        obj.insert("mutability".into(), json!(self.mutability.as_str()));
        obj.insert("returned".into(), json!(self.returned.as_str()));
        obj.insert("uniqueness".into(), json!(self.uniqueness.as_str()));
        if !self.canonical_values.is_empty() {
            obj.insert("canonicalValues".into(), json!(self.canonical_values));
        }
        if !self.reference_types.is_empty() {
            obj.insert("referenceTypes".into(), json!(self.reference_types));
        }
        if self.kind == AttrKind::Complex {
            let subs: Vec<Value> = self.sub_attributes.iter().map(|a| a.to_json()).collect();
            obj.insert("subAttributes".into(), Value::Array(subs));
        }
        Value::Object(obj)
    }
}

/// A schema (core or extension) and its attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaDef {
    pub id: &'static str,
    pub name: &'static str,
    pub description: &'static str,
    pub attributes: Vec<AttributeDef>,
}

impl SchemaDef {
    fn attributes_are_discovery(&self) -> bool {
        [
            SCHEMA_SCHEMA,
            RESOURCE_TYPE_SCHEMA,
            SERVICE_PROVIDER_CONFIG_SCHEMA,
        ]
        .contains(&self.id)
    }

    /// The top-level attribute named `name` (case-insensitive).
    pub fn attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes
            .iter()
            .find(|a| a.name.eq_ignore_ascii_case(name))
    }

    /// The Schema resource of RFC 7643 §7.
    pub fn to_json(&self, base: &str) -> Value {
        let attributes: Vec<Value> = self
            .attributes
            .iter()
            // Common attributes of resources (RFC 7643 §3.1) are described by the RFC
            // itself, not per schema; the discovery schemas describe their own `id`.
            .filter(|a| !is_common_attribute(a.name) || self.attributes_are_discovery())
            .map(|a| a.to_json())
            .collect();
        json!({
            "schemas": [SCHEMA_SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": attributes,
            "meta": {
                "resourceType": "Schema",
                "location": format!("{}/Schemas/{}", base.trim_end_matches('/'), self.id),
            },
        })
    }
}

/// `id`, `externalId` and `meta` belong to every resource (RFC 7643 §3.1).
pub fn is_common_attribute(name: &str) -> bool {
    ["id", "externalId", "meta"]
        .iter()
        .any(|c| c.eq_ignore_ascii_case(name))
}

/// A resource type: its core schema, its extensions (each stored under its URN key in the
/// SCIM JSON) and its endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourceSchema {
    pub core: SchemaDef,
    pub extensions: Vec<SchemaDef>,
    /// e.g. "/Users".
    pub endpoint: &'static str,
    /// e.g. "User".
    pub resource_type: &'static str,
}

impl ResourceSchema {
    /// The schema whose URN is `urn` (case-insensitive), core or extension.
    pub fn schema(&self, urn: &str) -> Option<&SchemaDef> {
        std::iter::once(&self.core)
            .chain(self.extensions.iter())
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// The extension whose URN is `urn` (case-insensitive).
    pub fn extension(&self, urn: &str) -> Option<&SchemaDef> {
        self.extensions
            .iter()
            .find(|s| s.id.eq_ignore_ascii_case(urn))
    }

    /// Whether `urn` names the core schema.
    pub fn is_core(&self, urn: &str) -> bool {
        self.core.id.eq_ignore_ascii_case(urn)
    }

    /// The top-level attribute a path designates (ignoring its sub-attribute).
    pub fn find_attr(&self, path: &AttrPath) -> Option<&AttributeDef> {
        let schema = match &path.urn {
            Some(urn) => self.schema(urn)?,
            None => &self.core,
        };
        schema.attribute(&path.attr)
    }

    /// The attribute (or sub-attribute) a path designates.
    pub fn find(&self, path: &AttrPath) -> Option<&AttributeDef> {
        let top = self.find_attr(path)?;
        match &path.sub {
            Some(sub) => top.sub(sub),
            None => Some(top),
        }
    }

    /// All schema URNs (core first).
    pub fn schema_ids(&self) -> Vec<&'static str> {
        std::iter::once(self.core.id)
            .chain(self.extensions.iter().map(|s| s.id))
            .collect()
    }

    /// The ResourceType resource of RFC 7643 §6.
    pub fn resource_type_json(&self, base: &str) -> Value {
        let extensions: Vec<Value> = self
            .extensions
            .iter()
            .map(|e| json!({"schema": e.id, "required": false}))
            .collect();
        json!({
            "schemas": [RESOURCE_TYPE_SCHEMA],
            "id": self.resource_type,
            "name": self.resource_type,
            "description": self.core.description,
            "endpoint": self.endpoint,
            "schema": self.core.id,
            "schemaExtensions": extensions,
            "meta": {
                "resourceType": "ResourceType",
                "location": format!(
                    "{}/ResourceTypes/{}",
                    base.trim_end_matches('/'),
                    self.resource_type
                ),
            },
        })
    }
}

fn meta_attribute() -> AttributeDef {
    let ro = |a: AttributeDef| a.mutability(Mutability::ReadOnly);
    ro(AttributeDef::complex(
        "meta",
        "Resource metadata.",
        vec![
            ro(AttributeDef::string("resourceType", "The resource type.").case_exact()),
            ro(AttributeDef::new(
                "created",
                AttrKind::DateTime,
                "When the resource was added.",
            )),
            ro(AttributeDef::new(
                "lastModified",
                AttrKind::DateTime,
                "When the resource was last updated.",
            )),
            ro(
                AttributeDef::new("location", AttrKind::Reference, "The URI of the resource.")
                    .case_exact()
                    .references(&["uri"]),
            ),
        ],
    ))
}

fn id_attribute() -> AttributeDef {
    AttributeDef::string("id", "Unique identifier assigned by the service provider.")
        .case_exact()
        .mutability(Mutability::ReadOnly)
        .returned(Returned::Always)
        .uniqueness(Uniqueness::Server)
}

fn external_id_attribute() -> AttributeDef {
    AttributeDef::string(
        "externalId",
        "Identifier assigned by the provisioning client.",
    )
    .case_exact()
}

/// The User resource type with the enterprise and embarq extensions.
pub fn user() -> ResourceSchema {
    let core = SchemaDef {
        id: USER_SCHEMA,
        name: "User",
        description: "User Account",
        attributes: vec![
            id_attribute(),
            external_id_attribute(),
            AttributeDef::string("userName", "Unique identifier for the user.")
                .required()
                .uniqueness(Uniqueness::Server),
            AttributeDef::complex(
                "name",
                "The components of the user's name.",
                vec![
                    AttributeDef::string("givenName", "Given name."),
                    AttributeDef::string("familyName", "Family name."),
                ],
            ),
            AttributeDef::string("displayName", "The name displayed to end-users."),
            AttributeDef::string("title", "The user's title, such as \"Vice President\"."),
            AttributeDef::new(
                "active",
                AttrKind::Boolean,
                "The user's administrative status.",
            ),
            AttributeDef::complex(
                "emails",
                "E-mail addresses of the user.",
                vec![
                    AttributeDef::string("value", "E-mail address."),
                    AttributeDef::string("type", "Kind of e-mail address.")
                        .canonical(&["work", "home", "other"]),
                    AttributeDef::new(
                        "primary",
                        AttrKind::Boolean,
                        "Whether this is the primary address.",
                    ),
                ],
            )
            .multi(),
            meta_attribute(),
        ],
    };
    let enterprise = SchemaDef {
        id: ENTERPRISE_USER_SCHEMA,
        name: "EnterpriseUser",
        description: "Enterprise User",
        attributes: vec![
            AttributeDef::string("employeeNumber", "Identifier assigned by the organization."),
            AttributeDef::string("department", "Name of a department."),
            AttributeDef::string("division", "Name of a division."),
            AttributeDef::complex(
                "manager",
                "The user's manager.",
                vec![
                    AttributeDef::string("value", "The id of the manager's User resource.")
                        .case_exact(),
                    AttributeDef::new(
                        "$ref",
                        AttrKind::Reference,
                        "The URI of the manager's User resource.",
                    )
                    .case_exact()
                    .references(&["User"]),
                    // Computed, so returned only on request: echoing it after a PATCH
                    // would differ from what the client sent.
                    AttributeDef::string("displayName", "The manager's display name.")
                        .mutability(Mutability::ReadOnly)
                        .returned(Returned::Request),
                ],
            ),
        ],
    };
    let embarq = SchemaDef {
        id: EMBARQ_USER_SCHEMA,
        name: "EmbarqUser",
        description: "embarq directory attributes",
        attributes: vec![
            AttributeDef::string("site", "The user's site."),
            AttributeDef::new("birthYear", AttrKind::Integer, "The user's year of birth."),
            AttributeDef::string("level", "The user's level."),
        ],
    };
    ResourceSchema {
        core,
        extensions: vec![enterprise, embarq],
        endpoint: "/Users",
        resource_type: "User",
    }
}

/// The Group resource type (a sphere).
pub fn group() -> ResourceSchema {
    let core = SchemaDef {
        id: GROUP_SCHEMA,
        name: "Group",
        description: "Group",
        attributes: vec![
            id_attribute(),
            external_id_attribute(),
            AttributeDef::string("displayName", "A human-readable name for the group.").required(),
            AttributeDef::complex(
                "members",
                "A list of members of the group.",
                vec![
                    AttributeDef::string("value", "Identifier of the member.")
                        .case_exact()
                        .mutability(Mutability::Immutable),
                    AttributeDef::new("$ref", AttrKind::Reference, "The URI of the member.")
                        .case_exact()
                        .mutability(Mutability::Immutable)
                        .references(&["User"]),
                    // Computed, so returned only on request (see manager.displayName).
                    AttributeDef::string("display", "The member's display name.")
                        .mutability(Mutability::ReadOnly)
                        .returned(Returned::Request),
                    AttributeDef::string("type", "The member's resource type.")
                        .mutability(Mutability::Immutable)
                        .canonical(&["User"]),
                ],
            )
            .multi(),
            meta_attribute(),
        ],
    };
    ResourceSchema {
        core,
        extensions: Vec::new(),
        endpoint: "/Groups",
        resource_type: "Group",
    }
}

/// The Schema resources of every advertised schema, then the discovery schemas
/// themselves (Schema, ResourceType, ServiceProviderConfig; RFC 7643 §8.7.2).
pub fn schemas_json(base: &str) -> Vec<Value> {
    let user = user();
    let group = group();
    let meta = discovery_schemas();
    std::iter::once(&user.core)
        .chain(user.extensions.iter())
        .chain(std::iter::once(&group.core))
        .chain(meta.iter())
        .map(|s| s.to_json(base))
        .collect()
}

/// The schemas describing the discovery resources (RFC 7643 §8.7.2), all readOnly.
fn discovery_schemas() -> Vec<SchemaDef> {
    fn ro(name: &'static str, kind: AttrKind) -> AttributeDef {
        AttributeDef::new(name, kind, "").mutability(Mutability::ReadOnly)
    }
    fn ro_complex(name: &'static str, subs: Vec<AttributeDef>) -> AttributeDef {
        ro(name, AttrKind::Complex).with_subs(subs)
    }
    let uri = |name| {
        ro(name, AttrKind::Reference)
            .case_exact()
            .references(&["uri"])
    };
    let external = |name| {
        ro(name, AttrKind::Reference)
            .case_exact()
            .references(&["external"])
    };
    let supported = || ro("supported", AttrKind::Boolean).required();
    let attribute_qualities = || {
        vec![
            ro("name", AttrKind::String).required().case_exact(),
            ro("type", AttrKind::String).required().canonical(&[
                "string",
                "complex",
                "boolean",
                "decimal",
                "integer",
                "dateTime",
                "reference",
                "binary",
            ]),
            ro("multiValued", AttrKind::Boolean).required(),
            ro("description", AttrKind::String).case_exact(),
            ro("required", AttrKind::Boolean),
            ro("canonicalValues", AttrKind::String).multi().case_exact(),
            ro("caseExact", AttrKind::Boolean),
            ro("mutability", AttrKind::String).case_exact().canonical(&[
                "readOnly",
                "readWrite",
                "immutable",
                "writeOnly",
            ]),
            ro("returned", AttrKind::String)
                .case_exact()
                .canonical(&["always", "never", "default", "request"]),
            ro("uniqueness", AttrKind::String)
                .case_exact()
                .canonical(&["none", "server", "global"]),
            ro("referenceTypes", AttrKind::String).multi().case_exact(),
        ]
    };
    let mut attribute = attribute_qualities();
    attribute.push(ro_complex("subAttributes", attribute_qualities()).multi());
    vec![
        SchemaDef {
            id: SCHEMA_SCHEMA,
            name: "Schema",
            description: "Specifies the schema attributes of a resource.",
            attributes: vec![
                ro("id", AttrKind::String).required(),
                ro("name", AttrKind::String).required(),
                ro("description", AttrKind::String),
                ro_complex("attributes", attribute).multi().required(),
            ],
        },
        SchemaDef {
            id: RESOURCE_TYPE_SCHEMA,
            name: "ResourceType",
            description: "Specifies the schema that describes a SCIM resource type.",
            attributes: vec![
                ro("id", AttrKind::String),
                ro("name", AttrKind::String).required(),
                ro("description", AttrKind::String),
                uri("endpoint").required(),
                uri("schema").required(),
                ro_complex(
                    "schemaExtensions",
                    vec![
                        uri("schema").required(),
                        ro("required", AttrKind::Boolean).required(),
                    ],
                )
                .multi(),
            ],
        },
        SchemaDef {
            id: SERVICE_PROVIDER_CONFIG_SCHEMA,
            name: "ServiceProviderConfig",
            description: "Schema for representing the service provider's configuration.",
            attributes: vec![
                external("documentationUri"),
                ro_complex("patch", vec![supported()]).required(),
                ro_complex(
                    "bulk",
                    vec![
                        supported(),
                        ro("maxOperations", AttrKind::Integer).required(),
                        ro("maxPayloadSize", AttrKind::Integer).required(),
                    ],
                )
                .required(),
                ro_complex(
                    "filter",
                    vec![supported(), ro("maxResults", AttrKind::Integer).required()],
                )
                .required(),
                ro_complex("changePassword", vec![supported()]).required(),
                ro_complex("sort", vec![supported()]).required(),
                ro_complex("etag", vec![supported()]).required(),
                ro_complex(
                    "authenticationSchemes",
                    vec![
                        ro("type", AttrKind::String).required().canonical(&[
                            "oauth",
                            "oauth2",
                            "oauthbearertoken",
                            "httpbasic",
                            "httpdigest",
                        ]),
                        ro("name", AttrKind::String).required(),
                        ro("description", AttrKind::String).required(),
                        external("specUri"),
                        external("documentationUri"),
                        ro("primary", AttrKind::Boolean),
                    ],
                )
                .multi()
                .required(),
            ],
        },
    ]
}

/// The ResourceType resources (User, Group).
pub fn resource_types_json(base: &str) -> Vec<Value> {
    vec![
        user().resource_type_json(base),
        group().resource_type_json(base),
    ]
}

/// Limits advertised in the ServiceProviderConfig and enforced by the web layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    pub bulk_max_operations: usize,
    pub bulk_max_payload: usize,
    pub filter_max_results: usize,
}

/// The ServiceProviderConfig resource of RFC 7643 §5.
pub fn service_provider_config_json(base: &str, limits: &Limits) -> Value {
    json!({
        "schemas": [SERVICE_PROVIDER_CONFIG_SCHEMA],
        "documentationUri": "https://datatracker.ietf.org/doc/html/rfc7644",
        "patch": {"supported": true},
        "bulk": {
            "supported": true,
            "maxOperations": limits.bulk_max_operations,
            "maxPayloadSize": limits.bulk_max_payload,
        },
        "filter": {"supported": true, "maxResults": limits.filter_max_results},
        "changePassword": {"supported": false},
        "sort": {"supported": true},
        "etag": {"supported": false},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "Authentication with a SCIM token created in the embarq administration.",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/ServiceProviderConfig", base.trim_end_matches('/')),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://example.com/scim/v2/";

    /// Every attribute carries the RFC 7643 §7 characteristics, recursively.
    fn check_attribute(a: &Value) {
        for key in [
            "name",
            "type",
            "multiValued",
            "description",
            "required",
            "caseExact",
            "mutability",
            "returned",
            "uniqueness",
        ] {
            assert!(a.get(key).is_some(), "{key} missing in {a}");
        }
        let kind = a["type"].as_str().unwrap();
        assert!(
            [
                "string",
                "boolean",
                "integer",
                "dateTime",
                "reference",
                "complex"
            ]
            .contains(&kind)
        );
        assert!(a["multiValued"].is_boolean() && a["required"].is_boolean());
        if kind == "complex" {
            let subs = a["subAttributes"].as_array().unwrap();
            assert!(!subs.is_empty());
            subs.iter().for_each(check_attribute);
        } else {
            assert!(a.get("subAttributes").is_none());
        }
        if kind == "reference" {
            assert!(!a["referenceTypes"].as_array().unwrap().is_empty());
        }
    }

    fn attribute<'a>(doc: &'a Value, name: &str) -> &'a Value {
        doc["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == name)
            .unwrap()
    }

    #[test]
    fn schema_documents_are_rfc_shaped() {
        let docs = schemas_json(BASE);
        let ids: Vec<&str> = docs.iter().map(|d| d["id"].as_str().unwrap()).collect();
        assert_eq!(
            ids,
            vec![
                USER_SCHEMA,
                ENTERPRISE_USER_SCHEMA,
                EMBARQ_USER_SCHEMA,
                GROUP_SCHEMA,
                SCHEMA_SCHEMA,
                RESOURCE_TYPE_SCHEMA,
                SERVICE_PROVIDER_CONFIG_SCHEMA
            ]
        );
        for doc in &docs {
            assert_eq!(doc["schemas"], json!([SCHEMA_SCHEMA]));
            assert!(doc["name"].is_string() && doc["description"].is_string());
            assert_eq!(doc["meta"]["resourceType"], "Schema");
            assert_eq!(
                doc["meta"]["location"],
                json!(format!(
                    "https://example.com/scim/v2/Schemas/{}",
                    doc["id"].as_str().unwrap()
                ))
            );
            let attrs = doc["attributes"].as_array().unwrap();
            assert!(!attrs.is_empty());
            attrs.iter().for_each(check_attribute);
        }
        let user = &docs[0];
        // Common attributes are the RFC's, not the schema's.
        for common in ["id", "externalId", "meta"] {
            assert!(
                user["attributes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|a| a["name"] != common)
            );
        }
        let user_name = attribute(user, "userName");
        assert_eq!(
            (
                &user_name["required"],
                &user_name["uniqueness"],
                &user_name["caseExact"]
            ),
            (&json!(true), &json!("server"), &json!(false))
        );
        let emails = attribute(user, "emails");
        assert_eq!(emails["multiValued"], json!(true));
        assert_eq!(
            emails["subAttributes"][1]["canonicalValues"],
            json!(["work", "home", "other"])
        );
        assert_eq!(attribute(user, "active")["type"], "boolean");
        let manager = attribute(&docs[1], "manager");
        assert_eq!(manager["subAttributes"][1]["name"], "$ref");
        assert_eq!(
            manager["subAttributes"][1]["referenceTypes"],
            json!(["User"])
        );
        assert_eq!(manager["subAttributes"][2]["mutability"], "readOnly");
        assert_eq!(attribute(&docs[2], "birthYear")["type"], "integer");
        let members = attribute(&docs[3], "members");
        let subs = &members["subAttributes"];
        assert_eq!(subs[0]["mutability"], "immutable");
        assert_eq!(subs[2]["mutability"], "readOnly");
        assert_eq!(subs[3]["canonicalValues"], json!(["User"]));
        assert_eq!(attribute(&docs[3], "displayName")["required"], json!(true));
        // The Schema schema nests subAttributes one level deeper.
        let attributes = attribute(&docs[4], "attributes");
        assert!(
            attributes["subAttributes"]
                .as_array()
                .unwrap()
                .iter()
                .any(|a| a["name"] == "subAttributes")
        );
    }

    #[test]
    fn resource_types_name_their_schemas() {
        let types = resource_types_json(BASE);
        assert_eq!(types.len(), 2);
        let user = &types[0];
        assert_eq!(user["schemas"], json!([RESOURCE_TYPE_SCHEMA]));
        assert_eq!(
            (&user["id"], &user["name"]),
            (&json!("User"), &json!("User"))
        );
        assert_eq!(user["endpoint"], "/Users");
        assert_eq!(user["schema"], USER_SCHEMA);
        assert_eq!(
            user["schemaExtensions"],
            json!([
                {"schema": ENTERPRISE_USER_SCHEMA, "required": false},
                {"schema": EMBARQ_USER_SCHEMA, "required": false}
            ])
        );
        assert_eq!(
            user["meta"]["location"],
            "https://example.com/scim/v2/ResourceTypes/User"
        );
        assert_eq!(user["meta"]["resourceType"], "ResourceType");
        let group = &types[1];
        assert_eq!(
            (&group["endpoint"], &group["schema"]),
            (&json!("/Groups"), &json!(GROUP_SCHEMA))
        );
        assert_eq!(group["schemaExtensions"], json!([]));
    }

    #[test]
    fn service_provider_config_advertises_the_features() {
        let limits = Limits {
            bulk_max_operations: 100,
            bulk_max_payload: 1_048_576,
            filter_max_results: 200,
        };
        let c = service_provider_config_json(BASE, &limits);
        assert_eq!(c["schemas"], json!([SERVICE_PROVIDER_CONFIG_SCHEMA]));
        assert_eq!(c["patch"]["supported"], json!(true));
        assert_eq!(
            c["bulk"],
            json!({"supported": true, "maxOperations": 100, "maxPayloadSize": 1_048_576})
        );
        assert_eq!(c["filter"], json!({"supported": true, "maxResults": 200}));
        assert_eq!(c["sort"]["supported"], json!(true));
        assert_eq!(c["changePassword"]["supported"], json!(false));
        assert_eq!(c["etag"]["supported"], json!(false));
        assert_eq!(c["authenticationSchemes"][0]["type"], "oauthbearertoken");
        assert_eq!(
            c["meta"]["location"],
            "https://example.com/scim/v2/ServiceProviderConfig"
        );
    }

    #[test]
    fn find_resolves_core_extension_and_sub_attributes() {
        let u = user();
        let p = |s: &str| AttrPath::parse(s).unwrap();
        assert_eq!(u.find(&p("userName")).unwrap().name, "userName");
        assert_eq!(
            u.find(&p(&format!("{USER_SCHEMA}:name.familyName")))
                .unwrap()
                .name,
            "familyName"
        );
        assert_eq!(
            u.find(&p(&format!("{ENTERPRISE_USER_SCHEMA}:manager.$ref")))
                .unwrap()
                .kind,
            AttrKind::Reference
        );
        assert_eq!(
            u.find(&p("meta.lastModified")).unwrap().kind,
            AttrKind::DateTime
        );
        assert!(u.find(&p("department")).is_none());
        assert!(u.find(&p("urn:x:y:department")).is_none());
        assert_eq!(
            u.schema_ids(),
            vec![USER_SCHEMA, ENTERPRISE_USER_SCHEMA, EMBARQ_USER_SCHEMA]
        );
    }
}
