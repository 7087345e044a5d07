//! Training sessions and webinars: creation (one-off and monthly series), registration with
//! capacity (also under concurrency), champions-only sessions, reminders exactly once,
//! attendance, the JSON API and bad input.
use embarq_domain::recurrence::{ms_to_local, parse_zone};
use embarq_store::{NewEvent, now_ms};
use embarq_testkit::{Browser, api, last_id, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

const HOUR: i64 = 3600 * 1000;
const DAY: i64 = 24 * HOUR;

/// `ms` as a Europe/Paris local date-time for the forms.
fn paris(ms: i64) -> String {
    ms_to_local(parse_zone("Europe/Paris").unwrap(), ms)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Posts a form as a browser set to `lang` would (messages are checked in that language).
trait PostIn {
    async fn post_in(&self, path: &str, fields: &[(&str, &str)], lang: &str) -> reqwest::Response;
}

impl PostIn for Browser {
    async fn post_in(&self, path: &str, fields: &[(&str, &str)], lang: &str) -> reqwest::Response {
        let mut all: Vec<(&str, &str)> = vec![("_csrf", self.csrf.as_str())];
        all.extend_from_slice(fields);
        self.client
            .post(self.url(path))
            .header("accept-language", lang)
            .form(&all)
            .send()
            .await
            .unwrap()
    }
}

async fn event_count(b: &Browser) -> usize {
    let (_, v) = api(b, Method::GET, "/api/v1/training", None).await;
    v["upcoming"].as_array().unwrap().len()
}

/// A session through the form; returns its page path.
async fn create_session(b: &Browser, title: &str, start: i64, capacity: &str) -> String {
    b.post_redirect(
        "/training",
        &[
            ("kind", "training"),
            ("audience", "all"),
            ("title", title),
            (
                "description",
                "Bring **your laptop**<script>alert(1)</script>",
            ),
            ("starts_at", &paris(start)),
            ("ends_at", &paris(start + HOUR)),
            ("time_zone", "Europe/Paris"),
            ("place", "Room Jupiter"),
            ("capacity", capacity),
        ],
    )
    .await
}

/// An event written directly (e.g. already started, which the forms refuse).
async fn insert_event(
    app: &embarq_testkit::TestApp,
    org: embarq_domain::OrgId,
    by: embarq_domain::UserId,
    start: i64,
    audience: &'static str,
) -> embarq_domain::Id {
    app.db
        .create_events(&[NewEvent {
            org_id: org,
            kind: "training",
            audience,
            title: "Started session".into(),
            description_md: String::new(),
            description_html: String::new(),
            starts_at: start,
            ends_at: start + 2 * HOUR,
            time_zone: "Europe/Paris".into(),
            place: None,
            video_url: None,
            capacity: Some(1),
            series_id: None,
            created_by: by,
        }])
        .await
        .unwrap()[0]
}

#[tokio::test]
async fn bad_session_input_is_refused_whole() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let start = now_ms() + 3 * DAY;
    let cases: Vec<(Vec<(&str, String)>, &str)> = vec![
        (
            vec![("ends_at", paris(start - HOUR))],
            "must be after the start",
        ),
        (
            vec![
                ("starts_at", paris(now_ms() - DAY)),
                ("ends_at", paris(now_ms() - DAY + HOUR)),
            ],
            "is in the past",
        ),
        (vec![("capacity", "0".into())], "out of the allowed range"),
        (
            vec![("time_zone", "Mars/Olympus".into())],
            "not a known time zone",
        ),
        (
            vec![("video_url", "javascript:alert(1)".into())],
            "must be a web link",
        ),
        (vec![("title", "  ".into())], "this field is required"),
    ];
    for (overrides, message) in cases {
        let mut fields: Vec<(&str, String)> = vec![
            ("kind", "training".into()),
            ("title", "Getting started".into()),
            ("starts_at", paris(start)),
            ("ends_at", paris(start + HOUR)),
            ("time_zone", "Europe/Paris".into()),
            ("capacity", "10".into()),
        ];
        for (k, v) in overrides {
            fields.retain(|(f, _)| *f != k);
            fields.push((k, v));
        }
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = mgr.post_in("/training", &borrowed, "en").await;
        assert_eq!(r.status(), 422, "{message}");
        let html = r.text().await.unwrap();
        assert!(html.contains(message), "expected {message:?} in the page");
    }
    // French too.
    let r = mgr
        .post_in(
            "/training",
            &[
                ("kind", "training"),
                ("title", "x"),
                ("starts_at", "demain"),
                ("ends_at", ""),
            ],
            "fr",
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("pas une date et heure"));

    // API: the same rules, and a series with 0 or 25 occurrences; nothing is created.
    let body =
        |rec: Value| json!({"title": "Discovery", "time_zone": "Europe/Paris", "recurrence": rec});
    for n in [0, 25] {
        let (s, v) = api(&mgr, Method::POST, "/api/v1/training", Some(body(json!({"ordinal": "first", "weekday": "tuesday", "time": "12:30", "duration_minutes": 45, "occurrences": n})))).await;
        assert_eq!(s, 422, "{v}");
        assert_eq!(v["errors"][0]["field"], "training_occurrences");
    }
    let (s, v) = api(&mgr, Method::POST, "/api/v1/training", Some(json!({"title": "x", "starts_local": paris(start), "ends_local": paris(start + HOUR), "time_zone": "Nowhere/City", "capacity": 0}))).await;
    assert_eq!(s, 422);
    let fields: Vec<&str> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"training_time_zone") && fields.contains(&"training_capacity"),
        "{v}"
    );
    assert_eq!(event_count(&mgr).await, 0);

    // Members who are neither managers nor champions cannot create.
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    assert!(
        !bob.get_text("/training")
            .await
            .1
            .contains("action=\"/training/series\"")
    );
    let r = bob
        .post_form(
            "/training",
            &[
                ("kind", "training"),
                ("title", "Mine"),
                ("starts_at", &paris(start)),
                ("ends_at", &paris(start + HOUR)),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    let (s, _) = api(
        &bob,
        Method::POST,
        "/api/v1/training",
        Some(
            json!({"title": "x", "starts_local": paris(start), "ends_local": paris(start + HOUR)}),
        ),
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(event_count(&mgr).await, 0);
}

#[tokio::test]
async fn registration_capacity_reminder_and_attendance_story() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await.id;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let (dave_id, dave) = app.member(org, "dave@acme.test", "Dave").await;

    let start = now_ms() + 3 * DAY;
    let page = create_session(&mgr, "Getting started with embarq", start, "2").await;
    let id = last_id(&page);
    let html = bob.get_text(&page).await.1;
    assert!(html.contains("<strong>your laptop</strong>") && !html.contains("<script>alert"));
    assert!(html.contains("2 seats left") || html.contains("2 places restantes"));

    // Two seats: Bob and Carol get them, Dave is told it is full.
    assert_eq!(
        bob.post_redirect(&format!("{page}/register"), &[]).await,
        page
    );
    assert_eq!(
        carol.post_redirect(&format!("{page}/register"), &[]).await,
        page
    );
    let r = dave.post_in(&format!("{page}/register"), &[], "en").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("This session is full"));
    let (s, v) = api(
        &dave,
        Method::POST,
        &format!("/api/v1/training/{id}/register"),
        None,
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("training_full")));
    let list = dave.get_text("/training").await.1;
    assert!(
        list.contains("Getting started with embarq")
            && (list.contains("Full") || list.contains("Complet"))
    );

    // "My sessions" and the API view.
    let (_, v) = api(&bob, Method::GET, "/api/v1/training", None).await;
    assert_eq!(v["mine"][0]["title"], "Getting started with embarq");
    assert_eq!(v["upcoming"][0]["seats_left"], 0);
    assert_eq!(v["upcoming"][0]["registered"], true);

    // Bob cancels; Dave registers through the API.
    let (s, v) = api(
        &bob,
        Method::DELETE,
        &format!("/api/v1/training/{id}/register"),
        None,
    )
    .await;
    assert_eq!((s, v["registered"].as_bool()), (200, Some(false)));
    let (s, v) = api(
        &dave,
        Method::POST,
        &format!("/api/v1/training/{id}/register"),
        None,
    )
    .await;
    assert_eq!(
        (s, v["registered"].as_bool(), v["seats_left"].as_i64()),
        (200, Some(true), Some(0))
    );

    // The manager registers Bob again: refused (full), then after Carol leaves it works and
    // Bob is notified.
    let r = mgr
        .post_in(
            &format!("{page}/enroll"),
            &[("emails", "bob@acme.test")],
            "en",
        )
        .await;
    assert_eq!(r.status(), 422);
    carol
        .post_redirect(&format!("{page}/unregister"), &[])
        .await;
    let before = app.db.unread_count(bob_id).await.unwrap();
    assert_eq!(
        mgr.post_redirect(&format!("{page}/enroll"), &[("emails", "bob@acme.test")])
            .await,
        page
    );
    assert_eq!(app.db.unread_count(bob_id).await.unwrap(), before + 1);
    assert!(
        bob.get_in("/notifications", "en")
            .await
            .contains("registered you to a training session")
    );
    let r = mgr
        .post_in(
            &format!("{page}/enroll"),
            &[("emails", "nobody@acme.test")],
            "en",
        )
        .await;
    assert_eq!(r.status(), 422);
    // Members do not see registrants.
    let (s, _) = api(
        &bob,
        Method::GET,
        &format!("/api/v1/training/{id}/registrants"),
        None,
    )
    .await;
    assert_eq!(s, 403);

    // Attendance cannot be taken before the start.
    let (s, v) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/training/{id}/attendance"),
        Some(json!({"user_ids": [bob_id]})),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("training_not_started")));

    // Reminders: nothing 3 days before; each registrant once inside the 24-hour window.
    let starts_at = v_starts_at(&mgr, id).await;
    let r = embarq_web::jobs::run_due(&app.state, now_ms()).await;
    assert_eq!(r.count("training_reminders"), 0);
    let r = embarq_web::jobs::run_due(&app.state, starts_at - DAY + 60_000).await;
    assert_eq!(r.count("training_reminders"), 2);
    let r = embarq_web::jobs::run_due(&app.state, starts_at - HOUR).await;
    assert_eq!(r.count("training_reminders"), 0);
    let mails = app.outbox_to("dave@acme.test").await;
    assert!(
        mails
            .iter()
            .any(|m| m.contains("Getting started with embarq")
                && m.contains(&format!("/training/{id}"))),
        "{mails:?}"
    );
    assert!(
        app.outbox_to("carol@acme.test").await.is_empty(),
        "Carol unregistered"
    );

    // A session in progress: registration closed, attendance with a walk-in (Carol).
    let live = insert_event(&app, org, alice, now_ms() - HOUR, "all").await;
    let (s, v) = api(
        &carol,
        Method::POST,
        &format!("/api/v1/training/{live}/register"),
        None,
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("training_started")));
    let (s, _) = api(
        &dave,
        Method::POST,
        &format!("/api/v1/training/{live}/attendance"),
        Some(json!({"user_ids": [dave_id]})),
    )
    .await;
    assert_eq!(s, 403, "members do not take attendance");
    app.db
        .register_for_event(live, bob_id, &Default::default())
        .await
        .unwrap();
    let live_page = format!("/training/{live}");
    let html = mgr.get_text(&live_page).await.1;
    assert!(html.contains("name=\"attended\""));
    let r = mgr
        .post_form(
            &format!("{live_page}/attendance"),
            &[
                ("attended", &bob_id.to_string()),
                ("walk_in", "carol@acme.test"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, regs) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/training/{live}/registrants"),
        None,
    )
    .await;
    let attended: Vec<&str> = regs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["attended_at"].is_null())
        .map(|r| r["email"].as_str().unwrap())
        .collect();
    assert_eq!(attended, ["bob@acme.test", "carol@acme.test"]);
    // Carol came without registering: she is present but takes no seat.
    let t = session(&mgr, live).await;
    assert_eq!(
        (
            &t["registered_count"],
            &t["attended_count"],
            &t["walk_in_count"]
        ),
        (&json!(1), &json!(2), &json!(1)),
        "{t}"
    );
    assert!(mgr.get_text(&live_page).await.1.contains("id=\"walk-ins\""));
    // An unknown walk-in changes nothing.
    let r = mgr
        .post_form(
            &format!("{live_page}/attendance"),
            &[("walk_in", "ghost@acme.test")],
        )
        .await;
    assert_eq!(r.status(), 422);
    let (_, regs2) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/training/{live}/registrants"),
        None,
    )
    .await;
    assert_eq!(regs, regs2);
    // Through the API: the full list replaces it (Bob absent now, Dave present).
    let (s, regs) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/training/{live}/attendance"),
        Some(json!({"user_ids": [dave_id, carol_id]})),
    )
    .await;
    assert_eq!(s, 200);
    let attended: Vec<&str> = regs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["attended_at"].is_null())
        .map(|r| r["email"].as_str().unwrap())
        .collect();
    assert_eq!(attended, ["carol@acme.test", "dave@acme.test"]);
    // Bob stays registered (absent); Dave came without registering too.
    let t = session(&mgr, live).await;
    assert_eq!(
        (
            &t["registered_count"],
            &t["attended_count"],
            &t["walk_in_count"]
        ),
        (&json!(1), &json!(2), &json!(2)),
        "{t}"
    );
    let by_user = app.db.training_attendance_by_user(org).await.unwrap();
    assert_eq!(by_user.len(), 2);
    assert!(by_user.iter().all(|a| a.sessions == 1));
}

