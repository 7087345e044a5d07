//! The organization directory: profiles, invitations, roles, deactivation and the CSV import.
use super::docs::{
    Conflict, Email, Forbidden, Invalid, NotFound, OptName, OrgRoleName, Unauthorized,
};
use super::dto::{ImportIssueDto, ImportReportDto, MemberDto, MemberPageDto, list};
use super::extract::{ApiAuth, ApiBytes, ApiJson, ApiPath, ApiQuery};
use crate::error::{ApiResult, AppError};
use crate::i18n::Lang;
use crate::service::accounts;
use crate::service::members::{self, ImportOptions, ImportResult};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::csv_import::FileError;
use embarq_domain::validate::FieldError;
use embarq_domain::{OrgRole, UserId};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_members))
        .routes(routes!(get_member))
        .routes(routes!(invite_member))
        .routes(routes!(set_member_role))
        .routes(routes!(deactivate_member))
        .routes(routes!(reactivate_member))
        .routes(routes!(resend_invitation))
        .routes(routes!(import_members))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DirectoryQuery {
    /// Matches name, e-mail, department, site or title.
    q: Option<String>,
    /// Page number, from 0.
    #[param(minimum = 0)]
    page: Option<i64>,
}

/// Members of the organization, by name (managers also see deactivated accounts).
#[utoipa::path(get, path = "/members", tag = "members", params(DirectoryQuery),
    responses((status = 200, description = "A page of members", body = MemberPageDto), Unauthorized, Invalid))]
async fn list_members(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiQuery(query): ApiQuery<DirectoryQuery>,
) -> ApiResult<Json<MemberPageDto>> {
    let page = query.page.unwrap_or(0);
    if page < 0 {
        return Err(FieldError::new("page", "out_of_range").into());
    }
    let items = members::directory(&state, &auth, query.q.as_deref(), page).await?;
    Ok(Json(MemberPageDto {
        items: list(items),
        page,
        page_size: members::PAGE,
    }))
}

/// One member of the organization.
#[utoipa::path(get, path = "/members/{id}", tag = "members", params(("id" = uuid::Uuid, Path, description = "Member id")),
    responses((status = 200, description = "The member", body = MemberDto), Unauthorized, NotFound))]
async fn get_member(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<Json<MemberDto>> {
    Ok(Json(members::profile(&state, &auth, id).await?.into()))
}

#[derive(Deserialize, ToSchema)]
pub struct NewInvitation {
    #[serde(default)]
    #[schema(value_type = Email, inline, required = true)]
    email: String,
    /// Defaults to the local part of the e-mail address.
    #[serde(default)]
    #[schema(value_type = OptName, inline)]
    display_name: String,
}

/// Invites someone by e-mail (organization managers): creates the account and mails a link.
#[utoipa::path(post, path = "/members/invitations", tag = "members", request_body = NewInvitation,
    responses((status = 201, description = "The invited account (status `invited`)", body = MemberDto), Unauthorized, Forbidden, Conflict, Invalid))]
async fn invite_member(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    lang: Lang,
    ApiJson(body): ApiJson<NewInvitation>,
) -> ApiResult<(StatusCode, Json<MemberDto>)> {
    let user = accounts::invite(&state, &auth, &body.email, &body.display_name, lang).await?;
    Ok((StatusCode::CREATED, Json(user.into())))
}

#[derive(Deserialize, ToSchema)]
pub struct OrgRoleInput {
    #[serde(default)]
    #[schema(value_type = OrgRoleName, required = true)]
    role: String,
}

/// Changes a member's organization role (managers); the last manager stays a manager.
#[utoipa::path(post, path = "/members/{id}/role", tag = "members", params(("id" = uuid::Uuid, Path, description = "Member id")),
    request_body = OrgRoleInput,
    responses((status = 204, description = "Role changed"), Unauthorized, Forbidden, NotFound, Invalid))]
