//! Organization management: invitations, roles, deactivation and the directory import.
use super::{Page, PathId, St, render, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::service::{accounts, members};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::extract::Multipart;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::csv_import::RowError;
use embarq_domain::{OrgRole, UserId, validate::FieldError};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/admin/members", get(page))
        .route("/admin/invite", post(invite))
        .route("/admin/import", post(import))
        .route("/admin/members/{id}/role", post(set_role))
        .route("/admin/members/{id}/deactivate", post(deactivate))
        .route("/admin/members/{id}/reactivate", post(reactivate))
        .route("/admin/members/{id}/invite", post(resend))
}

#[derive(Template)]
#[template(path = "admin_members.html")]
struct AdminPage {
    p: Page,
    count: i64,
}

async fn admin_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    notice: Option<String>,
) -> AppResult<Response> {
    let count = members::count(state, auth).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "admin-title").await;
    p.notice = notice;
    Ok(render(&AdminPage { p, count }))
}

async fn page(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    admin_page(&state, lang, &csrf, &auth, None).await
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
}

async fn invite(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<InviteForm>,
) -> AppResult<Response> {
    let u = accounts::invite(&state, &auth, &f.email, &f.display_name, lang).await?;
    let notice = i18n::tr_args(lang, "admin-invited", &[("email", u.email.clone().into())]);
    admin_page(&state, lang, &csrf, &auth, Some(notice)).await
}

#[derive(Template)]
#[template(path = "import_result.html")]
struct ImportPage {
    p: Page,
    dry_run: bool,
    file_error: Option<String>,
    create: Vec<String>,
    update: Vec<String>,
    unchanged: usize,
    deactivate: Vec<String>,
    errors: Vec<(u64, String, String)>,
    warnings: Vec<(u64, String, String)>,
}

fn describe(lang: Lang, errors: &[RowError]) -> Vec<(u64, String, String)> {
    errors
        .iter()
        .map(|e| {
            (
                e.line,
                members::describe_row_error(lang, e),
                e.value.clone().unwrap_or_default(),
            )
        })
        .collect()
}

async fn import(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    mut mp: Multipart,
) -> AppResult<Response> {
    // Refused before the upload is read.
    crate::auth::Manager::of(&auth)?;
    let mut bytes = Vec::new();
    let mut opts = members::ImportOptions {
        dry_run: true,
        deactivate_missing: false,
        send_invitations: false,
        via: "ui",
        file_name: None,
    };
    let bad = |_| AppError::from(FieldError::new("file", "upload_failed"));
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "file" => {
                opts.file_name = field.file_name().map(|n| n.chars().take(200).collect());
                bytes = field.bytes().await.map_err(bad)?.to_vec()
            }
            "mode" => opts.dry_run = field.text().await.map_err(bad)? != "apply",
            "deactivate_missing" => opts.deactivate_missing = true,
            "send_invitations" => opts.send_invitations = true,
            _ => {}
        }
    }
    let result = members::import(&state, &auth, &bytes, &opts, lang).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "admin-import").await;
    let page = match result {
        members::ImportResult::FileError(e) => ImportPage {
            p,
            dry_run: opts.dry_run,
            file_error: Some(i18n::error_message(
                lang,
                &format!("file-{}", file_error_code(&e)),
            )),
            create: vec![],
            update: vec![],
            unchanged: 0,
            deactivate: vec![],
            errors: vec![],
            warnings: vec![],
        },
        members::ImportResult::Done {
            outcome,
            parse_errors,
            ..
        } => {
            let mut errors = parse_errors;
            errors.extend(outcome.plan.errors.iter().cloned());
            errors.sort_by_key(|e| e.line);
            ImportPage {
                dry_run: opts.dry_run,
                file_error: None,
                errors: describe(lang, &errors),
                warnings: describe(lang, &outcome.plan.warnings),
                create: outcome.plan.create,
                update: outcome.plan.update,
                unchanged: outcome.plan.unchanged,
                deactivate: outcome.plan.deactivate,
                p,
            }
        }
    };
    Ok(render(&page))
}

/// Stable code of a file-level import problem.
pub fn file_error_code(e: &embarq_domain::csv_import::FileError) -> &'static str {
    use embarq_domain::csv_import::FileError::*;
    match e {
        Empty => "empty",
        NotUtf8 => "not-utf8",
        NoEmailColumn => "no-email-column",
        Malformed(_) => "malformed",
    }
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn set_role(
    state: St,
    auth: Auth,
    PathId(id): PathId<UserId>,
    Form(f): Form<RoleForm>,
) -> AppResult<Response> {
    let role = OrgRole::parse(&f.role).ok_or(FieldError::new("role", "invalid_choice"))?;
    members::set_org_role(&state, &auth, id, role).await?;
    Ok(see_other(&format!("/people/{id}")))
}

async fn deactivate(state: St, auth: Auth, PathId(id): PathId<UserId>) -> AppResult<Response> {
    members::set_active(&state, &auth, id, false).await?;
    Ok(see_other(&format!("/people/{id}")))
}

async fn reactivate(state: St, auth: Auth, PathId(id): PathId<UserId>) -> AppResult<Response> {
    members::set_active(&state, &auth, id, true).await?;
    Ok(see_other(&format!("/people/{id}")))
}

async fn resend(
    state: St,
    lang: Lang,
    auth: Auth,
    PathId(id): PathId<UserId>,
) -> AppResult<Response> {
    members::resend_invitation(&state, &auth, id, lang).await?;
    Ok(see_other(&format!("/people/{id}?sent=1")))
}
