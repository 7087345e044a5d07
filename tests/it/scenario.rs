//! The API end to end over the real router (in process) and a fresh database (SQLite, or
//! PostgreSQL with EMBARQ_TEST_DATABASE_URL), authenticated by personal access tokens.
use axum::Router;
use axum::body::{Body, to_bytes};
use axum::http::{Method, Request, StatusCode, header};
use embarq_domain::{Id, OrgId, OrgRole, UserStatus};
use embarq_store::{Db, NewMember};
use embarq_web::auth::token_hash;
use embarq_web::{AppState, Config, WebState};
use serde_json::{Value, json};
use tower::ServiceExt;

struct Api {
    app: Router,
    db: Db,
    org: OrgId,
    _dir: embarq_testkit::TempDir,
}

struct Answer {
    status: StatusCode,
    allow: String,
    content_type: String,
    json: Value,
}

impl Api {
    async fn new() -> Api {
        let (db, tmp) = embarq_testkit::scratch_db().await;
        let dir = tmp.0.clone();
        let (org, _) = db
            .create_organization(
                "Acme",
                member(OrgId(Id::nil()), "alice@acme.fr", OrgRole::Manager),
            )
            .await
            .unwrap();
        let state =
            AppState::new(db.clone(), Config::new("http://localhost", dir.clone())).unwrap();
        Api {
            app: embarq_web::app(state),
            db,
            org: org.id,
            _dir: tmp,
        }
    }

    /// A bearer token for an account (created if needed).
    async fn token(&self, email: &str) -> String {
        let id = match self.db.user_by_email(email).await.unwrap() {
            Some(u) => u.id,
            None => self
                .db
                .create_member(&member(self.org, email, OrgRole::Member))
                .await
                .unwrap(),
        };
        let secret = format!("emb_test_{}", uuid::Uuid::new_v4().simple());
        self.db
            .create_api_token(
                embarq_domain::new_id(),
                id,
                "test",
                &token_hash(&secret),
                &Default::default(),
            )
            .await
            .unwrap();
        secret
    }

    async fn send(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Answer {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if !content_type.is_empty() {
            req = req.header(header::CONTENT_TYPE, content_type);
        }
        let res = self
            .app
            .clone()
            .oneshot(req.body(Body::from(body)).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let content_type = res
            .headers()
            .get(header::CONTENT_TYPE)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let allow = res
            .headers()
            .get(header::ALLOW)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default();
        let bytes = to_bytes(res.into_body(), usize::MAX).await.unwrap();
        let json = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or(Value::String(String::from_utf8_lossy(&bytes).into()))
        };
        Answer {
            status,
            allow,
            content_type,
            json,
        }
    }

    async fn get(&self, path: &str, token: &str) -> Answer {
        self.send(Method::GET, path, Some(token), "", Vec::new())
            .await
    }

    async fn json(&self, method: Method, path: &str, token: &str, body: Value) -> Answer {
        self.send(
            method,
            path,
            Some(token),
            "application/json",
            body.to_string().into_bytes(),
        )
        .await
    }

    async fn post(&self, path: &str, token: &str) -> Answer {
        self.send(Method::POST, path, Some(token), "", Vec::new())
            .await
    }
}

fn member(org_id: OrgId, email: &str, role: OrgRole) -> NewMember {
    NewMember {
        org_id,
        email: email.to_string(),
        display_name: email.split('@').next().unwrap().to_string(),
        password_hash: None,
        org_role: role,
        status: UserStatus::Active,
    }
}

#[track_caller]
fn problem(a: &Answer, status: u16, code: &str) {
    assert_eq!(a.status.as_u16(), status, "{:?}", a.json);
    assert_eq!(a.content_type, "application/problem+json");
    assert_eq!(a.json["status"], status);
    assert_eq!(a.json["code"], code, "{:?}", a.json);
}

#[tokio::test]
async fn document_and_errors_are_json() {
    let api = Api::new().await;
    let doc = api
        .send(Method::GET, "/api/openapi.json", None, "", Vec::new())
        .await;
    assert_eq!(doc.status, StatusCode::OK);
    assert_eq!(doc.json["openapi"], "3.1.0");
    assert!(doc.json["paths"]["/api/v1/spheres/{id}/posts"]["post"].is_object());

    problem(
        &api.send(Method::GET, "/api/v1/me", None, "", Vec::new())
            .await,
        401,
        "unauthorized",
    );
    problem(
        &api.send(Method::GET, "/api/v1/me", Some("emb_nope"), "", Vec::new())
            .await,
        401,
        "unauthorized",
    );
    let alice = api.token("alice@acme.fr").await;
    let me = api.get("/api/v1/me", &alice).await;
    assert_eq!(me.status, StatusCode::OK);
    assert_eq!(me.json["email"], "alice@acme.fr");
    assert_eq!(me.json["role"], "manager");
    assert!(me.json.get("password_hash").is_none());

    let bad = api
        .send(
            Method::POST,
            "/api/v1/spheres",
            Some(&alice),
            "application/json",
            b"{not json".to_vec(),
        )
        .await;
    problem(&bad, 422, "validation");
    assert_eq!(bad.json["errors"][0]["field"], "body");
    problem(
        &api.json(Method::POST, "/api/v1/spheres", &alice, json!({"name": 5}))
            .await,
        422,
        "validation",
    );
    let no_type = api
        .send(
            Method::POST,
            "/api/v1/spheres",
            Some(&alice),
            "text/plain",
            b"{}".to_vec(),
        )
        .await;
    problem(&no_type, 422, "validation");
    let invalid = api
        .json(
            Method::POST,
            "/api/v1/spheres",
            &alice,
            json!({"name": " ", "kind": "public"}),
        )
        .await;
    problem(&invalid, 422, "validation");
    let fields: Vec<&str> = invalid.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["name", "kind"]);

