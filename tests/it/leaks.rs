//! The secret-sphere leak matrix, derived from the route tables rather than listed by hand:
//! every API operation of the OpenAPI document and every page route of the UI's routers
//! whose path names something inside a sphere (the sphere, a publication, a comment, a poll,
//! a file, a folder, a task, a task list, an event, a widget) is called by people who are not
//! members of a secret sphere, once with that sphere's ids and once with ids that exist
//! nowhere. The two answers must be the same refusal: a secret sphere's content does not exist
//! for them, whatever the method and whatever the body (a body refused for its shape is refused
//! alike for both). A new route is checked without anyone adding it here.
use embarq_domain::OrgRole;
use embarq_testkit::{Browser, api, spawn_app};
use regex::Regex;
use reqwest::Method;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

/// The id to put in a path parameter, chosen by the segment before it.
fn id_for<'a>(ids: &'a BTreeMap<&str, String>, segments: &[&str], i: usize) -> Option<&'a str> {
    let before = if i == 0 { "" } else { segments[i - 1] };
    let kind = match before {
        "spheres" => "sphere",
        "posts" => "post",
        "comments" => "comment",
        "polls" => "poll",
        "files" => "file",
        "folders" => "folder",
        "tasks" => "task",
        "task-lists" | "lists" => "list",
        "events" | "event" | "agenda" => "event",
        "widgets" => "widget",
        // The sphere's own administrator, for routes that name a member of the sphere.
        "members" if segments.first() == Some(&"spheres") => "admin",
        _ => return None,
    };
    ids.get(kind).map(String::as_str)
}

/// `path` with every `{param}` replaced by a secret id, or None when a parameter names
/// something that is not inside a sphere.
fn fill(path: &str, ids: &BTreeMap<&str, String>) -> Option<String> {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut out = Vec::new();
    let mut any = false;
    for (i, s) in segments.iter().enumerate() {
        if s.starts_with('{') {
            out.push(id_for(ids, &segments, i)?.to_string());
            any = true;
        } else {
            out.push(s.to_string());
        }
    }
    any.then(|| format!("/{}", out.join("/")))
}

/// Page routes as the UI's routers declare them: (path, methods).
fn ui_routes() -> Vec<(String, Vec<Method>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates/ui/src");
    let route = Regex::new(r#"\.route\(\s*"([^"]+)""#).unwrap();
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let starts: Vec<_> = route.captures_iter(&text).collect();
        for (n, c) in starts.iter().enumerate() {
            let m = c.get(0).unwrap();
            let end = starts
                .get(n + 1)
                .map(|d| d.get(0).unwrap().start())
                .unwrap_or(text.len());
            // The handlers of this route: up to the next route, within this statement.
            let rest = &text[m.end()..end];
            let rest = &rest[..rest.find(";\n").unwrap_or(rest.len())];
            let mut methods = Vec::new();
            if rest.contains("get(") {
                methods.push(Method::GET);
            }
            if rest.contains("post(") {
                methods.push(Method::POST);
            }
            out.push((c[1].to_string(), methods));
        }
    }
    out
}

async fn status(b: &Browser, method: Method, path: &str, api_call: bool) -> u16 {
    let mut r = b
        .client
        .request(method.clone(), b.url(path))
        .header("x-csrf-token", &b.csrf);
    if api_call {
        if method != Method::GET && method != Method::DELETE {
            r = r.json(&json!({}));
        }
    } else if method == Method::POST {
        r = r.form(&[("_csrf", b.csrf.as_str())]);
    }
    r.send().await.unwrap().status().as_u16()
}

