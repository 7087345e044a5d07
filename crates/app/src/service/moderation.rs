//! Moderation: reports, the queues (per sphere and organization-wide), actions (dismiss,
//! hide, unhide, delete, mute, remove) with their audit entries, and the audit log.
use super::spheres::{self, Visible};
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use embarq_domain::moderation::{self as rules, ModerationAction, ReportReason, ReportTarget};
use embarq_domain::policy;
use embarq_domain::validate::{self, Errors, FieldError};
use embarq_domain::{Id, SphereRole};
use embarq_domain::{SphereId, UserId};
use embarq_store::{
    AuditFilter, AuditRow, HiddenItem, Moderation, NewNotification, NewReport, OpenReport, Post,
    StoreError, now_ms,
};
use serde::Deserialize;
use uuid::Uuid;

/// Audit log page size.
pub const AUDIT_PAGE: i64 = 50;

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ReportInput {
    /// spam, harassment, hateful, inappropriate, misinformation or other.
    #[serde(default)]
    pub reason: String,
    /// Optional explanation (up to 1000 characters).
    #[serde(default)]
    pub details: String,
}

/// What a report is about, resolved and authorized for the viewer.
pub struct Target {
    pub kind: ReportTarget,
    pub id: Id,
    pub post: Post,
    pub author_id: UserId,
    pub hidden: bool,
    pub visible: Visible,
}

/// Loads a post or comment as the viewer may see it: 404 when they cannot read it (secret
/// sphere, closed sphere they are not in, hidden and not theirs to moderate).
pub async fn target(
    state: &AppState,
    auth: &Auth,
    kind: ReportTarget,
    id: Id,
) -> AppResult<Target> {
    match kind {
        ReportTarget::Post => {
            let (post, visible) = spheres::readable_post(state, auth, id).await?;
            Ok(Target {
                kind,
                id,
                author_id: post.author_id,
                hidden: post.hidden_at.is_some(),
                post,
                visible,
            })
        }
        ReportTarget::Comment => {
            let c = state.db.comment_ref(id).await?.ok_or(AppError::NotFound)?;
            let (post, visible) = spheres::readable_post(state, auth, c.post_id).await?;
            if c.hidden_at.is_some() && !policy::can_moderate_sphere(visible.access()) {
                return Err(AppError::NotFound);
            }
            Ok(Target {
                kind,
                id,
                author_id: c.author_id,
                hidden: c.hidden_at.is_some(),
                post,
                visible,
            })
        }
    }
}

/// Files a report; one open report per person and item (409 `already_reported`).
pub async fn report(
    state: &AppState,
    auth: &Auth,
    kind: ReportTarget,
    id: Id,
    input: &ReportInput,
) -> AppResult<Id> {
    let t = target(state, auth, kind, id).await?;
    if !policy::can_report(t.visible.access()) {
        return Err(AppError::NotFound);
    }
    if t.author_id == auth.user.id {
        return Err(AppError::Refused("own_content"));
    }
    let mut e = Errors::default();
    let reason = e.check(
        ReportReason::parse(input.reason.trim()).ok_or(FieldError::new("reason", "required")),
    );
    let details = e.check(validate::optional(
        "details",
        &input.details,
        rules::REPORT_DETAILS_MAX,
    ));
    e.into_result()?;
    let (Some(reason), Some(details)) = (reason, details) else {
        return Err(AppError::Refused("invalid"));
    };
    let admins = state
        .db
        .sphere_member_ids(t.post.sphere_id, &[SphereRole::Admin])
        .await?;
    let items = admins
        .into_iter()
        .filter(|a| *a != auth.user.id)
        .map(|a| NewNotification {
            user_id: a,
            kind: "moderation_report",
            actor_id: Some(auth.user.id),
            sphere_id: Some(t.post.sphere_id),
            post_id: None,
            conversation_id: None,
            link: Some(format!("/spheres/{}/moderation", t.post.sphere_id)),
        })
        .collect();
    let effects = super::notifications::effects(state, items).await?;
    let report_id = match state
        .db
        .create_report(
            &NewReport {
                org_id: auth.user.org_id,
                sphere_id: t.post.sphere_id,
                target: kind,
                target_id: id,
                post_id: t.post.id,
                reporter_id: auth.user.id,
                reason: reason.as_str(),
                details: details.as_deref().unwrap_or_default(),
            },
            &effects,
        )
        .await
    {
        Ok(r) => r,
        Err(StoreError::Conflict(_)) => return Err(AppError::Conflict("already_reported")),
        Err(e) => return Err(e.into()),
    };
    crate::outbox::written(state, &effects);
    Ok(report_id)
}

