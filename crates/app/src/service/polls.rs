//! Polls inside publications: validation, votes until closing, results. Whoever may read
//! the publication sees the results; whoever may post in its sphere votes. An anonymous
//! poll's results never name anyone (the store does not even know who chose what).
use super::spheres;
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use embarq_domain::polls::{self as rules, PollDraft};
use embarq_domain::{Id, PostStatus, UserId, policy};
use embarq_store::{Effects, NewLive, Poll, PollOption, Post, VoteOutcome, now_ms};

/// A poll as the composer or the API gives it.
#[derive(Debug, Clone, Default)]
pub struct PollInput {
    pub question: String,
    pub options: Vec<String>,
    pub multiple: bool,
    pub anonymous: bool,
    /// Epoch milliseconds; `None`: open until closed by hand.
    pub closes_at: Option<i64>,
}

/// Validates a poll at the present time.
pub fn draft(input: &PollInput) -> AppResult<PollDraft> {
    Ok(rules::draft(
        &input.question,
        &input.options,
        input.multiple,
        input.anonymous,
        input.closes_at,
        now_ms(),
    )?)
}

/// The short line added under the publication's text, so feeds show there is a poll.
pub fn teaser_html(question: &str) -> String {
    let escaped = question
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;");
    format!("<p class=\"poll-teaser\">📊 <strong>{escaped}</strong></p>")
}

pub struct OptionResult {
    pub option: PollOption,
    pub percent: f64,
    /// Who chose it: named polls only, always empty for anonymous ones.
    pub voters: Vec<(UserId, String)>,
}

pub struct Results {
    pub poll: Poll,
    pub post_id: Id,
    pub options: Vec<OptionResult>,
    pub voters: i64,
    pub open: bool,
    pub voted: bool,
    /// The viewer's choices (named polls only).
    pub my_choices: Vec<Id>,
    pub can_vote: bool,
    pub can_close: bool,
}

impl Results {
    pub fn chose(&self, option: impl std::borrow::Borrow<Id>) -> bool {
        self.my_choices.contains(option.borrow())
    }
}

async fn results_of(
    state: &AppState,
    auth: &Auth,
    poll: Poll,
    post: &Post,
    access: policy::SphereAccess,
) -> AppResult<Results> {
    let options = state.db.poll_options(poll.id).await?;
    let voters = state.db.poll_voter_count(poll.id).await?;
    let ballots = if poll.anonymous {
        Vec::new()
    } else {
        state.db.poll_ballots(poll.id).await?
    };
    let voted = state.db.has_voted(poll.id, auth.user.id).await?;
    let my_choices = ballots
        .iter()
        .filter(|b| b.user_id == auth.user.id)
        .map(|b| b.option_id)
        .collect();
    let open = rules::is_open(poll.closes_at, now_ms());
    let published = post.status == PostStatus::Published;
    let can_vote = published && open && policy::can_vote(access) && !(poll.anonymous && voted);
    let can_close = open && policy::can_close_poll(post.author_id == auth.user.id, access);
    let options = options
        .into_iter()
        .map(|o| OptionResult {
            percent: rules::percent(o.votes, voters),
            voters: ballots
                .iter()
                .filter(|b| b.option_id == o.id)
                .map(|b| (b.user_id, b.display_name.clone()))
                .collect(),
            option: o,
        })
        .collect();
    Ok(Results {
        post_id: post.id,
        poll,
        options,
        voters,
        open,
        voted,
        my_choices,
        can_vote,
        can_close,
    })
}

/// The poll of a publication the viewer reads, if it has one.
pub async fn for_post(state: &AppState, auth: &Auth, post_id: Id) -> AppResult<Option<Results>> {
    let (post, v) = spheres::readable_post(state, auth, post_id).await?;
    match state.db.poll_of_post(post_id).await? {
        Some(poll) => Ok(Some(
            results_of(state, auth, poll, &post, v.access()).await?,
        )),
        None => Ok(None),
    }
}

/// A poll whose publication the viewer may read (else 404).
pub async fn results(state: &AppState, auth: &Auth, poll_id: Id) -> AppResult<Results> {
    let poll = state.db.poll(poll_id).await?.ok_or(AppError::NotFound)?;
    let (post, v) = spheres::readable_post(state, auth, poll.post_id).await?;
    results_of(state, auth, poll, &post, v.access()).await
}

/// Votes (or changes a named poll's vote) while the poll is open.
pub async fn vote(
    state: &AppState,
    auth: &Auth,
    poll_id: Id,
    choices: &[Id],
) -> AppResult<Results> {
    let poll = state.db.poll(poll_id).await?.ok_or(AppError::NotFound)?;
    let (post, v) = spheres::readable_post(state, auth, poll.post_id).await?;
    v.require(policy::can_vote)?;
    if post.status != PostStatus::Published {
        return Err(AppError::Refused("poll_not_published"));
    }
    let now = now_ms();
    if !rules::is_open(poll.closes_at, now) {
        return Err(AppError::Refused("poll_closed"));
    }
    let known: Vec<Id> = state
        .db
        .poll_options(poll_id)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let chosen = rules::ballot(poll.multiple, &known, choices)?;
    match state
        .db
        .vote(&poll, auth.user.id, &chosen, now, &refresh(&post, poll_id))
        .await?
    {
        VoteOutcome::Recorded => {}
        VoteOutcome::Closed => return Err(AppError::Refused("poll_closed")),
        VoteOutcome::AlreadyVoted => return Err(AppError::Conflict("poll_already_voted")),
    }
    results_of(state, auth, poll, &post, v.access()).await
}

/// Open pages of the poll's sphere refresh its results.
fn refresh(post: &Post, poll_id: Id) -> Effects {
    Effects {
        live: vec![NewLive::sphere(post.sphere_id, "poll", Some(poll_id))],
        ..Effects::default()
    }
}

/// Closes a poll now (its author or the sphere's moderators).
pub async fn close(state: &AppState, auth: &Auth, poll_id: Id) -> AppResult<Results> {
    let poll = state.db.poll(poll_id).await?.ok_or(AppError::NotFound)?;
    let (post, v) = spheres::readable_post(state, auth, poll.post_id).await?;
    if !policy::can_close_poll(post.author_id == auth.user.id, v.access()) {
        return Err(AppError::Forbidden);
    }
    state
        .db
        .close_poll(poll_id, now_ms(), &refresh(&post, poll_id))
        .await?;
    let poll = state.db.poll(poll_id).await?.ok_or(AppError::NotFound)?;
    results_of(state, auth, poll, &post, v.access()).await
}
