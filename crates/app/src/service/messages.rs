//! Private messages between members of one organization.
use super::markdown;
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr_args};
use crate::state::AppState;
use embarq_domain::validate::{self, GROUP_MAX, MESSAGE_MAX};
use embarq_domain::{Id, UserId, UserStatus};
use embarq_store::{Message, NewNotification};
use fluent_templates::fluent_bundle::FluentValue;

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
    // One unread notification per conversation, however many messages follow it.
    let noticed = state.db.message_notice_holders(id, &others).await?;
    let notices: Vec<NewNotification> = others
        .iter()
        .filter(|u| !noticed.contains(u))
        .map(|u| NewNotification {
            user_id: *u,
            kind: "message",
            actor_id: Some(auth.user.id),
            sphere_id: None,
            post_id: None,
            conversation_id: Some(id),
            link: Some(format!("/messages/{id}")),
        })
        .collect();
    let mut effects = super::notifications::effects(state, notices).await?;
    effects.live.extend(embarq_store::NewLive::personal(
        &others,
        "message",
        Some(id),
    ));
    let message = state
        .db
        .send_message(id, auth.user.id, (&body, &html), &effects)
        .await?;
    // Pushes to the recipients' devices go out now, not at the sender's next round.
    crate::outbox::written(state, &effects);
    super::activity::record(state, auth, embarq_domain::activity::Activity::Messaged).await;
    Ok(message)
}

/// Unread-message e-mails claimed per pass at most (the next pass sends the rest).
const MAIL_BATCH: i64 = 500;

/// Scheduled: e-mails each person whose private messages stayed unread for the delay they
/// chose (15 minutes unless changed; never if they chose so), once per batch of unread
/// messages. Each e-mail is claimed with its record in one transaction: exactly once across
/// processes; reading the conversation first means no e-mail.
pub async fn mail_unread(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let mut sent = 0;
    for u in state.db.due_message_mails(now, MAIL_BATCH).await? {
        let lang = Lang::of(u.locale.as_deref());
        let link = format!("{}/messages/{}", state.config.base_url, u.conversation_id);
        let args = [
            ("count", FluentValue::from(u.unread)),
            ("link", FluentValue::from(link)),
            (
                "manage",
                FluentValue::from(format!("{}/settings/notifications", state.config.base_url)),
            ),
        ];
        let effects = embarq_store::Effects {
            mails: vec![embarq_store::NewMail {
                to: u.email.clone(),
                subject: tr_args(lang, "messages-mail-subject", &args),
                text: tr_args(lang, "messages-mail-body", &args),
                html: None,
            }],
            ..Default::default()
        };
        if state.db.claim_message_mail(&u, &effects).await? {
            crate::outbox::written(state, &effects);
            sent += 1;
        }
    }
    Ok(sent)
}
