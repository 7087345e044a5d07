//! Events (issue 4): in a sphere or organization-wide, RSVP with capacity, visibility through
//! every path (pages, API, ICS, calendar feed, reminders), ICS parsed with a real iCalendar
//! parser, the personal calendar feed (token only, regenerate, deactivation) and bad input.
use chrono::{Datelike, TimeZone, Timelike, Utc};
use embarq_domain::UserId;
use embarq_domain::recurrence::{ms_to_local, parse_zone};
use embarq_domain::{Id, SphereId, SphereRole};
use embarq_store::now_ms;
use embarq_testkit::{Browser, TestApp, last_as, last_id, spawn_app};
use icalendar::{CalendarDateTime, Component, DatePerhapsTime, EventLike};
use reqwest::Method;
use serde_json::{Value, json};

const HOUR: i64 = 3600 * 1000;
const DAY: i64 = 24 * HOUR;

fn paris(ms: i64) -> String {
    ms_to_local(parse_zone("Europe/Paris").unwrap(), ms)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

async fn api(b: &Browser, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut r = b
        .client
        .request(method, b.url(path))
        .header("x-csrf-token", &b.csrf)
        .header("accept-language", "en");
    if let Some(j) = body {
        r = r.json(&j);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post_en(b: &Browser, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let mut all: Vec<(&str, &str)> = vec![("_csrf", b.csrf.as_str())];
    all.extend_from_slice(fields);
    let r = b
        .client
        .post(b.url(path))
        .header("accept-language", "en")
        .form(&all)
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

async fn create_sphere(b: &Browser, name: &str, kind: &str) -> SphereId {
    last_as(
        &b.post_redirect("/spheres", &[("name", name), ("kind", kind)])
            .await,
    )
}

/// The fields of a valid event starting at `start` (one hour long).
fn fields(title: &str, start: i64) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_string()),
        (
            "description",
            "Bring **shoes**<script>alert(1)</script>".into(),
        ),
        ("starts_at", paris(start)),
        ("ends_at", paris(start + HOUR)),
        ("time_zone", "Europe/Paris".into()),
        ("place", "Parc de la Tête d'Or".into()),
    ]
}

fn with(
    mut f: Vec<(&'static str, String)>,
    k: &'static str,
    v: &str,
) -> Vec<(&'static str, String)> {
    f.retain(|(n, _)| *n != k);
    f.push((k, v.to_string()));
    f
}

fn borrow<'a>(f: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    f.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

fn parse_ics(text: &str) -> icalendar::Calendar {
    text.parse::<icalendar::Calendar>()
        .unwrap_or_else(|e| panic!("invalid iCalendar: {e}\n{text}"))
}

fn utc_of(d: Option<DatePerhapsTime>) -> chrono::DateTime<Utc> {
    match d {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(t))) => t,
        other => panic!("expected a UTC date-time, got {other:?}"),
    }
}

