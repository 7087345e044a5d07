//! Use cases: champions and managers mark publications as use cases with tags (department,
//! theme); the library lists those the viewer may read.
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::service::spheres;
use crate::state::AppState;
use embarq_domain::{Id, guidance, policy};
use embarq_store::UseCase;
use std::collections::BTreeSet;

#[derive(Debug, Default, Clone, serde::Deserialize, utoipa::ToSchema)]
pub struct TagsInput {
    #[serde(default)]
    pub department: String,
    /// Required.
    #[serde(default)]
    pub theme: String,
}

/// Whether the signed-in person may mark use cases.
pub async fn can_mark(state: &AppState, auth: &Auth) -> AppResult<bool> {
    Ok(policy::can_mark_use_case(
        auth.viewer(),
        state.db.is_champion(auth.user.id).await?,
    ))
}

async fn marker(state: &AppState, auth: &Auth, post_id: Id) -> AppResult<()> {
    // Unreadable publications answer 404 before any permission question.
    spheres::readable_post(state, auth, post_id).await?;
    if can_mark(state, auth).await? {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The use case of a publication the viewer can read, if it is one.
pub async fn of_post(state: &AppState, auth: &Auth, post_id: Id) -> AppResult<Option<UseCase>> {
    spheres::readable_post(state, auth, post_id).await?;
    Ok(state
        .db
        .use_cases(auth.user.org_id, auth.user.id, Some(post_id))
        .await?
        .into_iter()
        .next())
}

pub async fn mark(state: &AppState, auth: &Auth, post_id: Id, t: &TagsInput) -> AppResult<UseCase> {
    marker(state, auth, post_id).await?;
    let (department, theme) = guidance::use_case_tags(&t.department, &t.theme)?;
    state
        .db
        .mark_use_case(
            auth.user.org_id,
            post_id,
            auth.user.id,
            department.as_deref(),
            &theme,
        )
        .await?;
    of_post(state, auth, post_id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn unmark(state: &AppState, auth: &Auth, post_id: Id) -> AppResult<()> {
    marker(state, auth, post_id).await?;
    if !state.db.unmark_use_case(auth.user.org_id, post_id).await? {
        return Err(AppError::NotFound);
    }
    Ok(())
}

pub struct Library {
    pub items: Vec<UseCase>,
    pub departments: Vec<String>,
    pub themes: Vec<String>,
}

/// Readable use cases, filtered by department and theme (empty: any), with every tag in use.
pub async fn library(
    state: &AppState,
    auth: &Auth,
    department: &str,
    theme: &str,
) -> AppResult<Library> {
    let all = state
        .db
        .use_cases(auth.user.org_id, auth.user.id, None)
        .await?;
    let departments: BTreeSet<String> = all.iter().filter_map(|u| u.department.clone()).collect();
    let themes: BTreeSet<String> = all.iter().filter_map(|u| u.theme.clone()).collect();
    let (department, theme) = (department.trim(), theme.trim());
    let items = all
        .into_iter()
        .filter(|u| department.is_empty() || u.department.as_deref() == Some(department))
        .filter(|u| theme.is_empty() || u.theme.as_deref() == Some(theme))
        .collect();
    Ok(Library {
        items,
        departments: departments.into_iter().collect(),
        themes: themes.into_iter().collect(),
    })
}
