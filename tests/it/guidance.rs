//! Starter kit, checklists, help (sphere, button, centre), use cases and suggestions.
use embarq_testkit::{Browser, last_id, spawn_app};
use serde_json::{Value, json};

/// A JSON API call with the browser's session and CSRF token.
async fn api(b: &Browser, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
    let url = b.url(&format!("/api/v1{path}"));
    let req = match method {
        "GET" => b.client.get(url),
        "POST" => b.client.post(url),
        "PUT" => b.client.put(url),
        "DELETE" => b.client.delete(url),
        _ => unreachable!(),
    }
    .header("x-csrf-token", &b.csrf);
    let req = match body {
        Some(v) => req.json(&v),
        None => req,
    };
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn kit_item(title: &str, kind: &str, url: &str, body: &str, role: &str) -> Vec<(String, String)> {
    [
        ("title", title),
        ("kind", kind),
        ("url", url),
        ("body", body),
        ("target_role", role),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect()
}

async fn post_kit(b: &Browser, path: &str, f: &[(String, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    b.post_form(path, &fields).await
}

#[tokio::test]
async fn help_sphere_is_created_at_setup_and_the_button_leads_to_it() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let help = app
        .db
        .help_sphere_id(org)
        .await
        .unwrap()
        .expect("setup creates the help sphere");
    let alice = app.user("alice@acme.test").await;
    let sphere = app
        .db
        .sphere_for(org, alice.id, help)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sphere.name, "Aide / Help");
    assert_eq!(sphere.kind, embarq_domain::SphereKind::Open);
    assert_eq!(sphere.my_role, Some(embarq_domain::SphereRole::Admin));

    // Everyone belongs to it by rule: an invited person is a member before their first visit.
    let (_, rules) = embarq_testkit::api(
        &mgr,
        reqwest::Method::GET,
        &format!("/api/v1/spheres/{help}/rules"),
        None,
    )
    .await;
    assert_eq!(rules[0]["attribute"], "everyone", "{rules}");
    let r = mgr
        .post_form(
            "/admin/invite",
            &[("email", "carol@acme.test"), ("display_name", "Carol")],
        )
        .await;
    assert!(r.status().is_success(), "{}", r.status());
    let carol = app.user("carol@acme.test").await;
    assert_eq!(
        app.db
            .sphere_members_among(help, &[carol.id])
            .await
            .unwrap(),
        [carol.id]
    );
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    for page in ["/", "/spheres", "/people", "/starter-kit", "/suggestions"] {
        let (status, html) = bob.get_text(page).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            html.contains(r#"class="top-link" id="need-help" href="/help/sphere""#),
            "the help button is on {page}"
        );
    }
    let fr = bob.get_in("/", "fr").await;
    assert!(
        fr.contains("Besoin d") && fr.contains("aide ?</span></a>"),
        "French label"
    );
    let r = bob.get("/help/sphere").await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("/spheres/{help}")
    );

    // Delegation to a named member; a stranger's e-mail is refused; the last admin stays.
    let r = mgr
        .post_form("/admin/help/admins", &[("email", "nobody@acme.test")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("personne dans votre organisation")
    );
    let r = bob
        .post_form("/admin/help/admins", &[("email", "bob@acme.test")])
        .await;
    assert_eq!(r.status(), 403, "members cannot delegate the help sphere");
    mgr.post_redirect("/admin/help/admins", &[("email", "bob@acme.test")])
        .await;
    let (_, html) = mgr.get_text("/admin/help").await;
    assert!(html.contains("Bob"));
    assert_eq!(
        app.db.sphere_admins(help).await.unwrap().len(),
        2,
        "Bob administers the help sphere"
    );
    mgr.post_redirect(&format!("/admin/help/admins/{}/remove", alice.id), &[])
        .await;
    let r = mgr
        .post_form(&format!("/admin/help/admins/{bob_id}/remove"), &[])
        .await;
    assert_eq!(r.status(), 422, "the help sphere keeps an administrator");
    let (status, body) = api(&mgr, "GET", "/help/sphere", None).await;
    assert_eq!(status, 200);
    assert_eq!(body["admins"][0]["email"], "bob@acme.test");

    // An organization without a help sphere gets one when the button is used.
    let other = app.other_org("Globex", "gina@globex.test").await;
    assert!(app.db.help_sphere_id(other).await.unwrap().is_none());
    let gina = app.login("gina@globex.test").await;
    let r = gina.get("/help/sphere").await;
    assert_eq!(r.status(), 303);
    let created = app.db.help_sphere_id(other).await.unwrap().unwrap();
    assert_ne!(created, help);
    let again = gina.get("/help/sphere").await;
    assert_eq!(
        again.headers()["location"].to_str().unwrap(),
        format!("/spheres/{created}"),
        "created once"
    );
}

#[tokio::test]
async fn starter_kit_is_curated_by_managers_and_welcomes_members_once() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    // Bob signs in before the kit exists: no welcome redirect then.
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (_, carol) = app.member(org, "carol@acme.test", "Carol").await;

    // Bad input: every problem listed, nothing stored.
    let r = post_kit(
        &mgr,
        "/admin/starter-kit",
        &kit_item(" ", "podcast", "javascript:alert(1)", "", "boss"),
    )
    .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("ce champ est obligatoire"));
    assert!(html.contains("http:// ou https://"));
    assert!(html.contains("ne fait pas partie des choix proposés"));
    let r = post_kit(
        &mgr,
        "/admin/starter-kit",
        &kit_item("No content", "guide", "", "", "everyone"),
    )
    .await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("indiquez un lien ou un texte")
    );
    assert!(app.db.kit_items(org).await.unwrap().is_empty());
    let r = post_kit(
        &bob,
        "/admin/starter-kit",
        &kit_item("Mine", "guide", "https://x.test", "", "everyone"),
    )
    .await;
    assert_eq!(r.status(), 403, "members do not curate the kit");
    assert!(app.db.kit_items(org).await.unwrap().is_empty());

    for (title, kind, url, body, role) in [
        (
            "Premiers pas",
            "guide",
            "https://docs.acme.test/start",
            "",
            "everyone",
        ),
        (
            "Animer une sphère",
            "best_practice",
            "",
            "**Épinglez** un message <script>x()</script>",
            "sphere_admin",
        ),
        (
            "Tutoriel vidéo",
            "video",
            "https://video.acme.test/1",
            "",
            "member",
        ),
        (
            "Piloter le déploiement",
            "tutorial",
            "",
            "Pour les gestionnaires",
            "organization_manager",
        ),
    ] {
        mgr.post_redirect(
            "/admin/starter-kit",
            &[
                ("title", title),
                ("kind", kind),
                ("url", url),
                ("body", body),
                ("target_role", role),
            ],
        )
        .await;
    }
    let items = app.db.kit_items(org).await.unwrap();
    assert_eq!(items.len(), 4);
    assert!(items[1].body_html.contains("<strong>Épinglez</strong>"));
    assert!(!items[1].body_html.contains("<script"));

    // Reorder, edit, delete.
    mgr.post_redirect(
        &format!("/admin/starter-kit/{}/move", items[2].id),
        &[("direction", "up")],
    )
    .await;
    let order: Vec<String> = app
        .db
        .kit_items(org)
        .await
        .unwrap()
        .into_iter()
        .map(|i| i.title)
        .collect();
    assert_eq!(
        order,
        [
            "Premiers pas",
            "Tutoriel vidéo",
            "Animer une sphère",
            "Piloter le déploiement"
        ]
    );
    let r = mgr
        .post_form(
            &format!("/admin/starter-kit/{}/move", items[2].id),
            &[("direction", "sideways")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = post_kit(
        &mgr,
        &format!("/admin/starter-kit/{}", items[0].id),
        &kit_item("", "guide", "https://x.test", "", "everyone"),
    )
    .await;
    assert_eq!(r.status(), 422, "editing with an empty title is refused");
    assert_eq!(
        app.db.kit_items(org).await.unwrap()[0].title,
        "Premiers pas",
        "nothing half-applied"
    );
    post_kit(
        &mgr,
        &format!("/admin/starter-kit/{}", items[0].id),
        &kit_item(
            "Premiers pas (v2)",
            "guide",
            "https://docs.acme.test/v2",
            "",
            "everyone",
        ),
    )
    .await;
    assert_eq!(
        app.db.kit_items(org).await.unwrap()[0].title,
        "Premiers pas (v2)"
    );
    mgr.post_redirect(&format!("/admin/starter-kit/{}/delete", items[3].id), &[])
        .await;
    assert_eq!(app.db.kit_items(org).await.unwrap().len(), 3);

    // First visit after the kit exists: the welcome page, once, with the member's resources.
    let r = bob.get("/").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"].to_str().unwrap(), "/welcome");
    let (status, html) = bob.get_text("/welcome").await;
    assert_eq!(status, 200);
    assert!(html.contains("Bienvenue sur embarq !"));
    assert!(html.contains("Premiers pas (v2)") && html.contains("Tutoriel vidéo"));
    assert!(
        !html.contains("Animer une sphère"),
        "sphere administrators' resources are not Bob's"
    );
    assert_eq!(
        bob.get("/").await.status(),
        200,
        "the welcome page is shown once"
    );
    // Carol too, independently; the kit stays reachable and filterable.
    assert_eq!(carol.get("/").await.status(), 303);
    let (_, html) = bob.get_text("/starter-kit?role=sphere_admin").await;
    assert!(html.contains("Animer une sphère") && html.contains("Premiers pas (v2)"));
    assert!(!html.contains("Tutoriel vidéo"));
    assert!(
        bob.get_text("/").await.1.contains(r#"href="/starter-kit""#),
        "linked from every page"
    );
    let (status, _) = bob.get_text("/starter-kit?role=boss").await;
    assert_eq!(status, 422);

    // The API.
    let (status, body) = api(&bob, "GET", "/starter-kit?role=member", None).await;
    assert_eq!(status, 200);
    assert_eq!(body.as_array().unwrap().len(), 2);
    let (status, body) = api(
        &mgr,
        "POST",
        "/starter-kit",
        Some(
            json!({"title": "Vidéo", "kind": "video", "url": "ftp://x", "target_role": "everyone"}),
        ),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "kit_url");
    assert_eq!(body["errors"][0]["code"], "invalid_url");
    let (status, created) = api(&mgr, "POST", "/starter-kit", Some(json!({"title": "Vidéo", "kind": "video", "url": "https://v.test/2", "target_role": "champion"}))).await;
    assert_eq!(status, 201);
    assert_eq!(created["position"], 4);
    let id = created["id"].as_str().unwrap();
    let (status, _) = api(&bob, "DELETE", &format!("/starter-kit/{id}"), None).await;
    assert_eq!(status, 403);
    let (status, list) = api(
        &mgr,
        "POST",
        &format!("/starter-kit/{id}/move"),
        Some(json!({"direction": "up"})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(list[2]["id"], created["id"]);
    let (status, _) = api(&mgr, "PUT", &format!("/starter-kit/{id}"), Some(json!({"title": "Vidéo 2", "kind": "video", "url": "https://v.test/2", "target_role": "champion"}))).await;
    assert_eq!(status, 200);
    let (status, _) = api(&mgr, "DELETE", &format!("/starter-kit/{id}"), None).await;
    assert_eq!(status, 204);
    app.other_org("Globex", "gina@globex.test").await;
    let gina = app.login("gina@globex.test").await;
    let (status, _) = api(&gina, "PUT", &format!("/starter-kit/{}", items[0].id), Some(json!({"title": "x", "kind": "guide", "url": "https://x.test", "target_role": "everyone"}))).await;
    assert_eq!(status, 404, "other organizations' resources do not exist");
}

#[tokio::test]
async fn checklist_items_complete_after_real_actions() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;

    let done = |v: &Value, role: &str, key: &str| -> bool {
        v.as_array()
            .unwrap()
            .iter()
            .find(|c| c["role"] == role)
            .unwrap_or_else(|| panic!("no {role} checklist in {v}"))["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["key"] == key)
            .unwrap()["done"]
            .as_bool()
            .unwrap()
    };
    let (status, mine) = api(&bob, "GET", "/checklist", None).await;
    assert_eq!(status, 200);
    assert_eq!(
        mine.as_array().unwrap().len(),
        1,
        "Bob is a new member only"
    );
    assert!(!done(&mine, "new_member", "photo"));
    let (_, html) = bob.get_text("/checklist").await;
    assert!(html.contains("Ajouter une photo de profil") && html.contains(r#"aria-valuenow="0""#));

    // Real actions: photo, job title, three spheres, a post, a comment.
    let png =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let form = reqwest::multipart::Form::new().part(
        "photo",
        reqwest::multipart::Part::bytes(png).file_name("me.png"),
    );
    let r = bob
        .client
        .post(bob.url(&format!("/settings/photo?_csrf={}", bob.csrf)))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let (_, mine) = api(&bob, "GET", "/checklist", None).await;
    assert!(
        done(&mine, "new_member", "photo"),
        "uploading a photo ticks the item"
    );
    assert!(!done(&mine, "new_member", "title"));
    bob.post_redirect(
        "/settings/profile",
        &[("display_name", "Bob"), ("title", "Comptable")],
    )
    .await;
    let mut spheres = Vec::new();
    for name in ["Compta", "Sport", "Cantine"] {
        let s = mgr
            .post_redirect("/spheres", &[("name", name), ("kind", "open")])
            .await;
        spheres.push(s);
    }
    for s in &spheres[..2] {
        bob.post_redirect(&format!("{s}/join"), &[]).await;
    }
    let (_, mine) = api(&bob, "GET", "/checklist", None).await;
    assert!(done(&mine, "new_member", "title"));
    assert!(
        !done(&mine, "new_member", "join-spheres"),
        "two spheres are not three"
    );
    bob.post_redirect(&format!("{}/join", spheres[2]), &[])
        .await;
    let sid = last_id(&spheres[0]).to_string();
    let post = bob
        .post_redirect("/posts", &[("sphere_id", &sid), ("body", "Bonjour !")])
        .await;
    bob.post_redirect(&format!("{post}/comments"), &[("body", "Et merci")])
        .await;
    let (_, mine) = api(&bob, "GET", "/checklist", None).await;
    for key in [
        "photo",
        "title",
        "join-spheres",
        "first-post",
        "first-comment",
    ] {
        assert!(done(&mine, "new_member", key), "{key}");
    }
    assert!(!done(&mine, "new_member", "training"));
    let (_, html) = bob.get_text("/checklist").await;
    assert!(html.contains(r#"aria-valuenow="83""#), "5 of 6 steps");

    // Sphere administrator: Bob's own sphere gets a description, a pinned post, a member.
    let own = bob
        .post_redirect("/spheres", &[("name", "Club lecture"), ("kind", "open")])
        .await;
    let (_, mine) = api(&bob, "GET", "/checklist", None).await;
    assert!(!done(&mine, "sphere_admin", "sphere-description"));
    assert!(!done(&mine, "sphere_admin", "welcome-post"));
    assert!(!done(&mine, "sphere_admin", "invite-members"));
    let own_id = last_id(&own).to_string();
    let welcome = bob
        .post_redirect(
            "/posts",
            &[("sphere_id", &own_id), ("body", "Bienvenue au club")],
        )
        .await;
    bob.post_redirect(&format!("{welcome}/pin"), &[]).await;
    mgr.post_redirect(&format!("{own}/join"), &[]).await;
    let (_, mine) = api(&bob, "GET", "/checklist", None).await;
    assert!(done(&mine, "sphere_admin", "welcome-post"));
    assert!(done(&mine, "sphere_admin", "invite-members"));
    assert!(done(&mine, "sphere_admin", "answer-requests"));

    // Organization manager: the starter kit and the help delegation tick their items.
    let (_, mine) = api(&mgr, "GET", "/checklist", None).await;
    assert!(done(&mine, "organization_manager", "directory"));
    assert!(!done(&mine, "organization_manager", "starter-kit"));
    assert!(!done(&mine, "organization_manager", "help-delegates"));
    mgr.post_redirect(
        "/admin/starter-kit",
        &[
            ("title", "Guide"),
            ("kind", "guide"),
            ("url", "https://g.test"),
            ("target_role", "everyone"),
        ],
    )
    .await;
    mgr.post_redirect("/admin/help/admins", &[("email", "bob@acme.test")])
        .await;
    let (_, mine) = api(&mgr, "GET", "/checklist", None).await;
    assert!(done(&mine, "organization_manager", "starter-kit"));
    assert!(done(&mine, "organization_manager", "help-delegates"));

    // Champion: joining the Champions sphere comes with the confirmation.
    app.db
        .confirm_champions(
            org,
            alice.id,
            ("Champions", ""),
            &[(bob_id, "volunteer".into())],
            None,
            None,
        )
        .await
        .unwrap();
    let (_, mine) = api(&bob, "GET", "/checklist", None).await;
    assert!(done(&mine, "champion", "champions-sphere"));
    assert!(
        done(&mine, "champion", "publish-spheres"),
        "Bob published in two spheres"
    );
    assert!(!done(&mine, "champion", "champions-training"));

    // The managers' aggregate.
    let (status, _) = api(&bob, "GET", "/checklists/summary", None).await;
    assert_eq!(status, 403);
    assert_eq!(bob.get("/admin/checklists").await.status(), 403);
    let (status, summary) = api(&mgr, "GET", "/checklists/summary", None).await;
    assert_eq!(status, 200);
    let new_members = summary
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role"] == "new_member")
        .unwrap();
    assert_eq!(new_members["people"], 2);
    let photo = new_members["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == "photo")
        .unwrap();
    assert_eq!(photo["done"], 1);
    assert_eq!(photo["percent"], 50);
    let (status, html) = mgr.get_text("/admin/checklists").await;
    assert_eq!(status, 200);
    assert!(html.contains("Ajouter une photo de profil") && html.contains("width: 50%"));
}

#[tokio::test]
async fn help_centre_articles_are_written_by_managers_and_searched_by_everyone() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (_, html) = bob.get_text("/help").await;
    assert!(html.contains("Aucun article pour"));
    let r = mgr.post_form("/help", &[("title", ""), ("body", "")]).await;
    assert_eq!(r.status(), 422);
    let r = mgr
        .post_form(
            "/help",
            &[("title", "Trop long"), ("body", &"x".repeat(50_001))],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("trop long"));
    let r = bob
        .post_form("/help", &[("title", "Moi"), ("body", "x")])
        .await;
    assert_eq!(r.status(), 403);
    let art = mgr
        .post_redirect(
            "/help",
            &[
                ("title", "Changer sa photo"),
                ("body", "Allez dans **Réglages** <script>alert(1)</script>"),
            ],
        )
        .await;
    mgr.post_redirect(
        "/help",
        &[
            ("title", "Créer une sphère 100%"),
            ("body", "Bouton *Créer*"),
        ],
    )
    .await;
    let (status, html) = bob.get_text(&art).await;
    assert_eq!(status, 200);
    assert!(html.contains("<strong>Réglages</strong>"));
    assert!(!html.contains("<script>alert(1)"));
    let (_, html) = bob.get_text("/help?q=PHOTO").await;
    assert!(html.contains("Changer sa photo") && !html.contains("Créer une sphère"));
    let (_, html) = bob.get_text("/help?q=100%25").await;
    assert!(html.contains("Créer une sphère") && !html.contains("Changer sa photo"));
    let (_, html) = bob.get_text("/help?q=_").await;
    assert!(
        html.contains("ne correspond à votre recherche"),
        "LIKE wildcards are escaped"
    );

    let r = bob
        .post_form(&art, &[("title", "Pirate"), ("body", "x")])
        .await;
    assert_eq!(r.status(), 403);
    mgr.post_redirect(
        &art,
        &[
            ("title", "Changer sa photo de profil"),
            ("body", "Réglages"),
        ],
    )
    .await;
    let (status, list) = api(&bob, "GET", "/help/articles?q=profil", None).await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);
    let id = list[0]["id"].as_str().unwrap().to_string();
    let (status, _) = api(&bob, "DELETE", &format!("/help/articles/{id}"), None).await;
    assert_eq!(status, 403);
    let (status, body) = api(
        &mgr,
        "POST",
        "/help/articles",
        Some(json!({"title": " ", "body": "x"})),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["errors"][0]["field"], "article_title");
    app.other_org("Globex", "gina@globex.test").await;
    let gina = app.login("gina@globex.test").await;
    let (status, _) = api(&gina, "GET", &format!("/help/articles/{id}"), None).await;
    assert_eq!(status, 404);
    assert_eq!(gina.get(&format!("/help/{id}")).await.status(), 404);
    mgr.post_redirect(&format!("/help/{id}/delete"), &[]).await;
    let (status, _) = api(&bob, "GET", &format!("/help/articles/{id}"), None).await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn use_cases_are_marked_by_champions_and_managers() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let open = mgr
        .post_redirect("/spheres", &[("name", "Ventes"), ("kind", "open")])
        .await;
    let secret = mgr
        .post_redirect("/spheres", &[("name", "Comité"), ("kind", "secret")])
        .await;
    let post = mgr
        .post_redirect(
            "/posts",
            &[
                ("sphere_id", &last_id(&open).to_string()),
                ("body", "Devis partagé en 5 minutes"),
            ],
        )
        .await;
    let hidden = mgr
        .post_redirect(
            "/posts",
            &[
                ("sphere_id", &last_id(&secret).to_string()),
                ("body", "Budget confidentiel"),
            ],
        )
        .await;
    let (_, html) = bob.get_text(&post).await;
    assert!(
        html.contains(&format!("{post}/use-case")),
        "the post page links to the use case"
    );

    // Members cannot mark; champions and managers can.
    let r = bob
        .post_form(&format!("{post}/use-case"), &[("theme", "Ventes")])
        .await;
    assert_eq!(r.status(), 403);
    let (_, html) = bob.get_text(&format!("{post}/use-case")).await;
    assert!(html.contains("Les membres impliqués et les gestionnaires marquent"));
    app.db
        .confirm_champions(
            org,
            alice.id,
            ("Champions", ""),
            &[(carol_id, "volunteer".into())],
            None,
            None,
        )
        .await
        .unwrap();
    let r = carol
        .post_form(
            &format!("{post}/use-case"),
            &[("theme", " "), ("department", "Commerce")],
        )
        .await;
    assert_eq!(r.status(), 422, "a theme is required");
    assert!(
        app.db
            .use_cases(org, alice.id, None)
            .await
            .unwrap()
            .is_empty()
    );
    carol
        .post_redirect(
            &format!("{post}/use-case"),
            &[("theme", "Devis"), ("department", "Commerce")],
        )
        .await;
    mgr.post_redirect(
        &format!("{hidden}/use-case"),
        &[("theme", "Budget"), ("department", "Direction")],
    )
    .await;
    // A secret sphere's use case stays invisible to non-members.
    let (_, html) = bob.get_text("/use-cases").await;
    assert!(html.contains("Devis partagé") && !html.contains("Budget confidentiel"));
    assert!(!html.contains("Direction"), "its tags do not leak either");
    assert_eq!(bob.get(&format!("{hidden}/use-case")).await.status(), 404);
    let (_, html) = mgr.get_text("/use-cases?theme=Budget").await;
    assert!(html.contains("Budget confidentiel") && !html.contains("Devis partagé"));
    let (_, lib) = api(&bob, "GET", "/use-cases?department=Commerce", None).await;
    assert_eq!(lib["items"].as_array().unwrap().len(), 1);
    assert_eq!(lib["departments"], json!(["Commerce"]));

    // The API marks and unmarks; other organizations answer 404.
    let pid = last_id(&post).to_string();
    let (status, body) = api(
        &mgr,
        "PUT",
        &format!("/posts/{pid}/use-case"),
        Some(json!({"theme": "Devis rapides", "department": ""})),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["theme"], "Devis rapides");
    assert_eq!(body["department"], Value::Null);
    app.other_org("Globex", "gina@globex.test").await;
    let gina = app.login("gina@globex.test").await;
    let (status, _) = api(
        &gina,
        "PUT",
        &format!("/posts/{pid}/use-case"),
        Some(json!({"theme": "x"})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, _) = api(&bob, "DELETE", &format!("/posts/{pid}/use-case"), None).await;
    assert_eq!(status, 403);
    carol
        .post_redirect(&format!("{post}/use-case/delete"), &[])
        .await;
    let (_, lib) = api(&bob, "GET", "/use-cases", None).await;
    assert!(lib["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn suggestions_are_voted_commented_and_answered() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (_, carol) = app.member(org, "carol@acme.test", "Carol").await;

    let r = bob
        .post_form("/suggestions", &[("title", ""), ("body", "x")])
        .await;
    assert_eq!(r.status(), 422);
    let r = bob
        .post_form(
            "/suggestions",
            &[("title", "Long"), ("body", &"x".repeat(5_001))],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("trop long"));
    let first = bob
        .post_redirect(
            "/suggestions",
            &[("title", "Un mode sombre"), ("body", "Pour les yeux")],
        )
        .await;
    let second = carol
        .post_redirect("/suggestions", &[("title", "Des sondages"), ("body", "")])
        .await;
    // Votes: one per member, toggled.
    carol.post_redirect(&format!("{second}/vote"), &[]).await;
    bob.post_redirect(&format!("{second}/vote"), &[]).await;
    bob.post_redirect(&format!("{first}/vote"), &[]).await;
    bob.post_redirect(&format!("{first}/vote"), &[]).await;
    let (_, list) = api(&bob, "GET", "/suggestions", None).await;
    assert_eq!(list[0]["title"], "Des sondages");
    assert_eq!(list[0]["vote_count"], 2);
    assert_eq!(list[0]["voted"], true);
    assert_eq!(
        list[1]["vote_count"], 0,
        "the second vote withdrew the first"
    );
    let (_, newest) = api(&bob, "GET", "/suggestions?sort=newest", None).await;
    assert_eq!(newest[0]["title"], "Des sondages");
    let (status, _) = api(&bob, "GET", "/suggestions?status=closed", None).await;
    assert_eq!(status, 422);

    carol
        .post_redirect(&format!("{first}/comments"), &[("body", "Oui **svp**")])
        .await;
    let r = carol
        .post_form(&format!("{first}/comments"), &[("body", "  ")])
        .await;
    assert_eq!(r.status(), 422);
    let (_, html) = bob.get_text(&first).await;
    assert!(html.contains("<strong>svp</strong>"));

    // Status: managers only; the author is notified.
    let r = bob
        .post_form(&format!("{first}/status"), &[("status", "done")])
        .await;
    assert_eq!(r.status(), 403);
    let r = mgr
        .post_form(&format!("{first}/status"), &[("status", "shipped")])
        .await;
    assert_eq!(r.status(), 422);
    let before = app.db.unread_count(bob_id).await.unwrap();
    mgr.post_redirect(&format!("{first}/status"), &[("status", "planned")])
        .await;
    assert_eq!(app.db.unread_count(bob_id).await.unwrap(), before + 1);
    let html = bob.get_in("/notifications", "en").await;
    assert!(html.contains("changed the status of your suggestion"));
    assert!(
        bob.get_in("/notifications", "fr")
            .await
            .contains("a changé le statut de votre suggestion")
    );
    let (_, planned) = api(&bob, "GET", "/suggestions?status=planned", None).await;
    assert_eq!(planned.as_array().unwrap().len(), 1);
    let (_, html) = bob.get_text("/suggestions?status=planned").await;
    assert!(html.contains("Un mode sombre") && !html.contains("Des sondages"));

    // Other organizations' suggestions do not exist.
    app.other_org("Globex", "gina@globex.test").await;
    let gina = app.login("gina@globex.test").await;
    let sid = last_id(&first).to_string();
    let (status, _) = api(&gina, "POST", &format!("/suggestions/{sid}/vote"), None).await;
    assert_eq!(status, 404);
    assert_eq!(
        gina.post_form(&format!("{first}/vote"), &[]).await.status(),
        404
    );
    let (status, _) = api(
        &gina,
        "PUT",
        &format!("/suggestions/{sid}/status"),
        Some(json!({"status": "declined"})),
    )
    .await;
    assert_eq!(status, 404);
    let (status, body) = api(
        &carol,
        "POST",
        &format!("/suggestions/{sid}/comments"),
        Some(json!({"body": "API"})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(body["author_name"], "Carol");
    let (status, t) = api(&bob, "GET", &format!("/suggestions/{sid}"), None).await;
    assert_eq!(status, 200);
    assert_eq!(t["suggestion"]["status"], "planned");
    assert_eq!(t["comments"].as_array().unwrap().len(), 2);
    let (status, v) = api(&carol, "POST", &format!("/suggestions/{sid}/vote"), None).await;
    assert_eq!(status, 200);
    assert_eq!(v, json!({"voted": true, "vote_count": 1}));
}
