//! The one configuration of embarq, read once at start from `embarq.toml` (optional) and
//! `EMBARQ_*` environment variables (which win), into typed values: an unknown or malformed
//! value stops the start with a message naming the variable.
use anyhow::Context;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Where embarq listens when nothing says otherwise.
const DEFAULT_BIND: &str = "127.0.0.1:8080";

#[derive(Debug, Clone)]
pub struct Config {
    /// Listen address (EMBARQ_BIND, `bind`), 127.0.0.1:8080 by default.
    pub bind: String,
    /// EMBARQ_DATABASE_URL (`database_url`): `sqlite://path` (default `<data_dir>/embarq.db`)
    /// or `postgres://...`.
    pub database_url: String,
    /// Listen address of the Prometheus metrics (EMBARQ_METRICS_BIND); none by default.
    pub metrics_bind: Option<String>,
    /// Public URL used in e-mailed links, e.g. `https://embarq.example.com`.
    pub base_url: String,
    /// Directory for data files; e-mails without SMTP go to `<data_dir>/outbox`.
    pub data_dir: PathBuf,
    pub smtp: Option<SmtpConfig>,
    /// Mark cookies `Secure` (set when base_url is https).
    pub secure_cookies: bool,
    /// Session lifetime.
    pub session_ttl_ms: i64,
    /// Sign-in attempts allowed back to back per (account, address); ten times as many per
    /// address. `sign_in_window_ms` is also the longest wait between two attempts.
    pub sign_in_max_failures: i64,
    pub sign_in_window_ms: i64,
    /// Wait imposed after the free attempts; doubles with each further one (1 s).
    pub sign_in_first_delay_ms: i64,
    /// STUN/TURN servers handed to browsers in built-in video rooms.
    pub ice: IceConfig,
    /// File box: size limit, quota, object store, video hosts of widgets.
    pub files: FilesConfig,
    /// Webhook URLs may reach loopback and private addresses (EMBARQ_WEBHOOK_ALLOW_PRIVATE=true;
    /// for tests and labs), and then also plain http.
    pub webhook_allow_private: bool,
    /// OpenID Connect issuers may be plain http (EMBARQ_OIDC_ALLOW_HTTP=true; local test providers).
    pub oidc_allow_http: bool,
    /// Records each person's daily activity (the adoption figures). Off only to measure what
    /// recording costs (EMBARQ_ACTIVITY_OFF=true, `embarq bench pages --activity-off`).
    pub record_activity: bool,
    /// Run scheduled work (reminders, digests, webhooks…) every tick. Off only in tests that
    /// drive `jobs::run_due` at chosen instants and must not race the wall clock.
    pub run_scheduler: bool,
    /// Bearer token that opens `/metrics` on the main address (EMBARQ_METRICS_TOKEN); without
    /// it `/metrics` is only served on EMBARQ_METRICS_BIND.
    pub metrics_token: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (EMBARQ_TRUSTED_PROXIES).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

/// `[smtp]` or `EMBARQ_SMTP_*`: without it, e-mails are written to `<data_dir>/outbox`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpConfig {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    #[serde(default)]
    pub security: SmtpSecurity,
    pub from: String,
}

/// How mail reaches the SMTP server. An unknown value is refused at start-up: a typo must
/// not send mail in clear.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: for a relay on the same host or a test server only.
    None,
}

impl std::str::FromStr for SmtpSecurity {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(Self::Starttls),
            "tls" => Ok(Self::Tls),
            "none" => Ok(Self::None),
            other => Err(format!(
                "SMTP security {other:?} is not one of starttls, tls or none"
            )),
        }
    }
}

impl Config {
    /// Defaults for `base_url` and `data_dir` (tests, and the start of [`Config::load`]).
    pub fn new(base_url: &str, data_dir: PathBuf) -> Self {
        Self {
            bind: DEFAULT_BIND.into(),
            database_url: format!("sqlite://{}", data_dir.join("embarq.db").display()),
            metrics_bind: None,
            base_url: base_url.trim_end_matches('/').to_string(),
            secure_cookies: base_url.starts_with("https://"),
            data_dir,
            smtp: None,
            session_ttl_ms: 30 * 24 * 3600 * 1000,
            sign_in_max_failures: 5,
            sign_in_window_ms: 15 * 60 * 1000,
            sign_in_first_delay_ms: 1000,
            ice: IceConfig::default(),
            files: FilesConfig::default(),
            webhook_allow_private: false,
            oidc_allow_http: false,
            run_scheduler: true,
            record_activity: true,
            metrics_token: None,
            trusted_proxies: Vec::new(),
        }
    }

