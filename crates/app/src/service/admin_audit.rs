//! The audit entries of administrative actions (roles, invitations, imports, rollout,
//! champions, API tokens, organization settings), written in the action's own transaction.
use embarq_domain::{Id, OrgId};
use embarq_domain::{SphereId, UserId};
use embarq_store::{Effects, NewAudit};
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

/// The entry, to write with the change it records (its `Effects`); `details` is a JSON
/// object.
pub fn record(a: Admin<'_>, details: Value) -> Effects {
    Effects {
        audit: vec![NewAudit {
            org_id: a.org_id,
            actor_id: a.actor_id,
            action: a.action.to_string(),
            target_kind: a.target_kind.to_string(),
            target_id: a.target_id,
            sphere_id: a.sphere_id,
            details: details.to_string(),
        }],
        ..Effects::default()
    }
}

/// Shorthand for an action by a signed-in person about one target outside any sphere.
pub fn by(
    auth: &crate::auth::Auth,
    action: &str,
    target_kind: &str,
    target_id: Option<Id>,
    details: Value,
) -> Effects {
    record(
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
}

/// The translated name of an action (`directory.import` → `audit-action-directory-import`);
/// an action without a translation shows its code.
pub fn label(lang: crate::i18n::Lang, action: &str) -> String {
    let key = format!("audit-action-{}", action.replace(['.', '_'], "-"));
    let t = crate::i18n::tr(lang, &key);
    if t == key { action.to_string() } else { t }
}

/// An entry's details as (label, value) lines a person reads: keys translated where the
/// interface knows them (`audit-detail-{key}`), values as text, identifiers left out (the
/// names beside them say who or what).
pub fn detail_lines(lang: crate::i18n::Lang, details: &str) -> Vec<(String, String)> {
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(details) else {
        return Vec::new();
    };
    map.iter()
        .filter(|(k, v)| !(k.ends_with("_id") || k.as_str() == "id" || v.is_null()))
        .filter_map(|(k, v)| {
            let text = value_text(lang, v)?;
            let key = format!("audit-detail-{}", k.replace('_', "-"));
            let label = crate::i18n::tr(lang, &key);
            let label = if label == key {
                k.replace('_', " ")
            } else {
                label
            };
            Some((label, text))
        })
        .collect()
}

fn value_text(lang: crate::i18n::Lang, v: &Value) -> Option<String> {
    Some(match v {
        Value::Null => return None,
        Value::Bool(b) => crate::i18n::tr(lang, if *b { "audit-yes" } else { "audit-no" }),
        Value::Number(n) => n.to_string(),
        Value::String(s) if uuid::Uuid::parse_str(s).is_ok() => return None,
        Value::String(s) => s.clone(),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().filter_map(|i| value_text(lang, i)).collect();
            if parts.is_empty() {
                return None;
            }
            parts.join(", ")
        }
        Value::Object(o) => o
            .iter()
            .filter_map(|(k, v)| value_text(lang, v).map(|t| format!("{k} {t}")))
            .collect::<Vec<_>>()
            .join(", "),
    })
}
