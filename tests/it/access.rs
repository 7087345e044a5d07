//! The SQL of who sees what (`embarq_store::access`) agrees with the policy
//! (`embarq_domain::policy::sphere_access`) for every kind of sphere, every sphere role and
//! both organization roles, on the real database.
use embarq_domain::UserId;
use embarq_domain::policy::{Viewer, sphere_access};
use embarq_domain::{Id, OrgId, OrgRole, SphereId, SphereKind, SphereRole, UserStatus};
use embarq_store::{Db, NewMember, access};
use embarq_testkit::spawn_app;
use std::collections::HashSet;

async fn ids_where(db: &Db, org: OrgId, predicate: &str, person: UserId) -> HashSet<SphereId> {
    let sql = format!("SELECT s.id FROM spheres s WHERE s.org_id = $1 AND {predicate}");
    let ids: Vec<SphereId> = match db {
        Db::Sqlite(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(org)
            .bind(person)
            .fetch_all(&p.read)
            .await
            .unwrap(),
        Db::Pg(p) => sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
            .bind(org)
            .bind(person)
            .fetch_all(p)
            .await
            .unwrap(),
    };
    ids.into_iter().collect()
}

#[tokio::test]
async fn sql_visibility_matches_the_policy_for_every_kind_and_role() {
    let app = spawn_app().await;
    let db = &app.db;
    let member = |org_id: OrgId, email: &str, org_role: OrgRole| NewMember {
        org_id,
        email: email.into(),
        display_name: email.into(),
        password_hash: None,
        org_role,
        status: UserStatus::Active,
    };
    let (org, creator) = db
        .create_organization(
            "Access",
            member(OrgId(Id::nil()), "creator@access.test", OrgRole::Manager),
        )
        .await
        .unwrap();
    let roles = [
        None,
        Some(SphereRole::Member),
        Some(SphereRole::Publisher),
        Some(SphereRole::Admin),
    ];
    let mut viewers = Vec::new();
    for org_role in [OrgRole::Manager, OrgRole::Member] {
        let email = format!("{}@access.test", org_role.as_str());
        let id = db
            .create_member(&member(org.id, &email, org_role))
            .await
            .unwrap();
        viewers.push((id, org_role));
    }
    // One sphere per kind, per role of one viewer in it (the other viewer is not a member).
    let mut spheres = Vec::new();
    for &(owner, _) in &viewers {
        for kind in SphereKind::ALL.iter().copied() {
            for role in roles {
                let name = format!("{owner} {kind:?} {role:?}");
                let sphere = db
                    .create_sphere(org.id, creator, &name, "", kind, false)
                    .await
                    .unwrap();
                if let Some(r) = role {
                    db.add_sphere_member(sphere, owner, r).await.unwrap();
                }
                spheres.push((sphere, kind, role, owner));
            }
        }
    }
    for &(viewer, org_role) in &viewers {
        let sql_see = ids_where(db, org.id, &access::sees("s", "$2"), viewer).await;
        let sql_read = ids_where(db, org.id, &access::reads("s", "$2"), viewer).await;
        let by_column = ids_where(db, org.id, &access::reads_sphere_of("s.id", "$2"), viewer).await;
        for &(sphere, kind, role, owner) in &spheres {
            let role = role.filter(|_| owner == viewer);
            let a = sphere_access(Viewer { org_role }, kind, role);
            let case = format!("{org_role:?} in a {kind:?} sphere as {role:?}");
            assert_eq!(sql_see.contains(&sphere), a.see, "see: {case}");
            assert_eq!(sql_read.contains(&sphere), a.read, "read: {case}");
            assert_eq!(by_column.contains(&sphere), a.read, "read by id: {case}");
        }
        // The rule is not vacuous: some spheres are hidden from each viewer.
        assert!(sql_see.len() < spheres.len() && sql_read.len() < sql_see.len());
    }
}
