//! Getting in without a browser: first-run setup, signing in and out, accepting an
//! invitation. Each answers a session whose token works as `Authorization: Bearer`, so a
//! script never scrapes a form. These requests carry no credentials yet, so they need no
//! CSRF token when sent as JSON (a cross-site form cannot send JSON without a preflight,
//! which embarq never grants).
use super::docs::{Conflict, Invalid, Name, Unauthorized};
use super::dto::MemberDto;
use super::extract::{ApiAuth, ApiJson};
use crate::auth::ClientIp;
use crate::error::{ApiResult, AppError};
use crate::service::accounts::{self, Session, SessionFor};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(setup))
        .routes(routes!(sign_in))
        .routes(routes!(sign_out))
        .routes(routes!(accept_invitation))
}

/// A session just opened.
#[derive(Serialize, ToSchema)]
pub struct SessionDto {
    /// Send as `Authorization: Bearer <token>` (or as the `embarq_session` cookie).
    token: String,
    /// Always `Bearer`.
    token_type: &'static str,
    /// Only for the cookie: send it as `X-CSRF-Token` with every change. Bearer requests need
    /// no CSRF token.
    csrf_token: String,
    /// When the session ends (12 hours after signing in over the API).
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    expires_at: i64,
    /// Who signed in.
    user: MemberDto,
}

async fn answer(state: &AppState, s: Session) -> ApiResult<(StatusCode, Json<SessionDto>)> {
    let user = state.db.user(s.user_id).await?.ok_or(AppError::NotFound)?;
    Ok((
        StatusCode::CREATED,
        Json(SessionDto {
            token: s.token,
            token_type: "Bearer",
            csrf_token: s.csrf_token,
            expires_at: s.expires_at,
            user: user.into(),
        }),
    ))
}

#[derive(Deserialize, ToSchema)]
pub struct SetupBody {
    /// The organization's name.
    #[serde(default)]
    #[schema(value_type = Name, inline, required = true)]
    org_name: String,
    /// The first organization manager's name.
    #[serde(default)]
    #[schema(value_type = Name, inline, required = true)]
    display_name: String,
    #[serde(default)]
    #[schema(
        required = true,
        max_length = 254,
        example = "claire.martin@example.com"
    )]
    email: String,
    /// At least 10 characters.
    #[serde(default)]
    #[schema(required = true, min_length = 10, max_length = 1024)]
    password: String,
}

/// First-run setup: creates the organization and its first manager, then signs them in.
/// Works only on an empty server; afterwards it answers 409 `already_set_up`.
#[utoipa::path(post, path = "/setup", tag = "account", request_body = SetupBody, security(()),
    responses((status = 201, description = "Set up and signed in", body = SessionDto), Conflict, Invalid))]
async fn setup(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(b): ApiJson<SetupBody>,
) -> ApiResult<(StatusCode, Json<SessionDto>)> {
    let input = accounts::SetupInput {
        org_name: b.org_name,
        display_name: b.display_name,
        email: b.email.clone(),
        password: b.password.clone(),
    };
    match accounts::setup(&state, &input).await {
        Err(AppError::Refused("already_set_up")) => {
            return Err(AppError::Conflict("already_set_up").into());
        }
        other => other?,
    };
    let s = accounts::sign_in(&state, &b.email, &b.password, client, SessionFor::Api).await?;
    answer(&state, s).await
}

#[derive(Deserialize, ToSchema)]
pub struct SignInBody {
    #[serde(default)]
    #[schema(required = true, max_length = 254)]
    email: String,
    #[serde(default)]
    #[schema(required = true, max_length = 1024)]
    password: String,
}

/// Signs in with an e-mail address and password. Throttled like the sign-in page: repeated
/// failures from one client answer 429. Refusals: 422 `bad_credentials`, `sso_required`
/// (the organization signs in with its identity provider), `access_not_open` (before the
/// person's early access or launch).
#[utoipa::path(post, path = "/sessions", tag = "account", request_body = SignInBody, security(()),
    responses((status = 201, description = "Signed in", body = SessionDto), Invalid,
        (status = 429, description = "Too many attempts; wait and try again", body = crate::error::Problem, content_type = "application/problem+json")))]
async fn sign_in(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    ApiJson(b): ApiJson<SignInBody>,
) -> ApiResult<(StatusCode, Json<SessionDto>)> {
    let s = accounts::sign_in(&state, &b.email, &b.password, client, SessionFor::Api).await?;
    answer(&state, s).await
}

/// Signs out: ends the session that authenticates this request. A personal access token
/// is revoked with `DELETE /tokens/{id}` instead (422 `not_a_session`).
#[utoipa::path(delete, path = "/sessions/current", tag = "account",
    responses((status = 204, description = "Signed out"), Unauthorized, Invalid))]
async fn sign_out(State(state): State<AppState>, ApiAuth(auth): ApiAuth) -> ApiResult<StatusCode> {
    if auth.session_hash.is_none() {
        return Err(AppError::Refused("not_a_session").into());
    }
    accounts::sign_out(&state, &auth).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, ToSchema)]
pub struct AcceptInvitationBody {
    /// The secret of the invitation link (the last part of `/invite/{token}`).
    #[serde(default)]
    #[schema(required = true, max_length = 128)]
    token: String,
    /// The password to set, at least 10 characters.
    #[serde(default)]
    #[schema(required = true, min_length = 10, max_length = 1024)]
    password: String,
}

/// Accepts an invitation: sets the person's password from the invitation link's secret and
/// signs them in. 422 `link_expired` for a used or expired link, `access_not_open` before
/// their access opens (the link keeps working afterwards).
#[utoipa::path(post, path = "/invitations/accept", tag = "account", request_body = AcceptInvitationBody, security(()),
    responses((status = 201, description = "Activated and signed in", body = SessionDto), Invalid))]
async fn accept_invitation(
    State(state): State<AppState>,
    ApiJson(b): ApiJson<AcceptInvitationBody>,
) -> ApiResult<(StatusCode, Json<SessionDto>)> {
    let s = accounts::redeem(
        &state,
        &b.token,
        accounts::INVITE,
        &b.password,
        &b.password,
        SessionFor::Api,
    )
    .await?;
    answer(&state, s).await
}
