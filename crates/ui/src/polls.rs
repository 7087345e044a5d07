//! Polls in publications: the composer's poll fields, voting, closing, and the results
//! chart (accessible bars with counts and percentages) refreshed live.
use super::{Page, PathId, St, is_in_place, render, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::service::polls::{self as svc, PollInput, Results};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::recurrence::{local_to_ms, ms_to_local, parse_local};
use embarq_domain::validate::FieldError;
use embarq_domain::{Id, OrgId, parse_id};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/polls/{id}", get(show))
        .route("/polls/{id}/results", get(results))
        .route("/polls/{id}/vote", post(vote))
        .route("/polls/{id}/close", post(close))
}

/// The composer's optional poll. Options are one per line; blank lines are ignored.
#[derive(Deserialize, Default, Debug)]
pub struct PollFields {
    #[serde(default)]
    pub poll_question: String,
    #[serde(default)]
    pub poll_options: String,
    #[serde(default)]
    pub poll_multiple: Option<String>,
    #[serde(default)]
    pub poll_anonymous: Option<String>,
    /// `datetime-local` in the organization's time zone.
    #[serde(default)]
    pub poll_closes_at: String,
}

impl PollFields {
    /// `None` when the poll part was left empty.
    pub async fn input(&self, state: &AppState, org_id: OrgId) -> AppResult<Option<PollInput>> {
        let options: Vec<String> = self
            .poll_options
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| l.trim().to_string())
            .collect();
        if self.poll_question.trim().is_empty() && options.is_empty() {
            return Ok(None);
        }
        let closes_at = match self.poll_closes_at.trim() {
            "" => None,
            v => {
                let local = parse_local(v)
                    .ok_or(FieldError::new("poll_closes_at", "poll_invalid_date_time"))?;
                let tz = crate::service::time_zone::org_zone(state, org_id).await?;
                Some(local_to_ms(tz, local))
            }
        };
        Ok(Some(PollInput {
            question: self.poll_question.clone(),
            options,
            multiple: self.poll_multiple.is_some(),
            anonymous: self.poll_anonymous.is_some(),
            closes_at,
        }))
    }
}

/// A poll with what the page needs to show it.
pub struct PollView {
    pub r: Results,
    /// Closing time in the organization's zone, as read by people.
    pub closes: Option<String>,
    /// "3 voters".
    pub voters_label: String,
}

pub async fn view(state: &AppState, lang: Lang, org_id: OrgId, r: Results) -> AppResult<PollView> {
    let voters_label = crate::i18n::tr_args(
        lang,
        "poll-voter-count",
        &[(
            "n",
            fluent_templates::fluent_bundle::FluentValue::from(r.voters),
        )],
    );
    let closes = match r.poll.closes_at {
        Some(ms) => {
            let tz = crate::service::time_zone::org_zone(state, org_id).await?;
            Some(format!(
                "{} ({})",
                ms_to_local(tz, ms).format("%Y-%m-%d %H:%M"),
                tz.name()
            ))
        }
        None => None,
    };
    Ok(PollView {
        r,
        closes,
        voters_label,
    })
}

#[derive(Template)]
#[template(path = "poll.html")]
struct PollFragment {
    p: Page,
    poll: PollView,
}

#[derive(Template)]
#[template(path = "poll_results.html")]
struct ResultsFragment {
    p: Page,
    poll: PollView,
}

async fn fragment(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    r: Results,
) -> AppResult<Response> {
    let poll = view(state, lang, auth.user.org_id, r).await?;
    let p = Page::new(state, lang, csrf, Some(auth), "poll-title").await;
    Ok(render(&PollFragment { p, poll }))
}

async fn show(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let r = svc::results(&state, &auth, id).await?;
    fragment(&state, lang, &csrf, &auth, r).await
}

async fn results(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let r = svc::results(&state, &auth, id).await?;
    let poll = view(&state, lang, auth.user.org_id, r).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "poll-title").await;
    Ok(render(&ResultsFragment { p, poll }))
}

async fn vote(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    headers: HeaderMap,
    PathId(id): PathId,
    Form(f): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let choices: Vec<Id> = f
        .iter()
        .filter(|(k, _)| k == "choice")
        .map(|(_, v)| parse_id(v).ok_or(FieldError::new("poll_choices", "poll_unknown_option")))
        .collect::<Result<_, _>>()?;
    let r = svc::vote(&state, &auth, id, &choices).await?;
    if is_in_place(&headers) {
        return fragment(&state, lang, &csrf, &auth, r).await;
    }
    Ok(see_other(&format!("/posts/{}#poll-{id}", r.post_id)))
}

async fn close(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    headers: HeaderMap,
    PathId(id): PathId,
) -> AppResult<Response> {
    let r = svc::close(&state, &auth, id).await?;
    if is_in_place(&headers) {
        return fragment(&state, lang, &csrf, &auth, r).await;
    }
    Ok(see_other(&format!("/posts/{}#poll-{id}", r.post_id)))
}

/// The poll of a publication for its page, if any.
pub async fn for_post(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
    post: Id,
) -> AppResult<Option<PollView>> {
    match svc::for_post(state, auth, post).await {
        Ok(Some(r)) => Ok(Some(view(state, lang, auth.user.org_id, r).await?)),
        Ok(None) => Ok(None),
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}
