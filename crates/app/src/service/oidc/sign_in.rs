//! The sign-in itself: start (state, nonce and PKCE verifier kept server-side, bound to the
//! browser) and callback (state checks, code exchange, ID token verification, then the
//! identity mapped to an account).
use super::provider::{ExtraClaims, Http, client, describe, discover};
use super::*;
use crate::auth::{random_token, token_hash};
use embarq_domain::validate::{self, NAME_MAX};
use embarq_domain::{OrgId, OrgRole, UserStatus};
use embarq_store::{NewMember, SsoProfile, now_ms};
use openidconnect::core::CoreGenderClaim;
use openidconnect::{
    AuthenticationFlow, AuthorizationCode, CsrfToken, Nonce, OAuth2TokenResponse,
    PkceCodeChallenge, PkceCodeVerifier, Scope, TokenResponse,
};
use serde::Deserialize;
use std::collections::HashMap;

/// Starts a sign-in: returns the provider URL to send the browser to and the browser secret
/// to set as a cookie. Only hashes of the state and the browser secret are stored.
pub async fn start(
    state: &AppState,
    org_id: OrgId,
    next: &str,
    client_ip: &str,
) -> AppResult<(String, String)> {
    // Each start costs a discovery and a row: a light limit per address.
    let key = format!("sso-start:{client_ip}");
    if state
        .db
        .record_sign_in_failure(&key, state.config.sign_in_window_ms)
        .await?
        > state.config.sign_in_max_failures * 20
    {
        return Err(AppError::TooManyRequests);
    }
    let s = enabled_settings(state, org_id).await?;
    let meta = discover(&Http::new()?, &s.issuer).await.map_err(|e| {
        tracing::warn!(org = %org_id, error = %e, "OIDC discovery failed");
        AppError::Refused(PROVIDER_ERROR)
    })?;
    let client = client(state, &s, meta)?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let csrf = random_token();
    let nonce = random_token();
    let mut req = client
        .authorize_url(
            AuthenticationFlow::<openidconnect::core::CoreResponseType>::AuthorizationCode,
            {
                let c = csrf.clone();
                move || CsrfToken::new(c)
            },
            {
                let n = nonce.clone();
                move || Nonce::new(n)
            },
        )
        .set_pkce_challenge(challenge);
    for sc in s.scopes.split_whitespace().filter(|s| *s != "openid") {
        req = req.add_scope(Scope::new(sc.to_string()));
    }
    let (url, _, _) = req.url();
    let browser = random_token();
    state
        .db
        .create_oidc_state(
            &token_hash(&csrf),
            &token_hash(&browser),
            org_id,
            &nonce,
            verifier.secret(),
            next,
            STATE_TTL_MS,
        )
        .await?;
    Ok((url.to_string(), browser))
}

async fn enabled_settings(state: &AppState, org_id: OrgId) -> AppResult<OidcSettings> {
    state
        .db
        .oidc_settings(org_id)
        .await?
        .filter(|s| s.enabled == 1)
        .ok_or(AppError::Refused(NOT_CONFIGURED))
}

/// What the provider sent back to the callback.
#[derive(Debug, Default, Deserialize)]
pub struct CallbackQuery {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub state: Option<String>,
    #[serde(default)]
    pub error: Option<String>,
}

/// A successful sign-in: the new session token and where to go.
pub struct SignedIn {
    pub session: String,
    pub next: String,
    pub user: User,
}

