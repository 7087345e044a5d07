use embarq_testkit::{api, last_as, last_id, spawn_app};

#[tokio::test]
async fn publish_comment_react_mention_and_notify() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr
        .post_redirect(
            "/spheres",
            &[("name", "Vie de l'entreprise"), ("kind", "open")],
        )
        .await;
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    let sid = last_id(&sphere).to_string();
    let post = mgr
        .post_redirect("/posts", &[("sphere_id", &sid), ("body", "**Bienvenue** @bob@acme.test <script>alert(1)</script> [x](javascript:alert(1))")])
        .await;
    let (status, html) = bob.get_text(&post).await;
    assert_eq!(status, 200);
    assert!(html.contains("<strong>Bienvenue</strong>"));
    assert!(
        !html.contains("<script>alert(1)"),
        "user content is sanitized"
    );
    assert!(!html.contains("javascript:alert"));
    assert_eq!(
        app.db.unread_count(bob_id).await.unwrap(),
        1,
        "the mention notifies Bob"
    );
    assert!(
        bob.get_text("/").await.1.contains("Bienvenue"),
        "Bob's home feed shows the post"
    );

    let r = bob
        .post_form(&format!("{post}/comments"), &[("body", "Merci !")])
        .await;
    assert_eq!(r.status(), 303);
    let r = bob
        .post_form(&format!("{post}/react"), &[("emoji", "🎉")])
        .await;
    assert_eq!(r.status(), 303);
    let r = bob
        .post_form(&format!("{post}/react"), &[("emoji", "<b>")])
        .await;
    assert_eq!(r.status(), 422);
    let (_, html) = mgr.get_text(&post).await;
    assert!(html.contains("Merci !"));
    assert!(html.contains("🎉 1"));
    let alice = app.user("alice@acme.test").await;
    assert_eq!(
        app.db.unread_count(alice.id).await.unwrap(),
        1,
        "the author hears about the comment"
    );
    mgr.post_redirect("/notifications/read", &[]).await;
    assert_eq!(app.db.unread_count(alice.id).await.unwrap(), 0);

    // Empty and oversized bodies are refused with a message and nothing is written.
    let before = app
        .db
        .sphere_feed(last_as(&sphere), None, 100)
        .await
        .unwrap()
        .len();
    assert_eq!(
        mgr.post_form("/posts", &[("sphere_id", &sid), ("body", "   ")])
            .await
            .status(),
        422
    );
    let huge = "a".repeat(20_001);
    let r = mgr
        .post_form("/posts", &[("sphere_id", &sid), ("body", &huge)])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("20000"));
    assert_eq!(
        app.db
            .sphere_feed(last_as(&sphere), None, 100)
            .await
            .unwrap()
            .len(),
        before
    );
    // Non-members of an open sphere read but cannot publish.
    let (_, carol) = app.member(org, "carol@acme.test", "Carol").await;
    assert_eq!(carol.get(&post).await.status(), 200);
    assert_eq!(
        carol
            .post_form("/posts", &[("sphere_id", &sid), ("body", "hello")])
            .await
            .status(),
        403
    );
}

#[tokio::test]
async fn approval_queue_and_pinning() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr
        .post_redirect(
            "/spheres",
            &[
                ("name", "Annonces"),
                ("kind", "open"),
                ("requires_approval", "true"),
            ],
        )
        .await;
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    let sid = last_id(&sphere).to_string();
    let post = bob
        .post_redirect(
            "/posts",
            &[("sphere_id", &sid), ("body", "Proposition de Bob")],
        )
        .await;
    let (_, page) = bob.get_text(&post).await;
    assert!(page.contains("waiting for approval") || page.contains("attend une approbation"));
    let (_, carol) = app.member(org, "carol@acme.test", "Carol").await;
    assert_eq!(
        carol.get(&post).await.status(),
        404,
        "pending posts are not public"
    );
    assert!(
        !mgr.get_text("/").await.1.contains("Proposition de Bob")
            || mgr.get_text(&sphere).await.1.contains("Proposition de Bob")
    );
    // Bob cannot approve his own post; the administrator can.
    assert_eq!(
        bob.post_form(&format!("{post}/approve"), &[])
            .await
            .status(),
        403
    );
    mgr.post_redirect(&format!("{post}/approve"), &[]).await;
    assert_eq!(carol.get(&post).await.status(), 200);
    assert!(app.db.unread_count(bob_id).await.unwrap() >= 1);
    mgr.post_redirect(&format!("{post}/pin"), &[]).await;
    assert_eq!(
        app.db.pinned_posts(last_as(&sphere)).await.unwrap().len(),
        1
    );
    assert_eq!(
        mgr.post_form(&format!("{post}/approve"), &[])
            .await
            .status(),
        422,
        "already published"
    );
}

