//! Checklists per role, computed from what people really did (see
//! `embarq_domain::checklists`): each person's progress, and the managers' aggregate.
use crate::auth::Auth;
use crate::error::AppResult;
use crate::service::starter::curator;
use crate::state::AppState;
use embarq_domain::checklists::{self, Check, ChecklistRole, SphereAdminFacts};
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Checklist {
    /// organization_manager, sphere_admin, new_member or champion.
    #[schema(value_type = String)]
    pub role: ChecklistRole,
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Check>,
    pub done: usize,
    pub percent: u32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ItemStat {
    pub key: &'static str,
    pub link: &'static str,
    /// People of this role who completed the item.
    pub done: usize,
    pub percent: u32,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct RoleSummary {
    #[schema(value_type = String)]
    pub role: ChecklistRole,
    /// People who have this checklist.
    pub people: usize,
    pub items: Vec<ItemStat>,
}

/// The signed-in person's checklists with their progress.
pub async fn mine(state: &AppState, auth: &Auth) -> AppResult<Vec<Checklist>> {
    let org = auth.user.org_id;
    let person = state.db.person_facts(org, Some(auth.user.id)).await?;
    let member = person.first().map(|p| p.member.clone()).unwrap_or_default();
    let is_champion = person.first().is_some_and(|p| p.is_champion);
    let admin = state.db.sphere_admin_facts(org, Some(auth.user.id)).await?;
    let admin_facts = admin.first().map(|a| a.1.clone());
    let is_manager = auth.user.org_role == embarq_domain::OrgRole::Manager;
    let org_facts = if is_manager {
        state.db.org_facts(org).await?
    } else {
        Default::default()
    };
    let admin_facts_or_default = admin_facts.clone().unwrap_or_default();
    Ok(
        checklists::roles_of(is_manager, admin_facts.is_some(), is_champion)
            .into_iter()
            .map(|role| {
                let items =
                    checklists::checklist(role, &member, &admin_facts_or_default, &org_facts);
                let done = items.iter().filter(|c| c.done).count();
                Checklist {
                    role,
                    percent: checklists::percent(done, items.len()),
                    done,
                    items,
                }
            })
            .collect(),
    )
}

/// Per role: how many people have the checklist and the share who completed each item.
pub async fn summary(state: &AppState, auth: &Auth) -> AppResult<Vec<RoleSummary>> {
    curator(auth)?;
    let org = auth.user.org_id;
    let people = state.db.person_facts(org, None).await?;
    let admins: HashMap<_, SphereAdminFacts> = state
        .db
        .sphere_admin_facts(org, None)
        .await?
        .into_iter()
        .collect();
    let org_facts = state.db.org_facts(org).await?;
    let none = SphereAdminFacts::default();
    let mut out: Vec<RoleSummary> = Vec::new();
    for role in ChecklistRole::ALL {
        let mut counts: Vec<(Check, usize)> = Vec::new();
        let mut n = 0;
        for p in &people {
            let admin = admins.get(&p.user_id);
            if !checklists::roles_of(p.is_manager, admin.is_some(), p.is_champion).contains(role) {
                continue;
            }
            n += 1;
            let items = checklists::checklist(*role, &p.member, admin.unwrap_or(&none), &org_facts);
            if counts.is_empty() {
                counts = items.iter().map(|c| (c.clone(), 0)).collect();
            }
            for (slot, item) in counts.iter_mut().zip(items) {
                slot.1 += usize::from(item.done);
            }
        }
        if counts.is_empty() {
            counts = checklists::checklist(*role, &Default::default(), &none, &org_facts)
                .into_iter()
                .map(|c| (c, 0))
                .collect();
        }
        out.push(RoleSummary {
            role: *role,
            people: n,
            items: counts
                .into_iter()
                .map(|(c, done)| ItemStat {
                    key: c.key,
                    link: c.link,
                    done,
                    percent: checklists::percent(done, n),
                })
                .collect(),
        });
    }
    Ok(out)
}
