//! Private messages between members of one organization.
use super::markdown;
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use embarq_domain::validate::{self, GROUP_MAX, MESSAGE_MAX};
use embarq_domain::{Id, UserId, UserStatus};
use embarq_store::Message;

/// Starts (or reuses, for one-to-one) a conversation with other members of the organization;
/// deactivated accounts are unknown here.
pub async fn start(state: &AppState, auth: &Auth, with: &[UserId]) -> AppResult<Id> {
    let mut members: Vec<UserId> = with
        .iter()
        .copied()
        .filter(|id| *id != auth.user.id)
        .collect();
    members.sort();
    members.dedup();
    if members.is_empty() {
        return Err(validate::FieldError::new("members", "required").into());
    }
    if members.len() > GROUP_MAX {
        return Err(
            validate::FieldError::with_limit("members", "too_many", GROUP_MAX as i64).into(),
        );
    }
    for m in &members {
        state
            .db
            .user_in_org(auth.user.org_id, *m)
            .await?
            .filter(|u| u.status != UserStatus::Deactivated)
            .ok_or(AppError::NotFound)?;
    }
    if let [other] = members[..]
        && let Some(existing) = state.db.direct_conversation(auth.user.id, other).await?
    {
        return Ok(existing);
    }
    members.push(auth.user.id);
    Ok(state
        .db
        .create_conversation(auth.user.org_id, &members)
        .await?)
}

async fn participants(state: &AppState, auth: &Auth, id: Id) -> AppResult<Vec<UserId>> {
    let members = state.db.conversation_member_ids(id).await?;
    if !members.contains(&auth.user.id) {
        return Err(AppError::NotFound);
    }
    Ok(members)
}

pub async fn read(state: &AppState, auth: &Auth, id: Id) -> AppResult<Vec<Message>> {
    participants(state, auth, id).await?;
    let m = state.db.messages(id).await?;
    state.db.mark_conversation_read(id, auth.user.id).await?;
    Ok(m)
}

/// Sends a message and answers it as stored.
pub async fn send(state: &AppState, auth: &Auth, id: Id, body: &str) -> AppResult<Message> {
    let members = participants(state, auth, id).await?;
    let body = validate::required("body", body, MESSAGE_MAX)?;
    let html = markdown::render("body", &body).await?;
    let others: Vec<UserId> = members.into_iter().filter(|m| *m != auth.user.id).collect();
    let effects = embarq_store::Effects {
        live: embarq_store::NewLive::personal(&others, "message", Some(id)),
        ..Default::default()
    };
    state
        .db
        .send_message(id, auth.user.id, (&body, &html), &effects)
        .await
        .map_err(Into::into)
}
