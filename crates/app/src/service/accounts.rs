//! Setup, sign-in, invitations, password resets and personal access tokens.
use crate::auth::{self, Auth, hash_password, random_token, token_hash};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr, tr_args};
use crate::state::AppState;
use embarq_domain::UserId;
use embarq_domain::validate::{self, Errors, NAME_MAX};
use embarq_domain::{Id, OrgId, OrgRole, UserStatus, throttle};
use embarq_store::{ApiToken, Effects, NewMember, RemindOutcome, Reminder, User};
use fluent_templates::fluent_bundle::FluentValue;
use std::net::IpAddr;

pub const INVITE: &str = "invite";
pub const RESET: &str = "reset";
const INVITE_TTL_MS: i64 = 14 * 24 * 3600 * 1000;
const RESET_TTL_MS: i64 = 3600 * 1000;

/// Who a new session is for: a browser keeps the configured session length; a program
/// signing in over the API gets a working day's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionFor {
    Browser,
    Api,
}

/// How long a session opened over the API lasts.
pub const API_SESSION_TTL_MS: i64 = 12 * 3600 * 1000;

impl SessionFor {
    fn ttl_ms(self, cfg: &crate::Config) -> i64 {
        match self {
            SessionFor::Browser => cfg.session_ttl_ms,
            SessionFor::Api => API_SESSION_TTL_MS.min(cfg.session_ttl_ms),
        }
    }
}

/// A session just opened: its secret (the cookie, or a Bearer token), the CSRF token a
/// cookie-authenticated client sends with changes, and when it ends.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: UserId,
    pub token: String,
    pub csrf_token: String,
    pub expires_at: i64,
}

pub struct SetupInput {
    pub org_name: String,
    pub display_name: String,
    pub email: String,
    pub password: String,
}

/// Creates the organization and its first manager; only while no organization exists.
pub async fn setup(state: &AppState, i: &SetupInput) -> AppResult<UserId> {
    if state.db.organization_count().await? > 0 {
        return Err(AppError::Refused("already_set_up"));
    }
    let mut e = Errors::default();
    let org = e.check(validate::required("org_name", &i.org_name, NAME_MAX));
    let name = e.check(validate::required(
        "display_name",
        &i.display_name,
        NAME_MAX,
    ));
    let email = e.check(validate::email("email", &i.email));
    e.check(validate::password("password", &i.password));
    e.into_result()?;
    let (Some(org), Some(name), Some(email)) = (org, name, email) else {
        return Err(AppError::Refused("invalid"));
    };
    let hash = hash_password(i.password.clone()).await?;
    let manager = NewMember {
        org_id: OrgId(embarq_domain::Id::nil()),
        email,
        display_name: name,
        password_hash: Some(hash),
        org_role: OrgRole::Manager,
        status: UserStatus::Active,
    };
    let (org, uid) = match state.db.setup_first_organization(&org, manager).await {
        Err(embarq_store::StoreError::Conflict("already_set_up")) => {
            return Err(AppError::Refused("already_set_up"));
        }
        other => other?,
    };
    crate::service::help::ensure_help_sphere(state, org.id, uid).await?;
    let lang = Lang::default();
    crate::service::rollout::ensure_announcements_sphere(state, org.id, uid, lang).await?;
    Ok(uid)
}

/// Checks credentials; returns the new session's token. Guesses are throttled per
/// (account, client address) and per client address (`embarq_domain::throttle`): a
/// correct password is refused only to a client that has itself been guessing.
pub async fn sign_in(
    state: &AppState,
    email: &str,
    password: &str,
    client: IpAddr,
    length: SessionFor,
) -> AppResult<Session> {
    // Taken before counting: at most one attempt per core is counted and not yet refunded,
    // so a whole office signing in at once behind one address never looks like guessing.
    let slot = auth::password_slot().await?;
    // From here on the attempt runs to its end even if the client gives up: an attempt
    // counted and then abandoned would never be given back, and fifty phones timing out in
    // a launch-morning queue would throttle their whole office.
    let (state, email, password) = (
        state.clone(),
        email.trim().to_lowercase(),
        password.to_string(),
    );
    tokio::spawn(
        async move { check_and_open(&state, slot, &email, &password, client, length).await },
    )
    .await
    .map_err(|e| AppError::Internal(e.into()))?
}

