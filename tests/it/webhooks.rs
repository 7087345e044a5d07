//! Webhooks: signed deliveries to a local receiver, retries with backoff, exactly once with
//! two processes, private addresses refused without the switch, managers only.
use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use embarq_store::now_ms;
use embarq_testkit::{Browser, TestApp, api, spawn_app, spawn_app_with};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use std::sync::atomic::{AtomicU16, Ordering};
use std::sync::{Arc, Mutex};

type Received = Arc<Mutex<Vec<(HeaderMap, String)>>>;

/// A tiny receiver on port 0: records every request, answers `status`.
struct Receiver {
    url: String,
    got: Received,
    status: Arc<AtomicU16>,
}

async fn receiver() -> Receiver {
    let got: Received = Arc::default();
    let status = Arc::new(AtomicU16::new(200));
    let (g, s) = (got.clone(), status.clone());
    let app = Router::new().route(
        "/hook",
        post(move |headers: HeaderMap, body: String| {
            let (g, s) = (g.clone(), s.clone());
            async move {
                g.lock().unwrap().push((headers, body));
                StatusCode::from_u16(s.load(Ordering::SeqCst)).unwrap()
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Receiver { url, got, status }
}

impl Receiver {
    fn count(&self) -> usize {
        self.got.lock().unwrap().len()
    }
    fn last(&self) -> (HeaderMap, String) {
        self.got.lock().unwrap().last().cloned().unwrap()
    }
}

/// An app whose deliveries wait for `jobs::run_due` at the instants the test chooses.
async fn allowing_app() -> TestApp {
    spawn_app_with(|c| {
        c.webhook_allow_private = true;
        c.run_scheduler = false;
    })
    .await
}

async fn subscribe(b: &Browser, url: &str, events: &[&str]) -> (String, String) {
    let (s, w) = api(
        b,
        Method::POST,
        "/api/v1/webhooks",
        Some(json!({"url": url, "events": events})),
    )
    .await;
    assert_eq!(s, 201, "{w}");
    (
        w["id"].as_str().unwrap().to_string(),
        w["secret"].as_str().unwrap().to_string(),
    )
}

fn verify(secret: &str, headers: &HeaderMap, body: &str) {
    let ts = headers["x-embarq-timestamp"].to_str().unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{ts}.{body}").as_bytes());
    let expected = format!("sha256={}", hex::encode(mac.finalize().into_bytes()));
    assert_eq!(headers["x-embarq-signature"].to_str().unwrap(), expected);
}

/// A suggestion by `b`, which `suggestion.created` subscribers hear of.
async fn suggest(b: &Browser, title: &str) {
    let (s, _) = api(
        b,
        Method::POST,
        "/api/v1/suggestions",
        Some(json!({"title": title, "body": "please"})),
    )
    .await;
    assert_eq!(s, 201);
}

async fn deliveries(b: &Browser, hook: &str) -> Vec<Value> {
    let (s, d) = api(
        b,
        Method::GET,
        &format!("/api/v1/webhooks/{hook}/deliveries"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    d.as_array().unwrap().clone()
}

#[tokio::test]
async fn events_reach_the_receiver_signed() {
    let app = allowing_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let rx = receiver().await;
    let (hook, secret) = subscribe(
        &mgr,
        &rx.url,
        &["suggestion.created", "member.invited", "post.created"],
    )
    .await;
    assert!(secret.starts_with("whsec_"));
    // The secret is shown once: the list does not carry it.
    let (_, list) = api(&mgr, Method::GET, "/api/v1/webhooks", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(!list.to_string().contains(&secret));

    suggest(&mgr, "Dark mode").await;
    // Written to the outbox, sent by the jobs task.
    assert_eq!(rx.count(), 0);
    let report = embarq_web::jobs::run_due(&app.state, now_ms()).await;
    assert_eq!(report.count("webhooks"), 1);
    assert_eq!(rx.count(), 1);
    let (h, body) = rx.last();
    verify(&secret, &h, &body);
    assert_eq!(h["x-embarq-event"], "suggestion.created");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["type"], "suggestion.created");
    assert_eq!(v["id"].as_str().unwrap(), h["x-embarq-delivery"]);
    assert_eq!(v["data"]["suggestion"]["title"], "Dark mode");
    assert!(
        v["created_at"].is_i64(),
        "webhook payloads keep epoch milliseconds"
    );

    // Nothing left: a second pass sends nothing.
    embarq_web::jobs::run_due(&app.state, now_ms()).await;
    assert_eq!(rx.count(), 1);

    // Posts in a secret sphere are never sent; in an open one they are.
    let secret_sphere = mgr.create_sphere("Board", "secret").await;
    let open_sphere = mgr.create_sphere("All hands", "open").await;
    for (sphere, text) in [(&secret_sphere, "hush"), (&open_sphere, "hello")] {
        let (s, p) = api(
            &mgr,
            Method::POST,
            &format!("/api/v1/spheres/{}/posts", embarq_testkit::last_id(sphere)),
            Some(json!({"body": text})),
        )
        .await;
        assert_eq!(s, 201, "{p}");
    }
    embarq_web::jobs::run_due(&app.state, now_ms()).await;
    assert_eq!(rx.count(), 2);
    let (h, body) = rx.last();
    verify(&secret, &h, &body);
    assert_eq!(h["x-embarq-event"], "post.created");
    assert!(body.contains("hello") && !body.contains("hush"));

    // Test ping, then the delivery log and "redeliver".
    let (s, q) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/webhooks/{hook}/ping"),
        None,
    )
    .await;
    assert_eq!(s, 202);
    embarq_web::jobs::run_due(&app.state, now_ms()).await;
    assert_eq!(rx.count(), 3);
    assert_eq!(rx.last().0["x-embarq-event"], "ping");
    let log = deliveries(&mgr, &hook).await;
    assert_eq!(log.len(), 3);
    assert!(log.iter().all(|d| d["status"] == "delivered"));
    assert!(log.iter().all(|d| d["last_status_code"] == 200));
    let ping_id = q["delivery_id"].as_str().unwrap();
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/webhooks/deliveries/{ping_id}/redeliver"),
        None,
    )
    .await;
    assert_eq!(s, 202);
    embarq_web::jobs::run_due(&app.state, now_ms()).await;
    assert_eq!(rx.count(), 4);
    assert_eq!(rx.last().0["x-embarq-delivery"], ping_id);

    // The admin page lists the subscription and its log.
    let (s, html) = mgr.get_text("/admin/webhooks").await;
    assert_eq!(s, 200);
    assert!(html.contains(&rx.url));
    let (s, html) = mgr.get_text(&format!("/admin/webhooks/{hook}")).await;
    assert_eq!(s, 200);
    assert!(html.contains("suggestion.created") && html.contains("200"));

    // Removing the subscription.
    let (s, _) = api(
        &mgr,
        Method::DELETE,
        &format!("/api/v1/webhooks/{hook}"),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let (_, list) = api(&mgr, Method::GET, "/api/v1/webhooks", None).await;
    assert_eq!(list.as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn a_failing_receiver_is_retried_with_backoff_then_given_up() {
    let app = allowing_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let rx = receiver().await;
    rx.status.store(500, Ordering::SeqCst);
    let (hook, secret) = subscribe(&mgr, &rx.url, &["suggestion.created"]).await;
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/webhooks/{hook}/ping"),
        None,
    )
    .await;
    assert_eq!(s, 202);
    let mut t = now_ms();
    let waits = [60_000, 300_000, 1_800_000, 7_200_000, 43_200_000];
    for (i, wait) in waits.iter().enumerate() {
        embarq_web::jobs::run_due(&app.state, t).await;
        assert_eq!(rx.count(), i + 1);
        let d = &deliveries(&mgr, &hook).await[0];
        assert_eq!(d["status"], "pending");
        assert_eq!(d["attempts"], (i + 1) as i64);
        assert_eq!(d["last_status_code"], 500);
        assert_eq!(embarq_testkit::instant(&d["next_attempt_at"]), t + wait);
        // Not before its time.
        embarq_web::jobs::run_due(&app.state, t + wait - 1000).await;
        assert_eq!(rx.count(), i + 1);
        t += wait;
    }
    // The sixth attempt fails for good.
    embarq_web::jobs::run_due(&app.state, t).await;
    assert_eq!(rx.count(), 6);
    let d = &deliveries(&mgr, &hook).await[0];
    assert_eq!(d["status"], "failed");
    embarq_web::jobs::run_due(&app.state, t + 100 * 3_600_000).await;
    assert_eq!(rx.count(), 6);
    // Every attempt was signed.
    let (h, body) = rx.last();
    verify(&secret, &h, &body);

    // The receiver is fixed; "redeliver" sends it again.
    rx.status.store(204, Ordering::SeqCst);
    let id = d["id"].as_str().unwrap();
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/webhooks/deliveries/{id}/redeliver"),
        None,
    )
    .await;
    assert_eq!(s, 202);
    embarq_web::jobs::run_due(&app.state, t + 200 * 3_600_000).await;
    assert_eq!(rx.count(), 7);
    let d = &deliveries(&mgr, &hook).await[0];
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["attempts"], 7);
}

#[tokio::test]
async fn two_processes_deliver_each_event_exactly_once() {
    let app = allowing_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let rx = receiver().await;
    let (hook, _) = subscribe(&mgr, &rx.url, &["suggestion.created"]).await;
    for _ in 0..20 {
        let (s, _) = api(
            &mgr,
            Method::POST,
            &format!("/api/v1/webhooks/{hook}/ping"),
            None,
        )
        .await;
        assert_eq!(s, 202);
    }
    let mut config = embarq_web::Config::new(&app.base, app.data_dir.clone());
    config.webhook_allow_private = true;
    let other = embarq_web::AppState::new(app.db.clone(), config).unwrap();
    let now = now_ms();
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&app.state, now),
        embarq_web::jobs::run_due(&other, now)
    );
    assert_eq!(a.count("webhooks") + b.count("webhooks"), 20);
    assert_eq!(rx.count(), 20);
    let mut ids: Vec<String> = rx
        .got
        .lock()
        .unwrap()
        .iter()
        .map(|(h, _)| h["x-embarq-delivery"].to_str().unwrap().to_string())
        .collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 20);
}

#[tokio::test]
async fn private_addresses_are_refused_without_the_switch() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    for url in [
        "https://127.0.0.1/hook",
        "https://localhost/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.1/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest",
        "https://100.64.0.1/hook",
        "https://0.0.0.0/hook",
        "https://224.0.0.1/hook",
        "https://[::1]/hook",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
    ] {
        let (s, p) = api(
            &mgr,
            Method::POST,
            "/api/v1/webhooks",
            Some(json!({"url": url, "events": ["post.created"]})),
        )
        .await;
        assert_eq!(s, 422, "{url}: {p}");
        assert_eq!(p["errors"][0]["field"], "url", "{url}");
    }
    // Plain http, nonsense and unknown events are refused too.
    for (url, events, field) in [
        ("http://hooks.example.com/x", json!(["post.created"]), "url"),
        ("not a url", json!(["post.created"]), "url"),
        ("https://hooks.example.com/x", json!(["nope"]), "events"),
        ("https://hooks.example.com/x", json!([]), "events"),
    ] {
        let (s, p) = api(
            &mgr,
            Method::POST,
            "/api/v1/webhooks",
            Some(json!({"url": url, "events": events})),
        )
        .await;
        assert_eq!(s, 422, "{url}: {p}");
        assert_eq!(p["errors"][0]["field"], field);
    }
    // A subscription whose name resolves to a private address (DNS rebinding) is refused
    // at delivery time, before any connection.
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await;
    let hook = app
        .db
        .webhook_create(
            org,
            "https://localtest.localhost:1/hook",
            "whsec_x",
            "post.created",
            alice.id,
            |_| Default::default(),
        )
        .await
        .unwrap();
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/webhooks/{hook}/ping"),
        None,
    )
    .await;
    assert_eq!(s, 202);
    // The attempt is made by the scheduler's pass or by the process's own sender, whichever
    // claims it first: wait for it (bounded) rather than for one of them.
    let mut d = Value::Null;
    for _ in 0..100 {
        embarq_web::jobs::run_due(&app.state, now_ms()).await;
        d = deliveries(&mgr, &hook.to_string()).await[0].clone();
        if !d["last_error"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(d["status"], "pending");
    assert!(d["last_status_code"].is_null());
    let err = d["last_error"].as_str().unwrap();
    assert!(err.contains("private") || err.contains("DNS"), "{err}");
}

#[tokio::test]
async fn only_managers_manage_webhooks() {
    let app = allowing_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let rx = receiver().await;
    let (hook, _) = subscribe(&mgr, &rx.url, &["post.created"]).await;
    // The subscription is in the audit log, with its address.
    let (s, page) = api(
        &mgr,
        Method::GET,
        "/api/v1/audit?action=webhook.create",
        None,
    )
    .await;
    assert_eq!(s, 200, "{page}");
    assert_eq!(page["entries"][0]["target_id"], hook.to_string(), "{page}");
    assert_eq!(page["entries"][0]["details"]["url"], rx.url, "{page}");
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (s, _) = api(&bob, Method::GET, "/api/v1/webhooks", None).await;
    assert_eq!(s, 403);
    let (s, _) = api(
        &bob,
        Method::POST,
        "/api/v1/webhooks",
        Some(json!({"url": rx.url, "events": ["post.created"]})),
    )
    .await;
    assert_eq!(s, 403);
    for path in [
        format!("/api/v1/webhooks/{hook}/deliveries"),
        format!("/api/v1/webhooks/{hook}/ping"),
    ] {
        let m = if path.ends_with("ping") {
            Method::POST
        } else {
            Method::GET
        };
        let (s, _) = api(&bob, m, &path, None).await;
        assert_eq!(s, 403, "{path}");
    }
    let (s, _) = api(
        &bob,
        Method::DELETE,
        &format!("/api/v1/webhooks/{hook}"),
        None,
    )
    .await;
    assert_eq!(s, 403);
    let (s, _) = bob.get_text("/admin/webhooks").await;
    assert_eq!(s, 403);
    // Another organization's manager sees nothing of it.
    let _ = app.other_org("Globex", "carol@globex.test").await;
    let carol = app.login("carol@globex.test").await;
    let (s, _) = api(
        &carol,
        Method::GET,
        &format!("/api/v1/webhooks/{hook}/deliveries"),
        None,
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn admin_page_and_member_lifecycle_events() {
    let app = allowing_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let rx = receiver().await;
    let (s, html) = mgr.get_text("/admin/webhooks").await;
    assert_eq!(s, 200);
    assert!(html.contains("id=\"webhooks-empty\""));
    // A form error keeps the input and says what is wrong, in French too.
    let r = mgr
        .post_form("/admin/webhooks", &[("url", "ftp://x"), ("events", "nope")])
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(html.contains("ftp://x"));
    let r = mgr
        .post_form(
            "/admin/webhooks",
            &[
                ("url", &rx.url),
                ("events", "member.invited"),
                ("events", "member.activated"),
            ],
        )
        .await;
    assert_eq!(r.status(), 201);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"webhook-secret\"") && html.contains("whsec_"));
    let (_, list) = api(&mgr, Method::GET, "/api/v1/webhooks", None).await;
    assert_eq!(
        list[0]["events"],
        json!(["member.invited", "member.activated"])
    );
    let hook = list[0]["id"].as_str().unwrap().to_string();
    // The secret is not shown again.
    let (_, html) = mgr.get_text("/admin/webhooks").await;
    assert!(!html.contains("whsec_"));
    let fr = mgr.get_in("/admin/webhooks", "fr").await;
    assert!(fr.contains("Nouveau webhook"));

    // Invited, then first sign-in.
    let (s, _) = api(
        &mgr,
        Method::POST,
        "/api/v1/members/invitations",
        Some(json!({"email": "bob@acme.test", "display_name": "Bob"})),
    )
    .await;
    assert_eq!(s, 201);
    let path = app.mail_links("bob@acme.test").await[0]
        .trim_start_matches(&app.base)
        .to_string();
    let mut b = app.browser();
    b.refresh_csrf(&path).await;
    let pw = "a long enough password 42";
    let r = b
        .post_form(&path, &[("password", pw), ("confirm", pw)])
        .await;
    assert_eq!(r.status(), 303);
    embarq_web::jobs::run_due(&app.state, now_ms()).await;
    let types: Vec<String> = rx
        .got
        .lock()
        .unwrap()
        .iter()
        .map(|(h, _)| h["x-embarq-event"].to_str().unwrap().to_string())
        .collect();
    let mut sorted = types.clone();
    sorted.sort();
    assert_eq!(sorted, ["member.activated", "member.invited"]);
    assert!(rx.last().1.contains("bob@acme.test"));

    // The buttons of the subscription's page.
    let r = mgr
        .post_form(&format!("/admin/webhooks/{hook}/ping"), &[])
        .await;
    assert_eq!(r.status(), 200);
    embarq_web::jobs::run_due(&app.state, now_ms()).await;
    assert_eq!(rx.count(), 3);
    let (_, html) = mgr.get_text(&format!("/admin/webhooks/{hook}")).await;
    assert!(html.contains("ping") && html.contains("HTTP 200"));
    let d = deliveries(&mgr, &hook).await;
    let id = d[0]["id"].as_str().unwrap();
    let r = mgr
        .post_form(
            &format!("/admin/webhooks/{hook}/deliveries/{id}/redeliver"),
            &[],
        )
        .await;
    assert_eq!(r.status(), 200);
    embarq_web::jobs::run_due(&app.state, now_ms()).await;
    assert_eq!(rx.count(), 4);
    let r = mgr
        .post_form(&format!("/admin/webhooks/{hook}/delete"), &[])
        .await;
    assert_eq!(r.status(), 303);
    let (s, _) = mgr.get_text(&format!("/admin/webhooks/{hook}")).await;
    assert_eq!(s, 404);
}

/// The attempts of the latest delivery of `hook`, through the detail endpoint.
async fn attempts(b: &Browser, hook: &str, delivery: &str) -> (u16, Value) {
    api(
        b,
        Method::GET,
        &format!("/api/v1/webhooks/{hook}/deliveries/{delivery}"),
        None,
    )
    .await
}

#[tokio::test]
async fn a_delivery_shows_every_attempt() {
    let app = allowing_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let rx = receiver().await;
    rx.status.store(500, Ordering::SeqCst);
    let (hook, _) = subscribe(&mgr, &rx.url, &["suggestion.created"]).await;
    let (_, q) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/webhooks/{hook}/ping"),
        None,
    )
    .await;
    let id = q["delivery_id"].as_str().unwrap().to_string();
    // Not attempted yet: an empty log.
    let (s, d) = attempts(&mgr, &hook, &id).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["attempts_log"], json!([]));
    let (_, html) = mgr
        .get_text(&format!("/admin/webhooks/{hook}/deliveries/{id}"))
        .await;
    assert!(html.contains("id=\"attempts-empty\""));

    let t = now_ms();
    embarq_web::jobs::run_due(&app.state, t).await;
    embarq_web::jobs::run_due(&app.state, t + 60_000).await;
    rx.status.store(200, Ordering::SeqCst);
    embarq_web::jobs::run_due(&app.state, t + 360_000).await;
    assert_eq!(rx.count(), 3);

    let (s, d) = attempts(&mgr, &hook, &id).await;
    assert_eq!(s, 200, "{d}");
    assert_eq!(d["id"], id.as_str());
    assert_eq!(d["status"], "delivered");
    assert_eq!(d["attempts"], 3);
    assert_eq!(embarq_testkit::instant(&d["delivered_at"]), t + 360_000);
    let log = d["attempts_log"].as_array().unwrap();
    assert_eq!(log.len(), 3);
    let col = |k: &str| log.iter().map(|a| a[k].clone()).collect::<Vec<_>>();
    assert_eq!(col("attempt"), [json!(1), json!(2), json!(3)]);
    let instants = |key: &str| -> Vec<Option<i64>> {
        col(key)
            .iter()
            .map(|v| (!v.is_null()).then(|| embarq_testkit::instant(v)))
            .collect()
    };
    assert_eq!(
        instants("at"),
        [Some(t), Some(t + 60_000), Some(t + 360_000)]
    );
    assert_eq!(col("status_code"), [json!(500), json!(500), json!(200)]);
    assert_eq!(
        col("error"),
        [json!("HTTP 500"), json!("HTTP 500"), Value::Null]
    );
    assert_eq!(
        instants("next_attempt_at"),
        [Some(t + 60_000), Some(t + 360_000), None]
    );
    assert!(log.iter().all(|a| a["duration_ms"].as_i64().unwrap() >= 0));

    // The page lists them too, oldest first.
    let (s, html) = mgr
        .get_text(&format!("/admin/webhooks/{hook}/deliveries/{id}"))
        .await;
    assert_eq!(s, 200);
    let table = &html[html.find("id=\"attempts\"").unwrap()..];
    // Two failed attempts: status and error columns each say so.
    assert_eq!(table.matches("<td>HTTP 500</td>").count(), 4);
    assert_eq!(table.matches("<td>HTTP 200</td>").count(), 1);
    assert!(table.find("HTTP 500").unwrap() < table.find("<td>HTTP 200</td>").unwrap());
    // The log links each delivery to its page.
    let (_, html) = mgr.get_text(&format!("/admin/webhooks/{hook}")).await;
    assert!(html.contains(&format!("/admin/webhooks/{hook}/deliveries/{id}\"")));

    // Not through another subscription, another organization, nor as a member.
    let rx2 = receiver().await;
    let (other_hook, _) = subscribe(&mgr, &rx2.url, &["post.created"]).await;
    assert_eq!(attempts(&mgr, &other_hook, &id).await.0, 404);
    let (s, _) = mgr
        .get_text(&format!("/admin/webhooks/{other_hook}/deliveries/{id}"))
        .await;
    assert_eq!(s, 404);
    assert_eq!(attempts(&mgr, &hook, "not-an-id").await.0, 404);
    app.other_org("Globex", "gina@globex.test").await;
    let gina = app.login("gina@globex.test").await;
    assert_eq!(attempts(&gina, &hook, &id).await.0, 404);
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    assert_eq!(attempts(&bob, &hook, &id).await.0, 403);
}

