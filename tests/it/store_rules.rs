//! Rules of the store that need no server: both dialects have the same migrations and
//! every one applies; the feeds' fast queries return what their plain definition says.
//! Here rather than in the store crate, so that it is compiled once, not again as a test
//! binary.
use embarq_domain::{
    Id, OrgRole, PostStatus, SphereId, SphereKind, SphereRole, UserId, UserStatus,
};
use embarq_store::bulk::{BulkPost, BulkSphere, BulkSphereMember, BulkUser};
use embarq_store::{Cursor, Db, Post};
use std::collections::BTreeSet;

fn migration_names(dialect: &str) -> BTreeSet<String> {
    std::fs::read_dir(format!(
        "{}/crates/store/migrations/{dialect}",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap()
    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
    .collect()
}

#[test]
fn both_dialects_have_the_same_migrations() {
    assert_eq!(migration_names("sqlite"), migration_names("postgres"));
}

/// A fresh database (SQLite, or PostgreSQL when EMBARQ_TEST_DATABASE_URL is set) has every
/// migration of its dialect applied.
#[tokio::test]
async fn every_migration_applies_on_a_fresh_database() {
    let (db, _dir) = embarq_testkit::scratch_db().await;
    let dialect = match &db {
        Db::Sqlite(_) => "sqlite",
        Db::Pg(_) => "postgres",
    };
    let count = "SELECT COUNT(*) FROM _sqlx_migrations WHERE success";
    let applied: i64 = match &db {
        Db::Sqlite(p) => sqlx::query_scalar(count).fetch_one(&p.read).await.unwrap(),
        Db::Pg(p) => sqlx::query_scalar(count).fetch_one(p).await.unwrap(),
    };
    assert_eq!(applied as usize, migration_names(dialect).len());
    db.close().await;
}

fn user(id: UserId, email: &str) -> BulkUser {
    BulkUser {
        id,
        email: email.to_string(),
        password_hash: None,
        display_name: email.to_string(),
        first_name: None,
        last_name: None,
        title: None,
        department: None,
        site: None,
        birth_year: None,
        level: None,
        manager_id: None,
        employee_id: None,
        org_role: OrgRole::Member,
        status: UserStatus::Active,
        locale: None,
        created_at: 1,
        activated_at: Some(1),
    }
}

fn ids(posts: &[Post]) -> Vec<Id> {
    posts.iter().map(|p| p.id).collect()
}

/// Pages through `fetch` with pages of `limit` and returns every id, checking each page
/// against the matching slice of `expected`.
async fn walk<F, Fut>(expected: &[Post], limit: i64, mut fetch: F)
where
    F: FnMut(Option<Cursor>) -> Fut,
    Fut: std::future::Future<Output = Result<Vec<Post>, embarq_store::StoreError>>,
{
    let mut after = None;
    let mut seen = 0;
    loop {
        let page = fetch(after).await.unwrap();
        let want = &expected[seen..(seen + limit as usize).min(expected.len())];
        assert_eq!(
            ids(&page),
            ids(want),
            "limit {limit}, page starting at {seen}"
        );
        seen += page.len();
        match page.last() {
            Some(p) if page.len() == limit as usize => {
                after = Some(Cursor {
                    created_at: p.created_at,
                    id: p.id,
                })
            }
            _ => break,
        }
    }
    assert_eq!(seen, expected.len());
}

/// The home feed's floor-based query returns exactly what "published posts of my
/// spheres, newest first" means, including many posts sharing a timestamp, pending
/// posts and posts of spheres the member is not in; so does the sphere feed.
#[tokio::test]
async fn feeds_match_the_plain_definition() {
    let (fresh, _dir) = embarq_testkit::scratch_db().await;
    let db = &fresh;
    let org = embarq_domain::OrgId::generate();
    db.insert_organization_at(org, "Feeds", 1).await.unwrap();
    let (me, other) = (UserId::generate(), UserId::generate());
    db.bulk_insert_users(
        org,
        &[user(me, "me@feeds.test"), user(other, "other@feeds.test")],
    )
    .await
    .unwrap();
    let spheres: Vec<SphereId> = (0..6).map(|_| SphereId::generate()).collect();
    let rows: Vec<BulkSphere> = spheres
        .iter()
        .enumerate()
        .map(|(i, id)| BulkSphere {
            id: *id,
            name: format!("S{i}"),
            description: String::new(),
            kind: SphereKind::Open,
            requires_approval: false,
            created_by: other,
            created_at: 1,
        })
        .collect();
    db.bulk_insert_spheres(org, &rows).await.unwrap();
    // Member of spheres 0..4; sphere 4 stays empty; sphere 5 is not theirs.
    let mine = &spheres[..5];
    let members: Vec<BulkSphereMember> = mine
        .iter()
        .map(|s| BulkSphereMember {
            sphere_id: *s,
            user_id: me,
            role: SphereRole::Member,
            joined_at: 1,
        })
        .collect();
    db.bulk_insert_sphere_members(&members).await.unwrap();
    // Sphere 0 is busy, 1 and 2 moderate, 3 has two posts; few distinct timestamps.
    let mut seed: u64 = 42;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let mut posts = Vec::new();
    for i in 0..400 {
        let s = match next(10) {
            0..=4 => 0,
            5 | 6 => 1,
            7 => 2,
            _ => 5,
        };
        let s = if i < 2 { 3 } else { s };
        posts.push(BulkPost {
            id: uuid::Uuid::new_v4(),
            sphere_id: spheres[s],
            author_id: other,
            body_md: format!("post {i}"),
            body_html: format!("<p>post {i}</p>"),
            status: if next(7) == 0 {
                PostStatus::Pending
            } else {
                PostStatus::Published
            },
            pinned: false,
            comment_count: 0,
            reaction_count: 0,
            created_at: 1_000 + next(40) as i64,
            updated_at: 1_000,
        });
    }
    db.bulk_insert_posts(org, &posts).await.unwrap();

    // The plain definition, computed here from the inserted rows.
    let published: Vec<&BulkPost> = posts
        .iter()
        .filter(|p| p.status == PostStatus::Published)
        .collect();
    let mut home: Vec<&BulkPost> = published
        .iter()
        .copied()
        .filter(|p| mine.contains(&p.sphere_id))
        .collect();
    home.sort_by_key(|b| std::cmp::Reverse((b.created_at, b.id)));
    let mut all: Vec<Post> = Vec::new();
    for p in &home {
        all.push(db.post(org, p.id).await.unwrap().unwrap());
    }
    assert!(all.len() > 200);
    for limit in [1, 2, 3, 7, 21, 1000] {
        walk(&all, limit, |c| db.home_feed(me, c, limit)).await;
    }
    assert!(db.home_feed(me, None, 0).await.unwrap().is_empty());
    assert!(db.home_feed(other, None, 21).await.unwrap().is_empty());
    // A cursor taken inside a run of equal timestamps.
    let mid = &all[all.len() / 2];
    let after = Cursor {
        created_at: mid.created_at,
        id: mid.id,
    };
    let rest: Vec<Post> = all[all.len() / 2 + 1..].to_vec();
    assert_eq!(
        ids(&db.home_feed(me, Some(after), 5).await.unwrap()),
        ids(&rest[..5])
    );

    for s in [spheres[0], spheres[3], spheres[4]] {
        let expected: Vec<Post> = all.iter().filter(|p| p.sphere_id == s).cloned().collect();
        for limit in [1, 3, 21] {
            walk(&expected, limit, |c| db.sphere_feed(s, c, limit)).await;
        }
    }
    fresh.close().await;
}
