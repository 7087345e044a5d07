//! The suggestions platform: list, submit, vote, comment, and managers' statuses.
use super::{Page, PathId, St, redirect_to_or_again, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr};
use crate::service::suggestions::{self, SuggestionInput};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::guidance::SuggestionStatus;
use embarq_store::{Suggestion, SuggestionComment};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/suggestions", get(list).post(create))
        .route("/suggestions/{id}", get(show))
        .route("/suggestions/{id}/vote", post(vote))
        .route("/suggestions/{id}/comments", post(comment))
        .route("/suggestions/{id}/status", post(set_status))
}

/// (value, label) of every status.
fn statuses(lang: Lang) -> Vec<(&'static str, String)> {
    SuggestionStatus::ALL
        .iter()
        .map(|s| (s.as_str(), status_label(lang, s.as_str())))
        .collect()
}

fn status_label(lang: Lang, s: &str) -> String {
    tr(lang, &format!("suggestions-status-{}", s.replace('_', "-")))
}

#[derive(Deserialize, Default)]
struct Filters {
    #[serde(default)]
    status: String,
    #[serde(default)]
    sort: String,
}

#[derive(Template)]
#[template(path = "suggestions.html")]
struct ListPage {
    p: Page,
    items: Vec<(Suggestion, String)>,
    statuses: Vec<(&'static str, String)>,
    status: String,
    sort: String,
    form: SuggestionInput,
}

#[allow(clippy::too_many_arguments)]
async fn list_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    f: Filters,
    form: SuggestionInput,
    errors: Option<&AppError>,
) -> AppResult<Response> {
    let (status, by_votes) = suggestions::parse_filters(&f.status, &f.sort)?;
    let items = suggestions::list(state, auth, status, by_votes)
        .await?
        .into_iter()
        .map(|s| {
            let l = status_label(lang, &s.status);
            (s, l)
        })
        .collect();
    let mut p = Page::new(state, lang, csrf, Some(auth), "suggestions-title").await;
    let code = p.show_error(errors);
    Ok(render_status(
        code,
        &ListPage {
            p,
            items,
            statuses: statuses(lang),
            status: status.map(|s| s.as_str().to_string()).unwrap_or_default(),
            sort: if by_votes { "votes" } else { "newest" }.to_string(),
            form,
        },
    ))
}

async fn list(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    list_page(
        &state,
        lang,
        &csrf,
        &auth,
        f,
        SuggestionInput::default(),
        None,
    )
    .await
}

async fn create(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<SuggestionInput>,
) -> AppResult<Response> {
    let r = suggestions::create(&state, &auth, &f).await;
    redirect_to_or_again(
        r,
        |s| format!("/suggestions/{}", s.id),
        async |e| list_page(&state, lang, &csrf, &auth, Filters::default(), f, Some(&e)).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "suggestion.html")]
struct ShowPage {
    p: Page,
    s: Suggestion,
    status_label: String,
    comments: Vec<SuggestionComment>,
    statuses: Vec<(&'static str, String)>,
    body: String,
}

async fn show_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: embarq_domain::Id,
    body: String,
    errors: Option<&AppError>,
) -> AppResult<Response> {
    let (s, comments) = suggestions::thread(state, auth, id).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "suggestions-title").await;
    p.title = s.title.clone();
    let code = p.show_error(errors);
    Ok(render_status(
        code,
        &ShowPage {
            p,
            status_label: status_label(lang, &s.status),
            s,
            comments,
            statuses: statuses(lang),
            body,
        },
    ))
}

async fn show(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    show_page(&state, lang, &csrf, &auth, id, String::new(), None).await
}

async fn vote(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    suggestions::vote(&state, &auth, id).await?;
    Ok(see_other(&format!("/suggestions/{id}")))
}

#[derive(Deserialize)]
struct BodyForm {
    #[serde(default)]
    body: String,
}

async fn comment(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<BodyForm>,
) -> AppResult<Response> {
    let r = suggestions::comment(&state, &auth, id, &f.body).await;
    redirect_to_or_again(
        r,
        |c| format!("/suggestions/{id}#comment-{}", c.id),
        async |e| show_page(&state, lang, &csrf, &auth, id, f.body, Some(&e)).await,
    )
    .await
}

#[derive(Deserialize)]
struct StatusForm {
    #[serde(default)]
    status: String,
}

async fn set_status(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<StatusForm>,
) -> AppResult<Response> {
    let r = suggestions::set_status(&state, &auth, id, &f.status).await;
    redirect_to_or_again(
        r,
        |_| format!("/suggestions/{id}"),
        async |e| show_page(&state, lang, &csrf, &auth, id, String::new(), Some(&e)).await,
    )
    .await
}
