//! The rollout plan: dates and waves (organization managers), the pre-launch readiness check,
//! the sign-in gate, and the scheduled work (invitations as access opens, the launch
//! announcement).
//!
//! A member added to a later wave after they already signed in keeps their session: the gate
//! only refuses new sign-ins and link redemptions (simple and predictable for managers).
use crate::auth::{Auth, token_hash};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr, tr_args};
use crate::service::{accounts, spheres};
use crate::state::AppState;
use embarq_domain::membership_rules::Rule;
use embarq_domain::rollout::{
    self, Person, Phase, PlanInput, Schedule, Wave, WaveDimension, WaveInput,
};
use embarq_domain::{
    Id, OrgId, OrgRole, PostStatus, SphereId, SphereKind, UserId, markdown, policy,
};
use embarq_store::{Effects, Named, NewPost, RolloutPlan, RolloutWave, RuleScope, User, now_ms};
use fluent_templates::fluent_bundle::FluentValue;

/// The error code of a refused sign-in before the member's access opens.
pub const ACCESS_NOT_OPEN: &str = "access_not_open";

fn require_manager(auth: &Auth) -> AppResult<()> {
    if policy::can_manage_rollout(auth.viewer()) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The plan with its waves, as the domain sees it.
pub fn schedule(plan: &RolloutPlan, waves: &[RolloutWave]) -> Schedule {
    Schedule {
        launch_at: plan.launch_at,
        early_access_days: plan.early_access_days,
        waves: waves
            .iter()
            .filter_map(|w| {
                Some(Wave {
                    dimension: WaveDimension::parse(&w.dimension)?,
                    value: w.value.clone(),
                    opens_at: w.opens_at,
                })
            })
            .collect(),
    }
}

/// Where an organization stands.
pub struct Overview {
    pub plan: Option<RolloutPlan>,
    pub waves: Vec<RolloutWave>,
    pub schedule: Option<Schedule>,
    pub phase: Option<Phase>,
}

pub async fn overview(state: &AppState, auth: &Auth, now: i64) -> AppResult<Overview> {
    require_manager(auth)?;
    let org = auth.user.org_id;
    let plan = state.db.rollout_plan(org).await?;
    let waves = state.db.rollout_waves(org).await?;
    let schedule = plan.as_ref().map(|p| schedule(p, &waves));
    let phase = schedule.as_ref().map(|s| s.phase_at(now));
    Ok(Overview {
        plan,
        waves,
        schedule,
        phase,
    })
}

/// Creates or updates the plan; refuses bad input as a whole.
pub async fn save_plan(state: &AppState, auth: &Auth, i: &PlanInput) -> AppResult<()> {
    require_manager(auth)?;
    let org = auth.user.org_id;
    let current = state.db.rollout_plan(org).await?;
    let waves: Vec<i64> = state
        .db
        .rollout_waves(org)
        .await?
        .iter()
        .map(|w| w.opens_at)
        .collect();
    let previous = current.map(|p| p.launch_at);
    let v = rollout::validate_plan(i, now_ms(), previous, &waves)?;
    let data = serde_json::json!({"launch_at": v.launch_at, "early_access_days": v.early_access_days,
        "time_zone": v.time_zone});
    let mut changed = Effects::webhook(org, "rollout.plan_changed", data);
    changed.extend(super::admin_audit::by(
        auth,
        "rollout.plan",
        "rollout",
        None,
        serde_json::json!({
            "launch_at": v.launch_at,
            "previous_launch_at": previous,
            "early_access_days": v.early_access_days,
            "time_zone": v.time_zone,
        }),
    ));
    state.db.save_rollout_plan(org, &v, &changed).await?;
    crate::outbox::written(state, &changed);
    Ok(())
}

/// Removes a plan that has not launched, with its waves: access is no longer held back for
/// early access, and no announcement will be published. Audited.
pub async fn delete_plan(state: &AppState, auth: &Auth) -> AppResult<()> {
    require_manager(auth)?;
    let org = auth.user.org_id;
    let mut effects = Effects::webhook(
        org,
        "rollout.plan_changed",
        serde_json::json!({"deleted": true}),
    );
    effects.extend(super::admin_audit::by(
        auth,
        "rollout.plan_delete",
        "rollout",
        None,
        serde_json::json!({}),
    ));
    match state
        .db
        .delete_rollout_plan(org, now_ms(), &effects)
        .await?
    {
        Some(true) => {
            crate::outbox::written(state, &effects);
            Ok(())
        }
        Some(false) => Err(AppError::Refused("rollout_launched")),
        None => Err(AppError::NotFound),
    }
}

/// Launches now instead of at the planned time (organization managers): access opens for
/// everyone, invitations go out and the announcement is published at once. Audited;
/// refused once launched.
pub async fn launch_now(state: &AppState, auth: &Auth) -> AppResult<()> {
    require_manager(auth)?;
    let org = auth.user.org_id;
    let done = state
        .db
        .launch_rollout_now(org, |now| {
            let mut effects = Effects::webhook(
                org,
                "rollout.plan_changed",
                serde_json::json!({"launch_at": now, "launched_now": true}),
            );
            effects.extend(super::admin_audit::by(
                auth,
                "rollout.launch_now",
                "rollout",
                None,
                serde_json::json!({"launch_at": now}),
            ));
            effects
        })
        .await?;
    changed_now(state, done, "rollout_launched").await
}

/// Opens early access now (organization managers): it lasts until the planned launch, the
/// champions' invitations go out at once. Audited; refused once open, or when the launch is
/// more than the longest early access away.
pub async fn open_early_access_now(state: &AppState, auth: &Auth) -> AppResult<()> {
    require_manager(auth)?;
    let org = auth.user.org_id;
    let plan = state
        .db
        .rollout_plan(org)
        .await?
        .ok_or(AppError::NotFound)?;
    let days = rollout::early_access_days_until(plan.launch_at, now_ms());
    if days > rollout::EARLY_ACCESS_MAX {
        return Err(AppError::Refused("rollout_launch_too_far"));
    }
    let done = state
        .db
        .open_early_access_now(org, days, |_| {
            let mut effects = Effects::webhook(
                org,
                "rollout.plan_changed",
                serde_json::json!({"launch_at": plan.launch_at, "early_access_days": days,
                    "early_access_opened_now": true}),
            );
            effects.extend(super::admin_audit::by(
                auth,
                "rollout.early_access_now",
                "rollout",
                None,
                serde_json::json!({"early_access_days": days,
                    "previous_early_access_days": plan.early_access_days}),
            ));
            effects
        })
        .await?;
    changed_now(state, done, "rollout_early_access_open").await
}

/// After a guarded change of the plan: `refused` when it no longer applied; otherwise the
/// rollout's due work runs at once instead of at the next tick.
async fn changed_now(
    state: &AppState,
    done: embarq_store::PlanChange,
    refused: &'static str,
) -> AppResult<()> {
    match done {
        embarq_store::PlanChange::NoPlan => Err(AppError::NotFound),
        embarq_store::PlanChange::Refused => Err(AppError::Refused(refused)),
        embarq_store::PlanChange::Done(effects) => {
            crate::outbox::written(state, &effects);
            crate::jobs::rollout_due(state, now_ms()).await;
            Ok(())
        }
    }
}

/// The plan's time zone (the default zone without a plan).
pub async fn plan_zone(state: &AppState, auth: &Auth) -> AppResult<String> {
    require_manager(auth)?;
    Ok(state
        .db
        .rollout_plan(auth.user.org_id)
        .await?
        .map_or_else(|| rollout::DEFAULT_TIME_ZONE.to_string(), |p| p.time_zone))
}

pub async fn add_wave(state: &AppState, auth: &Auth, i: &WaveInput) -> AppResult<RolloutWave> {
    require_manager(auth)?;
    let org = auth.user.org_id;
    let plan = state
        .db
        .rollout_plan(org)
        .await?
        .ok_or(AppError::Refused("rollout_no_plan"))?;
    let v = rollout::validate_wave(i, plan.launch_at, &plan.time_zone)?;
    let id = state
        .db
        .add_rollout_wave(
            org,
            &v.name,
            v.wave.dimension.as_str(),
            &v.wave.value,
            v.wave.opens_at,
            |id| {
                super::admin_audit::by(
                    auth,
                    "rollout.wave_add",
                    "rollout_wave",
                    Some(id),
                    serde_json::json!({
                        "name": v.name,
                        "dimension": v.wave.dimension.as_str(),
                        "value": v.wave.value,
                        "opens_at": v.wave.opens_at,
                    }),
                )
            },
        )
        .await?;
    state
        .db
        .rollout_waves(org)
        .await?
        .into_iter()
        .find(|w| w.id == id)
        .ok_or(AppError::NotFound)
}

pub async fn delete_wave(state: &AppState, auth: &Auth, id: Id) -> AppResult<()> {
    require_manager(auth)?;
    let audit = super::admin_audit::by(
        auth,
        "rollout.wave_delete",
        "rollout_wave",
        Some(id),
        serde_json::json!({}),
    );
    if state
        .db
        .delete_rollout_wave(auth.user.org_id, id, &audit)
        .await?
    {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// One line of the pre-launch readiness check, with where to fix it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReadinessItem {
    /// `spheres_content`, `welcome_post`, `help_sphere`, `champions`, `champions_signed_in`,
    /// `champions_training`.
    pub code: &'static str,
    pub ok: bool,
    /// What is missing, by name (empty spheres, champions not signed in).
    pub missing: Vec<Named>,
    pub fix_url: String,
}

/// Where the champions' training is organised (the events area).
pub const TRAINING_URL: &str = "/training";
pub const HELP_URL: &str = "/admin/help";
pub const CHAMPIONS_URL: &str = "/admin/champions";

pub async fn readiness(state: &AppState, auth: &Auth, now: i64) -> AppResult<Vec<ReadinessItem>> {
    require_manager(auth)?;
    let org = auth.user.org_id;
    let db = &state.db;
    let empty = db.spheres_without_content(org, auth.user.id).await?;
    let help = db.help_sphere_id(org).await?;
    let help_admins = match help {
        Some(h) => db.count_sphere_admins(h).await?,
        None => 0,
    };
    let champions = db.champion_count(org).await?;
    let absent = db.champions_not_signed_in(org).await?;
    let welcome_url = match (
        db.rollout_plan(org)
            .await?
            .and_then(|p| p.announcement_sphere_id),
        help,
    ) {
        (Some(s), _) | (None, Some(s)) => format!("/spheres/{s}"),
        _ => "/spheres".to_string(),
    };
    let item = |code, ok, missing, fix_url: String| ReadinessItem {
        code,
        ok,
        missing,
        fix_url,
    };
    Ok(vec![
        item(
            "spheres_content",
            empty.is_empty(),
            empty.clone(),
            empty
                .first()
                .map(|s| format!("/spheres/{}", s.id))
                .unwrap_or_else(|| "/spheres".into()),
        ),
        item(
            "welcome_post",
            db.has_welcome_post(org).await?,
            Vec::new(),
            welcome_url,
        ),
        item(
            "help_sphere",
            help.is_some() && help_admins > 0,
            Vec::new(),
            HELP_URL.into(),
        ),
        item("champions", champions > 0, Vec::new(), CHAMPIONS_URL.into()),
        item(
            "champions_signed_in",
            absent.is_empty(),
            absent.clone(),
            absent
                .first()
                .map(|c| format!("/people/{}", c.id))
                .unwrap_or_else(|| CHAMPIONS_URL.into()),
        ),
        item(
            "champions_training",
            db.champions_training_held(org, now).await?,
            Vec::new(),
            TRAINING_URL.into(),
        ),
    ])
}

/// One step of the manager's launch guide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideStep {
    /// `import`, `plan`, `champions`, `training`, `announcement`.
    pub code: &'static str,
    pub done: bool,
    /// Where the step is done.
    pub url: &'static str,
}

/// The launch guide on a manager's home until the launch: the next steps of the playbook
/// with their state. `None` for members, after the launch, or once every step is done.
pub async fn launch_guide(
    state: &AppState,
    auth: &Auth,
    now: i64,
) -> AppResult<Option<Vec<GuideStep>>> {
    if require_manager(auth).is_err() {
        return Ok(None);
    }
    let org = auth.user.org_id;
    let db = &state.db;
    let plan = db.rollout_plan(org).await?;
    if let Some(p) = &plan {
        let waves = db.rollout_waves(org).await?;
        if matches!(
            schedule(p, &waves).phase_at(now),
            Phase::Launch | Phase::AfterLaunch
        ) {
            return Ok(None);
        }
    }
    let step = |code, done, url| GuideStep { code, done, url };
    let steps = vec![
        step(
            "import",
            db.has_members_beyond_one(org).await?,
            "/admin/members",
        ),
        step("plan", plan.is_some(), "/admin/rollout"),
        step(
            "champions",
            db.champion_count(org).await? > 0,
            CHAMPIONS_URL,
        ),
        step(
            "training",
            db.champions_training_planned(org).await?,
            TRAINING_URL,
        ),
        step(
            "announcement",
            plan.as_ref()
                .is_some_and(|p| !p.announcement_title.trim().is_empty()),
            "/admin/rollout",
        ),
    ];
    Ok((!steps.iter().all(|s| s.done)).then_some(steps))
}

/// When `user` may sign in, with the plan's time zone; `None`: now or always.
pub async fn opening(state: &AppState, user: &User, now: i64) -> AppResult<Option<(i64, String)>> {
    let Some(plan) = state.db.rollout_plan(user.org_id).await? else {
        return Ok(None);
    };
    let waves = state.db.rollout_waves(user.org_id).await?;
    let s = schedule(&plan, &waves);
    let who = Person {
        is_manager: user.org_role == OrgRole::Manager,
        is_champion: state.db.is_champion(user.id).await?,
        department: user.department.as_deref(),
        site: user.site.as_deref(),
    };
    let at = rollout::access_opens_at(Some(&s), who);
    Ok(match at {
        Some(at) if !rollout::access_open(Some(at), now) => Some((at, plan.time_zone)),
        _ => None,
    })
}

/// The sign-in gate: refuses a member whose phase has not opened.
pub async fn ensure_access_open(state: &AppState, user: &User) -> AppResult<()> {
    match opening(state, user, now_ms()).await? {
        Some(_) => Err(AppError::Refused(ACCESS_NOT_OPEN)),
        None => Ok(()),
    }
}

/// The opening of the account behind an e-mail or a one-time link (for the gate page).
pub async fn opening_for_email(state: &AppState, email: &str) -> AppResult<Option<(i64, String)>> {
    match state.db.user_by_email(&email.trim().to_lowercase()).await? {
        Some(u) => opening(state, &u, now_ms()).await,
        None => Ok(None),
    }
}

pub async fn opening_for_token(
    state: &AppState,
    token: &str,
    purpose: &str,
) -> AppResult<Option<(i64, String)>> {
    let Some(uid) = state
        .db
        .peek_one_time_token(&token_hash(token), purpose)
        .await?
    else {
        return Ok(None);
    };
    match state.db.user(uid).await? {
        Some(u) => opening(state, &u, now_ms()).await,
        None => Ok(None),
    }
}

/// Whether the import should mail this new member now (otherwise the job will when access opens).
pub async fn invitation_due_now(state: &AppState, user: &User) -> AppResult<bool> {
    Ok(opening(state, user, now_ms()).await?.is_none())
}

const MONTHS_FR: [&str; 12] = [
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
];

/// A date and time in the plan's time zone, as a person reads it.
pub fn local_date(lang: Lang, tz: &str, ms: i64) -> String {
    use chrono::{Datelike, Timelike};
    let (d, t) = rollout::utc_to_local(tz, ms);
    let month = d.month0() as usize;
    match lang {
        Lang::Fr => format!(
            "{} {} {} à {:02}:{:02} ({tz})",
            d.day(),
            MONTHS_FR.get(month).unwrap_or(&""),
            d.year(),
            t.hour(),
            t.minute()
        ),
        Lang::En => format!(
            "{} at {:02}:{:02} ({tz})",
            d.format("%B %-d, %Y"),
            t.hour(),
            t.minute()
        ),
    }
}

/// Scheduled: mails the invitation of each invited member whose access has opened, once.
pub async fn send_due_invitations(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let pending = state.db.rollout_pending_invitees(now).await?;
    let mut plans: std::collections::HashMap<embarq_domain::OrgId, Option<Schedule>> =
        Default::default();
    let mut sent = 0;
    for m in pending {
        if let std::collections::hash_map::Entry::Vacant(e) = plans.entry(m.org_id) {
            let s = match state.db.rollout_plan(m.org_id).await? {
                Some(p) => Some(schedule(&p, &state.db.rollout_waves(m.org_id).await?)),
                None => None,
            };
            e.insert(s);
        }
        let s = plans.get(&m.org_id).and_then(|s| s.as_ref());
        let who = Person {
            is_manager: false,
            is_champion: m.champion > 0,
            department: m.department.as_deref(),
            site: m.site.as_deref(),
        };
        if !rollout::access_open(rollout::access_opens_at(s, who), now) {
            continue;
        }
        if !state.db.claim_invitation(m.id, now).await? {
            continue;
        }
        let Some(user) = state.db.user(m.id).await? else {
            continue;
        };
        let inviter = state
            .db
            .first_manager_of(m.org_id)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_else(|| "embarq".into());
        accounts::send_invitation(
            state,
            &user,
            &inviter,
            Lang::of(user.locale.as_deref()),
            Default::default(),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        sent += 1;
    }
    Ok(sent)
}

/// The organization-wide announcements sphere: open, everyone in it by rule (including
/// people who arrive later), members' posts approved by its administrators first. Setup
/// makes it; the launch announcement goes there unless the plan names another sphere.
pub async fn ensure_announcements_sphere(
    state: &AppState,
    org: OrgId,
    admin: UserId,
    lang: Lang,
) -> AppResult<SphereId> {
    if let Some(s) = state.db.everyone_sphere(org).await? {
        return Ok(s);
    }
    let db = &state.db;
    let s = db
        .create_sphere(
            org,
            admin,
            &tr(lang, "rollout-sphere-name"),
            &tr(lang, "rollout-sphere-description"),
            SphereKind::Open,
            true,
        )
        .await?;
    db.add_sphere_rule(org, s, &Rule::Everyone, admin, &Effects::default())
        .await?;
    Ok(s)
}

/// Scheduled: at launch, publishes the announcement once — pinned in an organization-wide
/// open sphere everyone belongs to, notified to every member, e-mailed to members whose
/// access is open.
pub async fn publish_due_announcements(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let mut done = 0;
    for org in state.db.due_announcements(now).await? {
        if !state.db.claim_announcement(org, now).await? {
            continue;
        }
        publish_announcement(state, org, now)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        done += 1;
    }
    Ok(done)
}

async fn publish_announcement(state: &AppState, org: OrgId, now: i64) -> AppResult<()> {
    let db = &state.db;
    let Some(plan) = db.rollout_plan(org).await? else {
        return Ok(());
    };
    let Some(author) = db.first_manager_of(org).await? else {
        return Ok(());
    };
    if plan.announcement_title.trim().is_empty() {
        return Ok(());
    }
    let lang = Lang::of(author.locale.as_deref());
    let sphere = match plan.announcement_sphere_id {
        Some(s) if db.sphere_exists(org, s).await? => s,
        _ => ensure_announcements_sphere(state, org, author.id, lang).await?,
    };
    // By rule, so that people who arrive after the launch join it and find the announcement.
    let everyone = &Rule::Everyone;
    db.add_sphere_rule(org, sphere, everyone, author.id, &Effects::default())
        .await?;
    db.reconcile_rule_memberships(org, RuleScope::Sphere(sphere))
        .await?;
    let body = format!(
        "## {}\n\n{}",
        plan.announcement_title.trim(),
        plan.announcement_md
    );
    let html = markdown::render_stored(&body);
    let post = embarq_domain::new_id();
    let recipients = db.rollout_recipients(org).await?;
    let ids: Vec<UserId> = recipients.iter().map(|r| r.id).collect();
    let mut effects = spheres::notice(
        state,
        &ids,
        "rollout_announcement",
        author.id,
        Some(sphere),
        Some(post),
    )
    .await?;
    let waves = db.rollout_waves(org).await?;
    let s = schedule(&plan, &waves);
    let link = format!("{}/posts/{post}", state.config.base_url);
    // People who chose "in the app" or "off" for announcements get no e-mail.
    let no_mail: std::collections::HashSet<UserId> = db
        .category_choices(author.id, "announcements")
        .await?
        .into_iter()
        .filter(|(_, channel)| channel != "email")
        .map(|(u, _)| u)
        .collect();
    for r in recipients {
        if no_mail.contains(&r.id) {
            continue;
        }
        let who = Person {
            is_manager: r.org_role == OrgRole::Manager,
            is_champion: r.champion > 0,
            department: r.department.as_deref(),
            site: r.site.as_deref(),
        };
        if !rollout::access_open(rollout::access_opens_at(Some(&s), who), now) {
            continue;
        }
        let lang = Lang::of(r.locale.as_deref());
        let args = [
            ("title", FluentValue::from(plan.announcement_title.clone())),
            ("body", FluentValue::from(plan.announcement_md.clone())),
            ("link", FluentValue::from(link.clone())),
        ];
        effects.extend(Effects::mail(
            &r.email,
            tr_args(lang, "rollout-mail-subject", &args),
            tr_args(lang, "rollout-mail-body", &args),
        ));
    }
    db.create_post(
        &NewPost {
            id: post,
            org_id: org,
            sphere_id: sphere,
            author_id: author.id,
            body_md: &body,
            body_html: &html,
            status: PostStatus::Published,
        },
        &effects,
    )
    .await?;
    crate::outbox::written(state, &effects);
    db.set_post_pinned(post, true).await?;
    db.set_announcement_post(org, sphere, post).await?;
    Ok(())
}
