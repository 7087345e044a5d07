//! `embarq bench analytics`: times the whole activation dashboard (funnel, breakdowns,
//! daily series, presence, cohort retention, reminders) on the feed bench's organization (100,000 members, 1,000,000
//! posts by default; generated first when missing), after giving members a deterministic
//! spread of activations, visits, photos and titles.
use crate::bench::{self, BenchOpts};
use anyhow::{Result, bail};
use embarq_store::{Db, now_ms};
use embarq_web::i18n::Lang;
use embarq_web::service::analytics;
use std::time::{Duration, Instant};

#[derive(Debug, Clone, clap::Args)]
pub struct AnalyticsBenchOpts {
    /// Timed runs of the whole dashboard.
    #[arg(long, default_value_t = 50)]
    pub iterations: usize,
    /// Length of the daily series (30 or 90).
    #[arg(long, default_value_t = 30)]
    pub days: i64,
}

use crate::bench_stats::percentile;

pub async fn run(db: &Db, opts: AnalyticsBenchOpts) -> Result<()> {
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
    println!("measuring \"{}\" on {:?}", org.name, db.backend());
    let now = now_ms();
    let t = Instant::now();
    let n = db.analytics_spread_bench_states(org.id, now).await?;
    let days = db.analytics_spread_bench_activity(org.id, now).await?;
    db.analyze().await?;
    println!(
        "adoption states spread over {n} members, {days} days of activity written, in {:.1} s",
        t.elapsed().as_secs_f64()
    );

    let d = analytics::compute(db, org.id, now, opts.days, Lang::En).await?;
    println!(
        "funnel: invited {} → activated {} → profile {} → contributed {} → active 7 d {}; {} breakdown rows, {} days",
        d.overall.invited,
        d.overall.activated,
        d.overall.profile_completed,
        d.overall.contributed,
        d.overall.active_7d,
        d.breakdowns.iter().map(|b| b.rows.len()).sum::<usize>(),
        d.series.len()
    );
    // Each query alone, to see where the time goes.
    let since = (now.div_euclid(86_400_000) - (opts.days - 1)) * 86_400_000;
    let t = Instant::now();
    db.analytics_funnel(org.id, now).await?;
    let funnel = t.elapsed();
    let t = Instant::now();
    db.analytics_activations_by_day(org.id, since).await?;
    let activations = t.elapsed();
    let t = Instant::now();
    db.analytics_contributions_by_day(org.id, since).await?;
    let contributions = t.elapsed();
    let t = Instant::now();
    db.analytics_reminders(org.id).await?;
    let reminders = t.elapsed();
    let t = Instant::now();
    db.analytics_active_by_day(org.id, since / 86_400_000 - 30)
        .await?;
    let active = t.elapsed();
    let t = Instant::now();
    db.analytics_presence(org.id, now).await?;
    let presence = t.elapsed();
    let t = Instant::now();
    db.analytics_cohorts(org.id, now - 84 * 86_400_000).await?;
    let cohorts = t.elapsed();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "alone: funnel {:.1} ms, activations {:.1} ms, contributions {:.1} ms, reminders {:.1} ms, \
         active by day {:.1} ms, presence {:.1} ms, cohorts {:.1} ms",
        ms(funnel),
        ms(activations),
        ms(contributions),
        ms(reminders),
        ms(active),
        ms(presence),
        ms(cohorts)
    );
    println!(
        "presence: daily {}  weekly {}  monthly {}  stickiness {:.1} %; {} cohorts",
        d.presence.daily_active,
        d.presence.weekly_active,
        d.presence.monthly_active,
        d.presence.stickiness,
        d.retention.overall.len()
    );
    for _ in 0..opts.iterations.min(3) {
        analytics::compute(db, org.id, now, opts.days, Lang::En).await?;
    }
    let mut times = Vec::with_capacity(opts.iterations);
    for _ in 0..opts.iterations {
        let t = Instant::now();
        analytics::compute(db, org.id, now, opts.days, Lang::En).await?;
        times.push(t.elapsed());
    }
    times.sort_unstable();
    println!(
        "analytics dashboard ({} days): p50 {:.1} ms  p99 {:.1} ms  max {:.1} ms  ({} runs)",
        opts.days,
        ms(percentile(&times, 50.0)),
        ms(percentile(&times, 99.0)),
        ms(times.last().copied().unwrap_or_default()),
        times.len()
    );
    Ok(())
}