#[tokio::test]
async fn feeds_paginate_by_keyset() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let sphere = mgr
        .post_redirect("/spheres", &[("name", "Flux"), ("kind", "open")])
        .await;
    let sid = last_id(&sphere).to_string();
    for i in 0..25 {
        mgr.post_redirect(
            "/posts",
            &[
                ("sphere_id", &sid),
                ("body", &format!("message numéro {i:02}")),
            ],
        )
        .await;
    }
    let (_, home) = mgr.get_text("/").await;
    assert!(home.contains("message numéro 24"));
    assert!(!home.contains("message numéro 04"));
    let re = regex::Regex::new(r#"href="(/feed/items\?after=[^"]+)""#).unwrap();
    let next = re.captures(&home).expect("a link to the next page")[1].replace("&amp;", "&");
    let (status, page2) = mgr.get_text(&next).await;
    assert_eq!(status, 200);
    for i in 0..5 {
        assert!(page2.contains(&format!("message numéro {i:02}")));
    }
    assert!(!page2.contains("message numéro 05"));
    assert!(!page2.contains("/feed/items?after="), "no further page");
    assert_eq!(mgr.get("/feed/items?after=garbage").await.status(), 422);
}

#[tokio::test]
async fn private_messages_between_members() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (_, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let conv = mgr
        .post_redirect("/messages/new", &[("emails", "bob@acme.test")])
        .await;
    mgr.post_redirect(&conv, &[("body", "Salut Bob, un café ?")])
        .await;
    assert!(bob.get_text(&conv).await.1.contains("un café"));
    assert_eq!(
        carol.get(&conv).await.status(),
        404,
        "outsiders cannot read"
    );
    assert_eq!(
        carol
            .post_form(&conv, &[("body", "moi aussi")])
            .await
            .status(),
        404
    );
    // Reusing the one-to-one conversation.
    let again = bob
        .post_redirect("/messages/new", &[("emails", "alice@acme.test")])
        .await;
    assert_eq!(again, conv);
    let r = mgr
        .post_form("/messages/new", &[("emails", "ghost@acme.test")])
        .await;
    assert_eq!(r.status(), 422);
}

#[tokio::test]
async fn deactivated_members_cannot_be_messaged() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, _) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol_id, _) = app.member(org, "carol@acme.test", "Carol").await;
    mgr.post_redirect(&format!("/admin/members/{carol_id}/deactivate"), &[])
        .await;
    let alice = app.user("alice@acme.test").await;
    // From a profile (ids), by e-mail, and in a group with an active member.
    let r = mgr
        .post_form("/messages", &[("members", &carol_id.to_string())])
        .await;
    assert_eq!(r.status(), 404);
    let r = mgr
        .post_form("/messages/new", &[("emails", "carol@acme.test")])
        .await;
    assert_eq!(
        r.status(),
        422,
        "an address nobody active has, said in the form"
    );
    let r = mgr
        .post_form("/messages", &[("members", &format!("{bob_id},{carol_id}"))])
        .await;
    assert_eq!(r.status(), 404);
    assert!(
        app.db.conversations_of(alice.id).await.unwrap().is_empty(),
        "no conversation was created"
    );
    // Reactivated, she can be written to again.
    mgr.post_redirect(&format!("/admin/members/{carol_id}/reactivate"), &[])
        .await;
    let conv = mgr
        .post_redirect("/messages", &[("members", &carol_id.to_string())])
        .await;
    assert!(conv.starts_with("/messages/"));
}

