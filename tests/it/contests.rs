//! Contests: validation and permissions, the live leaderboard normalized by headcount, and
//! the winner announced exactly once at the end.
use crate::analytics::person;
use embarq_domain::{PostStatus, SphereKind, UserStatus};
use embarq_store::{NewPost, ProfileUpdate, now_ms};
use embarq_testkit::{Browser, api, instant, rfc3339, spawn_app};
use serde_json::{Value, json};

async fn post_json(b: &Browser, path: &str, body: Value) -> reqwest::Response {
    b.client
        .post(b.url(path))
        .header("x-csrf-token", &b.csrf)
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// `datetime-local` text of an instant in Paris (the organization's zone, which the test client,
/// with no zone of its own or from a browser, reads and writes times in).
fn local(ms: i64) -> String {
    let paris = embarq_domain::recurrence::parse_zone("Europe/Paris").unwrap();
    embarq_domain::recency::local(paris, ms)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

#[tokio::test]
async fn bad_contests_are_refused_and_nothing_is_created() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let now = now_ms();
    let day = 86_400_000;
    let form = |name: &'static str, start: String, end: String| {
        vec![
            ("name", name.to_string()),
            ("dimension", "site".to_string()),
            ("metric", "activation_rate".to_string()),
            ("starts_at", start),
            ("ends_at", end),
        ]
    };
    let m = &mgr;
    let send = |f: Vec<(&'static str, String)>| {
        let mgr = m;
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = mgr.post_form("/contests", &pairs).await;
            (r.status().as_u16(), r.text().await.unwrap())
        }
    };
    let (s, body) = send(form("Backwards", local(now + 2 * day), local(now + day))).await;
    assert_eq!(s, 422);
    assert!(body.contains("la fin doit venir après le début"), "{body}");
    let (s, body) = send(form("Past", local(now - 2 * day), local(now + day))).await;
    assert_eq!(s, 422);
    assert!(body.contains("ne peut pas être dans le passé"));
    let (s, body) = send(form("Garbage", "tomorrow".into(), local(now + day))).await;
    assert_eq!(s, 422);
    assert!(body.contains("pas une date et une heure"));
    let r = post_json(&mgr, "/api/v1/contests", json!({"name": "X", "dimension": "level", "metric": "likes", "starts_at": rfc3339(now + 60_000), "ends_at": rfc3339(now)})).await;
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        ["contest_dimension", "contest_metric", "contest_ends_at"]
    );
    // Members who are not champions cannot launch contests.
    let r = post_json(&bob, "/api/v1/contests", json!({"name": "Mine", "dimension": "site", "metric": "activation_rate", "starts_at": rfc3339(now + 60_000), "ends_at": rfc3339(now + day)})).await;
    assert_eq!(r.status(), 403);
    let list: Value = mgr.get("/api/v1/contests").await.json().await.unwrap();
    assert_eq!(list.as_array().unwrap().len(), 0, "nothing half-applied");

    // The form's labels are sentences, and its times are the author's (Paris), not UTC.
    let (_, page) = mgr.get_text("/contests").await;
    assert!(page.contains("Comparer") && page.contains("Début (Europe/Paris)"));
    assert!(!page.contains("field-") && !page.contains("UTC"));
    let r = mgr
        .post_form(
            "/contests",
            &[
                ("name", "Hiver"),
                ("dimension", "site"),
                ("metric", "activation_rate"),
                ("starts_at", "2099-01-15T09:00"),
                ("ends_at", "2099-01-20T18:00"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let list: Value = mgr.get("/api/v1/contests").await.json().await.unwrap();
    // 09:00 in Paris in January is 08:00 UTC.
    assert_eq!(instant(&list[0]["starts_at"]), 4_072_147_200_000_i64);
}

#[tokio::test]
async fn leaderboard_is_normalized_and_the_winner_is_announced_once() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await.id;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (chloe_id, chloe) = app.member(org, "chloe@acme.test", "Chloe").await;
    for (id, name, site) in [(bob_id, "Bob", "Lyon"), (chloe_id, "Chloe", "Paris")] {
        app.db
            .update_profile(
                id,
                &ProfileUpdate {
                    display_name: name.into(),
                    title: None,
                    department: None,
                    site: Some(site.into()),
                    birth_year: None,
                    level: None,
                    locale: None,
                    time_zone: None,
                },
            )
            .await
            .unwrap();
    }
    person(
        &app,
        org,
        "lyon2@acme.test",
        UserStatus::Invited,
        (None, None, Some("Lyon"), None, None),
    )
    .await;
    // A confirmed champion may launch contests too.
    app.db
        .confirm_champions(
            org,
            alice,
            ("Champions", "The champions"),
            &[(chloe_id, "volunteer".to_string())],
            None,
            None,
        )
        .await
        .unwrap();
    let now = now_ms();
    let hour = 3_600_000;
    let r = post_json(&chloe, "/api/v1/contests", json!({"name": "Spring", "dimension": "site", "metric": "contributions_per_member", "starts_at": rfc3339(now), "ends_at": rfc3339(now + hour)})).await;
    assert_eq!(r.status(), 201);
    let c: Value = r.json().await.unwrap();
    let id = c["id"].as_str().unwrap().to_string();

    // Lyon: 2 members, 3 posts (1.5 per member); Paris: 1 member, 1 post (1.0).
    let sphere = app
        .db
        .create_sphere(org, alice, "General", "", SphereKind::Open, false)
        .await
        .unwrap();
    for author in [bob_id, bob_id, bob_id, chloe_id] {
        app.db
            .create_post(
                &NewPost {
                    id: embarq_domain::new_id(),
                    org_id: org,
                    sphere_id: sphere,
                    author_id: author,
                    body_md: "go",
                    body_html: "<p>go</p>",
                    status: PostStatus::Published,
                },
                &Default::default(),
            )
            .await
            .unwrap();
    }
    let lb: Value = bob
        .get(&format!("/api/v1/contests/{id}"))
        .await
        .json()
        .await
        .unwrap();
    let scores = lb["scores"].as_array().unwrap();
    assert_eq!(scores[0]["team"], "Lyon", "{lb}");
    assert_eq!(scores[0]["score"], 1.5, "{lb}");
    assert_eq!(scores[0]["headcount"], 2);
    assert_eq!(scores[1]["team"], "Paris");
    assert_eq!(scores[1]["score"], 1.0);
    assert!(
        scores[2]["team"].is_null(),
        "Alice has no site: the unknown team comes last"
    );
    let (status, html) = bob.get_text(&format!("/contests/{id}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"leaderboard\"") && html.find("Lyon") < html.find("Paris"));
    let (status, html) = bob.get_text("/contests").await;
    assert_eq!(status, 200);
    assert!(html.contains("Spring"));
    assert!(
        !html.contains("name=\"metric\""),
        "no creation form for plain members"
    );

    // The history ends on today's standings (the contest is in its first day).
    let h: Value = bob
        .get(&format!("/api/v1/contests/{id}/history"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(h["days"].as_array().unwrap().len(), 1, "{h}");
    assert_eq!(h["teams"][0]["team"], "Lyon", "{h}");
    assert_eq!(h["teams"][0]["scores"], json!([1.5]), "{h}");
    assert_eq!(h["teams"][1]["scores"], json!([1.0]), "{h}");
    let (_, html) = bob.get_text(&format!("/contests/{id}")).await;
    assert!(
        html.contains("id=\"history\"") && html.contains("<polyline class=\"series-0\""),
        "the page draws it"
    );
    let (s, csv) = bob.get_text(&format!("/contests/{id}/history.csv")).await;
    assert_eq!(s, 200);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "day_end,Lyon,Paris");
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].ends_with(",1.50,1.00"), "{csv}");
    assert!(html.contains(&format!("/contests/{id}/history.csv")));

    // Alice takes announcements in the app only: she gets no results e-mail.
    let (s, v) = api(
        &mgr,
        reqwest::Method::PUT,
        "/api/v1/account/notification-preferences",
        Some(json!({"channels": {"announcements": "app"}, "digest": {"frequency": "off", "weekday": 0, "hour": 8, "time_zone": ""}})),
    )
    .await;
    assert_eq!(s, 200, "{v}");

    // Other organizations never see it.
    app.other_org("Globex", "gina@globex.test").await;
    let gina = app.login("gina@globex.test").await;
    assert_eq!(
        gina.get(&format!("/api/v1/contests/{id}")).await.status(),
        404
    );
    assert_eq!(gina.get(&format!("/contests/{id}")).await.status(), 404);

    // The winner is announced once, at the end, across two processes.
    let ends = now + hour;
    assert_eq!(
        embarq_web::jobs::run_due(&app.state, ends - 1)
            .await
            .count("contest_winners"),
        0
    );
    let other = embarq_web::AppState::new(
        app.db.clone(),
        embarq_web::Config::new(&app.base, app.data_dir.clone()),
    )
    .unwrap();
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&app.state, ends + 1),
        embarq_web::jobs::run_due(&other, ends + 1)
    );
    assert_eq!(a.count("contest_winners") + b.count("contest_winners"), 1);
    assert_eq!(
        embarq_web::jobs::run_due(&app.state, ends + 60_000)
            .await
            .count("contest_winners"),
        0
    );
    let lb: Value = bob
        .get(&format!("/api/v1/contests/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(lb["contest"]["winner"], "Lyon");
    let notes = app.db.notifications(bob_id, 20).await.unwrap();
    let won: Vec<_> = notes.iter().filter(|n| n.kind == "contest_won").collect();
    assert_eq!(won.len(), 1);
    let (_, feed) = bob
        .get_text(&format!("/posts/{}", won[0].post_id.unwrap()))
        .await;
    assert!(
        feed.contains("Lyon") && feed.contains("remporte le concours"),
        "announcement post names the winner"
    );
    let (_, page) = mgr.get_text(&format!("/contests/{id}")).await;
    assert!(page.contains("id=\"winner\""));

    // The results are e-mailed once to the active members who take announcements by e-mail.
    let link = format!("/contests/{id}");
    for who in ["bob@acme.test", "chloe@acme.test"] {
        let mails = app.outbox_to(who).await;
        let results: Vec<&String> = mails.iter().filter(|m| m.contains(&link)).collect();
        assert_eq!(results.len(), 1, "{who}: {mails:?}");
        let mail = results[0];
        assert!(mail.contains("1. Lyon") && mail.contains("1.50"), "{mail}");
        assert!(mail.find("1. Lyon") < mail.find("2. Paris"), "{mail}");
    }
    for who in ["alice@acme.test", "lyon2@acme.test"] {
        let mails = app.outbox_to(who).await;
        assert!(
            !mails.iter().any(|m| m.contains(&link)),
            "{who} chose the app, or has not come yet"
        );
    }
}

#[tokio::test]
async fn the_activations_metric_counts_who_came_during_the_contest() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let now = now_ms();
    let day = 86_400_000;
    // The contest started 30 s ago (a minute of grace is allowed).
    // Lyon: one had come before the contest, one came during it, one never: 1 of 2 left.
    // Paris: nobody had come; one of three came during it: 1 of 3.
    let people = [
        ("l1@acme.test", "Lyon", Some(now - 10 * day)),
        ("l2@acme.test", "Lyon", Some(now - 20_000)),
        ("l3@acme.test", "Lyon", None),
        ("p1@acme.test", "Paris", Some(now - 10_000)),
        ("p2@acme.test", "Paris", None),
        ("p3@acme.test", "Paris", None),
    ];
    for (email, site, activated) in people {
        let id = person(
            &app,
            org,
            email,
            UserStatus::Invited,
            (None, None, Some(site), None, None),
        )
        .await;
        app.db
            .analytics_set_times(id, Some(now - 20 * day), activated, activated)
            .await
            .unwrap();
    }
    let r = post_json(&mgr, "/api/v1/contests", json!({"name": "Qui vient ?", "dimension": "site", "metric": "activations", "starts_at": rfc3339(now - 30_000), "ends_at": rfc3339(now + day)})).await;
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());
    let c: Value = r.json().await.unwrap();
    let lb: Value = mgr
        .get(&format!("/api/v1/contests/{}", c["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    let scores = lb["scores"].as_array().unwrap();
    assert_eq!(
        (
            &scores[0]["team"],
            &scores[0]["score"],
            &scores[0]["activated_during"]
        ),
        (&json!("Lyon"), &json!(50.0), &json!(1)),
        "{lb}"
    );
    assert_eq!(
        (&scores[1]["team"], &scores[1]["score"]),
        (&json!("Paris"), &json!(33.33))
    );
    let (status, html) = mgr.get_text("/contests").await;
    assert_eq!(status, 200);
    assert!(html.contains("value=\"activations\""));
}
