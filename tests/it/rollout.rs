//! The rollout plan: page and API, bad input, the sign-in gate, invitations as access opens,
//! the launch announcement and the readiness check.
use embarq_domain::rollout::DAY_MS;
use embarq_domain::{OrgId, OrgRole, SphereRole, UserId, UserStatus};
use embarq_store::{NewEvent, NewMember, ProfileUpdate, now_ms};
use embarq_testkit::{Browser, PASSWORD, TestApp, spawn_app};
use embarq_web::i18n::Lang;
use embarq_web::service::rollout::local_date;
use serde_json::{Value, json};

const TZ: &str = "Europe/Paris";

/// A member created directly in the store (not signed in), with a department and a site.
async fn person(
    app: &TestApp,
    org: OrgId,
    email: &str,
    status: UserStatus,
    department: Option<&str>,
    site: Option<&str>,
) -> UserId {
    let hash = embarq_web::auth::hash_password(PASSWORD.to_string())
        .await
        .unwrap();
    let id = app
        .db
        .create_member(&NewMember {
            org_id: org,
            email: email.to_string(),
            display_name: email.split('@').next().unwrap().to_string(),
            password_hash: (status == UserStatus::Active).then_some(hash),
            org_role: OrgRole::Member,
            status,
        })
        .await
        .unwrap();
    app.db
        .update_profile(
            id,
            &ProfileUpdate {
                display_name: email.split('@').next().unwrap().to_string(),
                title: None,
                department: department.map(str::to_string),
                site: site.map(str::to_string),
                birth_year: None,
                level: None,
                locale: None,
                time_zone: None,
            },
        )
        .await
        .unwrap();
    id
}

/// Sets a plan directly (any dates, past ones included) as if it had been saved earlier.
async fn plan(app: &TestApp, org: OrgId, launch_at: i64, days: i64, title: &str, body: &str) {
    let v = embarq_domain::rollout::PlanValues {
        launch_at,
        time_zone: TZ.to_string(),
        early_access_days: days,
        announcement_title: title.to_string(),
        announcement_md: body.to_string(),
    };
    app.db
        .save_rollout_plan(org, &v, &Default::default())
        .await
        .unwrap();
}

/// Posts the sign-in form in a language; returns status and page.
async fn sign_in(app: &TestApp, email: &str, lang: &str) -> (u16, String, Browser) {
    let mut b = app.browser();
    b.refresh_csrf("/login").await;
    let r = b
        .client
        .post(b.url("/login"))
        .header("accept-language", lang)
        .form(&[
            ("_csrf", b.csrf.as_str()),
            ("email", email),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let s = r.status().as_u16();
    (s, r.text().await.unwrap(), b)
}

/// E-mails of the outbox addressed to `to` that contain `needle`.
async fn mails(app: &TestApp, to: &str, needle: &str) -> usize {
    app.outbox_to(to)
        .await
        .iter()
        .filter(|t| t.contains(needle))
        .count()
}

/// Invitation e-mails to `to` from the manager or the rollout (not the automatic reminders
/// the nudges send later, which name another inviter).
async fn invitations(app: &TestApp, to: &str) -> usize {
    mails(app, to, "Alice Manager vous invite").await
}

fn future_date(days: i64) -> String {
    let (d, _) = embarq_domain::rollout::utc_to_local(TZ, now_ms() + days * DAY_MS);
    d.to_string()
}

fn plan_fields<'a>(date: &'a str, days: &'a str, tz: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("launch_date", date),
        ("launch_time", "09:00"),
        ("time_zone", tz),
        ("early_access_days", days),
        ("announcement_title", "Bienvenue"),
        ("announcement_body", "Le réseau est ouvert."),
    ]
}

async fn post_wave(b: &Browser, dim: &str, value: &str, on: String) -> reqwest::Response {
    b.post_form(
        "/admin/rollout/waves",
        &[
            ("dimension", dim),
            ("value", value),
            ("opens_on", &on),
            ("name", ""),
        ],
    )
    .await
}

