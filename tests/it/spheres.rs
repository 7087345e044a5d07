use embarq_domain::{OrgRole, SphereId};
use embarq_testkit::{last_as, last_id, spawn_app};

#[tokio::test]
async fn secret_sphere_is_invisible_to_non_members_through_every_path() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol").await;

    let sphere = mgr.create_sphere("Projet Licorne", "secret").await;
    let sphere_id = last_id(&sphere);
    // Carol is invited and accepts; Bob is not.
    let r = mgr
        .post_form(&format!("{sphere}/invite"), &[("email", "carol@acme.test")])
        .await;
    assert_eq!(r.status(), 303);
    let inv = app.db.invitations_for(carol_id).await.unwrap();
    assert_eq!(inv.len(), 1);
    carol
        .post_redirect(&format!("/requests/{}/accept", inv[0].id), &[])
        .await;
    let post = mgr
        .post_redirect(
            "/posts",
            &[
                ("sphere_id", &sphere_id.to_string()),
                ("body", "Licorne secret plan, ping @bob@acme.test"),
            ],
        )
        .await;
    let post_id = last_id(&post);

    // Member sees everything.
    assert!(
        carol
            .get_text("/spheres")
            .await
            .1
            .contains("Projet Licorne")
    );
    assert!(carol.get_text("/").await.1.contains("Licorne secret plan"));
    assert_eq!(carol.get(&post).await.status(), 200);

    // Non-member: lists, page, post URL, feed, search, notifications, API all deny existence.
    assert!(!bob.get_text("/spheres").await.1.contains("Projet Licorne"));
    assert_eq!(bob.get(&sphere).await.status(), 404);
    assert_eq!(bob.get(&format!("{sphere}/members")).await.status(), 404);
    assert_eq!(bob.get(&format!("{sphere}/items")).await.status(), 404);
    assert_eq!(bob.get(&post).await.status(), 404);
    assert!(!bob.get_text("/").await.1.contains("Licorne"));
    let search = bob.get_text("/search?q=licorne").await.1;
    assert!(!search.contains("Licorne secret") && !search.contains("Projet Licorne"));
    assert!(
        bob.get_text("/notifications")
            .await
            .1
            .contains("You are all caught up")
            || !bob.get_text("/notifications").await.1.contains("Licorne")
    );
    let bob_id = app.user("bob@acme.test").await.id;
    assert_eq!(
        app.db.unread_count(bob_id).await.unwrap(),
        0,
        "a mention in a secret sphere does not reach a non-member"
    );
    assert_eq!(
        bob.post_form(&format!("{sphere}/join"), &[]).await.status(),
        404
    );
    assert_eq!(
        bob.post_form(&format!("/posts/{post_id}/comments"), &[("body", "hi")])
            .await
            .status(),
        404
    );
    let api = bob
        .client
        .get(bob.url(&format!("/api/v1/spheres/{sphere_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    assert_eq!(api.headers()["content-type"], "application/problem+json");
    let api = bob
        .client
        .get(bob.url(&format!("/api/v1/posts/{post_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), 404);
    let list = bob
        .client
        .get(bob.url("/api/v1/spheres"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!list.contains("Licorne"));
    // Even an organization manager who is not a member does not see it.
    let (_, dave) = app.member(org, "dave@acme.test", "Dave").await;
    drop(dave);
    let dave_user = app.user("dave@acme.test").await;
    app.db
        .set_org_role(org, dave_user.id, OrgRole::Manager, &Default::default())
        .await
        .unwrap();
    let dave = app.login("dave@acme.test").await;
    assert_eq!(dave.get(&sphere).await.status(), 404);
    assert!(!dave.get_text("/spheres").await.1.contains("Projet Licorne"));
}

#[tokio::test]
async fn closed_sphere_join_request_is_approved_by_an_administrator() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr.create_sphere("Comité", "closed").await;
    mgr.post_redirect(
        "/posts",
        &[
            ("sphere_id", &last_id(&sphere).to_string()),
            ("body", "Ordre du jour confidentiel"),
        ],
    )
    .await;

    let (status, page) = bob.get_text(&sphere).await;
    assert_eq!(status, 200, "a closed sphere is visible");
    assert!(
        !page.contains("Ordre du jour confidentiel"),
        "but its posts are not"
    );
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    assert!(
        bob.get_text(&sphere).await.1.contains("Request pending")
            || bob.get_text(&sphere).await.1.contains("Demande en attente")
    );
    let requests = app.db.join_requests(last_as(&sphere)).await.unwrap();
    assert_eq!(requests.len(), 1);
    // Bob cannot approve himself.
    assert_eq!(
        bob.post_form(&format!("/requests/{}/accept", requests[0].id), &[])
            .await
            .status(),
        404
    );
    mgr.post_redirect(&format!("/requests/{}/accept", requests[0].id), &[])
        .await;
    assert!(
        bob.get_text(&sphere)
            .await
            .1
            .contains("Ordre du jour confidentiel")
    );
    assert!(
        app.db.unread_count(bob_id).await.unwrap() >= 1,
        "Bob is told he was accepted"
    );
}

#[tokio::test]
async fn roles_keep_one_administrator_and_bad_input_is_explained() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr.create_sphere("Atelier", "open").await;
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    let r = mgr
        .post_form(
            &format!("{sphere}/members/{}/role", alice.id),
            &[("role", "member")],
        )
        .await;
    assert_eq!(r.status(), 422, "the last administrator cannot step down");
    let r = mgr.post_form(&format!("{sphere}/leave"), &[]).await;
    assert_eq!(r.status(), 422);
    mgr.post_redirect(
        &format!("{sphere}/members/{bob_id}/role"),
        &[("role", "publisher")],
    )
    .await;
    assert_eq!(
        app.db.sphere_role(last_as(&sphere), bob_id).await.unwrap(),
        Some(embarq_domain::SphereRole::Publisher)
    );
    // Plain members cannot change roles.
    let r = bob
        .post_form(
            &format!("{sphere}/members/{}/role", alice.id),
            &[("role", "member")],
        )
        .await;
    assert_eq!(r.status(), 403);
    // Bad sphere input.
    let long = "x".repeat(500);
    let r = mgr
        .post_form("/spheres", &[("name", long.as_str()), ("kind", "open")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("120"));
    let r = mgr
        .post_form("/spheres", &[("name", "Ok"), ("kind", "public")])
        .await;
    assert_eq!(r.status(), 422);
    let r = mgr.get("/spheres/not-a-uuid").await;
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn other_organizations_ids_are_refused() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let sphere = mgr.create_sphere("Acme open", "open").await;
    let post = mgr
        .post_redirect(
            "/posts",
            &[
                ("sphere_id", &last_id(&sphere).to_string()),
                ("body", "Acme news"),
            ],
        )
        .await;
    let alice = app.user("alice@acme.test").await;
    // A second organization on the same instance.
    app.other_org("Globex", "eve@globex.test").await;
    let eve = app.login("eve@globex.test").await;
    assert_eq!(eve.get(&sphere).await.status(), 404);
    assert_eq!(eve.get(&post).await.status(), 404);
    assert_eq!(
        eve.get(&format!("/people/{}", alice.id)).await.status(),
        404
    );
    assert!(!eve.get_text("/people?q=alice").await.1.contains("Alice"));
    assert_eq!(
        eve.post_form(&format!("{sphere}/join"), &[]).await.status(),
        404
    );
    let r = eve
        .post_form(
            "/posts",
            &[
                ("sphere_id", &last_id(&sphere).to_string()),
                ("body", "intrusion"),
            ],
        )
        .await;
    assert_eq!(r.status(), 404);
    let r = eve
        .post_form("/messages", &[("members", &alice.id.to_string())])
        .await;
    assert_eq!(r.status(), 404);
    let eve_sphere = eve.create_sphere("Globex", "open").await;
    let r = eve
        .post_form(
            &format!("{eve_sphere}/invite"),
            &[("email", "alice@acme.test")],
        )
        .await;
    assert_eq!(
        r.status(),
        422,
        "members of another organization are unknown here"
    );
    let r = eve
        .post_form(&format!("/admin/members/{}/deactivate", alice.id), &[])
        .await;
    assert_eq!(r.status(), 404);
    assert_eq!(
        app.db.user(alice.id).await.unwrap().unwrap().status,
        embarq_domain::UserStatus::Active
    );
}

/// Id of a member, looked up by e-mail.
async fn user_id(app: &embarq_testkit::TestApp, email: &str) -> embarq_domain::UserId {
    app.user(email).await.id
}

#[tokio::test]
async fn joining_a_closed_sphere_accepts_a_pending_invitation() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr.create_sphere("Comité de direction", "closed").await;
    let sphere_id = last_as::<SphereId>(&sphere);
    mgr.post_redirect(&format!("{sphere}/invite"), &[("email", "bob@acme.test")])
        .await;
    assert_eq!(app.db.invitations_for(bob_id).await.unwrap().len(), 1);

    // Bob clicks "join" on the sphere page instead of accepting from his notifications.
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    assert_eq!(
        app.db.sphere_role(sphere_id, bob_id).await.unwrap(),
        Some(embarq_domain::SphereRole::Member),
        "joining accepts the invitation"
    );
    assert!(app.db.invitations_for(bob_id).await.unwrap().is_empty());
    assert!(app.db.join_requests(sphere_id).await.unwrap().is_empty());
    let alice = user_id(&app, "alice@acme.test").await;
    assert_eq!(
        app.db.unread_count(alice).await.unwrap(),
        0,
        "no join request reaches the administrators"
    );
}

#[tokio::test]
async fn asking_twice_to_join_notifies_administrators_once() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr.create_sphere("Comité", "closed").await;
    let sphere_id = last_as::<SphereId>(&sphere);
    let alice = user_id(&app, "alice@acme.test").await;
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    assert_eq!(app.db.unread_count(alice).await.unwrap(), 1);
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    assert_eq!(
        app.db.unread_count(alice).await.unwrap(),
        1,
        "a request already pending does not notify again"
    );
    assert_eq!(app.db.join_requests(sphere_id).await.unwrap().len(), 1);
    assert_eq!(app.db.sphere_role(sphere_id, bob_id).await.unwrap(), None);
}

#[tokio::test]
async fn inviting_someone_who_asked_to_join_accepts_the_request() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr.create_sphere("Comité", "closed").await;
    let sphere_id = last_as::<SphereId>(&sphere);
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    assert_eq!(app.db.join_requests(sphere_id).await.unwrap().len(), 1);

    let r = mgr
        .post_form(&format!("{sphere}/invite"), &[("email", "bob@acme.test")])
        .await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    assert_eq!(
        app.db.sphere_role(sphere_id, bob_id).await.unwrap(),
        Some(embarq_domain::SphereRole::Member)
    );
    assert!(app.db.join_requests(sphere_id).await.unwrap().is_empty());
    assert!(app.db.invitations_for(bob_id).await.unwrap().is_empty());
    let notes = app.db.notifications(bob_id, 10).await.unwrap();
    assert!(
        notes
            .iter()
            .any(|n| n.kind == "request_accepted" && n.sphere_id == Some(sphere_id)),
        "Bob is told he was accepted: {notes:?}"
    );
    assert!(!notes.iter().any(|n| n.kind == "sphere_invitation"));
}

#[tokio::test]
async fn deactivated_members_cannot_be_invited_to_a_sphere() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (carol_id, _) = app.member(org, "carol@acme.test", "Carol").await;
    let sphere = mgr.create_sphere("Atelier", "open").await;
    mgr.post_redirect(&format!("/admin/members/{carol_id}/deactivate"), &[])
        .await;
    let r = mgr
        .post_form(&format!("{sphere}/invite"), &[("email", "carol@acme.test")])
        .await;
    assert_eq!(r.status(), 404);
    assert!(app.db.invitations_for(carol_id).await.unwrap().is_empty());
    assert_eq!(app.db.unread_count(carol_id).await.unwrap(), 0);
}

#[tokio::test]
async fn sphere_roles_change_only_for_members() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, _) = app.member(org, "bob@acme.test", "Bob").await;
    for kind in ["open", "closed", "secret"] {
        let sphere = mgr.create_sphere(&format!("Sphère {kind}"), kind).await;
        let sphere_id = last_as::<SphereId>(&sphere);
        for role in ["member", "publisher", "admin", "remove"] {
            let r = mgr
                .post_form(
                    &format!("{sphere}/members/{bob_id}/role"),
                    &[("role", role)],
                )
                .await;
            assert_eq!(r.status(), 422, "{kind} sphere, role {role}");
            let page = r.text().await.unwrap();
            assert!(
                page.contains("pas membre") || page.contains("not a member"),
                "{page}"
            );
            assert_eq!(app.db.sphere_role(sphere_id, bob_id).await.unwrap(), None);
        }
        // Through the API too (session + CSRF header).
        let r = mgr
            .client
            .put(mgr.url(&format!(
                "/api/v1/spheres/{sphere_id}/members/{bob_id}/role"
            )))
            .header("x-csrf-token", &mgr.csrf)
            .json(&serde_json::json!({"role": "admin"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 422);
        let p: serde_json::Value = r.json().await.unwrap();
        assert_eq!(p["code"], "not_member");
        assert_eq!(app.db.sphere_role(sphere_id, bob_id).await.unwrap(), None);
    }
}

/// One read rule for a sphere's content (`spheres::readable`): a closed sphere is visible to
/// everyone in its organization and its content is refused alike (403) on every list, API and
/// page: publications, members, files, folders, widgets, tasks. Content reached by its own id
/// (a file) does not exist for them (404). Joining opens all of it.
#[tokio::test]
async fn a_closed_spheres_content_is_refused_alike_on_every_list() {
    use embarq_testkit::api;
    use reqwest::Method;
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr.create_sphere("Comité de direction", "closed").await;
    let id = last_as::<SphereId>(&sphere);
    let (s, file) = mgr.upload(id, "cr.txt", b"minutes".to_vec()).await;
    assert_eq!(s, 201, "{file}");
    let file_id = file["id"].as_str().unwrap().to_string();

    let (s, card) = api(&bob, Method::GET, &format!("/api/v1/spheres/{id}"), None).await;
    assert_eq!(s, 200, "the sphere itself is visible: {card}");
    let lists = [
        "posts",
        "members",
        "files",
        "folders",
        "widgets",
        "task-lists",
    ];
    for list in lists {
        let path = format!("/api/v1/spheres/{id}/{list}");
        assert_eq!(api(&bob, Method::GET, &path, None).await.0, 403, "{path}");
    }
    for page in ["files", "tasks", "members", "items?after="] {
        let path = format!("/spheres/{id}/{page}");
        assert_eq!(bob.get(&path).await.status(), 403, "{path}");
    }
    let by_id = [
        format!("/api/v1/files/{file_id}"),
        format!("/files/{file_id}"),
    ];
    for path in &by_id {
        assert_eq!(bob.get(path).await.status(), 404, "{path}");
    }

    app.db
        .add_sphere_member(id, bob_id, embarq_domain::SphereRole::Member)
        .await
        .unwrap();
    for list in lists {
        let path = format!("/api/v1/spheres/{id}/{list}");
        assert_eq!(api(&bob, Method::GET, &path, None).await.0, 200, "{path}");
    }
    for path in &by_id {
        assert_eq!(bob.get(path).await.status(), 200, "{path}");
    }
}

/// The spheres page: one's own spheres, then the others one sees a page at a time (30, the
/// most followed first), never a secret one; a company's thousands of spheres are not sent
/// to a phone in one page.
#[tokio::test]
async fn the_spheres_page_shows_ones_own_then_pages_the_others() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let mut open = Vec::new();
    for i in 0..40 {
        open.push(mgr.create_sphere(&format!("Sphère {i:02}"), "open").await);
    }
    let secret = mgr.create_sphere("Projet confidentiel", "secret").await;
    bob.post_redirect(&format!("{}/join", open[7]), &[]).await;
    let (status, page) = bob.get_text("/spheres").await;
    assert_eq!(status, 200);
    let mine =
        &page[page.find(r#"id="my-spheres""#).unwrap()..page.find(r#"id="discover""#).unwrap()];
    assert!(mine.contains("Sphère 07"), "{mine}");
    let discover = &page[page.find(r#"id="discover-spheres""#).unwrap()..];
    assert_eq!(discover.matches(r#"class="card sphere-card""#).count(), 30);
    assert!(!discover.contains("Sphère 07"), "not offered again");
    assert!(!page.contains("Projet confidentiel") && !page.contains(&secret));
    assert!(page.contains(r#"href="/spheres?page=2#discover""#));
    let (_, second) = bob.get_text("/spheres?page=2").await;
    let rest = &second[second.find(r#"id="discover-spheres""#).unwrap()..];
    // 40 open spheres and the organization's own (announcements, help) Bob is not in by rule.
    let total = 30 + rest.matches(r#"class="card sphere-card""#).count();
    let joined_by_rule = app
        .db
        .visible_spheres(org, bob_id, true)
        .await
        .unwrap()
        .len();
    let all_open = app
        .db
        .visible_spheres(org, bob_id, false)
        .await
        .unwrap()
        .len();
    assert_eq!(total, all_open - joined_by_rule);
    assert!(
        !second.contains(r#"id="my-spheres""#),
        "one's own are on the first page"
    );
    assert!(second.contains(r#"href="/spheres?page=1#discover""#));
    // Nonsense pages read as the first.
    assert_eq!(bob.get_text("/spheres?page=-3").await.0, 200);
    assert_eq!(bob.get_text("/spheres?page=abc").await.0, 200);
}
