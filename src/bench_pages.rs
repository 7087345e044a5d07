//! `embarq bench pages`: what the hot HTML pages cost the server. On the feed bench's
//! organization, with the real server as a child process, the measured member (30 spheres,
//! the 5 busiest among them) requests each page one at a time; the report gives the latency
//! (p50/p99) and the server's CPU time per request (its /proc CPU time over the run, divided
//! by the requests), which does not depend on what else the machine is doing.
use crate::bench::{self, DataOpts, MEASURED_EMAIL};
use crate::bench_server::{Server, cpu_seconds};
use crate::bench_stats::line;
use anyhow::{Context, Result, bail};
use embarq_store::Db;
use std::path::Path;
use tokio::time::Instant;

#[derive(Debug, Clone, clap::Args)]
pub struct PagesBenchOpts {
    #[command(flatten)]
    pub data: DataOpts,
    /// Requests per page (after 20 not measured).
    #[arg(long, default_value_t = 300)]
    pub iterations: usize,
    /// Only the pages whose label contains this (e.g. `sphere`), to profile one.
    #[arg(long)]
    pub only: Option<String>,
    #[command(flatten)]
    pub served: crate::bench_server::ServedDb,
    /// Serve with activity recording off (EMBARQ_ACTIVITY_OFF=true), to compare what
    /// recording costs with a run without this flag.
    #[arg(long)]
    pub activity_off: bool,
}

const WARM_UP: usize = 20;

pub async fn run(db: Db, database_url: &str, config: &Path, opts: PagesBenchOpts) -> Result<()> {
    let org = bench::prepare(&db, &opts.data).await?;
    let user = db
        .user_by_email(MEASURED_EMAIL)
        .await?
        .filter(|u| u.org_id == org)
        .with_context(|| format!("{MEASURED_EMAIL} is not in the bench organization"))?;
    let spheres = db.visible_spheres(org, user.id, true).await?;
    let busiest = spheres
        .iter()
        .max_by_key(|s| s.member_count)
        .context("the measured member belongs to no sphere")?;
    let token = embarq_web::auth::random_token();
    db.bulk_create_sessions(
        &[(embarq_web::auth::token_hash(&token), user.id)],
        86_400_000,
    )
    .await?;
    let pages = [
        ("home (GET /)", "/".to_string()),
        ("spheres list (GET /spheres)", "/spheres".to_string()),
        (
            "busiest sphere (GET /spheres/{id})",
            format!("/spheres/{}", busiest.id),
        ),
        (
            "search (GET /search?q=équipe)",
            "/search?q=%C3%A9quipe".to_string(),
        ),
        (
            "API home feed (GET /api/v1/feed)",
            "/api/v1/feed".to_string(),
        ),
    ];
    println!(
        "{MEASURED_EMAIL}: {} spheres; busiest \"{}\" ({} members)",
        spheres.len(),
        busiest.name,
        busiest.member_count
    );
    db.close().await;

    let env: &[(&str, &str)] = if opts.activity_off {
        &[("EMBARQ_ACTIVITY_OFF", "true")]
    } else {
        &[]
    };
    println!(
        "activity recording {}",
        if opts.activity_off { "off" } else { "on" }
    );
    let mut server = Server::spawn_with(config, database_url, env).await?;
    let http = reqwest::Client::new();
    let cookie = format!("{}={token}", embarq_web::auth::SESSION_COOKIE);
    println!("server pid {}", server.pid);
    for (label, path) in pages {
        if opts
            .only
            .as_ref()
            .is_some_and(|o| !label.contains(o.as_str()))
        {
            continue;
        }
        let get = || {
            http.get(format!("{}{path}", server.base))
                .header("cookie", &cookie)
                .send()
        };
        for _ in 0..WARM_UP {
            get().await?.bytes().await?;
        }
        let cpu0 = cpu_seconds(server.pid);
        let started = Instant::now();
        let mut times = Vec::with_capacity(opts.iterations);
        for _ in 0..opts.iterations {
            let t = Instant::now();
            let r = get().await?;
            if !r.status().is_success() {
                bail!("{path} answered {}", r.status());
            }
            r.bytes().await?;
            times.push(t.elapsed());
        }
        let wall = started.elapsed();
        let cpu = cpu0.zip(cpu_seconds(server.pid)).map(|(a, b)| b - a);
        println!(
            "{}; server CPU {} per request",
            line(label, &times, wall, "req/s"),
            cpu.map_or("?".into(), |c| format!(
                "{:.2} ms",
                1000.0 * c / opts.iterations as f64
            ))
        );
    }
    server.stop().await;
    let _ = std::fs::remove_file(&server.log);
    Ok(())
}
