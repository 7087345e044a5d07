//! Server configuration: `embarq.toml` (optional) overridden by `EMBARQ_*` environment variables.
use anyhow::Context;
use serde::Deserialize;
use std::path::PathBuf;

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub bind: Option<String>,
    pub database_url: Option<String>,
    pub base_url: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub smtp: Option<SmtpFile>,
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SmtpFile {
    pub host: String,
    #[serde(default = "default_smtp_port")]
    pub port: u16,
    pub username: Option<String>,
    pub password: Option<String>,
    #[serde(default)]
    pub security: embarq_web::config::SmtpSecurity,
    pub from: String,
}

fn default_smtp_port() -> u16 {
    587
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub bind: String,
    pub database_url: String,
    pub base_url: String,
    pub data_dir: PathBuf,
    pub smtp: Option<SmtpFile>,
    pub ice: embarq_web::config::IceConfig,
    /// File box: EMBARQ_MAX_FILE_MB, EMBARQ_ORG_QUOTA_MB, EMBARQ_S3_*, EMBARQ_PEERTUBE_HOSTS.
    pub files: embarq_web::service::files::FilesConfig,
    /// Listen address of the Prometheus metrics (EMBARQ_METRICS_BIND); none by default.
    pub metrics_bind: Option<String>,
    pub metrics_token: Option<String>,
    pub trusted_proxies: Vec<ipnet::IpNet>,
}

impl Settings {
    /// Reads `path` if it exists, then applies the environment.
    pub fn load(path: &std::path::Path) -> anyhow::Result<Settings> {
        let file: FileConfig = if path.exists() {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?;
            toml::from_str(&text).with_context(|| format!("parsing {}", path.display()))?
        } else {
            FileConfig::default()
        };
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let data_dir = env("EMBARQ_DATA_DIR")
            .map(PathBuf::from)
            .or(file.data_dir)
            .unwrap_or_else(|| PathBuf::from("data"));
        let bind = env("EMBARQ_BIND")
            .or(file.bind)
            .unwrap_or_else(|| "127.0.0.1:8080".into());
        let database_url = env("EMBARQ_DATABASE_URL")
            .or(file.database_url)
            .unwrap_or_else(|| format!("sqlite://{}", data_dir.join("embarq.db").display()));
        let base_url = env("EMBARQ_BASE_URL")
            .or(file.base_url)
            .unwrap_or_else(|| format!("http://{bind}"));
        let smtp = match env("EMBARQ_SMTP_HOST") {
            Some(host) => Some(SmtpFile {
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
        let ice = ice_settings(file.video.unwrap_or_default(), &env)?;
        let files = embarq_web::service::files::FilesConfig::from_env(&env)?;
        let trusted_proxies = match env("EMBARQ_TRUSTED_PROXIES") {
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
        Ok(Settings {
            metrics_bind: env("EMBARQ_METRICS_BIND"),
            metrics_token: env("EMBARQ_METRICS_TOKEN"),
            trusted_proxies,
            files,
            bind,
            database_url,
            base_url,
            data_dir,
            smtp,
            ice,
        })
    }

    pub fn web_config(&self) -> embarq_web::Config {
        let mut c = embarq_web::Config::new(&self.base_url, self.data_dir.clone());
        c.smtp = self.smtp.as_ref().map(|s| embarq_web::config::SmtpConfig {
            host: s.host.clone(),
            port: s.port,
            username: s.username.clone(),
            password: s.password.clone(),
            security: s.security,
            from: s.from.clone(),
        });
        c.ice = self.ice.clone();
        c.files = self.files.clone();
        c.webhook_allow_private =
            std::env::var("EMBARQ_WEBHOOK_ALLOW_PRIVATE").is_ok_and(|v| v.trim() == "true");
        c.metrics_token = self.metrics_token.clone();
        c.trusted_proxies = self.trusted_proxies.clone();
        c.oidc_allow_http =
            std::env::var("EMBARQ_OIDC_ALLOW_HTTP").is_ok_and(|v| v.trim() == "true");
        c
    }
}

/// STUN/TURN from `[video]` and `EMBARQ_STUN_URLS`, `EMBARQ_TURN_URLS` (comma-separated),
/// `EMBARQ_TURN_USERNAME`/`EMBARQ_TURN_CREDENTIAL` or `EMBARQ_TURN_SECRET`, `EMBARQ_TURN_TTL`.
fn ice_settings(
    file: VideoFile,
    env: &dyn Fn(&str) -> Option<String>,
) -> anyhow::Result<embarq_web::config::IceConfig> {
    let list = |v: String| -> Vec<String> {
        v.split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    let ice = embarq_web::config::IceConfig {
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

#[cfg(test)]
mod tests {
    use super::*;
    use embarq_web::config::SmtpSecurity;

    #[test]
    fn smtp_security_is_one_of_three_and_a_typo_is_refused() {
        assert_eq!("STARTTLS".parse(), Ok(SmtpSecurity::Starttls));
        assert_eq!("tls".parse(), Ok(SmtpSecurity::Tls));
        assert_eq!("none".parse(), Ok(SmtpSecurity::None));
        // Sent mail in clear before: anything unknown fell through to "no encryption".
        let e = "ssl".parse::<SmtpSecurity>().unwrap_err();
        assert!(e.contains("starttls, tls or none"), "{e}");
    }

    #[test]
    fn the_configuration_file_refuses_an_unknown_smtp_security() {
        let ok: FileConfig =
            toml::from_str("[smtp]\nhost = \"mail\"\nfrom = \"a@b.example\"\n").unwrap();
        assert_eq!(ok.smtp.unwrap().security, SmtpSecurity::Starttls);
        let bad = toml::from_str::<FileConfig>(
            "[smtp]\nhost = \"mail\"\nfrom = \"a@b.example\"\nsecurity = \"ssl\"\n",
        );
        assert!(bad.is_err(), "an unknown security was accepted");
    }
}
