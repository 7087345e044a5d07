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
    let bob = app
        .db
        .user_by_email("bob@acme.test")
        .await
        .unwrap()
        .unwrap();
    let (_, before) = mgr.get_text(&format!("/people/{}", bob.id)).await;
    assert!(!before.contains(r#"class="notice""#));
    let sent_before = app.mail_links("bob@acme.test").len();

    let loc = mgr
        .post_redirect(&format!("/admin/members/{}/invite", bob.id), &[])
        .await;
    assert_eq!(loc, format!("/people/{}?sent=1", bob.id));
    assert_eq!(app.mail_links("bob@acme.test").len(), sent_before + 1);
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
    let bob = app
        .db
        .user_by_email("bob@acme.test")
        .await
        .unwrap()
        .unwrap();
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
