//! The champion's worklist: invited colleagues who have not activated, each with "remind".
use super::{Page, PathId, St, render_status};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::service::nudges;
use crate::state::{AppState, WebState};
use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use embarq_domain::UserId;
use embarq_store::WorklistItem;
use serde::Deserialize;
use std::borrow::Borrow;

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
    total: i64,
    page: i64,
    pages: i64,
    q: String,
}

impl WorklistPage {
    /// This list at `page`, with the same search (`action`: the remind form's own address).
    fn link(&self, base: &str, page: impl Borrow<i64>) -> String {
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        if !self.q.is_empty() {
            url.append_pair("q", &self.q);
        }
        url.append_pair("page", &page.borrow().to_string());
        format!("{base}?{}", url.finish())
    }
}

/// What the page says after an action: its status, a notice or an error's code.
struct Said {
    status: StatusCode,
    notice: Option<String>,
    error: Option<&'static str>,
}

/// The worklist's search and page, also carried by each "remind" so the page comes back as it was.
#[derive(Deserialize, Default)]
struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: Option<i64>,
}

async fn render_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    q: &ListQuery,
    said: Said,
) -> AppResult<Response> {
    let Said {
        status,
        notice,
        error,
    } = said;
    let list = nudges::worklist(state, auth, &q.q, q.page.unwrap_or(1)).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "nudges-worklist-title").await;
    p.notice = notice;
    if let Some(code) = error {
        p = p.with_error_code(code);
    }
    Ok(render_status(
        status,
        &WorklistPage {
            p,
            items: list.items,
            total: list.total,
            page: list.page,
            pages: list.pages,
            q: q.q.trim().to_string(),
        },
    ))
}

async fn page(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let said = Said {
        status: StatusCode::OK,
        notice: None,
        error: None,
    };
    render_page(&state, lang, &csrf, &auth, &q, said).await
}

async fn remind(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<UserId>,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    match nudges::remind(&state, &auth, id).await {
        Ok(()) => {
            let notice = i18n::tr(lang, "nudges-reminded");
            render_page(
                &state,
                lang,
                &csrf,
                &auth,
                &q,
                Said {
                    status: StatusCode::OK,
                    notice: Some(notice),
                    error: None,
                },
            )
            .await
        }
        Err(e @ (AppError::Limited(_) | AppError::Refused(_))) => {
            render_page(
                &state,
                lang,
                &csrf,
                &auth,
                &q,
                Said {
                    status: crate::error::status(&e),
                    notice: None,
                    error: Some(e.code()),
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}