#[tokio::test]
async fn rollout_page_plan_and_waves_with_bad_input() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, member) = app.member(org, "bob@acme.test", "Bob").await;
    let (_, admin) = mgr.get_text("/admin/members").await;
    assert!(admin.contains(r#"href="/admin/rollout""#));
    let (s, html) = mgr.get_text("/admin/rollout").await;
    assert_eq!(s, 200);
    assert!(html.contains("Pas encore de plan de déploiement"), "{html}");

    // Bad input: refused with a clear message, nothing saved.
    let r = mgr
        .post_form("/admin/rollout/plan", &plan_fields("2020-01-01", "7", TZ))
        .await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("cette date est passée"));
    let date = future_date(30);
    for days in ["0", "31"] {
        let r = mgr
            .post_form("/admin/rollout/plan", &plan_fields(&date, days, TZ))
            .await;
        assert_eq!(r.status(), 422);
        assert!(
            r.text()
                .await
                .unwrap()
                .contains("doit être entre 1 et 30 jours")
        );
    }
    let r = mgr
        .post_form(
            "/admin/rollout/plan",
            &plan_fields(&date, "7", "Mars/Olympus"),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(app.db.rollout_plan(org).await.unwrap().is_none());

    // A valid plan outside the recommended 7-10 days is accepted with a warning.
    let to = mgr
        .post_redirect("/admin/rollout/plan", &plan_fields(&date, "12", TZ))
        .await;
    assert_eq!(to, "/admin/rollout");
    let p = app.db.rollout_plan(org).await.unwrap().unwrap();
    assert_eq!(p.early_access_days, 12);
    assert_eq!(p.time_zone, TZ);
    let (_, html) = mgr.get_text("/admin/rollout").await;
    for text in [
        "Les guides recommandent 7 à 10 jours",
        "Préparation",
        "Accès anticipé des membres impliqués",
        "Lancement",
        "Après le lancement",
        "Aujourd&#39;hui",
        "Prochaine étape",
        &local_date(Lang::Fr, TZ, p.launch_at),
    ] {
        assert!(
            html.contains(text) || html.contains(&text.replace('\'', "&#x27;")),
            "missing {text}"
        );
    }
    let html_en = mgr.get_in("/admin/rollout", "en").await;
    assert!(html_en.contains("Rollout plan"));

    // Waves: unknown dimension and a date before launch are refused; nothing is added.
    let r = post_wave(&mgr, "team", "Lyon", future_date(40)).await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("Vague par"));
    let r = post_wave(&mgr, "site", "Lyon", future_date(20)).await;
    assert_eq!(r.status(), 422);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("une vague ne peut pas ouvrir avant le lancement")
    );
    assert!(app.db.rollout_waves(org).await.unwrap().is_empty());
    let r = post_wave(&mgr, "site", "Lyon", future_date(40)).await;
    assert_eq!(r.status(), 303);
    let waves = app.db.rollout_waves(org).await.unwrap();
    assert_eq!(waves.len(), 1);
    let (_, html) = mgr.get_text("/admin/rollout").await;
    assert!(html.contains("Lyon"));

    // Moving the launch after the wave is refused (nothing half-applied).
    let r = mgr
        .post_form(
            "/admin/rollout/plan",
            &plan_fields(&future_date(50), "7", TZ),
        )
        .await;
    assert_eq!(r.status(), 422);
    assert_eq!(
        app.db.rollout_plan(org).await.unwrap().unwrap().launch_at,
        p.launch_at
    );

    // Members cannot see or change the plan; other organizations' waves are 404.
    assert_eq!(member.get_text("/admin/rollout").await.0, 403);
    assert_eq!(
        member
            .post_form("/admin/rollout/plan", &plan_fields(&date, "7", TZ))
            .await
            .status(),
        403
    );
    app.other_org("Globex", "carol@globex.test").await;
    let other = app.login("carol@globex.test").await;
    let del = format!("/admin/rollout/waves/{}/delete", waves[0].id);
    assert_eq!(other.post_form(&del, &[]).await.status(), 404);
    assert_eq!(member.post_form(&del, &[]).await.status(), 403);
    assert_eq!(mgr.post_redirect(&del, &[]).await, "/admin/rollout#waves");
    assert!(app.db.rollout_waves(org).await.unwrap().is_empty());
}