    /// Changes the public URL (cookies are `Secure` behind https).
    pub fn set_base_url(&mut self, base_url: &str) {
        self.base_url = base_url.trim_end_matches('/').to_string();
        self.secure_cookies = base_url.starts_with("https://");
    }

    /// Reads `path` if it exists, then the environment.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let file: FileConfig = if path.exists() {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
        } else {
            FileConfig::default()
        };
        Self::from_sources(file, &|k: &str| {
            std::env::var(k).ok().filter(|v| !v.is_empty())
        })
    }

    fn from_sources(
        file: FileConfig,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Config> {
        let data_dir = env("EMBARQ_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let bind = env("EMBARQ_BIND")
            .or(file.bind)
            .unwrap_or_else(|| DEFAULT_BIND.into());
        let base_url = env("EMBARQ_BASE_URL")
            .or(file.base_url)
            .unwrap_or_else(|| format!("http://{bind}"));
        let mut c = Config::new(&base_url, data_dir);
        if let Some(url) = env("EMBARQ_DATABASE_URL").or(file.database_url) {
            c.database_url = url;
        }
        c.bind = bind;
        c.smtp = match env("EMBARQ_SMTP_HOST") {
            Some(host) => Some(SmtpConfig {
                host,
                port: env("EMBARQ_SMTP_PORT")
                    .map(|p| p.parse())
                    .transpose()
                    .context("EMBARQ_SMTP_PORT must be a port number")?
                    .unwrap_or(587),
                username: env("EMBARQ_SMTP_USERNAME"),
                password: env("EMBARQ_SMTP_PASSWORD"),
                security: env("EMBARQ_SMTP_SECURITY")
                    .map(|v| v.parse())
                    .transpose()
                    .map_err(|e: String| anyhow::anyhow!("EMBARQ_SMTP_SECURITY: {e}"))?
                    .unwrap_or_default(),
                from: env("EMBARQ_SMTP_FROM")
                    .unwrap_or_else(|| "embarq <no-reply@embarq.localhost>".into()),
            }),
            None => file.smtp,
        };
        c.ice = IceConfig::from_sources(file.video.unwrap_or_default(), env)?;
        c.files = FilesConfig::from_env(env)?;
        c.metrics_bind = env("EMBARQ_METRICS_BIND");
        c.metrics_token = env("EMBARQ_METRICS_TOKEN");
        c.trusted_proxies = match env("EMBARQ_TRUSTED_PROXIES") {
            None => Vec::new(),
            Some(list) => list
                .split(',')
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(|v| {
                    v.parse::<ipnet::IpNet>()
                        .or_else(|_| v.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
                        .map_err(|_| {
                            anyhow::anyhow!(
                                "EMBARQ_TRUSTED_PROXIES: {v:?} is neither an IP address nor a CIDR range"
                            )
                        })
                })
                .collect::<anyhow::Result<_>>()?,
        };
        c.webhook_allow_private = flag(env, "EMBARQ_WEBHOOK_ALLOW_PRIVATE")?;
        c.oidc_allow_http = flag(env, "EMBARQ_OIDC_ALLOW_HTTP")?;
        c.record_activity = !flag(env, "EMBARQ_ACTIVITY_OFF")?;
        Ok(c)
    }
}

/// A boolean variable: `true` or `false` (absent: false); anything else is refused.
fn flag(env: &dyn Fn(&str) -> Option<String>, name: &str) -> anyhow::Result<bool> {
    match env(name).as_deref().map(str::trim) {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => anyhow::bail!("{name} must be true or false, not {other:?}"),
    }
}

/// `embarq.toml`: every key optional; an unknown key is refused.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub base_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub smtp: Option<SmtpConfig>,
    pub video: Option<VideoFile>,
}

/// `[video]`: STUN/TURN servers for built-in video rooms.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct VideoFile {
    pub stun_urls: Vec<String>,
    pub turn_urls: Vec<String>,
    pub turn_username: Option<String>,
    pub turn_credential: Option<String>,
    pub turn_secret: Option<String>,
    pub turn_ttl_secs: Option<i64>,
}

fn default_smtp_port() -> u16 {
    587
}