async fn set_member_role(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<UserId>,
    ApiJson(body): ApiJson<OrgRoleInput>,
) -> ApiResult<StatusCode> {
    let role = OrgRole::parse(body.role.trim())
        .ok_or_else(|| AppError::from(FieldError::new("role", "invalid_choice")))?;
    members::set_org_role(&state, &auth, id, role).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Deactivates an account (managers): it can no longer sign in, its sessions and tokens end.
#[utoipa::path(post, path = "/members/{id}/deactivate", tag = "members", params(("id" = uuid::Uuid, Path, description = "Member id")),
    responses((status = 204, description = "Deactivated"), Unauthorized, Forbidden, NotFound, Invalid))]
async fn deactivate_member(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<StatusCode> {
    members::set_active(&state, &auth, id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Reactivates an account (managers).
#[utoipa::path(post, path = "/members/{id}/reactivate", tag = "members", params(("id" = uuid::Uuid, Path, description = "Member id")),
    responses((status = 204, description = "Reactivated"), Unauthorized, Forbidden, NotFound, Invalid))]
async fn reactivate_member(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<StatusCode> {
    members::set_active(&state, &auth, id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sends the invitation again, with a fresh link, to a member who has not signed in yet
/// (managers); audited.
#[utoipa::path(post, path = "/members/{id}/invitation", tag = "members", params(("id" = uuid::Uuid, Path, description = "Member id")),
    responses((status = 204, description = "Invitation sent again"), Unauthorized, Forbidden, NotFound, Invalid))]
async fn resend_invitation(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    lang: Lang,
    ApiPath(id): ApiPath<UserId>,
) -> ApiResult<StatusCode> {
    members::resend_invitation(&state, &auth, id, lang).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn yes() -> bool {
    true
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Only report what would change (default true).
    #[serde(default = "yes")]
    #[param(default = true)]
    dry_run: bool,
    /// Deactivate members absent from the file (never managers, never the caller).
    #[serde(default)]
    deactivate_missing: bool,
    /// Mail an invitation to each created member.
    #[serde(default)]
    send_invitations: bool,
}

/// The stable code of a file that cannot be imported at all.
fn file_error_code(e: &FileError) -> &'static str {
    match e {
        FileError::Empty => "empty",
        FileError::NotUtf8 => "not_utf8",
        FileError::NoEmailColumn => "no_email_column",
        FileError::Malformed(_) => "malformed",
    }
}

/// Imports the HR directory from CSV (managers).
///
/// Columns by header name, in any order: email (required), first_name, last_name, department,
/// site, birth_year, level, manager_email, title, employee_id; `,` or `;` separated, UTF-8.
/// Members are matched by e-mail. A dry run writes nothing; a real run writes the valid rows in
/// one transaction and reports the bad ones by line. A file that cannot be read at all answers
/// 422 with `code` `empty`, `not_utf8`, `no_email_column` or `malformed`.
#[utoipa::path(post, path = "/members/import", tag = "members", params(ImportQuery),
    request_body(content = String, content_type = "text/csv", description = "The CSV file"),
    responses((status = 200, description = "The import report", body = ImportReportDto), Unauthorized, Forbidden, Invalid))]
async fn import_members(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    lang: Lang,
    ApiQuery(query): ApiQuery<ImportQuery>,
    ApiBytes(body): ApiBytes,
) -> ApiResult<Json<ImportReportDto>> {
    let opts = ImportOptions {
        dry_run: query.dry_run,
        deactivate_missing: query.deactivate_missing,
        send_invitations: query.send_invitations,
        via: "api",
        file_name: None,
    };
    match members::import(&state, &auth, &body, &opts, lang).await? {
        ImportResult::FileError(e) => Err(AppError::Refused(file_error_code(&e)).into()),
        ImportResult::Done {
            outcome,
            parse_errors,
            rows,
        } => {
            let plan = outcome.plan;
            let mut errors: Vec<ImportIssueDto> = list(parse_errors);
            errors.extend(plan.errors.into_iter().map(ImportIssueDto::from));
            errors.sort_by_key(|e| e.line);
            Ok(Json(ImportReportDto {
                dry_run: opts.dry_run,
                rows,
                create: plan.create,
                update: plan.update,
                unchanged: plan.unchanged,
                deactivate: plan.deactivate,
                errors,
                warnings: list(plan.warnings),
            }))
        }
    }
}
