//! The transactional outbox: a change and what it causes (notifications, live events,
//! webhook deliveries, e-mails) commit together; e-mails wait in the database for a sender,
//! are retried with backoff, go out once across processes, and a slow or absent SMTP server
//! holds up neither requests nor the scheduler.
use crate::smtp::{received, start_smtp_on, to};
use embarq_store::now_ms;
use embarq_testkit::{TestApp, last_id, spawn_app_with};
use std::time::Duration;

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn spawn_with_smtp(port: u16) -> TestApp {
    spawn_app_with(|c| {
        c.smtp = Some(embarq_web::config::SmtpConfig {
            host: "127.0.0.1".to_string(),
            port,
            username: None,
            password: None,
            security: embarq_web::config::SmtpSecurity::None,
            from: "embarq <no-reply@acme.test>".to_string(),
        })
    })
    .await
}

/// Asks for a password reset link for `email` (a request that e-mails).
async fn forgot(app: &TestApp, email: &str) -> u16 {
    let mut b = app.browser();
    b.refresh_csrf("/forgot").await;
    b.post_form("/forgot", &[("email", email)])
        .await
        .status()
        .as_u16()
}

#[tokio::test]
async fn a_comment_is_kept_with_its_notifications_or_not_at_all() {
    let app = spawn_app_with(|_| {}).await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let sphere = mgr
        .post_redirect("/spheres", &[("name", "Atelier"), ("kind", "open")])
        .await;
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    let sid = last_id(&sphere).to_string();
    let post = bob
        .post_redirect("/posts", &[("sphere_id", &sid), ("body", "Bonjour")])
        .await;
    let post_id = last_id(&post);

    // The notification to Bob cannot be written: the comment is not kept either.
    app.refuse_inserts("notifications", None).await;
    let r = mgr
        .post_form(&format!("{post}/comments"), &[("body", "Bienvenue")])
        .await;
    assert!(r.status().is_server_error(), "{}", r.status());
    assert!(app.db.comments(post_id).await.unwrap().is_empty());
    assert_eq!(
        app.db
            .post(org, post_id)
            .await
            .unwrap()
            .unwrap()
            .comment_count,
        0
    );

    // Once the fault is gone, both are written together.
    app.allow_inserts("notifications").await;
    let r = mgr
        .post_form(&format!("{post}/comments"), &[("body", "Bienvenue")])
        .await;
    assert!(r.status().is_redirection(), "{}", r.status());
    assert_eq!(app.db.comments(post_id).await.unwrap().len(), 1);
    let notes = app.db.notifications(bob_id, 10).await.unwrap();
    assert_eq!(notes.iter().filter(|n| n.kind == "comment").count(), 1);
}

#[tokio::test]
async fn e_mail_waits_for_its_server_is_retried_with_backoff_and_goes_out_once() {
    let port = free_port();
    let app = spawn_with_smtp(port).await;
    app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    app.member(org, "bob@acme.test", "Bob").await;

    // No server listens: the request answers at once, the e-mail waits in the database.
    assert_eq!(forgot(&app, "bob@acme.test").await, 200);
    app.flush_mail().await;
    let queued = app.db.mail_outbox(10).await.unwrap();
    assert_eq!(queued.len(), 1, "{queued:?}");
    let m = &queued[0];
    assert_eq!((m.status.as_str(), m.attempts), ("pending", 1));
    assert!(m.last_error.is_some());
    let first_wait = m.next_attempt_at - now_ms();
    assert!(
        (50_000..=61_000).contains(&first_wait),
        "first retry a minute later: {first_wait}"
    );

    // Each later failure waits longer; after the last one the e-mail is given up and kept
    // in the outbox folder.
    let mut waits = Vec::new();
    for _ in 0..5 {
        let due = app.db.mail_outbox(10).await.unwrap()[0].next_attempt_at;
        embarq_web::outbox::send_due(&app.state.app, due)
            .await
            .unwrap();
        let m = app.db.mail_outbox(10).await.unwrap()[0].clone();
        waits.push(m.next_attempt_at - due);
        if m.status == "failed" {
            break;
        }
    }
    assert_eq!(
        waits[..4],
        embarq_web::outbox::BACKOFF_MS[1..],
        "backoff: {waits:?}"
    );
    let m = app.db.mail_outbox(10).await.unwrap()[0].clone();
    assert_eq!((m.status.as_str(), m.attempts), ("failed", 6));
    let kept = app.outbox_to("bob@acme.test").await;
    assert_eq!(kept.len(), 1, "the given-up e-mail is kept");
    assert!(kept[0].contains("/reset/"));

    // With a server up, a new e-mail goes out exactly once although two processes send at
    // the same instant, and leaves the database.
    let smtp = start_smtp_on(port);
    let other = embarq_web::AppState::new(app.db.clone(), (*app.state.config).clone()).unwrap();
    assert_eq!(forgot(&app, "bob@acme.test").await, 200);
    let (a, b) = tokio::join!(
        embarq_web::outbox::send_due(&app.state.app, now_ms()),
        embarq_web::outbox::send_due(&other, now_ms())
    );
    a.unwrap();
    b.unwrap();
    app.flush_mail().await;
    let got = to(&received(&smtp), "bob@acme.test");
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(
        got[0]["parts"][0]["body"]
            .as_str()
            .unwrap()
            .contains("/reset/")
    );
    let left = app.db.mail_outbox(10).await.unwrap();
    assert_eq!(left.len(), 1, "only the given-up e-mail stays: {left:?}");
}