#[tokio::test]
async fn no_route_reveals_a_secret_sphere() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    // An organization manager who is not a member does not see it either.
    let (dave_id, _) = app.member(org, "dave@acme.test", "Dave").await;
    app.db
        .set_org_role(org, dave_id, OrgRole::Manager, &Default::default())
        .await
        .unwrap();
    let dave = app.login("dave@acme.test").await;

    let post = async |path: String, body: Value| {
        let (s, v) = api(&alice, Method::POST, &path, Some(body)).await;
        assert!(s == 201 || s == 200, "{path}: {s} {v}");
        v["id"]
            .as_str()
            .or(v["post"]["id"].as_str())
            .unwrap_or_else(|| panic!("{path}: no id in {v}"))
            .to_string()
    };
    let sphere = post(
        "/api/v1/spheres".into(),
        json!({"name": "Projet Licorne", "kind": "secret"}),
    )
    .await;
    let s = format!("/api/v1/spheres/{sphere}");
    let mut ids = BTreeMap::new();
    ids.insert(
        "post",
        post(format!("{s}/posts"), json!({"body": "plan"})).await,
    );
    ids.insert(
        "comment",
        post(
            format!("/api/v1/posts/{}/comments", ids["post"]),
            json!({"body": "ok"}),
        )
        .await,
    );
    let (st, poll) = api(
        &alice,
        Method::POST,
        &format!("{s}/polls"),
        Some(json!({"body": "Lunch?", "poll": {"question": "Lunch?", "options": ["A", "B"]}})),
    )
    .await;
    assert_eq!(st, 201, "{poll}");
    ids.insert("poll", poll["poll"]["id"].as_str().unwrap().to_string());
    ids.insert(
        "folder",
        post(format!("{s}/folders"), json!({"name": "Docs"})).await,
    );
    let (uploaded, file) = alice
        .upload(&sphere, "plan.pdf", b"%PDF-1.4\n%x".to_vec())
        .await;
    assert_eq!(uploaded, 201, "{file}");
    ids.insert("file", file["id"].as_str().unwrap().to_string());
    ids.insert(
        "list",
        post(format!("{s}/task-lists"), json!({"name": "Todo"})).await,
    );
    ids.insert(
        "task",
        post(
            format!("/api/v1/task-lists/{}/tasks", ids["list"]),
            json!({"title": "Ship"}),
        )
        .await,
    );
    ids.insert(
        "event",
        post(
            "/api/v1/events".into(),
            json!({"sphere_id": sphere, "title": "Offsite", "starts_local": "2031-06-01T10:00",
                   "ends_local": "2031-06-01T12:00", "time_zone": "Europe/Paris"}),
        )
        .await,
    );
    ids.insert(
        "widget",
        post(
            format!("{s}/widgets"),
            json!({"kind": "note", "title": "x", "body": "y"}),
        )
        .await,
    );
    ids.insert("admin", app.user("alice@acme.test").await.id.to_string());
    ids.insert("sphere", sphere);

    // Every route of both tables that names something inside a sphere.
    let doc: Value = alice
        .client
        .get(alice.url("/api/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut calls: BTreeSet<(String, String, bool)> = BTreeSet::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let Some(filled) = fill(path, &ids) else {
            continue;
        };
        for method in ops.as_object().unwrap().keys() {
            calls.insert((method.to_uppercase(), filled.clone(), true));
        }
    }
    let api_calls = calls.len();
    for (path, methods) in ui_routes() {
        let Some(filled) = fill(&path, &ids) else {
            continue;
        };
        for m in methods {
            calls.insert((m.to_string(), filled.clone(), false));
        }
    }
    assert!(
        api_calls > 40 && calls.len() > api_calls + 40,
        "the route tables were read: {api_calls} API and {} page calls",
        calls.len() - api_calls
    );

    // The same routes with ids of nothing.
    let nothing: BTreeMap<&str, String> = ids
        .keys()
        .map(|k| (*k, uuid::Uuid::now_v7().to_string()))
        .collect();
    let mut leaks = Vec::new();
    for outsider in [&bob, &dave] {
        for (method, path, api_call) in &calls {
            let method = Method::from_bytes(method.as_bytes()).unwrap();
            let s = status(outsider, method.clone(), path, *api_call).await;
            let mut unknown = path.clone();
            for (k, v) in &ids {
                unknown = unknown.replace(v.as_str(), &nothing[k]);
            }
            let u = status(outsider, method.clone(), &unknown, *api_call).await;
            if s != u || s < 400 {
                leaks.push(format!("{method} {path}: {s} (unknown ids: {u})"));
            }
        }
    }
    // The member reaches the same routes: the ids and paths are right, the test is not vacuous.
    let mut reached = 0;
    for (method, path, api_call) in &calls {
        if method == "GET" && status(&alice, Method::GET, path, *api_call).await == 200 {
            reached += 1;
        }
    }
    assert!(
        reached > 30,
        "the member reached only {reached} of the GET routes"
    );
    assert!(
        leaks.is_empty(),
        "answers that tell a secret sphere from nothing:\n{}",
        leaks.join("\n")
    );
}
