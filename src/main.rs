//! The `embarq` binary: serve the network, run migrations, import the directory, benchmark.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

mod bench;
mod bench_analytics;
mod bench_champions;
mod bench_import;
mod bench_live;
mod bench_markdown;
mod bench_pages;
mod bench_scim;
mod bench_search;
mod bench_server;
mod bench_stats;
mod bench_users;
mod bench_writes;

use anyhow::Context;
use clap::{Parser, Subcommand};
use embarq_app::demo;
use embarq_store::Db;
use embarq_web::Config as Settings;
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "embarq",
    version,
    about = "embarq: the enterprise collaborative network that onboards your whole workforce"
)]
struct Cli {
    /// Configuration file (optional; EMBARQ_* variables override it).
    #[arg(long, global = true, default_value = "embarq.toml")]
    config: PathBuf,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web UI and the API (the default).
    Serve {
        /// Seed a French demo company on an empty database.
        #[arg(long)]
        demo: bool,
        /// Address to listen on, e.g. 0.0.0.0:8080 (overrides EMBARQ_BIND).
        #[arg(long)]
        bind: Option<String>,
    },
    /// Apply database migrations and exit.
    Migrate,
    /// Import the HR directory from a CSV file.
    Import {
        file: PathBuf,
        /// Show what would change without writing anything.
        #[arg(long)]
        dry_run: bool,
        /// Deactivate members absent from the file.
        #[arg(long)]
        deactivate_missing: bool,
        /// E-mail invitations to new members.
        #[arg(long)]
        send_invitations: bool,
        /// Organization manager e-mail to act as (defaults to the first manager).
        #[arg(long)]
        as_manager: Option<String>,
    },
    /// Create a SCIM token for an identity provider and print it (shown once).
    ScimToken {
        /// The token's name, as listed in /admin/scim.
        #[arg(long)]
        name: String,
        /// Organization manager e-mail to act as (defaults to the first manager).
        #[arg(long)]
        as_manager: Option<String>,
        /// First create an organization of this name managed by --as-manager (scripted set-ups).
        #[arg(long)]
        create_org: Option<String>,
    },
    /// Benchmarks: `bench feed` (home and sphere feeds on a large organization) and
    /// `bench import` (the HR directory import).
    #[command(subcommand)]
    Bench(BenchKind),
}

#[derive(Subcommand)]
enum BenchKind {
    /// Generate a large synthetic organization (reused on later runs) and time the feeds: p50/p99, throughput.
    Feed(bench::BenchOpts),
    /// Import a generated directory file into a scratch database: dry run, import, re-import.
    Import(bench_import::ImportBenchOpts),
    /// Time the champions' proposal on a generated in-memory directory (p50 over several runs).
    Champions(bench_champions::ChampionsBenchOpts),
    /// Time the activation dashboard on the feed bench's organization (generated first if missing).
    Analytics(bench_analytics::AnalyticsBenchOpts),
    /// Time full-text search on the feed bench's organization (generated first if missing): p50/p99, throughput.
    Search(bench_search::SearchBenchOpts),
    /// Provision users over SCIM (real HTTP, in-process server, scratch database): users/s, p50/p99, peak memory.
    Scim(bench_scim::ScimBenchOpts),
    /// Render the worst 20,000-character Markdown inputs (refused or rendered): p50/p99 per input.
    Markdown(bench_markdown::MarkdownBenchOpts),
    /// Concurrent writers adding comments on a scratch database: writes/s, p50/p99, failures.
    Writes(bench_writes::WritesBenchOpts),
    /// Launch-day load: N users sign in, browse, post and keep a live stream on the real server
    /// (child process) over the feed bench's organization: per request p50/p99, req/s, errors.
    Users(bench_users::UsersBenchOpts),
    /// Fan-out at launch scale: post commit time in a sphere of every member, then N open live
    /// connections (real server, child process): delivery p50/p99, idle CPU, RSS.
    Live(bench_live::LiveBenchOpts),
    /// Hot HTML pages (home, spheres, busiest sphere, search) on the real server: p50/p99 and
    /// the server's CPU time per request.
    Pages(bench_pages::PagesBenchOpts),
}

/// Allocations of 1 MiB and more (an argon2 check takes 19 MiB) get their own mapping, given
/// back to the system when freed. By default glibc raises that threshold after the first free
/// and keeps such blocks in per-thread arenas: a launch-day wave of sign-ins left the server
/// at 600 MiB for good instead of 220.
fn bound_allocator_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets an allocator parameter; called before any thread starts.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 1 << 20);
    }
}

fn main() -> anyhow::Result<()> {
    bound_allocator_memory();
    embarq_web::install_tls_provider();
    let filter = tracing_subscriber::EnvFilter::try_from_env("EMBARQ_LOG")
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    // JSON lines for log collectors; readable text otherwise.
    if std::env::var("EMBARQ_LOG_FORMAT").is_ok_and(|f| f == "json") {
        tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .init();
    } else {
        tracing_subscriber::fmt().with_env_filter(filter).init();
    }
    let cli = Cli::parse();
    let settings = Settings::load(&cli.config)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(
        cli.command.unwrap_or(Command::Serve {
            demo: false,
            bind: None,
        }),
        settings,
        &cli.config,
    ))
}