#[tokio::test]
async fn conversation_list_names_the_other_participants_newest_first() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol_id, _) = app.member(org, "carol@acme.test", "Carol").await;
    let (dave_id, _) = app.member(org, "dave@acme.test", "Dave").await;
    let alice = app.user("alice@acme.test").await.id;
    let group = mgr
        .post_redirect(
            "/messages",
            &[("members", &format!("{dave_id},{bob_id},{carol_id}"))],
        )
        .await;
    mgr.post_redirect(&group, &[("body", "Réunion à 10h")])
        .await;
    let direct = mgr
        .post_redirect("/messages", &[("members", &bob_id.to_string())])
        .await;
    mgr.post_redirect(&direct, &[("body", "Un café ?")]).await;
    // Another conversation Alice is not part of.
    bob.post_redirect("/messages", &[("members", &carol_id.to_string())])
        .await;

    let list = app.db.conversations_of(alice).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].id, last_id(&direct), "most recent first");
    assert_eq!(list[0].others, "Bob");
    assert_eq!(list[1].id, last_id(&group));
    assert_eq!(list[1].others, "Bob, Carol, Dave");
    assert!(!list[0].unread && !list[1].unread, "Alice wrote last");
    let bob_list = app.db.conversations_of(bob_id).await.unwrap();
    assert_eq!(bob_list.len(), 3);
    assert_eq!(bob_list[0].others, "Carol");
    assert_eq!(bob_list[1].others, "Alice Manager");
    assert!(bob_list[1].unread);
    assert_eq!(bob_list[2].others, "Alice Manager, Carol, Dave");
    let (_, page) = mgr.get_text("/messages").await;
    assert!(page.contains("Bob, Carol, Dave"));
}