/// ICE servers for built-in video rooms. None by default: on a LAN or one machine, browsers
/// connect through their host candidates, and the product works offline.
#[derive(Debug, Clone, Default)]
pub struct IceConfig {
    /// `stun:host:port` URLs.
    pub stun_urls: Vec<String>,
    /// `turn:` / `turns:` URLs.
    pub turn_urls: Vec<String>,
    /// Fixed TURN credentials...
    pub turn_username: Option<String>,
    pub turn_credential: Option<String>,
    /// ...or a secret shared with the TURN server, which then receives time-limited
    /// credentials per user ("REST API for TURN services"; coturn's `static-auth-secret`).
    pub turn_secret: Option<String>,
    /// Lifetime of those credentials, seconds.
    pub turn_ttl_secs: i64,
}

impl IceConfig {
    /// STUN/TURN from `[video]` and `EMBARQ_STUN_URLS`, `EMBARQ_TURN_URLS` (comma-separated),
    /// `EMBARQ_TURN_USERNAME`/`EMBARQ_TURN_CREDENTIAL` or `EMBARQ_TURN_SECRET`, `EMBARQ_TURN_TTL`.
    fn from_sources(
        file: VideoFile,
        env: &dyn Fn(&str) -> Option<String>,
    ) -> anyhow::Result<IceConfig> {
        let list = |v: String| -> Vec<String> {
            v.split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect()
        };
        let ice = IceConfig {
            stun_urls: env("EMBARQ_STUN_URLS").map(list).unwrap_or(file.stun_urls),
            turn_urls: env("EMBARQ_TURN_URLS").map(list).unwrap_or(file.turn_urls),
            turn_username: env("EMBARQ_TURN_USERNAME").or(file.turn_username),
            turn_credential: env("EMBARQ_TURN_CREDENTIAL").or(file.turn_credential),
            turn_secret: env("EMBARQ_TURN_SECRET").or(file.turn_secret),
            turn_ttl_secs: env("EMBARQ_TURN_TTL")
                .map(|t| t.parse::<i64>())
                .transpose()
                .context("EMBARQ_TURN_TTL must be a number of seconds")?
                .or(file.turn_ttl_secs)
                .unwrap_or(86_400),
        };
        ice.validate().map_err(anyhow::Error::msg)?;
        Ok(ice)
    }

    /// Checks the URLs' schemes and that TURN servers come with credentials or a secret.
    pub fn validate(&self) -> Result<(), String> {
        for u in &self.stun_urls {
            if !(u.starts_with("stun:") || u.starts_with("stuns:")) {
                return Err(format!("STUN URL {u:?} must start with stun: or stuns:"));
            }
        }
        for u in &self.turn_urls {
            if !(u.starts_with("turn:") || u.starts_with("turns:")) {
                return Err(format!("TURN URL {u:?} must start with turn: or turns:"));
            }
        }
        let fixed = self.turn_username.is_some() && self.turn_credential.is_some();
        if !self.turn_urls.is_empty() && !fixed && self.turn_secret.is_none() {
            return Err(
                "TURN servers need EMBARQ_TURN_USERNAME and EMBARQ_TURN_CREDENTIAL, or EMBARQ_TURN_SECRET"
                    .into(),
            );
        }
        Ok(())
    }
}

const MIB: u64 = 1024 * 1024;

/// Settings of the file box (EMBARQ_FILES_* and EMBARQ_S3_* variables).
#[derive(Debug, Clone)]
pub struct FilesConfig {
    /// Largest accepted file, bytes.
    pub max_file_bytes: u64,
    /// Bytes of live files one organization may keep.
    pub org_quota_bytes: u64,
    /// S3-compatible bucket; the local directory `<data_dir>/files` when absent.
    pub s3: Option<S3Config>,
    /// PeerTube instances whose videos may be embedded in widgets (host names).
    pub peertube_hosts: Vec<String>,
}

impl Default for FilesConfig {
    fn default() -> Self {
        Self {
            max_file_bytes: 100 * MIB,
            org_quota_bytes: 10 * 1024 * MIB,
            s3: None,
            peertube_hosts: Vec::new(),
        }
    }
}

