//! The OpenAPI document describes what the server accepts (issue 10, found by schemathesis):
//! bodies of the wrong shape are refused even when serde would take them, documented enums
//! and ranges are the ones the server applies, binary answers are documented as such, and
//! error messages are sentences, never message keys.
use embarq_testkit::{Browser, api, last_id, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

/// The served document.
async fn document(b: &Browser) -> Value {
    let r = b
        .client
        .get(b.url("/api/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.json().await.unwrap()
}

/// The schema of query parameter `name` of `GET path`.
fn query_param<'a>(doc: &'a Value, path: &str, name: &str) -> &'a Value {
    doc["paths"][path]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name && p["in"] == "query")
        .unwrap_or_else(|| panic!("{path}: no query parameter {name}"))
}

/// Sends `body` as raw JSON text (arrays, nulls: what `api` cannot express as an object).
async fn send_raw(b: &Browser, method: Method, path: &str, body: &str) -> (u16, Value) {
    let r = b
        .client
        .request(method, b.url(path))
        .header("x-csrf-token", &b.csrf)
        .header("content-type", "application/json")
        .header("accept-language", "en")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn assert_sentences(v: &Value) {
    let text = v.to_string();
    for key in ["field-", "err-", "error-"] {
        assert!(!text.contains(key), "a message key leaked: {text}");
    }
}

#[tokio::test]
async fn arrays_are_not_objects() {
    let app = spawn_app().await;
    let alice = app.setup("alice@example.com").await;
    let (s, _) = api(
        &alice,
        Method::PATCH,
        "/api/v1/me",
        Some(json!({"title": "Engineer"})),
    )
    .await;
    assert_eq!(s, 200);

    // serde reads a struct from an array, field by field: `[null, null]` used to clear the
    // title (its second field) and answer 200.
    let (s, v) = send_raw(&alice, Method::PATCH, "/api/v1/me", "[null,null]").await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"], "body", "{v}");
    assert_eq!(v["errors"][0]["code"], "invalid_json", "{v}");
    assert_sentences(&v);
    let (_, me) = api(&alice, Method::GET, "/api/v1/me", None).await;
    assert_eq!(me["title"], "Engineer");

    // At any depth: the poll of a poll publication must be an object too.
    let sphere = last_id(&alice.create_sphere("Polls", "open").await);
    let path = format!("/api/v1/spheres/{sphere}/polls");
    let (s, v) = send_raw(
        &alice,
        Method::POST,
        &path,
        r#"{"body": "Lunch?", "poll": ["Where?", ["Here", "There"]]}"#,
    )
    .await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = send_raw(
        &alice,
        Method::POST,
        &path,
        r#"{"body": "Lunch?", "poll": {"question": "Where?", "options": ["Here", "There"]}}"#,
    )
    .await;
    assert_eq!(s, 201, "{v}");

    // The optional body of "mark read" may be null, as documented.
    let (s, v) = send_raw(&alice, Method::POST, "/api/v1/notifications/read", "null").await;
    assert_eq!(s, 204, "{v}");
    let (s, _) = send_raw(&alice, Method::POST, "/api/v1/notifications/read", "[]").await;
    assert_eq!(s, 422);
}

#[tokio::test]
async fn documented_choices_and_ranges_are_the_servers() {
    let app = spawn_app().await;
    let alice = app.setup("alice@example.com").await;
    let doc = document(&alice).await;

    let days = query_param(&doc, "/api/v1/analytics", "days");
    assert_eq!(days["schema"]["enum"], json!(["30", "90"]), "{days}");
    for d in ["30", "90"] {
        let (s, v) = api(
            &alice,
            Method::GET,
            &format!("/api/v1/analytics?days={d}"),
            None,
        )
        .await;
        assert_eq!(s, 200, "days={d}: {v}");
    }
    let (s, v) = api(&alice, Method::GET, "/api/v1/analytics?days=7", None).await;
    assert_eq!(s, 422, "{v}");

    let share = query_param(&doc, "/api/v1/champions/proposal", "share");
    assert_eq!(share["schema"]["minimum"], 1);
    assert_eq!(share["schema"]["maximum"], 50);

    // Required texts say so, and no described field is turned into an object.
    let schemas = &doc["components"]["schemas"];
    let name = &schemas["NewSphere"]["properties"]["name"];
    assert_eq!(name["type"], "string", "{name}");
    assert_eq!(name["minLength"], 1, "{name}");
    assert!(
        schemas["NewSphere"]["required"]
            .as_array()
            .unwrap()
            .contains(&json!("name"))
    );
    assert_eq!(
        schemas["GdprSettingsDto"]["properties"]["erase_mode"]["enum"],
        json!(["anonymize", "remove"])
    );
    // Two request bodies once shared the name StatusInput, so one hid the other.
    assert_eq!(
        schemas["StatusInput"]["properties"]["status"]["$ref"],
        "#/components/schemas/TaskStatusName"
    );
    assert!(schemas["SuggestionStatusInput"]["properties"]["status"]["enum"].is_array());
    assert!(
        !doc.to_string()
            .contains(r#"{"type":"object","description""#)
    );

    // Instants are bounded: extreme ones once overflowed the contest rules (a panic and a
    // connection closed without an answer).
    let (s, v) = api(
        &alice,
        Method::POST,
        "/api/v1/contests",
        Some(
            json!({"name": "Sites", "dimension": "site", "metric": "activation_rate",
            "starts_at": "0001-01-01T00:00:00Z", "ends_at": "9999-12-31T23:59:59.999+00:00"}),
        ),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["code"], "out_of_range", "{v}");
    let starts = &schemas["NewContestInput"]["properties"]["starts_at"];
    assert_eq!(starts["$ref"], "#/components/schemas/Instant", "{starts}");

    // The directory's page starts at 0: a negative page is refused, not clamped.
    let page = query_param(&doc, "/api/v1/members", "page");
    assert_eq!(page["schema"]["minimum"], 0);
    let (s, _) = api(&alice, Method::GET, "/api/v1/members?page=-1", None).await;
    assert_eq!(s, 422);
    let (s, _) = api(&alice, Method::GET, "/api/v1/members?page=0", None).await;
    assert_eq!(s, 200);
}

/// Collects every property named `*_at` in the document, with the schema it has.
fn instants<'a>(v: &'a Value, path: &str, out: &mut Vec<(String, &'a Value)>) {
    match v {
        Value::Object(m) => {
            if let Some(Value::Object(props)) = m.get("properties") {
                for (k, p) in props {
                    if k == "at" || k.ends_with("_at") {
                        out.push((format!("{path}.{k}"), p));
                    }
                }
            }
            for (k, c) in m {
                instants(c, &format!("{path}/{k}"), out);
            }
        }
        Value::Array(a) => a.iter().for_each(|c| instants(c, path, out)),
        _ => {}
    }
}

#[tokio::test]
async fn every_instant_is_an_rfc_3339_date_time() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let doc = document(&alice).await;
    let mut found = Vec::new();
    instants(&doc, "", &mut found);
    assert!(found.len() > 60, "{}", found.len());
    let wrong: Vec<&String> = found
        .iter()
        .filter(|(_, p)| {
            // `Option<Instant>` is documented as oneOf [null, the instant].
            let text = p.to_string();
            !(text.contains("\"date-time\"") || text.contains("Instant"))
        })
        .map(|(k, _)| k)
        .collect();
    assert!(
        wrong.is_empty(),
        "instants that are not RFC 3339: {wrong:?}"
    );
    let instant = &doc["components"]["schemas"]["Instant"];
    assert_eq!(instant["type"], "string", "{instant}");
    assert_eq!(instant["format"], "date-time", "{instant}");
}

#[tokio::test]
async fn binary_answers_are_documented() {
    let app = spawn_app().await;
    let alice = app.setup("alice@example.com").await;
    let doc = document(&alice).await;
    let content = |path: &str| doc["paths"][path]["get"]["responses"]["200"]["content"].clone();
    let binary = json!({"schema": {"$ref": "#/components/schemas/Binary"}});
    assert_eq!(
        content("/api/v1/files/{id}/content"),
        json!({"*/*": binary})
    );
    assert_eq!(
        content("/api/v1/files/{id}/preview"),
        json!({"image/png": binary})
    );
    assert_eq!(
        content("/api/v1/account/export"),
        json!({"application/zip": binary})
    );
    let schema = &doc["components"]["schemas"]["Binary"];
    assert_eq!(schema["type"], "string", "{schema}");
    assert_eq!(schema["format"], "binary", "{schema}");
    let import = &doc["paths"]["/api/v1/members/import"]["post"]["requestBody"]["content"];
    assert!(import["text/csv"].is_object(), "{import}");
    // The folder filter of the file box is a query parameter, not a path one.
    let folder = query_param(&doc, "/api/v1/spheres/{id}/files", "folder_id");
    assert_eq!(folder["required"], false);
}

#[tokio::test]
async fn error_messages_are_sentences() {
    let app = spawn_app().await;
    let alice = app.setup("alice@example.com").await;
    let (s, v) = api(
        &alice,
        Method::PUT,
        "/api/v1/organization/gdpr",
        Some(json!({"erase_mode": "shred", "message_days": 0, "deactivated_days": 0})),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_sentences(&v);
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["erase_mode", "message_days", "deactivated_days"]);

    let (s, v) = api(
        &alice,
        Method::DELETE,
        "/api/v1/members/00000000-0000-0000-0000-000000000001?mode=shred",
        None,
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_sentences(&v);

    let (s, v) = send_raw(&alice, Method::POST, "/api/v1/spheres", "{").await;
    assert_eq!(s, 422, "{v}");
    assert_sentences(&v);
    assert_eq!(
        v["errors"][0]["message"],
        "The request body is not valid JSON of the expected shape."
    );
}