/// Finishes a sign-in: the state must be known, unexpired, unused and bound to this browser;
/// then the code is exchanged, the ID token verified and the identity mapped to an account.
pub async fn callback(
    state: &AppState,
    q: &CallbackQuery,
    browser_cookie: Option<&str>,
) -> AppResult<SignedIn> {
    let raw_state = q
        .state
        .as_deref()
        .filter(|s| !s.is_empty() && s.len() <= 200)
        .ok_or(AppError::Refused(STATE_INVALID))?;
    // Taken (deleted) first: a state serves once, whatever happens next.
    let st = state
        .db
        .take_oidc_state(&token_hash(raw_state))
        .await?
        .ok_or(AppError::Refused(STATE_INVALID))?;
    let bound = browser_cookie.is_some_and(|c| {
        let h = token_hash(c);
        h.len() == st.browser_hash.len()
            && h.bytes()
                .zip(st.browser_hash.bytes())
                .fold(0u8, |a, (x, y)| a | (x ^ y))
                == 0
    });
    if !bound {
        return Err(AppError::Refused(STATE_INVALID));
    }
    if st.expires_at <= now_ms() {
        return Err(AppError::Refused(STATE_EXPIRED));
    }
    if q.error.is_some() {
        return Err(AppError::Refused(DENIED));
    }
    let code = q
        .code
        .as_deref()
        .filter(|c| !c.is_empty())
        .ok_or(AppError::Refused(STATE_INVALID))?;
    let s = enabled_settings(state, st.org_id).await?;
    let identity = verify(state, &s, code, &st.pkce_verifier, &st.nonce)
        .await
        .map_err(|e| {
            tracing::warn!(org = %st.org_id, error = %e, "OIDC sign-in failed");
            AppError::Refused(PROVIDER_ERROR)
        })?;
    let user = resolve(state, &s, &identity).await?;
    crate::service::rollout::ensure_access_open(state, &user).await?;
    let session = crate::service::accounts::open_session(
        state,
        user.id,
        crate::service::accounts::SessionFor::Browser,
    )
    .await?
    .token;
    Ok(SignedIn {
        session,
        next: st.next_path,
        user,
    })
}

/// Who the provider says signed in, after verification.
#[derive(Debug)]
struct Identity {
    issuer: String,
    subject: String,
    email: Option<String>,
    email_verified: bool,
    name: Option<String>,
    claims: HashMap<String, serde_json::Value>,
}

