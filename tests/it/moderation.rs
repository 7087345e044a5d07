//! Moderation: report → queue → hide (invisible to members in feeds, post page, comments and
//! API; visible and marked to moderators) → audit entry; mute, remove, permissions, secret
//! spheres, and the API.
use embarq_domain::SphereId;
use embarq_testkit::{Browser, api, last_as, last_id, spawn_app};
use reqwest::Method;
use serde_json::json;

async fn publish(b: &Browser, sphere: &str, body: &str) -> String {
    b.post_redirect(
        "/posts",
        &[("sphere_id", &last_id(sphere).to_string()), ("body", body)],
    )
    .await
}

#[tokio::test]
async fn report_hide_audit_mute_remove_and_permissions() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let (_, dave) = app.member(org, "dave@acme.test", "Dave").await;

    // Dave administers sphere A; Bob and Carol are members. Alice (manager) administers B.
    let a = dave.create_sphere("Atelier", "open").await;
    let a_id: SphereId = last_as(&a);
    bob.post_redirect(&format!("{a}/join"), &[]).await;
    carol.post_redirect(&format!("{a}/join"), &[]).await;
    let b = mgr.create_sphere("Bureau", "open").await;

    let post = publish(&bob, &a, "Offensive words here").await;
    let post_id = last_id(&post);
    let r = carol
        .post_form(&format!("{post}/comments"), &[("body", "Nasty comment")])
        .await;
    assert_eq!(r.status(), 303);
    let comment_id = app.db.comments(post_id).await.unwrap()[0].id;

    // Carol reports the post; the form validates the reason and keeps one open report.
    assert_eq!(carol.get(&format!("{post}/report")).await.status(), 200);
    let r = carol
        .post_form(&format!("{post}/report"), &[("reason", "nonsense")])
        .await;
    assert_eq!(r.status(), 422);
    let r = carol
        .post_form(
            &format!("{post}/report"),
            &[("reason", "harassment"), ("details", "targets a colleague")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let thanks = r.headers()["location"].to_str().unwrap().to_string();
    let (s, page) = carol.get_text(&thanks).await;
    assert_eq!(s, 200);
    assert!(page.contains("Merci") || page.contains("Thank you"));
    let r = carol
        .post_form(&format!("{post}/report"), &[("reason", "spam")])
        .await;
    assert_eq!(r.status(), 409, "one open report per person and item");
    // Bob reports Carol's comment through the API; he cannot report his own post.
    let (s, v) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/comments/{comment_id}/reports"),
        Some(json!({"reason": "hateful"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let (s, v) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/posts/{post_id}/reports"),
        Some(json!({"reason": "spam"})),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("own_content")));
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/posts/{post_id}/reports"),
        Some(json!({"reason": "spam", "details": "x".repeat(1001)})),
    )
    .await;
    assert_eq!(s, 422, "details are limited");

    // Permissions: a plain member cannot see the queue; the admin of B cannot moderate A's
    // content (Alice is a manager, so use a non-manager admin of B: Carol creates C).
    assert_eq!(bob.get(&format!("{a}/moderation")).await.status(), 403);
    assert_eq!(bob.get("/admin/moderation").await.status(), 403);
    let (s, _) = api(&bob, Method::GET, "/api/v1/moderation", None).await;
    assert_eq!(s, 403);
    let c = carol.create_sphere("Cercle", "open").await;
    assert_eq!(carol.get(&format!("{c}/moderation")).await.status(), 200);
    assert_eq!(carol.get(&format!("{a}/moderation")).await.status(), 403);
    let (s, _) = api(
        &carol,
        Method::POST,
        "/api/v1/moderation/actions",
        Some(json!({"target_kind": "post", "target_id": post_id, "action": "hide"})),
    )
    .await;
    assert_eq!(s, 403, "the admin of another sphere cannot moderate here");
    assert_eq!(mgr.get(&format!("{b}/moderation")).await.status(), 200);

    // The queue groups reports per item with counts.
    let (s, html) = dave.get_text(&format!("{a}/moderation")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Offensive words here") && html.contains("Nasty comment"));
    assert!(html.contains("targets a colleague"));
    let (s, q) = api(
        &dave,
        Method::GET,
        &format!("/api/v1/spheres/{a_id}/moderation"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(q["items"].as_array().unwrap().len(), 2);
    let (_, q) = api(&mgr, Method::GET, "/api/v1/moderation", None).await;
    assert_eq!(q["items"].as_array().unwrap().len(), 2, "managers see all");

    // Hide the post: members no longer see it anywhere, moderators see it marked.
    let r = dave
        .post_form(
            "/moderation/act",
            &[
                ("target_kind", "post"),
                ("target_id", &post_id.to_string()),
                ("action", "hide"),
                ("back", &format!("{a}/moderation")),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(carol.get(&post).await.status(), 404);
    assert!(!carol.get_text("/").await.1.contains("Offensive words"));
    assert!(!carol.get_text(&a).await.1.contains("Offensive words"));
    let (s, _) = api(
        &carol,
        Method::GET,
        &format!("/api/v1/posts/{post_id}"),
        None,
    )
    .await;
    assert_eq!(s, 404);
    let (_, feed) = api(
        &carol,
        Method::GET,
        &format!("/api/v1/spheres/{a_id}/posts"),
        None,
    )
    .await;
    assert!(!feed.to_string().contains("Offensive words"));
    let (_, feed) = api(&carol, Method::GET, "/api/v1/feed", None).await;
    assert!(!feed.to_string().contains("Offensive words"));
    let (s, v) = api(
        &dave,
        Method::GET,
        &format!("/api/v1/posts/{post_id}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "the moderator still reads it over the API");
    embarq_testkit::instant(&v["post"]["hidden_at"]);
    let (s, page) = dave.get_text(&post).await;
    assert_eq!(s, 200, "the moderator still sees it");
    assert!(page.contains("Hidden") || page.contains("Masqué"));
    // Reporting hidden content you cannot see is 404.
    let (s, _) = api(
        &app.member(org, "erin@acme.test", "Erin").await.1,
        Method::POST,
        &format!("/api/v1/posts/{post_id}/reports"),
        Some(json!({"reason": "spam"})),
    )
    .await;
    assert_eq!(s, 404);

    // The reporter hears the outcome, with a link; the audit log has the entry.
    let notes = app.db.notifications(carol_id, 20).await.unwrap();
    let outcome = notes
        .iter()
        .find(|n| n.kind == "moderation_hidden")
        .expect("Carol is told");
    assert_eq!(
        outcome.link.as_deref(),
        Some(format!("/spheres/{a_id}").as_str())
    );
    let (s, log) = api(
        &mgr,
        Method::GET,
        "/api/v1/audit?action=moderation.hide",
        None,
    )
    .await;
    assert_eq!(s, 200);
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0]["target_id"], json!(post_id));
    assert_eq!(entries[0]["actor_name"], "Dave");
    let (s, html) = mgr.get_text("/admin/audit").await;
    assert_eq!(s, 200);
    assert!(html.contains("moderation.hide"));
    assert_eq!(dave.get(&format!("{a}/audit")).await.status(), 200);
    assert_eq!(bob.get("/admin/audit").await.status(), 403);
    assert_eq!(bob.get(&format!("{a}/audit")).await.status(), 403);
    let (s, _) = api(&mgr, Method::GET, "/api/v1/audit?from=yesterday", None).await;
    assert_eq!(s, 422, "bad dates are field errors");

    // Unhide, then hide the comment: gone for members, marked for the moderator.
    let (s, v) = api(
        &dave,
        Method::POST,
        "/api/v1/moderation/actions",
        Some(json!({"target_kind": "post", "target_id": post_id, "action": "unhide"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(carol.get(&post).await.status(), 200);
    let (s, _) = api(
        &dave,
        Method::POST,
        "/api/v1/moderation/actions",
        Some(json!({"target_kind": "comment", "target_id": comment_id, "action": "hide"})),
    )
    .await;
    assert_eq!(s, 200);
    assert!(!bob.get_text(&post).await.1.contains("Nasty comment"));
    assert!(dave.get_text(&post).await.1.contains("Nasty comment"));
    let (_, thread) = api(&bob, Method::GET, &format!("/api/v1/posts/{post_id}"), None).await;
    assert!(!thread.to_string().contains("Nasty comment"));

    // Mute Carol (author of the comment) for a day: she can neither post nor comment.
    let (s, v) = api(
        &dave,
        Method::POST,
        "/api/v1/moderation/actions",
        Some(json!({"target_kind": "comment", "target_id": comment_id, "action": "mute", "hours": "5"})),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    let (s, v) = api(
        &dave,
        Method::POST,
        "/api/v1/moderation/actions",
        Some(json!({"target_kind": "comment", "target_id": comment_id, "action": "mute", "hours": "24"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(v["muted_until"].as_i64().is_some());
    let r = carol
        .post_form(
            "/posts",
            &[("sphere_id", &a_id.to_string()), ("body", "I am back")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let text = r.text().await.unwrap();
    assert!(text.contains("muted") || text.contains("muet"), "{text}");
    let (s, v) = api(
        &carol,
        Method::POST,
        &format!("/api/v1/posts/{post_id}/comments"),
        Some(json!({"body": "still here"})),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("muted")));
    // Elsewhere she still publishes.
    assert_eq!(
        carol
            .post_form(
                "/posts",
                &[
                    ("sphere_id", &last_id(&c).to_string()),
                    ("body", "Hello circle")
                ]
            )
            .await
            .status(),
        303
    );

    // Remove Bob (author of the post) from the sphere; delete his post.
    let (s, _) = api(
        &dave,
        Method::POST,
        "/api/v1/moderation/actions",
        Some(json!({"target_kind": "post", "target_id": post_id, "action": "remove"})),
    )
    .await;
    assert_eq!(s, 200);
    assert!(
        app.db.sphere_role(a_id, bob_id).await.unwrap().is_none(),
        "Bob was removed"
    );
    let (s, _) = api(
        &dave,
        Method::POST,
        "/api/v1/moderation/actions",
        Some(json!({"target_kind": "post", "target_id": post_id, "action": "delete"})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(dave.get(&post).await.status(), 404);
    let (_, q) = api(
        &dave,
        Method::GET,
        &format!("/api/v1/spheres/{a_id}/moderation"),
        None,
    )
    .await;
    assert!(
        q["items"].as_array().unwrap().is_empty(),
        "queue is empty: {q}"
    );
    let (_, log) = api(
        &dave,
        Method::GET,
        &format!("/api/v1/spheres/{a_id}/audit"),
        None,
    )
    .await;
    let actions: Vec<&str> = log["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "moderation.delete",
            "moderation.remove",
            "moderation.mute",
            "moderation.hide",
            "moderation.unhide",
            "moderation.hide"
        ]
    );
    // Bad input never 500s.
    let (s, v) = api(
        &dave,
        Method::POST,
        "/api/v1/moderation/actions",
        Some(json!({"target_kind": "poem", "action": "explode"})),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(v["errors"].as_array().unwrap().len(), 3, "{v}");
}

#[tokio::test]
async fn secret_sphere_content_cannot_be_reported_or_moderated_by_outsiders() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (_, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let s = bob.create_sphere("Licorne", "secret").await;
    let post = publish(&bob, &s, "Secret plan").await;
    let post_id = last_id(&post);
    // Carol (member of the org, not of the sphere) and even the manager: 404.
    for who in [&carol, &mgr] {
        assert_eq!(who.get(&format!("{post}/report")).await.status(), 404);
        let (st, _) = api(
            who,
            Method::POST,
            &format!("/api/v1/posts/{post_id}/reports"),
            Some(json!({"reason": "spam"})),
        )
        .await;
        assert_eq!(st, 404);
        assert_eq!(who.get(&format!("{s}/moderation")).await.status(), 404);
    }
    // A report inside the secret sphere does not show in the manager's queue.
    let carol_id = app.user("carol@acme.test").await.id;
    bob.post_form(&format!("{s}/invite"), &[("email", "carol@acme.test")])
        .await;
    let inv = app.db.invitations_for(carol_id).await.unwrap();
    carol
        .post_redirect(&format!("/requests/{}/accept", inv[0].id), &[])
        .await;
    let (st, _) = api(
        &carol,
        Method::POST,
        &format!("/api/v1/posts/{post_id}/reports"),
        Some(json!({"reason": "other"})),
    )
    .await;
    assert_eq!(st, 201);
    let (_, q) = api(&mgr, Method::GET, "/api/v1/moderation", None).await;
    assert!(q["items"].as_array().unwrap().is_empty());
    assert!(
        !mgr.get_text("/admin/moderation")
            .await
            .1
            .contains("Secret plan")
    );
    let (_, q) = api(
        &bob,
        Method::GET,
        &format!("/api/v1/spheres/{}/moderation", last_id(&s)),
        None,
    )
    .await;
    assert_eq!(q["items"].as_array().unwrap().len(), 1);
}
