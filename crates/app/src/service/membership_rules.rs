//! Membership rules of spheres (organization managers set them: a rule draws on the whole
//! directory), and memberships following the directory whenever it changes.
use crate::auth::{Auth, Manager};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr_args};
use crate::service::admin_audit;
use crate::state::AppState;
use embarq_domain::SphereKind;
use embarq_domain::membership_rules::{Rule, RuleAttribute};
use embarq_domain::validate::FieldError;
use embarq_domain::{Id, OrgId, SphereId, UserId};
use embarq_store::{RuleChanges, RuleChoices, RuleScope, StoredRule};
use serde_json::json;

/// Values offered per attribute at most.
const CHOICES_MAX: i64 = 500;

/// A rule with how many people it selects now.
#[derive(Debug, Clone)]
pub struct RuleView {
    pub stored: StoredRule,
    pub reach: i64,
}

/// A sphere's rules, for its organization's managers.
pub async fn list(state: &AppState, auth: &Auth, sphere: SphereId) -> AppResult<Vec<RuleView>> {
    let m = Manager::of(auth)?;
    require_sphere(state, auth, sphere).await?;
    let mut out = Vec::new();
    for stored in state.db.sphere_rules(sphere).await? {
        let reach = match stored.rule() {
            Some(r) => state.db.rule_reach(m.org_id(), &r).await?,
            None => 0,
        };
        out.push(RuleView { stored, reach });
    }
    Ok(out)
}

/// What the rule form offers.
pub async fn choices(state: &AppState, auth: &Auth) -> AppResult<RuleChoices> {
    let m = Manager::of(auth)?;
    Ok(state.db.rule_choices(m.org_id(), CHOICES_MAX).await?)
}

/// Adds a rule and makes its members at once. A rule the sphere already has changes nothing.
pub async fn add(
    state: &AppState,
    auth: &Auth,
    sphere: SphereId,
    attribute: &str,
    value: &str,
    manager: Option<UserId>,
) -> AppResult<RuleChanges> {
    let m = Manager::of(auth)?;
    require_sphere(state, auth, sphere).await?;
    let rule = Rule::parse(attribute, value, manager)?;
    if let Some(team) = rule.manager()
        && state.db.user_in_org(m.org_id(), team).await?.is_none()
    {
        return Err(FieldError::new("rule_manager", "invalid_choice").into());
    }
    let details = json!({"attribute": rule.attribute().as_str(), "value": rule.value(), "manager": rule.manager()});
    let effects = admin_audit::by(auth, "sphere_rule.add", "sphere", Some(sphere.0), details);
    let added = state
        .db
        .add_sphere_rule(m.org_id(), sphere, &rule, auth.user.id, &effects)
        .await?;
    Ok(added.map(|(_, c)| c).unwrap_or_default())
}

/// Removes a rule and the memberships only it made.
pub async fn remove(
    state: &AppState,
    auth: &Auth,
    sphere: SphereId,
    rule: Id,
) -> AppResult<RuleChanges> {
    let m = Manager::of(auth)?;
    require_sphere(state, auth, sphere).await?;
    let effects = admin_audit::by(
        auth,
        "sphere_rule.remove",
        "sphere",
        Some(sphere.0),
        json!({}),
    );
    state
        .db
        .delete_sphere_rule(m.org_id(), sphere, rule, &effects)
        .await?
        .ok_or(AppError::NotFound)
}

/// The sphere, if the manager can see it (a secret sphere only as its member: not found
/// otherwise, like everywhere else).
async fn require_sphere(state: &AppState, auth: &Auth, sphere: SphereId) -> AppResult<()> {
    crate::service::spheres::load(state, auth, sphere)
        .await
        .map(|_| ())
}

/// Memberships follow a change of the directory (import, SCIM, invitation, profile,
/// deactivation): called once that change is stored. A failure is logged, not returned:
/// the change itself stands, and the next change or rule edit brings memberships up to date.
pub async fn follow_directory(state: &AppState, org: OrgId, scope: RuleScope) {
    if let Err(e) = state.db.reconcile_rule_memberships(org, scope).await {
        tracing::warn!(error = %e, ?scope, "membership rules could not be applied");
    }
}

/// A sphere the rollout proposes: one per site and per department of the directory that no
/// rule covers yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub rule: Rule,
    /// `site:Lille`, `department:Production`: what the form sends back to make it.
    pub key: String,
    pub name: String,
    pub people: i64,
}

/// The spheres proposed when the rollout is planned (nothing is made until asked).
pub async fn proposals(state: &AppState, auth: &Auth, lang: Lang) -> AppResult<Vec<Proposal>> {
    let m = Manager::of(auth)?;
    let made: Vec<Rule> = state
        .db
        .org_rules(m.org_id())
        .await?
        .iter()
        .filter_map(StoredRule::rule)
        .collect();
    let choices = state.db.rule_choices(m.org_id(), CHOICES_MAX).await?;
    let sites = choices.sites.into_iter().map(|(v, n)| (Rule::Site(v), n));
    let departments = choices
        .departments
        .into_iter()
        .map(|(v, n)| (Rule::Department(v), n));
    Ok(sites
        .chain(departments)
        .filter(|(r, _)| !made.contains(r))
        .map(|(rule, people)| Proposal {
            key: format!("{}:{}", rule.attribute(), rule.value().unwrap_or_default()),
            name: proposed_name(lang, &rule),
            rule,
            people,
        })
        .collect())
}

fn proposed_name(lang: Lang, rule: &Rule) -> String {
    let key = match rule.attribute() {
        RuleAttribute::Site => "rules-sphere-site",
        _ => "rules-sphere-department",
    };
    let value = rule.value().unwrap_or_default().to_string();
    tr_args(lang, key, &[("name", value.into())])
}

/// Makes the proposed spheres picked (`site:Lille`...): each open, its rule set, its members
/// joined. Picks that are not proposals (any more) are skipped. Answers how many were made.
pub async fn create_proposed(
    state: &AppState,
    auth: &Auth,
    lang: Lang,
    picks: &[String],
) -> AppResult<usize> {
    let m = Manager::of(auth)?;
    let proposed = proposals(state, auth, lang).await?;
    let mut made = 0;
    for p in proposed.iter().filter(|p| picks.contains(&p.key)) {
        let description = tr_args(
            lang,
            "rules-sphere-description",
            &[("name", p.name.clone().into())],
        );
        let sphere = state
            .db
            .create_sphere(
                m.org_id(),
                m.user_id(),
                &p.name,
                &description,
                SphereKind::Open,
                false,
            )
            .await?;
        let details = json!({"attribute": p.rule.attribute().as_str(), "value": p.rule.value(), "proposed": true});
        let effects = admin_audit::by(auth, "sphere_rule.add", "sphere", Some(sphere.0), details);
        state
            .db
            .add_sphere_rule(m.org_id(), sphere, &p.rule, m.user_id(), &effects)
            .await?;
        made += 1;
    }
    Ok(made)
}
