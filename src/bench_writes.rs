//! `embarq bench writes`: concurrent writers on one publication (comments, each a short
//! write transaction) on a scratch database of the configured backend: writes/s, p50/p99,
//! and how many failed. SQLite used to answer "database is locked" to some writers.
use crate::bench_import::{drop_scratch, scratch_db};
use crate::bench_stats::line;
use anyhow::{Context, Result};
use embarq_domain::{OrgId, OrgRole, PostStatus, SphereKind, UserStatus};
use embarq_store::{NewMember, NewPost};
use std::time::Instant;

#[derive(clap::Args, Debug, Clone)]
pub struct WritesBenchOpts {
    /// Concurrent writers.
    #[arg(long, default_value_t = 20)]
    pub clients: usize,
    /// Comments each writer adds.
    #[arg(long, default_value_t = 50)]
    pub writes: usize,
}

pub async fn run(database_url: &str, opts: WritesBenchOpts) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("embarq-writes-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (db, pg) = scratch_db(database_url, &dir, "writes").await?;
    db.migrate().await?;
    let (org, author) = db
        .create_organization(
            "Writes bench",
            NewMember {
                org_id: OrgId(embarq_domain::Id::nil()),
                email: "writer@bench.example".into(),
                display_name: "Writer".into(),
                password_hash: None,
                org_role: OrgRole::Manager,
                status: UserStatus::Active,
            },
        )
        .await?;
    let sphere = db
        .create_sphere(org.id, author, "Bench", "", SphereKind::Open, false)
        .await?;
    let post = db
        .create_post(
            &NewPost {
                id: embarq_domain::new_id(),
                org_id: org.id,
                sphere_id: sphere,
                author_id: author,
                body_md: "post",
                body_html: "<p>post</p>",
                status: PostStatus::Published,
            },
            &Default::default(),
        )
        .await?;
    println!(
        "writes bench on {:?}: {} writers × {} comments on one publication",
        db.backend(),
        opts.clients,
        opts.writes
    );
    let start = Instant::now();
    let writers: Vec<_> = (0..opts.clients)
        .map(|w| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut times = Vec::with_capacity(opts.writes);
                let mut failed = 0usize;
                for i in 0..opts.writes {
                    let t = Instant::now();
                    let body = format!("writer {w}, comment {i}");
                    match db
                        .add_comment(post, author, (&body, &body), &Default::default())
                        .await
                    {
                        Ok(_) => times.push(t.elapsed()),
                        Err(e) => {
                            if failed == 0 {
                                eprintln!("writer {w}: {e}");
                            }
                            failed += 1;
                        }
                    }
                }
                (times, failed)
            })
        })
        .collect();
    let (mut times, mut failed) = (Vec::new(), 0);
    for w in writers {
        let (t, f) = w.await.context("writer panicked")?;
        times.extend(t);
        failed += f;
    }
    let wall = start.elapsed();
    println!("{}", line("comment writes", &times, wall, "writes/s"));
    println!("failed writes: {failed} of {}", opts.clients * opts.writes);
    drop_scratch(db, pg, &dir).await
}
