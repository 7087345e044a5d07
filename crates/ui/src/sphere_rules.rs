//! A sphere's membership rules, set by the organization's managers on its members page.
use super::{PathId, PathIds, St, redirect_or_again, spheres::members_page};
use crate::auth::{Auth, Csrf};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::service::membership_rules;
use crate::state::WebState;
use axum::response::Response;
use axum::routing::post;
use axum::{Form, Router};
use embarq_domain::{Id, SphereId, parse_as};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/spheres/{id}/rules", post(add))
        .route("/spheres/{id}/rules/{rule}/delete", post(remove))
}

/// One choice of the form's list: `everyone`, `department:Production`, `site:Lille`,
/// `level:2` or `manager:<id>`.
#[derive(Deserialize)]
struct RuleForm {
    #[serde(default)]
    rule: String,
}

async fn add(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
    Form(f): Form<RuleForm>,
) -> AppResult<Response> {
    let (attribute, value) = f.rule.split_once(':').unwrap_or((&f.rule, ""));
    let manager = parse_as(value);
    let r = membership_rules::add(&state, &auth, id, attribute, value, manager).await;
    let to = format!("/spheres/{id}/members#rules");
    redirect_or_again(r, &to, async |e| {
        members_page(&state, lang, &csrf, &auth, id, Some(e)).await
    })
    .await
}

async fn remove(
    state: St,
    auth: Auth,
    PathIds(id, rule): PathIds<SphereId, Id>,
) -> AppResult<Response> {
    membership_rules::remove(&state, &auth, id, rule).await?;
    Ok(super::see_other(&format!("/spheres/{id}/members#rules")))
}
