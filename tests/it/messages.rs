//! Private messages are noticed: an unread badge and one notification per conversation, and an
//! e-mail when they stay unread for the delay the person chose (never once read, never twice
//! for the same messages, never if they chose so).
use embarq_store::now_ms;
use embarq_testkit::{Browser, api, spawn_app};
use reqwest::Method;
use serde_json::json;

async fn read(b: &Browser, conversation: &str) {
    let path = format!("/api/v1/conversations/{conversation}/messages");
    assert_eq!(api(b, Method::GET, &path, None).await.0, 200);
}

async fn say(b: &Browser, conversation: &str, body: &str) {
    let (s, m) = api(
        b,
        Method::POST,
        &format!("/api/v1/conversations/{conversation}/messages"),
        Some(json!({ "body": body })),
    )
    .await;
    assert_eq!(s, 201, "{m}");
}

#[tokio::test]
async fn unread_messages_raise_a_badge_a_notification_and_then_an_email() {
    let app = spawn_app().await;
    let alice = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (s, c) = api(
        &alice,
        Method::POST,
        "/api/v1/conversations",
        Some(json!({ "members": [bob_id] })),
    )
    .await;
    assert_eq!(s, 201);
    let conv = c["id"].as_str().unwrap().to_string();
    say(&alice, &conv, "Tu passes à l'atelier ?").await;
    say(&alice, &conv, "Vers 14 h ?").await;

    let (_, home) = bob.get_text("/").await;
    assert!(
        home.contains(r#"<span id="unread-messages" data-count="messages" class="badge">1</span>"#)
    );
    let (_, notifications) = bob.get_text("/notifications").await;
    assert_eq!(
        notifications.matches("vous a envoyé un message").count(),
        1,
        "one notification for the conversation, not one per message"
    );

    // Not read after 15 minutes: one e-mail, and only one.
    let later = now_ms() + 16 * 60_000;
    assert_eq!(
        embarq_web::service::messages::mail_unread(&app.state.app, now_ms())
            .await
            .unwrap(),
        0,
        "not yet"
    );
    assert_eq!(
        embarq_web::service::messages::mail_unread(&app.state.app, later)
            .await
            .unwrap(),
        1
    );
    assert_eq!(
        embarq_web::service::messages::mail_unread(&app.state.app, later)
            .await
            .unwrap(),
        0
    );
    let mails = app.outbox_to("bob@acme.test").await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].contains("2 messages"), "{}", mails[0]);
    assert!(mails[0].contains(&format!("/messages/{conv}")));
    // Alice's own messages never mail her.
    assert!(app.outbox_to("alice@acme.test").await.is_empty());

    // Read: badge and notification cleared, and a message read in time is never mailed.
    read(&bob, &conv).await;
    let (_, home) = bob.get_text("/").await;
    assert!(
        home.contains(r#"<span id="unread-messages" data-count="messages" class="badge hidden""#)
    );
    assert!(home.contains(r#"<span id="unread" data-count="notifications" class="badge hidden""#));
    say(&alice, &conv, "Oublie, c'est réglé").await;
    read(&bob, &conv).await;
    let much_later = now_ms() + 60 * 60_000;
    assert_eq!(
        embarq_web::service::messages::mail_unread(&app.state.app, much_later)
            .await
            .unwrap(),
        0
    );

    // Bob chooses never: no e-mail however long messages wait; Alice keeps the default.
    let (_, prefs) = bob.get_text("/settings/notifications").await;
    assert!(prefs.contains(r#"<option value="15" selected>15 min</option>"#));
    let delay = async |minutes: u32| {
        let prefs = json!({"channels": {}, "digest": {"frequency": "off", "weekday": 0, "hour": 8, "time_zone": ""},
            "message_email_after": minutes});
        let path = "/api/v1/account/notification-preferences";
        api(&bob, Method::PUT, path, Some(prefs)).await
    };
    let (s, saved) = delay(0).await;
    assert_eq!(
        (s, saved["message_email_after"].as_u64()),
        (200, Some(0)),
        "{saved}"
    );
    assert_eq!(delay(7).await.0, 422, "only the proposed delays");
    say(&alice, &conv, "Dernière chose").await;
    let day = now_ms() + 24 * 3_600_000;
    assert_eq!(
        embarq_web::service::messages::mail_unread(&app.state.app, day)
            .await
            .unwrap(),
        0
    );
    assert_eq!(app.outbox_to("bob@acme.test").await.len(), 1);
}
