//! `embarq bench`: loads a synthetic organization (members, spheres, posts spread over a
//! year) and measures the feed queries the home and sphere pages run, on whichever
//! database `Db` points at (SQLite or PostgreSQL).
//!
//! The data set is tagged by the organization's name, which records the generation
//! parameters; a later run with the same parameters reuses it instead of loading again.
use anyhow::{Context, Result, bail};
use embarq_app::demo::{FIRST_F, FIRST_M, LAST, SITES};
use embarq_app::service::posts::PINNED_ON_HOME;
use embarq_domain::UserId;
use embarq_domain::{Id, OrgRole, PostStatus, SphereId, SphereKind, SphereRole, UserStatus};
use embarq_store::bulk::{BulkPost, BulkSphere, BulkSphereMember, BulkUser};
use embarq_store::{Cursor, Db, Post, now_ms};
use rand::distr::Distribution;
use rand::distr::weighted::WeightedIndex;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{RngExt, SeedableRng};
use std::collections::HashSet;
use std::io::Write;
use std::time::{Duration, Instant};

/// What to generate: the organization `bench feed`, `bench search`, `bench analytics` and
/// `bench users` run on (the same options give the same, reused, data set).
#[derive(Debug, Clone, clap::Args)]
pub struct DataOpts {
    /// Members to generate.
    #[arg(long, default_value_t = 100_000)]
    pub members: usize,
    /// Spheres to generate.
    #[arg(long, default_value_t = 2_000)]
    pub spheres: usize,
    /// Posts to generate, spread over the spheres and the last 365 days.
    #[arg(long, default_value_t = 1_000_000)]
    pub posts: usize,
    /// Share of secret spheres (0.05 = 5 %); 15 % more are closed, the rest open.
    #[arg(long, default_value_t = 0.05)]
    pub secret_share: f64,
    /// Spheres the measured member belongs to (the 5 busiest and random others).
    #[arg(long, default_value_t = 30)]
    pub member_spheres: usize,
    /// Load the data again even if the database already holds a data set with these
    /// parameters (by default it is reused).
    #[arg(long)]
    pub regenerate: bool,
    /// Seed of the generator: the same seed gives the same data set.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
}

impl Default for DataOpts {
    fn default() -> Self {
        DataOpts {
            members: 100_000,
            spheres: 2_000,
            posts: 1_000_000,
            secret_share: 0.05,
            member_spheres: 30,
            regenerate: false,
            seed: 2026,
        }
    }
}

/// What to generate and how long to measure (`embarq bench feed --help`).
#[derive(Debug, Clone, clap::Args)]
pub struct BenchOpts {
    #[command(flatten)]
    pub data: DataOpts,
    /// Timed runs per measurement.
    #[arg(long, default_value_t = 500)]
    pub iterations: usize,
    /// Concurrent clients for the throughput-under-load measurement.
    #[arg(long, default_value_t = 4)]
    pub clients: usize,
}

impl Default for BenchOpts {
    fn default() -> Self {
        BenchOpts {
            data: DataOpts::default(),
            iterations: 500,
            clients: 4,
        }
    }
}

/// Organization names of bench data start with this; nothing else is ever deleted.
const TAG: &str = "embarq-bench";
pub const MEASURED_EMAIL: &str = "measured@bench.example";
/// What the web asks for: a page of 20 and one more to know whether a next page exists.
const PAGE: i64 = 21;
const SHOWN: usize = 20;
const DAY_MS: i64 = 86_400_000;
/// Rows per transaction while loading.
const BATCH: usize = 50_000;

const PHRASES: &[&str] = &[
    "Point d'avancement du projet : les livrables de la phase 2 sont validés, merci à toute l'équipe.",
    "Rappel : la réunion mensuelle aura lieu jeudi à 10 h en salle Jaurès et en visioconférence.",
    "Nouvelle procédure de commande des fournitures, le formulaire est disponible sur l'intranet.",
    "Bravo à l'équipe logistique pour le record d'expéditions de la semaine dernière !",
    "Quelqu'un a-t-il déjà utilisé le nouvel outil de planification ? Vos retours m'intéressent.",
    "Le compte rendu de l'atelier qualité est en ligne ; prochaine session dans quinze jours.",
    "Bienvenue aux nouveaux arrivants de ce mois, n'hésitez pas à vous présenter ici.",
    "Attention, maintenance du réseau samedi de 8 h à 12 h : les applications seront indisponibles.",
];

