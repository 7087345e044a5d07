//! Membership rules: spheres whose members come from the directory (everyone, a department,
//! a site, a level, a manager's team), applied on invitation, import, SCIM-like profile
//! changes and deactivation; rule-made members leave with the rule's scope, people who
//! joined on their own stay.
use embarq_domain::{SphereId, UserId};
use embarq_testkit::{Browser, TestApp, api, last_as, spawn_app};
use reqwest::Method;
use serde_json::json;

async fn members_of(app: &TestApp, sphere: SphereId) -> Vec<UserId> {
    let mut ids: Vec<UserId> = app
        .db
        .sphere_members(sphere)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.user_id)
        .collect();
    ids.sort();
    ids
}

async fn is_member(app: &TestApp, sphere: SphereId, who: UserId) -> bool {
    members_of(app, sphere).await.contains(&who)
}

async fn import(mgr: &Browser, csv: &str) {
    let r = mgr
        .post_csv("/api/v1/members/import?dry_run=false", csv.to_string())
        .await;
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
}

async fn set_profile(b: &Browser, fields: serde_json::Value) {
    let (s, body) = api(b, Method::PATCH, "/api/v1/me", Some(fields)).await;
    assert_eq!(s, 200, "{body}");
}

#[tokio::test]
async fn people_arriving_later_join_the_spheres_their_directory_entry_names() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await.id;

    // Setup made the organization-wide announcements sphere, everyone in it by rule.
    let announcements = app
        .db
        .everyone_sphere(org)
        .await
        .unwrap()
        .expect("made at setup");
    assert!(is_member(&app, announcements, alice).await);
    let (s, spheres) = api(&mgr, Method::GET, "/api/v1/spheres", None).await;
    assert_eq!(s, 200);
    assert!(spheres.to_string().contains("Annonces"), "{spheres}");

    let lille: SphereId = last_as(&mgr.create_sphere("Site de Lille", "open").await);
    let prod: SphereId = last_as(&mgr.create_sphere("Production", "closed").await);
    // Added in the page's form: one list of choices, nothing typed.
    let r = mgr
        .post_form(
            &format!("/spheres/{lille}/rules"),
            &[("rule", "site:Lille")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (s, c) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/spheres/{prod}/rules"),
        Some(json!({"attribute": "department", "value": "Production"})),
    )
    .await;
    assert_eq!((s, c["added"].as_u64()), (201, Some(0)), "{c}");
    // The same rule twice changes nothing; a rule without its value is refused with its field.
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/spheres/{prod}/rules"),
        Some(json!({"attribute": "department", "value": "Production"})),
    )
    .await;
    assert_eq!(s, 201);
    let (s, e) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/spheres/{prod}/rules"),
        Some(json!({"attribute": "site", "value": " "})),
    )
    .await;
    assert_eq!(s, 422);
    assert_eq!(e["errors"][0]["field"], "rule_value");
    let (_, rules) = api(
        &mgr,
        Method::GET,
        &format!("/api/v1/spheres/{prod}/rules"),
        None,
    )
    .await;
    assert_eq!(rules.as_array().unwrap().len(), 1);

    // An employee imported from the HR file after launch lands in their spheres.
    import(
        &mgr,
        "email,first_name,last_name,department,site\nleo@acme.test,Léo,Martin,Production,Lille\n",
    )
    .await;
    let leo = app.user("leo@acme.test").await.id;
    for s in [announcements, lille, prod] {
        assert!(is_member(&app, s, leo).await, "imported into {s:?}");
    }

    // Someone invited joins the spheres for everyone; moving site moves them.
    let (bob, bob_b) = app.member(org, "bob@acme.test", "Bob").await;
    set_profile(&bob_b, json!({"site": "Lille"})).await;
    assert!(is_member(&app, announcements, bob).await);
    assert!(is_member(&app, lille, bob).await);
    // Bob also joins Production's sphere himself: he stays there whatever his department.
    let open_prod = mgr
        .post_form(
            &format!("/spheres/{prod}/settings"),
            &[
                ("name", "Production"),
                ("description", ""),
                ("kind", "open"),
            ],
        )
        .await;
    assert_eq!(open_prod.status(), 303);
    bob_b
        .post_redirect(&format!("/spheres/{prod}/join"), &[])
        .await;
    set_profile(
        &bob_b,
        json!({"site": "Roubaix", "department": "Production"}),
    )
    .await;
    assert!(!is_member(&app, lille, bob).await, "left the site's sphere");
    set_profile(&bob_b, json!({"department": "Ventes"})).await;
    assert!(is_member(&app, prod, bob).await, "joined himself: stays");

    // Deactivated: out of rule-made spheres; back: in again.
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/members/{leo}/deactivate"),
        None,
    )
    .await;
    assert!(s == 200 || s == 204);
    assert!(!is_member(&app, lille, leo).await);
    let (s, _) = api(
        &mgr,
        Method::POST,
        &format!("/api/v1/members/{leo}/reactivate"),
        None,
    )
    .await;
    assert!(s == 200 || s == 204);
    assert!(is_member(&app, lille, leo).await);

    // Removing a rule removes only what it made.
    let rule = rules[0]["id"].as_str().unwrap();
    let (s, c) = api(
        &mgr,
        Method::DELETE,
        &format!("/api/v1/spheres/{prod}/rules/{rule}"),
        None,
    )
    .await;
    assert_eq!((s, c["removed"].as_u64()), (200, Some(1)), "{c}");
    assert!(!is_member(&app, prod, leo).await);
    assert!(is_member(&app, prod, bob).await);

    // Members cannot set rules, and the page offers them no form.
    let (s, _) = api(
        &bob_b,
        Method::POST,
        &format!("/api/v1/spheres/{lille}/rules"),
        Some(json!({"attribute": "everyone"})),
    )
    .await;
    assert_eq!(s, 403);
    let (_, page) = bob_b.get_text(&format!("/spheres/{lille}/members")).await;
    assert!(!page.contains("id=\"rules\""));
    let (_, page) = mgr.get_text(&format!("/spheres/{lille}/members")).await;
    let rules_html = &page[page.find("id=\"rules\"").unwrap()..];
    assert!(
        rules_html.contains("Site : Lille") && rules_html.contains("1 personne aujourd"),
        "{rules_html}"
    );
    assert!(page.contains(r#"<option value="department:Production">"#));
}

#[tokio::test]
async fn a_team_rule_follows_the_manager_chain_and_ends_on_a_loop() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let org = app.org_id("alice@acme.test").await;
    import(
        &mgr,
        "email,first_name,last_name,manager_email\n\
         boss@acme.test,Bea,Boss,\n\
         lead@acme.test,Lou,Lead,boss@acme.test\n\
         dev@acme.test,Dan,Dev,lead@acme.test\n\
         other@acme.test,Oto,Other,\n",
    )
    .await;
    let id = async |e: &str| app.user(e).await.id;
    let (boss, lead, dev, other) = (
        id("boss@acme.test").await,
        id("lead@acme.test").await,
        id("dev@acme.test").await,
        id("other@acme.test").await,
    );
    let team: SphereId = last_as(&mgr.create_sphere("Équipe de Bea", "closed").await);
    let r = mgr
        .post_form(
            &format!("/spheres/{team}/rules"),
            &[("rule", &format!("manager:{boss}"))],
        )
        .await;
    assert_eq!(r.status(), 303);
    let members = members_of(&app, team).await;
    for who in [boss, lead, dev] {
        assert!(members.contains(&who));
    }
    assert!(!members.contains(&other));

    // A loop in the directory (Bea reports to Dan) does not make the walk run forever.
    app.run_sql(
        "UPDATE users SET manager_id = (SELECT id FROM users WHERE email = 'dev@acme.test') WHERE id = $1",
        Some(boss.0),
    )
    .await;
    let changes = app
        .db
        .reconcile_rule_memberships(org, embarq_store::RuleScope::Org)
        .await
        .unwrap();
    assert_eq!(changes, Default::default());
    // The lead moves away (re-imported without a manager): out with their report.
    import(
        &mgr,
        "email,first_name,last_name,manager_email\nlead@acme.test,Lou,Lead,other@acme.test\n",
    )
    .await;
    let members = members_of(&app, team).await;
    assert!(
        !members.contains(&lead) && !members.contains(&dev),
        "{members:?}"
    );
    assert!(members.contains(&boss));
}

