use embarq_testkit::{Browser, last_id, spawn_app};
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
