//! `embarq bench search`: times full-text search on the feed bench's organization
//! (100,000 members, 2,000 spheres, 1,000,000 posts by default; generated first when
//! missing, by `embarq bench feed`'s generator) as its measured member, who belongs to 30
//! spheres and sees every open sphere: p50/p99 and throughput for a set of realistic
//! queries, through the same service call the web page and the API make.
use crate::bench::{self, BenchOpts};
use anyhow::{Context, Result, bail};
use embarq_domain::search::Query;
use embarq_store::Db;
use embarq_web::service::search::{self, Kind, Results};
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct SearchBenchOpts {
    /// Timed runs per query.
    #[arg(long, default_value_t = 300)]
    pub iterations: usize,
    /// Concurrent clients for the throughput-under-load measurement.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
}

/// (label, query, kind): publications alone (the heavy part: a million rows) and the
/// whole overview (every kind, 5 each) as the top bar's box asks.
const QUERIES: &[(&str, &str, Option<Kind>)] = &[
    (
        "common word (\"équipe\", 1 post in 4)",
        "équipe",
        Some(Kind::Posts),
    ),
    (
        "rare word (\"654321\", 1 post)",
        "654321",
        Some(Kind::Posts),
    ),
    (
        "two words (\"réunion mensuelle\")",
        "réunion mensuelle",
        Some(Kind::Posts),
    ),
    (
        "French accented, plural (\"procédures\")",
        "procédures",
        Some(Kind::Posts),
    ),
    ("no match (\"licorne\")", "licorne", Some(Kind::Posts)),
    ("prefix, as typed (\"procéd\")", "procéd", Some(Kind::Posts)),
    ("overview, common word (all kinds)", "équipe", None),
    (
        "overview, two words (all kinds)",
        "maintenance réseau",
        None,
    ),
];

fn report(label: &str, times: Vec<Duration>, wall: Duration, found: usize) {
    println!(
        "{}, {found} results on page 1",
        crate::bench_stats::line(label, &times, wall, "q/s")
    );
}

fn shown(r: &Results) -> usize {
    r.groups.iter().map(|g| g.items.len()).sum()
}

pub async fn run(db: &Db, opts: SearchBenchOpts) -> Result<()> {
    let find = |orgs: Vec<embarq_store::Organization>| {
        orgs.into_iter()
            .find(|o| o.name.starts_with("embarq-bench ") && !o.name.contains("(loading)"))
    };
    let org = match find(db.organizations().await?) {
        Some(o) => o,
        None => {
            println!("no bench data yet: generating it with `embarq bench feed` defaults");
            bench::run(
                db,
                BenchOpts {
                    iterations: 1,
                    clients: 1,
                    ..BenchOpts::default()
                },
            )
            .await?;
            match find(db.organizations().await?) {
                Some(o) => o,
                None => bail!("the feed bench did not leave an organization to measure"),
            }
        }
    };
    let me = db
        .user_by_email(bench::MEASURED_EMAIL)
        .await?
        .context("the bench's measured member is missing")?;
    println!(
        "searching \"{}\" on {:?} as {} ({} spheres)",
        org.name,
        db.backend(),
        bench::MEASURED_EMAIL,
        db.visible_spheres(org.id, me.id, true).await?.len()
    );
    let iterations = opts.iterations.max(1);
    for (label, text, kind) in QUERIES {
        let q =
            Query::parse(text).map_err(|e| anyhow::anyhow!("bad bench query {text:?}: {e:?}"))?;
        let call = || search::run(db.clone(), org.id, me.id, &q, *kind, None, 1);
        let mut found = 0;
        for _ in 0..iterations.min(10) {
            found = shown(&call().await.map_err(|e| anyhow::anyhow!("{e}"))?);
        }
        let mut times = Vec::with_capacity(iterations);
        let start = Instant::now();
        for _ in 0..iterations {
            let t = Instant::now();
            call().await.map_err(|e| anyhow::anyhow!("{e}"))?;
            times.push(t.elapsed());
        }
        report(label, times, start.elapsed(), found);
    }

    // Throughput under load: the mix above from several clients at once.
    let clients = opts.clients.max(1);
    let per = iterations.div_ceil(clients);
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for c in 0..clients {
        let db = db.clone();
        let (org_id, user) = (org.id, me.id);
        set.spawn(async move {
            let mut times = Vec::with_capacity(per);
            for i in 0..per {
                let (_, text, kind) = QUERIES[(c + i) % QUERIES.len()];
                let q = Query::parse(text).map_err(|e| anyhow::anyhow!("{e:?}"))?;
                let t = Instant::now();
                search::run(db.clone(), org_id, user, &q, kind, None, 1)
                    .await
                    .map_err(|e| anyhow::anyhow!("{e}"))?;
                times.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(times)
        });
    }
    let mut times = Vec::new();
    while let Some(r) = set.join_next().await {
        times.extend(r.context("bench task")??);
    }
    report(
        &format!("query mix, {clients} clients"),
        times,
        start.elapsed(),
        0,
    );
    Ok(())
}
