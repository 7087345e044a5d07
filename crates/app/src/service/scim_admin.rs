//! /admin/scim's business: SCIM tokens (created shown once, stored hashed, revoked) and the
//! organization's SCIM settings, organization managers only, every change audited.
use crate::auth::{Auth, Manager, random_token, token_hash};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use embarq_domain::UserId;
use embarq_domain::validate::{self, Errors, FieldError, NAME_MAX};
use embarq_domain::{Id, OrgId, SphereKind};
use embarq_store::scim::{ScimSettings, ScimToken};

/// Live tokens one organization may hold.
pub const MAX_TOKENS: usize = 20;
/// Prefix of SCIM secrets, so a leaked one is recognizable (and never taken for an API token).
const PREFIX: &str = "scim_";

pub async fn tokens(state: &AppState, auth: &Auth) -> AppResult<Vec<ScimToken>> {
    Manager::of(auth)?;
    Ok(state.db.scim_tokens(auth.user.org_id).await?)
}

/// Creates a named token; returns it with its secret, which is never shown again.
pub async fn create_token(
    state: &AppState,
    auth: &Auth,
    name: &str,
) -> AppResult<(ScimToken, String)> {
    Manager::of(auth)?;
    create_token_as(state, auth.user.org_id, auth.user.id, name).await
}

/// The token creation itself, also used by `embarq scim-token` (acting as `actor`).
pub async fn create_token_as(
    state: &AppState,
    org_id: OrgId,
    actor: UserId,
    name: &str,
) -> AppResult<(ScimToken, String)> {
    let name = validate::required("name", name, NAME_MAX)?;
    let live = state
        .db
        .scim_tokens(org_id)
        .await?
        .iter()
        .filter(|t| t.revoked_at.is_none())
        .count();
    if live >= MAX_TOKENS {
        return Err(AppError::Refused("scim_token_limit"));
    }
    let secret = format!("{PREFIX}{}", random_token());
    let audit = |t: &ScimToken| {
        super::admin_audit::record(
            super::admin_audit::Admin {
                org_id,
                actor_id: Some(actor),
                action: "scim.token_created",
                target_kind: "scim_token",
                target_id: Some(t.id),
                sphere_id: None,
            },
            serde_json::json!({"name": t.name}),
        )
    };
    let t = state
        .db
        .scim_create_token(org_id, &name, &token_hash(&secret), Some(actor), audit)
        .await?;
    Ok((t, secret))
}

pub async fn revoke_token(state: &AppState, auth: &Auth, id: Id) -> AppResult<()> {
    Manager::of(auth)?;
    let audit = |name: &str| {
        super::admin_audit::by(
            auth,
            "scim.token_revoked",
            "scim_token",
            Some(id),
            serde_json::json!({"name": name}),
        )
    };
    state
        .db
        .scim_revoke_token(auth.user.org_id, id, &audit)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(())
}

pub async fn settings(state: &AppState, auth: &Auth) -> AppResult<ScimSettings> {
    Manager::of(auth)?;
    Ok(state.db.scim_settings(auth.user.org_id).await?)
}

/// The settings as posted by the form.
pub struct SettingsInput<'a> {
    pub site_source: &'a str,
    pub birth_year_source: &'a str,
    pub level_source: &'a str,
    pub group_kind: &'a str,
    pub send_invitations: bool,
}

