//! GDPR: "Download my data" (zip with data.json and the member's files, nothing of other
//! people's conversations, rate-limited), erasure by a manager (anonymize or remove, sessions
//! end, e-mail freed, not oneself, not the last manager, audited without personal data) and
//! the retention job.
use embarq_testkit::{Browser, api, last_id, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};
use std::io::Read;

/// Downloads the export through `path` and returns (data.json, names of entries, file bytes).
async fn export(b: &Browser, path: &str) -> (Value, Vec<String>, Vec<Vec<u8>>) {
    let r = b.get(path).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/zip");
    let bytes = r.bytes().await.unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut names = Vec::new();
    let mut files = Vec::new();
    let mut data = Value::Null;
    for i in 0..zip.len() {
        let mut f = zip.by_index(i).unwrap();
        let mut buf = Vec::new();
        f.read_to_end(&mut buf).unwrap();
        names.push(f.name().to_string());
        if f.name() == "data.json" {
            data = serde_json::from_slice(&buf).unwrap();
        } else {
            files.push(buf);
        }
    }
    (data, names, files)
}

#[tokio::test]
async fn export_contains_own_data_only_and_is_rate_limited() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob Exporter").await;
    let (_, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let sphere = mgr.create_sphere("Marketing", "open").await;
    let sid = last_id(&sphere).to_string();
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    bob.post_redirect(
        "/posts",
        &[("sphere_id", &sid), ("body", "Bob's launch post")],
    )
    .await;
    let payload = b"quarterly figures, bob only".to_vec();
    assert_eq!(
        bob.upload(&sid, "figures.txt", payload.clone()).await.0,
        201
    );
    // Bob's conversation with Alice, and a conversation between Alice and Carol.
    let conv = bob
        .post_redirect("/messages/new", &[("emails", "alice@acme.test")])
        .await;
    bob.post_redirect(&conv, &[("body", "Hello Alice from Bob")])
        .await;
    mgr.post_redirect(&conv, &[("body", "Hi Bob, answer from Alice")])
        .await;
    let other = carol
        .post_redirect("/messages/new", &[("emails", "alice@acme.test")])
        .await;
    carol
        .post_redirect(&other, &[("body", "Secret between Carol and Alice")])
        .await;

    let (data, names, files) = export(&bob, "/settings/export").await;
    assert_eq!(data["profile"]["email"], "bob@acme.test");
    let text = data.to_string();
    assert!(text.contains("Bob's launch post"), "{text}");
    assert!(text.contains("Hello Alice from Bob"));
    assert!(text.contains("answer from Alice"), "received messages too");
    assert!(!text.contains("Secret between Carol"), "{text}");
    assert!(!text.contains("carol@acme.test"));
    assert_eq!(data["files"][0]["name"], "figures.txt");
    assert!(
        names
            .iter()
            .any(|n| n.starts_with("files/") && n.ends_with("figures.txt")),
        "{names:?}"
    );
    assert_eq!(files, vec![payload]);

    // Once per ten minutes, with a clear message; the API answers the same way.
    let r = bob.get("/api/v1/account/export").await;
    assert_eq!(r.status(), 429);
    let problem: Value = r.json().await.unwrap();
    assert_eq!(problem["code"], "gdpr_export_limited");
    assert!(
        problem["detail"]
            .as_str()
            .unwrap_or("")
            .contains("10 minutes"),
        "{problem}"
    );
    // Another person is not limited by Bob's export, and gets their own data via the API.
    let (cdata, _, cfiles) = export(&carol, "/api/v1/account/export").await;
    assert_eq!(cdata["profile"]["email"], "carol@acme.test");
    assert!(cdata.to_string().contains("Secret between Carol"));
    assert!(!cdata.to_string().contains("Hello Alice from Bob"));
    assert!(cfiles.is_empty());
    // Not signed in: no export.
    assert_eq!(
        app.browser().get("/api/v1/account/export").await.status(),
        401
    );
}

/// Sets up Alice (manager), Bob with a post, a comment, a message and a file; returns
/// (bob id, bob's browser, the post path, the conversation path, sphere id).
async fn bob_with_content(
    app: &embarq_testkit::TestApp,
    mgr: &Browser,
) -> (embarq_domain::UserId, Browser, String, String, String) {
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob Erasable").await;
    let sphere = mgr.create_sphere("Sales", "open").await;
    let sid = last_id(&sphere).to_string();
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    let post = bob
        .post_redirect("/posts", &[("sphere_id", &sid), ("body", "Bob wrote this")])
        .await;
    let conv = bob
        .post_redirect("/messages/new", &[("emails", "alice@acme.test")])
        .await;
    bob.post_redirect(&conv, &[("body", "Private note from Bob")])
        .await;
    assert_eq!(
        bob.upload(&sid, "bob.txt", b"bob bytes".to_vec()).await.0,
        201
    );
    (bob_id, bob, post, conv, sid)
}

