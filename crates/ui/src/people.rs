//! The directory and profiles.
use super::{Page, PathId, St, render};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::service::members;
use crate::state::WebState;
use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use embarq_domain::UserId;
use embarq_store::User;
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/people", get(directory))
        .route("/people/{id}", get(profile))
        .route("/people/{id}/photo", get(photo))
}

#[derive(Deserialize)]
struct DirectoryQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    page: i64,
}

#[derive(Template)]
#[template(path = "people.html")]
struct DirectoryPage {
    p: Page,
    q: String,
    people: Vec<User>,
    page: i64,
    page_size: i64,
}

async fn directory(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(q): Query<DirectoryQuery>,
) -> AppResult<Response> {
    let people = members::directory(&state, &auth, Some(&q.q), q.page).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "people-title").await;
    Ok(render(&DirectoryPage {
        p,
        q: q.q,
        people,
        page: q.page.max(0),
        page_size: members::PAGE,
    }))
}

#[derive(Template)]
#[template(path = "profile.html")]
struct ProfilePage {
    p: Page,
    u: User,
    manager: Option<User>,
    is_me: bool,
}

#[derive(Deserialize)]
struct ProfileQuery {
    /// Set after an invitation was sent again (redirect from the administration).
    #[serde(default)]
    sent: Option<String>,
}

async fn profile(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<UserId>,
    Query(q): Query<ProfileQuery>,
) -> AppResult<Response> {
    let u = members::profile(&state, &auth, id).await?;
    let manager = match u.manager_id {
        Some(m) => state.db.user_in_org(auth.user.org_id, m).await?,
        None => None,
    };
    let mut p = Page::new(&state, lang, &csrf, Some(&auth), "people-title").await;
    p.title = u.display_name.clone();
    if q.sent.is_some() && p.is_manager() {
        p.notice = Some(i18n::tr_args(
            lang,
            "admin-invitation-resent",
            &[("email", u.email.clone().into())],
        ));
    }
    Ok(render(&ProfilePage {
        p,
        is_me: u.id == auth.user.id,
        u,
        manager,
    }))
}

async fn photo(state: St, auth: Auth, PathId(id): PathId<UserId>) -> AppResult<Response> {
    let (bytes, content_type) = state
        .db
        .photo(auth.user.org_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=300".to_string()),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response())
}
