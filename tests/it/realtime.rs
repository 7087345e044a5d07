use embarq_domain::SphereId;
use embarq_testkit::{Browser, last_as, last_id, spawn_app};
use futures::StreamExt;
use std::time::Duration;

/// Reads the SSE stream until an event of `kind` arrives.
async fn wait_for_event(
    b: &Browser,
    kind: &str,
    trigger: impl std::future::Future<Output = ()>,
) -> String {
    let r = b.client.get(b.url("/events")).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let mut stream = r.bytes_stream();
    trigger.await;
    let mut buf = String::new();
    let found = tokio::time::timeout(Duration::from_secs(10), async {
        while let Some(chunk) = stream.next().await {
            buf.push_str(&String::from_utf8_lossy(&chunk.unwrap()));
            if buf.contains(&format!("event: {kind}")) {
                return true;
            }
        }
        false
    })
    .await;
    assert!(matches!(found, Ok(true)), "no {kind} event; got {buf:?}");
    buf
}

#[tokio::test]
async fn a_new_post_reaches_open_pages_live() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr
        .post_redirect("/spheres", &[("name", "Live"), ("kind", "open")])
        .await;
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    let sid = last_id(&sphere).to_string();
    let got = wait_for_event(&bob, "post", async {
        mgr.post_redirect("/posts", &[("sphere_id", &sid), ("body", "en direct")])
            .await;
    })
    .await;
    assert!(got.contains(&sid));
    // A mention arrives as a notification with the unread count.
    let got = wait_for_event(&bob, "notification", async {
        mgr.post_redirect(
            "/posts",
            &[("sphere_id", &sid), ("body", "cc @bob@acme.test")],
        )
        .await;
    })
    .await;
    assert!(got.contains("\"unread\":1"), "{got}");
}

/// Two server processes on one PostgreSQL database: a post made through the first reaches a
/// page connected to the second through LISTEN/NOTIFY (the fallback poll is slower than the timeout).
#[tokio::test]
async fn live_events_cross_server_processes_on_postgres() {
    let app = spawn_app().await;
    if !app.is_postgres() {
        return; // SQLite runs as a single process.
    }
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr
        .post_redirect("/spheres", &[("name", "Multi"), ("kind", "open")])
        .await;
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    let peer = app.spawn_peer().await;
    let bob_on_peer = Browser {
        client: bob.client.clone(),
        jar: bob.jar.clone(),
        base: peer.base.clone(),
        csrf: bob.csrf.clone(),
    };
    let sid = last_id(&sphere).to_string();
    let got = wait_for_event(&bob_on_peer, "post", async {
        mgr.post_redirect(
            "/posts",
            &[("sphere_id", &sid), ("body", "d'un serveur à l'autre")],
        )
        .await;
    })
    .await;
    assert!(got.contains(&sid));
}

/// One open `/events` connection, read event by event.
struct Live {
    stream:
        std::pin::Pin<Box<dyn futures::Stream<Item = reqwest::Result<axum::body::Bytes>> + Send>>,
    buf: String,
}

/// `(id, kind, data)` of one SSE event.
type Got = (i64, String, String);

impl Live {
    async fn open(b: &Browser, last_event_id: Option<i64>) -> Live {
        let mut req = b.client.get(b.url("/events"));
        if let Some(id) = last_event_id {
            req = req.header("last-event-id", id.to_string());
        }
        let r = req.send().await.unwrap();
        assert_eq!(r.status(), 200);
        Live {
            stream: Box::pin(r.bytes_stream()),
            buf: String::new(),
        }
    }

    /// The next event (keep-alive comments skipped); panics after 10 s without one.
    async fn next(&mut self) -> Got {
        tokio::time::timeout(Duration::from_secs(10), async {
            loop {
                if let Some(end) = self.buf.find("\n\n") {
                    let block: String = self.buf.drain(..end + 2).collect();
                    let (mut id, mut kind, mut data) = (None, String::new(), String::new());
                    for line in block.lines() {
                        if let Some(v) = line.strip_prefix("id:") {
                            id = v.trim().parse().ok();
                        } else if let Some(v) = line.strip_prefix("event:") {
                            kind = v.trim().to_string();
                        } else if let Some(v) = line.strip_prefix("data:") {
                            data = v.trim().to_string();
                        }
                    }
                    if let Some(id) = id {
                        return (id, kind, data);
                    }
                    continue;
                }
                let chunk = self.stream.next().await.expect("stream ended").unwrap();
                self.buf.push_str(&String::from_utf8_lossy(&chunk));
            }
        })
        .await
        .unwrap_or_else(|_| panic!("no live event within 10 s; buffered {:?}", self.buf))
    }
}

