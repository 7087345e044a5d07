use embarq_testkit::{PASSWORD, spawn_app};

#[tokio::test]
async fn setup_creates_the_organization_once() {
    let app = spawn_app().await;
    let anon = app.browser();
    let r = anon.get("/").await;
    assert_eq!(r.headers()["location"], "/setup");
    let mgr = app.setup("alice@acme.test").await;
    let (status, html) = mgr.get_text("/").await;
    assert_eq!(status, 200);
    assert!(html.contains("Alice Manager"));
    // A second setup is refused and creates nothing.
    let mut other = app.browser();
    other.refresh_csrf("/login").await;
    let r = other
        .post_form(
            "/setup",
            &[
                ("org_name", "Evil"),
                ("display_name", "E"),
                ("email", "e@evil.test"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.headers()["location"], "/login");
    assert_eq!(app.db.organization_count().await.unwrap(), 1);
    assert!(app.db.user_by_email("e@evil.test").await.unwrap().is_none());
}

#[tokio::test]
async fn setup_validation_rerenders_with_messages_and_writes_nothing() {
    let app = spawn_app().await;
    let mut b = app.browser();
    b.refresh_csrf("/setup").await;
    let r = b
        .post_form(
            "/setup",
            &[
                ("org_name", ""),
                ("display_name", "Al"),
                ("email", "not-an-email"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("not a valid e-mail") || html.contains("pas valide"),
        "{html}"
    );
    assert!(
        html.contains("value=\"Al\""),
        "the form keeps what was typed"
    );
    assert_eq!(app.db.organization_count().await.unwrap(), 0);
}

#[tokio::test]
async fn csrf_is_required_on_state_changing_requests() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let r = mgr
        .post_form_no_csrf("/spheres", &[("name", "Sneaky"), ("kind", "open")])
        .await;
    assert_eq!(r.status(), 403);
    // Refused before any handler runs, yet a page in the person's language, not a bare status.
    let page = r.text().await.unwrap();
    assert!(
        page.contains("Ce formulaire a expiré") && page.contains("<html"),
        "{page}"
    );
    let r = mgr
        .client
        .post(mgr.url("/spheres"))
        .header("x-csrf-token", "wrong")
        .form(&[("name", "Sneaky"), ("kind", "open")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let org = app.org_id("alice@acme.test").await;
    let uid = app.user("alice@acme.test").await.id;
    assert!(
        !app.db
            .visible_spheres(org, uid, false)
            .await
            .unwrap()
            .iter()
            .any(|s| s.name == "Sneaky")
    );
    // Sign-in forms are protected too (double-submit cookie).
    let anon = app.browser();
    let r = anon
        .post_form_no_csrf(
            "/login",
            &[("email", "alice@acme.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Ce formulaire a expiré"));
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let cookie_client = mgr.client.clone();
    let r = mgr.post_form("/logout", &[]).await;
    assert_eq!(r.headers()["location"], "/login");
    let r = cookie_client
        .get(mgr.url("/settings"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert!(
        r.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login")
    );
}

#[tokio::test]
async fn sign_in_is_rate_limited() {
    let app = spawn_app().await;
    let _ = app.setup("alice@acme.test").await;
    let mut b = app.browser();
    b.refresh_csrf("/login").await;
    for _ in 0..5 {
        let r = b
            .post_form(
                "/login",
                &[
                    ("email", "alice@acme.test"),
                    ("password", "wrong password!"),
                ],
            )
            .await;
        assert_eq!(r.status(), 422);
        assert!(r.text().await.unwrap().contains("password"));
    }
    let r = b
        .post_form(
            "/login",
            &[("email", "alice@acme.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(
        r.status(),
        429,
        "even the right password waits after too many failures"
    );
}

#[tokio::test]
async fn invitation_link_sets_the_password_once() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let r = mgr
        .post_form(
            "/admin/invite",
            &[("email", "Bob@Acme.test"), ("display_name", "Bob")],
        )
        .await;
    assert_eq!(r.status(), 200);
    let bob = app.user("bob@acme.test").await;
    assert_eq!(bob.status, embarq_domain::UserStatus::Invited);
    let links = app.mail_links("bob@acme.test").await;
    assert_eq!(links.len(), 1, "one invitation e-mail in the outbox");
    let path = links[0].trim_start_matches(&app.base).to_string();
    let mut b = app.browser();
    b.refresh_csrf(&path).await;
    let r = b
        .post_form(&path, &[("password", "short"), ("confirm", "short")])
        .await;
    assert_eq!(r.status(), 422);
    let r = b
        .post_form(&path, &[("password", PASSWORD), ("confirm", PASSWORD)])
        .await;
    assert_eq!(r.status(), 303);
    let (_, home) = b.get_text("/").await;
    assert!(home.contains("Bob"));
    assert_eq!(
        app.user("bob@acme.test").await.status,
        embarq_domain::UserStatus::Active
    );
    // The link works once.
    let mut c = app.browser();
    c.refresh_csrf("/login").await;
    let r = c
        .post_form(
            &path,
            &[
                ("password", "another password"),
                ("confirm", "another password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    // Inviting the same address again is a clear conflict, not a 500.
    let r = mgr
        .post_form("/admin/invite", &[("email", "bob@acme.test")])
        .await;
    assert_eq!(r.status(), 409);
}

#[tokio::test]
async fn password_reset_by_email() {
    let app = spawn_app().await;
    let _ = app.setup("alice@acme.test").await;
    let mut b = app.browser();
    b.refresh_csrf("/forgot").await;
    let r = b
        .post_form("/forgot", &[("email", "alice@acme.test")])
        .await;
    assert_eq!(r.status(), 200);
    let r = b
        .post_form("/forgot", &[("email", "nobody@acme.test")])
        .await;
    assert_eq!(r.status(), 200, "unknown addresses get the same answer");
    let links = app.mail_links("alice@acme.test").await;
    assert_eq!(links.len(), 1);
    let path = links[0].trim_start_matches(&app.base).to_string();
    let r = b
        .post_form(
            &path,
            &[
                ("password", "a brand new password"),
                ("confirm", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let mut c = app.browser();
    c.refresh_csrf("/login").await;
    let r = c
        .post_form(
            "/login",
            &[
                ("email", "alice@acme.test"),
                ("password", "a brand new password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
}

#[tokio::test]
async fn language_follows_browser_and_switcher() {
    let app = spawn_app().await;
    let _ = app.setup("alice@acme.test").await;
    let anon = app.browser();
    let fr = anon.get_in("/login", "fr-FR,fr;q=0.9").await;
    assert!(fr.contains("Connexion"));
    let en = anon.get_in("/login", "en-US").await;
    assert!(en.contains("Sign in"));
    let mut b = app.browser();
    b.refresh_csrf("/login").await;
    let r = b
        .client
        .post(b.url("/lang"))
        .header("accept-language", "en-US")
        .form(&[("_csrf", b.csrf.as_str()), ("lang", "fr")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let page = b.get_in("/login", "en-US").await;
    assert!(
        page.contains("Connexion"),
        "the switcher's cookie wins over the browser"
    );
}

/// Launch day: a whole office behind one address signs in at once. More people than the
/// address's free attempts (50) must all get in: only attempts that fail may count.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_office_signing_in_at_once_is_not_throttled() {
    let app = spawn_app().await;
    let _ = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let hash = embarq_web::auth::hash_password(PASSWORD.to_string())
        .await
        .unwrap();
    let mut browsers = Vec::new();
    for i in 0..70 {
        let email = format!("worker{i}@acme.test");
        app.db
            .create_member(&embarq_store::NewMember {
                org_id: org,
                email: email.clone(),
                display_name: format!("Worker {i}"),
                password_hash: Some(hash.clone()),
                org_role: embarq_domain::OrgRole::Member,
                status: embarq_domain::UserStatus::Active,
            })
            .await
            .unwrap();
        let mut b = app.browser();
        b.refresh_csrf("/login").await;
        browsers.push((b, email));
    }
    let statuses = embarq_testkit::concurrently(browsers.len(), |i| {
        let (b, email) = browsers[i].clone();
        async move {
            b.post_form("/login", &[("email", &email), ("password", PASSWORD)])
                .await
                .status()
                .as_u16()
        }
    })
    .await;
    assert_eq!(
        embarq_testkit::count(&statuses, 303),
        70,
        "every correct password signs in: {statuses:?}"
    );
}

/// People who give up waiting (a phone's timeout in a launch-morning queue) leave no
/// attempt counted against their office's address: a colleague still signs in.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn abandoned_sign_ins_do_not_throttle_the_office() {
    let app = spawn_app().await;
    let _ = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let hash = embarq_web::auth::hash_password(PASSWORD.to_string())
        .await
        .unwrap();
    for i in 0..60 {
        app.db
            .create_member(&embarq_store::NewMember {
                org_id: org,
                email: format!("worker{i}@acme.test"),
                display_name: format!("Worker {i}"),
                password_hash: Some(hash.clone()),
                org_role: embarq_domain::OrgRole::Member,
                status: embarq_domain::UserStatus::Active,
            })
            .await
            .unwrap();
    }
    let mut b = app.browser();
    b.refresh_csrf("/login").await;
    let csrf = b.csrf.clone();
    // Each gives up while the password is being checked (argon2 takes longer than this).
    for i in 0..60 {
        let email = format!("worker{i}@acme.test");
        let form = [
            ("_csrf", csrf.as_str()),
            ("email", email.as_str()),
            ("password", PASSWORD),
        ];
        let _ = b
            .client
            .post(b.url("/login"))
            .form(&form)
            .timeout(std::time::Duration::from_millis(12))
            .send()
            .await;
    }
    // Attempts still running finish (and are given back) within their argon2 time.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let _ = app.login("alice@acme.test").await;
}