/// A session not yet ended, as the API lists it.
async fn session(b: &Browser, id: embarq_domain::Id) -> serde_json::Value {
    let (_, v) = api(b, Method::GET, "/api/v1/training", None).await;
    v["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id.to_string())
        .unwrap_or_else(|| panic!("{id} not upcoming: {v}"))
        .clone()
}

async fn v_starts_at(b: &Browser, id: embarq_domain::Id) -> i64 {
    let (_, v) = api(b, Method::GET, "/api/v1/training", None).await;
    v["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["id"] == id.to_string())
        .map(|e| embarq_testkit::instant(&e["starts_at"]))
        .unwrap()
}

#[tokio::test]
async fn concurrent_registrations_never_exceed_capacity() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let page = create_session(&mgr, "Small room", now_ms() + 2 * DAY, "3").await;
    let id = last_id(&page);
    let mut members = Vec::new();
    for i in 0..8 {
        members.push(
            app.member(org, &format!("m{i}@acme.test"), &format!("Member {i}"))
                .await
                .1,
        );
    }
    let path = format!("/api/v1/training/{id}/register");
    let calls = members.iter().map(|b| api(b, Method::POST, &path, None));
    let (first, rest) = tokio::join!(
        api(&members[0], Method::POST, &path, None),
        futures::future::join_all(calls.skip(1))
    );
    let mut statuses: Vec<u16> = rest.iter().map(|(s, _)| *s).collect();
    statuses.push(first.0);
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        3,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 422).count(),
        5,
        "{statuses:?}"
    );
    assert_eq!(app.db.event_registrants(id).await.unwrap().len(), 3);
}