/// Runs the bench: loads the data set unless it is already there, then measures.
pub async fn run(db: &Db, opts: BenchOpts) -> Result<()> {
    prepare(db, &opts.data).await?;
    measure(db, &opts).await
}

/// Makes sure the database holds the data set of `opts` (generating it unless it is already
/// there, after removing other bench data) and returns its organization's id.
pub(crate) async fn prepare(db: &Db, opts: &DataOpts) -> Result<embarq_domain::OrgId> {
    db.migrate().await.context("migrating the database")?;
    let marker = format!(
        "{TAG} members={} spheres={} posts={} secret={} member_spheres={} seed={}",
        opts.members, opts.spheres, opts.posts, opts.secret_share, opts.member_spheres, opts.seed
    );
    let orgs = db.organizations().await?;
    if let Some(o) = orgs.iter().find(|o| !o.name.starts_with(TAG)) {
        bail!(
            "this database holds a real organization ({:?}); run the bench against a dedicated database, \
             e.g. EMBARQ_DATABASE_URL=sqlite://embarq-bench.db",
            o.name
        );
    }
    let mut ready = None;
    for o in &orgs {
        if o.name == marker && !opts.regenerate {
            ready = Some(o.id);
        } else {
            println!("removing previous bench data \"{}\"", o.name);
            let t = Instant::now();
            db.delete_bulk_organization(o.id).await?;
            println!("  removed in {:.1} s", t.elapsed().as_secs_f64());
        }
    }
    if let Some(id) = ready {
        println!(
            "reusing the bench data already loaded ({marker}); pass --regenerate to load it again"
        );
        Ok(id)
    } else {
        let t = Instant::now();
        let id = generate(db, opts, &marker).await?;
        println!("data generated in {:.1} s", t.elapsed().as_secs_f64());
        Ok(id)
    }
}

/// A UUIDv7 of the given instant with seeded random bits: ids sort like their creation time.
fn id_at<T: embarq_domain::FromUuid>(rng: &mut StdRng, ms: i64) -> T {
    let mut b = [0u8; 10];
    rng.fill(&mut b);
    T::from_uuid(uuid::Builder::from_unix_timestamp_millis(ms.max(0) as u64, &b).into_uuid())
}

fn progress(what: &str, done: usize, total: usize, started: Instant) {
    let s = started.elapsed().as_secs_f64();
    let rate = if s > 0.0 { done as f64 / s } else { 0.0 };
    println!("  {what}: {done}/{total} ({s:.1} s, {rate:.0} rows/s)");
    let _ = std::io::stdout().flush();
}