/// Once the rollout plan is made, the page proposes one sphere per site and per department of
/// the directory; nothing is made until asked, only what stays ticked is made, and a sphere
/// made is no longer proposed.
#[tokio::test]
async fn the_rollout_proposes_a_sphere_per_site_and_department() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    import(
        &mgr,
        "email,first_name,last_name,department,site\n\
         a@acme.test,Ana,A,Production,Lille\n\
         b@acme.test,Ben,B,Production,Roubaix\n\
         c@acme.test,Cléa,C,Ventes,Lille\n",
    )
    .await;
    let (_, page) = mgr.get_text("/admin/rollout").await;
    assert!(
        !page.contains("id=\"spheres\""),
        "no plan yet: nothing proposed"
    );
    let date = (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%d")
        .to_string();
    let r = mgr
        .post_form(
            "/admin/rollout/plan",
            &[
                ("launch_date", date.as_str()),
                ("launch_time", "09:00"),
                ("time_zone", "Europe/Paris"),
                ("early_access_days", "7"),
                ("announcement_title", "Bienvenue"),
                ("announcement_body", "Le réseau est ouvert."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, page) = mgr.get_text("/admin/rollout").await;
    for (key, name) in [
        ("site:Lille", "Site de Lille"),
        ("site:Roubaix", "Site de Roubaix"),
        ("department:Production", "Équipe Production"),
        ("department:Ventes", "Équipe Ventes"),
    ] {
        assert!(
            page.contains(&format!(r#"<input type="checkbox" name="pick" value="{key}" checked> <strong>{name}</strong>"#)),
            "{key} proposed"
        );
    }
    let (s, before) = api(&mgr, Method::GET, "/api/v1/spheres", None).await;
    assert_eq!(s, 200);
    // Roubaix left unticked.
    let r = mgr
        .post_form(
            "/admin/rollout/spheres",
            &[
                ("pick", "site:Lille"),
                ("pick", "department:Production"),
                ("pick", "department:Ventes"),
                ("pick", "site:Nowhere"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    let (_, after) = api(&mgr, Method::GET, "/api/v1/spheres", None).await;
    assert_eq!(
        after.as_array().unwrap().len(),
        before.as_array().unwrap().len() + 3
    );
    let lille = after
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Site de Lille")
        .unwrap();
    let lille: SphereId = serde_json::from_value(lille["id"].clone()).unwrap();
    let members = members_of(&app, lille).await;
    for e in ["a@acme.test", "c@acme.test"] {
        assert!(members.contains(&app.user(e).await.id), "{e}");
    }
    assert!(!members.contains(&app.user("b@acme.test").await.id));
    let (s, left) = api(&mgr, Method::GET, "/api/v1/rollout/sphere-proposals", None).await;
    assert_eq!(s, 200);
    assert_eq!(left.as_array().unwrap().len(), 1);
    assert_eq!(left[0]["key"], "site:Roubaix");
}

/// Adding the same rule from many requests at once leaves one rule, on PostgreSQL's READ
/// COMMITTED as on SQLite: the sphere's row is locked while the rules are counted and written.
#[tokio::test]
async fn the_same_rule_added_at_once_is_kept_once() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let sphere: SphereId = last_as(&mgr.create_sphere("Site de Lille", "open").await);
    let path = format!("/api/v1/spheres/{sphere}/rules");
    let statuses = embarq_testkit::concurrently(8, |_| {
        let (mgr, path) = (mgr.clone(), path.clone());
        async move {
            let body = json!({"attribute": "site", "value": "Lille"});
            api(&mgr, Method::POST, &path, Some(body)).await.0
        }
    })
    .await;
    assert!(statuses.iter().all(|s| *s == 201), "{statuses:?}");
    let (_, rules) = api(&mgr, Method::GET, &path, None).await;
    assert_eq!(rules.as_array().unwrap().len(), 1, "{rules}");
}
