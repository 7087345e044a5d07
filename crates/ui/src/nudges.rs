//! The champion's worklist: invited colleagues who have not activated, each with "remind".
use super::{Page, PathId, St, render_status};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::service::nudges;
use crate::state::{AppState, WebState};
use askama::Template;
use axum::Router;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use embarq_domain::UserId;
use embarq_store::WorklistItem;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/champions/worklist", get(page))
        .route("/champions/worklist/{id}/remind", post(remind))
}

#[derive(Template)]
#[template(path = "worklist.html")]
struct WorklistPage {
    p: Page,
    items: Vec<WorklistItem>,
}

async fn render_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    status: StatusCode,
    notice: Option<String>,
    error: Option<&str>,
) -> AppResult<Response> {
    let items = nudges::worklist(state, auth).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "nudges-worklist-title").await;
    p.notice = notice;
    if let Some(code) = error {
        p = p.with_error_code(code);
    }
    Ok(render_status(status, &WorklistPage { p, items }))
}

async fn page(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    render_page(&state, lang, &csrf, &auth, StatusCode::OK, None, None).await
}

async fn remind(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<UserId>,
) -> AppResult<Response> {
    match nudges::remind(&state, &auth, id).await {
        Ok(()) => {
            let notice = i18n::tr(lang, "nudges-reminded");
            render_page(
                &state,
                lang,
                &csrf,
                &auth,
                StatusCode::OK,
                Some(notice),
                None,
            )
            .await
        }
        Err(e @ (AppError::Limited(_) | AppError::Refused(_))) => {
            render_page(
                &state,
                lang,
                &csrf,
                &auth,
                crate::error::status(&e),
                None,
                Some(e.code()),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
