//! Roles, statuses and kinds are typed from the row on: a value the code does not know is an
//! error, not quietly read as some default (a corrupted status once read as "deactivated",
//! a corrupted sphere kind as "secret").
use embarq_domain::{OrgRole, SphereId, SphereKind, UserStatus};
use embarq_testkit::{last_as, spawn_app};

#[tokio::test]
async fn stored_roles_statuses_and_kinds_decode_strictly() {
    let app = spawn_app().await;
    let mgr = app.setup("alice@acme.test").await;
    let alice = app.user("alice@acme.test").await;
    assert_eq!(
        (alice.org_role, alice.status),
        (OrgRole::Manager, UserStatus::Active)
    );
    let sphere = mgr
        .post_redirect("/spheres", &[("name", "Atelier"), ("kind", "closed")])
        .await;
    let sid = last_as::<SphereId>(&sphere);
    let s = app
        .db
        .sphere_for(alice.org_id, alice.id, sid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.kind, SphereKind::Closed);

    app.run_sql(
        "UPDATE spheres SET kind = 'hidden' WHERE id = $1",
        Some(sid.into()),
    )
    .await;
    assert!(
        app.db
            .sphere_for(alice.org_id, alice.id, sid)
            .await
            .is_err()
    );
    app.run_sql(
        "UPDATE users SET status = 'paused' WHERE id = $1",
        Some(alice.id.into()),
    )
    .await;
    assert!(app.db.user(alice.id).await.is_err());
}