async fn open_db(settings: &Settings) -> anyhow::Result<Db> {
    if settings.database_url.starts_with("sqlite:") {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("creating {}", settings.data_dir.display()))?;
    }
    let db = Db::connect(&settings.database_url).await?;
    db.migrate().await?;
    Ok(db)
}

async fn run(
    command: Command,
    mut settings: Settings,
    config: &std::path::Path,
) -> anyhow::Result<()> {
    match command {
        Command::Serve { demo, bind } => {
            if let Some(b) = bind {
                if std::env::var("EMBARQ_BASE_URL").is_err() {
                    settings.set_base_url(&format!("http://{b}"));
                }
                settings.bind = b;
            }
            let db = open_db(&settings).await?;
            if demo {
                if db.organization_count().await? == 0 {
                    let info = demo::seed_demo(&db).await?;
                    tracing::info!(
                        members = info.members,
                        posts = info.posts,
                        "demo company created"
                    );
                } else {
                    tracing::info!("database not empty: demo data not added");
                }
            }
            // One state for both listeners: the metrics listener reports the main one's requests.
            let state = embarq_web::WebState::new(embarq_web::AppState::new(db, settings.clone())?);
            let listener = tokio::net::TcpListener::bind(&settings.bind)
                .await
                .with_context(|| format!("binding {}", settings.bind))?;
            if let Some(addr) = &settings.metrics_bind {
                let metrics = tokio::net::TcpListener::bind(addr)
                    .await
                    .with_context(|| format!("binding EMBARQ_METRICS_BIND {addr}"))?;
                let app = embarq_web::ops::metrics_router(state.clone());
                tracing::info!("metrics on http://{addr}/metrics");
                tokio::spawn(async move {
                    if let Err(e) = axum::serve(metrics, app).await {
                        tracing::error!(error = %e, "metrics listener stopped");
                    }
                });
            }
            tracing::info!(url = %settings.base_url, "embarq is listening on {}", settings.bind);
            embarq_web::serve(listener, state, shutdown_signal()).await
        }
        Command::Migrate => {
            open_db(&settings).await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Import {
            file,
            dry_run,
            deactivate_missing,
            send_invitations,
            as_manager,
        } => {
            let db = open_db(&settings).await?;
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let state = embarq_web::AppState::new(db, settings.clone())?;
            let opts = embarq_web::service::members::ImportOptions {
                dry_run,
                deactivate_missing,
                send_invitations,
                via: "cli",
                file_name: file.file_name().map(|n| n.to_string_lossy().into_owned()),
            };
            let report = embarq_web::service::members::import_cli(
                &state,
                as_manager.as_deref(),
                &bytes,
                &opts,
            )
            .await?;
            print!("{report}");
            Ok(())
        }
        Command::ScimToken {
            name,
            as_manager,
            create_org,
        } => {
            let db = open_db(&settings).await?;
            let state = embarq_web::AppState::new(db, settings.clone())?;
            let secret = embarq_web::service::scim_admin::token_cli(
                &state,
                &name,
                as_manager.as_deref(),
                create_org.as_deref(),
            )
            .await?;
            println!("{secret}");
            Ok(())
        }
        Command::Bench(BenchKind::Analytics(opts)) => {
            let db = open_db(&settings).await?;
            bench_analytics::run(&db, opts).await
        }
        Command::Bench(BenchKind::Feed(opts)) => {
            let db = open_db(&settings).await?;
            bench::run(&db, opts).await
        }
        Command::Bench(BenchKind::Import(opts)) => {
            bench_import::run(&settings.database_url, opts).await
        }
        Command::Bench(BenchKind::Champions(opts)) => bench_champions::run(opts),
        Command::Bench(BenchKind::Markdown(opts)) => bench_markdown::run(opts),
        Command::Bench(BenchKind::Writes(opts)) => {
            bench_writes::run(&settings.database_url, opts).await
        }
        Command::Bench(BenchKind::Scim(opts)) => bench_scim::run(opts).await,
        Command::Bench(BenchKind::Users(opts)) => {
            opts.check()?;
            settings.database_url = opts.served.url_or(&settings.database_url);
            let db = open_db(&settings).await?;
            bench_users::run(db, &settings.database_url, config, opts).await
        }
        Command::Bench(BenchKind::Live(opts)) => {
            settings.database_url = opts.served.url_or(&settings.database_url);
            let db = open_db(&settings).await?;
            bench_live::run(db, &settings.database_url, config, opts).await
        }
        Command::Bench(BenchKind::Pages(opts)) => {
            settings.database_url = opts.served.url_or(&settings.database_url);
            let db = open_db(&settings).await?;
            bench_pages::run(db, &settings.database_url, config, opts).await
        }
        Command::Bench(BenchKind::Search(opts)) => {
            let db = open_db(&settings).await?;
            bench_search::run(&db, opts).await
        }
    }
}

/// Resolves on SIGTERM or Ctrl-C so in-flight requests finish before exit.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
