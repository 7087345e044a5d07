//! Contests between sites or departments: created by managers and champions, a live
//! leaderboard for every member, and the winner announced once at the end (jobs task).
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr_args};
use crate::service::spheres::notice;
use crate::state::AppState;
use embarq_domain::adoption::{self, ContestMetric, TeamFigures};
use embarq_domain::moderation::{Category, Channel};
use embarq_domain::validate::{self, FieldError};
use embarq_domain::{Id, PostStatus, markdown, policy, recurrence};
use embarq_store::{Contest, Effects, NewContest, NewPost, TeamCounts};
use fluent_templates::fluent_bundle::FluentValue;
use serde::Serialize;
use std::collections::HashSet;

pub struct ContestInput<'a> {
    pub name: &'a str,
    pub dimension: &'a str,
    pub metric: &'a str,
    pub starts_at: Option<i64>,
    pub ends_at: Option<i64>,
}

/// A team's place on the leaderboard.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Score {
    /// The site or department (`None`: members without one).
    pub team: Option<String>,
    pub headcount: i64,
    pub activated: i64,
    /// Activated during the contest.
    pub activated_during: i64,
    pub contributions: i64,
    /// Activation rate in percent, contributions per member, or activations during the
    /// contest in percent of those who had not come before.
    pub score: f64,
    /// Bar width: the score relative to the leader, percent.
    pub bar: f64,
}

/// Parses a `datetime-local` form value, read in the zone `tz` its author sees times in, to
/// epoch ms.
pub fn parse_local(
    field: &'static str,
    v: &str,
    tz: chrono_tz::Tz,
) -> Result<Option<i64>, FieldError> {
    if v.trim().is_empty() {
        return Ok(None);
    }
    recurrence::parse_local(v)
        .map(|t| Some(recurrence::local_to_ms(tz, t)))
        .ok_or(FieldError::new(field, "contest_invalid_date"))
}

pub async fn create(
    state: &AppState,
    auth: &Auth,
    i: &ContestInput<'_>,
    now: i64,
) -> AppResult<Id> {
    let champion = state.db.is_champion(auth.user.id).await?;
    if !policy::can_create_contest(auth.viewer(), champion) {
        return Err(AppError::Forbidden);
    }
    let mut errors = Vec::new();
    let name = validate::required("contest_name", i.name, validate::NAME_MAX)
        .map_err(|e| errors.push(e))
        .ok();
    if adoption::contest_dimension(i.dimension).is_none() {
        errors.push(FieldError::new("contest_dimension", "invalid_choice"));
    }
    if ContestMetric::parse(i.metric).is_none() {
        errors.push(FieldError::new("contest_metric", "invalid_choice"));
    }
    match (i.starts_at, i.ends_at) {
        (Some(s), Some(e)) => errors.extend(adoption::check_contest_dates(s, e, now)),
        (s, e) => {
            if s.is_none() {
                errors.push(FieldError::new("contest_starts_at", "required"));
            }
            if e.is_none() {
                errors.push(FieldError::new("contest_ends_at", "required"));
            }
        }
    }
    let (Some(name), Some(starts_at), Some(ends_at), true) =
        (name, i.starts_at, i.ends_at, errors.is_empty())
    else {
        return Err(AppError::Validation(errors));
    };
    Ok(state
        .db
        .contest_create(&NewContest {
            org_id: auth.user.org_id,
            name: &name,
            dimension: i.dimension,
            metric: i.metric,
            starts_at,
            ends_at,
            created_by: auth.user.id,
        })
        .await?)
}

pub async fn list(state: &AppState, auth: &Auth) -> AppResult<Vec<Contest>> {
    Ok(state.db.contests(auth.user.org_id).await?)
}

/// Whether the viewer may create contests (for showing the form).
pub async fn may_create(state: &AppState, auth: &Auth) -> AppResult<bool> {
    let champion = state.db.is_champion(auth.user.id).await?;
    Ok(policy::can_create_contest(auth.viewer(), champion))
}