/// Open reports of one item, grouped.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct QueueItem {
    pub sphere_id: Uuid,
    pub sphere_name: String,
    /// post or comment.
    pub target_kind: String,
    pub target_id: Uuid,
    pub post_id: Uuid,
    pub author_id: Option<Uuid>,
    pub author_name: Option<String>,
    /// The item's sanitized HTML (absent when it no longer exists).
    pub html: Option<String>,
    pub hidden: bool,
    pub report_count: i64,
    /// Reasons given, most frequent first.
    pub reasons: Vec<ReasonCount>,
    pub reports: Vec<QueueReport>,
    #[serde(serialize_with = "crate::instant::ms")]
    #[schema(value_type = crate::instant::Instant)]
    pub first_reported_at: i64,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ReasonCount {
    pub reason: String,
    pub count: i64,
}

#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct QueueReport {
    pub reporter_name: String,
    pub reason: String,
    pub details: String,
    #[serde(serialize_with = "crate::instant::ms")]
    #[schema(value_type = crate::instant::Instant)]
    pub created_at: i64,
}

fn group(reports: Vec<OpenReport>) -> Vec<QueueItem> {
    let mut items: Vec<QueueItem> = Vec::new();
    for r in reports {
        let idx = match items.iter().position(|i| i.target_id == r.target_id) {
            Some(i) => i,
            None => {
                items.push(QueueItem {
                    sphere_id: r.sphere_id.into(),
                    sphere_name: r.sphere_name.clone(),
                    target_kind: r.target_kind.clone(),
                    target_id: r.target_id,
                    post_id: r.post_id,
                    author_id: r.item_author_id.map(Into::into),
                    author_name: r.item_author_name.clone(),
                    html: r.item_html.clone(),
                    hidden: r.item_hidden_at.is_some(),
                    report_count: 0,
                    reasons: Vec::new(),
                    reports: Vec::new(),
                    first_reported_at: r.created_at,
                });
                items.len() - 1
            }
        };
        let item = &mut items[idx];
        item.report_count += 1;
        match item.reasons.iter_mut().find(|x| x.reason == r.reason) {
            Some(x) => x.count += 1,
            None => item.reasons.push(ReasonCount {
                reason: r.reason.clone(),
                count: 1,
            }),
        }
        item.reports.push(QueueReport {
            reporter_name: r.reporter_name,
            reason: r.reason,
            details: r.details,
            created_at: r.created_at,
        });
    }
    for i in &mut items {
        i.reasons
            .sort_by(|a, b| b.count.cmp(&a.count).then(a.reason.cmp(&b.reason)));
    }
    // Most reported first, then oldest.
    items.sort_by(|a, b| {
        b.report_count
            .cmp(&a.report_count)
            .then(a.first_reported_at.cmp(&b.first_reported_at))
    });
    items
}

/// A sphere's queue and its hidden items (sphere administrators, managers).
pub async fn sphere_queue(
    state: &AppState,
    sphere: &Visible,
) -> AppResult<(Vec<QueueItem>, Vec<HiddenItem>)> {
    sphere.require(policy::can_moderate_sphere)?;
    let items = group(state.db.open_reports_in_sphere(sphere.id()).await?);
    let hidden = state.db.hidden_items(sphere.id()).await?;
    Ok((items, hidden))
}

/// Every open report the manager may act on (spheres they administer).
pub async fn org_queue(state: &AppState, auth: &Auth) -> AppResult<Vec<QueueItem>> {
    if !policy::can_view_org_moderation(auth.viewer()) {
        return Err(AppError::Forbidden);
    }
    Ok(group(
        state
            .db
            .open_reports_in_org(auth.user.org_id, auth.user.id)
            .await?,
    ))
}

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ActionInput {
    /// post or comment.
    #[serde(default)]
    pub target_kind: String,
    pub target_id: Option<Uuid>,
    /// dismiss, hide, unhide, delete, mute or remove (mute and remove act on the author).
    #[serde(default)]
    pub action: String,
    /// Mute duration in hours: 1, 24, 72, 168 or 720.
    #[serde(default)]
    pub hours: Option<String>,
}

