//! The whole way in over the JSON API, with no form and no scraped CSRF token: first-run
//! setup, signing in and out (throttled), accepting an invitation, the profile photo, and
//! "launch now" / "open early access now". Also the API's one style of time.
use embarq_domain::rollout::DAY_MS;
use embarq_store::now_ms;
use embarq_testkit::{PASSWORD, TestApp, instant, spawn_app};
use reqwest::Method;
use serde_json::{Value, json};

/// Calls the API with `token` as Bearer (none: anonymous), without cookies or CSRF token.
async fn call(
    app: &TestApp,
    token: Option<&str>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = reqwest::Client::new().request(method, format!("{}/api/v1{path}", app.base));
    if let Some(t) = token {
        r = r.bearer_auth(t);
    }
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

/// First-run setup over the API, as `name` <`email`> of `org`.
async fn set_up(app: &TestApp, org: &str, name: &str, email: &str, password: &str) -> (u16, Value) {
    let body = json!({"org_name": org, "display_name": name, "email": email, "password": password});
    call(app, None, Method::POST, "/setup", Some(body)).await
}

async fn setup(app: &TestApp) -> String {
    let (s, body) = set_up(app, "Acme", "Alice", "alice@acme.test", PASSWORD).await;
    assert_eq!(s, 201, "{body}");
    body["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn setup_sign_in_and_out_without_a_browser() {
    let app = spawn_app().await;
    // Bad input loses nothing: the server stays empty and can still be set up.
    let (s, body) = set_up(&app, "", "Alice", "nope", "short").await;
    assert_eq!(s, 422, "{body}");
    let fields: Vec<&str> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(
        fields.contains(&"org_name") && fields.contains(&"email") && fields.contains(&"password")
    );

    let before = now_ms();
    let (s, body) = set_up(&app, "Acme", "Alice", "alice@acme.test", PASSWORD).await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["user"]["role"], "manager");
    let ends = instant(&body["expires_at"]) - before;
    assert!(
        (11 * 3600 * 1000..=12 * 3600 * 1000 + 60_000).contains(&ends),
        "an API session lasts 12 hours, not a browser's 30 days: {ends}"
    );
    let first = body["token"].as_str().unwrap().to_string();
    let (s, me) = call(&app, Some(&first), Method::GET, "/me", None).await;
    assert_eq!((s, me["email"].as_str()), (200, Some("alice@acme.test")));

    // Once set up, never again.
    let (s, body) = set_up(&app, "Evil", "Eve", "eve@evil.test", PASSWORD).await;
    assert_eq!((s, body["code"].as_str()), (409, Some("already_set_up")));
    assert!(
        app.db
            .user_by_email("eve@evil.test")
            .await
            .unwrap()
            .is_none()
    );

    // Signing in: a wrong password is refused, the right one opens a session.
    let wrong = json!({"email": "alice@acme.test", "password": "not the password"});
    let (s, body) = call(&app, None, Method::POST, "/sessions", Some(wrong.clone())).await;
    assert_eq!((s, body["code"].as_str()), (422, Some("bad_credentials")));
    let (s, body) = call(
        &app,
        None,
        Method::POST,
        "/sessions",
        Some(json!({"email": "ALICE@acme.test", "password": PASSWORD})),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let token = body["token"].as_str().unwrap().to_string();
    // A change with the Bearer session needs no CSRF token.
    let (s, sphere) = call(
        &app,
        Some(&token),
        Method::POST,
        "/spheres",
        Some(json!({"name": "Scripted", "description": "", "kind": "open", "requires_approval": false})),
    )
    .await;
    assert_eq!(s, 201, "{sphere}");

    // Signing out ends that session only.
    let (s, _) = call(
        &app,
        Some(&token),
        Method::DELETE,
        "/sessions/current",
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (s, _) = call(&app, Some(&token), Method::GET, "/me", None).await;
    assert_eq!(s, 401);
    let (s, _) = call(&app, Some(&first), Method::GET, "/me", None).await;
    assert_eq!(s, 200);

    // Guessing is throttled like the sign-in page.
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(
            call(&app, None, Method::POST, "/sessions", Some(wrong.clone()))
                .await
                .0,
        );
    }
    assert!(statuses.contains(&429), "{statuses:?}");
    assert!(
        statuses.iter().all(|s| *s == 422 || *s == 429),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn anonymous_requests_need_json_to_skip_the_csrf_token() {
    let app = spawn_app().await;
    setup(&app).await;
    // A cross-site form can post url-encoded fields without a preflight: refused.
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/sessions", app.base))
        .form(&[("email", "alice@acme.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/sessions", app.base))
        .header("content-type", "text/plain")
        .body(json!({"email": "alice@acme.test", "password": PASSWORD}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn an_invitation_is_accepted_and_a_photo_uploaded_over_the_api() {
    let app = spawn_app().await;
    let alice = setup(&app).await;
    let (s, body) = call(
        &app,
        Some(&alice),
        Method::POST,
        "/members/invitations",
        Some(json!({"email": "bob@acme.test", "display_name": "Bob"})),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let link = app
        .mail_links("bob@acme.test")
        .await
        .pop()
        .expect("an invitation link");
    let secret = link.rsplit('/').next().unwrap();

    let (s, body) = call(
        &app,
        None,
        Method::POST,
        "/invitations/accept",
        Some(json!({"token": secret, "password": "short"})),
    )
    .await;
    assert_eq!(s, 422, "{body}");
    assert_eq!(body["errors"][0]["field"], "password");
    let (s, body) = call(
        &app,
        None,
        Method::POST,
        "/invitations/accept",
        Some(json!({"token": secret, "password": PASSWORD})),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(body["user"]["status"], "active");
    let bob = body["token"].as_str().unwrap().to_string();
    let (s, body) = call(
        &app,
        None,
        Method::POST,
        "/invitations/accept",
        Some(json!({"token": secret, "password": PASSWORD})),
    )
    .await;
    assert_eq!((s, body["code"].as_str()), (422, Some("link_expired")));

    // The photo is the request body; its type is read from the bytes.
    let put = |bytes: Vec<u8>, token: String| {
        let url = format!("{}/api/v1/me/photo", app.base);
        async move {
            let r = reqwest::Client::new()
                .put(url)
                .bearer_auth(token)
                .header("content-type", "image/png")
                .body(bytes)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };
    let (s, body) = put(b"<svg onload=alert(1)>".to_vec(), bob.clone()).await;
    assert_eq!(
        (s, body["errors"][0]["code"].as_str()),
        (422, Some("not_an_image"))
    );
    let (s, body) = put(tiny_png(), bob.clone()).await;
    assert_eq!(
        (s, body["has_photo"].as_bool()),
        (200, Some(true)),
        "{body}"
    );
    let (s, body) = put(vec![0xFF; 3 * 1024 * 1024], bob).await;
    assert_eq!(
        (s, body["errors"][0]["code"].as_str()),
        (422, Some("file_too_large"))
    );
}

/// Bytes that start as a PNG does.
fn tiny_png() -> Vec<u8> {
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend_from_slice(&[0; 16]);
    png
}

#[tokio::test]
async fn early_access_and_launch_can_start_now() {
    let app = spawn_app().await;
    let alice = setup(&app).await;
    let zone = "Europe/Paris";
    let local = |ms: i64| {
        let tz = embarq_domain::recurrence::parse_zone(zone).unwrap();
        embarq_domain::recurrence::ms_to_local(tz, ms)
            .format("%Y-%m-%dT%H:%M")
            .to_string()
    };
    // Without a plan there is nothing to start.
    let (s, _) = call(&app, Some(&alice), Method::POST, "/rollout/launch", None).await;
    assert_eq!(s, 404);

    // A launch 60 days away is too far for early access to start now.
    let far = local(now_ms() + 60 * DAY_MS);
    let (s, plan) = call(
        &app,
        Some(&alice),
        Method::PUT,
        "/rollout",
        Some(json!({"launch_local": far, "time_zone": zone, "early_access_days": 7})),
    )
    .await;
    assert_eq!(s, 200, "{plan}");
    assert_eq!(plan["plan"]["launch_local"], far.as_str());
    assert_eq!(plan["phase"], "preparation");
    let (s, body) = call(
        &app,
        Some(&alice),
        Method::POST,
        "/rollout/early-access",
        None,
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (422, Some("rollout_launch_too_far"))
    );

    // Twelve days away: early access opens now and lasts until the launch, which stays.
    let soon = local(now_ms() + 12 * DAY_MS);
    let (s, _) = call(
        &app,
        Some(&alice),
        Method::PUT,
        "/rollout",
        Some(
            json!({"launch_local": soon, "time_zone": zone, "early_access_days": 7,
            "announcement_title": "C'est parti", "announcement_md": "Bienvenue sur embarq."}),
        ),
    )
    .await;
    assert_eq!(s, 200);
    let (s, body) = call(
        &app,
        Some(&alice),
        Method::POST,
        "/rollout/early-access",
        None,
    )
    .await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["phase"], "early_access");
    assert_eq!(body["plan"]["launch_local"], soon.as_str());
    assert!([12, 13].contains(&body["plan"]["early_access_days"].as_i64().unwrap()));
    let (s, body) = call(
        &app,
        Some(&alice),
        Method::POST,
        "/rollout/early-access",
        None,
    )
    .await;
    assert_eq!(
        (s, body["code"].as_str()),
        (422, Some("rollout_early_access_open"))
    );

    // Launch now: the phase moves and the announcement is published at once.
    let before = now_ms();
    let (s, body) = call(&app, Some(&alice), Method::POST, "/rollout/launch", None).await;
    assert_eq!(s, 200, "{body}");
    assert_eq!(body["phase"], "launch");
    assert!(instant(&body["plan"]["launch_at"]) >= before);
    assert!(
        instant(&body["plan"]["announced_at"]) >= before,
        "announced at once, not at the next tick: {body}"
    );
    let (s, body) = call(&app, Some(&alice), Method::POST, "/rollout/launch", None).await;
    assert_eq!((s, body["code"].as_str()), (422, Some("rollout_launched")));

    // Both are in the audit log.
    let (s, audit) = call(
        &app,
        Some(&alice),
        Method::GET,
        "/audit?action=rollout.",
        None,
    )
    .await;
    assert_eq!(s, 200, "{audit}");
    let actions: Vec<&str> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert!(actions.contains(&"rollout.launch_now"), "{actions:?}");
    assert!(actions.contains(&"rollout.early_access_now"), "{actions:?}");
}

#[tokio::test]
async fn the_api_speaks_rfc_3339_for_instants_and_local_time_with_a_zone_for_schedules() {
    let app = spawn_app().await;
    let alice = setup(&app).await;
    // Contests take instants with any offset.
    let start = now_ms() + DAY_MS;
    let start_paris = chrono::DateTime::from_timestamp_millis(start)
        .unwrap()
        .with_timezone(&chrono::FixedOffset::east_opt(3600).unwrap())
        .to_rfc3339();
    let end = chrono::DateTime::from_timestamp_millis(start + 7 * DAY_MS)
        .unwrap()
        .to_rfc3339();
    let (s, body) = call(
        &app,
        Some(&alice),
        Method::POST,
        "/contests",
        Some(
            json!({"name": "Sites", "dimension": "site", "metric": "activation_rate",
            "starts_at": start_paris, "ends_at": end}),
        ),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    assert_eq!(instant(&body["starts_at"]), start);
    assert!(body["starts_at"].as_str().unwrap().ends_with('Z'));
    // Epoch milliseconds, the old style, are refused with a clear message.
    let (s, body) = call(
        &app,
        Some(&alice),
        Method::POST,
        "/contests",
        Some(
            json!({"name": "Old", "dimension": "site", "metric": "activation_rate",
            "starts_at": start, "ends_at": start + DAY_MS}),
        ),
    )
    .await;
    assert_eq!(s, 422, "{body}");

    // Training: local date-time plus zone in, the instant and the local time out.
    let (s, body) = call(
        &app,
        Some(&alice),
        Method::POST,
        "/training",
        Some(
            json!({"title": "Prise en main", "starts_local": "2030-03-31T14:00",
            "ends_local": "2030-03-31T15:00", "time_zone": "Europe/Paris"}),
        ),
    )
    .await;
    assert_eq!(s, 201, "{body}");
    let id = body["ids"][0].clone();
    let (s, all) = call(&app, Some(&alice), Method::GET, "/training", None).await;
    assert_eq!(s, 200, "{all}");
    let t = all["upcoming"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["id"] == id)
        .unwrap();
    assert_eq!(
        t["starts_at"], "2030-03-31T12:00:00.000Z",
        "summer time in Paris"
    );
    assert_eq!(t["starts_local"], "2030-03-31T14:00");
    assert_eq!(t["time_zone"], "Europe/Paris");
    // Every answer's instants are text: the member's own dates too.
    let (_, me) = call(&app, Some(&alice), Method::GET, "/me", None).await;
    instant(&me["created_at"]);
}
