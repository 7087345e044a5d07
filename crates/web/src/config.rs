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
    /// Failed sign-ins allowed per account and per address within `sign_in_window_ms`.
    pub sign_in_max_failures: i64,
    pub sign_in_window_ms: i64,
}

#[derive(Debug, Clone)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    /// `starttls`, `tls` or `none`.
    pub security: String,
    pub from: String,
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
        }
    }
}