/// What an action did.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ActionOutcome {
    pub action: String,
    pub sphere_id: Uuid,
    /// Reports closed by the action (their authors were notified).
    pub reports_resolved: usize,
    /// End of the mute (epoch ms), for `mute`.
    pub muted_until: Option<i64>,
}

/// Applies a moderation action to a reported (or any) item of a sphere the viewer moderates.
pub async fn act(state: &AppState, auth: &Auth, input: &ActionInput) -> AppResult<ActionOutcome> {
    let mut e = Errors::default();
    let kind = e.check(
        ReportTarget::parse(input.target_kind.trim())
            .ok_or(FieldError::new("target_kind", "invalid_choice")),
    );
    let action = e.check(
        ModerationAction::parse(input.action.trim())
            .ok_or(FieldError::new("action", "invalid_choice")),
    );
    let id = e.check(
        input
            .target_id
            .ok_or(FieldError::new("target_id", "required")),
    );
    let hours = match action {
        Some(ModerationAction::Mute) => e.check(rules::mute_hours(
            input.hours.as_deref().unwrap_or_default(),
        )),
        _ => None,
    };
    e.into_result()?;
    let (Some(kind), Some(action), Some(id)) = (kind, action, id) else {
        return Err(AppError::Refused("invalid"));
    };
    let t = target(state, auth, kind, id).await?;
    if !policy::can_moderate_sphere(t.visible.access()) {
        return Err(AppError::Forbidden);
    }
    let sphere = t.post.sphere_id;
    let now = now_ms();
    let until = hours.map(|h| now + h * 3600 * 1000);
    match action {
        ModerationAction::Hide if t.hidden => return Err(AppError::Refused("already_hidden")),
        ModerationAction::Unhide if !t.hidden => return Err(AppError::Refused("not_hidden")),
        ModerationAction::Mute | ModerationAction::Remove if t.author_id == auth.user.id => {
            return Err(AppError::Refused("cannot_moderate_self"));
        }
        ModerationAction::Remove => {
            // The last administrator is kept by the store, in the action's transaction.
            state
                .db
                .sphere_role(sphere, t.author_id)
                .await?
                .ok_or(AppError::Refused("not_member"))?;
        }
        _ => {}
    }
    let details = serde_json::json!({
        "author_id": t.author_id,
        "post_id": t.post.id,
        "hours": hours,
        "until": until,
    })
    .to_string();
    let outcome_kind = match action {
        ModerationAction::Dismiss => "moderation_dismissed",
        ModerationAction::Hide => "moderation_hidden",
        ModerationAction::Delete => "moderation_deleted",
        ModerationAction::Mute => "moderation_muted",
        ModerationAction::Remove => "moderation_removed",
        ModerationAction::Unhide => "moderation_unhidden",
    };
    // The item may be gone or hidden: the outcome links to what the reporter can still open.
    let link = if action == ModerationAction::Dismiss {
        format!("/posts/{}", t.post.id)
    } else {
        format!("/spheres/{sphere}")
    };
    // Those whose reports the action settles hear its outcome, in the action's transaction.
    let whole_post = kind == ReportTarget::Post && action == ModerationAction::Delete;
    let told = if action == ModerationAction::Unhide {
        Vec::new()
    } else {
        state.db.open_reporters(id, whole_post).await?
    };
    let items = told
        .iter()
        .filter(|r| **r != auth.user.id)
        .map(|r| NewNotification {
            user_id: *r,
            kind: outcome_kind,
            actor_id: Some(auth.user.id),
            sphere_id: Some(sphere),
            post_id: None,
            conversation_id: None,
            link: Some(link.clone()),
        })
        .collect();
    let mut outcome = super::notifications::effects(state, items).await?;
    if action == ModerationAction::Remove {
        // The removed member's open pages leave the sphere.
        outcome.live.extend(embarq_store::NewLive::personal(
            &[t.author_id],
            "sphere",
            Some(sphere.into()),
        ));
    }
    let mut reporters = state
        .db
        .moderate(
            &Moderation {
                org_id: auth.user.org_id,
                sphere_id: sphere,
                actor_id: auth.user.id,
                action,
                target: kind,
                target_id: id,
                post_id: t.post.id,
                user_id: matches!(action, ModerationAction::Mute | ModerationAction::Remove)
                    .then_some(t.author_id),
                until,
                details: &details,
            },
            &outcome,
        )
        .await?;
    crate::outbox::written(state, &outcome);
    reporters.sort();
    reporters.dedup();
    Ok(ActionOutcome {
        action: action.as_str().to_string(),
        sphere_id: sphere.into(),
        reports_resolved: reporters.len(),
        muted_until: until,
    })
}

