//! Champions ("membres impliqués"): candidacies, the proposal, confirmation (cohort, secret
//! Champions sphere, training registration, notifications), removal and sphere roles.
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::service::spheres;
use crate::state::AppState;
use embarq_domain::champions::{self, Dimension, Member, Proposal, Reason};
use embarq_domain::policy;
use embarq_domain::validate::FieldError;
use embarq_domain::{SphereId, UserId};
use embarq_domain::{SphereRole, UserStatus};
use embarq_store::{ChampionDirectoryEntry, ChampionRow, Expected, TrainingEvent, now_ms};
use std::collections::{HashMap, HashSet};

pub const VOLUNTEER: &str = "volunteer";
pub const NOMINATION: &str = "nomination";
/// Largest cohort confirmed in one request.
pub const CONFIRM_MAX: usize = 50_000;

fn manager(auth: &Auth) -> AppResult<()> {
    if policy::can_manage_champions(auth.viewer()) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

fn member_of(e: &ChampionDirectoryEntry) -> Member {
    Member {
        id: e.id,
        department: e.department.clone(),
        site: e.site.clone(),
        birth_year: e.birth_year,
        level: e.level.clone(),
        manager_id: e.manager_id,
        volunteer: e.volunteer,
        nominated: e.nominated,
    }
}

/// A proposal with the people it names.
pub struct ProposalView {
    pub proposal: Proposal,
    pub people: HashMap<UserId, ChampionDirectoryEntry>,
    /// Volunteers and nominated people the proposal left out (the manager may add them).
    pub other_candidates: Vec<ChampionDirectoryEntry>,
}

/// Proposes a cohort of `share` percent of the directory (managers). Refuses a share
/// outside 1-50 % and an empty directory.
pub async fn proposal(
    state: &AppState,
    auth: &Auth,
    share: i64,
    include_invited: bool,
) -> AppResult<ProposalView> {
    manager(auth)?;
    champions::check_share(share)?;
    let entries = state
        .db
        .champion_directory(auth.user.org_id, include_invited)
        .await?;
    // Only the manager themself: the directory has not been imported yet.
    if entries.iter().all(|e| e.id == auth.user.id) {
        return Err(AppError::Refused("champions_empty_directory"));
    }
    let members: Vec<Member> = entries.iter().map(member_of).collect();
    // The proposal is CPU work (up to ~1 s for 100,000 people): keep it off the reactor.
    let proposal = tokio::task::spawn_blocking(move || champions::propose(&members, share))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let picked: HashSet<UserId> = proposal.picks.iter().map(|p| p.id).collect();
    let mut other_candidates: Vec<ChampionDirectoryEntry> = entries
        .iter()
        .filter(|e| (e.volunteer || e.nominated) && !picked.contains(&e.id))
        .cloned()
        .collect();
    other_candidates.sort_by(|a, b| {
        a.display_name
            .to_lowercase()
            .cmp(&b.display_name.to_lowercase())
    });
    let people = entries
        .into_iter()
        .filter(|e| picked.contains(&e.id))
        .map(|e| (e.id, e))
        .collect();
    Ok(ProposalView {
        proposal,
        people,
        other_candidates,
    })
}

/// One reason as a sentence fragment in the viewer's language.
pub fn reason_text(lang: Lang, r: &Reason) -> String {
    match r {
        Reason::Stratum { dimension, value } => {
            let v = value
                .clone()
                .unwrap_or_else(|| i18n::tr(lang, "champions-unknown"));
            format!("{}: {v}", dimension_label(lang, *dimension))
        }
        Reason::Influence { direct_reports } => i18n::tr_args(
            lang,
            "champions-reason-influence",
            &[("count", (*direct_reports as i64).into())],
        ),
        Reason::Volunteer => i18n::tr(lang, "champions-reason-volunteer"),
        Reason::Nominated => i18n::tr(lang, "champions-reason-nominated"),
    }
}

pub fn reasons_text(lang: Lang, reasons: &[Reason]) -> String {
    if reasons.is_empty() {
        return i18n::tr(lang, "champions-reason-chosen");
    }
    reasons
        .iter()
        .map(|r| reason_text(lang, r))
        .collect::<Vec<_>>()
        .join(" · ")
}

pub fn dimension_label(lang: Lang, d: Dimension) -> String {
    i18n::tr(lang, &format!("champions-dim-{}", d.as_str()))
}

/// What a confirmation did, for the page and the API.
pub struct Confirmed {
    pub sphere_id: SphereId,
    pub added: usize,
    pub training: Option<TrainingEvent>,
}

/// Confirms `user_ids` as champions (managers): all of them belong to the organization and
/// are not deactivated, or nothing is applied (404). Reasons come from the proposal at
/// `share`; people the manager added by hand are "chosen by the manager".
pub async fn confirm(
    state: &AppState,
    auth: &Auth,
    user_ids: &[UserId],
    share: i64,
    lang: Lang,
) -> AppResult<Confirmed> {
    manager(auth)?;
    champions::check_share(share)?;
    let mut ids: Vec<UserId> = user_ids.to_vec();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Err(FieldError::new("user_ids", "required").into());
    }
    if ids.len() > CONFIRM_MAX {
        return Err(FieldError::with_limit("user_ids", "too_many", CONFIRM_MAX as i64).into());
    }
    let entries = state.db.champion_directory(auth.user.org_id, true).await?;
    let known: HashSet<UserId> = entries.iter().map(|e| e.id).collect();
    if ids.iter().any(|id| !known.contains(id)) {
        return Err(AppError::NotFound);
    }
    let members: Vec<Member> = entries.iter().map(member_of).collect();
    let proposal = tokio::task::spawn_blocking(move || champions::propose(&members, share))
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    let reasons: HashMap<UserId, &[Reason]> = proposal
        .picks
        .iter()
        .map(|p| (p.id, p.reasons.as_slice()))
        .collect();
    let entries: Vec<(UserId, String)> = ids
        .iter()
        .map(|id| {
            let text = match reasons.get(id) {
                Some(r) => reasons_text(lang, r),
                None => i18n::tr(lang, "champions-reason-chosen"),
            };
            (*id, text)
        })
        .collect();
    let training = state
        .db
        .upcoming_champions_training(auth.user.org_id, now_ms())
        .await?;
    let sphere_name = i18n::tr(lang, "champions-sphere-name");
    let sphere_description = i18n::tr(lang, "champions-sphere-description");
    // The notices go to the people added, in the confirmation's transaction; they are built
    // from a read just before, which a concurrent confirmation can outdate: then read again.
    let mut tries = 0;
    let done = loop {
        tries += 1;
        let sphere_id = state
            .db
            .champions_sphere(auth.user.org_id)
            .await?
            .unwrap_or_else(SphereId::generate);
        let already: HashSet<UserId> = state
            .db
            .champions(auth.user.org_id)
            .await?
            .iter()
            .map(|c| c.user_id)
            .collect();
        let added: Vec<UserId> = ids
            .iter()
            .copied()
            .filter(|i| !already.contains(i))
            .collect();
        let mut told = spheres::notice(
            state,
            &added,
            "champion_confirmed",
            auth.user.id,
            Some(sphere_id),
            None,
        )
        .await?;
        if training.is_some() {
            told.extend(
                spheres::notice(state, &added, "champion_training", auth.user.id, None, None)
                    .await?,
            );
        }
        told.extend(super::admin_audit::record(
            super::admin_audit::Admin {
                org_id: auth.user.org_id,
                actor_id: Some(auth.user.id),
                action: "champions.confirm",
                target_kind: "sphere",
                target_id: Some(sphere_id.into()),
                sphere_id: Some(sphere_id),
            },
            serde_json::json!({
                "users": ids.iter().map(|i| i.to_string()).collect::<Vec<_>>(),
                "added": added.len(),
                "share": share,
            }),
        ));
        let expected = Expected { sphere_id, added };
        let outcome = state
            .db
            .confirm_champions(
                auth.user.org_id,
                auth.user.id,
                (&sphere_name, &sphere_description),
                &entries,
                training.as_ref().map(|t| t.id),
                Some((&expected, &told)),
            )
            .await?;
        match outcome {
            Some(done) => {
                crate::outbox::written(state, &told);
                break done;
            }
            None if tries < 3 => continue,
            None => return Err(AppError::Conflict("champions_changed")),
        }
    };
    Ok(Confirmed {
        sphere_id: done.sphere_id,
        added: done.added.len(),
        training,
    })
}

