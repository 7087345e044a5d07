//! The real server as a child process for the load benchmarks (`bench users`, `bench live`),
//! and what they read of it in /proc: resident memory and CPU time.
use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// The server as a child process: `embarq serve` on a local port, against the bench's database.
pub struct Server {
    child: Child,
    pub pid: u32,
    pub base: String,
    pub log: PathBuf,
}

/// The database a server-backed bench runs on.
#[derive(Debug, Clone, clap::Args)]
pub struct ServedDb {
    /// Database to run on (default: EMBARQ_DATABASE_URL or the configuration's); the
    /// server started by the bench gets the same.
    #[arg(long)]
    pub database_url: Option<String>,
}

impl ServedDb {
    pub fn url_or(&self, configured: &str) -> String {
        self.database_url
            .clone()
            .unwrap_or_else(|| configured.to_string())
    }
}

impl Server {
    /// Starts the server on a free local port and waits until it answers.
    pub async fn spawn(config: &Path, database_url: &str) -> Result<Server> {
        Server::spawn_with(config, database_url, &[]).await
    }

    /// [`Server::spawn`] with more environment variables.
    pub async fn spawn_with(
        config: &Path,
        database_url: &str,
        env: &[(&str, &str)],
    ) -> Result<Server> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?
            .local_addr()?
            .port();
        let mut server = Server::start(config, database_url, port, env)?;
        server.wait_ready().await?;
        Ok(server)
    }

    fn start(config: &Path, database_url: &str, port: u16, env: &[(&str, &str)]) -> Result<Server> {
        let base = format!("http://127.0.0.1:{port}");
        let log =
            std::env::temp_dir().join(format!("embarq-bench-server-{}.log", std::process::id()));
        let out =
            std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(std::env::current_exe()?)
            .arg("--config")
            .arg(config)
            .arg("serve")
            .arg("--bind")
            .arg(format!("127.0.0.1:{port}"))
            .env("EMBARQ_DATABASE_URL", database_url)
            // Plain http: cookies must not be marked Secure.
            .env("EMBARQ_BASE_URL", &base)
            .env_remove("EMBARQ_METRICS_BIND")
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .context("starting the server")?;
        Ok(Server {
            pid: child.id(),
            child,
            base,
            log,
        })
    }

    /// Polls /healthz every 100 ms for at most 30 s.
    pub async fn wait_ready(&mut self) -> Result<()> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(1))
            .build()?;
        for _ in 0..300 {
            if let Some(status) = self.child.try_wait()? {
                bail!(
                    "the server exited ({status}) before answering:\n{}",
                    log_tail(&self.log)
                );
            }
            if let Ok(r) = http.get(format!("{}/healthz", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bail!(
            "the server did not answer /healthz within 30 s:\n{}",
            log_tail(&self.log)
        )
    }

    /// SIGTERM, then SIGKILL if it has not exited within 5 s.
    pub async fn stop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.pid.to_string())
            .status();
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Server {
    /// A failed run must not leave the server behind.
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

pub fn log_tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(20)..].join("\n")
}

/// A `/proc/<pid>/status` figure in KiB (VmRSS, VmHWM).
pub fn proc_status_kib(pid: u32, key: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(key))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Samples the server's resident memory every 500 ms and keeps the highest.
pub async fn watch_rss(pid: u32, peak: Arc<AtomicU64>) {
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        tick.tick().await;
        if let Some(kib) = proc_status_kib(pid, "VmRSS:") {
            peak.fetch_max(kib, Ordering::Relaxed);
        }
    }
}

pub fn cpu_seconds(pid: u32) -> Option<f64> {
    cpu_seconds_of(&pid.to_string())
}

/// User + system CPU time of a process (`self` or a pid), from /proc/<pid>/stat (100 ticks/s).
pub fn cpu_seconds_of(pid: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    let rest = &stat[stat.rfind(')')? + 1..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
    Some(ticks as f64 / 100.0)
}