/// Refuses publishing or commenting to a member muted in the sphere (422 `muted`).
pub async fn ensure_not_muted(state: &AppState, sphere: SphereId, user: UserId) -> AppResult<()> {
    match state.db.muted_until(sphere, user, now_ms()).await? {
        Some(_) => Err(AppError::Refused("muted")),
        None => Ok(()),
    }
}

/// Audit filters as they come from a form or the query string.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Exact action (e.g. `moderation.hide`) or a prefix ending with `.`.
    pub action: Option<String>,
    /// Actor's id.
    pub actor: Option<String>,
    /// First day (YYYY-MM-DD, UTC), inclusive.
    pub from: Option<String>,
    /// Last day (YYYY-MM-DD, UTC), inclusive.
    pub to: Option<String>,
    /// Free text searched in the action, target, details, actor's and sphere's names.
    pub q: Option<String>,
    /// Page number, from 1.
    pub page: Option<i64>,
}

fn day(field: &'static str, v: Option<&str>) -> Result<Option<i64>, FieldError> {
    match v.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|d| Some(d.and_utc().timestamp_millis()))
            .ok_or(FieldError::new(field, "moderation_invalid_date")),
    }
}

/// The audit log: the whole organization's for managers (`sphere` None), one sphere's
/// moderation actions for its administrators.
pub async fn audit(
    state: &AppState,
    auth: &Auth,
    sphere: Option<SphereId>,
    q: &AuditQuery,
) -> AppResult<(Vec<AuditRow>, bool)> {
    let mut action = q
        .action
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    if let Some(a) = &action
        && (a.len() > 100
            || !a
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)))
    {
        return Err(FieldError::new("action", "invalid_choice").into());
    }
    match sphere {
        None => {
            if !policy::can_view_org_moderation(auth.viewer()) {
                return Err(AppError::Forbidden);
            }
        }
        Some(s) => {
            let v = spheres::load(state, auth, s).await?;
            v.require(policy::can_moderate_sphere)?;
            // A sphere's administrators see its moderation actions only.
            if !action
                .as_deref()
                .is_some_and(|a| a.starts_with("moderation."))
            {
                action = Some("moderation.".to_string());
            }
        }
    }
    let mut e = Errors::default();
    let actor = match q.actor.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(a) => e.check(
            embarq_domain::parse_id(a)
                .map(UserId)
                .ok_or(FieldError::new("actor", "invalid_choice")),
        ),
    };
    let from = e.check(day("from", q.from.as_deref())).flatten();
    let to = e
        .check(day("to", q.to.as_deref()))
        .flatten()
        .map(|t| t + 24 * 3600 * 1000);
    let text =
        q.q.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string);
    if text.as_ref().is_some_and(|t| t.chars().count() > 200) {
        e.check::<()>(Err(FieldError::with_limit("q", "too_long", 200)));
    }
    let page = q.page.unwrap_or(1);
    if !(1..=100_000).contains(&page) {
        e.check::<()>(Err(FieldError::new("page", "out_of_range")));
    }
    e.into_result()?;
    let mut rows = state
        .db
        .audit_entries(&AuditFilter {
            org_id: auth.user.org_id,
            sphere_id: sphere,
            viewer: Some(auth.user.id),
            action,
            actor_id: actor,
            from,
            to,
            q: text,
            offset: (page - 1) * AUDIT_PAGE,
            limit: AUDIT_PAGE + 1,
        })
        .await?;
    let more = rows.len() as i64 > AUDIT_PAGE;
    rows.truncate(AUDIT_PAGE as usize);
    Ok((rows, more))
}
