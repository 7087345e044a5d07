//! Private messages.
use super::{Page, PathId, St, render, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::service::messages;
use crate::state::WebState;
use askama::Template;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::{Id, UserId, parse_as, validate};
use embarq_store::{ConversationSummary, Message};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/messages", get(list).post(start_with_ids))
        .route("/messages/new", post(start_with_emails))
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
    let conversations = state.db.conversations_of(auth.user.id).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "messages-title").await;
    Ok(render(&ListPage { p, conversations }))
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

#[derive(Deserialize)]
struct EmailsForm {
    #[serde(default)]
    emails: String,
}

async fn start_with_emails(
    state: St,
    auth: Auth,
    Form(f): Form<EmailsForm>,
) -> AppResult<Response> {
    let mut ids = Vec::new();
    for raw in f
        .emails
        .split([',', ';', ' ', '\n'])
        .filter(|s| !s.trim().is_empty())
    {
        let email = validate::email("members", raw)?;
        let user = state
            .db
            .user_by_email(&email)
            .await?
            .filter(|u| u.org_id == auth.user.org_id)
            .ok_or(validate::FieldError::new("members", "unknown_member"))?;
        ids.push(user.id);
    }
    let id = messages::start(&state, &auth, &ids).await?;
    Ok(see_other(&format!("/messages/{id}")))
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
