use embarq_domain::UserId;
use embarq_domain::{Id, OrgId, SphereId, SphereRole};
use embarq_store::{NewEvent, ProfileUpdate};
use embarq_testkit::{Browser, TestApp, last_as, last_id, spawn_app};
use serde_json::{Value, json};

async fn api(
    b: &Browser,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut r = b
        .client
        .request(method, format!("{}/api/v1{path}", b.base))
        .header("x-csrf-token", &b.csrf);
    if let Some(body) = body {
        r = r.json(&body);
    }
    let r = r.send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn profile(
    app: &TestApp,
    id: UserId,
    name: &str,
    dept: Option<&str>,
    site: Option<&str>,
    year: Option<i64>,
    level: Option<&str>,
) {
    app.db
        .update_profile(
            id,
            &ProfileUpdate {
                display_name: name.into(),
                department: dept.map(Into::into),
                site: site.map(Into::into),
                birth_year: year,
                level: level.map(Into::into),
                ..Default::default()
            },
        )
        .await
        .unwrap();
}

async fn training(app: &TestApp, org: OrgId, by: UserId, audience: &'static str) -> Id {
    let start = embarq_store::now_ms() + 3 * 86_400_000;
    app.db
        .create_events(&[NewEvent {
            org_id: org,
            kind: "training",
            audience,
            title: "Champions bootcamp".into(),
            description_md: String::new(),
            description_html: String::new(),
            starts_at: start,
            ends_at: start + 3_600_000,
            time_zone: "Europe/Paris".into(),
            place: None,
            video_url: None,
            capacity: None,
            series_id: None,
            created_by: by,
        }])
        .await
        .unwrap()[0]
}

#[tokio::test]
async fn champions_are_proposed_confirmed_and_equipped() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await.id;
    let (bob_id, mut bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol_id, carol) = app.member(org, "carol@acme.test", "Carol").await;
    let (dave_id, dave) = app.member(org, "dave@acme.test", "Dave").await;
    let (erin_id, _) = app.member(org, "erin@acme.test", "Erin").await;
    profile(
        &app,
        bob_id,
        "Bob",
        Some("Sales"),
        Some("Lyon"),
        Some(1970),
        Some("Cadre"),
    )
    .await;
    profile(
        &app,
        carol_id,
        "Carol",
        Some("IT"),
        Some("Paris"),
        Some(1990),
        Some("Employé"),
    )
    .await;
    profile(
        &app,
        dave_id,
        "Dave",
        Some("Sales"),
        Some("Paris"),
        Some(1999),
        Some("Employé"),
    )
    .await;
    // Erin has no department, site or birth year: the unknown strata.
    profile(&app, erin_id, "Erin", None, None, None, Some("Cadre")).await;

    // Bob volunteers from the champions page, withdraws through the API, volunteers again.
    assert!(
        bob.get_text("/settings")
            .await
            .1
            .contains("href=\"/champions\"")
    );
    assert_eq!(
        bob.post_redirect("/champions/volunteer", &[("on", "1")])
            .await,
        "/champions"
    );
    assert!(
        bob.get_text("/champions")
            .await
            .1
            .contains("volunteer-status")
    );
    bob.refresh_csrf("/champions").await;
    assert_eq!(
        api(&bob, reqwest::Method::DELETE, "/champions/volunteer", None)
            .await
            .0,
        204
    );
    assert!(
        !bob.get_text("/champions")
            .await
            .1
            .contains("volunteer-status")
    );
    assert_eq!(
        api(&bob, reqwest::Method::POST, "/champions/volunteer", None)
            .await
            .0,
        204
    );
    // The manager nominates Carol.
    let (s, _) = api(
        &mgr,
        reqwest::Method::POST,
        "/champions/nominations",
        Some(json!({"user_id": carol_id})),
    )
    .await;
    assert_eq!(s, 204);
    let event = training(&app, org, alice, "champions").await;

    let (s, p) = api(
        &mgr,
        reqwest::Method::GET,
        "/champions/proposal?share=50",
        None,
    )
    .await;
    assert_eq!(s, 200, "{p}");
    assert_eq!(p["population"], 5);
    assert_eq!(p["size"], 3);
    assert_eq!(p["warning"], true);
    let proposed: Vec<&str> = p["champions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["user_id"].as_str().unwrap())
        .collect();
    assert!(
        proposed.contains(&bob_id.to_string().as_str()),
        "volunteers are preferred: {p}"
    );
    let bob_reasons = p["champions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["user_id"] == bob_id.to_string())
        .unwrap()["reasons"]
        .to_string();
    assert!(bob_reasons.contains("volontaire"), "{bob_reasons}");
    assert_eq!(p["coverage"].as_array().unwrap().len(), 4);
    // Alice (the setup manager, every attribute unknown) and Erin (three unknown) are not
    // picked to "cover unknown": the three people whose directory entry is complete are.
    let mut expected = vec![
        bob_id.to_string(),
        carol_id.to_string(),
        dave_id.to_string(),
    ];
    expected.sort();
    let mut got: Vec<String> = proposed.iter().map(|s| s.to_string()).collect();
    got.sort();
    assert_eq!(got, expected, "{p}");

    let (s, html) = mgr.get_text("/admin/champions?share=50").await;
    assert_eq!(s, 200);
    // The gaps are reported for the HR file instead.
    assert!(html.contains("id=\"data-quality\""));
    assert!(html.contains("2 personnes sans site"), "Alice and Erin");
    assert!(html.contains("<meter") && html.contains("id=\"confirm-form\""));
    assert!(
        html.contains("Champions bootcamp"),
        "the next training is shown"
    );
    assert!(html.contains("unknown") || html.contains("inconnu"));

    // The manager edits the proposal: keeps Bob, adds Carol by e-mail.
    let r = mgr
        .post_form(
            "/admin/champions/confirm",
            &[
                ("share", "50"),
                ("user_id", &bob_id.to_string()),
                ("emails", "carol@acme.test"),
            ],
        )
        .await;
    assert_eq!(r.status(), 200);
    let (s, list) = api(&mgr, reqwest::Method::GET, "/champions", None).await;
    assert_eq!(s, 200);
    assert_eq!(list.as_array().unwrap().len(), 2, "{list}");
    assert!(
        list.to_string().contains("volontaire"),
        "the reason is kept: {list}"
    );

    // The secret Champions sphere holds them; others do not even see it.
    let sphere = app.db.champions_sphere(org).await.unwrap().unwrap();
    assert_eq!(
        app.db.sphere_role(sphere, bob_id).await.unwrap(),
        Some(SphereRole::Member)
    );
    assert_eq!(
        app.db.sphere_role(sphere, alice).await.unwrap(),
        Some(SphereRole::Admin)
    );
    assert_eq!(bob.get(&format!("/spheres/{sphere}")).await.status(), 200);
    assert_eq!(dave.get(&format!("/spheres/{sphere}")).await.status(), 404);
    // Registered to the training and notified.
    let reg: Vec<UserId> = app
        .db
        .event_registrants(event)
        .await
        .unwrap()
        .iter()
        .map(|r| r.user_id)
        .collect();
    assert!(reg.contains(&bob_id) && reg.contains(&carol_id) && !reg.contains(&dave_id));
    let kinds: Vec<String> = app
        .db
        .notifications(bob_id, 50)
        .await
        .unwrap()
        .into_iter()
        .map(|n| n.kind)
        .collect();
    assert!(
        kinds.contains(&"champion_confirmed".to_string())
            && kinds.contains(&"champion_training".to_string())
    );
    // Their home page links the sphere and the starter kit; Dave's does not.
    let home = bob.get_text("/").await.1;
    assert!(home.contains("champion-panel") && home.contains("/starter-kit?role=champion"));
    assert!(home.contains(&format!("/spheres/{sphere}")));
    assert!(!dave.get_text("/").await.1.contains("champion-panel"));
    // Confirming again is idempotent: nobody new, no duplicate membership.
    let (s, again) = api(
        &mgr,
        reqwest::Method::POST,
        "/champions/confirm",
        Some(json!({"user_ids": [bob_id]})),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(again["added"], 0);
    assert_eq!(again["champions_sphere_id"], sphere.to_string());

    // A champion becomes publication manager of a sphere they had not joined.
    let sales = mgr
        .post_redirect(
            "/spheres",
            &[("name", "Ventes"), ("description", ""), ("kind", "closed")],
        )
        .await;
    let sales = last_as::<SphereId>(&sales);
    let r = mgr
        .post_form(
            &format!("/admin/champions/{bob_id}/role"),
            &[("sphere_id", &sales.to_string()), ("role", "publisher")],
        )
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(
        app.db.sphere_role(sales, bob_id).await.unwrap(),
        Some(SphereRole::Publisher)
    );

    // Removing Carol takes her out of the cohort and of the sphere.
    let r = mgr
        .post_form(&format!("/admin/champions/{carol_id}/remove"), &[])
        .await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.db.champions(org).await.unwrap().len(), 1);
    assert_eq!(app.db.sphere_role(sphere, carol_id).await.unwrap(), None);
    assert_eq!(carol.get(&format!("/spheres/{sphere}")).await.status(), 404);
    assert!(!carol.get_text("/").await.1.contains("champion-panel"));
}

#[tokio::test]
async fn champions_refuse_bad_input_foreign_ids_and_members() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;

    // Nobody but the manager: import the directory first.
    let (s, p) = api(&mgr, reqwest::Method::GET, "/champions/proposal", None).await;
    assert_eq!(s, 422);
    assert_eq!(p["code"], "champions_empty_directory");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("import your directory first")
    );
    let (s, html) = mgr.get_text("/admin/champions").await;
    assert_eq!(s, 200);
    assert!(html.contains("empty-directory") && html.contains("/admin/members"));
    assert!(html.contains("no-training") && html.contains("href=\"/admin/training\""));

    let (bob_id, bob) = app.member(org, "bob@acme.test", "Bob").await;
    let (_, _) = app.member(org, "carol@acme.test", "Carol").await;
    for bad in ["0", "51", "-3"] {
        let (s, p) = api(
            &mgr,
            reqwest::Method::GET,
            &format!("/champions/proposal?share={bad}"),
            None,
        )
        .await;
        assert_eq!(s, 422, "share {bad}");
        assert_eq!(p["errors"][0]["field"], "share");
    }
    let (s, _) = api(
        &mgr,
        reqwest::Method::GET,
        "/champions/proposal?share=abc",
        None,
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(mgr.get("/admin/champions?share=80").await.status(), 422);
    let (s, p) = api(
        &mgr,
        reqwest::Method::GET,
        "/champions/proposal?share=15",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(p["warning"], false);
    // Members without department or site: the unknown values are gaps to fill, not groups
    // to represent.
    assert_eq!(p["present"], 0);
    assert_eq!(p["represented"], 0);

    // Other organization's ids: 404 and nothing applied.
    let other = app.other_org("Globex", "zed@globex.test").await;
    let zed = app.user("zed@globex.test").await.id;
    let _ = other;
    let (s, _) = api(
        &mgr,
        reqwest::Method::POST,
        "/champions/confirm",
        Some(json!({"user_ids": [bob_id, zed]})),
    )
    .await;
    assert_eq!(s, 404);
    let (s, _) = api(
        &mgr,
        reqwest::Method::POST,
        "/champions/confirm",
        Some(json!({"user_ids": [uuid::Uuid::now_v7()]})),
    )
    .await;
    assert_eq!(s, 404);
    assert!(app.db.champions(org).await.unwrap().is_empty());
    assert!(
        app.db.champions_sphere(org).await.unwrap().is_none(),
        "no sphere half-created"
    );
    let (s, p) = api(
        &mgr,
        reqwest::Method::POST,
        "/champions/confirm",
        Some(json!({"user_ids": []})),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(p["errors"][0]["field"], "user_ids");
    let (s, _) = api(
        &mgr,
        reqwest::Method::POST,
        "/champions/confirm",
        Some(json!({"user_ids": [bob_id], "share": 70})),
    )
    .await;
    assert_eq!(s, 422);
    let (s, _) = api(
        &mgr,
        reqwest::Method::POST,
        "/champions/nominations",
        Some(json!({"user_id": zed})),
    )
    .await;
    assert_eq!(s, 404);
    let r = mgr
        .post_form(
            "/admin/champions/confirm",
            &[("emails", "nobody@acme.test")],
        )
        .await;
    assert_eq!(r.status(), 422);
    assert!(app.db.champions(org).await.unwrap().is_empty());

    // Members cannot manage champions.
    assert_eq!(
        api(&bob, reqwest::Method::GET, "/champions/proposal", None)
            .await
            .0,
        403
    );
    assert_eq!(
        api(&bob, reqwest::Method::GET, "/champions", None).await.0,
        403
    );
    assert_eq!(
        api(
            &bob,
            reqwest::Method::POST,
            "/champions/confirm",
            Some(json!({"user_ids": [bob_id]}))
        )
        .await
        .0,
        403
    );
    assert_eq!(bob.get("/admin/champions").await.status(), 403);
    assert_eq!(
        bob.post_form(&format!("/admin/champions/{bob_id}/remove"), &[])
            .await
            .status(),
        403
    );

    // Confirm Bob; then role grants respect sphere secrecy and the allowed roles.
    let (s, _) = api(
        &mgr,
        reqwest::Method::POST,
        "/champions/confirm",
        Some(json!({"user_ids": [bob_id]})),
    )
    .await;
    assert_eq!(s, 200);
    let secret = bob
        .post_redirect(
            "/spheres",
            &[
                ("name", "Bob's secret"),
                ("description", ""),
                ("kind", "secret"),
            ],
        )
        .await;
    let secret = last_id(&secret);
    let r = mgr
        .post_form(
            &format!("/admin/champions/{bob_id}/role"),
            &[("sphere_id", &secret.to_string()), ("role", "admin")],
        )
        .await;
    assert_eq!(
        r.status(),
        404,
        "a secret sphere the manager is not in does not exist for them"
    );
    let open = mgr
        .post_redirect(
            "/spheres",
            &[("name", "Open"), ("description", ""), ("kind", "open")],
        )
        .await;
    let r = mgr
        .post_form(
            &format!("/admin/champions/{bob_id}/role"),
            &[
                ("sphere_id", &last_id(&open).to_string()),
                ("role", "member"),
            ],
        )
        .await;
    assert_eq!(r.status(), 422);
    let r = mgr
        .post_form(
            &format!("/admin/champions/{}/remove", uuid::Uuid::now_v7()),
            &[],
        )
        .await;
    assert_eq!(r.status(), 404);
}

/// `n` invited members, "Person 0" <p0@acme.test> and so on.
async fn invite_many(app: &TestApp, org: OrgId, n: usize) -> Vec<UserId> {
    let mut ids = Vec::new();
    for i in 0..n {
        let id = app
            .db
            .create_member(&embarq_store::NewMember {
                org_id: org,
                email: format!("p{i}@acme.test"),
                display_name: format!("Person {i}"),
                password_hash: None,
                org_role: embarq_domain::OrgRole::Member,
                status: embarq_domain::UserStatus::Invited,
            })
            .await
            .unwrap();
        ids.push(id);
    }
    ids
}

#[tokio::test]
async fn confirming_a_large_cohort_spans_several_batches() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let ids = invite_many(&app, org, 520).await;
    let (s, p) = api(
        &mgr,
        reqwest::Method::GET,
        "/champions/proposal?share=10&include_invited=false",
        None,
    )
    .await;
    assert_eq!(s, 422, "only the manager is active: {p}");
    assert_eq!(p["code"], "champions_empty_directory");
    let (s, p) = api(
        &mgr,
        reqwest::Method::GET,
        "/champions/proposal?share=10",
        None,
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(p["population"], 521, "invited members count by default");
    assert_eq!(p["size"], 53);
    let (s, done) = api(
        &mgr,
        reqwest::Method::POST,
        "/champions/confirm",
        Some(json!({ "user_ids": ids })),
    )
    .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["added"], 520);
    let sphere = app.db.champions_sphere(org).await.unwrap().unwrap();
    assert_eq!(app.db.sphere_members(sphere).await.unwrap().len(), 521);
    let (_, list) = api(&mgr, reqwest::Method::GET, "/champions", None).await;
    assert_eq!(list.as_array().unwrap().len(), 520);
    assert_eq!(
        list[0]["signed_in"], false,
        "invited champions have not signed in"
    );
}

#[tokio::test]
async fn champions_are_confirmed_with_their_notices_or_not_at_all() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let (bob, _) = app.member(org, "bob@acme.test", "Bob").await;
    let (carol, _) = app.member(org, "carol@acme.test", "Carol").await;
    let confirm = || {
        api(
            &mgr,
            reqwest::Method::POST,
            "/champions/confirm",
            Some(json!({ "user_ids": [bob, carol] })),
        )
    };
    let kinds = |id: UserId| {
        let db = app.db.clone();
        async move {
            db.notifications(id, 50)
                .await
                .unwrap()
                .into_iter()
                .map(|n| n.kind)
                .filter(|k| k == "champion_confirmed")
                .count()
        }
    };

    // Carol's notice cannot be stored, as on a real fault: nobody is confirmed. Before, the
    // cohort was committed first, and Carol became a champion nobody told.
    app.refuse_inserts("notifications", Some(carol)).await;
    let (s, _) = confirm().await;
    assert!(s >= 500, "{s}");
    app.allow_inserts("notifications").await;
    let (_, list) = api(&mgr, reqwest::Method::GET, "/champions", None).await;
    assert_eq!(list.as_array().unwrap().len(), 0);
    assert_eq!(kinds(bob).await, 0);

    let (s, done) = confirm().await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["added"], 2);
    assert_eq!((kinds(bob).await, kinds(carol).await), (1, 1));
    // Confirming again adds nobody and tells nobody twice.
    let (s, done) = confirm().await;
    assert_eq!((s, done["added"].as_i64()), (200, Some(0)));
    assert_eq!((kinds(bob).await, kinds(carol).await), (1, 1));
}

