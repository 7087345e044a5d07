//! /admin/scim: SCIM provisioning for organization managers: the base URL to give the
//! identity provider, tokens (the secret shown once with a copy button, list, revoke) and
//! the mapping of SCIM attributes to the directory's site, birth year and level.
use super::{Page, PathId, St, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::service::scim_admin as svc;
use crate::state::{AppState, WebState};
use askama::Template;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::validate::FieldError;
use embarq_store::scim::{ScimSettings, ScimToken};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/admin/scim", get(page))
        .route("/admin/scim/tokens", post(create_token))
        .route("/admin/scim/tokens/{id}/revoke", post(revoke))
        .route("/admin/scim/settings", post(save_settings))
}

#[derive(Template)]
#[template(path = "admin_scim.html")]
struct ScimPage {
    p: Page,
    base_url: String,
    tokens: Vec<ScimToken>,
    /// The new token's secret, shown once.
    secret: Option<String>,
    settings: ScimSettings,
    /// Attribute paths offered as sources of the directory fields.
    sources: Vec<String>,
    /// (form field, label key, current source) of each mapped directory field.
    mappings: Vec<(&'static str, &'static str, String)>,
}

impl ScimPage {
    /// A short label for an attribute path (the URN is long; its schema is named instead).
    fn label(&self, path: &str) -> String {
        match path.rsplit_once(':') {
            Some((urn, attr)) if urn.contains("enterprise") => format!("enterprise: {attr}"),
            Some((urn, attr)) if urn.starts_with("urn:embarq") => format!("embarq: {attr}"),
            _ => path.to_string(),
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    status: StatusCode,
    secret: Option<String>,
    notice: Option<String>,
    errors: &[FieldError],
) -> AppResult<Response> {
    let tokens = svc::tokens(state, auth).await?;
    let settings = svc::settings(state, auth).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "scim-title")
        .await
        .with_errors(errors);
    p.notice = notice;
    Ok(render_status(
        status,
        &ScimPage {
            p,
            base_url: embarq_http::scim::base_url(state),
            tokens,
            secret,
            mappings: vec![
                ("site_source", "scim-map-site", settings.site_source.clone()),
                (
                    "birth_year_source",
                    "scim-map-birth-year",
                    settings.birth_year_source.clone(),
                ),
                (
                    "level_source",
                    "scim-map-level",
                    settings.level_source.clone(),
                ),
            ],
            settings,
            sources: embarq_http::scim::settings_sources(),
        },
    ))
}

async fn page(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    render(&state, lang, &csrf, &auth, StatusCode::OK, None, None, &[]).await
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> &'a str {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

async fn create_token(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    match svc::create_token(&state, &auth, field(&fields, "name")).await {
        Ok((_, secret)) => {
            render(
                &state,
                lang,
                &csrf,
                &auth,
                StatusCode::CREATED,
                Some(secret),
                None,
                &[],
            )
            .await
        }
        Err(AppError::Validation(errs)) => {
            render(
                &state,
                lang,
                &csrf,
                &auth,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                None,
                &errs,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn revoke(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    svc::revoke_token(&state, &auth, id).await?;
    Ok(see_other("/admin/scim"))
}

async fn save_settings(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(fields): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let input = svc::SettingsInput {
        site_source: field(&fields, "site_source"),
        birth_year_source: field(&fields, "birth_year_source"),
        level_source: field(&fields, "level_source"),
        group_kind: field(&fields, "group_kind"),
        send_invitations: field(&fields, "send_invitations") == "on",
    };
    match svc::update_settings(&state, &auth, input).await {
        Ok(_) => {
            let notice = i18n::tr(lang, "scim-settings-saved");
            render(
                &state,
                lang,
                &csrf,
                &auth,
                StatusCode::OK,
                None,
                Some(notice),
                &[],
            )
            .await
        }
        Err(AppError::Validation(errs)) => {
            render(
                &state,
                lang,
                &csrf,
                &auth,
                StatusCode::UNPROCESSABLE_ENTITY,
                None,
                None,
                &errs,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
