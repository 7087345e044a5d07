//! Rules of the HTTP layer that need no server: the OpenAPI document's completeness, the
//! strict reading of JSON bodies, the client address behind trusted proxies. They live here
//! rather than in the crate, so that the crate is compiled once, not again as a test binary.
use axum::http::HeaderMap;
use embarq_http::api::extract::strict::Strict;
use embarq_http::api::openapi;
use embarq_http::auth::client_ip::resolve;
use ipnet::IpNet;
use serde::Deserialize;
use serde_json::json;
use std::net::IpAddr;
#[test]
fn document_is_complete() {
    let doc = openapi();
    let json = serde_json::to_value(doc).unwrap();
    assert_eq!(json["openapi"], "3.1.0");
    let paths = &doc.paths.paths;
    assert!(!paths.is_empty());
    let mut ids = std::collections::HashSet::new();
    for (path, item) in paths {
        assert!(path.starts_with("/api/v1/"), "{path} is outside /api/v1");
        let ops = [&item.get, &item.put, &item.post, &item.delete, &item.patch];
        for op in ops.into_iter().flatten() {
            let id = op.operation_id.clone().unwrap_or_default();
            assert!(
                ids.insert(id.clone()),
                "{path}: operation id {id:?} is not unique"
            );
            assert!(
                !op.responses.responses.is_empty(),
                "{path} has an operation without responses"
            );
            for (status, r) in &op.responses.responses {
                if let utoipa::openapi::RefOr::T(r) = r {
                    assert!(
                        !r.description.is_empty(),
                        "{path} {status}: response without description"
                    );
                }
            }
            assert!(
                op.tags.as_ref().is_some_and(|t| !t.is_empty()),
                "{path} has an untagged operation"
            );
        }
    }
    assert!(ids.len() >= 45, "only {} operations documented", ids.len());
    for schema in ["Problem", "SphereDto", "PostDto", "MemberDto", "TokenDto"] {
        assert!(
            json["components"]["schemas"][schema].is_object(),
            "schema {schema} missing"
        );
    }
}

#[test]
fn described_fields_keep_their_type() {
    let json = serde_json::to_value(openapi()).unwrap();
    let name = &json["components"]["schemas"]["NewToken"]["properties"]["name"];
    assert_eq!(name["type"], "string", "{name}");
    assert!(name["description"].is_string(), "{name}");
    assert!(
        !json
            .to_string()
            .contains(r#"{"type":"object","description""#)
    );
}

#[test]
fn every_path_parameter_is_documented() {
    for (path, item) in &openapi().paths.paths {
        let ops = [&item.get, &item.put, &item.post, &item.delete, &item.patch];
        for op in ops.into_iter().flatten() {
            let declared: Vec<&str> = op
                .parameters
                .iter()
                .flatten()
                .filter_map(|p| match p {
                    utoipa::openapi::RefOr::T(p) => Some(p.name.as_str()),
                    utoipa::openapi::RefOr::Ref(_) => None,
                })
                .collect();
            for segment in path
                .split('/')
                .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            {
                assert!(
                    declared.contains(&segment),
                    "{path}: parameter {segment} undocumented"
                );
            }
        }
    }
}

#[derive(Deserialize, Debug, PartialEq)]
struct Inner {
    a: Option<i64>,
}

#[derive(Deserialize, Debug, PartialEq)]
struct Outer {
    name: Option<String>,
    #[serde(default)]
    inner: Option<Inner>,
    #[serde(default)]
    ids: Vec<u8>,
}

fn parse(v: serde_json::Value) -> Result<Outer, serde_json::Error> {
    Outer::deserialize(Strict(&v))
}

#[test]
fn objects_only() {
    assert_eq!(
        parse(json!({"name": "x", "inner": {"a": 3}, "ids": [1, 2], "extra": [1]})).unwrap(),
        Outer {
            name: Some("x".into()),
            inner: Some(Inner { a: Some(3) }),
            ids: vec![1, 2],
        }
    );
    assert!(parse(json!([null, null])).is_err());
    assert!(parse(json!({"inner": [1]})).is_err());
    assert!(parse(json!({"ids": [256]})).is_err());
    assert_eq!(parse(json!({"ids": [3.0]})).unwrap().ids, vec![3]);
    assert!(parse(json!({"ids": [3.5]})).is_err());
    assert!(parse(json!({"ids": [-1.0]})).is_err());
    assert_eq!(
        parse(json!({"inner": {"a": -2.0}})).unwrap().inner,
        Some(Inner { a: Some(-2) })
    );
    assert!(parse(json!({"ids": {"0": 1}})).is_err());
    assert!(parse(json!(null)).is_err());
    assert!(parse(json!("x")).is_err());
}

fn xff(v: &str) -> HeaderMap {
    let mut h = HeaderMap::new();
    h.insert("x-forwarded-for", v.parse().unwrap());
    h
}

#[test]
fn forwarded_addresses_count_only_from_trusted_proxies() {
    let proxy: IpAddr = "10.0.0.5".parse().unwrap();
    let trusted: Vec<IpNet> = vec!["10.0.0.0/24".parse().unwrap()];
    let client: IpAddr = "203.0.113.7".parse().unwrap();
    // Through the proxy: the address it appended.
    assert_eq!(resolve(proxy, &xff("203.0.113.7"), &trusted), client);
    // A client spoofing the header in front of the proxy gets its real address.
    assert_eq!(
        resolve(proxy, &xff("1.2.3.4, 203.0.113.7"), &trusted),
        client
    );
    // Several proxies of ours: skipped.
    assert_eq!(
        resolve(proxy, &xff("203.0.113.7, 10.0.0.9"), &trusted),
        client
    );
    // Not from a trusted proxy: the header is ignored.
    assert_eq!(resolve(client, &xff("1.2.3.4"), &trusted), client);
    assert_eq!(resolve(client, &xff("1.2.3.4"), &[]), client);
    // A trusted peer without a usable header is the client.
    assert_eq!(resolve(proxy, &HeaderMap::new(), &trusted), proxy);
    assert_eq!(resolve(proxy, &xff("garbage"), &trusted), proxy);
}