/// The leaderboard at `now` (contributions counted up to the end or now), best first.
pub async fn scores(state: &AppState, c: &Contest, now: i64) -> AppResult<Vec<Score>> {
    let metric = metric_of(c);
    // `now + 1`: what was written this very millisecond counts already.
    let to = (now + 1).min(c.ends_at).max(c.starts_at);
    let teams = state
        .db
        .contest_teams(c.org_id, &c.dimension, c.starts_at, to)
        .await?;
    let mut out: Vec<Score> = teams
        .into_iter()
        .map(|t| Score {
            score: metric.rounded(&figures(&t)),
            team: t.team.filter(|s| !s.trim().is_empty()),
            headcount: t.headcount,
            activated: t.activated,
            activated_during: t.activated_during,
            contributions: t.contributions,
            bar: 0.0,
        })
        .collect();
    // Known teams first, then by score; the unknown stratum never wins.
    out.sort_by(|a, b| {
        a.team
            .is_none()
            .cmp(&b.team.is_none())
            .then(b.score.total_cmp(&a.score))
            .then(a.team.cmp(&b.team))
    });
    let top = out.iter().map(|s| s.score).fold(0.0_f64, f64::max);
    for s in &mut out {
        s.bar = if top > 0.0 {
            (s.score * 1000.0 / top).round() / 10.0
        } else {
            0.0
        };
    }
    Ok(out)
}

fn figures(t: &TeamCounts) -> TeamFigures {
    TeamFigures {
        headcount: t.headcount,
        activated: t.activated,
        activated_during: t.activated_during,
        contributions: t.contributions,
    }
}

fn metric_of(c: &Contest) -> ContestMetric {
    ContestMetric::parse(&c.metric).unwrap_or(ContestMetric::ActivationRate)
}

/// Teams drawn on the history chart: the leaders (a chart of more lines is unreadable; the
/// leaderboard lists everyone).
pub const HISTORY_TEAMS: usize = 8;

/// How the leaderboard moved: the end of each day so far (at most the contest's end) and the
/// score of each of the leading teams at those instants.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct History {
    /// The end of each day of the contest so far (epoch ms).
    pub days: Vec<i64>,
    pub teams: Vec<TeamHistory>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeamHistory {
    pub team: String,
    /// One score per day, as on the leaderboard.
    pub scores: Vec<f64>,
}

/// The leaderboard's history at `now`, for the teams leading it (`scores`, best first).
pub async fn history(
    state: &AppState,
    c: &Contest,
    scores: &[Score],
    now: i64,
) -> AppResult<History> {
    let to = (now + 1).min(c.ends_at);
    if to <= c.starts_at {
        return Ok(History {
            days: Vec::new(),
            teams: Vec::new(),
        });
    }
    let days =
        usize::try_from((to - c.starts_at + adoption::DAY_MS - 1) / adoption::DAY_MS).unwrap_or(0);
    let at_start = state
        .db
        .contest_teams(c.org_id, &c.dimension, c.starts_at, c.starts_at)
        .await?;
    let leading: Vec<(Option<String>, TeamFigures)> = scores
        .iter()
        .filter_map(|s| s.team.clone())
        .take(HISTORY_TEAMS)
        .map(|team| {
            let start = at_start
                .iter()
                .find(|t| t.team.as_ref() == Some(&team))
                .map(figures)
                .unwrap_or_default();
            (Some(team), start)
        })
        .collect();
    let happened = state
        .db
        .contest_days(c.org_id, &c.dimension, c.starts_at, to)
        .await?;
    let teams = adoption::score_history(metric_of(c), &leading, &happened, days)
        .into_iter()
        .filter_map(|(team, scores)| {
            Some(TeamHistory {
                team: team?,
                scores,
            })
        })
        .collect();
    Ok(History {
        days: (1..=days as i64)
            .map(|d| (c.starts_at + d * adoption::DAY_MS).min(to))
            .collect(),
        teams,
    })
}

/// The history as CSV for a spreadsheet: one row per day (its end, RFC 3339), one column per
/// team (names escaped against formulas).
pub fn history_csv(h: &History) -> AppResult<String> {
    let mut w = embarq_domain::csv_export::CsvOut::default();
    let csv_error = |e: csv::Error| AppError::Internal(anyhow::anyhow!("csv: {e}"));
    let mut header = vec!["day_end".to_string()];
    header.extend(h.teams.iter().map(|t| t.team.clone()));
    w.row(header).map_err(csv_error)?;
    for (i, day) in h.days.iter().enumerate() {
        let mut cells = vec![crate::instant::rfc3339(*day)];
        cells.extend(h.teams.iter().map(|t| {
            t.scores
                .get(i)
                .map(|s| format!("{s:.2}"))
                .unwrap_or_default()
        }));
        w.row(cells).map_err(csv_error)?;
    }
    w.finish().map_err(csv_error)
}