    problem(
        &api.get("/api/v1/spheres/not-an-id", &alice).await,
        404,
        "not_found",
    );
    problem(
        &api.get("/api/v1/nothing/here", &alice).await,
        404,
        "not_found",
    );
    let put = api
        .send(Method::PUT, "/api/v1/me", Some(&alice), "", Vec::new())
        .await;
    problem(&put, 405, "method_not_allowed");
    assert_eq!(put.allow, "GET,HEAD,PATCH");
    problem(
        &api.get(&format!("/api/v1/spheres/{}", uuid::Uuid::now_v7()), &alice)
            .await,
        404,
        "not_found",
    );
    problem(
        &api.get("/api/v1/members?page=abc", &alice).await,
        422,
        "validation",
    );
    problem(
        &api.get("/api/v1/feed?after=garbage", &alice).await,
        422,
        "validation",
    );
}

#[tokio::test]
async fn profile_patch_keeps_absent_fields() {
    let api = Api::new().await;
    let alice = api.token("alice@acme.fr").await;
    let a = api
        .json(
            Method::PATCH,
            "/api/v1/me",
            &alice,
            json!({"title": "CTO", "birth_year": 1980, "locale": "en"}),
        )
        .await;
    assert_eq!(a.status, StatusCode::OK, "{:?}", a.json);
    assert_eq!(
        (a.json["title"].as_str(), a.json["birth_year"].as_i64()),
        (Some("CTO"), Some(1980))
    );
    let a = api
        .json(
            Method::PATCH,
            "/api/v1/me",
            &alice,
            json!({"display_name": "Alice A"}),
        )
        .await;
    assert_eq!(
        (
            a.json["display_name"].as_str(),
            a.json["title"].as_str(),
            a.json["locale"].as_str()
        ),
        (Some("Alice A"), Some("CTO"), Some("en"))
    );
    let a = api
        .json(
            Method::PATCH,
            "/api/v1/me",
            &alice,
            json!({"title": null, "birth_year": null}),
        )
        .await;
    assert!(a.json["title"].is_null() && a.json["birth_year"].is_null());
    let a = api
        .json(
            Method::PATCH,
            "/api/v1/me",
            &alice,
            json!({"birth_year": 1800, "locale": "de"}),
        )
        .await;
    problem(&a, 422, "validation");
}

