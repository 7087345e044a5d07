//! Sign-in with OpenID Connect: per-organization provider settings, links between a
//! provider's (issuer, subject) and an account, and single-use sign-in states.
use crate::db::{Result, change_member, refused, with_pool, with_writer};
use crate::{Db, NewMember, StoreError, now_ms};
use embarq_domain::UserId;
use embarq_domain::lifecycle::Change;
use embarq_domain::{Id, OrgId};

/// An organization's identity provider. `client_secret` never leaves the server.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OidcSettings {
    pub org_id: OrgId,
    pub enabled: i64,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub scopes: String,
    pub claim_department: Option<String>,
    pub claim_site: Option<String>,
    pub claim_level: Option<String>,
    pub claim_display_name: Option<String>,
    pub jit_create: i64,
    pub link_by_email: i64,
    pub allowed_domains: String,
    pub passwords_disabled: i64,
    pub updated_at: i64,
}

/// A sign-in in flight, as the callback gets it back.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OidcState {
    pub browser_hash: String,
    pub org_id: OrgId,
    pub nonce: String,
    pub pkce_verifier: String,
    pub next_path: String,
    pub expires_at: i64,
}

/// Profile fields read from the provider's claims; `None` leaves the field as it is.
#[derive(Debug, Clone, Default)]
pub struct SsoProfile {
    pub display_name: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
    pub level: Option<String>,
}

/// Expired states are kept this long so a late callback reads "expired", not "unknown".
const STATE_GRACE_MS: i64 = 24 * 3600 * 1000;

const SETTINGS_COLS: &str = "org_id, enabled, issuer, client_id, client_secret, scopes, claim_department, \
     claim_site, claim_level, claim_display_name, jit_create, link_by_email, allowed_domains, \
     passwords_disabled, updated_at";

