//! Private messages.
use super::{Page, PathId, St, redirect_to_or_again, render, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::service::{mentions, messages};
use crate::state::AppState;

use crate::state::WebState;
use askama::Template;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::{Id, UserId, parse_as};
use embarq_store::{ConversationSummary, Message};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/messages", get(list).post(start_with_ids))
        .route("/messages/new", post(start_with_people))
        .route("/messages/{id}", get(show).post(send))
        .route("/messages/{id}/items", get(items))
}

#[derive(Template)]
#[template(path = "messages.html")]
struct ListPage {
    p: Page,
    conversations: Vec<ConversationSummary>,
}

async fn list(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    list_page(&state, lang, &csrf, &auth, None).await
}

async fn list_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    error: Option<AppError>,
) -> AppResult<Response> {
    let conversations = state.db.conversations_of(auth.user.id).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "messages-title").await;
    let status = p.show_error(error.as_ref());
    Ok(render_status(status, &ListPage { p, conversations }))
}

#[derive(Deserialize)]
struct IdsForm {
    #[serde(default)]
    members: String,
}

async fn start_with_ids(state: St, auth: Auth, Form(f): Form<IdsForm>) -> AppResult<Response> {
    let ids: Vec<UserId> = f
        .members
        .split(',')
        .filter_map(|s| parse_as(s.trim()))
        .collect();
    let id = messages::start(&state, &auth, &ids).await?;
    Ok(see_other(&format!("/messages/{id}")))
}

/// The new-conversation form: people chosen from the suggestions (`member=<id>`, repeated)
/// and, without JavaScript, typed addresses (`emails`). A refusal shows the form again.
async fn start_with_people(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let chosen: Vec<UserId> = f
        .iter()
        .filter(|(k, _)| k == "member")
        .filter_map(|(_, v)| parse_as(v))
        .collect();
    let typed = f
        .iter()
        .find(|(k, _)| k == "emails")
        .map_or("", |(_, v)| v.as_str());
    let r = match mentions::by_addresses(&state, auth.user.org_id, "members", typed).await {
        Ok(more) => messages::start(&state, &auth, &[chosen, more].concat()).await,
        Err(e) => Err(e),
    };
    redirect_to_or_again(
        r,
        |id| format!("/messages/{id}"),
        async |e| list_page(&state, lang, &csrf, &auth, Some(e)).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "conversation.html")]
struct ConversationPage {
    p: Page,
    id: Id,
    others: String,
    messages: Vec<Message>,
}

#[derive(Template)]
#[template(path = "message_items.html")]
struct MessageItems {
    p: Page,
    messages: Vec<Message>,
}

async fn show(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let messages = messages::read(&state, &auth, id).await?;
    let others = state
        .db
        .conversations_of(auth.user.id)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .map(|c| c.others)
        .unwrap_or_default();
    let p = Page::new(&state, lang, &csrf, Some(&auth), "messages-title").await;
    Ok(render(&ConversationPage {
        p,
        id,
        others,
        messages,
    }))
}

async fn items(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let messages = messages::read(&state, &auth, id).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "messages-title").await;
    Ok(render(&MessageItems { p, messages }))
}

#[derive(Deserialize)]
struct BodyForm {
    #[serde(default)]
    body: String,
}

async fn send(
    state: St,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<BodyForm>,
) -> AppResult<Response> {
    messages::send(&state, &auth, id, &f.body).await?;
    Ok(see_other(&format!("/messages/{id}")))
}
