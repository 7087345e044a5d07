//! Sign-in with OpenID Connect per organization: settings (managers), the authorization code
//! flow with PKCE, and what a verified identity becomes (existing link, link by verified
//! e-mail, just-in-time member, or a refusal). Discovery, JWKS and ID token checks
//! (signature, iss, aud, exp, nonce) are the `openidconnect` crate's; HTTP goes through
//! our reqwest client (see `provider`).
mod provider;
mod settings;
mod sign_in;

pub use settings::{SettingsError, SettingsInput, save_settings, settings, test_settings};
pub use sign_in::{CallbackQuery, SignedIn, callback, start};

use crate::auth::{Auth, token_hash};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use embarq_domain::{Id, OrgRole};
use embarq_store::{OidcSettings, User};

/// Lifetime of a sign-in in flight.
pub const STATE_TTL_MS: i64 = 10 * 60 * 1000;
/// The cookie binding a sign-in in flight to the browser that started it.
pub const BROWSER_COOKIE: &str = "embarq_sso";
/// Where the provider sends the browser back (register `<base URL>/sso/callback`).
pub const CALLBACK_PATH: &str = "/sso/callback";

// Refusal codes, each with an `error-…` message in the locales.
pub const STATE_INVALID: &str = "sso_state_invalid";
pub const STATE_EXPIRED: &str = "sso_state_expired";
pub const NOT_CONFIGURED: &str = "sso_not_configured";
pub const PROVIDER_ERROR: &str = "sso_provider_error";
pub const DENIED: &str = "sso_denied";
pub const EMAIL_UNVERIFIED: &str = "sso_email_unverified";
pub const DOMAIN_NOT_ALLOWED: &str = "sso_domain_not_allowed";
pub const NO_ACCOUNT: &str = "sso_no_account";
pub const DEACTIVATED: &str = "sso_account_deactivated";
/// Password sign-in, reset or invitation refused: the organization signs in with SSO only.
pub const SSO_REQUIRED: &str = "sso_required";

/// Whether local passwords are refused for this account: its organization turned them off,
/// and it is not a manager (managers keep their password as the break-glass way in).
pub async fn password_refused(state: &AppState, user: &User) -> AppResult<bool> {
    Ok(user.org_role != OrgRole::Manager && state.db.oidc_passwords_disabled(user.org_id).await?)
}

/// For an invitation or reset link whose account may not use a password: its organization
/// (id, button label), to offer the SSO button instead of a password form.
pub async fn sso_only_for_token(
    state: &AppState,
    lang: crate::i18n::Lang,
    token: &str,
    purpose: &str,
) -> AppResult<Option<(embarq_domain::OrgId, String)>> {
    let Some(uid) = state
        .db
        .peek_one_time_token(&token_hash(token), purpose)
        .await?
    else {
        return Ok(None);
    };
    let Some(u) = state.db.user(uid).await? else {
        return Ok(None);
    };
    if !password_refused(state, &u).await? {
        return Ok(None);
    }
    let name = state
        .db
        .organization(u.org_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    Ok(Some((u.org_id, button_label(lang, &name))))
}

/// "Sign in with <organization> SSO".
pub fn button_label(lang: crate::i18n::Lang, org_name: &str) -> String {
    crate::i18n::tr_args(
        lang,
        "login-sso-button",
        &[(
            "org",
            fluent_templates::fluent_bundle::FluentValue::from(org_name.to_string()),
        )],
    )
}

/// Organizations offering SSO on the sign-in page: (id, button label).
pub async fn sign_in_choices(
    state: &AppState,
    lang: crate::i18n::Lang,
) -> AppResult<Vec<(Id, String)>> {
    Ok(state
        .db
        .oidc_enabled_orgs()
        .await?
        .into_iter()
        .map(|(id, name)| (id, button_label(lang, &name)))
        .collect())
}
