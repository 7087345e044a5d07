//! Roles, statuses and kinds are typed from the row on: a value the code does not know is an
//! error, not quietly read as some default (a corrupted status once read as "deactivated",
//! a corrupted sphere kind as "secret").
use embarq_domain::{OrgRole, SphereKind, UserStatus};
use embarq_store::Db;
use embarq_testkit::{last_id, spawn_app};

async fn exec(db: &Db, sql: &str, id: embarq_domain::Id) {
    match db {
        Db::Sqlite(p) => sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .bind(id)
            .execute(&p.write)
            .await
            .map(|_| ())
            .unwrap(),
        Db::Pg(p) => sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .bind(id)
            .execute(p)
            .await
            .map(|_| ())
            .unwrap(),
    }
}

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
    let sid = last_id(&sphere);
    let s = app
        .db
        .sphere_for(alice.org_id, alice.id, sid)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s.kind, SphereKind::Closed);

    exec(
        &app.db,
        "UPDATE spheres SET kind = 'hidden' WHERE id = $1",
        sid,
    )
    .await;
    assert!(
        app.db
            .sphere_for(alice.org_id, alice.id, sid)
            .await
            .is_err()
    );
    exec(
        &app.db,
        "UPDATE users SET status = 'paused' WHERE id = $1",
        alice.id,
    )
    .await;
    assert!(app.db.user(alice.id).await.is_err());
}
