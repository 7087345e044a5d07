//! `embarq bench scim`: provisions N users over real HTTP, as an identity provider would,
//! into an embarq server started in this process on a scratch database (a temporary SQLite
//! file, then PostgreSQL when --database-url names a server), with C concurrent clients
//! sending POST /Users (or Bulk requests of --bulk operations). Reports wall time, users/s,
//! request latency p50/p99 and the process's peak memory, then times a `userName eq`
//! lookup and full list pages on the provisioned directory.
use anyhow::{Context, Result, bail, ensure};
use embarq_domain::{OrgId, OrgRole, UserStatus};
use embarq_store::{Db, NewMember};
use embarq_web::{AppState, Config};
use serde_json::{Value, json};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug, Clone)]
pub struct ScimBenchOpts {
    /// Users to provision.
    #[arg(long, default_value_t = 100_000)]
    pub users: usize,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 8)]
    pub clients: usize,
    /// Operations per POST /Bulk request (0: one POST /Users per user).
    #[arg(long, default_value_t = 0)]
    pub bulk: usize,
    /// A PostgreSQL server URL: the bench then also runs on a scratch database created
    /// there (and dropped afterwards).
    #[arg(long)]
    pub database_url: Option<String>,
}

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const BULK: &str = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

fn user_name(i: usize) -> String {
    format!("user{i}@scim-bench.example")
}

/// A user as identity providers send them: names, e-mail, title, enterprise fields.
fn user_body(i: usize) -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "userName": user_name(i),
        "externalId": format!("ext-{i}"),
        "name": {"givenName": format!("Prénom{i}"), "familyName": format!("Nom{i}")},
        "displayName": format!("Prénom{i} Nom{i}"),
        "title": format!("Poste {}", i % 40),
        "active": true,
        "emails": [{"value": user_name(i), "type": "work", "primary": true}],
        ENTERPRISE: {"employeeNumber": format!("E{i:06}"), "department": format!("Dept {}", i % 60)},
    })
}

