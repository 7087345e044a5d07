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