impl FilesConfig {
    /// Reads `EMBARQ_MAX_FILE_MB`, `EMBARQ_ORG_QUOTA_MB`, `EMBARQ_PEERTUBE_HOSTS`
    /// (comma-separated host names) and `EMBARQ_S3_BUCKET`, `EMBARQ_S3_ENDPOINT`,
    /// `EMBARQ_S3_REGION`, `EMBARQ_S3_ACCESS_KEY_ID`, `EMBARQ_S3_SECRET_ACCESS_KEY`.
    pub fn from_env(env: &dyn Fn(&str) -> Option<String>) -> anyhow::Result<FilesConfig> {
        let mut c = FilesConfig::default();
        let mib = |k: &str| -> anyhow::Result<Option<u64>> {
            match env(k) {
                None => Ok(None),
                Some(v) => match v.trim().parse::<u64>() {
                    Ok(n) if n > 0 => Ok(Some(n.saturating_mul(MIB))),
                    _ => Err(anyhow::anyhow!("{k} must be a positive number of MiB")),
                },
            }
        };
        if let Some(v) = mib("EMBARQ_MAX_FILE_MB")? {
            c.max_file_bytes = v;
        }
        if let Some(v) = mib("EMBARQ_ORG_QUOTA_MB")? {
            c.org_quota_bytes = v;
        }
        if let Some(h) = env("EMBARQ_PEERTUBE_HOSTS") {
            c.peertube_hosts = h
                .split(',')
                .map(|s| s.trim().to_ascii_lowercase())
                .filter(|s| !s.is_empty())
                .collect();
        }
        c.s3 = env("EMBARQ_S3_BUCKET").map(|bucket| S3Config {
            bucket,
            endpoint: env("EMBARQ_S3_ENDPOINT"),
            region: env("EMBARQ_S3_REGION"),
            access_key_id: env("EMBARQ_S3_ACCESS_KEY_ID"),
            secret_access_key: env("EMBARQ_S3_SECRET_ACCESS_KEY"),
        });
        Ok(c)
    }
}

#[derive(Debug, Clone)]
pub struct S3Config {
    pub bucket: String,
    /// e.g. `https://s3.example.com` or `http://127.0.0.1:9000` (MinIO); AWS when absent.
    pub endpoint: Option<String>,
    pub region: Option<String>,
    pub access_key_id: Option<String>,
    pub secret_access_key: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(file: &str, vars: &[(&str, &str)]) -> anyhow::Result<Config> {
        let file: FileConfig = toml::from_str(file)?;
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_sources(file, &|k: &str| {
            vars.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn smtp_security_is_one_of_three_and_a_typo_is_refused() {
        assert_eq!("STARTTLS".parse(), Ok(SmtpSecurity::Starttls));
        assert_eq!("tls".parse(), Ok(SmtpSecurity::Tls));
        assert_eq!("none".parse(), Ok(SmtpSecurity::None));
        // Sent mail in clear before: anything unknown fell through to "no encryption".
        let e = "ssl".parse::<SmtpSecurity>().unwrap_err();
        assert!(e.contains("starttls, tls or none"), "{e}");
        let env = from(
            "",
            &[
                ("EMBARQ_SMTP_HOST", "mail"),
                ("EMBARQ_SMTP_SECURITY", "ssl"),
            ],
        );
        assert!(env.is_err(), "an unknown EMBARQ_SMTP_SECURITY was accepted");
    }

    #[test]
    fn the_configuration_file_refuses_an_unknown_smtp_security() {
        let ok = from("[smtp]\nhost = \"mail\"\nfrom = \"a@b.example\"\n", &[]).unwrap();
        assert_eq!(ok.smtp.unwrap().security, SmtpSecurity::Starttls);
        let bad = from(
            "[smtp]\nhost = \"mail\"\nfrom = \"a@b.example\"\nsecurity = \"ssl\"\n",
            &[],
        );
        assert!(bad.is_err(), "an unknown security was accepted");
    }

    #[test]
    fn the_environment_wins_over_the_file_and_defaults_follow_the_data_directory() {
        let c = from(
            "bind = \"0.0.0.0:9000\"\ndata_dir = \"/srv/embarq\"\n",
            &[("EMBARQ_BIND", "127.0.0.1:7000")],
        )
        .unwrap();
        assert_eq!(c.bind, "127.0.0.1:7000");
        assert_eq!(c.base_url, "http://127.0.0.1:7000");
        assert_eq!(c.database_url, "sqlite:///srv/embarq/embarq.db");
        assert!(!c.secure_cookies);
        let https = from("base_url = \"https://embarq.example\"\n", &[]).unwrap();
        assert!(https.secure_cookies);
        assert!(
            from("unknown = 1\n", &[]).is_err(),
            "unknown keys are refused"
        );
    }

    #[test]
    fn switches_are_true_or_false() {
        let on = from("", &[("EMBARQ_WEBHOOK_ALLOW_PRIVATE", "true")]).unwrap();
        assert!(on.webhook_allow_private && !on.oidc_allow_http);
        assert!(from("", &[("EMBARQ_OIDC_ALLOW_HTTP", "yes")]).is_err());
    }
}