#[tokio::test]
async fn a_paused_webhook_queues_nothing_and_holds_what_was_queued() {
    let app = allowing_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let rx = receiver().await;
    let (hook, _) = subscribe(&mgr, &rx.url, &["suggestion.created"]).await;
    // Queued before the pause.
    suggest(&mgr, "Before").await;
    let (s, w) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/webhooks/{hook}/pause"),
        None,
    )
    .await;
    assert_eq!(s, 200, "{w}");
    assert_eq!(w["active"], false);
    // Pausing twice is harmless and audited once.
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/webhooks/{hook}/pause"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    let (_, log) = api(
        &mgr,
        Method::GET,
        "/api/v1/audit?action=webhook.paused",
        None,
    )
    .await;
    let entries = log["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{log}");
    assert_eq!(entries[0]["target_id"], hook.as_str());

    // While paused: no new delivery, and the queued one waits (also past its time).
    suggest(&mgr, "During").await;
    assert_eq!(deliveries(&mgr, &hook).await.len(), 1);
    embarq_web::jobs::run_due(&app.state, now_ms() + 3_600_000).await;
    assert_eq!(rx.count(), 0);
    assert_eq!(deliveries(&mgr, &hook).await[0]["status"], "pending");
    let (_, html) = mgr.get_text(&format!("/admin/webhooks/{hook}")).await;
    assert!(html.contains("/resume\"") && !html.contains("/pause\""));
    let list = mgr.get_in("/admin/webhooks", "en").await;
    assert!(list.contains("<td>paused</td>"), "{list}");

    // A member cannot resume it.
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (s, _) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/webhooks/{hook}/resume"),
        None,
    )
    .await;
    assert_eq!(s, 403);
    let r = bob
        .post_form(&format!("/admin/webhooks/{hook}/resume"), &[])
        .await;
    assert_eq!(r.status(), 403);

    // Resumed from the page: the waiting delivery goes out, new events are queued again.
    let r = mgr
        .post_form(&format!("/admin/webhooks/{hook}/resume"), &[])
        .await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("/pause\""));
    let (_, log) = api(
        &mgr,
        Method::GET,
        "/api/v1/audit?action=webhook.resumed",
        None,
    )
    .await;
    assert_eq!(log["entries"].as_array().unwrap().len(), 1, "{log}");
    embarq_web::jobs::run_due(&app.state, now_ms()).await;
    assert_eq!(rx.count(), 1);
    assert!(rx.last().1.contains("Before"));
    suggest(&mgr, "After").await;
    embarq_web::jobs::run_due(&app.state, now_ms()).await;
    assert_eq!(rx.count(), 2);
    assert!(rx.last().1.contains("After"));
    assert!(
        !rx.got
            .lock()
            .unwrap()
            .iter()
            .any(|(_, b)| b.contains("During"))
    );
    let (_, list) = api(&mgr, Method::GET, "/api/v1/webhooks", None).await;
    assert_eq!(list[0]["active"], true);
    // Unknown subscription.
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/webhooks/{}/pause", embarq_domain::new_id()),
        None,
    )
    .await;
    assert_eq!(s, 404);
}