#[tokio::test]
async fn erase_anonymize_keeps_content_as_former_member() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let (bob_id, bob, post, conv, sid) = bob_with_content(&app, &mgr).await;
    let token = {
        let (s, t) = api(
            &bob,
            Method::POST,
            "/api/v1/tokens",
            Some(json!({"name": "cli"})),
        )
        .await;
        assert_eq!(s, 201, "{t}");
        t["token"].as_str().unwrap().to_string()
    };

    // Confirmation required on the page.
    let (s, page) = mgr
        .get_text(&format!("/admin/members/{bob_id}/erase"))
        .await;
    assert_eq!(s, 200);
    assert!(page.contains("Bob Erasable"));
    let r = mgr
        .post_form(
            &format!("/admin/members/{bob_id}/erase"),
            &[("mode", "anonymize")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(bob.get("/settings").await.status(), 200, "nothing happened");
    // A member cannot erase anyone.
    let (s, _) = api(
        &bob,
        Method::DELETE,
        &format!("/api/v1/members/{bob_id}"),
        None,
    )
    .await;
    assert_eq!(s, 403);

    let to = mgr
        .post_redirect(
            &format!("/admin/members/{bob_id}/erase"),
            &[("mode", "anonymize"), ("confirm", "yes")],
        )
        .await;
    assert!(to.starts_with("/admin/members"), "{to}");

    // Sessions and tokens no longer work.
    let r = bob.get("/settings").await;
    assert_ne!(r.status(), 200);
    let r = app
        .browser()
        .client
        .get(format!("{}/api/v1/me", app.base))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // Content stays, signed by a former member; the name and e-mail are gone.
    let (_, page) = mgr.get_text(&post).await;
    assert!(page.contains("Bob wrote this"));
    assert!(page.contains("Former member"), "{page}");
    assert!(!page.contains("Bob Erasable"));
    let (_, page) = mgr.get_text(&conv).await;
    assert!(page.contains("Private note from Bob"));
    let (s, files) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/spheres/{sid}/files"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert!(files.to_string().contains("bob.txt"), "{files}");
    // The e-mail is free: Bob can be invited again.
    let (s, m) = api(
        &mgr,
        Method::POST,
        "/api/v1/members/invitations",
        Some(json!({"email": "bob@acme.test", "display_name": "Bob Again"})),
    )
    .await;
    assert_eq!(s, 201, "{m}");
    // Audited, without personal data.
    let org = app.org_id("alice@acme.test").await;
    let entries = app
        .db
        .audit_entries(&embarq_store::AuditFilter {
            action: Some("gdpr.erase".into()),
            ..embarq_store::AuditFilter::of(org, 50)
        })
        .await
        .unwrap();
    let mine: Vec<_> = entries
        .iter()
        .filter(|e| e.target_id == Some(bob_id.into()))
        .collect();
    let (count, details) = (
        mine.len(),
        mine.first().map(|e| e.details.clone()).unwrap_or_default(),
    );
    assert_eq!(count, 1);
    assert!(!details.contains("bob"), "{details}");
    assert!(!details.contains("Bob"), "{details}");
    // Erasing again: not found.
    let (s, _) = api(
        &mgr,
        Method::DELETE,
        &format!("/api/v1/members/{bob_id}"),
        None,
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn erase_remove_deletes_content_and_policy_applies() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    // The organization's policy: remove.
    let (s, body) = api(
        &mgr,
        Method::PUT,
        "/api/v1/organization/gdpr",
        Some(json!({"erase_mode": "remove", "message_days": null, "notification_days": 90, "deactivated_days": null})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = api(
        &mgr,
        Method::PUT,
        "/api/v1/organization/gdpr",
        Some(json!({"erase_mode": "shred", "message_days": -3})),
    )
    .await;
    assert_eq!(s, 422);
    let fields = body["errors"].to_string();
    assert!(
        fields.contains("erase_mode") && fields.contains("message_days"),
        "{body}"
    );

    let (bob_id, bob, post, conv, sid) = bob_with_content(&app, &mgr).await;
    let (s, _) = api(
        &mgr,
        Method::DELETE,
        &format!("/api/v1/members/{bob_id}?mode=bogus"),
        None,
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(bob.get("/settings").await.status(), 200, "nothing happened");
    let (s, _) = api(
        &mgr,
        Method::DELETE,
        &format!("/api/v1/members/{bob_id}"),
        None,
    )
    .await;
    assert_eq!(s, 204);
    assert_ne!(bob.get("/settings").await.status(), 200);
    assert_eq!(mgr.get(&post).await.status(), 404);
    let (_, page) = mgr.get_text(&conv).await;
    assert!(!page.contains("Private note from Bob"));
    let (_, files) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/spheres/{sid}/files"),
        None,
    )
    .await;
    assert!(!files.to_string().contains("bob.txt"), "{files}");
}

#[tokio::test]
async fn cannot_erase_self_or_last_manager() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await;
    let (s, body) = api(
        &mgr,
        Method::DELETE,
        &format!("/api/v1/members/{}", alice.id),
        None,
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(body["code"], "cannot_erase_self");
    // Bob becomes a manager and erases Alice (allowed: Bob remains a manager); Bob is then
    // the last manager: neither he nor the retention job can erase him.
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/members/{bob_id}/role"),
        Some(json!({"role": "manager"})),
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = api(
        &bob,
        Method::DELETE,
        &format!("/api/v1/members/{}", alice.id),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, body) = api(
        &bob,
        Method::DELETE,
        &format!("/api/v1/members/{bob_id}"),
        None,
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(body["code"], "cannot_erase_self");
    let r = app
        .db
        .erase_user(
            org,
            bob_id,
            embarq_store::gdpr::EraseMode::Anonymize,
            None,
            1,
        )
        .await
        .unwrap();
    assert!(
        matches!(r, embarq_store::gdpr::EraseResult::LastManager),
        "{r:?}"
    );
    assert_eq!(bob.get("/settings").await.status(), 200, "Bob is untouched");
}

#[tokio::test]
async fn retention_job_deletes_old_messages_only() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let conv = bob
        .post_redirect("/messages/new", &[("emails", "alice@acme.test")])
        .await;
    bob.post_redirect(&conv, &[("body", "old message")]).await;
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    let cut = embarq_store::now_ms();
    tokio::time::sleep(std::time::Duration::from_millis(30)).await;
    mgr.post_redirect(&conv, &[("body", "recent message")])
        .await;
    // Retention settings through the admin page.
    let (s, page) = mgr.get_text("/admin/privacy").await;
    assert_eq!(s, 200, "{page}");
    let r = mgr
        .post_form(
            "/admin/privacy",
            &[
                ("erase_mode", "anonymize"),
                ("message_days", "abc"),
                ("notification_days", ""),
                ("deactivated_days", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = mgr
        .post_form(
            "/admin/privacy",
            &[
                ("erase_mode", "anonymize"),
                ("message_days", "30"),
                ("notification_days", ""),
                ("deactivated_days", ""),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let day = 24 * 3600 * 1000;
    let conv_id = last_id(&conv);
    // Not yet due: nothing deleted.
    embarq_web::jobs::run_due(&app.state, cut + 29 * day).await;
    assert_eq!(app.db.messages(conv_id).await.unwrap().len(), 2);
    let report = embarq_web::jobs::run_due(&app.state, cut + 30 * day).await;
    assert_eq!(report.count("gdpr_retention"), 1);
    let left = app.db.messages(conv_id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(left[0].body_html.contains("recent message"));
    // Idempotent.
    let report = embarq_web::jobs::run_due(&app.state, cut + 30 * day).await;
    assert_eq!(report.count("gdpr_retention"), 0);
    assert_eq!(app.db.messages(conv_id).await.unwrap().len(), 1);
}

#[tokio::test]
async fn retention_erases_long_deactivated_accounts_once() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (carol_id, _) = app.member(org, "carol@acme.test", "Carol Gone").await;
    let (dave_id, _) = app.member(org, "dave@acme.test", "Dave Active").await;
    mgr.post_redirect(&format!("/admin/members/{carol_id}/deactivate"), &[])
        .await;
    let (s, body) = api(
        &mgr,
        Method::PUT,
        "/api/v1/organization/gdpr",
        Some(json!({"erase_mode": "anonymize", "deactivated_days": 60, "notification_days": 10})),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let day = 24 * 3600 * 1000;
    let now = embarq_store::now_ms();
    embarq_web::jobs::run_due(&app.state, now + 59 * day).await;
    assert_eq!(
        app.db
            .user_in_org(org, carol_id)
            .await
            .unwrap()
            .unwrap()
            .email,
        "carol@acme.test"
    );
    let report = embarq_web::jobs::run_due(&app.state, now + 61 * day).await;
    assert!(report.count("gdpr_retention") >= 1);
    let carol = app.db.user_in_org(org, carol_id).await.unwrap().unwrap();
    assert!(carol.email.ends_with("@erased.invalid"), "{}", carol.email);
    assert!(!carol.display_name.contains("Carol"));
    let dave = app.db.user_in_org(org, dave_id).await.unwrap().unwrap();
    assert_eq!(dave.email, "dave@acme.test", "active accounts are kept");
    // A second pass (or another process) does nothing more.
    let report = embarq_web::jobs::run_due(&app.state, now + 61 * day).await;
    assert_eq!(report.count("gdpr_retention"), 0);
}