#[tokio::test]
async fn a_silent_smtp_server_holds_up_neither_requests_nor_the_scheduler() {
    // A server that accepts connections and never says a word.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            open.push(socket);
        }
    });
    let app = spawn_with_smtp(port).await;
    app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let mgr = app.login("alice@acme.test").await;
    let people = ["bob@acme.test", "carol@acme.test", "dave@acme.test"];
    let mut ids = Vec::new();
    for p in people {
        ids.push(app.member(org, p, p).await.0);
    }

    let quick = Duration::from_secs(5);
    for p in people {
        let status = tokio::time::timeout(quick, forgot(&app, p))
            .await
            .expect("a request waited for the SMTP server");
        assert_eq!(status, 200);
    }
    tokio::time::timeout(quick, embarq_web::jobs::run_due(&app.state, now_ms()))
        .await
        .expect("the scheduler waited for the SMTP server");
    // The e-mails are still there, waiting for a server that answers.
    let waiting = app.db.mail_outbox(10).await.unwrap();
    assert_eq!(waiting.len(), 3);
    assert!(waiting.iter().all(|m| m.status == "pending"));
    // Erasing a person erases the e-mails still waiting for them.
    let (s, _) = embarq_testkit::api(
        &mgr,
        reqwest::Method::DELETE,
        &format!("/api/v1/members/{}", ids[1]),
        None,
    )
    .await;
    assert_eq!(s, 204);
    let waiting = app.db.mail_outbox(10).await.unwrap();
    assert_eq!(waiting.len(), 2);
    assert!(waiting.iter().all(|m| m.recipient != "carol@acme.test"));
    held.abort();
}

/// A person created over SCIM and the `member.invited` delivery that announces them commit
/// together: when the delivery cannot be written, nobody is created (the provisioning
/// client retries), and once it can, both are there.
#[tokio::test]
async fn a_scim_created_person_is_kept_with_member_invited_or_not_at_all() {
    use reqwest::Method;
    use serde_json::json;
    let app = spawn_app_with(|c| c.webhook_allow_private = true).await;
    let mgr = app.setup("alice@acme.test").await;
    let (s, hook) = embarq_testkit::api(
        &mgr,
        Method::POST,
        "/api/v1/webhooks",
        Some(json!({"url": "http://127.0.0.1:9/hook", "events": ["member.invited"]})),
    )
    .await;
    assert_eq!(s, 201, "{hook}");
    let hook = hook["id"].as_str().unwrap().to_string();
    let token = crate::scim::token(&mgr, "hr").await;
    let person = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "dana",
        "emails": [{"value": "dana@acme.test", "type": "work", "primary": true}],
    });

    app.refuse_inserts("webhook_deliveries", None).await;
    let (s, _) = crate::scim::scim(
        &app,
        Some(&token),
        Method::POST,
        "/Users",
        Some(person.clone()),
    )
    .await;
    assert_eq!(s, 500);
    assert!(
        app.db
            .user_by_email("dana@acme.test")
            .await
            .unwrap()
            .is_none()
    );

    app.allow_inserts("webhook_deliveries").await;
    let (s, v) = crate::scim::scim(&app, Some(&token), Method::POST, "/Users", Some(person)).await;
    assert_eq!(s, 201, "{v}");
    let (_, log) = embarq_testkit::api(
        &mgr,
        Method::GET,
        &format!("/api/v1/webhooks/{hook}/deliveries"),
        None,
    )
    .await;
    let log = log.as_array().unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0]["event_type"], "member.invited");
    assert!(
        log[0]["payload"].to_string().contains("dana@acme.test"),
        "{}",
        log[0]
    );
}