#[tokio::test]
async fn spheres_posts_and_messages() {
    let api = Api::new().await;
    let alice = api.token("alice@acme.fr").await;
    let bob = api.token("bob@acme.fr").await;
    let bob_id = api.get("/api/v1/me", &bob).await.json["id"]
        .as_str()
        .unwrap()
        .to_string();

    let s = api
        .json(
            Method::POST,
            "/api/v1/spheres",
            &alice,
            json!({"name": "Eng", "kind": "closed"}),
        )
        .await;
    assert_eq!(s.status, StatusCode::CREATED, "{:?}", s.json);
    assert_eq!(s.json["access"]["admin"], true);
    let sid = s.json["id"].as_str().unwrap().to_string();

    let join = api.post(&format!("/api/v1/spheres/{sid}/join"), &bob).await;
    assert_eq!(join.json, json!({"member": false}));
    problem(
        &api.get(&format!("/api/v1/spheres/{sid}/posts"), &bob).await,
        403,
        "forbidden",
    );
    let reqs = api
        .get(&format!("/api/v1/spheres/{sid}/requests"), &alice)
        .await;
    assert_eq!(reqs.json[0]["user_id"], bob_id.as_str());
    let rid = reqs.json[0]["id"].as_str().unwrap();
    assert_eq!(
        api.post(&format!("/api/v1/requests/{rid}/accept"), &alice)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get(&format!("/api/v1/spheres/{sid}"), &bob).await.json["my_role"],
        "member"
    );

    let patched = api
        .json(
            Method::PATCH,
            &format!("/api/v1/spheres/{sid}"),
            &alice,
            json!({"requires_approval": true}),
        )
        .await;
    assert_eq!(
        (
            patched.json["name"].as_str(),
            patched.json["requires_approval"].as_bool()
        ),
        (Some("Eng"), Some(true))
    );
    problem(
        &api.json(
            Method::PATCH,
            &format!("/api/v1/spheres/{sid}"),
            &bob,
            json!({"name": "Mine"}),
        )
        .await,
        403,
        "forbidden",
    );

    let p = api
        .json(
            Method::POST,
            &format!("/api/v1/spheres/{sid}/posts"),
            &bob,
            json!({"body": "hello **world**"}),
        )
        .await;
    assert_eq!(p.status, StatusCode::CREATED);
    assert_eq!(p.json["status"], "pending");
    let pid = p.json["id"].as_str().unwrap().to_string();
    assert_eq!(
        api.get(&format!("/api/v1/spheres/{sid}/pending"), &alice)
            .await
            .json[0]["id"],
        pid.as_str()
    );
    problem(
        &api.post(&format!("/api/v1/posts/{pid}/approve"), &bob)
            .await,
        403,
        "forbidden",
    );
    let role = json!({"role": "publisher"});
    assert_eq!(
        api.json(
            Method::PUT,
            &format!("/api/v1/spheres/{sid}/members/{bob_id}/role"),
            &alice,
            role
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.post(&format!("/api/v1/posts/{pid}/approve"), &bob)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    problem(
        &api.post(&format!("/api/v1/posts/{pid}/approve"), &bob)
            .await,
        422,
        "not_pending",
    );

    let feed = api.get("/api/v1/feed", &alice).await;
    assert_eq!(feed.json["items"][0]["id"], pid.as_str());
    assert!(feed.json["next"].is_null());
    let c = api
        .json(
            Method::POST,
            &format!("/api/v1/posts/{pid}/comments"),
            &alice,
            json!({"body": "nice"}),
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED);
    assert_eq!(c.json["post_id"], pid.as_str());
    let reactions = format!("/api/v1/posts/{pid}/reactions");
    let party = json!({"emoji": "🎉"});
    assert_eq!(
        api.json(Method::POST, &reactions, &alice, party.clone())
            .await
            .json,
        json!({"active": true})
    );
    let thread = api.get(&format!("/api/v1/posts/{pid}"), &alice).await;
    assert_eq!(thread.json["comments"][0]["body_html"], "<p>nice</p>\n");
    assert_eq!(
        thread.json["reactions"][0],
        json!({"emoji": "🎉", "count": 1, "mine": true})
    );
    assert_eq!(
        api.json(Method::POST, &reactions, &alice, party).await.json,
        json!({"active": false})
    );
    problem(
        &api.json(
            Method::POST,
            &format!("/api/v1/posts/{pid}/reactions"),
            &alice,
            json!({"emoji": "x"}),
        )
        .await,
        422,
        "validation",
    );
    assert_eq!(
        api.post(&format!("/api/v1/posts/{pid}/pin"), &bob)
            .await
            .status,
        StatusCode::NO_CONTENT
    );

    let found = api.get("/api/v1/search?q=%20world%20", &alice).await;
    assert_eq!(found.json["groups"][0]["kind"], "posts");
    assert_eq!(found.json["groups"][0]["items"][0]["id"], pid.as_str());
    problem(
        &api.get("/api/v1/search?q=", &alice).await,
        422,
        "validation",
    );

    let notes = api.get("/api/v1/notifications", &bob).await;
    assert!(
        notes.json["unread"].as_i64().unwrap() >= 2,
        "{:?}",
        notes.json
    );
    assert_eq!(
        api.post("/api/v1/notifications/read", &bob).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        api.get("/api/v1/notifications", &bob).await.json["unread"],
        0
    );

    let conv = api
        .json(
            Method::POST,
            "/api/v1/conversations",
            &alice,
            json!({"members": [bob_id]}),
        )
        .await;
    assert_eq!(conv.status, StatusCode::CREATED);
    let cid = conv.json["id"].as_str().unwrap().to_string();
    let m = api
        .json(
            Method::POST,
            &format!("/api/v1/conversations/{cid}/messages"),
            &alice,
            json!({"body": "hi"}),
        )
        .await;
    assert_eq!(
        (m.status, m.json["body_html"].as_str()),
        (StatusCode::CREATED, Some("<p>hi</p>\n"))
    );
    assert_eq!(
        api.get("/api/v1/conversations", &bob).await.json[0]["unread"],
        true
    );
    assert_eq!(
        api.get(&format!("/api/v1/conversations/{cid}/messages"), &bob)
            .await
            .json[0]["body_html"],
        "<p>hi</p>\n"
    );
    let carol = api.token("carol@acme.fr").await;
    problem(
        &api.get(&format!("/api/v1/conversations/{cid}/messages"), &carol)
            .await,
        404,
        "not_found",
    );

    assert_eq!(
        api.send(
            Method::DELETE,
            &format!("/api/v1/posts/{pid}"),
            Some(&bob),
            "",
            Vec::new()
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    problem(
        &api.get(&format!("/api/v1/posts/{pid}"), &alice).await,
        404,
        "not_found",
    );
}

#[tokio::test]
async fn directory_tokens_and_import() {
    let api = Api::new().await;
    let alice = api.token("alice@acme.fr").await;
    let bob = api.token("bob@acme.fr").await;
    let bob_id = api.get("/api/v1/me", &bob).await.json["id"]
        .as_str()
        .unwrap()
        .to_string();

    let dir = api.get("/api/v1/members?q=bob", &alice).await;
    assert_eq!(
        (
            dir.json["items"][0]["id"].as_str(),
            dir.json["page"].as_i64()
        ),
        (Some(bob_id.as_str()), Some(0))
    );
    problem(
        &api.json(
            Method::POST,
            &format!("/api/v1/members/{bob_id}/role"),
            &alice,
            json!({"role": "boss"}),
        )
        .await,
        422,
        "validation",
    );
    problem(
        &api.json(
            Method::POST,
            "/api/v1/members/invitations",
            &bob,
            json!({"email": "x@acme.fr"}),
        )
        .await,
        403,
        "forbidden",
    );
    let inv = api
        .json(
            Method::POST,
            "/api/v1/members/invitations",
            &alice,
            json!({"email": "Carol@Acme.fr"}),
        )
        .await;
    assert_eq!(
        (
            inv.status,
            inv.json["status"].as_str(),
            inv.json["email"].as_str()
        ),
        (StatusCode::CREATED, Some("invited"), Some("carol@acme.fr"))
    );
    problem(
        &api.json(
            Method::POST,
            "/api/v1/members/invitations",
            &alice,
            json!({"email": "carol@acme.fr"}),
        )
        .await,
        409,
        "email",
    );

    let t = api
        .json(Method::POST, "/api/v1/tokens", &bob, json!({"name": "ci"}))
        .await;
    assert_eq!(t.status, StatusCode::CREATED);
    let secret = t.json["token"].as_str().unwrap().to_string();
    assert!(secret.starts_with("emb_"));
    assert_eq!(api.get("/api/v1/me", &secret).await.status, StatusCode::OK);
    assert_eq!(
        api.get("/api/v1/tokens", &bob)
            .await
            .json
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let tid = t.json["id"].as_str().unwrap();
    assert_eq!(
        api.send(
            Method::DELETE,
            &format!("/api/v1/tokens/{tid}"),
            Some(&bob),
            "",
            Vec::new()
        )
        .await
        .status,
        StatusCode::NO_CONTENT
    );
    problem(&api.get("/api/v1/me", &secret).await, 401, "unauthorized");
    problem(
        &api.send(
            Method::DELETE,
            &format!("/api/v1/tokens/{tid}"),
            Some(&bob),
            "",
            Vec::new(),
        )
        .await,
        404,
        "not_found",
    );

    assert_eq!(
        api.post(&format!("/api/v1/members/{bob_id}/deactivate"), &alice)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    problem(&api.get("/api/v1/me", &bob).await, 401, "unauthorized");
    problem(
        &api.post(&format!("/api/v1/members/{bob_id}/deactivate"), &bob)
            .await,
        401,
        "unauthorized",
    );
    let me = api.get("/api/v1/me", &alice).await.json["id"]
        .as_str()
        .unwrap()
        .to_string();
    problem(
        &api.post(&format!("/api/v1/members/{me}/deactivate"), &alice)
            .await,
        422,
        "cannot_deactivate_self",
    );

    let csv =
        b"email;first_name;birth_year\ndave@acme.fr;Dave;1990\nnot-an-email;X;1990\n".to_vec();
    let dry = api
        .send(
            Method::POST,
            "/api/v1/members/import",
            Some(&alice),
            "text/csv",
            csv.clone(),
        )
        .await;
    assert_eq!(dry.status, StatusCode::OK, "{:?}", dry.json);
    assert_eq!(
        (dry.json["dry_run"].as_bool(), dry.json["rows"].as_u64()),
        (Some(true), Some(1))
    );
    assert_eq!(dry.json["create"], json!(["dave@acme.fr"]));
    assert_eq!(dry.json["errors"][0]["line"], 3);
    assert!(
        api.db
            .user_by_email("dave@acme.fr")
            .await
            .unwrap()
            .is_none()
    );
    let real = api
        .send(
            Method::POST,
            "/api/v1/members/import?dry_run=false",
            Some(&alice),
            "text/csv",
            csv,
        )
        .await;
    assert_eq!(real.json["dry_run"], false);
    assert!(
        api.db
            .user_by_email("dave@acme.fr")
            .await
            .unwrap()
            .is_some()
    );
    problem(
        &api.send(
            Method::POST,
            "/api/v1/members/import",
            Some(&alice),
            "text/csv",
            b"name\nx\n".to_vec(),
        )
        .await,
        422,
        "no_email_column",
    );
    problem(
        &api.send(
            Method::POST,
            "/api/v1/members/import?dry_run=maybe",
            Some(&alice),
            "text/csv",
            b"email\n".to_vec(),
        )
        .await,
        422,
        "validation",
    );
    problem(
        &api.send(
            Method::POST,
            "/api/v1/members/import",
            Some(&bob),
            "text/csv",
            b"email\n".to_vec(),
        )
        .await,
        401,
        "unauthorized",
    );
}

/// The API's own fallback must not clash with the web UI's when the routers are merged.
#[tokio::test]
async fn fallbacks_merge_with_the_ui() {
    for api_first in [true, false] {
        let ui: Router<WebState> = Router::new().fallback(|| async { "ui" });
        let (api, _) = embarq_web::api::router().split_for_parts();
        let merged = if api_first {
            api.merge(ui)
        } else {
            ui.merge(api)
        };
        let (db, tmp) = embarq_testkit::scratch_db().await;
        let dir = tmp.0.clone();
        let app = merged.with_state(WebState::new(
            AppState::new(db, Config::new("http://localhost", dir.clone())).unwrap(),
        ));
        let get = |uri: &'static str| {
            app.clone()
                .oneshot(Request::builder().uri(uri).body(Body::empty()).unwrap())
        };
        let res = get("/api/v1/nothing").await.unwrap();
        assert_eq!(
            res.headers()[header::CONTENT_TYPE],
            "application/problem+json"
        );
        let res = get("/elsewhere").await.unwrap();
        assert_eq!(to_bytes(res.into_body(), 100).await.unwrap(), "ui");
    }
}
