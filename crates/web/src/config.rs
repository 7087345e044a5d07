//! Runtime settings of the web layer, filled by the server from embarq.toml and EMBARQ_* variables.
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Config {
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
    pub files: crate::service::files::FilesConfig,
    /// Webhook URLs may reach loopback and private addresses (EMBARQ_WEBHOOK_ALLOW_PRIVATE=true;
    /// for tests and labs), and then also plain http.
    pub webhook_allow_private: bool,
    /// OpenID Connect issuers may be plain http (EMBARQ_OIDC_ALLOW_HTTP=true; local test providers).
    pub oidc_allow_http: bool,
    /// Run scheduled work (reminders, digests, webhooks…) every tick. Off only in tests that
    /// drive `jobs::run_due` at chosen instants and must not race the wall clock.
    pub run_scheduler: bool,
    /// Bearer token that opens `/metrics` on the main address (EMBARQ_METRICS_TOKEN); without
    /// it `/metrics` is only served on EMBARQ_METRICS_BIND.
    pub metrics_token: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` is believed (EMBARQ_TRUSTED_PROXIES).
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
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
    pub fn new(base_url: &str, data_dir: PathBuf) -> Self {
        Self {
            base_url: base_url.trim_end_matches('/').to_string(),
            secure_cookies: base_url.starts_with("https://"),
            data_dir,
            smtp: None,
            session_ttl_ms: 30 * 24 * 3600 * 1000,
            sign_in_max_failures: 5,
            sign_in_window_ms: 15 * 60 * 1000,
            sign_in_first_delay_ms: 1000,
            ice: IceConfig::default(),
            files: crate::service::files::FilesConfig::default(),
            webhook_allow_private: false,
            oidc_allow_http: false,
            run_scheduler: true,
            metrics_token: None,
            trusted_proxies: Vec::new(),
        }
    }
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
