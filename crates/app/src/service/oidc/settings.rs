//! The organization's provider settings (managers): validation, "Test configuration"
//! (discovery without saving) and saving (discovery first, audited without the secret).
use super::provider::{Http, discover};
use super::*;
use crate::auth::Manager;
use embarq_domain::OrgId;
use embarq_domain::validate::{self, Errors, FieldError, NAME_MAX};
use embarq_store::now_ms;
use serde::Deserialize;

const DEFAULT_SCOPES: &str = "openid email profile";
const URL_MAX: usize = 2_000;
const CLAIM_NAME_MAX: usize = 100;
const SECRET_MAX: usize = 1_000;

/// What the settings form sends. An empty `client_secret` keeps the stored one.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SettingsInput {
    #[serde(default)]
    pub enabled: Option<String>,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub client_id: String,
    #[serde(default)]
    pub client_secret: String,
    #[serde(default)]
    pub scopes: String,
    #[serde(default)]
    pub claim_department: String,
    #[serde(default)]
    pub claim_site: String,
    #[serde(default)]
    pub claim_level: String,
    #[serde(default)]
    pub claim_display_name: String,
    #[serde(default)]
    pub jit_create: Option<String>,
    #[serde(default)]
    pub link_by_email: Option<String>,
    #[serde(default)]
    pub allowed_domains: String,
    #[serde(default)]
    pub passwords_disabled: Option<String>,
}

/// Why saving or testing settings failed.
#[derive(Debug)]
pub enum SettingsError {
    App(AppError),
    /// The provider could not be discovered; the text says why.
    Discovery(String),
}

impl From<AppError> for SettingsError {
    fn from(e: AppError) -> Self {
        SettingsError::App(e)
    }
}

/// The organization's settings for the manager's page (the secret stays in the server).
pub async fn settings(state: &AppState, auth: &Auth) -> AppResult<Option<OidcSettings>> {
    Manager::of(auth)?;
    Ok(state.db.oidc_settings(auth.user.org_id).await?)
}

fn on(v: &Option<String>) -> i64 {
    i64::from(v.is_some())
}

/// Checks the form into settings (secret not yet filled in from the stored ones).
fn parse_settings(state: &AppState, org_id: OrgId, i: &SettingsInput) -> AppResult<OidcSettings> {
    let mut e = Errors::default();
    let issuer = e.check(validate::required("issuer", &i.issuer, URL_MAX));
    if let Some(issuer) = &issuer {
        match url::Url::parse(issuer) {
            Ok(u) if u.scheme() == "https" => {}
            Ok(u) if u.scheme() == "http" && state.config.oidc_allow_http => {}
            Ok(u) if u.scheme() == "http" => {
                e.check::<()>(Err(FieldError::new("issuer", "https_required")));
            }
            _ => {
                e.check::<()>(Err(FieldError::new("issuer", "invalid_url")));
            }
        }
    }
    let client_id = e.check(validate::required("client_id", &i.client_id, NAME_MAX * 2));
    e.check(validate::optional(
        "client_secret",
        &i.client_secret,
        SECRET_MAX,
    ));
    let scopes = e.check(validate::optional("scopes", &i.scopes, NAME_MAX * 2));
    if let Some(Some(s)) = &scopes
        && s.split_whitespace().any(|w| {
            !w.chars()
                .all(|c| c.is_ascii_graphic() && c != '"' && c != '\\')
        })
    {
        e.check::<()>(Err(FieldError::new("scopes", "invalid_characters")));
    }
    let claim = |field: &'static str, v: &str, e: &mut Errors| {
        e.check(validate::optional(field, v, CLAIM_NAME_MAX))
            .flatten()
    };
    let claim_department = claim("claim_department", &i.claim_department, &mut e);
    let claim_site = claim("claim_site", &i.claim_site, &mut e);
    let claim_level = claim("claim_level", &i.claim_level, &mut e);
    let claim_display_name = claim("claim_display_name", &i.claim_display_name, &mut e);
    let mut domains = Vec::new();
    for d in i
        .allowed_domains
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|d| !d.is_empty())
    {
        let d = d.trim_start_matches('@').to_ascii_lowercase();
        let ok = d.len() <= 253
            && d.contains('.')
            && d.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.');
        if !ok {
            e.check::<()>(Err(FieldError::new("allowed_domains", "invalid_domain")));
            break;
        }
        domains.push(d);
    }
    e.into_result()?;
    let mut scopes: Vec<String> = scopes
        .flatten()
        .unwrap_or_else(|| DEFAULT_SCOPES.to_string())
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if !scopes.iter().any(|s| s == "openid") {
        scopes.insert(0, "openid".into());
    }
    Ok(OidcSettings {
        org_id,
        enabled: on(&i.enabled),
        issuer: issuer.unwrap_or_default(),
        client_id: client_id.unwrap_or_default(),
        client_secret: None,
        scopes: scopes.join(" "),
        claim_department,
        claim_site,
        claim_level,
        claim_display_name,
        jit_create: on(&i.jit_create),
        link_by_email: on(&i.link_by_email),
        allowed_domains: domains.join(" "),
        passwords_disabled: on(&i.passwords_disabled),
        updated_at: now_ms(),
    })
}

