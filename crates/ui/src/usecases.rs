//! Use cases: the library (/use-cases) and marking a publication (/posts/{id}/use-case).
use super::{Page, PathId, St, redirect_to_or_again, render, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::service::usecases::{self, TagsInput};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::Id;
use embarq_store::UseCase;
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/use-cases", get(library))
        .route("/posts/{id}/use-case", get(post_page).post(mark))
        .route("/posts/{id}/use-case/delete", post(unmark))
}

#[derive(Deserialize, Default)]
struct Filters {
    #[serde(default)]
    department: String,
    #[serde(default)]
    theme: String,
}

#[derive(Template)]
#[template(path = "use_cases.html")]
struct LibraryPage {
    p: Page,
    items: Vec<UseCase>,
    departments: Vec<String>,
    themes: Vec<String>,
    department: String,
    theme: String,
}

async fn library(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(f): Query<Filters>,
) -> AppResult<Response> {
    let lib = usecases::library(&state, &auth, &f.department, &f.theme).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "usecases-title").await;
    Ok(render(&LibraryPage {
        p,
        items: lib.items,
        departments: lib.departments,
        themes: lib.themes,
        department: f.department.trim().to_string(),
        theme: f.theme.trim().to_string(),
    }))
}

#[derive(Template)]
#[template(path = "post_use_case.html")]
struct PostPage {
    p: Page,
    post_id: Id,
    current: Option<UseCase>,
    can_mark: bool,
    form: TagsInput,
}

async fn render_post(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: Id,
    form: Option<TagsInput>,
    errors: Option<&AppError>,
) -> AppResult<Response> {
    let current = usecases::of_post(state, auth, id).await?;
    let can_mark = usecases::can_mark(state, auth).await?;
    let form = form.unwrap_or_else(|| TagsInput {
        department: current
            .as_ref()
            .and_then(|c| c.department.clone())
            .or_else(|| auth.user.department.clone())
            .unwrap_or_default(),
        theme: current
            .as_ref()
            .and_then(|c| c.theme.clone())
            .unwrap_or_default(),
    });
    let mut p = Page::new(state, lang, csrf, Some(auth), "usecases-post-title").await;
    let status = p.show_error(errors);
    Ok(render_status(
        status,
        &PostPage {
            p,
            post_id: id,
            current,
            can_mark,
            form,
        },
    ))
}

async fn post_page(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    render_post(&state, lang, &csrf, &auth, id, None, None).await
}

async fn mark(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<TagsInput>,
) -> AppResult<Response> {
    let r = usecases::mark(&state, &auth, id, &f).await;
    redirect_to_or_again(
        r,
        |_| format!("/posts/{id}/use-case"),
        async |e| render_post(&state, lang, &csrf, &auth, id, Some(f), Some(&e)).await,
    )
    .await
}

async fn unmark(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    usecases::unmark(&state, &auth, id).await?;
    Ok(see_other(&format!("/posts/{id}/use-case")))
}
