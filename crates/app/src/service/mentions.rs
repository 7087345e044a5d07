//! People named in what someone writes: mentions by name (`[@Name](/people/<id>)`, which
//! the composer inserts) or by address (`@name@company.fr`), and the search that offers
//! people as the author types.
use super::spheres;
use crate::auth::Auth;
use crate::error::AppResult;
use crate::state::AppState;
use embarq_domain::search::Query;
use embarq_domain::validate::{self, FieldError};
use embarq_domain::{OrgId, SphereId, SphereKind, UserId, markdown};
use embarq_store::{MemberHit, SearchScope};
use std::collections::HashMap;

/// A text as stored: every mention by name carries the person's real name (a spoofed or
/// unknown one becomes plain text), and the active people of the organization it names.
pub struct Named {
    pub body: String,
    pub people: Vec<UserId>,
}

/// Names the people `md` mentions, by name or address, among the organization's active
/// members (at most [`markdown::MENTIONS_MAX`] of each kind).
pub async fn resolve(state: &AppState, org: OrgId, md: &str) -> AppResult<Named> {
    let ids: Vec<UserId> = markdown::mentioned_people(md)
        .into_iter()
        .map(UserId)
        .collect();
    let (body, mut people) = if ids.is_empty() {
        (md.to_owned(), Vec::new())
    } else {
        let found = state.db.users_by_ids(org, &ids).await?;
        let names: HashMap<_, _> = found
            .iter()
            .map(|p| (p.id.0, p.display_name.clone()))
            .collect();
        let body = markdown::name_mentions(md, |id| names.get(&id).cloned());
        (body, found.into_iter().map(|p| p.id).collect::<Vec<_>>())
    };
    let by_address = state
        .db
        .users_by_emails(org, &markdown::mentions(&body))
        .await?;
    for p in by_address {
        if !people.contains(&p.id) {
            people.push(p.id);
        }
    }
    Ok(Named { body, people })
}

/// Among whom people are offered.
#[derive(Debug, Clone, Copy)]
pub enum Among {
    /// Anyone active in the organization (a conversation).
    Organization,
    /// Whoever may read the sphere: its members, or the organization for an open sphere
    /// (a mention).
    Readers(SphereId),
    /// The sphere's members (a task's assignees).
    Members(SphereId),
}

/// How many people are offered at once.
pub const SUGGESTIONS: i64 = 8;

/// People whose name (or title, department, site) starts with what was typed (the viewer
/// aside, except as a task's assignee). A sphere the viewer cannot see answers 404, like every other path to it.
pub async fn suggest(
    state: &AppState,
    auth: &Auth,
    typed: &str,
    among: Among,
) -> AppResult<Vec<MemberHit>> {
    let sphere = match among {
        Among::Organization => None,
        Among::Readers(id) => {
            let v = spheres::readable(state, auth, id).await?;
            (v.sphere().kind != SphereKind::Open).then_some(id)
        }
        Among::Members(id) => Some(spheres::readable(state, auth, id).await?.id()),
    };
    let Ok(query) = Query::parse(typed) else {
        return Ok(Vec::new());
    };
    if query.words.is_empty() {
        return Ok(Vec::new());
    }
    let scope = SearchScope {
        org_id: auth.user.org_id,
        viewer: auth.user.id,
        sphere,
        limit: SUGGESTIONS + 1,
    };
    let mut hits = state.db.search_members(&scope, &query).await?;
    // One mentions or writes to others, but may take a task oneself.
    if !matches!(among, Among::Members(_)) {
        hits.retain(|h| h.id != auth.user.id);
    }
    hits.truncate(SUGGESTIONS as usize);
    Ok(hits)
}

/// The active people of `org` whose addresses `raw` lists (separated by commas, semicolons,
/// spaces or lines): a form's way of naming people without the suggestions. Any malformed or
/// unknown address refuses them all, on `field`.
pub async fn by_addresses(
    state: &AppState,
    org: OrgId,
    field: &'static str,
    raw: &str,
) -> AppResult<Vec<UserId>> {
    let mut emails = Vec::new();
    for part in raw
        .split([',', ';', ' ', '\n', '\r'])
        .filter(|s| !s.trim().is_empty())
    {
        emails.push(validate::email(field, part)?);
    }
    emails.sort();
    emails.dedup();
    let people = state.db.users_by_emails(org, &emails).await?;
    if people.len() != emails.len() {
        return Err(FieldError::new(field, "unknown_member").into());
    }
    Ok(people.into_iter().map(|p| p.id).collect())
}
