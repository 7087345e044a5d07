use embarq_testkit::spawn_app;

#[tokio::test]
async fn resending_an_invitation_confirms_on_the_profile() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let r = mgr
        .post_form(
            "/admin/invite",
            &[("email", "bob@acme.test"), ("display_name", "Bob")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let bob = app.user("bob@acme.test").await;
    let (_, before) = mgr.get_text(&format!("/people/{}", bob.id)).await;
    assert!(!before.contains(r#"class="notice""#));
    let sent_before = app.mail_links("bob@acme.test").await.len();

    let loc = mgr
        .post_redirect(&format!("/admin/members/{}/invite", bob.id), &[])
        .await;
    assert_eq!(loc, format!("/people/{}?sent=1", bob.id));
    assert_eq!(app.mail_links("bob@acme.test").await.len(), sent_before + 1);
    let (status, page) = mgr.get_text(&loc).await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"class="notice""#), "{page}");
    assert!(
        page.contains("Invitation renvoyée à bob@acme.test")
            || page.contains("Invitation sent again to bob@acme.test"),
        "{page}"
    );
}

#[tokio::test]
async fn profiles_tag_invited_and_deactivated_members() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (carol_id, _) = app.member(org, "carol@acme.test", "Carol").await;
    mgr.post_form(
        "/admin/invite",
        &[("email", "bob@acme.test"), ("display_name", "Bob")],
    )
    .await;
    let bob = app.user("bob@acme.test").await;
    let (_, page) = mgr.get_text(&format!("/people/{}", bob.id)).await;
    assert!(
        page.contains(r#"<span class="tag status-invited">Invité</span>"#),
        "{page}"
    );
    let (_, page) = mgr.get_text(&format!("/people/{carol_id}")).await;
    assert!(!page.contains("status-"), "active members carry no tag");
    mgr.post_redirect(&format!("/admin/members/{carol_id}/deactivate"), &[])
        .await;
    let (_, page) = mgr.get_text(&format!("/people/{carol_id}")).await;
    assert!(
        page.contains(r#"<span class="tag status-deactivated">Désactivé</span>"#),
        "{page}"
    );
}

#[tokio::test]
async fn favicon_is_served() {
    let app = spawn_app().await;
    let r = reqwest::get(format!("{}/favicon.ico", app.base))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/svg+xml");
    assert!(r.text().await.unwrap().contains("<svg"));
}

#[tokio::test]
async fn profile_photos_are_checked_from_their_bytes() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let upload = |bytes: Vec<u8>, name: &'static str| {
        let form = reqwest::multipart::Form::new().part(
            "photo",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
        mgr.client
            .post(mgr.url(&format!("/settings/photo?_csrf={}", mgr.csrf)))
            .multipart(form)
            .send()
    };
    let r = upload(
        b"<html><script>alert(1)</script></html>".to_vec(),
        "evil.png",
    )
    .await
    .unwrap();
    assert_eq!(r.status(), 422, "an HTML file named .png is refused");
    let alice = app.user("alice@acme.test").await;
    assert!(!alice.has_photo);
    let png =
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89".to_vec();
    let r = upload(png.clone(), "me.png").await.unwrap();
    assert_eq!(r.status(), 303);
    let r = mgr.get(&format!("/people/{}/photo", alice.id)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/png");
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().to_vec(), png);
    let r = upload(vec![0u8; 3 * 1024 * 1024], "big.jpg").await.unwrap();
    assert_eq!(r.status(), 422);
}
