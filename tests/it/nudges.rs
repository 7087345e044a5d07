//! Reminders: automatic ones at day 3 and day 7 exactly once (also with two processes),
//! a configurable schedule, and the champion's worklist with its rate-limited "remind".
use crate::analytics::person;
use embarq_domain::UserStatus;
use embarq_store::now_ms;
use embarq_testkit::spawn_app;
use serde_json::{Value, json};

const DAY: i64 = 86_400_000;

/// An invited member whose invitation went out at `sent_at`.
async fn invited(
    app: &embarq_testkit::TestApp,
    org: embarq_domain::OrgId,
    email: &str,
    sent_at: i64,
) -> embarq_domain::UserId {
    let u = person(
        app,
        org,
        email,
        UserStatus::Invited,
        (None, None, None, None, None),
    )
    .await;
    app.db
        .analytics_set_times(u, Some(sent_at), None, None)
        .await
        .unwrap();
    u
}

#[tokio::test]
async fn automatic_reminders_go_out_once_per_step_even_with_two_processes() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let t0 = now_ms();
    let u1 = invited(&app, org, "u1@acme.test", t0).await;
    invited(&app, org, "u2@acme.test", t0 + 3_600_000).await;
    // Activated members and members never invited get nothing.
    let done = person(
        &app,
        org,
        "done@acme.test",
        UserStatus::Active,
        (None, None, None, None, None),
    )
    .await;
    app.db
        .analytics_set_times(done, Some(t0), Some(t0 + DAY), Some(t0 + DAY))
        .await
        .unwrap();
    person(
        &app,
        org,
        "later@acme.test",
        UserStatus::Invited,
        (None, None, None, None, None),
    )
    .await;

    let run = |at: i64| {
        let state = app.state.clone();
        async move { embarq_web::jobs::run_due(&state, at).await.count("nudges") }
    };
    assert_eq!(run(t0 + 2 * DAY).await, 0);
    assert_eq!(run(t0 + 3 * DAY + 60_000).await, 1, "u1's day-3 reminder");
    assert_eq!(run(t0 + 3 * DAY + 120_000).await, 0, "never twice");
    assert_eq!(app.mail_links("u1@acme.test").await.len(), 1);
    assert!(app.mail_links("u1@acme.test").await[0].contains("/invite/"));

    // A second process over the same database: u2's reminder still goes out once.
    let other = embarq_web::AppState::new(
        app.db.clone(),
        embarq_web::Config::new(&app.base, app.data_dir.clone()),
    )
    .unwrap();
    let at = t0 + 3 * DAY + 2 * 3_600_000;
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&app.state, at),
        embarq_web::jobs::run_due(&other, at)
    );
    assert_eq!(a.count("nudges") + b.count("nudges"), 1);
    assert_eq!(app.mail_links("u2@acme.test").await.len(), 1);

    let at = t0 + 7 * DAY + 2 * 3_600_000;
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&app.state, at),
        embarq_web::jobs::run_due(&other, at)
    );
    assert_eq!(
        a.count("nudges") + b.count("nudges"),
        2,
        "day-7 reminders of u1 and u2"
    );
    assert_eq!(run(t0 + 20 * DAY).await, 0, "capped at two reminders");
    assert_eq!(app.mail_links("u1@acme.test").await.len(), 2);
    assert_eq!(app.mail_links("u2@acme.test").await.len(), 2);
    assert!(app.mail_links("done@acme.test").await.is_empty());

    // What moves people: u1 came on day 8, within 7 days of both reminders; u2 never did.
    app.db
        .analytics_set_times(u1, Some(t0), Some(t0 + 8 * DAY), Some(t0 + 8 * DAY))
        .await
        .unwrap();
    let d: Value = mgr.get("/api/v1/analytics").await.json().await.unwrap();
    let reminders = d["levers"]["reminders"].as_array().unwrap();
    let figures: Vec<(&str, i64, i64, f64)> = reminders
        .iter()
        .map(|r| {
            (
                r["label"].as_str().unwrap(),
                r["sent"].as_i64().unwrap(),
                r["converted"].as_i64().unwrap(),
                r["rate"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        figures,
        vec![
            ("Relance automatique 1 (jour 3)", 2, 1, 50.0),
            ("Relance automatique 2 (jour 7)", 2, 1, 50.0)
        ]
    );
    assert!(app.mail_links("later@acme.test").await.is_empty());
}

#[tokio::test]
async fn the_schedule_is_configurable_and_a_late_run_skips_missed_steps() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let r = mgr
        .post_form("/admin/analytics/nudges", &[("days", "3, x"), ("max", "2")])
        .await;
    assert_eq!(r.status(), 422);
    let r = mgr
        .post_form("/admin/analytics/nudges", &[("days", "3"), ("max", "99")])
        .await;
    assert_eq!(r.status(), 422);
    let html = mgr
        .post_form(
            "/admin/analytics/nudges",
            &[("days", "1, 2, 4"), ("max", "2")],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("value=\"1, 2, 4\""), "saved schedule shown");
    let t0 = now_ms();
    let u = person(
        &app,
        org,
        "u@acme.test",
        UserStatus::Invited,
        (None, None, None, None, None),
    )
    .await;
    app.db
        .analytics_set_times(u, Some(t0), None, None)
        .await
        .unwrap();
    let run = |at: i64| {
        let state = app.state.clone();
        async move { embarq_web::jobs::run_due(&state, at).await.count("nudges") }
    };
    // Nothing ran on day 1: on day 2.5 only the day-2 step goes out, not both.
    assert_eq!(run(t0 + 2 * DAY + DAY / 2).await, 1);
    assert_eq!(run(t0 + 3 * DAY).await, 0);
    assert_eq!(
        run(t0 + 5 * DAY).await,
        0,
        "the day-4 step is beyond the cap of 2"
    );
    assert_eq!(app.mail_links("u@acme.test").await.len(), 1);
}

#[tokio::test]
async fn champions_remind_colleagues_within_limits() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await.id;
    let (champ_id, champ) = app.member(org, "chloe@acme.test", "Chloe").await;
    app.db
        .update_profile(
            champ_id,
            &embarq_store::ProfileUpdate {
                display_name: "Chloe".into(),
                title: None,
                department: Some("Sales".into()),
                site: Some("Lyon".into()),
                birth_year: None,
                level: None,
                locale: None,
                time_zone: None,
            },
        )
        .await
        .unwrap();
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    app.db
        .confirm_champions(
            org,
            alice,
            ("Champions", "The champions"),
            &[(champ_id, "volunteer".to_string())],
            None,
            None,
        )
        .await
        .unwrap();
    let k1 = person(
        &app,
        org,
        "k1@acme.test",
        UserStatus::Invited,
        (None, Some("Sales"), Some("Paris"), None, None),
    )
    .await;
    let k2 = person(
        &app,
        org,
        "k2@acme.test",
        UserStatus::Invited,
        (None, Some("IT"), Some("Lyon"), None, None),
    )
    .await;
    let k3 = person(
        &app,
        org,
        "k3@acme.test",
        UserStatus::Invited,
        (None, Some("IT"), Some("Paris"), None, None),
    )
    .await;
    let other_org = app.other_org("Globex", "gina@globex.test").await;
    let outsider = person(
        &app,
        other_org,
        "o@globex.test",
        UserStatus::Invited,
        (None, Some("Sales"), Some("Lyon"), None, None),
    )
    .await;

    // Only champions and managers have a worklist.
    assert_eq!(bob.get("/champions/worklist").await.status(), 403);
    assert_eq!(bob.get("/api/v1/nudges/worklist").await.status(), 403);
    let r = bob
        .client
        .post(bob.url(&format!("/api/v1/nudges/worklist/{k1}/remind")))
        .header("x-csrf-token", &bob.csrf)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);

    let (status, html) = champ.get_text("/champions/worklist").await;
    assert_eq!(status, 200);
    assert!(html.contains("k1@acme.test") && html.contains("k2@acme.test"));
    assert!(!html.contains("k3@acme.test") && !html.contains("o@globex.test"));
    let list = worklist(&champ).await;
    assert_eq!(list.as_array().unwrap().len(), 2);
    let all = worklist(&mgr).await;
    assert_eq!(
        all.as_array().unwrap().len(),
        3,
        "managers see every invited member"
    );

    // Remind from the page; again within 24 h is refused with a clear message.
    let r = champ
        .post_form(&format!("/champions/worklist/{k1}/remind"), &[])
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Relance envoyée"));
    assert_eq!(app.mail_links("k1@acme.test").await.len(), 1);
    let r = champ
        .post_form(&format!("/champions/worklist/{k1}/remind"), &[])
        .await;
    assert_eq!(r.status(), 429);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("relancé ces dernières 24 heures")
    );
    let api = |id: embarq_domain::UserId| {
        champ
            .client
            .post(champ.url(&format!("/api/v1/nudges/worklist/{id}/remind")))
            .header("x-csrf-token", &champ.csrf)
            .send()
    };
    let r = api(k1).await.unwrap();
    assert_eq!(r.status(), 429);
    assert_eq!(r.json::<Value>().await.unwrap()["code"], "nudge_too_soon");
    assert_eq!(
        app.mail_links("k1@acme.test").await.len(),
        1,
        "nothing sent when refused"
    );
    // Not a colleague, or another organization: 404.
    assert_eq!(api(k3).await.unwrap().status(), 404);
    assert_eq!(api(outsider).await.unwrap().status(), 404);
    assert_eq!(api(k2).await.unwrap().status(), 204);

    // At most 20 reminders per champion per day.
    let mut more = Vec::new();
    for i in 0..19 {
        more.push(
            person(
                &app,
                org,
                &format!("s{i}@acme.test"),
                UserStatus::Invited,
                (None, Some("Sales"), None, None, None),
            )
            .await,
        );
    }
    for id in &more[..18] {
        assert_eq!(api(*id).await.unwrap().status(), 204);
    }
    let r = api(more[18]).await.unwrap();
    assert_eq!(r.status(), 429);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "nudge_daily_limit");
    assert!(body["detail"].as_str().unwrap().contains("20 reminders"));
    assert!(app.mail_links("s18@acme.test").await.is_empty());

    // Counted in analytics: 20 members reminded, none activated since.
    let d: Value = mgr.get("/api/v1/analytics").await.json().await.unwrap();
    assert_eq!(d["reminded"], 20);
    assert_eq!(d["activated_after_reminder"], 0);
    let now = now_ms();
    app.db
        .analytics_set_times(k2, Some(now - DAY), Some(now + 1_000), Some(now + 1_000))
        .await
        .unwrap();
    let d: Value = mgr.get("/api/v1/analytics").await.json().await.unwrap();
    assert_eq!(d["activated_after_reminder"], 1);
    // The champions' reminders: 20 sent, one followed by an activation.
    let r = &d["levers"]["reminders"][0];
    assert_eq!(
        (&r["kind"], &r["sent"], &r["converted"], &r["rate"]),
        (&json!("champion"), &json!(20), &json!(1), &json!(5.0))
    );
}

