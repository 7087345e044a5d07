//! Web Push to people's devices, against a real push service written independently in Python
//! (tests/support/push_service.py: py_vapid checks the VAPID token, http_ece decrypts the
//! payload). A subscription is made there as a browser would, registered through the API, and
//! a private message must arrive, signed and readable, exactly once across two processes;
//! a device that does not want messages hears nothing of them; a device the service says is
//! gone (410) is forgotten.
use embarq_store::now_ms;
use embarq_testkit::{Browser, TempDir, api, spawn_app, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// The Python push service, on a free port.
struct PushService {
    child: Child,
    base: String,
    _tmp: TempDir,
}

impl Drop for PushService {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_push_service() -> PushService {
    let found = Command::new("python3")
        .args(["-c", "import http_ece, py_vapid"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "these tests need http_ece and py_vapid from PyPI (`pip install http_ece py_vapid`; `.ci/run` does it)"
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let tmp = TempDir(std::env::temp_dir().join(format!("embarq-push-{port}-{}", now_ms())));
    std::fs::create_dir_all(&tmp.0).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/push_service.py");
    let child = Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("could not start the push service");
    let service = PushService {
        child,
        base: format!("http://127.0.0.1:{port}"),
        _tmp: tmp,
    };
    for _ in 0..100 {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return service;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("the push service did not start");
}

impl PushService {
    async fn subscription(&self, gone: bool) -> Value {
        let q = if gone { "?gone=1" } else { "" };
        reqwest::get(format!("{}/new{q}", self.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
    async fn received(&self) -> Vec<Value> {
        reqwest::get(format!("{}/received", self.base))
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    }
    /// What arrived for subscription `sub` (its endpoint's last segment), waiting up to 15 s
    /// for at least `n`.
    async fn wait_for(&self, sub: &Value, n: usize) -> Vec<Value> {
        let id = sub["endpoint"]
            .as_str()
            .unwrap()
            .rsplit('/')
            .next()
            .unwrap()
            .to_string();
        for _ in 0..150 {
            let got: Vec<Value> = self
                .received()
                .await
                .into_iter()
                .filter(|r| r["id"] == id)
                .collect();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no push for {id} after 15 s");
    }
}

async fn register(b: &Browser, sub: &Value, topics: Value) -> Value {
    let mut body = sub.clone();
    body["topics"] = topics;
    body["device"] = json!("Chrome · Android");
    let (s, d) = api(b, Method::POST, "/api/v1/push/devices", Some(body)).await;
    assert_eq!(s, 201, "{d}");
    d
}

async fn conversation(from: &Browser, to: embarq_domain::UserId, body: &str) -> String {
    let (s, c) = api(
        from,
        Method::POST,
        "/api/v1/conversations",
        Some(json!({ "members": [to] })),
    )
    .await;
    assert_eq!(s, 201, "{c}");
    let id = c["id"].as_str().unwrap().to_string();
    let (s, m) = api(
        from,
        Method::POST,
        &format!("/api/v1/conversations/{id}/messages"),
        Some(json!({ "body": body })),
    )
    .await;
    assert_eq!(s, 201, "{m}");
    id
}

#[tokio::test]
async fn a_message_reaches_the_phone_signed_encrypted_and_once() {
    let push = start_push_service();
    let app = spawn_app_with(|c| c.webhook_allow_private = true).await;
    let _peer = app.spawn_peer().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;

    // The server's key: a P-256 point, made once and kept.
    let (s, k) = api(&bob, Method::GET, "/api/v1/push/key", None).await;
    assert_eq!(s, 200);
    let key = k["public_key"].as_str().unwrap().to_string();
    assert_eq!(key.len(), 87, "65 bytes, base64url");
    assert_eq!(
        api(&alice, Method::GET, "/api/v1/push/key", None).await.1,
        k
    );

    // Bob turns pushes on for his phone.
    let phone = push.subscription(false).await;
    let device = register(&bob, &phone, json!(["messages", "mentions"])).await;
    assert_eq!(device["topics"], json!(["messages", "mentions"]));
    assert_eq!(device["service"], "127.0.0.1");
    let (_, list) = api(&bob, Method::GET, "/api/v1/push/devices", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["device"], "Chrome · Android");
    // Registering the same browser again updates it rather than adding a second device.
    register(&bob, &phone, json!(["messages", "mentions"])).await;
    let (_, list) = api(&bob, Method::GET, "/api/v1/push/devices", None).await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    // Alice writes to Bob: the push arrives, verified and decrypted by the service.
    let conv = conversation(&alice, bob_id, "Tu passes à l'atelier ?").await;
    let got = push.wait_for(&phone, 1).await;
    let p = &got[0];
    assert!(p.get("error").is_none(), "{p}");
    assert_eq!(p["encoding"], "aes128gcm");
    assert_eq!(
        p["public_key"],
        key.as_str(),
        "signed with the key browsers subscribe with"
    );
    assert_eq!(p["urgency"], "high");
    assert_eq!(p["ttl"], "43200");
    assert!(p["claims"]["sub"].as_str().unwrap().starts_with("mailto:"));
    assert_eq!(p["payload"]["url"], format!("/messages/{conv}"));
    assert_eq!(p["payload"]["title"], "embarq");
    assert!(
        p["payload"]["body"].as_str().unwrap().starts_with("Alice"),
        "{}",
        p["payload"]
    );
    // Two processes ran senders on the same outbox: it came once.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(push.wait_for(&phone, 1).await.len(), 1, "exactly once");
    let (_, list) = api(&bob, Method::GET, "/api/v1/push/devices", None).await;
    embarq_testkit::instant(&list[0]["last_sent_at"]);

    // Bob keeps only mentions on this phone: a new conversation is not pushed, a mention is.
    let id = device["id"].as_str().unwrap();
    let (s, d) = api(
        &bob,
        Method::PATCH,
        &format!("/api/v1/push/devices/{id}"),
        Some(json!({ "topics": ["mentions"] })),
    )
    .await;
    assert_eq!(s, 200, "{d}");
    conversation(&alice, bob_id, "Et demain ?").await;
    let sphere = alice.create_sphere("Atelier", "open").await;
    let sid = sphere.rsplit('/').next().unwrap().to_string();
    let (s, b) = api(
        &bob,
        Method::POST,
        &format!("/api/v1/spheres/{sid}/join"),
        None,
    )
    .await;
    assert!(s == 200 || s == 204, "{s} {b}");
    let (s, b) = api(
        &alice,
        Method::POST,
        &format!("/api/v1/spheres/{sid}/posts"),
        Some(json!({ "body": "Bienvenue @bob@acme.test" })),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let got = push.wait_for(&phone, 2).await;
    assert_eq!(
        got.len(),
        2,
        "the mention, not the second conversation: {got:?}"
    );
    assert!(
        got[1]["payload"]["url"]
            .as_str()
            .unwrap()
            .starts_with("/posts/")
    );

    // Turned off: nothing more, and the device is gone from the list.
    assert_eq!(
        api(
            &bob,
            Method::DELETE,
            &format!("/api/v1/push/devices/{id}"),
            None
        )
        .await
        .0,
        204
    );
    let (_, list) = api(&bob, Method::GET, "/api/v1/push/devices", None).await;
    assert_eq!(list, json!([]));
    // Nobody else's device can be changed or removed.
    let (_, mine) = api(&alice, Method::GET, "/api/v1/push/devices", None).await;
    assert_eq!(mine, json!([]));
    let other = register(&bob, &push.subscription(false).await, json!(["messages"])).await;
    let path = format!("/api/v1/push/devices/{}", other["id"].as_str().unwrap());
    assert_eq!(api(&alice, Method::DELETE, &path, None).await.0, 404);
    let patch = Some(json!({ "topics": [] }));
    assert_eq!(api(&alice, Method::PATCH, &path, patch).await.0, 404);
}

#[tokio::test]
async fn a_device_the_push_service_says_is_gone_is_forgotten() {
    let push = start_push_service();
    let app = spawn_app_with(|c| c.webhook_allow_private = true).await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol").await;
    register(&carol, &push.subscription(true).await, json!(["messages"])).await;
    conversation(&alice, carol_id, "Bonjour Carol").await;
    for _ in 0..150 {
        let (_, list) = api(&carol, Method::GET, "/api/v1/push/devices", None).await;
        if list == json!([]) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the device answered 410 and is still registered");
}

#[tokio::test]
async fn subscriptions_are_checked() {
    let push = start_push_service();
    // By default the server reaches no private address: a loopback endpoint is refused.
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let sub = push.subscription(false).await;
    let (s, e) = api(
        &alice,
        Method::POST,
        "/api/v1/push/devices",
        Some(sub.clone()),
    )
    .await;
    assert_eq!(s, 422, "{e}");
    assert!(e.to_string().contains("endpoint"), "{e}");
    let app = spawn_app_with(|c| c.webhook_allow_private = true).await;
    let alice = app.setup("alice@acme.test").await;
    let with = |field: &str, value: Value| {
        let mut body = sub.clone();
        match body.pointer_mut(field) {
            Some(slot) => *slot = value,
            None => body["topics"] = value,
        }
        body
    };
    for (field, value) in [
        ("/keys/p256dh", json!("AAAA")),
        ("/keys/auth", json!("not base64!")),
        ("/endpoint", json!("javascript:alert(1)")),
        ("/topics", json!(["everything"])),
    ] {
        let (s, e) = api(
            &alice,
            Method::POST,
            "/api/v1/push/devices",
            Some(with(field, value)),
        )
        .await;
        assert_eq!(s, 422, "{field}: {e}");
    }
    let (_, list) = api(&alice, Method::GET, "/api/v1/push/devices", None).await;
    assert_eq!(list, json!([]), "nothing half-registered");
}