#[tokio::test]
async fn rollout_json_api() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (_, member) = app.member(org, "bob@acme.test", "Bob").await;
    let api = |b: &Browser, m: reqwest::Method, path: &str| {
        b.client
            .request(m, b.url(&format!("/api/v1{path}")))
            .header("x-csrf-token", b.csrf.clone())
    };
    let v: Value = api(&mgr, reqwest::Method::GET, "/rollout")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(v["plan"].is_null());

    let r = api(&mgr, reqwest::Method::PUT, "/rollout")
        .json(&json!({"launch_local": "2020-01-01", "early_access_days": 40}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    let fields: Vec<&str> = p["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"launch_local") && fields.contains(&"early_access_days"));
    assert!(app.db.rollout_plan(org).await.unwrap().is_none());

    let date = future_date(20);
    let r = api(&mgr, reqwest::Method::PUT, "/rollout")
        .json(&json!({"launch_local": format!("{date}T10:00"), "announcement_title": "Hello", "announcement_md": "**Go**"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["phase"], "preparation");
    assert_eq!(v["plan"]["early_access_days"], 7);
    assert_eq!(v["plan"]["time_zone"], TZ);
    assert_eq!(v["plan"]["launch_local"], format!("{date}T10:00"));
    assert_eq!(v["phases"].as_array().unwrap().len(), 4);

    let r = api(&mgr, reqwest::Method::POST, "/rollout/waves")
        .json(&json!({"dimension": "region", "value": "Nord", "opens_local": future_date(30)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = api(&mgr, reqwest::Method::POST, "/rollout/waves")
        .json(&json!({"dimension": "department", "value": "Sales", "opens_local": future_date(10)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 422);
    let r = api(&mgr, reqwest::Method::POST, "/rollout/waves")
        .json(&json!({"dimension": "department", "value": "Sales", "opens_local": future_date(30)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let w: Value = r.json().await.unwrap();
    assert_eq!(w["name"], "Sales");
    let v: Value = api(&mgr, reqwest::Method::GET, "/rollout")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["waves"].as_array().unwrap().len(), 1);

    let r = api(&mgr, reqwest::Method::GET, "/rollout/readiness")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let items: Value = r.json().await.unwrap();
    assert_eq!(items.as_array().unwrap().len(), 6);

    // Members are refused; another organization's wave is 404.
    assert_eq!(
        api(&member, reqwest::Method::GET, "/rollout")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    assert_eq!(
        api(&member, reqwest::Method::GET, "/rollout/readiness")
            .send()
            .await
            .unwrap()
            .status(),
        403
    );
    app.other_org("Globex", "carol@globex.test").await;
    let other = app.login("carol@globex.test").await;
    let path = format!("/rollout/waves/{}", w["id"].as_str().unwrap());
    assert_eq!(
        api(&other, reqwest::Method::DELETE, &path)
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        api(&mgr, reqwest::Method::DELETE, &path)
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert!(app.db.rollout_waves(org).await.unwrap().is_empty());

    // The plan is removed with its waves; a member may not, and a second time is 404.
    let r = api(&mgr, reqwest::Method::POST, "/rollout/waves")
        .json(&json!({"dimension": "site", "value": "Lyon", "opens_local": future_date(30)}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let delete = |b: &Browser| api(b, reqwest::Method::DELETE, "/rollout").send();
    assert_eq!(delete(&member).await.unwrap().status(), 403);
    assert_eq!(delete(&mgr).await.unwrap().status(), 204);
    assert!(app.db.rollout_plan(org).await.unwrap().is_none());
    assert!(app.db.rollout_waves(org).await.unwrap().is_empty());
    assert_eq!(delete(&mgr).await.unwrap().status(), 404);
    // A plan that has launched stays: its announcement and invitations have gone out.
    plan(&app, org, now_ms() - 60_000, 7, "Hello", "Go").await;
    let r = delete(&mgr).await.unwrap();
    assert_eq!(r.status(), 422);
    let p: Value = r.json().await.unwrap();
    assert_eq!(p["code"], "rollout_launched");
    assert!(app.db.rollout_plan(org).await.unwrap().is_some());
}

#[tokio::test]
async fn sign_in_waits_for_the_members_phase() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let mgr_id = app.user("alice@acme.test").await.id;
    person(&app, org, "bob@acme.test", UserStatus::Active, None, None).await;
    let champ = person(&app, org, "chloe@acme.test", UserStatus::Active, None, None).await;
    app.db
        .confirm_champions(
            org,
            mgr_id,
            ("Champions", ""),
            &[(champ, "test".into())],
            None,
            None,
        )
        .await
        .unwrap();
    // Launch in three days, champions have seven days of early access.
    let launch = now_ms() + 3 * DAY_MS;
    plan(&app, org, launch, 7, "", "").await;

    let (s, html, b) = sign_in(&app, "bob@acme.test", "fr").await;
    assert_eq!(s, 403);
    let fr_date = local_date(Lang::Fr, TZ, launch);
    assert!(
        html.contains(&format!("Votre accès ouvre le {fr_date}")),
        "{html}"
    );
    // No session was created.
    assert_eq!(b.get("/").await.status(), 303);
    let (s, html, _) = sign_in(&app, "bob@acme.test", "en").await;
    assert_eq!(s, 403);
    assert!(html.contains(&format!(
        "Your access opens on {}",
        local_date(Lang::En, TZ, launch)
    )));
    // A wrong password still says wrong password (the date is not revealed).
    let mut b = app.browser();
    b.refresh_csrf("/login").await;
    let r = b
        .post_form(
            "/login",
            &[("email", "bob@acme.test"), ("password", "wrong password!")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(!r.text().await.unwrap().contains("Votre accès ouvre"));

    // A password reset link waits too.
    let mut anon = app.browser();
    anon.refresh_csrf("/forgot").await;
    anon.post_form("/forgot", &[("email", "bob@acme.test")])
        .await;
    let reset = app.mail_links("bob@acme.test").await.pop().unwrap();
    let reset = format!("/reset/{}", reset.split_once("/reset/").unwrap().1);
    anon.refresh_csrf(&reset).await;
    let r = anon
        .post_form(
            &reset,
            &[
                ("password", "another long password"),
                ("confirm", "another long password"),
            ],
        )
        .await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Votre accès ouvre le"));
    assert_eq!(anon.get("/").await.status(), 303);

    // Champions are in early access; managers always have access.
    assert_eq!(sign_in(&app, "chloe@acme.test", "fr").await.0, 303);
    assert_eq!(sign_in(&app, "alice@acme.test", "fr").await.0, 303);

    // An invitation link waits too, and still works once access opens.
    mgr.post_form(
        "/admin/invite",
        &[("email", "dan@acme.test"), ("display_name", "Dan")],
    )
    .await;
    let link = app.mail_links("dan@acme.test").await.pop().unwrap();
    let path = link.split_once("/invite/").unwrap().1;
    let path = format!("/invite/{path}");
    let mut dan = app.browser();
    dan.refresh_csrf(&path).await;
    let fields = [
        ("password", "a long new password"),
        ("confirm", "a long new password"),
    ];
    let r = dan.post_form(&path, &fields).await;
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("Votre accès ouvre le"));
    assert_eq!(
        app.user("dan@acme.test").await.status,
        embarq_domain::UserStatus::Invited
    );

    // After launch, a later wave still waits for its own date (site, case-insensitive).
    plan(&app, org, now_ms() - DAY_MS, 7, "", "").await;
    let wave_at = now_ms() + 5 * DAY_MS;
    app.db
        .add_rollout_wave(org, "Lyon", "site", "Lyon", wave_at, |_| Default::default())
        .await
        .unwrap();
    person(
        &app,
        org,
        "eve@acme.test",
        UserStatus::Active,
        None,
        Some(" lyon "),
    )
    .await;
    let (s, html, _) = sign_in(&app, "eve@acme.test", "fr").await;
    assert_eq!(s, 403);
    assert!(html.contains(&local_date(Lang::Fr, TZ, wave_at)));
    assert_eq!(sign_in(&app, "bob@acme.test", "fr").await.0, 303);
    dan.refresh_csrf(&path).await;
    assert_eq!(dan.post_form(&path, &fields).await.status(), 303);

    // Without a plan everyone has access.
    let other = app.other_org("Globex", "carol@globex.test").await;
    person(
        &app,
        other,
        "gus@globex.test",
        UserStatus::Active,
        None,
        None,
    )
    .await;
    assert_eq!(sign_in(&app, "gus@globex.test", "fr").await.0, 303);
}

async fn upload(b: &Browser, csv: &str) -> u16 {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("members.csv"),
        )
        .text("mode", "apply")
        .text("send_invitations", "true");
    b.client
        .post(b.url(&format!("/admin/import?_csrf={}", b.csrf)))
        .multipart(form)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

#[tokio::test]
async fn invitations_go_out_when_access_opens_exactly_once() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let launch = now_ms() + 10 * DAY_MS;
    plan(&app, org, launch, 7, "", "").await;
    app.db
        .add_rollout_wave(org, "Lille", "site", "lille", launch + 2 * DAY_MS, |_| {
            Default::default()
        })
        .await
        .unwrap();
    let csv = "email,first_name,last_name,department,site\n\
        ana@acme.test,Ana,A,Finance,Lyon\nben@acme.test,Ben,B,Sales,Paris\ncyd@acme.test,Cyd,C,Sales,Lille\n";
    assert_eq!(upload(&mgr, csv).await, 200);
    // Their access has not opened: the import did not mail them.
    for e in ["ana@acme.test", "ben@acme.test", "cyd@acme.test"] {
        assert_eq!(invitations(&app, e).await, 0, "{e} was mailed");
        assert!(
            app.db
                .invitation_sent_at(app.user(e).await.id)
                .await
                .unwrap()
                .is_none()
        );
    }
    // A manager's invitation goes out at once and is recorded.
    mgr.post_form("/admin/invite", &[("email", "dee@acme.test")])
        .await;
    assert_eq!(invitations(&app, "dee@acme.test").await, 1);
    let dee = app.user("dee@acme.test").await.id;
    assert!(app.db.invitation_sent_at(dee).await.unwrap().is_some());

    let r = embarq_web::jobs::run_due(&app.state, now_ms()).await;
    assert_eq!(r.count("rollout_invitations"), 0);

    // Ana is a champion: her invitation goes out when early access opens, from one of two
    // processes ticking at the same time.
    let ana = app.user("ana@acme.test").await.id;
    let mgr_id = app.user("alice@acme.test").await.id;
    app.db
        .confirm_champions(
            org,
            mgr_id,
            ("Champions", ""),
            &[(ana, "test".into())],
            None,
            None,
        )
        .await
        .unwrap();
    let second = embarq_web::AppState::new(
        app.db.clone(),
        embarq_web::Config::new(&app.base, app.data_dir.clone()),
    )
    .unwrap();
    let early = launch - 7 * DAY_MS;
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&app.state, early - 1),
        embarq_web::jobs::run_due(&second, early - 1)
    );
    assert_eq!(
        a.count("rollout_invitations") + b.count("rollout_invitations"),
        0
    );
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&app.state, early),
        embarq_web::jobs::run_due(&second, early)
    );
    assert_eq!(
        a.count("rollout_invitations") + b.count("rollout_invitations"),
        1
    );
    assert_eq!(invitations(&app, "ana@acme.test").await, 1);
    assert_eq!(invitations(&app, "ben@acme.test").await, 0);

    // Two processes tick at launch: everyone else (but the later wave) gets one invitation.
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&app.state, launch),
        embarq_web::jobs::run_due(&second, launch)
    );
    assert_eq!(
        a.count("rollout_invitations") + b.count("rollout_invitations"),
        1
    );
    assert_eq!(invitations(&app, "ana@acme.test").await, 1);
    assert_eq!(invitations(&app, "ben@acme.test").await, 1);
    assert_eq!(invitations(&app, "cyd@acme.test").await, 0);
    assert_eq!(invitations(&app, "dee@acme.test").await, 1);

    // The Lille wave opens two days later.
    let at = launch + 2 * DAY_MS;
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&app.state, at),
        embarq_web::jobs::run_due(&second, at)
    );
    assert_eq!(
        a.count("rollout_invitations") + b.count("rollout_invitations"),
        1
    );
    let r = embarq_web::jobs::run_due(&app.state, at + DAY_MS).await;
    assert_eq!(r.count("rollout_invitations"), 0);
    for e in [
        "ana@acme.test",
        "ben@acme.test",
        "cyd@acme.test",
        "dee@acme.test",
    ] {
        assert_eq!(invitations(&app, e).await, 1, "{e}");
    }
}

#[tokio::test]
async fn launch_announcement_is_published_once_at_launch() {
    let app = spawn_app().await;
    let _mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let launch = now_ms() + 10 * DAY_MS;
    plan(&app, org, launch, 7, "Launch day", "Welcome **everyone**").await;
    app.db
        .add_rollout_wave(org, "Lille", "site", "Lille", launch + 5 * DAY_MS, |_| {
            Default::default()
        })
        .await
        .unwrap();
    let ana = person(&app, org, "ana@acme.test", UserStatus::Active, None, None).await;
    let ben = person(&app, org, "ben@acme.test", UserStatus::Invited, None, None).await;
    let cyd = person(
        &app,
        org,
        "cyd@acme.test",
        UserStatus::Active,
        None,
        Some("Lille"),
    )
    .await;

    let r = embarq_web::jobs::run_due(&app.state, launch - 1).await;
    assert_eq!(r.count("rollout_announcement"), 0);
    let second = embarq_web::AppState::new(
        app.db.clone(),
        embarq_web::Config::new(&app.base, app.data_dir.clone()),
    )
    .unwrap();
    let (a, b) = tokio::join!(
        embarq_web::jobs::run_due(&app.state, launch),
        embarq_web::jobs::run_due(&second, launch)
    );
    assert_eq!(
        a.count("rollout_announcement") + b.count("rollout_announcement"),
        1
    );
    let p = app.db.rollout_plan(org).await.unwrap().unwrap();
    assert!(p.announced_at.is_some());
    let post = app
        .db
        .post(org, p.announcement_post_id.unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(post.pinned);
    assert!(post.body_html.contains("<strong>everyone</strong>"));
    assert_eq!(post.sphere_name, "Annonces");
    let sphere = p.announcement_sphere_id.unwrap();
    let members = app
        .db
        .sphere_member_ids(sphere, &[SphereRole::Admin, SphereRole::Member])
        .await
        .unwrap();
    for id in [ana, ben, cyd] {
        assert!(members.contains(&id));
        let n = app.db.notifications(id, 20).await.unwrap();
        assert_eq!(
            n.iter()
                .filter(|n| n.kind == "rollout_announcement")
                .count(),
            1
        );
    }
    // E-mailed to members whose access is open (not the later wave).
    assert_eq!(mails(&app, "ana@acme.test", "Launch day").await, 1);
    assert_eq!(mails(&app, "ben@acme.test", "Launch day").await, 1);
    assert_eq!(mails(&app, "alice@acme.test", "Launch day").await, 1);
    assert_eq!(mails(&app, "cyd@acme.test", "Launch day").await, 0);

    // Once only.
    let r = embarq_web::jobs::run_due(&app.state, launch + DAY_MS).await;
    assert_eq!(r.count("rollout_announcement"), 0);
    assert_eq!(mails(&app, "ana@acme.test", "Launch day").await, 1);
    let n = app.db.notifications(ana, 20).await.unwrap();
    assert_eq!(
        n.iter()
            .filter(|n| n.kind == "rollout_announcement")
            .count(),
        1
    );

    // The pinned post is on the sphere page, and the notification reads well (once launched).
    plan(
        &app,
        org,
        now_ms() - DAY_MS,
        7,
        "Launch day",
        "Welcome **everyone**",
    )
    .await;
    let reader = app.login("ana@acme.test").await;
    let (_, html) = reader.get_text(&format!("/spheres/{sphere}")).await;
    assert!(html.contains("Launch day"));
    let (_, html) = reader.get_text("/notifications").await;
    assert!(
        html.contains("a publié l&#39;annonce de lancement")
            || html.contains("a publié l&#x27;annonce de lancement"),
        "{html}"
    );
    let (_, html) = app
        .login("alice@acme.test")
        .await
        .get_text("/admin/rollout")
        .await;
    assert!(html.contains("Annonce de lancement publiée le"));
}

fn item<'a>(items: &'a Value, code: &str) -> &'a Value {
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap()
}

fn missing(items: &Value, code: &str) -> Vec<String> {
    item(items, code)["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn readiness_items_appear_and_disappear_as_things_are_fixed() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let mgr_id = app.user("alice@acme.test").await.id;
    let get = |b: &Browser| {
        let req = b.client.get(b.url("/api/v1/rollout/readiness"));
        async move { req.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let items = get(&mgr).await;
    assert_eq!(item(&items, "welcome_post")["ok"], false);
    assert_eq!(item(&items, "champions")["ok"], false);
    assert_eq!(item(&items, "champions_training")["ok"], false);
    assert_eq!(item(&items, "champions_training")["fix_url"], "/training");

    // An empty open sphere is listed until something is published in it.
    let r = mgr
        .client
        .post(mgr.url("/api/v1/spheres"))
        .header("x-csrf-token", &mgr.csrf)
        .json(&json!({"name": "Empty room", "description": "", "kind": "open", "requires_approval": false}))
        .send()
        .await
        .unwrap();
    let sid = r.json::<Value>().await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let items = get(&mgr).await;
    assert!(missing(&items, "spheres_content").contains(&"Empty room".to_string()));
    // A member's secret sphere never shows to a manager who is not in it.
    let (_, bob) = app.member(org, "bob@acme.test", "Bob").await;
    bob.client
        .post(bob.url("/api/v1/spheres"))
        .header("x-csrf-token", &bob.csrf)
        .json(&json!({"name": "Hidden plans", "description": "", "kind": "secret", "requires_approval": false}))
        .send()
        .await
        .unwrap();
    let (_, page) = mgr.get_text("/admin/rollout").await;
    assert!(page.contains("Empty room"));
    assert!(page.contains("Sphères sans contenu"));
    assert!(!page.contains("Hidden plans"));
    assert!(!missing(&get(&mgr).await, "spheres_content").contains(&"Hidden plans".to_string()));
    let r = mgr
        .client
        .post(mgr.url(&format!("/api/v1/spheres/{sid}/posts")))
        .header("x-csrf-token", &mgr.csrf)
        .json(&json!({"body": "Bienvenue à toutes et à tous !"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let items = get(&mgr).await;
    assert!(!missing(&items, "spheres_content").contains(&"Empty room".to_string()));
    assert_eq!(item(&items, "welcome_post")["ok"], true);

    // Help sphere without administrators, then with one.
    let help = app
        .db
        .create_help_sphere(org, mgr_id, "Aide", "")
        .await
        .unwrap();
    assert_eq!(item(&get(&mgr).await, "help_sphere")["ok"], true);
    // The product never orphans a sphere (last_admin); an administrator erased outside it can.
    assert!(
        app.db
            .remove_sphere_member(help, mgr_id, &Default::default())
            .await
            .is_err()
    );
    app.run_sql(
        "DELETE FROM sphere_members WHERE sphere_id = $1",
        Some(help.into()),
    )
    .await;
    let items = get(&mgr).await;
    assert_eq!(item(&items, "help_sphere")["ok"], false);
    assert_eq!(item(&items, "help_sphere")["fix_url"], "/admin/help");
    app.db
        .add_sphere_member(help, mgr_id, SphereRole::Admin)
        .await
        .unwrap();
    assert_eq!(item(&get(&mgr).await, "help_sphere")["ok"], true);

    // Champions: confirmed, then signed in.
    mgr.post_form(
        "/admin/invite",
        &[("email", "zoe@acme.test"), ("display_name", "zoe")],
    )
    .await;
    let zoe = app.user("zoe@acme.test").await.id;
    app.db
        .confirm_champions(
            org,
            mgr_id,
            ("Champions", ""),
            &[(zoe, "test".into())],
            None,
            None,
        )
        .await
        .unwrap();
    let items = get(&mgr).await;
    assert_eq!(item(&items, "champions")["ok"], true);
    assert_eq!(
        missing(&items, "champions_signed_in"),
        vec!["zoe".to_string()]
    );
    let (_, page) = mgr.get_text("/admin/rollout").await;
    assert!(page.contains("Membres impliqués qui ne se sont pas connectés"));
    assert!(page.contains(&format!("/people/{zoe}")));
    let link = app.mail_links("zoe@acme.test").await.pop().unwrap();
    let path = format!("/invite/{}", link.split_once("/invite/").unwrap().1);
    let mut zb = app.browser();
    zb.refresh_csrf(&path).await;
    let fields = [
        ("password", "a long new password"),
        ("confirm", "a long new password"),
    ];
    assert_eq!(zb.post_form(&path, &fields).await.status(), 303);
    assert_eq!(item(&get(&mgr).await, "champions_signed_in")["ok"], true);

    // Training: an ended champions' training counts once someone attended.
    let now = now_ms();
    let ids = app
        .db
        .create_events(&[NewEvent {
            org_id: org,
            kind: "training",
            audience: "champions",
            title: "Formation".into(),
            description_md: String::new(),
            description_html: String::new(),
            starts_at: now - 2 * 3_600_000,
            ends_at: now - 3_600_000,
            time_zone: TZ.into(),
            place: None,
            video_url: None,
            capacity: None,
            series_id: None,
            created_by: mgr_id,
        }])
        .await
        .unwrap();
    assert_eq!(item(&get(&mgr).await, "champions_training")["ok"], false);
    app.db.set_event_attendance(ids[0], &[zoe]).await.unwrap();
    assert_eq!(item(&get(&mgr).await, "champions_training")["ok"], true);
    let (_, page) = mgr.get_text("/admin/rollout").await;
    assert!(page.contains("La formation des membres impliqués a eu lieu."));
}

/// Until the launch, a manager's home opens on the launch guide: the playbook's next steps
/// with their state, each linking to where it is done. Members never see it; it is gone once
/// the network has launched.
#[tokio::test]
async fn the_launch_guide_leads_the_manager_until_the_launch() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let step = |html: &str, state: &str, href: &str| {
        html.contains(&format!(r#"<li class="{state}"><a href="{href}">"#))
    };
    let (_, home) = mgr.get_text("/").await;
    assert!(
        home.contains(r#"id="launch-guide""#),
        "a new manager is guided"
    );
    assert!(home.contains(r#"<progress max="5" value="0""#));
    assert!(step(&home, "todo", "/admin/members"));
    assert!(step(&home, "todo", "/admin/champions"));

    // Signed in before the plan closes sign-in to members until early access.
    let (_, member) = app.member(org, "bob@acme.test", "Bob").await;
    let plan_page = mgr
        .post_form(
            "/admin/rollout/plan",
            &plan_fields(&future_date(20), "7", TZ),
        )
        .await;
    assert_eq!(plan_page.status(), 303);
    let (_, home) = mgr.get_text("/").await;
    assert!(
        home.contains(r#"<progress max="5" value="3""#),
        "import, plan, announcement"
    );
    assert!(step(&home, "done", "/admin/members"));
    assert!(step(&home, "done", "/admin/rollout"));
    assert!(step(&home, "todo", "/training"));

    let (status, home) = member.get_text("/").await;
    assert_eq!(status, 200);
    assert!(
        home.contains("<h1>") && !home.contains("launch-guide"),
        "members are not guided"
    );

    // Launched: the guide is gone, whatever is left.
    plan(&app, org, now_ms() - DAY_MS, 7, "Bienvenue", "Ouvert").await;
    let (_, home) = mgr.get_text("/").await;
    assert!(!home.contains("launch-guide"));
}