#[tokio::test]
async fn sphere_events_rsvp_capacity_and_visibility() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let (_, dave) = app.member(org, "dave@acme.test", "Dave").await;
    let (_, eve) = app.member(org, "eve@acme.test", "Eve").await;

    // An open sphere: Bob administers it, Carol joins; Dave and Eve are not members.
    let club = create_sphere(&bob, "Running club", "open").await;
    carol
        .post_redirect(&format!("/spheres/{club}/join"), &[])
        .await;
    let start = now_ms() + 3 * DAY;
    let base = fields("Sunday run", start);

    // Non-members cannot create events there; members can.
    let (s, _) = post_en(&dave, &format!("/spheres/{club}/events"), &borrow(&base)).await;
    assert_eq!(s, 403);
    let tab = carol.get_text(&format!("/spheres/{club}/events")).await.1;
    assert!(tab.contains(&format!("action=\"/spheres/{club}/events\"")));
    assert!(tab.contains("aria-current=\"page\""));

    // Bad input: clear field errors, nothing created.
    let cases: Vec<(Vec<(&'static str, String)>, &str)> = vec![
        (
            with(base.clone(), "ends_at", &paris(start - HOUR)),
            "must be after the start",
        ),
        (
            with(base.clone(), "time_zone", "Mars/Olympus"),
            "not a known time zone",
        ),
        (
            with(base.clone(), "capacity", "0"),
            "out of the allowed range",
        ),
        (
            with(base.clone(), "capacity", "200000"),
            "out of the allowed range",
        ),
        (with(base.clone(), "capacity", "lots"), "must be a number"),
        (
            with(base.clone(), "starts_at", "tomorrow"),
            "not a date and time",
        ),
        (
            with(
                with(base.clone(), "video_room", "1"),
                "video_url",
                "https://meet.example/x",
            ),
            "not both",
        ),
    ];
    for (f, message) in cases {
        let (s, html) = post_en(&carol, &format!("/spheres/{club}/events"), &borrow(&f)).await;
        assert_eq!(s, 422, "{message}");
        assert!(html.contains(message), "expected {message:?}");
    }
    let (_, v) = api(
        &carol,
        Method::GET,
        &format!("/api/v1/events?sphere_id={club}"),
        None,
    )
    .await;
    assert_eq!(v["upcoming"].as_array().unwrap().len(), 0);

    // Carol creates the event: capacity 1, a video room.
    let f = with(with(base.clone(), "capacity", "1"), "video_room", "1");
    let page = carol
        .post_redirect(&format!("/spheres/{club}/events"), &borrow(&f))
        .await;
    assert!(page.starts_with("/agenda/"), "{page}");
    let id = last_id(&page);

    // Dave can read the open sphere, so he sees the event and its video room.
    let html = dave.get_text(&page).await.1;
    assert!(html.contains("Sunday run") && html.contains("<strong>shoes</strong>"));
    assert!(!html.contains("<script>alert"));
    assert!(html.contains(&format!("href=\"/video/event/{id}\"")));
    assert!(html.contains(&format!("/agenda/{id}/ics")));
    assert!(dave.get_text("/agenda").await.1.contains("Sunday run"));

    // Dave takes the only seat; Eve is told it is full, may answer "maybe".
    assert_eq!(
        dave.post_redirect(&format!("{page}/rsvp"), &[("response", "going")])
            .await,
        page
    );
    let (s, html) = post_en(&eve, &format!("{page}/rsvp"), &[("response", "going")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("This event is full"), "{html}");
    let (s, v) = api(
        &eve,
        Method::POST,
        &format!("/api/v1/events/{id}/rsvp"),
        Some(json!({"response": "going"})),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("event_full")));
    let (s, v) = api(
        &eve,
        Method::POST,
        &format!("/api/v1/events/{id}/rsvp"),
        Some(json!({"response": "maybe"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (
            v["my_response"].as_str(),
            v["going_count"].as_i64(),
            v["maybe_count"].as_i64(),
            v["seats_left"].as_i64()
        ),
        (Some("maybe"), Some(1), Some(1), Some(0))
    );
    let (s, v) = api(
        &eve,
        Method::POST,
        &format!("/api/v1/events/{id}/rsvp"),
        Some(json!({"response": "yes please"})),
    )
    .await;
    assert_eq!((s, v["errors"][0]["field"].as_str()), (422, Some("rsvp")));

    // Dave declines: the seat frees up and Eve gets it.
    dave.post_redirect(&format!("{page}/rsvp"), &[("response", "not_going")])
        .await;
    let (s, v) = api(
        &eve,
        Method::POST,
        &format!("/api/v1/events/{id}/rsvp"),
        Some(json!({"response": "going"})),
    )
    .await;
    assert_eq!((s, v["my_response"].as_str()), (200, Some("going")));

    // Participants: viewers see who is going or maybe (no e-mails, not the "not going");
    // the organizer sees everyone with e-mails.
    let (s, v) = api(
        &dave,
        Method::GET,
        &format!("/api/v1/events/{id}/registrants"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["display_name"], "Eve");
    assert!(list[0]["email"].is_null());
    let (_, v) = api(
        &carol,
        Method::GET,
        &format!("/api/v1/events/{id}/registrants"),
        None,
    )
    .await;
    let mut answers: Vec<(String, String)> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["email"].as_str().unwrap().to_string(),
                p["response"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    answers.sort();
    assert_eq!(
        answers,
        [
            ("dave@acme.test".to_string(), "not_going".to_string()),
            ("eve@acme.test".to_string(), "going".to_string())
        ]
    );
    let html = carol.get_text(&page).await.1;
    assert!(html.contains("dave@acme.test") && html.contains("eve@acme.test"));

    // A secret sphere's event: invisible to non-members everywhere, managers included.
    let secret = create_sphere(&bob, "Board", "secret").await;
    app.db
        .add_sphere_member(secret, carol_id, SphereRole::Member)
        .await
        .unwrap();
    let (s, v) = api(
        &carol,
        Method::POST,
        "/api/v1/events",
        Some(json!({"sphere_id": secret, "title": "Secret offsite", "starts_local": paris(start), "ends_local": paris(start + 2 * HOUR), "time_zone": "Europe/Paris"})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let hidden: Id = serde_json::from_value(v["id"].clone()).unwrap();
    for outsider in [&dave, &mgr] {
        assert_eq!(
            outsider.get(&format!("/agenda/{hidden}")).await.status(),
            404
        );
        assert_eq!(
            outsider
                .get(&format!("/agenda/{hidden}/ics"))
                .await
                .status(),
            404
        );
        assert_eq!(
            outsider
                .get(&format!("/spheres/{secret}/events"))
                .await
                .status(),
            404
        );
        let (s, _) = api(
            outsider,
            Method::GET,
            &format!("/api/v1/events/{hidden}"),
            None,
        )
        .await;
        assert_eq!(s, 404);
        let (s, _) = api(
            outsider,
            Method::POST,
            &format!("/api/v1/events/{hidden}/rsvp"),
            Some(json!({"response": "going"})),
        )
        .await;
        assert_eq!(s, 404);
        let (s, _) = api(
            outsider,
            Method::GET,
            &format!("/api/v1/events/{hidden}/registrants"),
            None,
        )
        .await;
        assert_eq!(s, 404);
        let (s, _) = api(
            outsider,
            Method::GET,
            &format!("/api/v1/events?sphere_id={secret}"),
            None,
        )
        .await;
        assert_eq!(s, 404);
        let r = outsider
            .post_form(&format!("/agenda/{hidden}/rsvp"), &[("response", "going")])
            .await;
        assert_eq!(r.status(), 404);
        assert!(
            !outsider
                .get_text("/agenda")
                .await
                .1
                .contains("Secret offsite")
        );
        let (_, v) = api(outsider, Method::GET, "/api/v1/events", None).await;
        assert!(!v.to_string().contains("Secret offsite"));
        let (s, _) = api(
            outsider,
            Method::POST,
            "/api/v1/events",
            Some(json!({"sphere_id": secret, "title": "x", "starts_local": paris(start), "ends_local": paris(start + HOUR)})),
        )
        .await;
        assert_eq!(s, 404);
    }
    assert!(carol.get_text("/agenda").await.1.contains("Secret offsite"));

    // A closed sphere's events are for its members: the sphere is visible, its agenda is not.
    let closed = create_sphere(&bob, "Managers' corner", "closed").await;
    let (s, v) = api(
        &bob,
        Method::POST,
        "/api/v1/events",
        Some(json!({"sphere_id": closed, "title": "Closed meeting", "starts_local": paris(start), "ends_local": paris(start + HOUR)})),
    )
    .await;
    assert_eq!(s, 201);
    let closed_event = v["id"].as_str().unwrap().to_string();
    assert_eq!(
        dave.get(&format!("/spheres/{closed}/events"))
            .await
            .status(),
        403
    );
    assert_eq!(
        dave.get(&format!("/agenda/{closed_event}")).await.status(),
        404
    );

    // Organization-wide events are the managers'.
    let org_fields = fields("All hands", start + DAY);
    let (s, _) = post_en(&bob, "/agenda", &borrow(&org_fields)).await;
    assert_eq!(s, 403);
    let org_page = mgr.post_redirect("/agenda", &borrow(&org_fields)).await;
    assert!(org_page.starts_with("/agenda/"));
    let agenda = dave.get_text("/agenda").await.1;
    assert!(agenda.contains("All hands") && agenda.contains("Sunday run"));
    assert!(!agenda.contains("Closed meeting"));
    let (s, html) = post_en(
        &mgr,
        "/agenda",
        &borrow(&with(org_fields, "ends_at", "2020-01-01T00:00")),
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("must be after the start"));
}

#[tokio::test]
async fn ics_and_personal_calendar_feed() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol").await;

    // Two events at 10:00 in Paris: next January (UTC+1) and next July (UTC+2).
    let year = Utc::now().year() + 1;
    let mut ids = Vec::new();
    for (title, date) in [
        ("Winter kickoff", format!("{year}-01-12")),
        ("Summer party", format!("{year}-07-06")),
    ] {
        let (s, v) = api(
            &mgr,
            Method::POST,
            "/api/v1/events",
            Some(
                json!({"title": title, "description": "Agenda: *welcome*, news; questions",
                "starts_local": format!("{date}T10:00"), "ends_local": format!("{date}T11:30"),
                "time_zone": "Europe/Paris", "place": "Lyon, salle 2"}),
            ),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let (winter, summer) = (&ids[0], &ids[1]);

    // One event's file, parsed by a real iCalendar parser.
    let r = bob.get(&format!("/agenda/{summer}/ics")).await;
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = r.text().await.unwrap();
    let cal = parse_ics(&text);
    let evs: Vec<&icalendar::Event> = cal.events().collect();
    assert_eq!(evs.len(), 1);
    let e = evs[0];
    assert_eq!(e.get_summary(), Some("Summer party"));
    assert_eq!(e.get_location(), Some("Lyon, salle 2"));
    assert!(e.get_url().unwrap().ends_with(&format!("/agenda/{summer}")));
    assert!(
        e.get_description()
            .unwrap()
            .contains("Agenda: *welcome*, news; questions")
    );
    assert!(e.get_timestamp().is_some(), "DTSTAMP");
    assert_eq!(e.get_sequence(), Some(0));
    let uid = e.get_uid().unwrap().to_string();
    assert!(uid.starts_with(summer.as_str()));
    let start = utc_of(e.get_start());
    assert_eq!(
        start,
        Utc.with_ymd_and_hms(year, 7, 6, 8, 0, 0).unwrap(),
        "10:00 CEST is 08:00 UTC"
    );
    assert_eq!(
        utc_of(e.get_end()),
        Utc.with_ymd_and_hms(year, 7, 6, 9, 30, 0).unwrap()
    );
    let paris_tz = parse_zone("Europe/Paris").unwrap();
    assert_eq!(start.with_timezone(&paris_tz).hour(), 10);
    // The same UID on every download; the API serves the same file.
    let (_, again) = bob.get_text(&format!("/agenda/{summer}/ics")).await;
    assert_eq!(
        parse_ics(&again).events().next().unwrap().get_uid(),
        Some(uid.as_str())
    );
    let r = bob
        .client
        .get(bob.url(&format!("/api/v1/events/{winter}/ics")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let cal = parse_ics(&r.text().await.unwrap());
    let w = cal.events().next().unwrap();
    let wstart = utc_of(w.get_start());
    assert_eq!(
        wstart,
        Utc.with_ymd_and_hms(year, 1, 12, 9, 0, 0).unwrap(),
        "10:00 CET is 09:00 UTC"
    );
    assert_eq!(wstart.with_timezone(&paris_tz).hour(), 10);

    // No feed yet; Bob makes one and reads its URL (shown once).
    let re = regex::Regex::new(r"https?://[^/]+(/calendar/[A-Za-z0-9_-]{40,}\.ics)").unwrap();
    let html = bob.get_text("/agenda").await.1;
    assert!(!re.is_match(&html));
    let html = bob
        .post_form("/agenda/calendar", &[])
        .await
        .text()
        .await
        .unwrap();
    let feed = re.captures(&html).expect("feed URL on the page")[1].to_string();
    assert!(
        !bob.get_text("/agenda").await.1.contains(&feed),
        "shown once"
    );
    let anon = app.browser();
    let (s, body) = get_feed(&anon, feed.clone()).await;
    assert_eq!(s, 200);
    assert_eq!(parse_ics(&body).events().count(), 0, "nothing answered yet");

    // Bob answers: going to one, maybe to the other; a secret sphere's event too.
    for (id, answer) in [(summer, "going"), (winter, "maybe")] {
        let (s, _) = api(
            &bob,
            Method::POST,
            &format!("/api/v1/events/{id}/rsvp"),
            Some(json!({"response": answer})),
        )
        .await;
        assert_eq!(s, 200);
    }
    let secret = create_sphere(&carol, "Board", "secret").await;
    app.db
        .add_sphere_member(secret, bob_id, SphereRole::Member)
        .await
        .unwrap();
    let (_, v) = api(
        &carol,
        Method::POST,
        "/api/v1/events",
        Some(json!({"sphere_id": secret, "title": "Board dinner", "starts_local": format!("{year}-03-03T19:00"), "ends_local": format!("{year}-03-03T22:00"), "video_room": true})),
    )
    .await;
    let dinner = v["id"].as_str().unwrap().to_string();
    let (s, _) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/events/{dinner}/rsvp"),
        Some(json!({"response": "going"})),
    )
    .await;
    assert_eq!(s, 200);
    let titles = |body: &str| -> Vec<String> {
        parse_ics(body)
            .events()
            .map(|e| e.get_summary().unwrap().to_string())
            .collect()
    };
    let (_, body) = get_feed(&anon, feed.clone()).await;
    assert_eq!(
        titles(&body),
        ["Winter kickoff", "Board dinner", "Summer party"]
    );
    let cal = parse_ics(&body);
    let d = cal
        .events()
        .find(|e| e.get_summary() == Some("Board dinner"))
        .unwrap();
    assert!(
        d.get_location()
            .unwrap()
            .ends_with(&format!("/video/event/{dinner}"))
    );
    // Declining removes it from the feed.
    let (s, _) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/events/{winter}/rsvp"),
        Some(json!({"response": "not_going"})),
    )
    .await;
    assert_eq!(s, 200);
    let (_, body) = get_feed(&anon, feed.clone()).await;
    assert_eq!(titles(&body), ["Board dinner", "Summer party"]);
    // Removed from the secret sphere: its event leaves the feed.
    app.db
        .remove_sphere_member(secret, bob_id, &Default::default())
        .await
        .unwrap();
    let (_, body) = get_feed(&anon, feed.clone()).await;
    assert_eq!(titles(&body), ["Summer party"]);
    assert!(!body.contains("Board"));

    // Regenerating kills the old URL; bad tokens are plain 404s.
    let html = bob
        .post_form("/agenda/calendar", &[])
        .await
        .text()
        .await
        .unwrap();
    let feed2 = re.captures(&html).unwrap()[1].to_string();
    assert_ne!(feed, feed2);
    assert_eq!(get_feed(&anon, feed.clone()).await.0, 404);
    assert_eq!(get_feed(&anon, feed2.clone()).await.0, 200);
    assert_eq!(get_feed(&anon, "/calendar/short.ics".into()).await.0, 404);
    assert_eq!(
        get_feed(&anon, feed2.trim_end_matches(".ics").to_string())
            .await
            .0,
        404
    );
    // Through the API.
    let (s, v) = api(&carol, Method::POST, "/api/v1/calendar-feed", None).await;
    assert_eq!(s, 201);
    let carol_feed = v["url"].as_str().unwrap().to_string();
    let carol_path = carol_feed[carol_feed.find("/calendar/").unwrap()..].to_string();
    let (_, body) = get_feed(&anon, carol_path.clone()).await;
    assert_eq!(
        parse_ics(&body).events().count(),
        0,
        "Carol answered nothing"
    );
    let (_, v) = api(&carol, Method::GET, "/api/v1/calendar-feed", None).await;
    assert_eq!(
        (v["active"].as_bool(), v["url"].is_null()),
        (Some(true), true)
    );
    let (s, _) = api(&carol, Method::DELETE, "/api/v1/calendar-feed", None).await;
    assert_eq!(s, 204);
    assert_eq!(get_feed(&anon, carol_path).await.0, 404);
    let _ = carol_id;

    // A deactivated person's feed stops.
    app.db
        .deactivate_user(org, bob_id, &Default::default())
        .await
        .unwrap();
    assert_eq!(get_feed(&anon, feed2).await.0, 404);
}

/// Fetches a calendar feed without any session: status and body.
async fn get_feed(anon: &Browser, path: String) -> (u16, String) {
    let r = anon.get(&path).await;
    let s = r.status().as_u16();
    (s, r.text().await.unwrap())
}

#[tokio::test]
async fn event_reminders_go_out_once_to_those_who_answered() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let (dave_id, dave) = app.member(org, "dave@acme.test", "Dave").await;
    let start = now_ms() + 2 * DAY;
    let (s, v) = api(
        &mgr,
        Method::POST,
        "/api/v1/events",
        Some(json!({"title": "Quarterly meeting", "starts_local": paris(start), "ends_local": paris(start + HOUR), "video_room": true})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    for (b, answer) in [(&bob, "going"), (&carol, "maybe"), (&dave, "not_going")] {
        let (s, _) = api(
            b,
            Method::POST,
            &format!("/api/v1/events/{id}/rsvp"),
            Some(json!({"response": answer})),
        )
        .await;
        assert_eq!(s, 200);
    }
    // A secret sphere's event: Eve answered, then left the sphere: no reminder for her.
    let (eve_id, eve) = app.member(org, "eve@acme.test", "Eve").await;
    let secret = create_sphere(&carol, "Board", "secret").await;
    app.db
        .add_sphere_member(secret, eve_id, SphereRole::Member)
        .await
        .unwrap();
    let (_, v) = api(
        &carol,
        Method::POST,
        "/api/v1/events",
        Some(json!({"sphere_id": secret, "title": "Board call", "starts_local": paris(start), "ends_local": paris(start + HOUR)})),
    )
    .await;
    let board = v["id"].as_str().unwrap().to_string();
    let (s, _) = api(
        &eve,
        Method::POST,
        &format!("/api/v1/events/{board}/rsvp"),
        Some(json!({"response": "going"})),
    )
    .await;
    assert_eq!(s, 200);
    app.db
        .remove_sphere_member(secret, eve_id, &Default::default())
        .await
        .unwrap();

    let (_, ev) = api(&mgr, Method::GET, &format!("/api/v1/events/{id}"), None).await;
    let starts_at = embarq_testkit::instant(&ev["starts_at"]);
    let r = embarq_web::jobs::run_due(&app.state, now_ms()).await;
    assert_eq!(r.count("training_reminders"), 0, "too early");
    let at = starts_at - DAY + 60_000;
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&app.state, at),
        embarq_web::jobs::run_due(&app.state, at)
    );
    // Bob and Carol (Eve's claim is spent without a message).
    assert_eq!(
        a.count("training_reminders") + b.count("training_reminders"),
        2
    );
    let r = embarq_web::jobs::run_due(&app.state, at + HOUR).await;
    assert_eq!(r.count("training_reminders"), 0, "sent once");
    for uid in [bob_id, carol_id] {
        let n = app.db.notifications(uid, 50).await.unwrap();
        let rem: Vec<_> = n.iter().filter(|n| n.kind == "event_reminder").collect();
        assert_eq!(rem.len(), 1);
        assert_eq!(
            rem[0].link.as_deref(),
            Some(format!("/agenda/{id}").as_str())
        );
    }
    assert!(
        bob.get_in("/notifications", "en")
            .await
            .contains(&format!("href=\"/agenda/{id}\""))
    );
    for uid in [dave_id, eve_id] {
        let n = app.db.notifications(uid, 50).await.unwrap();
        assert!(n.iter().all(|n| n.kind != "event_reminder"));
    }
    let mails = app.outbox_to("bob@acme.test").await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("Quarterly meeting") && mails[0].contains(&format!("/agenda/{id}")));
    assert!(mails[0].contains(&format!("/video/event/{id}")));
    assert_eq!(app.outbox_to("carol@acme.test").await.len(), 1);
    assert!(app.outbox_to("dave@acme.test").await.is_empty());
    assert!(app.outbox_to("eve@acme.test").await.is_empty());
}

#[tokio::test]
async fn events_api_and_bad_input() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let start = now_ms() + 5 * DAY;
    let ok = json!({"title": "Town hall", "starts_local": paris(start), "ends_local": paris(start + HOUR), "time_zone": "Europe/Paris", "capacity": 50});
    let bad = |k: &str, v: Value| {
        let mut b = ok.clone();
        b[k] = v;
        b
    };
    for (body, field) in [
        (
            bad("ends_local", json!(paris(start - HOUR))),
            "training_ends_at",
        ),
        (
            bad("time_zone", json!("Nowhere/City")),
            "training_time_zone",
        ),
        (bad("capacity", json!(0)), "training_capacity"),
        (bad("capacity", json!(1_000_000_000)), "training_capacity"),
        (
            bad("starts_local", json!("next week")),
            "training_starts_at",
        ),
        (bad("title", json!("   ")), "training_title"),
        (
            bad("video_url", json!("javascript:alert(1)")),
            "training_video_url",
        ),
    ] {
        let (s, v) = api(&mgr, Method::POST, "/api/v1/events", Some(body)).await;
        assert_eq!(s, 422, "{field}: {v}");
        let fields: Vec<&str> = v["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert!(fields.contains(&field), "{field}: {v}");
        assert!(
            v["errors"][0]["message"]
                .as_str()
                .is_some_and(|m| !m.is_empty()),
            "{v}"
        );
    }
    let (s, _) = api(
        &mgr,
        Method::POST,
        "/api/v1/events",
        Some(json!({"title": 3})),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = api(
        &mgr,
        Method::POST,
        "/api/v1/events",
        Some(bad("sphere_id", json!(uuid::Uuid::now_v7()))),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = api(&bob, Method::POST, "/api/v1/events", Some(ok.clone())).await;
    assert_eq!(s, 403, "organization-wide events are the managers'");
    let (_, v) = api(&mgr, Method::GET, "/api/v1/events", None).await;
    assert_eq!(
        v["upcoming"].as_array().unwrap().len(),
        0,
        "nothing half-created"
    );

    let (s, v) = api(&mgr, Method::POST, "/api/v1/events", Some(ok.clone())).await;
    assert_eq!(s, 201);
    let id = v["id"].as_str().unwrap().to_string();
    let (s, v) = api(&bob, Method::GET, &format!("/api/v1/events/{id}"), None).await;
    assert_eq!(s, 200);
    assert_eq!(v["starts_local"], json!(paris(start)));
    assert_eq!(
        (v["capacity"].as_i64(), v["seats_left"].as_i64()),
        (Some(50), Some(50))
    );
    assert_eq!(v["page_path"], json!(format!("/agenda/{id}")));
    assert_eq!(v["ics_path"], json!(format!("/agenda/{id}/ics")));
    assert!(v["sphere_id"].is_null() && v["my_response"].is_null());
    let (s, v) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/events/{id}/rsvp"),
        Some(json!({"response": "going"})),
    )
    .await;
    assert_eq!(
        (s, v["going_count"].as_i64(), v["seats_left"].as_i64()),
        (200, Some(1), Some(49))
    );
    let (_, v) = api(&bob, Method::GET, "/api/v1/events", None).await;
    assert_eq!(v["mine"][0]["id"], json!(id));
    for path in [
        format!("/api/v1/events/{}", uuid::Uuid::now_v7()),
        "/api/v1/events/not-an-id".into(),
        format!("/api/v1/events/{}/ics", uuid::Uuid::now_v7()),
    ] {
        let (s, _) = api(&bob, Method::GET, &path, None).await;
        assert_eq!(s, 404, "{path}");
    }
    let (s, _) = api(&bob, Method::GET, "/api/v1/events?sphere_id=nope", None).await;
    assert_eq!(s, 422);
    assert_eq!(bob.get("/agenda/not-an-id").await.status(), 404);
    // An answer is required.
    let (s, v) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/events/{id}/rsvp"),
        Some(json!({})),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    // French messages.
    let r = mgr
        .client
        .post(mgr.url("/agenda"))
        .header("accept-language", "fr")
        .form(&[
            ("_csrf", mgr.csrf.as_str()),
            ("title", "x"),
            ("starts_at", &paris(start)),
            ("ends_at", &paris(start - HOUR)),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("doit être après le début"), "{html}");
    // The OpenAPI document lists the routes.
    let (_, doc) = api(&bob, Method::GET, "/api/openapi.json", None).await;
    for p in [
        "/api/v1/events",
        "/api/v1/events/{id}/rsvp",
        "/api/v1/events/{id}/ics",
        "/api/v1/calendar-feed",
    ] {
        assert!(doc["paths"][p].is_object(), "{p} undocumented");
    }
}

/// The one VEVENT of an event's ICS file (fetched with the viewer's session).
async fn ics_event(b: &Browser, id: &str) -> icalendar::Event {
    let r = b.get(&format!("/agenda/{id}/ics")).await;
    assert_eq!(r.status(), 200);
    let cal = parse_ics(&r.text().await.unwrap());
    cal.events().next().expect("one VEVENT").clone()
}

async fn kinds_of(app: &TestApp, uid: UserId) -> Vec<(String, Option<String>)> {
    app.db
        .notifications(uid, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|n| (n.kind, n.link))
        .collect()
}

#[tokio::test]
async fn event_edit_by_organizer_validated_and_sequenced() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (_, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let (dave_id, dave) = app.member(org, "dave@acme.test", "Dave").await;
    let (eve_id, eve) = app.member(org, "eve@acme.test", "Eve").await;

    // Carol (a plain member) organizes an event in an open sphere Bob administers.
    let club = create_sphere(&bob, "Running club", "open").await;
    carol
        .post_redirect(&format!("/spheres/{club}/join"), &[])
        .await;
    let start = now_ms() + 3 * DAY;
    let base = with(fields("Sunday run", start), "capacity", "5");
    let page = carol
        .post_redirect(&format!("/spheres/{club}/events"), &borrow(&base))
        .await;
    let id = last_id(&page).to_string();
    for (b, answer) in [(&bob, "going"), (&eve, "going"), (&dave, "not_going")] {
        assert_eq!(
            b.post_redirect(&format!("{page}/rsvp"), &[("response", answer)])
                .await,
            page
        );
    }
    let before = ics_event(&bob, &id).await;
    assert_eq!(before.get_sequence(), Some(0));
    assert_eq!(before.property_value("STATUS"), Some("CONFIRMED"));
    let created_lm = before.get_last_modified().unwrap();

    // The organizer sees the edit form; a plain reader neither sees it nor may edit.
    assert!(
        carol
            .get_text(&page)
            .await
            .1
            .contains(&format!("action=\"{page}/edit\""))
    );
    assert!(
        !dave
            .get_text(&page)
            .await
            .1
            .contains(&format!("{page}/edit"))
    );
    let renamed = with(base.clone(), "title", "Hijacked");
    let (s, _) = post_en(&dave, &format!("{page}/edit"), &borrow(&renamed)).await;
    assert_eq!(s, 403);
    let (s, _) = api(
        &dave,
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        Some(json!({"title": "Hijacked"})),
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = post_en(&dave, &format!("{page}/cancel"), &[]).await;
    assert_eq!(s, 403);

    // End before start: a clear field error, the submitted values kept, nothing changed.
    let bad = with(
        with(base.clone(), "title", "Moved run"),
        "ends_at",
        &paris(start - HOUR),
    );
    let (s, html) = post_en(&carol, &format!("{page}/edit"), &borrow(&bad)).await;
    assert_eq!(s, 422);
    assert!(html.contains("must be after the start"), "{html}");
    assert!(html.contains("value=\"Moved run\""));
    // Capacity below the two people going: refused with the number, nothing changed.
    let small = with(with(base.clone(), "title", "Moved run"), "capacity", "1");
    let (s, html) = post_en(&carol, &format!("{page}/edit"), &borrow(&small)).await;
    assert_eq!(s, 422);
    assert!(
        html.contains("cannot be below the 2 people already going"),
        "{html}"
    );
    let (s, v) = api(
        &carol,
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        Some(json!({"capacity": 1, "title": "Moved run"})),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    assert_eq!(v["errors"][0]["field"].as_str(), Some("training_capacity"));
    let (s, v) = api(
        &carol,
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        Some(json!({"ends_local": "soon"})),
    )
    .await;
    assert_eq!(s, 422, "{v}");
    let (_, v) = api(&carol, Method::GET, &format!("/api/v1/events/{id}"), None).await;
    assert_eq!(v["title"], "Sunday run");
    assert_eq!(v["capacity"], 5);
    assert_eq!(v["sequence"], 0);
    assert!(v["updated_at"].is_null());
    assert!(app.db.notifications(bob_id, 50).await.unwrap().is_empty());

    // The organizer moves the event a day later and renames it.
    let moved = with(
        with(
            with(base.clone(), "title", "Moved run"),
            "starts_at",
            &paris(start + DAY),
        ),
        "ends_at",
        &paris(start + DAY + 2 * HOUR),
    );
    assert_eq!(
        carol
            .post_redirect(&format!("{page}/edit"), &borrow(&moved))
            .await,
        page
    );
    let after = ics_event(&bob, &id).await;
    assert_eq!(after.get_summary(), Some("Moved run"));
    assert_eq!(after.get_sequence(), Some(1));
    assert_eq!(after.get_uid(), before.get_uid());
    assert!(after.get_last_modified().unwrap() >= created_lm);
    assert_eq!(
        utc_of(after.get_start()).timestamp_millis() / 60_000,
        (start + DAY) / 60_000
    );
    // Those going (Bob, Eve) are told, with a link; Dave (not going) is not.
    for uid in [bob_id, eve_id] {
        let n = kinds_of(&app, uid).await;
        assert_eq!(
            n,
            vec![("event_changed".to_string(), Some(page.clone()))],
            "{uid}"
        );
    }
    assert!(kinds_of(&app, dave_id).await.is_empty());
    assert!(
        bob.get_in("/notifications", "en")
            .await
            .contains("changed the time or place")
    );

    // A capacity-only change (API) is not a calendar change: SEQUENCE stays, nobody is told.
    let (s, v) = api(
        &carol,
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        Some(json!({"capacity": 2})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(
        (v["capacity"].as_i64(), v["sequence"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(v["title"], "Moved run");
    assert_eq!(kinds_of(&app, bob_id).await.len(), 1);
    // The sphere's administrator (Bob) and an organization manager may edit too.
    let (s, v) = api(
        &bob,
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        Some(json!({"place": "Stade"})),
    )
    .await;
    assert_eq!((s, v["sequence"].as_i64()), (200, Some(2)), "{v}");
    let (s, v) = api(
        &mgr,
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        Some(json!({"capacity": null})),
    )
    .await;
    assert_eq!((s, v["capacity"].is_null()), (200, true), "{v}");
    assert_eq!(ics_event(&eve, &id).await.get_sequence(), Some(2));
    assert_eq!(ics_event(&eve, &id).await.get_location(), Some("Stade"));
}

#[tokio::test]
async fn event_cancel_closes_answers_feeds_and_reminders() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let (dave_id, dave) = app.member(org, "dave@acme.test", "Dave").await;
    let start = now_ms() + 2 * DAY;
    let (s, v) = api(
        &mgr,
        Method::POST,
        "/api/v1/events",
        Some(json!({"title": "Town hall", "starts_local": paris(start), "ends_local": paris(start + HOUR)})),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let id = v["id"].as_str().unwrap().to_string();
    let page = format!("/agenda/{id}");
    for (b, answer) in [(&bob, "going"), (&carol, "maybe"), (&dave, "not_going")] {
        let (s, _) = api(
            b,
            Method::POST,
            &format!("/api/v1/events/{id}/rsvp"),
            Some(json!({"response": answer})),
        )
        .await;
        assert_eq!(s, 200);
    }
    let (s, v) = api(&bob, Method::POST, "/api/v1/calendar-feed", None).await;
    assert_eq!(s, 201);
    let url = v["url"].as_str().unwrap();
    let feed = url[url.find("/calendar/").unwrap()..].to_string();
    let anon = app.browser();

    // The manager sees the cancel button (behind a confirmation); a member may not cancel.
    let html = mgr.get_in(&page, "en").await;
    assert!(
        html.contains(&format!("action=\"{page}/cancel\""))
            && html.contains("Cancel this event for everyone?")
    );
    let (s, _) = api(
        &dave,
        Method::POST,
        &format!("/api/v1/events/{id}/cancel"),
        None,
    )
    .await;
    assert_eq!(s, 403);
    assert_eq!(
        mgr.post_redirect(&format!("{page}/cancel"), &[]).await,
        page
    );

    // Still visible, tagged; answers refused with a clear message.
    let html = bob.get_in(&page, "en").await;
    assert!(html.contains("tag cancelled") && html.contains("This event was cancelled"));
    assert!(!html.contains(&format!("action=\"{page}/rsvp\"")));
    assert!(bob.get_in("/agenda", "en").await.contains("tag cancelled"));
    let (s, html) = post_en(&dave, &format!("{page}/rsvp"), &[("response", "going")]).await;
    assert_eq!(s, 422);
    assert!(html.contains("This event was cancelled"), "{html}");
    let (s, v) = api(
        &dave,
        Method::POST,
        &format!("/api/v1/events/{id}/rsvp"),
        Some(json!({"response": "maybe"})),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("event_cancelled")));
    // Editing a cancelled event is refused; cancelling twice is harmless.
    let (s, v) = api(
        &mgr,
        Method::PATCH,
        &format!("/api/v1/events/{id}"),
        Some(json!({"title": "Back on"})),
    )
    .await;
    assert_eq!((s, v["code"].as_str()), (422, Some("event_cancelled")));
    let (s, v) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/events/{id}/cancel"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    embarq_testkit::instant(&v["cancelled_at"]);

    // ICS and the personal feed carry STATUS:CANCELLED with a new SEQUENCE.
    let e = ics_event(&bob, &id).await;
    assert_eq!(e.property_value("STATUS"), Some("CANCELLED"));
    assert_eq!(e.get_sequence(), Some(1));
    let (s, body) = get_feed(&anon, feed).await;
    assert_eq!(s, 200);
    let cal = parse_ics(&body);
    let fe: Vec<&icalendar::Event> = cal.events().collect();
    assert_eq!(fe.len(), 1);
    assert_eq!(fe[0].property_value("STATUS"), Some("CANCELLED"));
    assert_eq!(fe[0].get_uid(), e.get_uid());

    // Going and maybe are notified (link to the event), not those not going.
    for uid in [bob_id, carol_id] {
        assert_eq!(
            kinds_of(&app, uid).await,
            vec![("event_cancelled".to_string(), Some(page.clone()))]
        );
    }
    assert!(kinds_of(&app, dave_id).await.is_empty());

    // No reminder for a cancelled event.
    let r = embarq_web::jobs::run_due(&app.state, start - DAY + 60_000).await;
    assert_eq!(r.count("training_reminders"), 0);
    for uid in [bob_id, carol_id] {
        assert!(
            kinds_of(&app, uid)
                .await
                .iter()
                .all(|(k, _)| k != "event_reminder")
        );
    }
    // A secret sphere's event: Eve answered then left the sphere: she is not told of the
    // cancellation (nothing of the sphere reaches her).
    let (eve_id, eve) = app.member(org, "eve@acme.test", "Eve").await;
    let secret = create_sphere(&carol, "Board", "secret").await;
    app.db
        .add_sphere_member(secret, eve_id, SphereRole::Member)
        .await
        .unwrap();
    let (_, v) = api(
        &carol,
        Method::POST,
        "/api/v1/events",
        Some(json!({"sphere_id": secret, "title": "Board call", "starts_local": paris(start), "ends_local": paris(start + HOUR)})),
    )
    .await;
    let board = v["id"].as_str().unwrap().to_string();
    let (s, _) = api(
        &eve,
        Method::POST,
        &format!("/api/v1/events/{board}/rsvp"),
        Some(json!({"response": "going"})),
    )
    .await;
    assert_eq!(s, 200);
    app.db
        .remove_sphere_member(secret, eve_id, &Default::default())
        .await
        .unwrap();
    let (s, _) = api(
        &eve,
        Method::POST,
        &format!("/api/v1/events/{board}/cancel"),
        None,
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = api(
        &carol,
        Method::POST,
        &format!("/api/v1/events/{board}/cancel"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert!(kinds_of(&app, eve_id).await.is_empty());
    assert!(
        app.outbox_to("bob@acme.test")
            .await
            .iter()
            .all(|m| !m.contains("Reminder: "))
    );
}

#[tokio::test]
async fn training_session_edit_and_cancel() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let start = now_ms() + 5 * DAY;
    let f = with(
        with(fields("Copilot basics", start), "kind", "training"),
        "audience",
        "all",
    );
    let page = mgr.post_redirect("/training", &borrow(&f)).await;
    assert!(page.starts_with("/training/"), "{page}");
    assert_eq!(
        bob.post_redirect(&format!("{page}/register"), &[]).await,
        page
    );
    assert!(
        mgr.get_text(&page)
            .await
            .1
            .contains(&format!("action=\"{page}/edit\""))
    );
    // Bob may not edit; the organizer moves the session: Bob is told.
    let moved = with(
        with(f.clone(), "starts_at", &paris(start + HOUR)),
        "ends_at",
        &paris(start + 2 * HOUR),
    );
    let (s, _) = post_en(&bob, &format!("{page}/edit"), &borrow(&moved)).await;
    assert_eq!(s, 403);
    assert_eq!(
        mgr.post_redirect(&format!("{page}/edit"), &borrow(&moved))
            .await,
        page
    );
    let (s, html) = post_en(
        &mgr,
        &format!("{page}/edit"),
        &borrow(&with(moved.clone(), "capacity", "0")),
    )
    .await;
    assert_eq!(s, 422);
    assert!(html.contains("out of the allowed range"));
    assert_eq!(
        mgr.post_redirect(&format!("{page}/cancel"), &[]).await,
        page
    );
    let n = kinds_of(&app, bob_id).await;
    let kinds: Vec<&str> = n.iter().map(|(k, _)| k.as_str()).collect();
    assert!(
        kinds.contains(&"event_changed") && kinds.contains(&"event_cancelled"),
        "{kinds:?}"
    );
    assert!(
        n.iter()
            .all(|(_, l)| l.as_deref() == Some(page.as_str()) || l.is_none())
    );
    // Registration is closed with a clear message; the page shows the tag.
    let (s, html) = post_en(&bob, &format!("{page}/unregister"), &[]).await;
    assert!(s == 303 || s == 422, "{s}");
    let (s, html2) = post_en(&bob, &format!("{page}/register"), &[]).await;
    assert_eq!(s, 422, "{html}");
    assert!(html2.contains("This session was cancelled"));
    assert!(
        bob.get_in("/training", "en")
            .await
            .contains("tag cancelled")
    );
}