#[tokio::test]
async fn a_reminder_that_fails_stops_no_other_and_goes_out_at_the_next_run() {
    let app = spawn_app().await;
    let _mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let t0 = now_ms();
    let mut ids = Vec::new();
    for email in ["ann@acme.test", "ben@acme.test", "cat@acme.test"] {
        ids.push(invited(&app, org, email, t0).await);
    }
    // Ben's reminder cannot be sent for now.
    // Storing an invitation link for the second person fails, as on a real fault.
    app.refuse_inserts("one_time_tokens", Some(ids[1])).await;
    let at = t0 + 3 * DAY + 60_000;
    embarq_web::jobs::run_due(&app.state, at).await;
    // Before: the batch stopped at the first failure, and Ben's claim stayed taken forever.
    assert_eq!(app.mail_links("ann@acme.test").await.len(), 1);
    assert_eq!(app.mail_links("cat@acme.test").await.len(), 1);
    assert!(app.mail_links("ben@acme.test").await.is_empty());

    app.allow_inserts("one_time_tokens").await;
    let n = embarq_web::jobs::run_due(&app.state, at + 60_000)
        .await
        .count("nudges");
    assert_eq!(n, 1, "Ben's reminder, and nobody's twice");
    assert_eq!(app.mail_links("ben@acme.test").await.len(), 1);
    assert_eq!(app.mail_links("ann@acme.test").await.len(), 1);
}

