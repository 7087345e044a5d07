//! Video meetings: who may open a sphere's or an event's room (secret spheres answer 404),
//! the signalling WebSocket (same-origin only, relay between peers, also across two server
//! processes, a ninth participant refused), the external provider's redirect and the
//! validation of its URL template.
use embarq_testkit::{Browser, PASSWORD, TestApp, api, csrf_from, spawn_app};
use futures::{SinkExt, StreamExt};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn sphere(b: &Browser, name: &str, kind: &str) -> String {
    let (s, v) = api(
        b,
        Method::POST,
        "/api/v1/spheres",
        Some(json!({ "name": name, "kind": kind })),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    v["id"].as_str().unwrap().to_string()
}

/// Posts a form as a browser set to `lang` would.
async fn post_in(
    b: &Browser,
    path: &str,
    fields: &[(&str, &str)],
    lang: &str,
) -> reqwest::Response {
    let mut all: Vec<(&str, &str)> = vec![("_csrf", b.csrf.as_str())];
    all.extend_from_slice(fields);
    b.client
        .post(b.url(path))
        .header("accept-language", lang)
        .form(&all)
        .send()
        .await
        .unwrap()
}

/// Signs in with a plain client and returns the session cookie (`embarq_session=...`).
async fn session_cookie(base: &str, email: &str) -> String {
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = c.get(format!("{base}/login")).send().await.unwrap();
    let pre = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with("embarq_csrf="))
        .unwrap();
    let token = csrf_from(&r.text().await.unwrap()).unwrap();
    let r = c
        .post(format!("{base}/login"))
        .header("cookie", &pre)
        .form(&[
            ("_csrf", token.as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "login of {email}");
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
        .find(|c| c.starts_with("embarq_session="))
        .unwrap()
}

/// Opens the room's WebSocket; `Err(status)` when the server refuses the upgrade.
async fn connect(
    base: &str,
    room: &str,
    cookie: Option<&str>,
    origin: Option<&str>,
) -> Result<Ws, u16> {
    let url = format!(
        "{}/video/rooms/{room}/ws",
        base.replacen("http://", "ws://", 1)
    );
    let mut req = url.into_client_request().unwrap();
    if let Some(c) = cookie {
        req.headers_mut().insert("cookie", c.parse().unwrap());
    }
    if let Some(o) = origin {
        req.headers_mut().insert("origin", o.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((ws, _)) => Ok(ws),
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => Err(r.status().as_u16()),
        Err(e) => panic!("websocket error: {e}"),
    }
}

/// The next JSON message (pings skipped); panics after 10 s.
async fn next(ws: &mut Ws) -> Value {
    loop {
        let m = tokio::time::timeout(Duration::from_secs(10), ws.next())
            .await
            .expect("no message within 10 s")
            .expect("socket ended")
            .expect("socket error");
        match m {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Close(f) => {
                return json!({ "closed": f.map(|f| u16::from(f.code)).unwrap_or(0) });
            }
            _ => continue,
        }
    }
}

async fn send(ws: &mut Ws, v: Value) {
    ws.send(Message::text(v.to_string())).await.unwrap();
}

/// Connects with the right origin and joins; returns the socket and the welcome message.
async fn join(base: &str, room: &str, cookie: &str) -> (Ws, Value) {
    let mut ws = connect(base, room, Some(cookie), Some(base)).await.unwrap();
    send(&mut ws, json!({ "type": "join" })).await;
    let w = next(&mut ws).await;
    (ws, w)
}

/// The room id of a sphere, as the API gives it.
async fn room_of(b: &Browser, sphere_id: &str) -> String {
    let (s, v) = api(
        b,
        Method::GET,
        &format!("/api/v1/video/spheres/{sphere_id}"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{v}");
    v["room_id"].as_str().unwrap().to_string()
}

struct Org {
    app: TestApp,
    mgr: Browser,
    org: embarq_domain::OrgId,
}

async fn org() -> Org {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    Org { app, mgr, org }
}

#[tokio::test]
async fn room_access_follows_sphere_and_event_visibility() {
    let Org { app, mgr, org } = org().await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob Member").await;
    let open = sphere(&mgr, "Open floor", "open").await;
    let closed = sphere(&mgr, "Board", "closed").await;
    let secret = sphere(&mgr, "Skunkworks", "secret").await;

    // The manager (member of all three) opens each room; the page carries the WebSocket.
    for id in [&open, &closed, &secret] {
        let (s, html) = mgr.get_text(&format!("/video/sphere/{id}")).await;
        assert_eq!(s, 200);
        assert!(html.contains("id=\"video-room\"") && html.contains("/video/rooms/"));
    }
    // Bob reads the open sphere: its room is his too (English and French).
    let (s, html) = bob.get_text(&format!("/video/sphere/{open}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Join the meeting") || html.contains("Rejoindre la réunion"));
    assert!(
        bob.get_in(&format!("/video/sphere/{open}"), "fr")
            .await
            .contains("Rejoindre la réunion")
    );
    // A closed sphere he is not in: visible, but not its meeting.
    assert_eq!(
        bob.get(&format!("/video/sphere/{closed}")).await.status(),
        403
    );
    // A secret sphere: nothing exists for him, through the page, the API and the socket.
    assert_eq!(
        bob.get(&format!("/video/sphere/{secret}")).await.status(),
        404
    );
    let (s, _) = api(
        &bob,
        Method::GET,
        &format!("/api/v1/video/spheres/{secret}"),
        None,
    )
    .await;
    assert_eq!(s, 404);
    let secret_room = room_of(&mgr, &secret).await;
    let bob_cookie = session_cookie(&app.base, "bob@acme.test").await;
    assert_eq!(
        connect(&app.base, &secret_room, Some(&bob_cookie), Some(&app.base))
            .await
            .err(),
        Some(404)
    );
    // Nor for another organization, nor for an unknown or malformed id.
    app.other_org("Globex", "gina@globex.test").await;
    let gina = app.login("gina@globex.test").await;
    assert_eq!(
        gina.get(&format!("/video/sphere/{open}")).await.status(),
        404
    );
    let open_room = room_of(&mgr, &open).await;
    let gina_cookie = session_cookie(&app.base, "gina@globex.test").await;
    assert_eq!(
        connect(&app.base, &open_room, Some(&gina_cookie), Some(&app.base))
            .await
            .err(),
        Some(404)
    );
    assert_eq!(
        bob.get(&format!("/video/sphere/{}", uuid::Uuid::now_v7()))
            .await
            .status(),
        404
    );
    assert_eq!(bob.get("/video/sphere/not-an-id").await.status(), 404);
    // Signed out: to the sign-in page; no socket.
    let anon = app.browser();
    let r = anon.get(&format!("/video/sphere/{open}")).await;
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
    assert!(
        connect(&app.base, &open_room, None, Some(&app.base))
            .await
            .is_err()
    );

    // The same room every time, whoever opens it.
    assert_eq!(room_of(&bob, &open).await, open_room);
    let (s, v) = api(
        &bob,
        Method::GET,
        &format!("/api/v1/video/spheres/{open}"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["provider"], "builtin");
    assert_eq!(v["max_participants"], 8);
    assert_eq!(v["participants"], 0);
    assert_eq!(
        v["ice_servers"],
        json!([]),
        "no STUN server by default: works offline"
    );
    assert_eq!(v["url"], format!("{}/video/sphere/{open}", app.base));
    assert!(v["websocket_url"].as_str().unwrap().starts_with("ws://"));

    // Events: a session open to everyone has a room for everyone; a champions-only one
    // does not exist for a plain member.
    let start = embarq_store::now_ms() + 3 * 24 * 3600 * 1000;
    let local = |ms: i64| {
        embarq_domain::recurrence::ms_to_local(
            embarq_domain::recurrence::parse_zone("Europe/Paris").unwrap(),
            ms,
        )
        .format("%Y-%m-%dT%H:%M")
        .to_string()
    };
    let mut ids = Vec::new();
    for audience in ["all", "champions"] {
        let (s, v) = api(
            &mgr,
            Method::POST,
            "/api/v1/training",
            Some(json!({ "title": format!("Kick-off {audience}"), "audience": audience,
                "starts_local": local(start), "ends_local": local(start + 3600 * 1000), "time_zone": "Europe/Paris" })),
        )
        .await;
        assert_eq!(s, 201, "{v}");
        ids.push(v["ids"][0].as_str().unwrap().to_string());
    }
    let (s, html) = bob.get_text(&format!("/video/event/{}", ids[0])).await;
    assert_eq!(s, 200);
    assert!(html.contains("Kick-off all"));
    let (s, v) = api(
        &bob,
        Method::GET,
        &format!("/api/v1/video/events/{}", ids[0]),
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(v["url"], format!("{}/video/event/{}", app.base, ids[0]));
    assert_eq!(
        bob.get(&format!("/video/event/{}", ids[1])).await.status(),
        404
    );
    let (s, _) = api(
        &bob,
        Method::GET,
        &format!("/api/v1/video/events/{}", ids[1]),
        None,
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(
        mgr.get(&format!("/video/event/{}", ids[1])).await.status(),
        200
    );

    // An event of the secret sphere, with its video room: invisible to non-members too.
    let (s, v) = api(
        &mgr,
        Method::POST,
        "/api/v1/events",
        Some(json!({ "sphere_id": secret, "title": "Secret sync", "video_room": true,
            "starts_local": local(start), "ends_local": local(start + 3600 * 1000), "time_zone": "Europe/Paris" })),
    )
    .await;
    assert_eq!(s, 201, "{v}");
    let secret_event = v["id"].as_str().unwrap().to_string();
    let (s, html) = mgr.get_text(&format!("/video/event/{secret_event}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("Secret sync") && html.contains(&format!("/agenda/{secret_event}")));
    assert_eq!(
        bob.get(&format!("/video/event/{secret_event}"))
            .await
            .status(),
        404
    );
    let (s, v) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/video/events/{secret_event}"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let event_room = v["room_id"].as_str().unwrap().to_string();
    let (s, _) = api(
        &bob,
        Method::GET,
        &format!("/api/v1/video/events/{secret_event}"),
        None,
    )
    .await;
    assert_eq!(s, 404);
    assert_eq!(
        connect(&app.base, &event_room, Some(&bob_cookie), Some(&app.base))
            .await
            .err(),
        Some(404)
    );
}

#[tokio::test]
async fn websocket_only_from_our_own_origin() {
    let Org { app, mgr, .. } = org().await;
    let open = sphere(&mgr, "Open floor", "open").await;
    let room = room_of(&mgr, &open).await;
    let cookie = session_cookie(&app.base, "alice@acme.test").await;
    // Cross-site WebSocket hijacking: the cookie comes along, the origin gives it away.
    assert_eq!(
        connect(
            &app.base,
            &room,
            Some(&cookie),
            Some("https://evil.example")
        )
        .await
        .err(),
        Some(403)
    );
    assert_eq!(
        connect(&app.base, &room, Some(&cookie), Some("null"))
            .await
            .err(),
        Some(403)
    );
    assert_eq!(
        connect(&app.base, &room, Some(&cookie), None).await.err(),
        Some(403)
    );
    // Our own origin is welcome.
    let (mut ws, w) = join(&app.base, &room, &cookie).await;
    assert_eq!(w["type"], "welcome");
    assert_eq!(w["peers"], json!([]));
    // A socket that talks nonsense is told so, not dropped.
    ws.send(Message::text("not json")).await.unwrap();
    assert_eq!(next(&mut ws).await["code"], "bad_message");
    // A plain GET (no upgrade) is a clear refusal, not a crash.
    let r = mgr.get(&format!("/video/rooms/{room}/ws")).await;
    assert!(r.status().is_client_error(), "{}", r.status());
}

#[tokio::test]
async fn signalling_is_relayed_between_peers_across_processes() {
    let Org { app, mgr, org } = org().await;
    app.member(org, "bob@acme.test", "Bob Member").await;
    let open = sphere(&mgr, "Open floor", "open").await;
    let room = room_of(&mgr, &open).await;
    // Alice is served by this process, Bob by a second server on the same database.
    let peer = app.spawn_peer().await;
    let alice_cookie = session_cookie(&app.base, "alice@acme.test").await;
    let bob_cookie = session_cookie(&peer.base, "bob@acme.test").await;

    // On PostgreSQL, the cross-process wake-up is a NOTIFY carrying the room id.
    let mut notified = embarq_store::dialect::listen_video(&app.db)
        .await
        .unwrap()
        .map(Box::pin);

    let (mut a, wa) = join(&app.base, &room, &alice_cookie).await;
    assert_eq!(wa["type"], "welcome");
    let alice = wa["peer"].as_str().unwrap().to_string();
    let (mut b, wb) = join(&peer.base, &room, &bob_cookie).await;
    assert_eq!(wb["type"], "welcome");
    let bob = wb["peer"].as_str().unwrap().to_string();
    assert_eq!(
        wb["peers"],
        json!([{ "peer": alice, "name": "Alice Manager" }])
    );
    assert_eq!(wb["max"], 8);

    // Alice hears Bob arrive, then his offer (the sender is set by the server).
    let j = next(&mut a).await;
    assert_eq!(
        (j["type"].as_str(), j["from"].as_str(), j["name"].as_str()),
        (Some("join"), Some(bob.as_str()), Some("Bob Member"))
    );
    if let Some(s) = notified.as_mut() {
        let got = tokio::time::timeout(Duration::from_secs(10), s.next())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(got.to_string(), room);
    }
    let sdp = "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n";
    send(&mut b, json!({ "type": "offer", "to": alice, "from": "forged", "sdp": { "type": "offer", "sdp": sdp } })).await;
    let o = next(&mut a).await;
    assert_eq!(o["type"], "offer");
    assert_eq!(o["from"], bob.as_str());
    assert_eq!(o["sdp"]["sdp"], sdp);
    send(
        &mut a,
        json!({ "type": "answer", "to": bob, "sdp": { "type": "answer", "sdp": sdp } }),
    )
    .await;
    let an = next(&mut b).await;
    assert_eq!(
        (an["type"].as_str(), an["from"].as_str()),
        (Some("answer"), Some(alice.as_str()))
    );
    let cand = json!({ "candidate": "candidate:1 1 udp 2122260223 192.0.2.2 50000 typ host", "sdpMid": "0", "sdpMLineIndex": 0 });
    send(
        &mut a,
        json!({ "type": "ice", "to": bob, "candidate": cand }),
    )
    .await;
    let ice = next(&mut b).await;
    assert_eq!(ice["type"], "ice");
    assert_eq!(ice["candidate"]["candidate"], cand["candidate"]);
    assert_eq!(ice["from"], alice.as_str());
    // Messages to someone not in the room go nowhere; the room counts two people.
    send(&mut a, json!({ "type": "offer", "to": uuid::Uuid::now_v7(), "sdp": { "type": "offer", "sdp": sdp } })).await;
    let (_, v) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/video/spheres/{open}"),
        None,
    )
    .await;
    assert_eq!(v["participants"], 2);

    // Bob leaves: Alice is told, and the room counts one.
    send(&mut b, json!({ "type": "leave" })).await;
    let l = next(&mut a).await;
    assert_eq!(
        (l["type"].as_str(), l["from"].as_str()),
        (Some("leave"), Some(bob.as_str()))
    );
    let (_, v) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/video/spheres/{open}"),
        None,
    )
    .await;
    assert_eq!(v["participants"], 1);
    // A socket simply dropped leaves too.
    drop(a);
    let mut left = false;
    for _ in 0..50 {
        let (_, v) = api(
            &mgr,
            Method::GET,
            &format!("/api/v1/video/spheres/{open}"),
            None,
        )
        .await;
        if v["participants"] == 0 {
            left = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(left, "a closed socket must leave the room");
}

#[tokio::test]
async fn a_ninth_participant_is_refused() {
    let Org { app, mgr, org } = org().await;
    let open = sphere(&mgr, "All hands", "open").await;
    let room = room_of(&mgr, &open).await;
    let mut cookies = vec![session_cookie(&app.base, "alice@acme.test").await];
    for i in 1..=8 {
        let email = format!("m{i}@acme.test");
        app.member(org, &email, &format!("Member {i}")).await;
        cookies.push(session_cookie(&app.base, &email).await);
    }
    let mut inside = Vec::new();
    for (i, c) in cookies.iter().take(8).enumerate() {
        let (ws, w) = join(&app.base, &room, c).await;
        assert_eq!(w["type"], "welcome", "participant {}", i + 1);
        assert_eq!(w["peers"].as_array().unwrap().len(), i);
        inside.push(ws);
    }
    // The ninth is told the room is full, and the socket closes with 4008.
    let (mut ninth, w) = join(&app.base, &room, &cookies[8]).await;
    assert_eq!(w, json!({ "type": "full", "max": 8 }));
    assert_eq!(next(&mut ninth).await["closed"], 4008);
    // The page explains it in the visitor's language.
    let (_, html) = mgr.get_text(&format!("/video/sphere/{open}")).await;
    assert!(
        html.contains("8 of 8") || html.contains("8 place(s) prise(s) sur 8"),
        "{html}"
    );
    // When someone leaves, there is room again.
    let mut first = inside.remove(0);
    send(&mut first, json!({ "type": "leave" })).await;
    let mut ok = false;
    for _ in 0..50 {
        let (mut ws, w) = join(&app.base, &room, &cookies[8]).await;
        if w["type"] == "welcome" {
            assert_eq!(w["peers"].as_array().unwrap().len(), 7);
            ok = true;
            let _ = ws.close(None).await;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(ok, "a freed place must be taken");
}

#[tokio::test]
async fn an_external_provider_takes_over_with_a_valid_template() {
    let Org { app, mgr, org } = org().await;
    let (_, bob) = app.member(org, "bob@acme.test", "Zoé L'Été").await;
    let open = sphere(&mgr, "Open floor", "open").await;
    let secret = sphere(&mgr, "Skunkworks", "secret").await;
    let room = room_of(&mgr, &open).await;

    // Only managers choose the provider.
    assert_eq!(bob.get("/admin/video").await.status(), 403);
    let (s, _) = api(
        &bob,
        Method::PUT,
        "/api/v1/video/settings",
        Some(json!({ "provider": "external", "url_template": "https://meet.jit.si/{room}" })),
    )
    .await;
    assert_eq!(s, 403);
    let (s, v) = api(&mgr, Method::GET, "/api/v1/video/settings", None).await;
    assert_eq!((s, v["provider"].as_str()), (200, Some("builtin")));

    // Bad templates are refused with a clear, translated message; nothing is saved.
    let cases = [
        ("http://meet.jit.si/{room}", "https://"),
        ("https://meet.jit.si/fixed-room", "{room}"),
        ("https://meet.jit.si/{room}?t={token}", "between braces"),
        ("https://{room}.evil.example/", "fixed host name"),
        ("", "required"),
    ];
    for (t, msg) in cases {
        let r = post_in(
            &mgr,
            "/admin/video",
            &[("provider", "external"), ("url_template", t)],
            "en",
        )
        .await;
        assert_eq!(r.status(), 422, "{t}");
        let html = r.text().await.unwrap();
        assert!(html.contains(msg), "{t}: {html}");
        let (s, v) = api(
            &mgr,
            Method::PUT,
            "/api/v1/video/settings",
            Some(json!({ "provider": "external", "url_template": t })),
        )
        .await;
        assert_eq!(s, 422, "{t}");
        assert_eq!(v["errors"][0]["field"], "video_template", "{v}");
    }
    let r = post_in(
        &mgr,
        "/admin/video",
        &[("provider", "external"), ("url_template", "ftp://x/{room}")],
        "fr",
    )
    .await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("doit commencer par https://")
    );
    let (s, _) = api(
        &mgr,
        Method::PUT,
        "/api/v1/video/settings",
        Some(json!({ "provider": "teams" })),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(
        bob.get(&format!("/video/sphere/{open}")).await.status(),
        200,
        "still built-in"
    );

    // A valid template: rooms redirect there, with the stable room name and the visitor's
    // name and e-mail URL-encoded.
    let t = "https://meet.jit.si/embarq-{room}#userInfo.displayName={name}&userInfo.email={email}";
    let r = post_in(
        &mgr,
        "/admin/video",
        &[("provider", "external"), ("url_template", t)],
        "en",
    )
    .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("Video settings saved."));
    let (s, v) = api(&mgr, Method::GET, "/api/v1/video/settings", None).await;
    assert_eq!(
        (s, v["provider"].as_str(), v["url_template"].as_str()),
        (200, Some("external"), Some(t))
    );
    let slug: String = {
        let r = bob.get(&format!("/video/sphere/{open}")).await;
        assert_eq!(r.status(), 303);
        let to = r.headers()["location"].to_str().unwrap().to_string();
        let rest = to.strip_prefix("https://meet.jit.si/embarq-").expect(&to);
        let (slug, frag) = rest.split_once('#').unwrap();
        assert_eq!(
            frag,
            "userInfo.displayName=Zo%C3%A9%20L%27%C3%89t%C3%A9&userInfo.email=bob%40acme.test"
        );
        assert!(slug.len() >= 20 && slug.chars().all(|c| c.is_ascii_alphanumeric()));
        slug.to_string()
    };
    let r = mgr.get(&format!("/video/sphere/{open}")).await;
    let to = r.headers()["location"].to_str().unwrap().to_string();
    assert!(
        to.starts_with(&format!("https://meet.jit.si/embarq-{slug}#")),
        "same room for everyone: {to}"
    );
    let (s, v) = api(
        &bob,
        Method::GET,
        &format!("/api/v1/video/spheres/{open}"),
        None,
    )
    .await;
    assert_eq!((s, v["provider"].as_str()), (200, Some("external")));
    assert!(v["url"].as_str().unwrap().contains(&slug));
    assert!(v["websocket_url"].is_null());
    // Secret stays secret, and the built-in socket is closed.
    assert_eq!(
        bob.get(&format!("/video/sphere/{secret}")).await.status(),
        404
    );
    let cookie = session_cookie(&app.base, "bob@acme.test").await;
    assert_eq!(
        connect(&app.base, &room, Some(&cookie), Some(&app.base))
            .await
            .err(),
        Some(422)
    );
    // Back to built-in: the template is kept for later.
    mgr.post_form(
        "/admin/video",
        &[("provider", "builtin"), ("url_template", t)],
    )
    .await;
    assert_eq!(
        bob.get(&format!("/video/sphere/{open}")).await.status(),
        200
    );
    let (_, v) = api(&mgr, Method::GET, "/api/v1/video/settings", None).await;
    assert_eq!(
        (v["provider"].as_str(), v["url_template"].as_str()),
        (Some("builtin"), Some(t))
    );
}

#[tokio::test]
async fn concurrent_joins_never_exceed_eight() {
    let Org { app, mgr, .. } = org().await;
    let open = sphere(&mgr, "Rush hour", "open").await;
    let room = room_of(&mgr, &open).await;
    let cookie = session_cookie(&app.base, "alice@acme.test").await;
    // Twelve tabs (half through a second server process) knock at the same moment.
    let peer = app.spawn_peer().await;
    let bases: Vec<String> = (0..12)
        .map(|i| {
            if i % 2 == 0 {
                app.base.clone()
            } else {
                peer.base.clone()
            }
        })
        .collect();
    let joins = bases.iter().map(|b| join(b, &room, &cookie));
    let results = futures::future::join_all(joins).await;
    let welcomed = results
        .iter()
        .filter(|(_, w)| w["type"] == "welcome")
        .count();
    let refused = results.iter().filter(|(_, w)| w["type"] == "full").count();
    assert_eq!((welcomed, refused), (8, 4));
    let (_, v) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/video/spheres/{open}"),
        None,
    )
    .await;
    assert_eq!(v["participants"], 8);
}