#[tokio::test]
async fn reminders_go_out_exactly_once_across_processes() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let start = now_ms() + 2 * DAY;
    let id = last_id(&create_session(&mgr, "Webinar", start, "").await);
    let mut ids = Vec::new();
    for i in 0..6 {
        let (uid, b) = app
            .member(org, &format!("r{i}@acme.test"), &format!("R {i}"))
            .await;
        let (s, _) = api(
            &b,
            Method::POST,
            &format!("/api/v1/training/{id}/register"),
            None,
        )
        .await;
        assert_eq!(s, 200);
        ids.push(uid);
    }
    let other = embarq_web::AppState::new(
        app.db.clone(),
        embarq_web::Config::new(&app.base, app.data_dir.clone()),
    )
    .unwrap();
    let at = v_starts_at(&mgr, id).await - DAY + 1000;
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&app.state, at),
        embarq_web::jobs::run_due(&other, at)
    );
    assert_eq!(
        a.count("training_reminders") + b.count("training_reminders"),
        6
    );
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&app.state, at + HOUR),
        embarq_web::jobs::run_due(&other, at + HOUR)
    );
    assert_eq!(
        a.count("training_reminders") + b.count("training_reminders"),
        0
    );
    for (i, uid) in ids.iter().enumerate() {
        let n = app.db.notifications(*uid, 50).await.unwrap();
        assert_eq!(
            n.iter().filter(|n| n.kind == "training_reminder").count(),
            1
        );
        assert_eq!(app.outbox_to(&format!("r{i}@acme.test")).await.len(), 1);
    }
}