pub async fn update_settings(
    state: &AppState,
    auth: &Auth,
    i: SettingsInput<'_>,
) -> AppResult<ScimSettings> {
    Manager::of(auth)?;
    let sources = settings_sources();
    let mut e = Errors::default();
    let mut source = |field: &'static str, v: &str| -> String {
        let v = v.trim();
        if v.is_empty() || sources.iter().any(|s| s == v) {
            v.to_string()
        } else {
            e.check::<()>(Err(FieldError::new(field, "invalid_choice")));
            String::new()
        }
    };
    let site_source = source("site_source", i.site_source);
    let birth_year_source = source("birth_year_source", i.birth_year_source);
    let level_source = source("level_source", i.level_source);
    // SCIM groups become open or closed spheres; secret ones would hide them from members.
    let group_kind = match SphereKind::parse(i.group_kind.trim()) {
        Some(k @ (SphereKind::Open | SphereKind::Closed)) => k.as_str().to_string(),
        _ => {
            e.check::<()>(Err(FieldError::new("group_kind", "invalid_choice")));
            String::new()
        }
    };
    e.into_result()?;
    let s = ScimSettings {
        site_source,
        birth_year_source,
        level_source,
        group_kind,
        send_invitations: i.send_invitations,
    };
    let audit = super::admin_audit::by(
        auth,
        "scim.settings_changed",
        "organization",
        Some(auth.user.org_id.0),
        serde_json::json!({
            "site_source": s.site_source,
            "birth_year_source": s.birth_year_source,
            "level_source": s.level_source,
            "group_kind": s.group_kind,
            "send_invitations": s.send_invitations,
        }),
    );
    state
        .db
        .set_scim_settings(auth.user.org_id, &s, &audit)
        .await?;
    Ok(s)
}

/// `embarq scim-token`: creates a token as `manager_email` (or the first organization
/// manager). With `create_org`, first creates that organization with `manager_email` as its
/// manager (no password: they sign in after "forgot password"), for scripted set-ups such
/// as CI. Returns the secret.
pub async fn token_cli(
    state: &AppState,
    name: &str,
    manager_email: Option<&str>,
    create_org: Option<&str>,
) -> anyhow::Result<String> {
    use embarq_domain::{OrgRole, UserStatus};
    if let Some(org) = create_org {
        let email = manager_email
            .ok_or_else(|| anyhow::anyhow!("--create-org needs --as-manager EMAIL"))?;
        let email = validate::email("email", email)
            .map_err(|_| anyhow::anyhow!("invalid e-mail {email:?}"))?;
        let org = validate::required("org", org, NAME_MAX)
            .map_err(|_| anyhow::anyhow!("invalid organization name"))?;
        state
            .db
            .create_organization(
                &org,
                embarq_store::NewMember {
                    org_id: OrgId(embarq_domain::Id::nil()),
                    display_name: email.split('@').next().unwrap_or("manager").to_string(),
                    email,
                    password_hash: None,
                    org_role: OrgRole::Manager,
                    status: UserStatus::Active,
                },
            )
            .await?;
    }
    let manager = match manager_email {
        Some(e) => state.db.user_by_email(&e.trim().to_lowercase()).await?,
        None => state.db.first_manager().await?,
    }
    .filter(|u| u.org_role == OrgRole::Manager)
    .ok_or_else(|| anyhow::anyhow!("no organization manager found: complete the setup first, pass --as-manager, or --create-org"))?;
    let (_, secret) = create_token_as(state, manager.org_id, manager.id, name)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(secret)
}

/// Attribute paths a directory field can be fed from (for the settings form): every
/// single-valued string or integer attribute a client writes.
pub fn settings_sources() -> Vec<String> {
    use embarq_domain::scim::ENTERPRISE_USER_SCHEMA;
    use embarq_store::scim::{
        DEFAULT_BIRTH_YEAR_SOURCE, DEFAULT_LEVEL_SOURCE, DEFAULT_SITE_SOURCE,
    };
    let mut out = vec![
        "title".to_string(),
        format!("{ENTERPRISE_USER_SCHEMA}:employeeNumber"),
        format!("{ENTERPRISE_USER_SCHEMA}:department"),
        format!("{ENTERPRISE_USER_SCHEMA}:division"),
        DEFAULT_SITE_SOURCE.to_string(),
        DEFAULT_BIRTH_YEAR_SOURCE.to_string(),
        DEFAULT_LEVEL_SOURCE.to_string(),
    ];
    out.dedup();
    out
}