async fn generate(db: &Db, o: &DataOpts, marker: &str) -> Result<embarq_domain::OrgId> {
    if o.members == 0 || o.spheres == 0 {
        bail!("the bench needs at least one member and one sphere");
    }
    let mut rng = StdRng::seed_from_u64(o.seed);
    let now = now_ms();
    let origin = now - 400 * DAY_MS;
    println!(
        "generating {} members, {} spheres, {} posts on {:?} (seed {})",
        o.members,
        o.spheres,
        o.posts,
        db.backend(),
        o.seed
    );
    let org_id = embarq_domain::OrgId(id_at(&mut rng, origin));
    db.insert_organization_at(org_id, &format!("{TAG} (loading)"), origin)
        .await?;

    // Members; the first one is the measured member.
    let t = Instant::now();
    let mut user_ids: Vec<UserId> = Vec::with_capacity(o.members);
    let mut batch: Vec<BulkUser> = Vec::with_capacity(BATCH.min(o.members));
    let departments: Vec<&str> = embarq_app::demo::department_names().collect();
    for i in 0..o.members {
        let created = origin + i as i64;
        let id: UserId = id_at(&mut rng, created);
        user_ids.push(id);
        let firsts = if rng.random_bool(0.5) {
            FIRST_F
        } else {
            FIRST_M
        };
        let first = firsts[rng.random_range(0..firsts.len())];
        let last = LAST[rng.random_range(0..LAST.len())];
        batch.push(BulkUser {
            id,
            email: if i == 0 {
                MEASURED_EMAIL.to_string()
            } else {
                format!("m{i}@bench.example")
            },
            password_hash: None,
            display_name: format!("{first} {last}"),
            first_name: Some(first.to_string()),
            last_name: Some(last.to_string()),
            title: None,
            department: Some(departments[rng.random_range(0..departments.len())].to_string()),
            site: Some(SITES[rng.random_range(0..SITES.len())].to_string()),
            birth_year: Some(rng.random_range(1960..=2003)),
            level: None,
            manager_id: None,
            employee_id: Some(format!("B{i:07}")),
            org_role: if i == 0 {
                OrgRole::Manager
            } else {
                OrgRole::Member
            },
            status: UserStatus::Active,
            locale: None,
            created_at: created,
            activated_at: Some(created),
        });
        if batch.len() == BATCH || i + 1 == o.members {
            db.bulk_insert_users(org_id, &batch).await?;
            batch.clear();
            progress("members", i + 1, o.members, t);
        }
    }

    // Spheres: popularity follows a Zipf-like law (rank r weighs 1 / r^0.8), for members
    // and posts alike, so a few spheres are huge and most are small.
    let t = Instant::now();
    let weights: Vec<f64> = (0..o.spheres)
        .map(|r| 1.0 / ((r + 1) as f64).powf(0.8))
        .collect();
    let pick_sphere = WeightedIndex::new(&weights).context("sphere weights")?;
    let mut sphere_ids: Vec<SphereId> = Vec::with_capacity(o.spheres);
    let mut creators = Vec::with_capacity(o.spheres);
    let mut spheres = Vec::with_capacity(o.spheres);
    for i in 0..o.spheres {
        let created = origin + DAY_MS + i as i64;
        let id = id_at(&mut rng, created);
        let roll: f64 = rng.random();
        let kind = if roll < o.secret_share {
            SphereKind::Secret
        } else if roll < o.secret_share + 0.15 {
            SphereKind::Closed
        } else {
            SphereKind::Open
        };
        let creator = rng.random_range(1..o.members.max(2)).min(o.members - 1);
        sphere_ids.push(id);
        creators.push(creator);
        spheres.push(BulkSphere {
            id,
            name: format!("Sphère {:04}", i + 1),
            description: format!("Sphère de synthèse n° {} ({kind})", i + 1),
            kind,
            requires_approval: false,
            created_by: user_ids[creator],
            created_at: created,
        });
    }
    for chunk in spheres.chunks(BATCH) {
        db.bulk_insert_spheres(org_id, chunk).await?;
    }
    progress("spheres", o.spheres, o.spheres, t);

    // Memberships: creators administer their sphere; the measured member joins exactly
    // `member_spheres` spheres (the 5 busiest and random others); everyone else joins 1 to 10.
    let t = Instant::now();
    let mut pairs: HashSet<(u32, u32)> = HashSet::new();
    for (s, c) in creators.iter().enumerate() {
        pairs.insert((s as u32, *c as u32));
    }
    let wanted = o.member_spheres.min(o.spheres);
    let mut mine: Vec<usize> = (0..wanted.min(5)).collect();
    let mut rest: Vec<usize> = (mine.len()..o.spheres).collect();
    rest.shuffle(&mut rng);
    mine.extend(rest.into_iter().take(wanted - mine.len()));
    for s in &mine {
        pairs.insert((*s as u32, 0));
    }
    for u in 1..o.members {
        let k = rng.random_range(1..=10usize.min(o.spheres));
        for _ in 0..k {
            pairs.insert((pick_sphere.sample(&mut rng) as u32, u as u32));
        }
    }
    let mut pairs: Vec<(u32, u32)> = pairs.into_iter().collect();
    pairs.sort_unstable();
    let mut members_of: Vec<Vec<u32>> = vec![Vec::new(); o.spheres];
    let total = pairs.len();
    let mut rows = Vec::with_capacity(BATCH.min(total));
    for (n, (s, u)) in pairs.iter().enumerate() {
        members_of[*s as usize].push(*u);
        let role = if creators[*s as usize] == *u as usize {
            SphereRole::Admin
        } else {
            SphereRole::Member
        };
        rows.push(BulkSphereMember {
            sphere_id: sphere_ids[*s as usize],
            user_id: user_ids[*u as usize],
            role,
            joined_at: origin + 2 * DAY_MS,
            via_rule: false,
        });
        if rows.len() == BATCH || n + 1 == total {
            db.bulk_insert_sphere_members(&rows).await?;
            rows.clear();
            progress("memberships", n + 1, total, t);
        }
    }
    drop(pairs);

    // Posts, over the last 365 days, inserted oldest first so primary keys grow.
    let t = Instant::now();
    let mut times: Vec<i64> = (0..o.posts)
        .map(|_| now - rng.random_range(60_000..365 * DAY_MS))
        .collect();
    times.sort_unstable();
    let mut rows: Vec<BulkPost> = Vec::with_capacity(BATCH.min(o.posts));
    for (n, at) in times.iter().enumerate() {
        let s = pick_sphere.sample(&mut rng);
        let authors = &members_of[s];
        let author = match authors.len() {
            0 => creators[s],
            len => authors[rng.random_range(0..len)] as usize,
        };
        let phrase = PHRASES[rng.random_range(0..PHRASES.len())];
        let body_md = format!("Publication n° {} — {phrase}", n + 1);
        let body_html = format!("<p>{body_md}</p>");
        rows.push(BulkPost {
            id: id_at(&mut rng, *at),
            sphere_id: sphere_ids[s],
            author_id: user_ids[author],
            body_md,
            body_html,
            status: if rng.random_bool(0.01) {
                PostStatus::Pending
            } else {
                PostStatus::Published
            },
            pinned: false,
            comment_count: rng.random_range(0..4),
            reaction_count: rng.random_range(0..8),
            created_at: *at,
            updated_at: *at,
        });
        if rows.len() == BATCH || n + 1 == o.posts {
            db.bulk_insert_posts(org_id, &rows).await?;
            rows.clear();
            progress("posts", n + 1, o.posts, t);
        }
    }
    let t = Instant::now();
    db.analyze().await?;
    println!(
        "  statistics refreshed in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    db.rename_organization(org_id, marker).await?;
    Ok(org_id)
}

/// Latencies of one measurement, in the order they were taken.
struct Stats {
    label: String,
    times: Vec<Duration>,
    wall: Duration,
}

impl Stats {
    fn print(&self) {
        let mut s = self.times.clone();
        s.sort_unstable();
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        let qps = if self.wall.is_zero() {
            0.0
        } else {
            self.times.len() as f64 / self.wall.as_secs_f64()
        };
        println!(
            "{}: p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  throughput {:.0} q/s  ({} runs)",
            self.label,
            ms(crate::bench_stats::percentile(&s, 50.0)),
            ms(crate::bench_stats::percentile(&s, 99.0)),
            ms(s.last().copied().unwrap_or_default()),
            qps,
            s.len()
        );
    }
}

/// Times `iterations` sequential calls of `f` after a short warm-up.
async fn time<F, Fut>(label: &str, iterations: usize, mut f: F) -> Result<Stats>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Vec<Post>, embarq_store::StoreError>>,
{
    for _ in 0..iterations.min(20) {
        f().await?;
    }
    let mut times = Vec::with_capacity(iterations);
    let start = Instant::now();
    for _ in 0..iterations {
        let t = Instant::now();
        f().await?;
        times.push(t.elapsed());
    }
    Ok(Stats {
        label: label.to_string(),
        times,
        wall: start.elapsed(),
    })
}

/// Throughput with `clients` concurrent callers sharing the pool.
async fn concurrent(
    db: &Db,
    user: UserId,
    after: Option<Cursor>,
    clients: usize,
    iterations: usize,
) -> Result<Stats> {
    let clients = clients.max(1);
    let per = iterations.div_ceil(clients);
    let start = Instant::now();
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let db = db.clone();
        set.spawn(async move {
            let mut times = Vec::with_capacity(per);
            for _ in 0..per {
                let t = Instant::now();
                db.home_feed(user, after, PAGE).await?;
                times.push(t.elapsed());
            }
            Ok::<_, embarq_store::StoreError>(times)
        });
    }
    let mut times = Vec::with_capacity(per * clients);
    while let Some(r) = set.join_next().await {
        times.extend(r.context("bench task")??);
    }
    Ok(Stats {
        label: format!("feed page 1, {clients} clients"),
        times,
        wall: start.elapsed(),
    })
}

