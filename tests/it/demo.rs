//! The demo company of `embarq serve --demo`, on either database.
use embarq_app::demo::seed_demo;
use embarq_domain::SphereKind;

#[tokio::test]
async fn seeds_a_living_company_once() {
    let (db, _dir) = embarq_testkit::scratch_db().await;
    let info = seed_demo(&db).await.unwrap();
    assert!(info.members >= 250 && info.posts >= 300, "{info}");
    assert_eq!(
        db.count_members(info.org_id).await.unwrap() as usize,
        info.members
    );
    let admin = db
        .user_by_email(&info.manager_email)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.org_role, embarq_domain::OrgRole::Manager);
    assert!(
        embarq_web::auth::verify_password(info.password.clone(), admin.password_hash.clone())
            .await
            .unwrap()
    );
    let spheres = db
        .visible_spheres(info.org_id, admin.id, false)
        .await
        .unwrap();
    assert!(spheres.iter().any(|s| s.kind == SphereKind::Closed));
    let feed = db.home_feed(admin.id, None, 20).await.unwrap();
    assert_eq!(feed.len(), 20, "the manager's home feed is alive");
    let people = db
        .list_members(
            info.org_id,
            &embarq_store::MemberFilter {
                limit: 1000,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let fields: [fn(&embarq_store::User) -> Option<String>; 3] = [
        |u| u.department.clone(),
        |u| u.site.clone(),
        |u| u.level.clone(),
    ];
    for field in fields {
        let distinct: std::collections::BTreeSet<_> = people.iter().filter_map(field).collect();
        assert!(distinct.len() >= 4, "varied directory: {distinct:?}");
    }
    assert!(
        seed_demo(&db).await.is_err(),
        "never seeds over existing data"
    );
    db.close().await;
}

/// The demo company's spheres for everyone, each site and each department come from
/// membership rules: someone imported later lands in theirs, as in a real company.
#[tokio::test]
async fn a_person_added_to_the_demo_later_joins_the_right_spheres() {
    let app = embarq_testkit::spawn_app().await;
    let info = seed_demo(&app.db).await.unwrap();
    let mut mgr = app.browser();
    mgr.refresh_csrf("/login").await;
    let r = mgr
        .post_form(
            "/login",
            &[("email", &info.manager_email), ("password", &info.password)],
        )
        .await;
    assert_eq!(r.status(), 303);
    mgr.refresh_csrf("/").await;
    let r = mgr
        .client
        .post(mgr.url("/api/v1/members/import?dry_run=false"))
        .header("x-csrf-token", &mgr.csrf)
        .header("content-type", "text/csv")
        .body("email,first_name,last_name,department,site\nnina@aurore.example,Nina,Nouvelle,Production,Lille\n")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "{}", r.text().await.unwrap());
    let nina = app
        .db
        .user_by_email("nina@aurore.example")
        .await
        .unwrap()
        .unwrap();
    let mut mine: Vec<String> = app
        .db
        .visible_spheres(info.org_id, nina.id, true)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    mine.sort();
    assert_eq!(
        mine,
        ["Site de Lille", "Vie de l'entreprise", "Équipe Production"],
        "the company's, her site's and her department's spheres"
    );
    let feed = app.db.home_feed(nina.id, None, 20).await.unwrap();
    assert_eq!(feed.len(), 20, "her first feed is not empty");
}