impl Db {
    pub async fn oidc_settings(&self, org_id: OrgId) -> Result<Option<OidcSettings>> {
        let sql = format!("SELECT {SETTINGS_COLS} FROM oidc_settings WHERE org_id = $1");
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(org_id).fetch_optional(p).await)?,
        )
    }

    /// Creates or replaces an organization's settings (the caller keeps the old secret if needed).
    pub async fn save_oidc_settings(
        &self,
        s: &OidcSettings,
        effects: &crate::Effects,
    ) -> Result<()> {
        let sql = format!(
            "INSERT INTO oidc_settings ({SETTINGS_COLS}) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
             ON CONFLICT (org_id) DO UPDATE SET enabled = excluded.enabled, issuer = excluded.issuer, \
             client_id = excluded.client_id, client_secret = excluded.client_secret, scopes = excluded.scopes, \
             claim_department = excluded.claim_department, claim_site = excluded.claim_site, \
             claim_level = excluded.claim_level, claim_display_name = excluded.claim_display_name, \
             jit_create = excluded.jit_create, link_by_email = excluded.link_by_email, \
             allowed_domains = excluded.allowed_domains, passwords_disabled = excluded.passwords_disabled, \
             updated_at = excluded.updated_at"
        );
        crate::outbox::one_row_with_effects!(
            self,
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(s.org_id)
                .bind(s.enabled)
                .bind(&s.issuer)
                .bind(&s.client_id)
                .bind(&s.client_secret)
                .bind(&s.scopes)
                .bind(&s.claim_department)
                .bind(&s.claim_site)
                .bind(&s.claim_level)
                .bind(&s.claim_display_name)
                .bind(s.jit_create)
                .bind(s.link_by_email)
                .bind(&s.allowed_domains)
                .bind(s.passwords_disabled)
                .bind(s.updated_at),
            effects
        )?;
        Ok(())
    }

    /// Organizations offering SSO on the sign-in page: (id, name).
    pub async fn oidc_enabled_orgs(&self) -> Result<Vec<(Id, String)>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT o.id, o.name FROM oidc_settings s JOIN organizations o ON o.id = s.org_id \
             WHERE s.enabled = 1 ORDER BY o.name, o.id")
            .fetch_all(p).await)?)
    }

    /// Whether the organization turned local passwords off (SSO enabled and the switch on).
    pub async fn oidc_passwords_disabled(&self, org_id: OrgId) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM oidc_settings WHERE org_id = $1 AND enabled = 1 AND passwords_disabled = 1")
            .bind(org_id).fetch_one(p).await)?;
        Ok(n > 0)
    }

    /// Records a new sign-in state and drops long-expired ones.
    #[allow(clippy::too_many_arguments)]
    pub async fn create_oidc_state(
        &self,
        state_hash: &str,
        browser_hash: &str,
        org_id: OrgId,
        nonce: &str,
        pkce_verifier: &str,
        next_path: &str,
        ttl_ms: i64,
    ) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => {
            sqlx::query("DELETE FROM oidc_states WHERE expires_at < $1")
                .bind(now - STATE_GRACE_MS).execute(p).await?;
            sqlx::query(
                "INSERT INTO oidc_states (state_hash, browser_hash, org_id, nonce, pkce_verifier, next_path, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(state_hash).bind(browser_hash).bind(org_id).bind(nonce).bind(pkce_verifier)
                .bind(next_path).bind(now).bind(now + ttl_ms).execute(p).await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(())
    }

    /// Consumes a state: whatever the caller then decides, it cannot be used twice.
    pub async fn take_oidc_state(&self, state_hash: &str) -> Result<Option<OidcState>> {
        Ok(with_writer!(self, p => sqlx::query_as(
            "DELETE FROM oidc_states WHERE state_hash = $1 \
             RETURNING browser_hash, org_id, nonce, pkce_verifier, next_path, expires_at")
            .bind(state_hash).fetch_optional(p).await)?)
    }

    /// Moves a state's expiry (tests use it to age a state without waiting).
    pub async fn set_oidc_state_expiry(&self, state_hash: &str, expires_at: i64) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE oidc_states SET expires_at = $1 WHERE state_hash = $2")
            .bind(expires_at).bind(state_hash).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The account linked to a provider identity, with its organization.
    pub async fn oidc_linked_user(&self, issuer: &str, subject: &str) -> Result<Option<UserId>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT user_id FROM oidc_links WHERE issuer = $1 AND subject = $2")
            .bind(issuer).bind(subject).fetch_optional(p).await)?)
    }

    /// Whether `user_id` has signed in with `issuer` at least once.
    pub async fn oidc_has_link(&self, user_id: UserId, issuer: &str) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM oidc_links WHERE user_id = $1 AND issuer = $2")
            .bind(user_id).bind(issuer).fetch_one(p).await)?;
        Ok(n > 0)
    }

    /// Links a provider identity to an existing account.
    pub async fn create_oidc_link(
        &self,
        issuer: &str,
        subject: &str,
        user_id: UserId,
        org_id: OrgId,
    ) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => sqlx::query(
            "INSERT INTO oidc_links (issuer, subject, user_id, org_id, created_at, last_sign_in_at) VALUES ($1, $2, $3, $4, $5, $5)")
            .bind(issuer).bind(subject).bind(user_id).bind(org_id).bind(now)
            .execute(p).await.map(|r| r.rows_affected()))
        .map_err(|e| StoreError::on_unique(e, "oidc_link"))?;
        Ok(())
    }

    pub async fn touch_oidc_link(&self, issuer: &str, subject: &str) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE oidc_links SET last_sign_in_at = $1 WHERE issuer = $2 AND subject = $3")
            .bind(now_ms()).bind(issuer).bind(subject).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Creates a member signing in for the first time (just-in-time) and links the provider
    /// identity, with what the creation causes, in one transaction.
    pub async fn create_sso_member(
        &self,
        id: UserId,
        m: &NewMember,
        profile: &SsoProfile,
        (issuer, subject): (&str, &str),
        effects: &crate::Effects,
    ) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query(
                "INSERT INTO users (id, org_id, email, password_hash, display_name, org_role, status, created_at, activated_at, department, site, level) \
                 VALUES ($1, $2, $3, NULL, $4, $5, $6, $7, $7, $8, $9, $10)")
                .bind(id).bind(m.org_id).bind(&m.email).bind(&m.display_name)
                .bind(m.org_role.as_str()).bind(m.status.as_str()).bind(now)
                .bind(&profile.department).bind(&profile.site).bind(&profile.level)
                .execute(&mut *tx).await.map_err(|e| StoreError::on_unique(e, "email"))?;
            sqlx::query(
                "INSERT INTO oidc_links (issuer, subject, user_id, org_id, created_at, last_sign_in_at) VALUES ($1, $2, $3, $4, $5, $5)")
                .bind(issuer).bind(subject).bind(id).bind(m.org_id).bind(now)
                .execute(&mut *tx).await.map_err(|e| StoreError::on_unique(e, "oidc_link"))?;
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, StoreError>(())
        })
    }

    /// Activates an invited account with what the activation causes; `true` when it was
    /// invited.
    pub async fn activate_invited_user(
        &self,
        user_id: UserId,
        effects: &crate::Effects,
    ) -> Result<bool> {
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let done = change_member!(tx, None, user_id, Change::Activate).map_err(refused)?;
            let activated = done.is_some_and(|e| e.status.is_some());
            if activated {
                crate::outbox::write_effects!(tx, effects, crate::now_ms());
            }
            tx.commit().await?;
            Ok::<_, StoreError>(activated)
        })
    }

    /// Copies the provider's claims into the profile; absent claims leave fields alone.
    pub async fn apply_sso_profile(&self, user_id: UserId, s: &SsoProfile) -> Result<()> {
        with_writer!(self, p => sqlx::query(
            "UPDATE users SET display_name = COALESCE($1, display_name), department = COALESCE($2, department), \
             site = COALESCE($3, site), level = COALESCE($4, level) WHERE id = $5")
            .bind(&s.display_name).bind(&s.department).bind(&s.site).bind(&s.level).bind(user_id)
            .execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}