async fn check_and_open(
    state: &AppState,
    slot: auth::PasswordSlot,
    email: &str,
    password: &str,
    client: IpAddr,
    length: SessionFor,
) -> AppResult<Session> {
    let pair = format!("pair:{email}|{client}");
    let ip = format!("ip:{client}");
    let rules = sign_in_rules(&state.config);
    for (key, rule) in [(&pair, &rules.0), (&ip, &rules.1)] {
        count_attempt(state, key, rule).await?;
    }
    let user = state.db.user_by_email(email).await?;
    let ok = slot
        .verify(
            password.to_string(),
            user.as_ref().and_then(|u| u.password_hash.clone()),
        )
        .await?;
    drop(slot);
    match user {
        Some(u) if ok && u.status == UserStatus::Active => {
            state.db.throttle_reset(&pair).await?;
            state.db.throttle_refund(&ip).await?;
            // Said only after a correct password, so it reveals nothing about the address.
            if super::oidc::password_refused(state, &u).await? {
                return Err(AppError::Refused(super::oidc::SSO_REQUIRED));
            }
            super::rollout::ensure_access_open(state, &u).await?;
            open_session(state, u.id, length).await
        }
        _ => Err(AppError::Refused("bad_credentials")),
    }
}

/// The (account, address) rule and the address rule. An address is shared by a whole
/// office behind NAT, so it gets ten times the free attempts; successes are given back.
fn sign_in_rules(cfg: &crate::Config) -> (throttle::Rule, throttle::Rule) {
    let pair = throttle::Rule {
        free: cfg.sign_in_max_failures,
        first_delay_ms: cfg.sign_in_first_delay_ms,
        max_delay_ms: cfg.sign_in_window_ms,
        // Longer than the longest delay, so waiting it out does not reset the count.
        window_ms: cfg.sign_in_window_ms * 4,
    };
    let ip = throttle::Rule {
        free: cfg.sign_in_max_failures * 10,
        ..pair
    };
    (pair, ip)
}

/// Counts one attempt for `key`, or refuses (429) while the key must wait. Racing attempts
/// read the counter again, so each is counted exactly once.
async fn count_attempt(state: &AppState, key: &str, rule: &throttle::Rule) -> AppResult<()> {
    for _ in 0..8 {
        let seen = state.db.throttle_counter(key).await?;
        match throttle::decide(rule, seen, embarq_store::now_ms()) {
            throttle::Decision::Wait(_) => return Err(AppError::TooManyRequests),
            throttle::Decision::Go(next) => {
                if state.db.throttle_claim(key, seen, next).await? {
                    return Ok(());
                }
            }
        }
    }
    Err(AppError::TooManyRequests)
}

/// Opens a session for an account that proved who it is.
pub async fn open_session(
    state: &AppState,
    user_id: UserId,
    length: SessionFor,
) -> AppResult<Session> {
    let session = Session {
        user_id,
        token: random_token(),
        csrf_token: random_token(),
        expires_at: embarq_store::now_ms() + length.ttl_ms(&state.config),
    };
    state
        .db
        .create_session(
            &token_hash(&session.token),
            user_id,
            &session.csrf_token,
            length.ttl_ms(&state.config),
        )
        .await?;
    state.db.touch_user(user_id).await?;
    Ok(session)
}

pub async fn sign_out(state: &AppState, auth: &Auth) -> AppResult<()> {
    if let Some(h) = &auth.session_hash {
        state.db.delete_session(h).await?;
    }
    Ok(())
}