/// Confirmed champions of the organization (managers).
pub async fn list(state: &AppState, auth: &Auth) -> AppResult<Vec<ChampionRow>> {
    manager(auth)?;
    Ok(state.db.champions(auth.user.org_id).await?)
}

/// Removes a champion (managers); unknown and other organizations' ids answer 404.
pub async fn remove(state: &AppState, auth: &Auth, user_id: UserId) -> AppResult<()> {
    manager(auth)?;
    let audit = super::admin_audit::by(
        auth,
        "champions.remove",
        "user",
        Some(user_id.into()),
        serde_json::json!({}),
    );
    if !state
        .db
        .remove_champion(auth.user.org_id, user_id, &audit)
        .await?
    {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Volunteers (or withdraws) the signed-in person.
pub async fn set_volunteer(state: &AppState, auth: &Auth, on: bool) -> AppResult<()> {
    if on {
        state
            .db
            .add_champion_candidate(
                auth.user.org_id,
                auth.user.id,
                VOLUNTEER,
                None,
                &Default::default(),
            )
            .await?;
    } else {
        state
            .db
            .remove_champion_candidate(auth.user.id, VOLUNTEER)
            .await?;
    }
    Ok(())
}

pub async fn is_volunteer(state: &AppState, auth: &Auth) -> AppResult<bool> {
    Ok(state
        .db
        .is_champion_candidate(auth.user.id, VOLUNTEER)
        .await?)
}

/// A manager nominates a member of the organization (not deactivated).
pub async fn nominate(state: &AppState, auth: &Auth, user_id: UserId) -> AppResult<()> {
    manager(auth)?;
    let u = state
        .db
        .user_in_org(auth.user.org_id, user_id)
        .await?
        .filter(|u| u.status != UserStatus::Deactivated)
        .ok_or(AppError::NotFound)?;
    let audit = super::admin_audit::by(
        auth,
        "champions.nominate",
        "user",
        Some(u.id.into()),
        serde_json::json!({"name": u.display_name}),
    );
    state
        .db
        .add_champion_candidate(
            auth.user.org_id,
            u.id,
            NOMINATION,
            Some(auth.user.id),
            &audit,
        )
        .await?;
    Ok(())
}

/// Parses the role a champion may be given: sphere administrator or publication manager.
pub fn parse_grant(role: &str) -> AppResult<SphereRole> {
    match SphereRole::parse(role.trim()) {
        Some(r @ (SphereRole::Admin | SphereRole::Publisher)) => Ok(r),
        _ => Err(FieldError::new("role", "invalid_choice").into()),
    }
}

/// Gives a champion a role in a sphere the manager can administer; a champion who is not
/// a member yet is added with that role.
pub async fn grant_role(
    state: &AppState,
    auth: &Auth,
    user_id: UserId,
    sphere_id: SphereId,
    role: SphereRole,
) -> AppResult<()> {
    manager(auth)?;
    let is_champion = state
        .db
        .champions(auth.user.org_id)
        .await?
        .iter()
        .any(|c| c.user_id == user_id);
    if !is_champion {
        return Err(AppError::NotFound);
    }
    let v = spheres::load(state, auth, sphere_id).await?;
    if !policy::can_grant_champion_role(auth.viewer(), v.access()) {
        return Err(AppError::Forbidden);
    }
    if !matches!(role, SphereRole::Admin | SphereRole::Publisher) {
        return Err(FieldError::new("role", "invalid_choice").into());
    }
    let mut told = spheres::notice(
        state,
        &[user_id],
        "champion_role",
        auth.user.id,
        Some(sphere_id),
        None,
    )
    .await?;
    told.extend(super::admin_audit::record(
        super::admin_audit::Admin {
            org_id: auth.user.org_id,
            actor_id: Some(auth.user.id),
            action: "champions.grant_role",
            target_kind: "user",
            target_id: Some(user_id.into()),
            sphere_id: Some(sphere_id),
        },
        serde_json::json!({"role": role.as_str()}),
    ));
    state
        .db
        .add_sphere_member_with(sphere_id, user_id, role, &told)
        .await?;
    crate::outbox::written(state, &told);
    Ok(())
}

/// The home page's Champions panel: the Champions sphere of a confirmed champion.
pub async fn home_panel(state: &AppState, auth: &Auth) -> AppResult<Option<Option<SphereId>>> {
    if !state.db.is_champion(auth.user.id).await? {
        return Ok(None);
    }
    Ok(Some(state.db.champions_sphere(auth.user.org_id).await?))
}
