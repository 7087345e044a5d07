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
            via_rule: false,
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

/// A table's shape: its columns (name, nullable) and indexes (columns in order, unique).
#[derive(Debug, PartialEq, Eq)]
struct TableShape {
    columns: BTreeSet<(String, bool)>,
    indexes: BTreeSet<(Vec<String>, bool)>,
}

type Schema = std::collections::BTreeMap<String, TableShape>;

/// An index column: its name, or `(expr)` for an expression such as `lower(email)`.
fn column_or_expr(name: Option<String>) -> String {
    name.unwrap_or_else(|| "(expr)".to_string())
}

async fn sqlite_schema(p: &sqlx::SqlitePool) -> Schema {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' \
         AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%' AND name NOT LIKE '%_fts%' ORDER BY name",
    )
    .fetch_all(p)
    .await
    .unwrap();
    let mut out = Schema::new();
    for t in tables {
        let cols: Vec<(String, i64, i64)> =
            sqlx::query_as("SELECT name, \"notnull\", pk FROM pragma_table_info($1)")
                .bind(&t)
                .fetch_all(p)
                .await
                .unwrap();
        // A primary key column is never null, whatever SQLite lets it be.
        let mut pk: Vec<(i64, String)> = cols
            .iter()
            .filter(|c| c.2 > 0)
            .map(|c| (c.2, c.0.clone()))
            .collect();
        pk.sort();
        let columns = cols
            .into_iter()
            .map(|(c, notnull, pk)| (c, notnull == 0 && pk == 0))
            .collect();
        let list: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT name, \"unique\", origin FROM pragma_index_list($1)")
                .bind(&t)
                .fetch_all(p)
                .await
                .unwrap();
        let mut indexes = BTreeSet::new();
        // An INTEGER PRIMARY KEY is the rowid itself, unique without an index of its own.
        if !pk.is_empty() && !list.iter().any(|(_, _, origin)| origin == "pk") {
            indexes.insert((pk.into_iter().map(|(_, c)| c).collect(), true));
        }
        for (index, unique, _) in list {
            let cols: Vec<Option<String>> =
                sqlx::query_scalar("SELECT name FROM pragma_index_info($1) ORDER BY seqno")
                    .bind(&index)
                    .fetch_all(p)
                    .await
                    .unwrap();
            indexes.insert((cols.into_iter().map(column_or_expr).collect(), unique == 1));
        }
        out.insert(t, TableShape { columns, indexes });
    }
    out
}

/// PostgreSQL's full-text search lives in a generated `search_tsv` column and its index on
/// the searched tables; SQLite's in FTS5 tables beside them (left out of its side). That
/// deliberate difference aside, the schemas must match.
const PG_SEARCH_COLUMN: &str = "search_tsv";

async fn pg_schema(p: &sqlx::PgPool) -> Schema {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%' ORDER BY 1",
    )
    .fetch_all(p)
    .await
    .unwrap();
    let mut out = Schema::new();
    for t in tables {
        let columns: Vec<(String, bool)> = sqlx::query_as(
            "SELECT column_name::text, is_nullable = 'YES' FROM information_schema.columns \
             WHERE table_schema = 'public' AND table_name = $1",
        )
        .bind(&t)
        .fetch_all(p)
        .await
        .unwrap();
        let rows: Vec<(String, bool, Vec<Option<String>>)> = sqlx::query_as(
            "SELECT i.indexrelid::regclass::text, i.indisunique, \
               ARRAY(SELECT a.attname::text FROM unnest(i.indkey) WITH ORDINALITY k(attnum, n) \
                     LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum \
                     ORDER BY k.n) \
             FROM pg_index i WHERE i.indrelid = $1::regclass",
        )
        .bind(&t)
        .fetch_all(p)
        .await
        .unwrap();
        let indexes = rows
            .into_iter()
            .map(|(_, unique, cols)| {
                (
                    cols.into_iter().map(column_or_expr).collect::<Vec<_>>(),
                    unique,
                )
            })
            .filter(|(cols, _)| cols != &[PG_SEARCH_COLUMN])
            .collect();
        out.insert(
            t,
            TableShape {
                columns: columns
                    .into_iter()
                    .filter(|(c, _)| c != PG_SEARCH_COLUMN)
                    .collect(),
                indexes,
            },
        );
    }
    out
}

/// Both dialects' migrations build the same schema: the same tables, columns, nullability
/// and indexes (by their columns and uniqueness). Compared in the PostgreSQL pass, against a
/// SQLite database migrated beside it; the SQLite pass checks its own side reads.
#[tokio::test]
async fn both_dialects_build_the_same_schema() {
    let dir = std::env::temp_dir().join(format!("embarq-schema-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let sqlite = Db::connect(&format!("sqlite://{}", dir.join("s.db").display()))
        .await
        .unwrap();
    sqlite.migrate().await.unwrap();
    let Db::Sqlite(pools) = &sqlite else {
        unreachable!()
    };
    let lite = sqlite_schema(&pools.read).await;
    assert!(lite.len() > 50 && lite.contains_key("users"), "{lite:?}");
    let (db, _guard) = embarq_testkit::scratch_db().await;
    if let Db::Pg(p) = &db {
        let pg = pg_schema(p).await;
        let names = |s: &Schema| s.keys().cloned().collect::<BTreeSet<_>>();
        assert_eq!(names(&lite), names(&pg), "tables");
        let mut differences = Vec::new();
        for (table, shape) in &lite {
            let other = &pg[table];
            for (what, a, b) in [
                (
                    "columns",
                    format!("{:?}", shape.columns),
                    format!("{:?}", other.columns),
                ),
                (
                    "indexes",
                    format!("{:?}", shape.indexes),
                    format!("{:?}", other.indexes),
                ),
            ] {
                if a != b {
                    differences.push(format!(
                        "{what} of {table}:\n  sqlite:   {a}\n  postgres: {b}"
                    ));
                }
            }
        }
        assert!(differences.is_empty(), "{}", differences.join("\n"));
    }
    sqlite.close().await;
    let _ = std::fs::remove_dir_all(dir);
}
