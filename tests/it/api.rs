use embarq_testkit::{last_id, spawn_app};
use serde_json::{Value, json};

#[tokio::test]
async fn personal_access_tokens_drive_the_json_api() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let r = mgr
        .post_form("/settings/tokens", &[("name", "script")])
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    let token = regex::Regex::new(r#"<code id="new-token">([^<]+)</code>"#)
        .unwrap()
        .captures(&html)
        .unwrap()[1]
        .to_string();
    let api = reqwest::Client::new();
    let auth = format!("Bearer {token}");
    let me: Value = api
        .get(format!("{}/api/v1/me", app.base))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "alice@acme.test");
    assert!(me.get("password_hash").is_none());

    let r = api
        .post(format!("{}/api/v1/spheres", app.base))
        .header("authorization", &auth)
        .json(&json!({"name": "API sphere", "description": "", "kind": "open", "requires_approval": false}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    let sphere: Value = r.json().await.unwrap();
    let sid = sphere["id"].as_str().unwrap().to_string();
    let r = api
        .post(format!("{}/api/v1/spheres/{sid}/posts", app.base))
        .header("authorization", &auth)
        .json(&json!({"body": "Hello from the API"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let feed: Value = api
        .get(format!("{}/api/v1/feed", app.base))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(feed["items"][0]["body_md"], "Hello from the API");

    // Errors are problem+json with a message a person understands.
    let r = api
        .post(format!("{}/api/v1/spheres", app.base))
        .header("authorization", &auth)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    assert_eq!(r.headers()["content-type"], "application/problem+json");
    let r = api
        .post(format!("{}/api/v1/spheres", app.base))
        .header("authorization", &auth)
        .json(&json!({"name": "", "description": "", "kind": "open", "requires_approval": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["errors"][0]["field"], "name");
    assert!(p["detail"].as_str().unwrap().contains("required"));
    let r = api
        .get(format!(
            "{}/api/v1/spheres/{}",
            app.base,
            uuid::Uuid::now_v7()
        ))
        .header("authorization", &auth)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    let r = api
        .get(format!("{}/api/v1/me", app.base))
        .header("authorization", "Bearer nope")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let r = api
        .get(format!("{}/api/v1/me", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Cookie-authenticated API writes need the CSRF header.
    let r = mgr
        .client
        .post(mgr.url(&format!("/api/v1/spheres/{sid}/posts")))
        .json(&json!({"body": "csrf?"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = mgr
        .client
        .post(mgr.url(&format!("/api/v1/spheres/{sid}/posts")))
        .header("x-csrf-token", &mgr.csrf)
        .json(&json!({"body": "with csrf"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let _ = last_id(&format!("/spheres/{sid}"));
}

#[tokio::test]
async fn openapi_document_describes_every_api_route() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(format!("{}/api/openapi.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for p in [
        "/api/v1/me",
        "/api/v1/spheres",
        "/api/v1/spheres/{id}/posts",
        "/api/v1/feed",
        "/api/v1/posts/{id}",
        "/api/v1/members/import",
        "/api/v1/notifications",
        "/api/v1/conversations",
    ] {
        assert!(paths.contains_key(p), "missing {p}");
    }
}