/// Events are routed by membership: members of a secret sphere receive its posts, nobody
/// else does; leaving stops them at once; a page that reconnects catches up exactly once.
#[tokio::test]
async fn live_events_follow_membership_and_catch_up_once() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (_, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let secret = mgr
        .post_redirect("/spheres", &[("name", "Board"), ("kind", "secret")])
        .await;
    let open = mgr
        .post_redirect("/spheres", &[("name", "Hall"), ("kind", "open")])
        .await;
    let (secret_id, open_id): (SphereId, SphereId) = (last_as(&secret), last_as(&open));
    app.db
        .add_sphere_member(secret_id, bob_id, embarq_domain::SphereRole::Member)
        .await
        .unwrap();
    bob.post_redirect(&format!("{open}/join"), &[]).await;
    carol.post_redirect(&format!("{open}/join"), &[]).await;
    let post = |sphere: embarq_domain::SphereId, body: &'static str| {
        let mgr = mgr.clone();
        async move {
            mgr.post_redirect(
                "/posts",
                &[("sphere_id", &sphere.to_string()), ("body", body)],
            )
            .await;
        }
    };

    let mut b = Live::open(&bob, None).await;
    let mut c = Live::open(&carol, None).await;
    post(secret_id, "ordre du jour confidentiel").await;
    post(open_id, "bienvenue à tous").await;
    let (first, kind, data) = b.next().await;
    assert_eq!(kind, "post");
    assert!(data.contains(&secret_id.to_string()), "{data}");
    let (_, _, data) = b.next().await;
    assert!(data.contains(&open_id.to_string()), "{data}");
    // Carol's first event is the open sphere's post: the secret one never reached her.
    let (_, kind, data) = c.next().await;
    assert_eq!(kind, "post");
    assert!(data.contains(&open_id.to_string()), "carol got {data}");

    // Bob leaves the secret sphere (the page stays open): its next post does not reach him.
    // The sphere needs another member to let him go, he is not its administrator anyway.
    bob.post_redirect(&format!("{secret}/leave"), &[]).await;
    post(secret_id, "après son départ").await;
    post(open_id, "pour tout le monde").await;
    let (_, _, data) = b.next().await;
    assert!(data.contains(&open_id.to_string()), "bob still got {data}");

    // Bob's page goes away after `first`… (the secret sphere was left: only the open one counts)
    drop(b);
    drop(c);
    let mut c = Live::open(&carol, Some(first)).await;
    // …and carol, resuming from the same point, receives the two open posts once each and
    // none of the secret ones, then new events live, each once.
    let (s1, _, d1) = c.next().await;
    let (s2, _, d2) = c.next().await;
    assert!(s1 < s2 && d1.contains(&open_id.to_string()) && d2.contains(&open_id.to_string()));
    post(open_id, "en direct après la reprise").await;
    let (s3, kind, _) = c.next().await;
    assert_eq!(kind, "post");
    post(open_id, "encore une").await;
    let (s4, _, _) = c.next().await;
    assert!(
        s2 < s3 && s3 < s4,
        "each event once, in order: {s1} {s2} {s3} {s4}"
    );
}

/// A deactivated member's open page stops receiving at once: the stream ends, and the
/// page's reconnection is refused.
#[tokio::test]
async fn deactivation_ends_open_live_streams() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let open = mgr
        .post_redirect("/spheres", &[("name", "Hall"), ("kind", "open")])
        .await;
    bob.post_redirect(&format!("{open}/join"), &[]).await;
    let mut b = Live::open(&bob, None).await;
    mgr.post_redirect(&format!("/admin/members/{bob_id}/deactivate"), &[])
        .await;
    mgr.post_redirect(
        "/posts",
        &[
            ("sphere_id", &last_id(&open).to_string()),
            ("body", "après"),
        ],
    )
    .await;
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            match b.stream.next().await {
                None | Some(Err(_)) => return None,
                Some(Ok(chunk)) => {
                    let text = String::from_utf8_lossy(&chunk).to_string();
                    if text.contains("data:") {
                        return Some(text);
                    }
                }
            }
        }
    })
    .await
    .expect("the stream stays open after deactivation");
    assert_eq!(ended, None, "a deactivated member still received {ended:?}");
    let r = bob.client.get(bob.url("/events")).send().await.unwrap();
    assert_ne!(r.status(), 200, "a deactivated member reconnected");
}