/// Sends an invitation e-mail with a one-time link to set a password; `also` is written
/// with it (a webhook event).
pub async fn send_invitation(
    state: &AppState,
    user: &User,
    inviter: &str,
    lang: Lang,
    also: Effects,
) -> AppResult<()> {
    let (token, mut mail) = invitation(state, user, inviter, lang).await?;
    mail.extend(also);
    state
        .db
        .create_one_time_token(&token_hash(&token), user.id, INVITE, INVITE_TTL_MS, &mail)
        .await?;
    crate::outbox::written(state, &mail);
    Ok(())
}

/// Sends the invitation again as a reminder, recorded with it in one transaction: the
/// reminder counts only if its e-mail is stored to go out.
pub async fn remind(
    state: &AppState,
    user: &User,
    inviter: &str,
    lang: Lang,
    reminder: &Reminder,
    now: i64,
) -> AppResult<RemindOutcome> {
    let (token, mail) = invitation(state, user, inviter, lang).await?;
    let outcome = state
        .db
        .remind_with_invitation(
            user.org_id,
            user.id,
            reminder,
            (&token_hash(&token), INVITE_TTL_MS),
            &mail,
            now,
        )
        .await?;
    if outcome == RemindOutcome::Sent {
        crate::outbox::written(state, &mail);
    }
    Ok(outcome)
}

/// A new invitation link (the raw token) and the e-mail that carries it.
async fn invitation(
    state: &AppState,
    user: &User,
    inviter: &str,
    lang: Lang,
) -> AppResult<(String, Effects)> {
    let token = random_token();
    let org = state
        .db
        .organization(user.org_id)
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let link = format!("{}/invite/{token}", state.config.base_url);
    let args = [
        ("org", FluentValue::from(org)),
        ("inviter", FluentValue::from(inviter.to_string())),
        ("link", FluentValue::from(link)),
    ];
    let mail = Effects::mail(
        &user.email,
        tr_args(lang, "mail-invite-subject", &args),
        tr_args(lang, "mail-invite-body", &args),
    );
    Ok((token, mail))
}

/// An organization manager invites someone by e-mail: creates the invited account and mails the link.
pub async fn invite(
    state: &AppState,
    auth: &Auth,
    email: &str,
    display_name: &str,
    lang: Lang,
) -> AppResult<User> {
    crate::auth::Manager::of(auth)?;
    let mut e = Errors::default();
    let email = e.check(validate::email("email", email));
    let name = e.check(validate::optional("display_name", display_name, NAME_MAX));
    e.into_result()?;
    let email = email.unwrap_or_default();
    let display_name = name
        .flatten()
        .unwrap_or_else(|| email.split('@').next().unwrap_or_default().to_string());
    let id = state
        .db
        .create_member(&NewMember {
            org_id: auth.user.org_id,
            email,
            display_name,
            password_hash: None,
            org_role: OrgRole::Member,
            status: UserStatus::Invited,
        })
        .await?;
    let user = state.db.user(id).await?.ok_or(AppError::NotFound)?;
    let scope = embarq_store::RuleScope::Person(user.id);
    super::membership_rules::follow_directory(state, user.org_id, scope).await;
    let mut invited = super::webhooks::member_event(&user, "member.invited");
    invited.extend(super::admin_audit::by(
        auth,
        "member.invite",
        "user",
        Some(user.id.into()),
        serde_json::json!({"name": user.display_name, "email": user.email}),
    ));
    send_invitation(state, &user, &auth.user.display_name, lang, invited).await?;
    Ok(user)
}