/// Validates the form and discovers the provider, without saving ("Test configuration").
/// Answers the provider's authorization endpoint.
pub async fn test_settings(
    state: &AppState,
    auth: &Auth,
    i: &SettingsInput,
) -> Result<String, SettingsError> {
    Manager::of(auth)?;
    let s = parse_settings(state, auth.user.org_id, i)?;
    let meta = discover(&Http::new()?, &s.issuer)
        .await
        .map_err(SettingsError::Discovery)?;
    Ok(meta.authorization_endpoint().to_string())
}

/// Saves the organization's settings after a successful discovery; audited without the secret.
pub async fn save_settings(
    state: &AppState,
    auth: &Auth,
    i: &SettingsInput,
) -> Result<(), SettingsError> {
    Manager::of(auth)?;
    let org_id = auth.user.org_id;
    let mut s = parse_settings(state, org_id, i)?;
    let old = state
        .db
        .oidc_settings(org_id)
        .await
        .map_err(AppError::from)?;
    let new_secret = i.client_secret.trim();
    s.client_secret = if new_secret.is_empty() {
        old.as_ref().and_then(|o| o.client_secret.clone())
    } else {
        Some(new_secret.to_string())
    };
    // Nobody locks the organization out: whoever turns passwords off has proven this
    // provider works for them.
    if s.passwords_disabled == 1 && s.enabled == 0 {
        return Err(
            AppError::from(FieldError::new("passwords_disabled", "sso_needs_enabled")).into(),
        );
    }
    let newly_off = s.passwords_disabled == 1
        && old
            .as_ref()
            .is_none_or(|o| o.passwords_disabled == 0 || o.issuer != s.issuer);
    if newly_off
        && !state
            .db
            .oidc_has_link(auth.user.id, &s.issuer)
            .await
            .map_err(AppError::from)?
    {
        return Err(
            AppError::from(FieldError::new("passwords_disabled", "sso_sign_in_first")).into(),
        );
    }
    // embarq is a confidential client (client_secret_basic): no secret, no sign-in.
    if s.enabled == 1 && s.client_secret.is_none() {
        return Err(AppError::from(FieldError::new("client_secret", "required")).into());
    }
    if s.enabled == 1 {
        discover(&Http::new()?, &s.issuer)
            .await
            .map_err(SettingsError::Discovery)?;
    }
    let audit = crate::service::admin_audit::by(
        auth,
        "sso.settings_changed",
        "organization",
        Some(org_id.0),
        serde_json::json!({
            "enabled": s.enabled == 1,
            "issuer": s.issuer,
            "client_id": s.client_id,
            "client_secret_changed": !new_secret.is_empty(),
            "scopes": s.scopes,
            "claim_department": s.claim_department,
            "claim_site": s.claim_site,
            "claim_level": s.claim_level,
            "claim_display_name": s.claim_display_name,
            "jit_create": s.jit_create == 1,
            "link_by_email": s.link_by_email == 1,
            "allowed_domains": s.allowed_domains,
            "passwords_disabled": s.passwords_disabled == 1,
        }),
    );
    state
        .db
        .save_oidc_settings(&s, &audit)
        .await
        .map_err(AppError::from)?;
    Ok(())
}
