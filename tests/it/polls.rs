//! Polls in publications: creation with the publication (one transaction), validation,
//! named and anonymous votes, changing a vote, closing, concurrency, visibility.
use embarq_domain::UserId;
use embarq_domain::{SphereRole, parse_id};
use embarq_store::now_ms;
use embarq_testkit::{Browser, TestApp, api, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

async fn sphere(b: &Browser, name: &str, kind: &str) -> String {
    let (s, v) = api(
        b,
        Method::POST,
        "/api/v1/spheres",
        Some(json!({"name": name, "kind": kind})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

async fn add(app: &TestApp, sphere: &str, user: UserId) {
    app.db
        .add_sphere_member(
            embarq_domain::parse_as(sphere).unwrap(),
            user,
            SphereRole::Member,
        )
        .await
        .unwrap();
}

async fn poll(b: &Browser, sphere: &str, poll: Value) -> (u16, Value) {
    api(
        b,
        Method::POST,
        &format!("/api/v1/spheres/{sphere}/polls"),
        Some(json!({"body": "What do you think?", "poll": poll})),
    )
    .await
}

fn option_ids(p: &Value) -> Vec<String> {
    p["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["id"].as_str().unwrap().to_string())
        .collect()
}

fn votes(p: &Value) -> Vec<i64> {
    p["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["votes"].as_i64().unwrap())
        .collect()
}

async fn vote(b: &Browser, poll: &str, ids: &[&String]) -> (u16, Value) {
    let path = format!("/api/v1/polls/{poll}/votes");
    api(b, Method::POST, &path, Some(json!({ "option_ids": ids }))).await
}

fn codes(v: &Value) -> Vec<String> {
    v["errors"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|e| {
                    format!(
                        "{}:{}",
                        e["field"].as_str().unwrap(),
                        e["code"].as_str().unwrap()
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

async fn post_count(b: &Browser, sphere: &str) -> usize {
    let (_, v) = api(
        b,
        Method::GET,
        &format!("/api/v1/spheres/{sphere}/posts"),
        None,
    )
    .await;
    v["items"].as_array().unwrap().len()
}

#[tokio::test]
async fn bad_polls_are_refused_whole() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let s = sphere(&alice, "Team", "open").await;
    let many: Vec<String> = (1..=21).map(|i| format!("Option {i}")).collect();
    for (p, expected) in [
        (
            json!({"question": "Lunch?", "options": ["Pizza"]}),
            "poll_options:poll_too_few_options",
        ),
        (
            json!({"question": "Lunch?", "options": ["Pizza", " pizza "]}),
            "poll_options:poll_duplicate_option",
        ),
        (
            json!({"question": "Lunch?", "options": ["Pizza", ""]}),
            "poll_options:poll_empty_option",
        ),
        (
            json!({"question": "Lunch?", "options": many}),
            "poll_options:poll_too_many_options",
        ),
        (
            json!({"question": "", "options": ["a", "b"]}),
            "poll_question:required",
        ),
        (
            json!({"question": "Lunch?", "options": ["a", "b"], "closes_at": embarq_testkit::rfc3339(now_ms() - 1000)}),
            "poll_closes_at:poll_in_past",
        ),
    ] {
        let (st, v) = poll(&alice, &s, p).await;
        assert_eq!(st, 422, "{v}");
        assert!(codes(&v).contains(&expected.to_string()), "{v}");
        assert_eq!(v["code"], "validation");
    }
    // Every problem at once, the text included.
    let (st, v) = api(
        &alice,
        Method::POST,
        &format!("/api/v1/spheres/{s}/polls"),
        Some(json!({"body": " ", "poll": {"question": "Q", "options": ["one"]}})),
    )
    .await;
    assert_eq!(st, 422);
    assert_eq!(
        codes(&v),
        vec!["body:required", "poll_options:poll_too_few_options"]
    );
    // The composer form: a page with the message, nothing created.
    let r = alice
        .post_form(
            "/posts",
            &[
                ("sphere_id", &s),
                ("body", "Vote!"),
                ("poll_question", "Lunch?"),
                ("poll_options", "Pizza\n\n"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let page = r.text().await.unwrap();
    assert!(
        page.contains("at least 2") || page.contains("au moins 2"),
        "{page}"
    );
    let r = alice
        .post_form(
            "/posts",
            &[
                ("sphere_id", &s),
                ("body", "Vote!"),
                ("poll_question", "Lunch?"),
                ("poll_options", "A\nB"),
                ("poll_closes_at", "tomorrow"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(post_count(&alice, &s).await, 0);
}

#[tokio::test]
async fn named_poll_votes_change_and_close() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob Martin").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol Petit").await;
    let (_, dave) = app.member(org, "dave@acme.test", "Dave Outsider").await;
    let secret = sphere(&alice, "Board", "secret").await;
    add(&app, &secret, bob_id).await;
    add(&app, &secret, carol_id).await;

    // Through the composer form, like a person would.
    let loc = alice
        .post_redirect(
            "/posts",
            &[
                ("sphere_id", &secret),
                ("body", "Team lunch"),
                ("poll_question", "Where <b>shall</b> we eat?"),
                ("poll_options", "Pizza\nSushi\r\nSalad\n"),
            ],
        )
        .await;
    let post_id = loc.trim_start_matches("/posts/").to_string();
    let (st, p) = api(
        &bob,
        Method::GET,
        &format!("/api/v1/posts/{post_id}/poll"),
        None,
    )
    .await;
    assert_eq!(st, 200, "{p}");
    assert_eq!(p["question"], "Where <b>shall</b> we eat?");
    assert_eq!(
        (
            p["multiple"].as_bool(),
            p["anonymous"].as_bool(),
            p["open"].as_bool()
        ),
        (Some(false), Some(false), Some(true))
    );
    let poll_id = p["id"].as_str().unwrap().to_string();
    let o = option_ids(&p);
    assert_eq!(o.len(), 3);
    // The feed card shows the question, escaped.
    let (_, feed) = bob.get_text(&format!("/spheres/{secret}")).await;
    assert!(feed.contains("Where &lt;b&gt;shall&lt;/b&gt; we eat?"));

    let (st, v) = vote(&bob, &poll_id, &[&o[0]]).await;
    assert_eq!(st, 200, "{v}");
    assert_eq!(votes(&v), vec![1, 0, 0]);
    assert_eq!(v["my_choices"], json!([o[0]]));
    // A named poll lists its voters.
    assert_eq!(v["options"][0]["voters"][0]["user_id"], json!(bob_id));
    // Pages of the sphere's members refresh the results live.
    let live = app.db.live_events_after(carol_id, 0).await.unwrap();
    assert!(
        live.iter()
            .any(|e| e.kind == "poll" && e.ref_id == parse_id(&poll_id))
    );
    // Change of mind.
    let (_, v) = vote(&bob, &poll_id, &[&o[1]]).await;
    assert_eq!(votes(&v), vec![0, 1, 0]);
    assert_eq!(v["voter_count"], 1);
    let (_, v) = vote(&carol, &poll_id, &[&o[1]]).await;
    assert_eq!(votes(&v), vec![0, 2, 0]);
    assert_eq!(v["options"][1]["percent"], 100.0);

    // Bad ballots.
    let (st, e) = vote(&bob, &poll_id, &[&o[0], &o[2]]).await;
    assert_eq!(
        (st, codes(&e)),
        (422, vec!["poll_choices:poll_single_choice".to_string()])
    );
    let (st, e) = vote(&bob, &poll_id, &[]).await;
    assert_eq!(
        (st, codes(&e)),
        (422, vec!["poll_choices:required".to_string()])
    );
    let other = "0190c3c0-0000-7000-8000-000000000000".to_string();
    let (st, e) = vote(&bob, &poll_id, &[&other]).await;
    assert_eq!(
        (st, codes(&e)),
        (422, vec!["poll_choices:poll_unknown_option".to_string()])
    );
    // Outside the secret sphere: nothing exists.
    let (st, e) = vote(&dave, &poll_id, &[&o[0]]).await;
    assert_eq!(st, 404, "{e}");
    assert_eq!(
        api(
            &dave,
            Method::GET,
            &format!("/api/v1/polls/{poll_id}"),
            None
        )
        .await
        .0,
        404
    );
    assert_eq!(dave.get(&format!("/polls/{poll_id}")).await.status(), 404);
    let (_, after) = api(
        &alice,
        Method::GET,
        &format!("/api/v1/polls/{poll_id}"),
        None,
    )
    .await;
    assert_eq!(votes(&after), vec![0, 2, 0]);

    // The post page draws the chart.
    let (_, page) = carol.get_text(&format!("/posts/{post_id}")).await;
    assert!(
        page.contains("poll-bar") && page.contains("Sushi") && page.contains("2 · 100 %"),
        "{page}"
    );
    assert!(page.contains("Carol Petit"));
    assert!(
        page.contains("2 votants") || page.contains("2 voters"),
        "{page}"
    );

    // Only the author or moderators close; then votes are refused.
    let (st, _) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/polls/{poll_id}/close"),
        None,
    )
    .await;
    assert_eq!(st, 403);
    let (st, c) = api(
        &alice,
        Method::POST,
        &format!("/api/v1/polls/{poll_id}/close"),
        None,
    )
    .await;
    assert_eq!((st, c["open"].as_bool()), (200, Some(false)));
    let (st, e) = vote(&carol, &poll_id, &[&o[2]]).await;
    assert_eq!((st, e["code"].as_str()), (422, Some("poll_closed")));
    let (_, after) = api(
        &alice,
        Method::GET,
        &format!("/api/v1/polls/{poll_id}"),
        None,
    )
    .await;
    assert_eq!(votes(&after), vec![0, 2, 0]);

    // A poll whose closing date passes refuses votes by itself.
    let (st, p) = poll(
        &alice,
        &secret,
        json!({"question": "Quick?", "options": ["Yes", "No"], "closes_at": embarq_testkit::rfc3339(now_ms() + 1500)}),
    )
    .await;
    assert_eq!(st, 201, "{p}");
    let quick = p["poll"]["id"].as_str().unwrap().to_string();
    let yes = option_ids(&p["poll"])[0].clone();
    tokio::time::sleep(std::time::Duration::from_millis(1700)).await;
    let (st, e) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/polls/{quick}/votes"),
        Some(json!({"option_ids": [yes]})),
    )
    .await;
    assert_eq!((st, e["code"].as_str()), (422, Some("poll_closed")));

    // In an open sphere, a reader who is not a member sees results but does not vote.
    let open = sphere(&alice, "Everyone", "open").await;
    let (_, p) = poll(
        &alice,
        &open,
        json!({"question": "Coffee?", "options": ["Yes", "No"]}),
    )
    .await;
    let coffee = p["poll"]["id"].as_str().unwrap().to_string();
    let (st, r) = api(&dave, Method::GET, &format!("/api/v1/polls/{coffee}"), None).await;
    assert_eq!((st, r["can_vote"].as_bool()), (200, Some(false)));
    let (st, _) = api(
        &dave,
        Method::POST,
        &format!("/api/v1/polls/{coffee}/votes"),
        Some(json!({"option_ids": [option_ids(&p["poll"])[0]]})),
    )
    .await;
    assert_eq!(st, 403);
}

#[tokio::test]
async fn anonymous_poll_names_nobody() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob Martin").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol Petit").await;
    let s = sphere(&alice, "Feedback", "closed").await;
    add(&app, &s, bob_id).await;
    add(&app, &s, carol_id).await;
    let (st, p) = poll(
        &alice,
        &s,
        json!({"question": "Rate the offsite", "options": ["Great", "Fine", "Meh"],
        "multiple": true, "anonymous": true, "closes_at": embarq_testkit::rfc3339(now_ms() + 86_400_000)}),
    )
    .await;
    assert_eq!(st, 201, "{p}");
    let id = p["poll"]["id"].as_str().unwrap().to_string();
    let o = option_ids(&p["poll"]);
    let (st, v) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/polls/{id}/votes"),
        Some(json!({"option_ids": [o[0], o[1]]})),
    )
    .await;
    assert_eq!(st, 200, "{v}");
    let (st, _) = api(
        &carol,
        Method::POST,
        &format!("/api/v1/polls/{id}/votes"),
        Some(json!({"option_ids": [o[0]]})),
    )
    .await;
    assert_eq!(st, 200);
    // A second vote is refused (nothing records what to take back), counts unchanged.
    let (st, e) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/polls/{id}/votes"),
        Some(json!({"option_ids": [o[2]]})),
    )
    .await;
    assert_eq!((st, e["code"].as_str()), (409, Some("poll_already_voted")));

    // Results as the organization manager and author sees them: counts, no identities.
    let (_, r) = api(&alice, Method::GET, &format!("/api/v1/polls/{id}"), None).await;
    assert_eq!(votes(&r), vec![2, 1, 0]);
    assert_eq!(r["voter_count"], 2);
    let text = r.to_string();
    for who in [bob_id.to_string(), carol_id.to_string()] {
        assert!(!text.contains(&who), "a voter id leaked: {text}");
    }
    assert!(
        r["options"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o.get("voters").is_none())
    );
    let (_, mine) = api(&bob, Method::GET, &format!("/api/v1/polls/{id}"), None).await;
    assert_eq!(
        (mine["voted"].as_bool(), mine["my_choices"].clone()),
        (Some(true), json!([]))
    );
    let (_, page) = alice
        .get_text(&format!("/posts/{}", p["post"]["id"].as_str().unwrap()))
        .await;
    assert!(!page.contains("Bob Martin") && !page.contains("Carol Petit"));
    // Nothing in the database joins a person to an option.
    assert!(
        app.db
            .poll_ballots(parse_id(&id).unwrap())
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn concurrent_votes_are_all_counted() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let s = sphere(&alice, "Crowd", "open").await;
    let mut voters = Vec::new();
    for i in 0..10 {
        let (id, b) = app
            .member(org, &format!("m{i}@acme.test"), &format!("Member {i}"))
            .await;
        add(&app, &s, id).await;
        voters.push(b);
    }
    for anonymous in [false, true] {
        let (_, p) = poll(&alice, &s, json!({"question": "Pick", "options": ["A", "B"], "multiple": true, "anonymous": anonymous})).await;
        let id = p["poll"]["id"].as_str().unwrap().to_string();
        let o = option_ids(&p["poll"]);
        let results = futures::future::join_all(voters.iter().enumerate().map(|(i, b)| {
            let ids = if i % 2 == 0 {
                json!([o[0], o[1]])
            } else {
                json!([o[1]])
            };
            let path = format!("/api/v1/polls/{id}/votes");
            async move {
                api(b, Method::POST, &path, Some(json!({"option_ids": ids})))
                    .await
                    .0
            }
        }))
        .await;
        assert!(results.iter().all(|s| *s == 200), "{results:?}");
        let (_, r) = api(&alice, Method::GET, &format!("/api/v1/polls/{id}"), None).await;
        assert_eq!(r["voter_count"], 10, "{r}");
        assert_eq!(votes(&r), vec![5, 10], "anonymous: {anonymous}");
        // The same person voting twice at once on a named poll still counts once.
        if !anonymous {
            let b = &voters[0];
            let path = format!("/api/v1/polls/{id}/votes");
            let (a1, a2) = tokio::join!(
                api(b, Method::POST, &path, Some(json!({"option_ids": [o[0]]}))),
                api(b, Method::POST, &path, Some(json!({"option_ids": [o[1]]})))
            );
            assert_eq!((a1.0, a2.0), (200, 200));
            let (_, r) = api(&alice, Method::GET, &format!("/api/v1/polls/{id}"), None).await;
            assert_eq!(r["voter_count"], 10);
            assert_eq!(votes(&r).iter().sum::<i64>(), 4 + 9 + 1, "{r}");
        }
    }
}
