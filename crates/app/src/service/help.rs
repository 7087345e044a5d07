//! Help: the help sphere (created with the organization, or lazily), its administrators
//! delegated by managers to named members, and the help centre's articles.
use super::markdown;
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::service::starter::curator;
use crate::state::AppState;
use embarq_domain::UserId;
use embarq_domain::validate::{self, FieldError};
use embarq_domain::{Id, OrgId, SphereId, SphereRole, UserStatus, guidance};
use embarq_store::{HelpAdmin, HelpArticle};

/// The help sphere's name: the same in both languages so everyone finds it.
pub const HELP_SPHERE_NAME: &str = "Aide / Help";
const HELP_SPHERE_DESCRIPTION: &str =
    "Posez vos questions sur embarq ici. / Ask your questions about embarq here.";

/// The organization's help sphere, created (open, `admin` as administrator, everyone a
/// member by rule) if it has none.
pub async fn ensure_help_sphere(
    state: &AppState,
    org_id: OrgId,
    admin: UserId,
) -> AppResult<SphereId> {
    if let Some(id) = state.db.help_sphere_id(org_id).await? {
        return Ok(id);
    }
    let id = state
        .db
        .create_help_sphere(org_id, admin, HELP_SPHERE_NAME, HELP_SPHERE_DESCRIPTION)
        .await?;
    // Everyone belongs, so "Need help?" never leads to a sphere one must first join.
    state
        .db
        .add_sphere_rule(
            org_id,
            id,
            &embarq_domain::membership_rules::Rule::Everyone,
            admin,
            &embarq_store::Effects::default(),
        )
        .await?;
    Ok(id)
}

/// The help sphere for the "Need help" button: created lazily for organizations that have
/// none, with the first manager (or the caller if none is found) as administrator.
pub async fn help_sphere_for(state: &AppState, auth: &Auth) -> AppResult<SphereId> {
    let org = auth.user.org_id;
    if let Some(id) = state.db.help_sphere_id(org).await? {
        return Ok(id);
    }
    let admin = state
        .db
        .first_manager_of(org)
        .await?
        .map(|u| u.id)
        .unwrap_or(auth.user.id);
    ensure_help_sphere(state, org, admin).await
}

/// The help sphere and its administrators (organization managers only).
pub async fn admins(state: &AppState, auth: &Auth) -> AppResult<(SphereId, Vec<HelpAdmin>)> {
    curator(auth)?;
    let sphere = help_sphere_for(state, auth).await?;
    Ok((sphere, state.db.sphere_admins(sphere).await?))
}

/// Names an active member of the organization (by e-mail) administrator of the help sphere.
pub async fn add_admin(state: &AppState, auth: &Auth, email: &str) -> AppResult<HelpAdmin> {
    curator(auth)?;
    let email = validate::email("email", email)?;
    let user = state
        .db
        .user_by_email(&email)
        .await?
        .filter(|u| u.org_id == auth.user.org_id && u.status != UserStatus::Deactivated)
        .ok_or(FieldError::new("email", "unknown_member"))?;
    let sphere = help_sphere_for(state, auth).await?;
    state
        .db
        .add_sphere_member(sphere, user.id, SphereRole::Admin)
        .await?;
    Ok(HelpAdmin {
        user_id: user.id,
        display_name: user.display_name,
        email: user.email,
        org_role: user.org_role,
    })
}

/// Withdraws the administration of the help sphere (the person stays a member); the sphere
/// keeps at least one administrator.
pub async fn remove_admin(state: &AppState, auth: &Auth, user_id: UserId) -> AppResult<()> {
    curator(auth)?;
    let sphere = help_sphere_for(state, auth).await?;
    let admins = state.db.sphere_admins(sphere).await?;
    if !admins.iter().any(|a| a.user_id == user_id) {
        return Err(AppError::NotFound);
    }
    state
        .db
        .set_sphere_role(sphere, user_id, SphereRole::Member, &Default::default())
        .await?;
    Ok(())
}

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct ArticleInput {
    #[serde(default)]
    pub title: String,
    /// Markdown (sanitized when shown).
    #[serde(default)]
    pub body: String,
}

pub async fn articles(state: &AppState, auth: &Auth, q: &str) -> AppResult<Vec<HelpArticle>> {
    let q: String = q.trim().chars().take(100).collect();
    Ok(state.db.help_articles(auth.user.org_id, &q).await?)
}

pub async fn article(state: &AppState, auth: &Auth, id: Id) -> AppResult<HelpArticle> {
    state
        .db
        .help_article(auth.user.org_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn create_article(
    state: &AppState,
    auth: &Auth,
    i: &ArticleInput,
) -> AppResult<HelpArticle> {
    curator(auth)?;
    let (title, body) = guidance::article(&i.title, &i.body)?;
    let id = state
        .db
        .create_help_article(
            auth.user.org_id,
            auth.user.id,
            &title,
            &body,
            &markdown::render("body", &body).await?,
        )
        .await?;
    article(state, auth, id).await
}

pub async fn update_article(
    state: &AppState,
    auth: &Auth,
    id: Id,
    i: &ArticleInput,
) -> AppResult<HelpArticle> {
    curator(auth)?;
    article(state, auth, id).await?;
    let (title, body) = guidance::article(&i.title, &i.body)?;
    if !state
        .db
        .update_help_article(
            auth.user.org_id,
            id,
            &title,
            &body,
            &markdown::render("body", &body).await?,
        )
        .await?
    {
        return Err(AppError::NotFound);
    }
    article(state, auth, id).await
}

pub async fn delete_article(state: &AppState, auth: &Auth, id: Id) -> AppResult<()> {
    curator(auth)?;
    if !state.db.delete_help_article(auth.user.org_id, id).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}
