//! Membership rules of a sphere (organization managers): who joins it from the directory.
use super::docs::{Forbidden, Invalid, NotFound, Unauthorized};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::error::ApiResult;
use crate::i18n::Lang;
use crate::service::membership_rules::{self, RuleView};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::{Id, SphereId, UserId};
use embarq_store::RuleChanges;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_rules, add_rule))
        .routes(routes!(delete_rule))
        .routes(routes!(list_proposals, create_proposed))
}

/// A sphere the rollout proposes for a site or a department.
#[derive(Serialize, ToSchema)]
pub struct ProposalDto {
    /// What to send back to make it: `site:Lille`, `department:Production`.
    key: String,
    name: String,
    /// Active people it would hold today.
    people: i64,
}

/// Proposals picked to be made.
#[derive(Deserialize, ToSchema)]
pub struct Picks {
    /// Keys from the proposals.
    #[schema(max_items = 1000)]
    picks: Vec<String>,
}

/// How many spheres were made.
#[derive(Serialize, ToSchema)]
pub struct MadeDto {
    made: usize,
}

/// One sphere per site and per department of the directory that no rule covers yet
/// (organization managers).
#[utoipa::path(get, path = "/rollout/sphere-proposals", tag = "rollout",
    responses((status = 200, description = "Proposed spheres", body = Vec<ProposalDto>), Unauthorized, Forbidden))]
async fn list_proposals(
    State(state): State<AppState>,
    lang: Lang,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<Vec<ProposalDto>>> {
    let p = membership_rules::proposals(&state, &auth, lang).await?;
    Ok(Json(
        p.into_iter()
            .map(|p| ProposalDto {
                key: p.key,
                name: p.name,
                people: p.people,
            })
            .collect(),
    ))
}

/// Makes the proposed spheres picked, each with its rule and its members.
#[utoipa::path(post, path = "/rollout/sphere-proposals", tag = "rollout", request_body = Picks,
    responses((status = 201, description = "Spheres made", body = MadeDto), Unauthorized, Forbidden, Invalid))]
async fn create_proposed(
    State(state): State<AppState>,
    lang: Lang,
    ApiAuth(auth): ApiAuth,
    ApiJson(body): ApiJson<Picks>,
) -> ApiResult<(StatusCode, Json<MadeDto>)> {
    let made = membership_rules::create_proposed(&state, &auth, lang, &body.picks).await?;
    Ok((StatusCode::CREATED, Json(MadeDto { made })))
}

/// A membership rule and how many people it names today.
#[derive(Serialize, ToSchema)]
pub struct RuleDto {
    id: uuid::Uuid,
    /// `everyone`, `department`, `site`, `level` or `manager` (the manager's whole team).
    attribute: String,
    /// The department, site or level.
    value: Option<String>,
    /// For `manager`: the manager.
    manager_id: Option<uuid::Uuid>,
    manager_name: Option<String>,
    /// Active people the rule names today.
    reach: i64,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    created_at: i64,
}

impl From<RuleView> for RuleDto {
    fn from(v: RuleView) -> Self {
        let r = v.stored;
        RuleDto {
            id: r.id,
            attribute: r.attribute.to_string(),
            value: r.value,
            manager_id: r.manager_id.map(Into::into),
            manager_name: r.manager_name,
            reach: v.reach,
            created_at: r.created_at,
        }
    }
}

/// A rule to add.
#[derive(Deserialize, ToSchema)]
pub struct NewRule {
    /// `everyone`, `department`, `site`, `level` or `manager`.
    #[schema(example = "site")]
    attribute: String,
    /// The department, site or level (required for those).
    #[serde(default)]
    #[schema(max_length = 200, example = "Lille")]
    value: String,
    /// For `manager`: the manager whose whole team joins.
    #[serde(default)]
    #[schema(value_type = Option<uuid::Uuid>)]
    manager_id: Option<UserId>,
}

/// Memberships a rule change made and removed.
#[derive(Serialize, ToSchema)]
pub struct RuleChangesDto {
    added: usize,
    removed: usize,
}

impl From<RuleChanges> for RuleChangesDto {
    fn from(c: RuleChanges) -> Self {
        RuleChangesDto {
            added: c.added,
            removed: c.removed,
        }
    }
}

/// A sphere's membership rules (organization managers).
#[utoipa::path(get, path = "/spheres/{id}/rules", tag = "spheres", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    responses((status = 200, description = "The rules, oldest first", body = Vec<RuleDto>), Unauthorized, Forbidden, NotFound))]
async fn list_rules(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
) -> ApiResult<Json<Vec<RuleDto>>> {
    let rules = membership_rules::list(&state, &auth, id).await?;
    Ok(Json(rules.into_iter().map(Into::into).collect()))
}

/// Adds a rule: the people it names join now, and those who arrive later join then.
#[utoipa::path(post, path = "/spheres/{id}/rules", tag = "spheres", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    request_body = NewRule,
    responses((status = 201, description = "Memberships made", body = RuleChangesDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn add_rule(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
    ApiJson(body): ApiJson<NewRule>,
) -> ApiResult<(StatusCode, Json<RuleChangesDto>)> {
    let c = membership_rules::add(
        &state,
        &auth,
        id,
        &body.attribute,
        &body.value,
        body.manager_id,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// Removes a rule; people only it had added leave the sphere.
#[utoipa::path(delete, path = "/spheres/{id}/rules/{rule}", tag = "spheres",
    params(("id" = uuid::Uuid, Path, description = "Sphere id"), ("rule" = uuid::Uuid, Path, description = "Rule id")),
    responses((status = 200, description = "Memberships removed", body = RuleChangesDto), Unauthorized, Forbidden, NotFound))]
async fn delete_rule(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath((id, rule)): ApiPath<(SphereId, Id)>,
) -> ApiResult<Json<RuleChangesDto>> {
    Ok(Json(
        membership_rules::remove(&state, &auth, id, rule)
            .await?
            .into(),
    ))
}