pub async fn leaderboard(
    state: &AppState,
    auth: &Auth,
    id: Id,
    now: i64,
) -> AppResult<(Contest, Vec<Score>)> {
    let c = state
        .db
        .contest(auth.user.org_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let s = scores(state, &c, now).await?;
    Ok((c, s))
}

/// Teams named in the results e-mail.
const MAILED_TEAMS: usize = 10;

/// The results e-mailed to every active member who gets announcements by e-mail (the
/// default; "in the app" or "off" opts out): the winner, the standings and a link.
async fn results_mails(
    state: &AppState,
    c: &Contest,
    scores: &[Score],
    audience: &[embarq_domain::UserId],
) -> anyhow::Result<Effects> {
    let metric = metric_of(c);
    let standings = scores
        .iter()
        .filter_map(|s| Some((s.team.as_deref()?, s.score)))
        .take(MAILED_TEAMS)
        .enumerate()
        .map(|(i, (team, score))| format!("{}. {team} — {}", i + 1, metric.score_text(score)))
        .collect::<Vec<_>>()
        .join("\n");
    let winner = scores
        .first()
        .and_then(|s| s.team.clone())
        .unwrap_or_default();
    let link = format!("{}/contests/{}", state.config.base_url, c.id);
    let active: HashSet<_> = audience.iter().collect();
    let no_mail: HashSet<_> = state
        .db
        .category_choices(c.created_by, Category::Announcements.as_str())
        .await?
        .into_iter()
        .filter(|(_, channel)| channel != Channel::Email.as_str())
        .map(|(u, _)| u)
        .collect();
    let mut out = Effects::default();
    for r in state.db.rollout_recipients(c.org_id).await? {
        if !active.contains(&r.id) || no_mail.contains(&r.id) {
            continue;
        }
        let lang = Lang::of(r.locale.as_deref());
        let args = [
            ("name", FluentValue::from(c.name.clone())),
            ("winner", FluentValue::from(winner.clone())),
            ("standings", FluentValue::from(standings.clone())),
            ("link", FluentValue::from(link.clone())),
        ];
        out.extend(Effects::mail(
            &r.email,
            tr_args(lang, "contests-mail-subject", &args),
            tr_args(lang, "contests-mail-body", &args),
        ));
    }
    Ok(out)
}

/// Jobs task: announces the winner of every contest that ended, exactly once (the claim
/// sets `winner_announced_at`): a publication naming the winner, a notification to all and
/// the results by e-mail, written in one transaction.
pub async fn announce_winners(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let claimed = state.db.contest_claim_ended(now).await?;
    let n = claimed.len();
    for c in claimed {
        let s = scores(state, &c, c.ends_at)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let Some(team) = s
            .first()
            .filter(|s| s.team.is_some() && s.score > 0.0)
            .and_then(|s| s.team.clone())
        else {
            continue;
        };
        state.db.contest_set_winner(c.id, &team).await?;
        let Some(sphere) = state.db.contest_announcement_sphere(c.org_id).await? else {
            continue;
        };
        let lang = Lang::default();
        let body = tr_args(
            lang,
            "contests-winner-post",
            &[("name", c.name.clone().into()), ("winner", team.into())],
        );
        let post = embarq_domain::new_id();
        let audience = state.db.contest_audience(c.org_id).await?;
        let mut effects = notice(
            state,
            &audience,
            "contest_won",
            c.created_by,
            Some(sphere),
            Some(post),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        effects.extend(results_mails(state, &c, &s, &audience).await?);
        state
            .db
            .create_post(
                &NewPost {
                    id: post,
                    org_id: c.org_id,
                    sphere_id: sphere,
                    author_id: c.created_by,
                    body_md: &body,
                    body_html: &markdown::render_stored(&body),
                    status: PostStatus::Published,
                },
                &effects,
            )
            .await?;
        crate::outbox::written(state, &effects);
    }
    Ok(n)
}
