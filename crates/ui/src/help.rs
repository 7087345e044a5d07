//! Help pages: the "Need help" button's target (/help/sphere), the help centre (/help,
//! /help/{id}) and the delegation of the help sphere (/admin/help).
use super::{Page, PathId, St, redirect_to_or_again, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::service::help::{self, ArticleInput};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::Id;
use embarq_domain::{SphereId, UserId};
use embarq_store::{HelpAdmin, HelpArticle};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/help/sphere", get(sphere))
        .route("/help", get(centre).post(create))
        .route("/help/{id}", get(show).post(update))
        .route("/help/{id}/delete", post(delete))
        .route("/admin/help", get(admin))
        .route("/admin/help/admins", post(add_admin))
        .route("/admin/help/admins/{id}/remove", post(remove_admin))
}

/// The "Need help" button: to the help sphere (created if the organization has none).
async fn sphere(state: St, auth: Auth) -> AppResult<Response> {
    let id = help::help_sphere_for(&state, &auth).await?;
    Ok(see_other(&format!("/spheres/{id}")))
}

#[derive(Deserialize, Default)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "help_centre.html")]
struct CentrePage {
    p: Page,
    q: String,
    articles: Vec<HelpArticle>,
    form: ArticleInput,
}

async fn centre_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    q: String,
    form: ArticleInput,
    errors: Option<&AppError>,
) -> AppResult<Response> {
    let articles = help::articles(state, auth, &q).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "help-centre-title").await;
    let status = p.show_error(errors);
    Ok(render_status(
        status,
        &CentrePage {
            p,
            q,
            articles,
            form,
        },
    ))
}

async fn centre(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(q): Query<SearchQuery>,
) -> AppResult<Response> {
    centre_page(
        &state,
        lang,
        &csrf,
        &auth,
        q.q,
        ArticleInput::default(),
        None,
    )
    .await
}

async fn create(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<ArticleInput>,
) -> AppResult<Response> {
    let r = help::create_article(&state, &auth, &f).await;
    redirect_to_or_again(
        r,
        |a| format!("/help/{}", a.id),
        async |e| centre_page(&state, lang, &csrf, &auth, String::new(), f, Some(&e)).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "help_article.html")]
struct ArticlePage {
    p: Page,
    article: HelpArticle,
    form: ArticleInput,
}

async fn article_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: Id,
    form: Option<ArticleInput>,
    errors: Option<&AppError>,
) -> AppResult<Response> {
    let article = help::article(state, auth, id).await?;
    let form = form.unwrap_or(ArticleInput {
        title: article.title.clone(),
        body: article.body_md.clone(),
    });
    let mut p = Page::new(state, lang, csrf, Some(auth), "help-centre-title").await;
    p.title = article.title.clone();
    let status = p.show_error(errors);
    Ok(render_status(status, &ArticlePage { p, article, form }))
}

async fn show(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    article_page(&state, lang, &csrf, &auth, id, None, None).await
}

async fn update(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<ArticleInput>,
) -> AppResult<Response> {
    let r = help::update_article(&state, &auth, id, &f).await;
    redirect_to_or_again(
        r,
        |_| format!("/help/{id}"),
        async |e| article_page(&state, lang, &csrf, &auth, id, Some(f), Some(&e)).await,
    )
    .await
}

async fn delete(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    help::delete_article(&state, &auth, id).await?;
    Ok(see_other("/help"))
}

#[derive(Template)]
#[template(path = "admin_help.html")]
struct AdminPage {
    p: Page,
    sphere: SphereId,
    admins: Vec<HelpAdmin>,
    email: String,
}

async fn admin_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    email: String,
    errors: Option<&AppError>,
) -> AppResult<Response> {
    let (sphere, admins) = help::admins(state, auth).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "help-admin-title").await;
    let status = p.show_error(errors);
    Ok(render_status(
        status,
        &AdminPage {
            p,
            sphere,
            admins,
            email,
        },
    ))
}

async fn admin(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    admin_page(&state, lang, &csrf, &auth, String::new(), None).await
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
}

async fn add_admin(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<EmailForm>,
) -> AppResult<Response> {
    let r = help::add_admin(&state, &auth, &f.email).await;
    redirect_to_or_again(
        r,
        |_| "/admin/help".to_string(),
        async |e| admin_page(&state, lang, &csrf, &auth, f.email, Some(&e)).await,
    )
    .await
}

async fn remove_admin(state: St, auth: Auth, PathId(id): PathId<UserId>) -> AppResult<Response> {
    help::remove_admin(&state, &auth, id).await?;
    Ok(see_other("/admin/help"))
}