/// Peak resident memory of this process (VmHWM), in MiB.
fn peak_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// One client: takes the next users (one, or a bulk batch) until all are sent; returns
/// each request's latency.
async fn client(
    http: reqwest::Client,
    base: Arc<String>,
    token: Arc<String>,
    next: Arc<AtomicUsize>,
    users: usize,
    bulk: usize,
) -> Result<Vec<Duration>> {
    let mut times = Vec::new();
    let step = bulk.max(1);
    loop {
        let first = next.fetch_add(step, Ordering::Relaxed);
        if first >= users {
            return Ok(times);
        }
        let last = (first + step).min(users);
        let (url, body) = if bulk == 0 {
            (format!("{base}/Users"), user_body(first))
        } else {
            let ops: Vec<Value> = (first..last)
                .map(|i| json!({"method": "POST", "path": "/Users", "bulkId": format!("u{i}"), "data": user_body(i)}))
                .collect();
            (
                format!("{base}/Bulk"),
                json!({"schemas": [BULK], "Operations": ops}),
            )
        };
        let t = Instant::now();
        let res = http
            .post(&url)
            .bearer_auth(token.as_str())
            .header("content-type", "application/scim+json")
            .body(body.to_string())
            .send()
            .await?;
        let status = res.status().as_u16();
        let text = res.text().await?;
        times.push(t.elapsed());
        if bulk == 0 {
            ensure!(status == 201, "POST /Users answered {status}: {text}");
        } else {
            ensure!(status == 200, "POST /Bulk answered {status}: {text}");
            let r: Value = serde_json::from_str(&text)?;
            let ops = r["Operations"].as_array().context("no Operations")?;
            ensure!(
                ops.len() == last - first,
                "bulk answered {} operations",
                ops.len()
            );
            if let Some(bad) = ops.iter().find(|o| o["status"] != "201") {
                bail!("a bulk operation failed: {bad}");
            }
        }
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The median of `runs` timed GETs, with the last body.
async fn timed_get(
    http: &reqwest::Client,
    url: &str,
    token: &str,
    runs: usize,
) -> Result<(Duration, Value)> {
    let mut times = Vec::with_capacity(runs);
    let mut last = Value::Null;
    for _ in 0..runs {
        let t = Instant::now();
        let res = http.get(url).bearer_auth(token).send().await?;
        let status = res.status().as_u16();
        let text = res.text().await?;
        times.push(t.elapsed());
        ensure!(status == 200, "GET {url} answered {status}: {text}");
        last = serde_json::from_str(&text)?;
    }
    times.sort_unstable();
    Ok((crate::bench_stats::percentile(&times, 50.0), last))
}

async fn run_on(db: Db, opts: &ScimBenchOpts, dir: &std::path::Path) -> Result<()> {
    db.migrate().await?;
    let (_, manager) = db
        .create_organization(
            "SCIM bench",
            NewMember {
                org_id: OrgId(embarq_domain::Id::nil()),
                email: "manager@scim-bench.example".into(),
                display_name: "Manager".into(),
                password_hash: None,
                org_role: OrgRole::Manager,
                status: UserStatus::Active,
            },
        )
        .await?;
    let org = db.user(manager).await?.context("manager vanished")?.org_id;
    let token = format!("scim-bench-{}", uuid::Uuid::new_v4().simple());
    db.scim_create_token(
        org,
        "bench",
        &embarq_web::auth::token_hash(&token),
        None,
        |_| Default::default(),
    )
    .await?;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = AppState::new(
        db.clone(),
        Config::new(&format!("http://{addr}"), dir.to_path_buf()),
    )?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(embarq_web::serve(listener, state, async move {
        let _ = stopped.await;
    }));
    let base = Arc::new(format!("http://{addr}/scim/v2"));
    let token = Arc::new(token);
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(opts.clients)
        .build()?;

    println!(
        "SCIM provisioning on {:?}: {} users, {} clients, {}",
        db.backend(),
        opts.users,
        opts.clients,
        if opts.bulk == 0 {
            "POST /Users".to_string()
        } else {
            format!("POST /Bulk of {} operations", opts.bulk)
        }
    );
    let next = Arc::new(AtomicUsize::new(0));
    let started = Instant::now();
    let tasks: Vec<_> = (0..opts.clients.max(1))
        .map(|_| {
            tokio::spawn(client(
                http.clone(),
                base.clone(),
                token.clone(),
                next.clone(),
                opts.users,
                opts.bulk,
            ))
        })
        .collect();
    let mut times = Vec::new();
    for t in tasks {
        times.extend(t.await??);
    }
    let wall = started.elapsed();
    times.sort_unstable();
    let p = |q| ms(crate::bench_stats::percentile(&times, q));
    println!(
        "provisioned  {:>8.1} s  {:>8.0} users/s  requests {}  latency p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms",
        wall.as_secs_f64(),
        opts.users as f64 / wall.as_secs_f64(),
        times.len(),
        p(50.0),
        p(99.0),
        ms(times.last().copied().unwrap_or_default()),
    );

    let probe = user_name(opts.users / 2);
    let filter = format!("userName eq \"{probe}\"");
    let url =
        reqwest::Url::parse_with_params(&format!("{base}/Users"), &[("filter", filter.as_str())])?;
    let (d, r) = timed_get(&http, url.as_str(), &token, 21).await?;
    ensure!(r["totalResults"] == 1, "lookup found {}", r["totalResults"]);
    println!("lookup       userName eq: p50 {:.2} ms", ms(d));
    for (label, start) in [
        ("first", 1),
        ("last", opts.users.saturating_sub(999).max(1)),
    ] {
        let url = format!("{base}/Users?startIndex={start}&count=1000");
        let (d, r) = timed_get(&http, &url, &token, 5).await?;
        println!(
            "list page    {label} 1000 of {}: p50 {:.1} ms ({} resources)",
            r["totalResults"],
            ms(d),
            r["Resources"].as_array().map(Vec::len).unwrap_or(0)
        );
    }
    match peak_mib() {
        Some(m) => println!(
            "peak memory  {m:.0} MiB (VmHWM of this one process: server and clients together)"
        ),
        None => println!("peak memory  unavailable (no /proc/self/status)"),
    }
    let _ = stop.send(());
    server.await??;
    db.close().await;
    Ok(())
}

pub async fn run(opts: ScimBenchOpts) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("embarq-scim-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let sqlite = Db::connect(&format!("sqlite://{}", dir.join("scim-bench.db").display())).await?;
    let result = run_on(sqlite, &opts, &dir).await;
    if result.is_ok()
        && let Some(url) = opts
            .database_url
            .as_deref()
            .filter(|u| u.starts_with("postgres"))
    {
        let (db, name) = crate::bench_import::scratch_pg(url, "embarq_scim_bench").await?;
        let pg = run_on(db, &opts, &dir).await;
        let admin = Db::connect(url).await?;
        admin.drop_database(&name).await?;
        pg?;
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}