/// Mails a reset link if the address belongs to an account; answers the same either way.
pub async fn request_password_reset(state: &AppState, email: &str, lang: Lang) -> AppResult<()> {
    let Ok(email) = validate::email("email", email) else {
        return Ok(());
    };
    if let Some(u) = state.db.user_by_email(&email).await?
        && u.status != UserStatus::Deactivated
    {
        // The page answers the same for every address; the mail says to use SSO instead.
        if super::oidc::password_refused(state, &u).await? {
            let org = state
                .db
                .organization(u.org_id)
                .await?
                .map(|o| o.name)
                .unwrap_or_default();
            let args = [
                ("org", FluentValue::from(org)),
                (
                    "link",
                    FluentValue::from(format!("{}/login", state.config.base_url)),
                ),
            ];
            crate::outbox::write(
                state,
                &Effects::mail(
                    &u.email,
                    tr(lang, "mail-reset-sso-subject"),
                    tr_args(lang, "mail-reset-sso-body", &args),
                ),
            )
            .await?;
            return Ok(());
        }
        let token = random_token();
        let link = format!("{}/reset/{token}", state.config.base_url);
        let args = [("link", FluentValue::from(link))];
        let mail = Effects::mail(
            &u.email,
            tr(lang, "mail-reset-subject"),
            tr_args(lang, "mail-reset-body", &args),
        );
        state
            .db
            .create_one_time_token(&token_hash(&token), u.id, RESET, RESET_TTL_MS, &mail)
            .await?;
        crate::outbox::written(state, &mail);
    }
    Ok(())
}

/// Whether a one-time link is still usable (to show the form or an "expired" page).
pub async fn token_valid(state: &AppState, token: &str, purpose: &str) -> AppResult<bool> {
    Ok(state
        .db
        .peek_one_time_token(&token_hash(token), purpose)
        .await?
        .is_some())
}

/// Sets a password from an invitation or reset link; opens a session.
pub async fn redeem(
    state: &AppState,
    token: &str,
    purpose: &str,
    password: &str,
    confirm: &str,
    length: SessionFor,
) -> AppResult<Session> {
    validate::password("password", password)?;
    if password != confirm {
        return Err(validate::FieldError::new("confirm", "mismatch").into());
    }
    // The rollout gate is checked before the link is used, so it still works once access opens.
    let mut activated = Effects::default();
    if let Some(uid) = state
        .db
        .peek_one_time_token(&token_hash(token), purpose)
        .await?
        && let Some(u) = state.db.user(uid).await?
    {
        if super::oidc::password_refused(state, &u).await? {
            return Err(AppError::Refused(super::oidc::SSO_REQUIRED));
        }
        super::rollout::ensure_access_open(state, &u).await?;
        if purpose == INVITE {
            activated = super::webhooks::member_event(&u, "member.activated");
        }
    }
    let hash = hash_password(password.to_string()).await?;
    let uid = state
        .db
        .redeem_token_set_password(&token_hash(token), purpose, &hash, &activated)
        .await?
        .ok_or(AppError::Refused("link_expired"))?;
    crate::outbox::written(state, &activated);
    open_session(state, uid, length).await
}

/// Creates a personal access token; the secret is shown once.
pub async fn create_api_token(
    state: &AppState,
    auth: &Auth,
    name: &str,
) -> AppResult<(ApiToken, String)> {
    let name = validate::required("name", name, NAME_MAX)?;
    let secret = format!("emb_{}", auth::random_token());
    let id = embarq_domain::new_id();
    let audit = super::admin_audit::by(
        auth,
        "token.create",
        "api_token",
        Some(id),
        serde_json::json!({"name": name}),
    );
    let t = state
        .db
        .create_api_token(id, auth.user.id, &name, &token_hash(&secret), &audit)
        .await?;
    Ok((t, secret))
}

/// Revokes one of the signed-in person's API tokens; `false` when it is not theirs.
pub async fn revoke_api_token(state: &AppState, auth: &Auth, id: Id) -> AppResult<bool> {
    let audit = super::admin_audit::by(
        auth,
        "token.revoke",
        "api_token",
        Some(id),
        serde_json::json!({}),
    );
    Ok(state.db.delete_api_token(auth.user.id, id, &audit).await?)
}