async fn verify(
    state: &AppState,
    s: &OidcSettings,
    code: &str,
    verifier: &str,
    nonce: &str,
) -> Result<Identity, String> {
    let http = Http::new().map_err(|e| e.to_string())?;
    let meta = discover(&http, &s.issuer).await?;
    let client = client(state, s, meta).map_err(|e| e.to_string())?;
    let token = client
        .exchange_code(AuthorizationCode::new(code.to_string()))
        .map_err(|e| describe(&e))?
        .set_pkce_verifier(PkceCodeVerifier::new(verifier.to_string()))
        .request_async(&http)
        .await
        .map_err(|e| describe(&e))?;
    let id_token = token
        .id_token()
        .ok_or_else(|| "the provider returned no ID token".to_string())?;
    let claims = id_token
        .claims(&client.id_token_verifier(), &Nonce::new(nonce.to_string()))
        .map_err(|e| describe(&e))?;
    let mut id = Identity {
        issuer: s.issuer.clone(),
        subject: claims.subject().to_string(),
        email: claims.email().map(|e| e.to_string()),
        email_verified: claims.email_verified().unwrap_or(false),
        name: claims
            .name()
            .and_then(|n| n.get(None))
            .map(|n| n.to_string()),
        claims: claims.additional_claims().other.clone(),
    };
    // Many providers put profile claims in the user info answer only; its subject must match.
    if client.user_info_url().is_some() {
        let info = client
            .user_info(token.access_token().clone(), Some(claims.subject().clone()))
            .map_err(|e| describe(&e))?
            .request_async::<ExtraClaims, _, CoreGenderClaim>(&http)
            .await
            .map_err(|e| describe(&e))?;
        let info_email = info.email().map(|e| e.to_string());
        let info_verified = info.email_verified().unwrap_or(false);
        if id.email.is_none() {
            id.email = info_email;
            id.email_verified = info_verified;
        } else if !id.email_verified && info_verified && id.email == info_email {
            id.email_verified = true;
        }
        if id.name.is_none() {
            id.name = info.name().and_then(|n| n.get(None)).map(|n| n.to_string());
        }
        for (k, v) in &info.additional_claims().other {
            id.claims.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    Ok(id)
}

/// A configured claim's value as profile text: strings and numbers, trimmed and bounded.
fn claim_text(id: &Identity, name: Option<&str>) -> Option<String> {
    let name = name?;
    let v = match id.claims.get(name) {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(_) => return None,
        None if name == "name" => id.name.clone()?,
        None => return None,
    };
    validate::optional("claim", &v, NAME_MAX).ok().flatten()
}

fn profile_of(s: &OidcSettings, id: &Identity) -> SsoProfile {
    SsoProfile {
        display_name: claim_text(id, s.claim_display_name.as_deref()),
        department: claim_text(id, s.claim_department.as_deref()),
        site: claim_text(id, s.claim_site.as_deref()),
        level: claim_text(id, s.claim_level.as_deref()),
    }
}

/// The verified e-mail, if the provider vouches for it and the domain is allowed.
fn verified_email(s: &OidcSettings, id: &Identity) -> AppResult<String> {
    let email = id
        .email
        .as_deref()
        .filter(|_| id.email_verified)
        .and_then(|e| validate::email("email", e).ok())
        .ok_or(AppError::Refused(EMAIL_UNVERIFIED))?;
    let domain = email.rsplit('@').next().unwrap_or_default();
    if !s.allowed_domains.is_empty() && !s.allowed_domains.split(' ').any(|d| d == domain) {
        return Err(AppError::Refused(DOMAIN_NOT_ALLOWED));
    }
    Ok(email)
}

/// Maps a verified identity to an account of the organization: existing link, then link by
/// verified e-mail, then just-in-time creation; invited members become active.
async fn resolve(state: &AppState, s: &OidcSettings, id: &Identity) -> AppResult<User> {
    let profile = profile_of(s, id);
    let linked = match state.db.oidc_linked_user(&id.issuer, &id.subject).await? {
        Some(uid) => Some(
            state
                .db
                .user(uid)
                .await?
                .ok_or(AppError::Refused(NO_ACCOUNT))?,
        ),
        None => None,
    };
    let user = match linked {
        Some(u) => {
            if u.org_id != s.org_id {
                return Err(AppError::Refused(NO_ACCOUNT));
            }
            state.db.touch_oidc_link(&id.issuer, &id.subject).await?;
            u
        }
        None => {
            let email = verified_email(s, id)?;
            match state.db.user_by_email(&email).await? {
                Some(u) if u.org_id == s.org_id && s.link_by_email == 1 => {
                    if u.status == UserStatus::Deactivated {
                        return Err(AppError::Refused(DEACTIVATED));
                    }
                    state
                        .db
                        .create_oidc_link(&id.issuer, &id.subject, u.id, s.org_id)
                        .await?;
                    u
                }
                Some(_) => return Err(AppError::Refused(NO_ACCOUNT)),
                None if s.jit_create == 1 => {
                    let display_name = profile
                        .display_name
                        .clone()
                        .or_else(|| {
                            id.name
                                .as_deref()
                                .and_then(|n| validate::optional("name", n, NAME_MAX).ok())
                                .flatten()
                        })
                        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string());
                    let uid = embarq_domain::UserId::generate();
                    // `member.activated` and the audit entry are written with the account.
                    let mut activated = crate::service::webhooks::member_event_of(
                        s.org_id,
                        uid,
                        &email,
                        &display_name,
                        "member.activated",
                    );
                    activated.extend(crate::service::admin_audit::record(
                        crate::service::admin_audit::Admin {
                            org_id: s.org_id,
                            actor_id: Some(uid),
                            action: "sso.member_created",
                            target_kind: "user",
                            target_id: Some(uid.into()),
                            sphere_id: None,
                        },
                        serde_json::json!({"issuer": id.issuer}),
                    ));
                    state
                        .db
                        .create_sso_member(
                            uid,
                            &NewMember {
                                org_id: s.org_id,
                                email,
                                display_name,
                                password_hash: None,
                                org_role: OrgRole::Member,
                                status: UserStatus::Active,
                            },
                            &profile,
                            (&id.issuer, &id.subject),
                            &activated,
                        )
                        .await
                        .map_err(|e| match e {
                            embarq_store::StoreError::Conflict(_) => AppError::Refused(NO_ACCOUNT),
                            e => e.into(),
                        })?;
                    crate::outbox::written(state, &activated);
                    state.db.user(uid).await?.ok_or(AppError::NotFound)?
                }
                None => return Err(AppError::Refused(NO_ACCOUNT)),
            }
        }
    };
    if user.status == UserStatus::Deactivated {
        return Err(AppError::Refused(DEACTIVATED));
    }
    state.db.apply_sso_profile(user.id, &profile).await?;
    // The provider's department, site or manager may have changed, or the person is new.
    let scope = embarq_store::RuleScope::Person(user.id);
    crate::service::membership_rules::follow_directory(state, user.org_id, scope).await;
    // First SSO sign-in of an invited member: the same activation as accepting the invitation.
    let activated = crate::service::webhooks::member_event(&user, "member.activated");
    if state.db.activate_invited_user(user.id, &activated).await? {
        crate::outbox::written(state, &activated);
        state.db.touch_user(user.id).await?;
    }
    state.db.user(user.id).await?.ok_or(AppError::NotFound)
}