#[tokio::test]
async fn rollout_phase_changes_are_announced_once() {
    const DAY: i64 = 86_400_000;
    // The wall-clock scheduler would announce "back to preparation" between the steps.
    let app = spawn_app_with(|c| {
        c.webhook_allow_private = true;
        c.run_scheduler = false;
    })
    .await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let rx = receiver().await;
    let (_, secret) = subscribe(&mgr, &rx.url, &["rollout.phase_changed"]).await;
    // A paused subscription to the same event hears nothing.
    let quiet = receiver().await;
    let (quiet_hook, _) = subscribe(&mgr, &quiet.url, &["rollout.phase_changed"]).await;
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/webhooks/{quiet_hook}/pause"),
        None,
    )
    .await;
    assert_eq!(s, 200);

    let now = now_ms();
    let (date, _) = embarq_domain::rollout::utc_to_local("UTC", now + 20 * DAY);
    let (s, v) = api(
        &mgr,
        Method::PUT,
        "/api/v1/rollout",
        Some(json!({"launch_local": format!("{date}T10:00"),
                    "early_access_days": 7, "time_zone": "UTC"})),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    let launch = app.db.rollout_plan(org).await.unwrap().unwrap().launch_at;

    // A new plan in preparation: nothing to announce.
    embarq_web::jobs::run_due(&app.state, now).await;
    assert_eq!(rx.count(), 0);

    // Early access opens: two processes, one announcement.
    let mut config = embarq_web::Config::new(&app.base, app.data_dir.clone());
    config.webhook_allow_private = true;
    let other = embarq_web::AppState::new(app.db.clone(), config).unwrap();
    let t = launch - 7 * DAY + 1000;
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&app.state, t),
        embarq_web::jobs::run_due(&other, t)
    );
    assert_eq!(a.count("rollout_phase") + b.count("rollout_phase"), 1);
    assert_eq!(rx.count(), 1);
    let (h, body) = rx.last();
    verify(&secret, &h, &body);
    assert_eq!(h["x-embarq-event"], "rollout.phase_changed");
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["type"], "rollout.phase_changed");
    assert_eq!(v["data"]["phase"], "early_access");
    assert_eq!(v["data"]["previous_phase"], "preparation");
    assert_eq!(v["data"]["phase_started_at"], launch - 7 * DAY);
    assert_eq!(v["data"]["launch_at"], launch);
    // Nothing more while the phase lasts.
    embarq_web::jobs::run_due(&app.state, t + DAY).await;
    assert_eq!(rx.count(), 1);

    // Launch, then after launch (one day later).
    embarq_web::jobs::run_due(&app.state, launch).await;
    assert_eq!(rx.count(), 2);
    let v: Value = serde_json::from_str(&rx.last().1).unwrap();
    assert_eq!(
        (&v["data"]["previous_phase"], &v["data"]["phase"]),
        (&json!("early_access"), &json!("launch"))
    );
    embarq_web::jobs::run_due(&app.state, launch + DAY).await;
    embarq_web::jobs::run_due(&app.state, launch + 2 * DAY).await;
    assert_eq!(rx.count(), 3);
    let v: Value = serde_json::from_str(&rx.last().1).unwrap();
    assert_eq!(v["data"]["phase"], "after_launch");
    assert_eq!(v["data"]["phase_started_at"], launch + DAY);
    assert_eq!(quiet.count(), 0);

    // Going back in time (a postponed launch looks the same) is announced too.
    embarq_web::jobs::run_due(&app.state, now).await;
    assert_eq!(rx.count(), 4);
    let v: Value = serde_json::from_str(&rx.last().1).unwrap();
    assert_eq!(
        (&v["data"]["previous_phase"], &v["data"]["phase"]),
        (&json!("after_launch"), &json!("preparation"))
    );
    // Resumed, the paused subscription did not collect the announcements it missed.
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/webhooks/{quiet_hook}/resume"),
        None,
    )
    .await;
    assert_eq!(s, 200);
    embarq_web::jobs::run_due(&app.state, now).await;
    assert_eq!(quiet.count(), 0);
    assert!(deliveries(&mgr, &quiet_hook).await.is_empty());
}

/// With the scheduler running as in production, an event goes out as soon as the change
/// that caused it commits: within moments, not at the scheduler's next tick (every 30 s).
#[tokio::test]
async fn an_event_is_delivered_as_soon_as_its_change_commits() {
    let app = spawn_app_with(|c| c.webhook_allow_private = true).await;
    let mgr = app.setup("alice@acme.test").await;
    let rx = receiver().await;
    let (_, secret) = subscribe(&mgr, &rx.url, &["suggestion.created"]).await;
    // The scheduler's first tick, at start, has passed.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    suggest(&mgr, "Dark mode").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while rx.count() == 0 && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(rx.count(), 1, "delivered within 5 s of the change");
    let (h, body) = rx.last();
    verify(&secret, &h, &body);
    assert_eq!(h["x-embarq-event"], "suggestion.created");
}