/// The cursor after a page, as the web computes it (last of the 20 shown), if there is a next page.
fn next_cursor(page: &[Post]) -> Option<Cursor> {
    (page.len() > SHOWN).then(|| {
        page.get(SHOWN - 1).map(|p| Cursor {
            created_at: p.created_at,
            id: p.id,
        })
    })?
}

/// Follows pages from the top with `f` and returns the cursor that opens page `pages`, or
/// that of the last page when the feed is shorter, with the number of that page.
async fn cursor_of_page<F, Fut>(pages: usize, mut f: F) -> Result<(Option<Cursor>, usize)>
where
    F: FnMut(Option<Cursor>) -> Fut,
    Fut: Future<Output = Result<Vec<Post>, embarq_store::StoreError>>,
{
    let mut c = None;
    for page in 1..pages {
        let rows = f(c).await?;
        match next_cursor(&rows) {
            Some(n) => c = Some(n),
            None => return Ok((c, page)),
        }
    }
    Ok((c, pages))
}

/// Checks the home feed against an independent computation: the merge of the member's
/// sphere feeds, page after page.
async fn check_home_feed(db: &Db, user: UserId, spheres: &[SphereId], pages: usize) -> Result<()> {
    let mut c = None;
    for page in 1..=pages {
        let got: Vec<Id> = db
            .home_feed(user, c, PAGE)
            .await?
            .iter()
            .map(|p| p.id)
            .collect();
        let mut all = Vec::new();
        for s in spheres {
            all.extend(db.sphere_feed(*s, c, PAGE).await?);
        }
        all.sort_by_key(|b| std::cmp::Reverse((b.created_at, b.id)));
        all.truncate(PAGE as usize);
        if got != all.iter().map(|p| p.id).collect::<Vec<_>>() {
            bail!("home feed page {page} differs from the merge of the member's sphere feeds");
        }
        match next_cursor(&all) {
            Some(n) => c = Some(n),
            None => break,
        }
    }
    Ok(())
}

