//! The starter kit: resources the organization chooses, per role, shown on a member's first
//! sign-in (the welcome page, once) and always at /starter-kit.
use super::markdown;
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use embarq_domain::guidance::{self, KitRole};
use embarq_domain::validate::FieldError;
use embarq_domain::{Id, OrgRole, policy};
use embarq_store::KitItemRow;

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct KitInput {
    #[serde(default)]
    pub title: String,
    /// guide, tutorial, video or best_practice.
    #[serde(default)]
    pub kind: String,
    /// An http(s) link; a URL or a body is required.
    #[serde(default)]
    pub url: String,
    /// Markdown.
    #[serde(default)]
    pub body: String,
    /// everyone, organization_manager, sphere_admin, member or champion.
    #[serde(default)]
    pub target_role: String,
}

/// Organization managers curate; everyone else is refused.
pub fn curator(auth: &Auth) -> AppResult<()> {
    if policy::can_curate_guidance(auth.viewer()) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Parses the `?role=` filter (empty means all).
pub fn parse_role(raw: Option<&str>) -> AppResult<Option<KitRole>> {
    match raw.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(r) => KitRole::parse(r)
            .map(Some)
            .ok_or_else(|| FieldError::new("kit_role", "invalid_choice").into()),
    }
}

/// The kit, optionally only the resources for one role (plus those for everyone).
pub async fn list(
    state: &AppState,
    auth: &Auth,
    role: Option<KitRole>,
) -> AppResult<Vec<KitItemRow>> {
    let items = state.db.kit_items(auth.user.org_id).await?;
    Ok(match role {
        None => items,
        Some(r) => items
            .into_iter()
            .filter(|i| i.target_role == r.as_str() || i.target_role == KitRole::Everyone.as_str())
            .collect(),
    })
}

/// The roles a person holds, as the kit targets them.
pub async fn roles_of(state: &AppState, auth: &Auth) -> AppResult<Vec<KitRole>> {
    let mut roles = vec![KitRole::Everyone];
    if auth.user.org_role == OrgRole::Manager {
        roles.push(KitRole::OrganizationManager);
    } else {
        roles.push(KitRole::Member);
    }
    if !state
        .db
        .sphere_admin_facts(auth.user.org_id, Some(auth.user.id))
        .await?
        .is_empty()
    {
        roles.push(KitRole::SphereAdmin);
    }
    if state.db.is_champion(auth.user.id).await? {
        roles.push(KitRole::Champion);
    }
    Ok(roles)
}

/// The resources meant for the signed-in person.
pub async fn for_me(state: &AppState, auth: &Auth) -> AppResult<Vec<KitItemRow>> {
    let roles = roles_of(state, auth).await?;
    let items = state.db.kit_items(auth.user.org_id).await?;
    Ok(items
        .into_iter()
        .filter(|i| KitRole::parse(&i.target_role).is_some_and(|r| roles.contains(&r)))
        .collect())
}

/// Whether the home page should send this person to the welcome page: first visit, and the
/// organization has a kit to show.
pub async fn should_welcome(state: &AppState, auth: &Auth) -> AppResult<bool> {
    Ok(!state.db.kit_seen(auth.user.id).await?
        && !state.db.kit_items(auth.user.org_id).await?.is_empty())
}

/// Records the welcome page as seen; `true` the first time.
pub async fn mark_seen(state: &AppState, auth: &Auth) -> AppResult<bool> {
    Ok(state.db.mark_kit_seen(auth.user.id).await?)
}

pub async fn create(state: &AppState, auth: &Auth, i: &KitInput) -> AppResult<KitItemRow> {
    curator(auth)?;
    let item = guidance::kit_item(&i.title, &i.kind, &i.url, &i.body, &i.target_role)?;
    let html = markdown::render("body", &item.body_md).await?;
    let id = state
        .db
        .create_kit_item(auth.user.org_id, &item, &html)
        .await?;
    get(state, auth, id).await
}

pub async fn get(state: &AppState, auth: &Auth, id: Id) -> AppResult<KitItemRow> {
    state
        .db
        .kit_item(auth.user.org_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn update(state: &AppState, auth: &Auth, id: Id, i: &KitInput) -> AppResult<KitItemRow> {
    curator(auth)?;
    get(state, auth, id).await?;
    let item = guidance::kit_item(&i.title, &i.kind, &i.url, &i.body, &i.target_role)?;
    let html = markdown::render("body", &item.body_md).await?;
    if !state
        .db
        .update_kit_item(auth.user.org_id, id, &item, &html)
        .await?
    {
        return Err(AppError::NotFound);
    }
    get(state, auth, id).await
}

pub async fn delete(state: &AppState, auth: &Auth, id: Id) -> AppResult<()> {
    curator(auth)?;
    if !state.db.delete_kit_item(auth.user.org_id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Moves a resource one place up or down (`direction`: up | down).
pub async fn move_item(state: &AppState, auth: &Auth, id: Id, direction: &str) -> AppResult<()> {
    curator(auth)?;
    let up = match direction {
        "up" => true,
        "down" => false,
        _ => return Err(FieldError::new("direction", "invalid_choice").into()),
    };
    let mut ids: Vec<Id> = state
        .db
        .kit_items(auth.user.org_id)
        .await?
        .into_iter()
        .map(|i| i.id)
        .collect();
    let pos = ids
        .iter()
        .position(|x| *x == id)
        .ok_or(AppError::NotFound)?;
    let other = if up {
        pos.checked_sub(1)
    } else {
        Some(pos + 1).filter(|p| *p < ids.len())
    };
    if let Some(o) = other {
        ids.swap(pos, o);
        state.db.reorder_kit(auth.user.org_id, &ids).await?;
    }
    Ok(())
}