#[tokio::test]
async fn monthly_series_in_one_step() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let (s, v) = api(
        &mgr,
        Method::POST,
        "/api/v1/training",
        Some(json!({"kind": "webinar", "title": "Discover embarq", "video_url": "https://visio.example/discover",
            "recurrence": {"ordinal": "first", "weekday": "tuesday", "time": "12:30", "duration_minutes": 45}})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    assert_eq!(v["ids"].as_array().unwrap().len(), 6);
    let (_, list) = api(&mgr, Method::GET, "/api/v1/training", None).await;
    let up = list["upcoming"].as_array().unwrap();
    assert_eq!(up.len(), 6);
    let series = &up[0]["series_id"];
    assert!(series.is_string());
    let tz = parse_zone("Europe/Paris").unwrap();
    for e in up {
        assert_eq!(&e["series_id"], series);
        assert_eq!(e["kind"], "webinar");
        assert_eq!(
            embarq_testkit::instant(&e["ends_at"]) - embarq_testkit::instant(&e["starts_at"]),
            45 * 60_000
        );
        let local = ms_to_local(tz, embarq_testkit::instant(&e["starts_at"]));
        assert_eq!(local.format("%A %H:%M").to_string(), "Tuesday 12:30");
        assert!(
            local.format("%d").to_string().parse::<u32>().unwrap() <= 7,
            "first Tuesday"
        );
    }
    // Through the form: 3 occurrences of the last Friday.
    let r = mgr
        .post_form(
            "/training/series",
            &[
                ("kind", "training"),
                ("title", "Q&A"),
                ("time_zone", "Europe/Paris"),
                ("ordinal", "last"),
                ("weekday", "friday"),
                ("time", "09:00"),
                ("duration_minutes", "60"),
                ("occurrences", "3"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(event_count(&mgr).await, 9);
    let r = mgr
        .post_in(
            "/training/series",
            &[
                ("kind", "training"),
                ("title", "Q&A"),
                ("ordinal", "last"),
                ("weekday", "friday"),
                ("time", "09:00"),
                ("duration_minutes", "60"),
                ("occurrences", "30"),
            ],
            "en",
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(event_count(&mgr).await, 9);
}

#[tokio::test]
async fn champions_only_sessions_and_other_organizations_stay_hidden() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await.id;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (_, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let start = now_ms() + 5 * DAY;
    let (s, v) = api(&mgr, Method::POST, "/api/v1/training", Some(json!({"title": "Champions bootcamp", "audience": "champions", "starts_local": paris(start), "ends_local": paris(start + HOUR)}))).await;
    assert_eq!(s, 201, "{v}");
    let id = v["ids"][0].as_str().unwrap().to_string();

    // Bob is made a champion; Carol is not.
    app.db
        .confirm_champions(
            org,
            alice,
            ("Champions", "Our champions"),
            &[(bob_id, "volunteer".to_string())],
            None,
            None,
        )
        .await
        .unwrap();
    assert!(
        bob.get_text("/training")
            .await
            .1
            .contains("Champions bootcamp")
    );
    assert_eq!(bob.get(&format!("/training/{id}")).await.status(), 200);
    assert!(
        !carol
            .get_text("/training")
            .await
            .1
            .contains("Champions bootcamp")
    );
    assert_eq!(carol.get(&format!("/training/{id}")).await.status(), 404);
    let (s, _) = api(
        &carol,
        Method::POST,
        &format!("/api/v1/training/{id}/register"),
        None,
    )
    .await;
    assert_eq!(s, 404);
    let (_, v) = api(&carol, Method::GET, "/api/v1/training", None).await;
    assert!(v["upcoming"].as_array().unwrap().is_empty());
    let (s, _) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/training/{id}/register"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    // A manager cannot enroll a non-champion into it.
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/training/{id}/registrants"),
        Some(json!({"user_ids": [app.user("carol@acme.test").await.id]})),
    )
    .await;
    assert_eq!(s, 422);

    // Champions organize sessions for everyone, not champions-only ones.
    let (s, v) = api(&bob, Method::POST, "/api/v1/training", Some(json!({"kind": "webinar", "title": "Tips by Bob", "starts_local": paris(start), "ends_local": paris(start + HOUR)}))).await;
    assert_eq!(s, 201, "{v}");
    let bobs = v["ids"][0].as_str().unwrap().to_string();
    let (s, _) = api(&bob, Method::POST, "/api/v1/training", Some(json!({"title": "Secret", "audience": "champions", "starts_local": paris(start), "ends_local": paris(start + HOUR)}))).await;
    assert_eq!(s, 403);
    // Bob manages his own session (registrants), not the manager's.
    let (s, _) = api(
        &bob,
        Method::GET,
        &format!("/api/v1/training/{bobs}/registrants"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (s, _) = api(
        &bob,
        Method::GET,
        &format!("/api/v1/training/{id}/registrants"),
        None,
    )
    .await;
    assert_eq!(s, 403);

    // Another organization's session does not exist for us, nor ours for them.
    app.other_org("Globex", "boss@globex.test").await;
    let boss = app.login("boss@globex.test").await;
    let (s, v) = api(&boss, Method::POST, "/api/v1/training", Some(json!({"title": "Globex onboarding", "starts_local": paris(start), "ends_local": paris(start + HOUR)}))).await;
    assert_eq!(s, 201);
    let theirs = v["ids"][0].as_str().unwrap().to_string();
    assert_eq!(
        carol.get(&format!("/training/{theirs}")).await.status(),
        404
    );
    let (s, _) = api(
        &carol,
        Method::POST,
        &format!("/api/v1/training/{theirs}/register"),
        None,
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/training/{theirs}/attendance"),
        Some(json!({"user_ids": []})),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = api(
        &boss,
        Method::GET,
        &format!("/api/v1/training/{bobs}/registrants"),
        None,
    )
    .await;
    assert_eq!(s, 404);
    assert!(
        !carol
            .get_text("/training")
            .await
            .1
            .contains("Globex onboarding")
    );
    assert_eq!(carol.get("/training/not-an-id").await.status(), 404);
    // The managers' overview is for managers.
    assert_eq!(mgr.get("/admin/training").await.status(), 200);
    assert_eq!(carol.get("/admin/training").await.status(), 403);
}

#[tokio::test]
async fn everyone_registered_is_told_when_a_session_moves_or_is_cancelled() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let start = now_ms() + 3 * DAY;
    let (s, v) = api(
        &mgr,
        Method::POST,
        "/api/v1/training",
        Some(
            json!({"title": "Prise en main", "starts_local": paris(start),
            "ends_local": paris(start + HOUR), "time_zone": "Europe/Paris", "capacity": 5}),
        ),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["ids"][0].as_str().unwrap().to_string();
    for b in [&bob, &carol] {
        let (s, v) = api(
            b,
            Method::POST,
            &format!("/api/v1/training/{id}/register"),
            None,
        )
        .await;
        assert!(s < 300, "{v}");
    }
    // Carol takes event news in the app only.
    let (s, v) = api(
        &carol,
        Method::PUT,
        "/api/v1/account/notification-preferences",
        Some(json!({"channels": {"events": "app"}, "digest": {"frequency": "off", "weekday": 0, "hour": 8, "time_zone": ""}})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let kinds = |user| {
        let db = app.db.clone();
        async move {
            let mut kinds: Vec<String> = db
                .notifications(user, 50)
                .await
                .unwrap()
                .into_iter()
                .map(|n| n.kind)
                .collect();
            kinds.sort();
            kinds
        }
    };
    let link = format!("/training/{id}");
    let mails = |who: &'static str| {
        let link = link.clone();
        let app = &app;
        async move {
            app.outbox_to(who)
                .await
                .iter()
                .filter(|m| m.contains(&link))
                .count()
        }
    };

    // Renamed only: nobody is disturbed.
    let (s, v) = api(
        &mgr,
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        Some(json!({"description": "Apportez votre téléphone."})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(kinds(bob_id).await.is_empty());

    // Moved an hour later: both are told in the app, Bob by e-mail too.
    let (s, v) = api(
        &mgr,
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        Some(json!({"starts_local": paris(start + HOUR), "ends_local": paris(start + 2 * HOUR)})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["starts_local"], paris(start + HOUR));
    assert_eq!(kinds(bob_id).await, ["event_changed"]);
    assert_eq!(kinds(carol_id).await, ["event_changed"]);
    assert_eq!(mails("bob@acme.test").await, 1);
    assert_eq!(mails("carol@acme.test").await, 0, "she chose the app");

    // Cancelled: told again; the session says so, and registering is refused.
    let (s, v) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/events/{id}/cancel"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert!(!v["cancelled_at"].is_null());
    assert_eq!(kinds(bob_id).await, ["event_cancelled", "event_changed"]);
    assert_eq!(kinds(carol_id).await, ["event_cancelled", "event_changed"]);
    assert_eq!(mails("bob@acme.test").await, 2);
    let (s, _) = api(
        &carol,
        Method::DELETE,
        &format!("/api/v1/training/{id}/register"),
        None,
    )
    .await;
    assert!(s < 500);
    let (_, html) = bob.get_text(&format!("/training/{id}")).await;
    assert!(html.contains("id=\"cancelled-notice\""));
}