async fn json_of(b: &embarq_testkit::Browser, path: &str) -> Value {
    b.get(path).await.json().await.unwrap()
}

/// The first page of the worklist's colleagues.
async fn worklist(b: &embarq_testkit::Browser) -> Value {
    let v: Value = b.get("/api/v1/nudges/worklist").await.json().await.unwrap();
    v["items"].clone()
}

#[tokio::test]
async fn a_long_worklist_is_paged_and_searched() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    for i in 0..120 {
        invited(&app, org, &format!("w{i:03}@acme.test"), now_ms() - DAY).await;
    }
    invited(&app, org, "helene_100%@acme.test", now_ms() - DAY).await;
    let get = |path: &'static str| json_of(&mgr, path);
    let first = get("/api/v1/nudges/worklist").await;
    assert_eq!(
        (first["total"].as_i64(), first["pages"].as_i64()),
        (Some(121), Some(3))
    );
    assert_eq!(first["items"].as_array().unwrap().len(), 50);
    let beyond = get("/api/v1/nudges/worklist?page=9223372036854775807").await;
    assert_eq!(
        beyond["items"],
        json!([]),
        "far beyond the end: empty, not an error"
    );
    let last = get("/api/v1/nudges/worklist?page=3").await;
    assert_eq!(last["items"].as_array().unwrap().len(), 21);
    let everyone: std::collections::HashSet<String> = [
        first.clone(),
        get("/api/v1/nudges/worklist?page=2").await,
        last,
    ]
    .iter()
    .flat_map(|p| {
        p["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["email"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    })
    .collect();
    assert_eq!(everyone.len(), 121, "the pages hold everyone once");
    // The search matches part of the name or address, any case; % and _ are literal.
    let found = get("/api/v1/nudges/worklist?q=W11").await;
    assert_eq!(found["total"], 10, "w110 to w119: {found}");
    let found = get("/api/v1/nudges/worklist?q=_100%25").await;
    assert_eq!(found["total"], 1, "{found}");
    assert_eq!(found["items"][0]["email"], "helene_100%@acme.test");
    let (s, html) = mgr.get_text("/champions/worklist?page=2").await;
    assert_eq!(s, 200);
    assert!(
        html.contains("2 / 3") && html.contains("rel=\"prev\"") && html.contains("rel=\"next\"")
    );
    // A reminder sent from page 2 comes back to page 2.
    let id = json_of(&mgr, "/api/v1/nudges/worklist?page=2").await["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(html.contains(&format!("/champions/worklist/{id}/remind?page=2")));
    let r = mgr
        .post_form(&format!("/champions/worklist/{id}/remind?page=2"), &[])
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("2 / 3"));
}

#[tokio::test]
async fn a_champions_reminder_counts_only_if_its_invitation_is_stored() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let k1 = invited(&app, org, "k1@acme.test", now_ms() - DAY).await;
    let remind = || {
        mgr.client
            .post(mgr.url(&format!("/api/v1/nudges/worklist/{k1}/remind")))
            .header("x-csrf-token", &mgr.csrf)
            .send()
    };

    // The invitation link cannot be stored, as on a real fault: nothing is sent...
    app.refuse_inserts("one_time_tokens", Some(k1)).await;
    let r = remind().await.unwrap();
    assert!(!r.status().is_success());
    app.allow_inserts("one_time_tokens").await;
    assert!(app.mail_links("k1@acme.test").await.is_empty());
    let list = worklist(&mgr).await;
    assert_eq!(
        list[0]["reminders"], 0,
        "a reminder that did not go out is not counted"
    );

    // ...so trying again works at once. Before: the reminder was recorded first, and the
    // second try was refused as "reminded less than 24 h ago" with no e-mail ever sent.
    let r = remind().await.unwrap();
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(app.mail_links("k1@acme.test").await.len(), 1);
    let list = worklist(&mgr).await;
    assert_eq!(list[0]["reminders"], 1);
}

#[tokio::test]
async fn an_invitation_is_sent_again_through_the_api() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let t0 = now_ms();
    let u1 = invited(&app, org, "u1@acme.test", t0).await;
    let (bob, bob_b) = app.member(org, "bob@acme.test", "Bob").await;
    let (s, _) = embarq_testkit::api(
        &mgr,
        reqwest::Method::POST,
        &format!("/api/v1/members/{u1}/invitation"),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let links = app.mail_links("u1@acme.test").await;
    assert_eq!(links.len(), 1);
    assert!(links[0].contains("/invite/"));
    // Someone already active, and a member asking: refused, nothing sent.
    let (s, body) = embarq_testkit::api(
        &mgr,
        reqwest::Method::POST,
        &format!("/api/v1/members/{bob}/invitation"),
        None,
    )
    .await;
    assert_eq!((s, body["code"].as_str()), (422, Some("already_active")));
    let (s, _) = embarq_testkit::api(
        &bob_b,
        reqwest::Method::POST,
        &format!("/api/v1/members/{u1}/invitation"),
        None,
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(app.mail_links("u1@acme.test").await.len(), 1);
    assert!(app.mail_links("bob@acme.test").await.is_empty());
}