#[tokio::test]
async fn api_answers_the_created_comment_and_message() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, _) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr
        .post_redirect("/spheres", &[("name", "Nouvelles"), ("kind", "open")])
        .await;
    let post = mgr
        .post_redirect(
            "/posts",
            &[
                ("sphere_id", &last_id(&sphere).to_string()),
                ("body", "Un post"),
            ],
        )
        .await;
    let post_id = last_id(&post);
    let api = |path: &str, body: serde_json::Value| {
        mgr.client
            .post(mgr.url(path))
            .header("x-csrf-token", &mgr.csrf)
            .json(&body)
            .send()
    };
    let r = api(
        &format!("/api/v1/posts/{post_id}/comments"),
        serde_json::json!({"body": "Un **commentaire**"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let c: serde_json::Value = r.json().await.unwrap();
    let comments = app.db.comments(post_id).await.unwrap();
    assert_eq!(comments.len(), 1);
    assert_eq!(c["id"], comments[0].id.to_string());
    assert_eq!(c["post_id"], post_id.to_string());
    assert_eq!(c["author_name"], "Alice Manager");
    assert_eq!(c["body_html"], comments[0].body_html);
    assert!(c["body_html"].as_str().unwrap().contains("<strong>"));
    assert_eq!(
        embarq_testkit::instant(&c["created_at"]),
        comments[0].created_at
    );
    // The UI anchors the redirect on the new comment.
    let loc = mgr
        .post_redirect(&format!("{post}/comments"), &[("body", "Deuxième")])
        .await;
    let comments = app.db.comments(post_id).await.unwrap();
    assert_eq!(loc, format!("{post}#comment-{}", comments[1].id));

    let r = api(
        "/api/v1/conversations",
        serde_json::json!({"members": [bob_id]}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let conv: serde_json::Value = r.json().await.unwrap();
    let conv_id = conv["id"].as_str().unwrap().to_string();
    let r = api(
        &format!("/api/v1/conversations/{conv_id}/messages"),
        serde_json::json!({"body": "Bonjour _Bob_"}),
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 201);
    let m: serde_json::Value = r.json().await.unwrap();
    let stored = app
        .db
        .messages(embarq_domain::parse_id(&conv_id).unwrap())
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(m["id"], stored[0].id.to_string());
    assert_eq!(m["conversation_id"], conv_id);
    assert_eq!(m["author_name"], "Alice Manager");
    assert_eq!(m["body_html"], stored[0].body_html);
    assert_eq!(
        embarq_testkit::instant(&m["created_at"]),
        stored[0].created_at
    );
}

/// Times are the reader's, not UTC: a post made at 13:00 UTC in January reads 14:00 in a
/// French organization (Europe/Paris), with the instant and its offset in `datetime`; a
/// recent one reads as people say it.
#[tokio::test]
async fn times_are_shown_in_the_organizations_zone() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let sphere = mgr
        .post_redirect("/spheres", &[("name", "Atelier"), ("kind", "open")])
        .await;
    let sid = last_id(&sphere).to_string();
    let post = mgr
        .post_redirect("/posts", &[("sphere_id", &sid), ("body", "Bonjour")])
        .await;
    let (_, html) = mgr.get_text(&post).await;
    assert!(
        html.contains(">à l'instant</time>") || html.contains(">il y a 1 min</time>"),
        "a post just made reads as such"
    );
    // 2026-01-15 13:00 UTC.
    app.run_sql(
        "UPDATE posts SET created_at = 1768482000000 WHERE id = $1",
        Some(last_id(&post)),
    )
    .await;
    let (_, html) = mgr.get_text(&post).await;
    assert!(
        html.contains(r#"<time datetime="2026-01-15T14:00:00+01:00" title="15/01/2026 14:00">15/01/2026 14:00</time>"#),
        "Paris time, not UTC"
    );
    assert!(!html.contains("13:00"));

    // No zone of their own: the browser's (the cookie app.js sets) wins over the organization's.
    let url = mgr.url("/").parse().unwrap();
    mgr.jar.add_cookie_str("embarq_tz=Asia/Tokyo; Path=/", &url);
    let in_tokyo = |path: String| {
        let mgr = mgr.clone();
        async move { mgr.get_text(&path).await.1 }
    };
    assert!(
        in_tokyo(post.clone())
            .await
            .contains(r#"<time datetime="2026-01-15T22:00:00+09:00""#),
        "the browser's zone"
    );

    // Their own choice wins over both; a zone that does not exist is refused with its field.
    let bad = mgr
        .post_form(
            "/settings/profile",
            &[("display_name", "Alice"), ("time_zone", "Europe/Lile")],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("Fuseau horaire"));
    mgr.post_redirect(
        "/settings/profile",
        &[("display_name", "Alice"), ("time_zone", "America/New_York")],
    )
    .await;
    let html = in_tokyo(post.clone()).await;
    assert!(
        html.contains(r#"<time datetime="2026-01-15T08:00:00-05:00" title="15/01/2026 08:00">"#),
        "their own zone"
    );
    let (_, settings) = mgr.get_text("/settings").await;
    assert!(settings.contains("<option selected>America/New_York</option>"));
    let (status, me) = api(&mgr, reqwest::Method::GET, "/api/v1/me", None).await;
    assert_eq!(
        (status, me["time_zone"].as_str()),
        (200, Some("America/New_York"))
    );
}

/// The home composer never picks a sphere by alphabetical chance (a post once went into the
/// secret "Champions" sphere that way): it asks until the person has published somewhere, then
/// offers the sphere they last used.
#[tokio::test]
async fn the_home_composer_asks_where_a_post_goes_then_offers_the_last_sphere() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let secret = mgr.create_sphere("Ambassadeurs", "secret").await;
    let open = mgr.create_sphere("Usine", "open").await;
    let option = |path: &str| format!(r#"<option value="{}""#, last_id(path));
    let (_, home) = mgr.get_text("/").await;
    assert!(home.contains(r#"<option value="" selected disabled>Choisissez une sphère…</option>"#));
    assert!(!home.contains(&format!("{} selected", option(&secret))));
    assert!(
        home.contains("Ambassadeurs · Secrète"),
        "secret spheres say so"
    );

    // A form sent without a sphere is refused with a sentence, and nothing is published.
    let r = mgr
        .post_form("/posts", &[("sphere_id", ""), ("body", "Bonjour à tous")])
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Sphère"));
    let (_, feed) = mgr.get_text(&open).await;
    assert!(!feed.contains("Bonjour à tous"));

    let sid = last_id(&open).to_string();
    mgr.post_redirect("/posts", &[("sphere_id", &sid), ("body", "Bonjour")])
        .await;
    let (_, home) = mgr.get_text("/").await;
    assert!(home.contains(&format!("{} selected>Usine</option>", option(&open))));
    assert!(!home.contains(r#"<option value="" selected disabled>"#));
}

/// Deleting a publication asks first: the page offers Delete, which opens the question and the
/// one button that deletes; nothing is deleted until that form is sent.
#[tokio::test]
async fn deleting_a_publication_asks_first() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let sphere = mgr.create_sphere("Atelier", "open").await;
    let sid = last_id(&sphere).to_string();
    let post = mgr
        .post_redirect("/posts", &[("sphere_id", &sid), ("body", "Réunion jeudi")])
        .await;
    let (_, html) = mgr.get_text(&post).await;
    let ask = html
        .find(r#"<details class="confirm"><summary class="link danger">Supprimer</summary>"#)
        .expect("Delete opens a question");
    let question = html
        .find("Supprimer définitivement cette publication, avec ses commentaires ?")
        .unwrap();
    let form = html
        .find(&format!(r#"<form method="post" action="{post}/delete""#))
        .unwrap();
    assert!(
        ask < question && question < form,
        "the form is inside the question"
    );
    assert_eq!(html.matches(&format!("{post}/delete")).count(), 1);
    mgr.post_redirect(&format!("{post}/delete"), &[]).await;
    assert_eq!(mgr.get(&post).await.status(), 404);
}

/// Faces: every publication and comment shows its author's face (initials on their own colour
/// without a photo), and a publication says who the author is: job title and site.
#[tokio::test]
async fn posts_and_comments_show_faces_and_who_the_author_is() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    mgr.post_redirect(
        "/settings/profile",
        &[
            ("display_name", "Alice Martin"),
            ("title", "Responsable qualité"),
            ("site", "Lille"),
        ],
    )
    .await;
    let alice = app.user("alice@acme.test").await.id;
    let colour = embarq_domain::avatar::colour(alice);
    let face = format!(r#"<span class="avatar initials c{colour}" aria-hidden="true">AM</span>"#);
    let sphere = mgr.create_sphere("Atelier", "open").await;
    let sid = last_id(&sphere).to_string();
    let post = mgr
        .post_redirect("/posts", &[("sphere_id", &sid), ("body", "Audit jeudi")])
        .await;
    mgr.post_redirect(&format!("{post}/comments"), &[("body", "Je serai là")])
        .await;
    let (_, feed) = mgr.get_text(&sphere).await;
    assert!(feed.contains(&face), "the post's face");
    assert!(feed.contains("Responsable qualité · Lille"));
    let (_, page) = mgr.get_text(&post).await;
    assert_eq!(
        page.matches(&face).count(),
        3,
        "the top bar's (the reader is the author), the post's and the comment's"
    );
    let (_, people) = mgr.get_text("/people").await;
    assert!(people.contains(&face), "the directory uses the same face");
}

/// Mentioned in an open sphere one has not joined: the publication is there, with why one
/// cannot reply and a Join button that comes back to it; then the reply box is there.
#[tokio::test]
async fn mentioned_outside_the_sphere_one_can_join_from_the_post() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr.create_sphere("Atelier", "open").await;
    let sid = last_id(&sphere).to_string();
    let post = mgr
        .post_redirect(
            "/posts",
            &[
                ("sphere_id", &sid),
                ("body", "@bob@acme.test tu peux regarder ?"),
            ],
        )
        .await;
    let (_, notes) = bob.get_text("/notifications").await;
    assert!(notes.contains(&post), "told of the mention");
    let (_, page) = bob.get_text(&post).await;
    assert!(page.contains("pas membre de cette sphère"), "{page}");
    let join = format!("/spheres/{sid}/join?next={post}");
    assert!(page.contains(&format!(r#"action="{join}""#)));
    assert!(!page.contains(r#"id="comment-body""#), "no reply box yet");
    let r = bob.post_form(&join, &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        post.as_str(),
        "back to the publication"
    );
    let (_, page) = bob.get_text(&post).await;
    assert!(page.contains(r#"id="comment-body""#) && !page.contains("join-to-reply"));
    // The way back stays on the site.
    let r = bob
        .post_form(
            &format!("/spheres/{sid}/join?next=https://evil.example/"),
            &[],
        )
        .await;
    assert_eq!(r.headers()["location"], "/");
}

/// Reacting from the feed: each publication of the home feed carries its reaction bar, and a
/// reaction sent from it (htmx) answers the redrawn bar instead of a page load.
#[tokio::test]
async fn reactions_happen_in_place_from_the_feed() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let sphere = mgr.create_sphere("Atelier", "open").await;
    let sid = last_id(&sphere).to_string();
    let post = mgr
        .post_redirect(
            "/posts",
            &[("sphere_id", &sid), ("body", "Nouvelle machine")],
        )
        .await;
    let id = last_id(&post);
    let (_, home) = mgr.get_text("/").await;
    let bar = format!(r#"hx-post="/posts/{id}/react" hx-swap="outerHTML""#);
    assert!(home.contains(&bar), "the feed can react in place");
    assert_eq!(
        home.matches(r#"name="emoji""#).count(),
        5,
        "every choice, none chosen"
    );
    assert!(!home.contains(r#"aria-pressed="true""#));
    let r = mgr
        .post_htmx(&format!("/posts/{id}/react"), &[("emoji", "🎉")], false)
        .await;
    assert_eq!(r.status(), 200);
    let fragment = r.text().await.unwrap();
    assert!(
        fragment.starts_with("<form") || fragment.trim_start().starts_with("<form"),
        "{fragment}"
    );
    assert!(
        fragment.contains(r#"class="reaction mine" aria-pressed="true""#),
        "{fragment}"
    );
    assert!(fragment.contains("🎉 1</button>"), "{fragment}");
    assert!(!fragment.contains("<html"), "only the bar");
    // Without htmx, the page flow is unchanged; toggling again takes the reaction back.
    let r = mgr
        .post_form(&format!("/posts/{id}/react"), &[("emoji", "🎉")])
        .await;
    assert_eq!(r.status(), 303);
    let (_, home) = mgr.get_text("/").await;
    assert!(!home.contains(r#"aria-pressed="true""#));
}

/// Commenting from the feed: each publication carries a reply box; sent with htmx, the answer
/// is the post's comments with the new one, a refusal is said in place and writes nothing;
/// and the publication names who reacted (page and API).
#[tokio::test]
async fn comments_happen_in_place_and_the_post_names_who_reacted() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob Martin").await;
    let sphere = mgr.create_sphere("Atelier", "open").await;
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    let sid = last_id(&sphere).to_string();
    let post = mgr
        .post_redirect(
            "/posts",
            &[("sphere_id", &sid), ("body", "Nouvelle machine")],
        )
        .await;
    let id = last_id(&post);
    let (_, home) = bob.get_text("/").await;
    assert!(home.contains(&format!(r#"hx-post="/posts/{id}/comments""#)));
    assert!(home.contains(&format!(r#"id="reply-{id}""#)));
    let comments = format!("/posts/{id}/comments");
    let r = bob
        .post_htmx(&comments, &[("body", "Bravo l'équipe")], false)
        .await;
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Bravo l&#39;équipe") || html.contains("Bravo l'équipe"),
        "{html}"
    );
    assert!(html.contains(r#"class="comment""#) && !html.contains("<html"));
    let r = bob.post_htmx(&comments, &[("body", "   ")], false).await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains(r#"role="alert""#) && html.contains("Bravo"),
        "{html}"
    );
    assert_eq!(app.db.comments_for(id, false).await.unwrap().len(), 1);
    // The post page's own forms are boosted navigations (hx-boost on the body): they are
    // redirected as without JavaScript, never answered with a fragment.
    for (path, field, value) in [
        ("comments", "body", "Depuis la page"),
        ("react", "emoji", "👍"),
    ] {
        let r = bob
            .post_htmx(&format!("/posts/{id}/{path}"), &[(field, value)], true)
            .await;
        assert_eq!(r.status(), 303, "{path}");
    }

    bob.post_form(&format!("/posts/{id}/react"), &[("emoji", "🎉")])
        .await;
    mgr.post_form(&format!("/posts/{id}/react"), &[("emoji", "👍")])
        .await;
    let (_, page) = mgr.get_text(&post).await;
    assert!(page.contains("2 personnes ont réagi"), "{page}");
    assert!(page.contains(&format!(r#"<a href="/people/{bob_id}">Bob Martin</a>"#)));
    let (_, v) = api(
        &mgr,
        reqwest::Method::GET,
        &format!("/api/v1/posts/{id}"),
        None,
    )
    .await;
    let reactors = v["reactors"].as_array().unwrap();
    assert_eq!(reactors.len(), 3, "Bob's two reactions and Alice's");
    assert_eq!(reactors[0]["display_name"], "Bob Martin");
    assert_eq!(reactors[0]["emoji"], "👍");
    assert_eq!(reactors[1]["emoji"], "🎉");
}

/// What is pinned in an organization-wide sphere heads the home feed, however many newer
/// publications there are: someone who arrives after the launch sees its announcement first.
#[tokio::test]
async fn pinned_announcements_head_the_home_feed() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let everyone = app
        .db
        .everyone_sphere(org)
        .await
        .unwrap()
        .expect("setup makes one");
    let announcement = mgr
        .post_redirect(
            "/posts",
            &[
                ("sphere_id", &everyone.to_string()),
                ("body", "Bienvenue à toutes et à tous"),
            ],
        )
        .await;
    mgr.post_redirect(&format!("{announcement}/pin"), &[]).await;
    let atelier = mgr.create_sphere("Atelier", "open").await;
    let sid = last_id(&atelier).to_string();
    for i in 0..25 {
        mgr.post_redirect(
            "/posts",
            &[("sphere_id", &sid), ("body", &format!("Note {i}"))],
        )
        .await;
    }
    let r = mgr
        .post_form(
            "/admin/invite",
            &[("email", "bob@acme.test"), ("display_name", "Bob")],
        )
        .await;
    assert!(r.status().is_success());
    let link = app.mail_links("bob@acme.test").await.pop().unwrap();
    let mut bob = app.browser();
    let path = link.trim_start_matches(&app.base).to_string();
    bob.refresh_csrf(&path).await;
    let r = bob
        .post_form(
            &path,
            &[
                ("password", "a first-day password"),
                ("confirm", "a first-day password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, home) = bob.get_text("/").await;
    let first = home.find("<article class=\"post\"").expect("a feed");
    let id = last_id(&announcement);
    assert_eq!(
        home[first..].find(&format!("id=\"post-{id}\"")),
        Some(home[first..].find("id=\"post-").unwrap()),
        "the announcement comes first"
    );
    assert_eq!(
        home.matches(&format!("id=\"post-{id}\"")).count(),
        1,
        "once"
    );
}
