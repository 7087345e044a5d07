//! Rules that count and then write, under racing requests (the testkit's `concurrently`
//! harness), on SQLite and on PostgreSQL's READ COMMITTED: no 500, no rule exceeded.
use crate::analytics::person;
use embarq_domain::{OrgRole, SphereId, UserStatus};
use embarq_testkit::{Browser, PASSWORD, api, concurrently, count, last_as, last_id, spawn_app};
use reqwest::Method;
use serde_json::json;

async fn status(b: Browser, method: Method, path: String, body: Option<serde_json::Value>) -> u16 {
    api(&b, method, &path, body).await.0
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_comments_and_reaction_toggles_never_fail() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let sphere = last_id(&mgr.create_sphere("Atelier", "open").await);
    let (s, post) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/spheres/{sphere}/posts"),
        Some(json!({"body": "Bienvenue"})),
    )
    .await;
    assert_eq!(s, 201);
    let id = post["id"].as_str().unwrap().to_string();

    // 20 writers at once: SQLite used to answer "database is locked" (500) to some.
    let statuses = concurrently(20, |i| {
        status(
            mgr.clone(),
            Method::POST,
            format!("/api/v1/posts/{id}/comments"),
            Some(json!({ "body": format!("comment {i}") })),
        )
    })
    .await;
    assert_eq!(count(&statuses, 201), 20, "{statuses:?}");
    let (_, p) = api(&mgr, Method::GET, &format!("/api/v1/posts/{id}"), None).await;
    assert_eq!(p["post"]["comment_count"].as_i64(), Some(20), "{p}");

    // Toggles of the same reaction at once: each answers, and the count matches the rows.
    for n in [2, 5] {
        let statuses = concurrently(n, |_| {
            status(
                mgr.clone(),
                Method::POST,
                format!("/api/v1/posts/{id}/reactions"),
                Some(json!({"emoji": "👍"})),
            )
        })
        .await;
        assert!(
            statuses.iter().all(|s| *s == 200),
            "{n} toggles: {statuses:?}"
        );
    }
    let post_id = embarq_domain::parse_id(&id).unwrap();
    let org = app.org_id("alice@acme.test").await;
    let stored = app.db.post(org, post_id).await.unwrap().unwrap();
    let rows: i64 = app
        .db
        .reactions(post_id, stored.author_id)
        .await
        .unwrap()
        .iter()
        .map(|(_, n, _)| n)
        .sum();
    assert_eq!(stored.reaction_count, rows);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn first_run_setup_creates_one_organization() {
    let app = spawn_app().await;
    let mut browsers = Vec::new();
    for _ in 0..8 {
        let mut b = app.browser();
        b.refresh_csrf("/setup").await;
        browsers.push(b);
    }
    let statuses = concurrently(8, |i| {
        let b = browsers[i].clone();
        async move {
            let r = b
                .post_form(
                    "/setup",
                    &[
                        ("org_name", format!("Org {i}").as_str()),
                        ("display_name", "Founder"),
                        ("email", format!("founder{i}@acme.test").as_str()),
                        ("password", PASSWORD),
                    ],
                )
                .await;
            let to = r
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string());
            (r.status().as_u16(), to)
        }
    })
    .await;
    assert!(statuses.iter().all(|(s, _)| *s == 303), "{statuses:?}");
    let won = statuses
        .iter()
        .filter(|(_, to)| to.as_deref() == Some("/"))
        .count();
    assert_eq!(won, 1, "{statuses:?}");
    assert_eq!(app.db.organization_count().await.unwrap(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reminder_limits_hold_under_concurrent_requests() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let mut invited = Vec::new();
    for i in 0..25 {
        let id = person(
            &app,
            org,
            &format!("new{i}@acme.test"),
            UserStatus::Invited,
            (None, Some("Logistique"), None, None, None),
        )
        .await;
        invited.push(id);
    }
    // 25 reminders of different colleagues at once: the daily cap is 20.
    let statuses = concurrently(25, |i| {
        status(
            mgr.clone(),
            Method::POST,
            format!("/api/v1/nudges/worklist/{}/remind", invited[i]),
            None,
        )
    })
    .await;
    let sent = statuses.iter().filter(|s| **s < 300).count();
    assert_eq!(sent, 20, "{statuses:?}");
    assert_eq!(count(&statuses, 429), 5, "{statuses:?}");

    // Eight managers remind the same colleague at once: one e-mail.
    let colleague = person(
        &app,
        org,
        "target@acme.test",
        UserStatus::Invited,
        (None, None, None, None, None),
    )
    .await;
    let mut managers = Vec::new();
    for i in 0..8 {
        let email = format!("boss{i}@acme.test");
        let (uid, _) = app.member(org, &email, "Boss").await;
        app.db
            .set_org_role(org, uid, OrgRole::Manager, &Default::default())
            .await
            .unwrap();
        managers.push(app.login(&email).await);
    }
    let before = app.outbox_to("target@acme.test").await.len();
    let statuses = concurrently(8, |i| {
        status(
            managers[i].clone(),
            Method::POST,
            format!("/api/v1/nudges/worklist/{colleague}/remind"),
            None,
        )
    })
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s < 300).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(count(&statuses, 429), 7, "{statuses:?}");
    assert_eq!(app.outbox_to("target@acme.test").await.len() - before, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_last_manager_stays_under_concurrent_demotions() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, _) = app.member(org, "bob@acme.test", "Bob").await;
    app.db
        .set_org_role(org, bob_id, OrgRole::Manager, &Default::default())
        .await
        .unwrap();
    let bob = app.login("bob@acme.test").await;
    let alice_id = app.user("alice@acme.test").await.id;
    // Each demotes the other at the same instant: exactly one may win.
    let pairs = [(alice.clone(), bob_id), (bob.clone(), alice_id)];
    let statuses = concurrently(2, |i| {
        let (b, target) = pairs[i].clone();
        status(
            b,
            Method::POST,
            format!("/api/v1/members/{target}/role"),
            Some(json!({"role": "member"})),
        )
    })
    .await;
    let ok = statuses.iter().filter(|s| **s < 300).count();
    assert_eq!(ok, 1, "{statuses:?}");
    let managers = [
        app.user("alice@acme.test").await,
        app.user("bob@acme.test").await,
    ]
    .iter()
    .filter(|u| u.org_role == OrgRole::Manager)
    .count();
    assert_eq!(managers, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_sphere_keeps_an_administrator_when_both_leave_at_once() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let sphere = last_as::<SphereId>(&alice.create_sphere("Atelier", "open").await);
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    app.db
        .add_sphere_member(sphere, bob_id, embarq_domain::SphereRole::Admin)
        .await
        .unwrap();
    let admins = [alice.clone(), bob.clone()];
    let statuses = concurrently(2, |i| {
        status(
            admins[i].clone(),
            Method::POST,
            format!("/api/v1/spheres/{sphere}/leave"),
            None,
        )
    })
    .await;
    assert_eq!(
        statuses.iter().filter(|s| **s < 300).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(count(&statuses, 422), 1, "{statuses:?}");
    let alice_id = app.user("alice@acme.test").await.id;
    let roles = [
        app.db.sphere_role(sphere, alice_id).await.unwrap(),
        app.db.sphere_role(sphere, bob_id).await.unwrap(),
    ];
    let admins = roles
        .iter()
        .filter(|r| **r == Some(embarq_domain::SphereRole::Admin))
        .count();
    assert_eq!(admins, 1, "{roles:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn launching_now_happens_once_under_concurrent_clicks() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let launch = embarq_domain::recurrence::ms_to_local(
        embarq_domain::recurrence::parse_zone("Europe/Paris").unwrap(),
        embarq_store::now_ms() + 12 * embarq_domain::rollout::DAY_MS,
    )
    .format("%Y-%m-%dT%H:%M")
    .to_string();
    let (s, v) = api(
        &mgr,
        Method::PUT,
        "/api/v1/rollout",
        Some(json!({"launch_local": launch, "early_access_days": 7,
            "announcement_title": "Bienvenue", "announcement_md": "C'est parti."})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    for (path, refused) in [
        ("/api/v1/rollout/early-access", "rollout_early_access_open"),
        ("/api/v1/rollout/launch", "rollout_launched"),
    ] {
        let answers = concurrently(8, |_| {
            let b = mgr.clone();
            async move { api(&b, Method::POST, path, None).await }
        })
        .await;
        let statuses: Vec<u16> = answers.iter().map(|(s, _)| *s).collect();
        assert_eq!(count(&statuses, 200), 1, "{path}: {statuses:?}");
        assert_eq!(count(&statuses, 422), 7, "{path}: {statuses:?}");
        assert!(
            answers
                .iter()
                .filter(|(s, _)| *s == 422)
                .all(|(_, v)| v["code"] == refused),
            "{answers:?}"
        );
    }
    // One audit entry each, and the announcement published once.
    let (_, audit) = api(&mgr, Method::GET, "/api/v1/audit?action=rollout.", None).await;
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "rollout.launch_now")
            .count(),
        1
    );
    assert_eq!(
        actions
            .iter()
            .filter(|a| **a == "rollout.early_access_now")
            .count(),
        1
    );
    let alice = app.user("alice@acme.test").await.id;
    let notes = app.db.notifications(alice, 50).await.unwrap();
    assert!(
        notes
            .iter()
            .filter(|n| n.kind == "rollout_announcement")
            .count()
            <= 1
    );
    let org = app.org_id("alice@acme.test").await;
    assert!(
        app.db
            .rollout_plan(org)
            .await
            .unwrap()
            .unwrap()
            .announced_at
            .is_some()
    );
}
