//! Records administrative actions (roles, invitations, imports, rollout, champions, API tokens,
//! organization settings) in the audit log, right after the change succeeded.
use crate::error::AppResult;
use crate::state::AppState;
use embarq_domain::{Id, OrgId};
use embarq_domain::{SphereId, UserId};
use embarq_store::AuditEntry;
use serde_json::Value;

/// One administrative action: who (`actor`, `None` for the command line), what and on what.
pub struct Admin<'a> {
    pub org_id: OrgId,
    pub actor_id: Option<UserId>,
    pub action: &'a str,
    pub target_kind: &'a str,
    pub target_id: Option<Id>,
    pub sphere_id: Option<SphereId>,
}

/// Writes the entry; `details` is a JSON object.
pub async fn record(state: &AppState, a: Admin<'_>, details: Value) -> AppResult<()> {
    let details = details.to_string();
    state
        .db
        .audit(&AuditEntry {
            org_id: a.org_id,
            actor_id: a.actor_id,
            action: a.action,
            target_kind: a.target_kind,
            target_id: a.target_id,
            sphere_id: a.sphere_id,
            details: &details,
        })
        .await?;
    Ok(())
}

/// Shorthand for an action by a signed-in person about one target outside any sphere.
pub async fn by(
    state: &AppState,
    auth: &crate::auth::Auth,
    action: &str,
    target_kind: &str,
    target_id: Option<Id>,
    details: Value,
) -> AppResult<()> {
    record(
        state,
        Admin {
            org_id: auth.user.org_id,
            actor_id: Some(auth.user.id),
            action,
            target_kind,
            target_id,
            sphere_id: None,
        },
        details,
    )
    .await
}

/// The translated name of an action (`directory.import` → `audit-action-directory-import`);
/// an action without a translation shows its code.
pub fn label(lang: crate::i18n::Lang, action: &str) -> String {
    let key = format!("audit-action-{}", action.replace(['.', '_'], "-"));
    let t = crate::i18n::tr(lang, &key);
    if t == key { action.to_string() } else { t }
}
