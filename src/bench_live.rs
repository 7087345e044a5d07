//! `embarq bench live`: fan-out at launch scale. On the feed bench's organization, a sphere
//! holds every member (the company-wide announcement sphere). With the real server as a
//! child process, it times:
//! 1. posts in that sphere with no live connection open (the commit costs one event row,
//!    whatever the sphere's size);
//! 2. N live connections (`/events`) of the sphere's members, opened and then left idle:
//!    the server's CPU while nothing happens;
//! 3. posts in that sphere with the N connections open: the request, and the time from the
//!    request to each connection receiving the event (p50/p99 over every delivery);
//! 4. posts in a small sphere with the N connections open (they must not slow it down).
use crate::bench::{self, DataOpts};
use crate::bench_server::{Server, cpu_seconds, proc_status_kib, watch_rss};
use crate::bench_stats::line;
use anyhow::{Context, Result, bail};
use embarq_domain::policy::{Viewer, sphere_access};
use embarq_domain::{OrgId, SphereKind};
use embarq_domain::{SphereId, UserId};
use embarq_store::Db;
use std::path::Path;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::{Instant, timeout};

#[derive(Debug, Clone, clap::Args)]
pub struct LiveBenchOpts {
    #[command(flatten)]
    pub data: DataOpts,
    /// Open live connections, of members m1 … mN (all in the company-wide sphere).
    #[arg(long, default_value_t = 10_000)]
    pub connections: usize,
    /// Posts timed in each phase.
    #[arg(long, default_value_t = 30)]
    pub timed_posts: usize,
    /// Seconds the connections stay idle while the server's CPU is measured.
    #[arg(long, default_value_t = 20)]
    pub idle: u64,
    #[command(flatten)]
    pub served: crate::bench_server::ServedDb,
}

/// The sphere of every member, created once per data set and reused.
const ALL_SPHERE: &str = "Toute l'entreprise (bench live)";
/// How long a post may take to reach every connection before it counts as undelivered.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);

/// What the connections record about the post being timed.
struct Delivery {
    /// The sphere whose `post` events are being timed and when its post was sent.
    current: Mutex<Option<(SphereId, Instant)>>,
    times: Mutex<Vec<Duration>>,
    received: AtomicUsize,
    connected: AtomicUsize,
    failed: AtomicUsize,
    events: AtomicU64,
}

