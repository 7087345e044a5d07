//! `embarq bench import`: times the HR directory import (parse, dry run, import, re-import)
//! on a throw-away database of the configured backend.
use anyhow::{Context, Result};
use embarq_domain::{OrgId, OrgRole, UserStatus};
use embarq_store::{Db, NewMember};
use embarq_web::service::members::{ImportOptions, ImportResult, import_for};
use embarq_web::{AppState, Config, i18n::Lang};
use std::fmt::Write;
use std::time::Instant;

#[derive(clap::Args, Debug, Clone)]
pub struct ImportBenchOpts {
    /// Rows in the generated directory file.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
}

/// A directory file of `rows` people: one manager per 25 people, listed after some of
/// their reports so links are resolved only after every row is read.
pub fn directory_csv(rows: usize) -> String {
    const LEVELS: [&str; 5] = [
        "Direction",
        "Cadre",
        "Agent de maîtrise",
        "Employé",
        "Ouvrier",
    ];
    let departments: Vec<&str> = embarq_app::demo::department_names().collect();
    let sites = embarq_app::demo::SITES;
    let mut out = String::with_capacity(rows * 120);
    out.push_str("email;first_name;last_name;department;site;birth_year;level;manager_email;title;employee_id\n");
    for i in 0..rows {
        let manager = (i / 25) * 25 + 24;
        let manager = if manager < rows && manager != i {
            format!("p{manager}@bench.example")
        } else {
            String::new()
        };
        let _ = writeln!(
            out,
            "p{i}@bench.example;Prénom{i};Nom{i};{};{};{};{};{manager};Poste {};E{i:06}",
            departments[i % departments.len()],
            sites[(i / 7) % sites.len()],
            1960 + (i % 44),
            LEVELS[(i / 3) % LEVELS.len()],
            i % 40,
        );
    }
    out
}

/// A new PostgreSQL database `{prefix}_{pid}` on the server of `url` (the caller drops it).
pub async fn scratch_pg(url: &str, prefix: &str) -> Result<(Db, String)> {
    let (server, _) = url
        .rsplit_once('/')
        .context("postgres URL without a database")?;
    let name = format!("{prefix}_{}", std::process::id());
    let admin = Db::connect(url).await?;
    admin.drop_database(&name).await?;
    admin.create_database(&name).await?;
    admin.close().await;
    Ok((Db::connect(&format!("{server}/{name}")).await?, name))
}

/// A fresh database next to the configured one: a temporary SQLite file, or a new
/// PostgreSQL database on the same server (dropped afterwards).
pub(crate) async fn scratch_db(
    url: &str,
    dir: &std::path::Path,
    name: &str,
) -> Result<(Db, Option<(String, String)>)> {
    if url.starts_with("postgres") {
        let (db, name) = scratch_pg(url, &format!("embarq_{name}_bench")).await?;
        Ok((db, Some((url.to_string(), name))))
    } else {
        Ok((
            Db::connect(&format!(
                "sqlite://{}",
                dir.join(format!("{name}-bench.db")).display()
            ))
            .await?,
            None,
        ))
    }
}

pub async fn run(database_url: &str, opts: ImportBenchOpts) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("embarq-import-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let (db, pg) = scratch_db(database_url, &dir, "import").await?;
    db.migrate().await?;
    let (_, manager) = db
        .create_organization(
            "Import bench",
            NewMember {
                org_id: OrgId(embarq_domain::Id::nil()),
                email: "manager@bench.example".into(),
                display_name: "Manager".into(),
                password_hash: None,
                org_role: OrgRole::Manager,
                status: UserStatus::Active,
            },
        )
        .await?;
    let org = db.user(manager).await?.context("manager vanished")?.org_id;
    let state = AppState::new(db.clone(), Config::new("http://127.0.0.1", dir.clone()))?;
    let csv = directory_csv(opts.rows);
    println!(
        "import bench on {:?}: {} rows, {:.1} MB",
        db.backend(),
        opts.rows,
        csv.len() as f64 / 1e6
    );
    let timed = |label: &'static str, dry_run: bool| {
        let state = state.clone();
        let csv = csv.clone();
        async move {
            let o = ImportOptions {
                dry_run,
                deactivate_missing: false,
                send_invitations: false,
                via: "cli",
                file_name: None,
            };
            let t = Instant::now();
            let r = import_for(&state, org, manager, None, csv.as_bytes(), &o, Lang::En)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let secs = t.elapsed().as_secs_f64();
            let ImportResult::Done {
                outcome,
                parse_errors,
                rows,
            } = r
            else {
                anyhow::bail!("the generated file was refused")
            };
            anyhow::ensure!(
                parse_errors.is_empty() && outcome.plan.errors.is_empty(),
                "unexpected errors in the generated file"
            );
            println!(
                "{label:<10} {secs:>6.2} s  {:>9.0} rows/s  create {} update {} unchanged {}",
                rows as f64 / secs,
                outcome.plan.create.len(),
                outcome.plan.update.len(),
                outcome.plan.unchanged
            );
            Ok::<_, anyhow::Error>(())
        }
    };
    timed("dry run", true).await?;
    timed("import", false).await?;
    timed("re-import", false).await?;
    drop_scratch(db, pg, &dir).await
}

/// Closes and removes what [`scratch_db`] made.
pub(crate) async fn drop_scratch(
    db: Db,
    pg: Option<(String, String)>,
    dir: &std::path::Path,
) -> Result<()> {
    db.close().await;
    if let Some((url, name)) = pg {
        let admin = Db::connect(&url).await?;
        admin.drop_database(&name).await?;
    }
    let _ = std::fs::remove_dir_all(dir);
    Ok(())
}