async fn measure(db: &Db, o: &BenchOpts) -> Result<()> {
    let user = db
        .user_by_email(MEASURED_EMAIL)
        .await?
        .with_context(|| format!("the measured member {MEASURED_EMAIL} is missing"))?;
    let counts = db.org_counts(user.org_id).await?;
    let spheres = db.visible_spheres(user.org_id, user.id, true).await?;
    let mine: Vec<SphereId> = spheres.iter().map(|s| s.id).collect();
    println!(
        "\n{:?}: {} members, {} spheres, {} memberships, {} posts; measured member in {} spheres",
        db.backend(),
        counts.members,
        counts.spheres,
        counts.sphere_members,
        counts.posts,
        mine.len()
    );
    println!(
        "home feed of {MEASURED_EMAIL}: {} published posts in their spheres",
        db.published_post_count(&mine).await?
    );
    check_home_feed(db, user.id, &mine, 10).await?;
    println!("check: home feed pages 1-10 equal the merge of the member's sphere feeds");

    let uid = user.id;
    let n = o.iterations;
    let (home9, last) = cursor_of_page(10, |c| db.home_feed(uid, c, PAGE)).await?;
    let results = [
        time("feed page 1", n, || db.home_feed(uid, None, PAGE)).await?,
        time(&format!("feed page {last}"), n, || {
            db.home_feed(uid, home9, PAGE)
        })
        .await?,
        concurrent(db, uid, None, o.clients, n).await?,
        // What the home page reads besides the feed: what is pinned for everyone, and each
        // publication's reactions (for reacting in place).
        time(
            "home page: feed page 1, pinned, reactions",
            n,
            || async move {
                let mut posts = db
                    .pinned_for_everyone(user.org_id, uid, PINNED_ON_HOME)
                    .await?;
                posts.extend(db.home_feed(uid, None, PAGE).await?);
                let ids: Vec<Id> = posts.iter().map(|p| p.id).collect();
                db.reactions_of_posts(&ids, uid).await?;
                Ok(posts)
            },
        )
        .await?,
    ];
    for r in &results {
        r.print();
    }
    // The busiest sphere the member belongs to: sphere popularity drives both members and posts.
    if let Some(busiest) = spheres.iter().max_by_key(|s| s.member_count) {
        let s = busiest.id;
        println!(
            "sphere feed of \"{}\" ({} members, {} published posts)",
            busiest.name,
            busiest.member_count,
            db.published_post_count(&[s]).await?
        );
        let (sphere9, last) = cursor_of_page(10, |c| db.sphere_feed(s, c, PAGE)).await?;
        time("sphere feed page 1", n, || db.sphere_feed(s, None, PAGE))
            .await?
            .print();
        time(&format!("sphere feed page {last}"), n, || {
            db.sphere_feed(s, sphere9, PAGE)
        })
        .await?
        .print();
    }
    Ok(())
}
