//! GDPR pages: "Download my data" from /settings, the erasure of a member (with a
//! confirmation page) and the organization's privacy and retention settings.
use super::{Page, PathId, St, render, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::service::gdpr;
use crate::state::{AppState, WebState};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use axum::{Form, Router};
use embarq_domain::UserId;
use embarq_domain::validate::FieldError;
use embarq_store::gdpr::GdprSettings;
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/settings/export", get(export))
        .route("/admin/privacy", get(settings_page).post(save_settings))
        .route("/admin/members/{id}/erase", get(erase_page).post(erase))
}

async fn export(state: St, auth: Auth) -> AppResult<Response> {
    Ok(crate::transfer::send(gdpr::export(&state, &auth).await?))
}

#[derive(Template)]
#[template(path = "gdpr_settings.html")]
struct SettingsPage {
    p: Page,
    erase_mode: String,
    message_days: String,
    notification_days: String,
    deactivated_days: String,
}

fn days(d: Option<i64>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

async fn settings_page(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    let s: GdprSettings = gdpr::settings(&state, &auth).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "gdpr-settings-title").await;
    Ok(render(&SettingsPage {
        p,
        erase_mode: s.erase_mode.as_str().to_string(),
        message_days: days(s.message_days),
        notification_days: days(s.notification_days),
        deactivated_days: days(s.deactivated_days),
    }))
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    erase_mode: String,
    #[serde(default)]
    message_days: String,
    #[serde(default)]
    notification_days: String,
    #[serde(default)]
    deactivated_days: String,
}

async fn save_settings(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<SettingsForm>,
) -> AppResult<Response> {
    let input = gdpr::SettingsInput {
        erase_mode: &f.erase_mode,
        message_days: Some(&f.message_days),
        notification_days: Some(&f.notification_days),
        deactivated_days: Some(&f.deactivated_days),
    };
    let (status, p) = match gdpr::update_settings(&state, &auth, input).await {
        Ok(_) => {
            let mut p = Page::new(&state, lang, &csrf, Some(&auth), "gdpr-settings-title").await;
            p.notice = Some(i18n::tr(lang, "gdpr-settings-saved"));
            (StatusCode::OK, p)
        }
        Err(AppError::Validation(errs)) => {
            let p = Page::new(&state, lang, &csrf, Some(&auth), "gdpr-settings-title")
                .await
                .with_errors(&errs);
            (StatusCode::UNPROCESSABLE_ENTITY, p)
        }
        Err(e) => return Err(e.into()),
    };
    Ok(render_status(
        status,
        &SettingsPage {
            p,
            erase_mode: f.erase_mode,
            message_days: f.message_days,
            notification_days: f.notification_days,
            deactivated_days: f.deactivated_days,
        },
    ))
}

#[derive(Template)]
#[template(path = "gdpr_erase.html")]
struct ErasePage {
    p: Page,
    id: String,
    name: String,
    email: String,
    erase_mode: String,
}

async fn erase_form(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: embarq_domain::UserId,
    errors: Option<Result<Vec<FieldError>, &'static str>>,
) -> AppResult<Response> {
    let (u, s) = gdpr::erase_preview(state, auth, id).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "gdpr-erase-title").await;
    let status = match &errors {
        None => StatusCode::OK,
        Some(Ok(errs)) => {
            p = p.with_errors(errs);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Some(Err(code)) => {
            p = p.with_error_code(code);
            StatusCode::UNPROCESSABLE_ENTITY
        }
    };
    Ok(render_status(
        status,
        &ErasePage {
            p,
            id: u.id.to_string(),
            name: u.display_name,
            email: u.email,
            erase_mode: s.erase_mode.as_str().to_string(),
        },
    ))
}

async fn erase_page(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<UserId>,
) -> AppResult<Response> {
    erase_form(&state, lang, &csrf, &auth, id, None).await
}

#[derive(Deserialize)]
struct EraseForm {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    confirm: String,
}

async fn erase(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<UserId>,
    Form(f): Form<EraseForm>,
) -> AppResult<Response> {
    let mode = match gdpr::parse_mode(Some(&f.mode)) {
        Ok(m) => m,
        Err(AppError::Validation(errs)) => {
            return erase_form(&state, lang, &csrf, &auth, id, Some(Ok(errs))).await;
        }
        Err(e) => return Err(e.into()),
    };
    if f.confirm != "yes" {
        let errs = vec![FieldError::new("confirm", "required")];
        return erase_form(&state, lang, &csrf, &auth, id, Some(Ok(errs))).await;
    }
    match gdpr::erase(&state, &auth, id, mode).await {
        Ok(_) => Ok(see_other("/admin/members?erased=1")),
        Err(AppError::Refused(code)) => {
            erase_form(&state, lang, &csrf, &auth, id, Some(Err(code))).await
        }
        Err(e) => Err(e.into()),
    }
}