#[tokio::test]
async fn a_large_proposal_is_paged_searched_and_confirmed_whole() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    invite_many(&app, org, 520).await;
    let shown = regex::Regex::new(r#"name="shown" value="([0-9a-f-]+)""#).unwrap();
    let (s, html) = mgr.get_text("/admin/champions?share=10").await;
    assert_eq!(s, 200);
    let page1: Vec<String> = shown
        .captures_iter(&html)
        .map(|c| c[1].to_string())
        .collect();
    assert_eq!(page1.len(), 50, "one page of the 53 proposed");
    assert!(html.contains("id=\"confirm-all\"") && html.contains("1 / 2"));
    let (_, html) = mgr.get_text("/admin/champions?share=10&page=2").await;
    let page2: Vec<String> = shown
        .captures_iter(&html)
        .map(|c| c[1].to_string())
        .collect();
    assert_eq!(page2.len(), 3);
    assert!(page2.iter().all(|id| !page1.contains(id)));

    // Confirm the whole proposal but the first person of the page, unticked.
    let mut form: Vec<(&str, &str)> = vec![("share", "10"), ("invited", "1"), ("all", "1")];
    for id in &page1 {
        form.push(("shown", id));
    }
    for id in &page1[1..] {
        form.push(("user_id", id));
    }
    let r = mgr.post_form("/admin/champions/confirm", &form).await;
    assert_eq!(r.status(), 200);
    let (_, list) = api(&mgr, reqwest::Method::GET, "/champions", None).await;
    let confirmed: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["user_id"].as_str().unwrap())
        .collect();
    assert_eq!(confirmed.len(), 52, "53 proposed, one left out");
    assert!(!confirmed.contains(&page1[0].as_str()));
    assert!(
        page2.iter().all(|id| confirmed.contains(&id.as_str())),
        "other pages too"
    );

    // The confirmed list is paged, and searched without regard to case.
    let (_, html) = mgr.get_text("/admin/champions?share=10").await;
    assert_eq!(html.matches("/remove\"").count(), 50);
    let (_, html) = mgr.get_text("/admin/champions?share=10&cpage=2").await;
    assert_eq!(html.matches("/remove\"").count(), 2);
    let name = list[0]["display_name"].as_str().unwrap();
    let (_, html) = mgr
        .get_text(&format!(
            "/admin/champions?share=10&q={}",
            urlencoding::encode(&name.to_uppercase())
        ))
        .await;
    let hits = html.matches("/remove\"").count();
    assert!((1..=11).contains(&hits), "{name}: {hits}");
    assert!(html.contains(name));
    let (_, html) = mgr
        .get_text("/admin/champions?share=10&q=nobody-here")
        .await;
    assert_eq!(html.matches("/remove\"").count(), 0);
    assert!(html.contains("id=\"champions-search-clear\""));
}