pub async fn run(db: Db, database_url: &str, config: &Path, opts: LiveBenchOpts) -> Result<()> {
    if opts.connections == 0 || opts.connections > opts.data.members {
        bail!("--connections must be between 1 and --members");
    }
    let org = bench::prepare(&db, &opts.data).await?;
    let poster = db
        .user_by_email("m1@bench.example")
        .await?
        .filter(|u| u.org_id == org)
        .context("m1@bench.example is not in the bench organization")?;
    let (all, members, small) = spheres(&db, org, poster.id).await?;
    println!("sphere of every member: {members} members; small sphere of m1: {small:?}");
    let sessions = sessions(&db, org, opts.connections).await?;
    let token = embarq_web::auth::random_token();
    db.create_api_token(
        embarq_domain::new_id(),
        poster.id,
        "bench live",
        &embarq_web::auth::token_hash(&token),
        &Default::default(),
    )
    .await?;
    db.close().await;

    let mut server = Server::spawn(config, database_url).await?;
    let peak_rss = Arc::new(AtomicU64::new(0));
    let monitor = tokio::spawn(watch_rss(server.pid, peak_rss.clone()));
    let api = reqwest::Client::new();
    let base = server.base.clone();
    let publish = |sphere: SphereId, n: usize| {
        let req = api
            .post(format!("{base}/api/v1/spheres/{sphere}/posts"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "body": format!("Annonce n° {n} à toute l'entreprise.") }));
        async move {
            let t = Instant::now();
            let r = req.send().await.context("posting")?;
            if r.status() != reqwest::StatusCode::CREATED {
                bail!("posting answered {}: {}", r.status(), r.text().await?);
            }
            Ok::<_, anyhow::Error>(t.elapsed())
        }
    };

    // 1. Posts in the sphere of every member, nobody connected.
    let mut alone = Vec::new();
    for n in 0..opts.timed_posts {
        alone.push(publish(all, n).await?);
    }

    // 2. N connections, then idle.
    let d = Arc::new(Delivery {
        current: Mutex::new(None),
        times: Mutex::new(Vec::new()),
        received: AtomicUsize::new(0),
        connected: AtomicUsize::new(0),
        failed: AtomicUsize::new(0),
        events: AtomicU64::new(0),
    });
    let streams = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .build()?;
    let opened = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for session in sessions {
        tasks.spawn(listen(
            streams.clone(),
            format!("{}/events", server.base),
            session,
            d.clone(),
        ));
        // Opened in waves, as people arrive, not as a SYN flood the kernel drops.
        if tasks.len() % 500 == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    while d.connected.load(Ordering::Relaxed) + d.failed.load(Ordering::Relaxed) < opts.connections
    {
        if opened.elapsed() > Duration::from_secs(120) {
            bail!(
                "only {} of {} live connections opened within 120 s",
                d.connected.load(Ordering::Relaxed),
                opts.connections
            );
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let connected = d.connected.load(Ordering::Relaxed);
    println!(
        "{connected} live connections open in {:.1} s ({} refused)",
        opened.elapsed().as_secs_f64(),
        d.failed.load(Ordering::Relaxed)
    );
    tokio::time::sleep(Duration::from_secs(2)).await;
    let idle_rss = proc_status_kib(server.pid, "VmRSS:");
    let cpu0 = cpu_seconds(server.pid);
    tokio::time::sleep(Duration::from_secs(opts.idle)).await;
    let idle_cpu = cpu0.zip(cpu_seconds(server.pid)).map(|(a, b)| b - a);

    // 3. Posts in the sphere of every member, everyone connected.
    let mut busy = Vec::new();
    let mut undelivered = 0usize;
    for n in 0..opts.timed_posts {
        d.received.store(0, Ordering::Relaxed);
        *d.current.lock().unwrap_or_else(|e| e.into_inner()) = Some((all, Instant::now()));
        busy.push(publish(all, opts.timed_posts + n).await?);
        let t = Instant::now();
        while d.received.load(Ordering::Relaxed) < connected && t.elapsed() < DELIVERY_TIMEOUT {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        undelivered += connected.saturating_sub(d.received.load(Ordering::Relaxed));
    }
    *d.current.lock().unwrap_or_else(|e| e.into_inner()) = None;

    // 4. Posts in a small sphere, everyone connected.
    let mut beside = Vec::new();
    if let Some(small) = small {
        for n in 0..opts.timed_posts {
            beside.push(publish(small, n).await?);
        }
    }
    let rss = proc_status_kib(server.pid, "VmRSS:");
    monitor.abort();
    tasks.abort_all();
    server.stop().await;

    let wall = |v: &[Duration]| v.iter().sum::<Duration>();
    println!(
        "{}",
        line(
            &format!("post in the sphere of {members} members, no connection open"),
            &alone,
            wall(&alone),
            "posts/s"
        )
    );
    println!(
        "{}",
        line(
            &format!("same, {connected} connections open"),
            &busy,
            wall(&busy),
            "posts/s"
        )
    );
    let times = d.times.lock().unwrap_or_else(|e| e.into_inner()).clone();
    println!(
        "{}, {undelivered} deliveries missing after {DELIVERY_TIMEOUT:?}",
        line(
            "post → each open connection",
            &times,
            wall(&busy),
            "deliveries/s"
        )
    );
    if !beside.is_empty() {
        println!(
            "{}",
            line(
                &format!("post in m1's small sphere, {connected} connections open"),
                &beside,
                wall(&beside),
                "posts/s"
            )
        );
    }
    let mib = |k: Option<u64>| k.map_or("?".into(), |k| format!("{:.0} MiB", k as f64 / 1024.0));
    println!(
        "idle: {connected} connections cost {} of CPU over {} s ({}); RSS {} idle, {} at the end, peak {}",
        idle_cpu.map_or("?".into(), |c| format!("{c:.2} s")),
        opts.idle,
        idle_cpu.map_or("?".into(), |c| format!(
            "{:.2} % of one core",
            100.0 * c / opts.idle as f64
        )),
        mib(idle_rss),
        mib(rss),
        mib(Some(peak_rss.load(Ordering::Relaxed))),
    );
    println!(
        "live events received in all: {}",
        d.events.load(Ordering::Relaxed)
    );
    if undelivered > 0 || d.failed.load(Ordering::Relaxed) > 0 {
        bail!("some connections failed or missed events");
    }
    Ok(())
}

/// The sphere of every member (created and filled once), its size, and a small sphere m1
/// may post in.
async fn spheres(db: &Db, org: OrgId, poster: UserId) -> Result<(SphereId, i64, Option<SphereId>)> {
    let mine = db.visible_spheres(org, poster, true).await?;
    let all = match mine.iter().find(|s| s.name == ALL_SPHERE) {
        Some(s) => s.id,
        None => {
            let t = Instant::now();
            let id = db
                .create_sphere(
                    org,
                    poster,
                    ALL_SPHERE,
                    "Every member: the launch announcement sphere.",
                    SphereKind::Open,
                    false,
                )
                .await?;
            db.add_everyone_to_sphere(org, id).await?;
            println!(
                "added every member to a new sphere in {:.2} s",
                t.elapsed().as_secs_f64()
            );
            id
        }
    };
    let mine = db.visible_spheres(org, poster, true).await?;
    let members = mine
        .iter()
        .find(|s| s.id == all)
        .map_or(0, |s| s.member_count);
    let viewer = Viewer {
        org_role: embarq_domain::OrgRole::Member,
    };
    let small = mine
        .iter()
        .filter(|s| s.id != all && sphere_access(viewer, s.kind, s.my_role).post)
        .min_by_key(|s| s.member_count)
        .map(|s| s.id);
    Ok((all, members, small))
}

/// Signs members m1 … mN in directly (a session each, as the sign-in form would open):
/// argon2 for ten thousand people is the sign-in bench's subject, not this one's.
async fn sessions(db: &Db, org: OrgId, n: usize) -> Result<Vec<String>> {
    let mut ids = Vec::with_capacity(n);
    for i in 1..=n {
        let email = format!("m{i}@bench.example");
        let u = db
            .user_by_email(&email)
            .await?
            .filter(|u| u.org_id == org)
            .with_context(|| format!("{email} is not in the bench organization"))?;
        ids.push(u.id);
    }
    let hash = embarq_web::auth::hash_password(embarq_web::auth::random_token())
        .await
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    db.bulk_set_password(org, &ids, &hash).await?;
    let tokens: Vec<String> = ids
        .iter()
        .map(|_| embarq_web::auth::random_token())
        .collect();
    let rows: Vec<(String, UserId)> = tokens
        .iter()
        .zip(&ids)
        .map(|(t, id)| (embarq_web::auth::token_hash(t), *id))
        .collect();
    db.bulk_create_sessions(&rows, 86_400_000).await?;
    Ok(tokens)
}

/// One open page: counts its events and times the post being measured.
async fn listen(http: reqwest::Client, url: String, session: String, d: Arc<Delivery>) {
    let req = http.get(url).header("accept", "text/event-stream").header(
        "cookie",
        format!("{}={session}", embarq_web::auth::SESSION_COOKIE),
    );
    let mut res = match timeout(Duration::from_secs(60), req.send()).await {
        Ok(Ok(r)) if r.status().is_success() => r,
        _ => {
            d.failed.fetch_add(1, Ordering::Relaxed);
            return;
        }
    };
    d.connected.fetch_add(1, Ordering::Relaxed);
    let mut buf: Vec<u8> = Vec::new();
    while let Ok(Some(bytes)) = res.chunk().await {
        buf.extend_from_slice(&bytes);
        while let Some(nl) = buf.iter().position(|b| *b == b'\n') {
            let raw: Vec<u8> = buf.drain(..=nl).collect();
            let Some(data) = raw.strip_prefix(b"data:") else {
                continue;
            };
            d.events.fetch_add(1, Ordering::Relaxed);
            let Ok(v) = serde_json::from_slice::<serde_json::Value>(data) else {
                continue;
            };
            let current = *d.current.lock().unwrap_or_else(|e| e.into_inner());
            if let Some((sphere, sent)) = current
                && v["kind"] == "post"
                && v["ref"].as_str() == Some(sphere.to_string().as_str())
            {
                d.times
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push(sent.elapsed());
                d.received.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
