//! The suggestions platform: members submit, vote (one vote each, toggled) and comment;
//! managers set the status and the author is notified.
use super::markdown;
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::service::spheres::notice;
use crate::service::starter::curator;
use crate::state::AppState;
use embarq_domain::Id;
use embarq_domain::guidance::{self, SuggestionStatus};
use embarq_domain::validate::{self, COMMENT_MAX, FieldError};
use embarq_store::{Suggestion, SuggestionComment};

/// Notification kind sent to the author when the status changes.
pub const STATUS_NOTIFICATION: &str = "suggestion_status";

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct SuggestionInput {
    #[serde(default)]
    pub title: String,
    /// Markdown, optional.
    #[serde(default)]
    pub body: String,
}

/// Parses the list filters: status (empty: all) and sort (`votes`, default, or `newest`).
pub fn parse_filters(status: &str, sort: &str) -> AppResult<(Option<SuggestionStatus>, bool)> {
    let status = match status.trim() {
        "" => None,
        s => Some(
            SuggestionStatus::parse(s)
                .ok_or(FieldError::new("suggestion_status", "invalid_choice"))?,
        ),
    };
    let by_votes = match sort.trim() {
        "" | "votes" => true,
        "newest" => false,
        _ => return Err(FieldError::new("sort", "invalid_choice").into()),
    };
    Ok((status, by_votes))
}

pub async fn list(
    state: &AppState,
    auth: &Auth,
    status: Option<SuggestionStatus>,
    by_votes: bool,
) -> AppResult<Vec<Suggestion>> {
    Ok(state
        .db
        .suggestions(
            auth.user.org_id,
            auth.user.id,
            status.map(|s| s.as_str()),
            by_votes,
        )
        .await?)
}

pub async fn get(state: &AppState, auth: &Auth, id: Id) -> AppResult<Suggestion> {
    state
        .db
        .suggestion(auth.user.org_id, auth.user.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn thread(
    state: &AppState,
    auth: &Auth,
    id: Id,
) -> AppResult<(Suggestion, Vec<SuggestionComment>)> {
    let s = get(state, auth, id).await?;
    Ok((s, state.db.suggestion_comments(id).await?))
}

pub async fn create(state: &AppState, auth: &Auth, i: &SuggestionInput) -> AppResult<Suggestion> {
    let (title, body) = guidance::suggestion(&i.title, &i.body)?;
    let html = markdown::render("body", &body).await?;
    let id = embarq_domain::new_id();
    let data =
        serde_json::json!({"suggestion": {"id": id, "title": title, "author_id": auth.user.id}});
    let created = embarq_store::Effects::webhook(auth.user.org_id, "suggestion.created", data);
    state
        .db
        .create_suggestion(
            id,
            auth.user.org_id,
            auth.user.id,
            &title,
            (&body, &html),
            &created,
        )
        .await?;
    crate::outbox::written(state, &created);
    get(state, auth, id).await
}

/// Toggles the caller's vote; answers whether they now vote and the new count.
pub async fn vote(state: &AppState, auth: &Auth, id: Id) -> AppResult<(bool, i64)> {
    get(state, auth, id).await?;
    Ok(state.db.toggle_suggestion_vote(id, auth.user.id).await?)
}

pub async fn comment(
    state: &AppState,
    auth: &Auth,
    id: Id,
    body: &str,
) -> AppResult<SuggestionComment> {
    get(state, auth, id).await?;
    let body = validate::required("body", body, COMMENT_MAX)?;
    let cid = state
        .db
        .add_suggestion_comment(
            id,
            auth.user.id,
            &body,
            &markdown::render("body", &body).await?,
        )
        .await?;
    state
        .db
        .suggestion_comments(id)
        .await?
        .into_iter()
        .find(|c| c.id == cid)
        .ok_or(AppError::NotFound)
}

/// Sets the status (managers) and notifies the author when it changes.
pub async fn set_status(
    state: &AppState,
    auth: &Auth,
    id: Id,
    status: &str,
) -> AppResult<Suggestion> {
    let current = get(state, auth, id).await?;
    curator(auth)?;
    let status = SuggestionStatus::parse(status.trim())
        .ok_or(FieldError::new("suggestion_status", "invalid_choice"))?;
    let effects = if current.status != status.as_str() {
        notice(
            state,
            &[current.author_id],
            STATUS_NOTIFICATION,
            auth.user.id,
            None,
            None,
        )
        .await?
    } else {
        Default::default()
    };
    state
        .db
        .set_suggestion_status(auth.user.org_id, id, status.as_str(), &effects)
        .await?;
    crate::outbox::written(state, &effects);
    get(state, auth, id).await
}
