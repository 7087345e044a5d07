//! `embarq bench champions`: times the champions' proposal on a generated in-memory
//! directory (departments and sites of the demo organization, a management chain, a few
//! volunteers and missing attributes).
use anyhow::Result;
use embarq_domain::champions::{self, Member};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug, Clone)]
pub struct ChampionsBenchOpts {
    /// Members in the generated directory.
    #[arg(long, default_value_t = 100_000)]
    pub members: usize,
    /// Share of the workforce to propose, in percent.
    #[arg(long, default_value_t = champions::DEFAULT_SHARE)]
    pub share: i64,
    /// Timed runs (the p50 is reported).
    #[arg(long, default_value_t = 7)]
    pub runs: usize,
}

const LEVELS: [&str; 5] = [
    "Direction",
    "Cadre",
    "Agent de maîtrise",
    "Employé",
    "Ouvrier",
];

/// A directory of `n` people with display names; one manager per 12 people.
pub fn directory(n: usize) -> Vec<(String, Member)> {
    let mut rng = StdRng::seed_from_u64(42);
    let departments: Vec<&str> = embarq_app::demo::department_names().collect();
    let ids: Vec<embarq_domain::UserId> =
        (0..n).map(|_| embarq_domain::UserId::generate()).collect();
    (0..n)
        .map(|i| {
            let female = rng.random_bool(0.5);
            let first = if female {
                embarq_app::demo::FIRST_F
            } else {
                embarq_app::demo::FIRST_M
            };
            let name = format!(
                "{} {}",
                first[rng.random_range(0..first.len())],
                embarq_app::demo::LAST[rng.random_range(0..embarq_app::demo::LAST.len())]
            );
            let pick =
                |rng: &mut StdRng, xs: &[&str]| xs[rng.random_range(0..xs.len())].to_string();
            let member = Member {
                id: ids[i],
                department: rng.random_bool(0.97).then(|| pick(&mut rng, &departments)),
                site: rng
                    .random_bool(0.97)
                    .then(|| pick(&mut rng, embarq_app::demo::SITES)),
                birth_year: rng.random_bool(0.9).then(|| rng.random_range(1958..2006)),
                level: Some(pick(&mut rng, &LEVELS)),
                manager_id: (i % 12 != 0).then(|| ids[(i / 12) * 12]),
                volunteer: rng.random_bool(0.05),
                nominated: rng.random_bool(0.02),
            };
            (name, member)
        })
        .collect()
}

pub fn run(opts: ChampionsBenchOpts) -> Result<()> {
    champions::check_share(opts.share)
        .map_err(|_| anyhow::anyhow!("--share must be between 1 and 50"))?;
    let t = Instant::now();
    let people = directory(opts.members);
    println!(
        "generated {} members in {:.0} ms",
        people.len(),
        t.elapsed().as_secs_f64() * 1000.0
    );
    let members: Vec<Member> = people.iter().map(|(_, m)| m.clone()).collect();
    let mut times: Vec<Duration> = Vec::with_capacity(opts.runs);
    let mut last = None;
    for _ in 0..opts.runs.max(1) {
        let t = Instant::now();
        let p = champions::propose(&members, opts.share);
        times.push(t.elapsed());
        last = Some(p);
    }
    times.sort();
    let p50 = times[times.len() / 2];
    if let Some(p) = last {
        let c = &p.coverage;
        println!(
            "proposal: {} of {} members ({:.1} % for {} %), strata represented {}/{}",
            p.picks.len(),
            c.population,
            c.share_achieved,
            p.target_share,
            c.represented,
            c.present
        );
        for d in &c.dimensions {
            println!(
                "  {:<10} {}/{}",
                d.dimension.as_str(),
                d.represented,
                d.present
            );
        }
        if let Some(first) = p.picks.first() {
            let name = people
                .iter()
                .find(|(_, m)| m.id == first.id)
                .map(|(n, _)| n.as_str())
                .unwrap_or("?");
            println!("  first pick: {name} ({} reasons)", first.reasons.len());
        }
    }
    println!(
        "champions proposal p50 over {} runs: {:.0} ms (min {:.0} ms, max {:.0} ms)",
        times.len(),
        p50.as_secs_f64() * 1000.0,
        times[0].as_secs_f64() * 1000.0,
        times[times.len() - 1].as_secs_f64() * 1000.0
    );
    Ok(())
}
