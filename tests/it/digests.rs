//! Notification preferences and e-mail digests, against a real SMTP server (aiosmtpd from
//! PyPI, started by the test): preferences are honoured (off → nothing, e-mail → mailed),
//! a digest goes out once even with two server processes, in each person's language, with
//! text and HTML parts, and nobody gets an empty digest. Every e-mail goes through the
//! outbox: queued with its change, sent by whichever process claims it.
use crate::smtp::{Smtp, received, smtp_config, start_smtp, to};
use embarq_store::now_ms;
use embarq_testkit::{TestApp, api, last_id, spawn_app_with};
use reqwest::Method;
use serde_json::{Value, json};

const DAY: i64 = 24 * 3600 * 1000;

/// The digests among received messages.
/// The digests the SMTP server has stored, once at least one is there (10 s at most): the
/// other state's own sender may still be delivering when `send_from_both` returns.
async fn arrived_digests(smtp: &Smtp) -> Vec<Value> {
    for _ in 0..100 {
        let found = digests(&received(smtp));
        if !found.is_empty() {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Vec::new()
}

fn digests(msgs: &[Value]) -> Vec<Value> {
    msgs.iter()
        .filter(|m| {
            let s = m["subject"].as_str().unwrap_or_default();
            s.contains("digest") || s.contains("résumé")
        })
        .cloned()
        .collect()
}

/// A server whose e-mail goes to `smtp`.
async fn spawn_smtp_app(smtp: &Smtp) -> TestApp {
    let config = smtp_config(smtp);
    spawn_app_with(|c| c.smtp = Some(config)).await
}

/// Another "server process": its own state (and mailer) over the same database, sending
/// through the SMTP server.
fn smtp_state(app: &TestApp, smtp: &Smtp) -> embarq_web::AppState {
    let mut config = embarq_web::Config::new(&app.base, app.data_dir.clone());
    config.smtp = Some(smtp_config(smtp));
    embarq_web::AppState::new(app.db.clone(), config).unwrap()
}

/// Both processes send what is queued, at once; then whatever the server's own sender holds
/// is waited for.
async fn send_from_both(app: &TestApp, other: &embarq_web::AppState) {
    let (a, b) = tokio::join!(
        embarq_web::outbox::send_due(&app.state.app, now_ms()),
        embarq_web::outbox::send_due(other, now_ms())
    );
    a.unwrap();
    b.unwrap();
    app.flush_mail().await;
}

#[tokio::test]
async fn preferences_are_honoured_and_a_digest_is_sent_once() {
    let smtp = start_smtp();
    let app = spawn_smtp_app(&smtp).await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let (dave_id, dave) = app.member(org, "dave@acme.test", "Dave").await;

    // Bob reads English; the others keep French (the default).
    let r = bob
        .post_form(
            "/settings/profile",
            &[("display_name", "Bob"), ("locale", "en")],
        )
        .await;
    assert_eq!(r.status(), 303);

    // The digest hour is two hours from now (UTC): the slot falls after today's activity.
    let hour = (now_ms() / 3_600_000 % 24 + 2) % 24;
    // Bob, through the API: mentions by e-mail, comments off, a daily digest.
    let (s, v) = api(
        &bob,
        Method::PUT,
        "/api/v1/account/notification-preferences",
        Some(json!({
            "channels": {"mentions": "email", "comments": "off"},
            "digest": {"frequency": "daily", "weekday": 0, "hour": hour, "time_zone": "UTC"}
        })),
    )
    .await;
    assert_eq!(s, 200, "{v}");
    assert_eq!(v["channels"]["mentions"], "email");
    assert_eq!(v["channels"]["events"], "email", "defaults fill the rest");
    // Bad input: field errors, nothing saved.
    let (s, v) = api(
        &bob,
        Method::PUT,
        "/api/v1/account/notification-preferences",
        Some(json!({
            "channels": {"mentions": "pigeon"},
            "digest": {"frequency": "hourly", "weekday": 9, "hour": 25, "time_zone": "Mars/Base"}
        })),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(v["errors"].as_array().unwrap().len(), 5, "{v}");
    let (_, v) = api(
        &bob,
        Method::GET,
        "/api/v1/account/notification-preferences",
        None,
    )
    .await;
    assert_eq!(v["digest"]["frequency"], "daily");

    // Carol, through the settings page: daily digest, in-app mentions (the default).
    assert_eq!(carol.get("/settings").await.status(), 200);
    let (s, page) = carol.get_text("/settings/notifications").await;
    assert_eq!(s, 200);
    assert!(page.contains("ch_mentions"));
    let hour_s = hour.to_string();
    let r = carol
        .post_form(
            "/settings/notifications",
            &[
                ("ch_mentions", "app"),
                ("frequency", "daily"),
                ("weekday", "0"),
                ("hour", &hour_s),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let r = carol
        .post_form(
            "/settings/notifications",
            &[
                ("frequency", "daily"),
                ("weekday", "0"),
                ("hour", "99"),
                ("time_zone", "UTC"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    // Dave: mentions off, a daily digest too, but he is in no sphere: nothing to tell him.
    let (s, _) = api(
        &dave,
        Method::PUT,
        "/api/v1/account/notification-preferences",
        Some(json!({
            "channels": {"mentions": "off"},
            "digest": {"frequency": "daily", "weekday": 0, "hour": hour, "time_zone": "UTC"}
        })),
    )
    .await;
    assert_eq!(s, 200);

    // Activity: Alice publishes in an open sphere Bob and Carol joined, mentioning all three.
    let sphere = mgr
        .post_redirect("/spheres", &[("name", "Résultats"), ("kind", "open")])
        .await;
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    carol.post_redirect(&format!("{sphere}/join"), &[]).await;
    let sid = last_id(&sphere).to_string();
    mgr.post_redirect(
        "/posts",
        &[
            ("sphere_id", &sid),
            (
                "body",
                "Quarterly results are out @bob@acme.test @carol@acme.test @dave@acme.test",
            ),
        ],
    )
    .await;
    let bob_post = bob
        .post_redirect("/posts", &[("sphere_id", &sid), ("body", "My question")])
        .await;
    mgr.post_form(
        &format!("{bob_post}/comments"),
        &[("body", "Good question")],
    )
    .await;

    // Bob: the mention is stored and e-mailed at once; the comment is off (not stored).
    let bob_notes = app.db.notifications(bob_id, 20).await.unwrap();
    assert!(bob_notes.iter().any(|n| n.kind == "mention"));
    assert!(
        !bob_notes.iter().any(|n| n.kind == "comment"),
        "comments are off"
    );
    app.flush_mail().await;
    let mails = to(&received(&smtp), "bob@acme.test");
    assert_eq!(mails.len(), 1, "{mails:?}");
    assert!(
        mails[0]["parts"][0]["body"]
            .as_str()
            .unwrap()
            .contains("mentioned you")
    );
    // Carol: in-app only, no e-mail. Dave: off, nothing stored and no e-mail.
    assert!(
        app.db
            .notifications(carol_id, 20)
            .await
            .unwrap()
            .iter()
            .any(|n| n.kind == "mention")
    );
    assert!(to(&received(&smtp), "carol@acme.test").is_empty());
    assert!(app.db.notifications(dave_id, 20).await.unwrap().is_empty());
    assert!(to(&received(&smtp), "dave@acme.test").is_empty());

    // Tomorrow, two server processes run the scheduled work at the same instant.
    let (one, two) = (app.state.app.clone(), smtp_state(&app, &smtp));
    let at = now_ms() + DAY;
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&one, at),
        embarq_web::jobs::run_due(&two, at)
    );
    assert_eq!(a.count("digests") + b.count("digests"), 2, "Bob and Carol");
    // Again, from both: nothing more.
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&one, at + 60_000),
        embarq_web::jobs::run_due(&two, at + 60_000)
    );
    assert_eq!(a.count("digests") + b.count("digests"), 0);

    send_from_both(&app, &two).await;
    let msgs = arrived_digests(&smtp).await;
    assert_eq!(msgs.len(), 2, "{msgs:?}");
    let bob_digest = to(&msgs, "bob@acme.test");
    assert_eq!(bob_digest.len(), 1, "exactly one digest for Bob");
    let d = &bob_digest[0];
    assert_eq!(d["subject"], "Your daily embarq digest");
    assert_eq!(d["content_type"], "multipart/alternative");
    let parts = d["parts"].as_array().unwrap();
    let text = parts.iter().find(|p| p["type"] == "text/plain").unwrap()["body"]
        .as_str()
        .unwrap();
    let html = parts.iter().find(|p| p["type"] == "text/html").unwrap()["body"]
        .as_str()
        .unwrap();
    for body in [text, html] {
        assert!(body.contains("Alice Manager"), "{body}");
        assert!(body.contains("mentioned you"), "{body}");
        assert!(body.contains("Quarterly results are out"), "{body}");
        assert!(
            body.contains("/settings/notifications"),
            "manage link: {body}"
        );
        assert!(!body.contains("Good question"), "comments are off for Bob");
        assert!(
            !body.contains("My question"),
            "his own post is not news to him"
        );
    }
    assert!(html.contains(&format!("{}/posts/", app.base)));
    let carol_digest = to(&msgs, "carol@acme.test");
    assert_eq!(carol_digest.len(), 1);
    assert_eq!(carol_digest[0]["subject"], "Votre résumé embarq du jour");
    assert!(to(&msgs, "dave@acme.test").is_empty(), "no empty digest");

    // Read everything: the next day's digest has nothing unread and is not sent.
    bob.post_redirect("/notifications/read", &[]).await;
    let r = embarq_web::jobs::run_due(&one, at + DAY).await;
    assert_eq!(r.count("digests"), 0);
    app.flush_mail().await;
    assert_eq!(to(&digests(&received(&smtp)), "bob@acme.test").len(), 1);
}

#[tokio::test]
async fn weekly_digest_and_the_peer_server() {
    let smtp = start_smtp();
    let app = spawn_smtp_app(&smtp).await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (s, _) = api(
        &bob,
        Method::PUT,
        "/api/v1/account/notification-preferences",
        Some(json!({
            "channels": {},
            "digest": {"frequency": "weekly", "weekday": 2, "hour": 9, "time_zone": "Europe/Paris"}
        })),
    )
    .await;
    assert_eq!(s, 200);
    let sphere = mgr
        .post_redirect("/spheres", &[("name", "Annonces RH"), ("kind", "open")])
        .await;
    bob.post_redirect(&format!("{sphere}/join"), &[]).await;
    mgr.post_redirect(
        "/posts",
        &[
            ("sphere_id", &last_id(&sphere).to_string()),
            ("body", "Nouvelle mutuelle"),
        ],
    )
    .await;
    // A second `embarq serve` on the same database is harmless (its own ticker runs at the
    // real time, before any slot); two SMTP-configured states race for the weekly slot.
    let _peer = app.spawn_peer().await;
    let (one, two) = (app.state.app.clone(), smtp_state(&app, &smtp));
    let at = now_ms() + 8 * DAY;
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&one, at),
        embarq_web::jobs::run_due(&two, at)
    );
    assert_eq!(a.count("digests") + b.count("digests"), 1);
    send_from_both(&app, &two).await;
    let msgs = arrived_digests(&smtp).await;
    assert_eq!(msgs.len(), 1, "{msgs:?}");
    assert_eq!(msgs[0]["subject"], "Votre résumé embarq de la semaine");
    let text = msgs[0]["parts"][0]["body"].as_str().unwrap();
    assert!(
        text.contains("Nouvelle mutuelle") && text.contains("Annonces RH"),
        "{text}"
    );
}
