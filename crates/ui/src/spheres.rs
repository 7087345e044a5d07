//! Sphere pages: list and creation, a sphere's feed, members, roles, requests and invitations.
use super::home::{After, FeedItems};
use super::{Page, PathId, PathIds, St, render, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr};
use crate::service::{membership_rules, posts, spheres};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::policy::SphereAccess;
use embarq_domain::{SphereId, SphereRole, UserId, validate};
use embarq_store::{Post, RuleChoices, Sphere, SphereMember, SphereRequest};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/spheres", get(list).post(create))
        .route("/spheres/{id}", get(show))
        .route("/spheres/{id}/items", get(items))
        .route("/spheres/{id}/join", post(join))
        .route("/spheres/{id}/leave", post(leave))
        .route("/spheres/{id}/members", get(members))
        .route("/spheres/{id}/settings", post(settings))
        .route("/spheres/{id}/invite", post(invite))
        .route("/spheres/{id}/members/{user}/role", post(set_role))
        .route("/requests/{id}/accept", post(accept))
        .route("/requests/{id}/decline", post(decline))
}

#[derive(Template)]
#[template(path = "spheres.html")]
struct ListPage {
    p: Page,
    /// The reader's own spheres, all of them.
    mine: Vec<Sphere>,
    /// A page of the others they see, the most followed first.
    discover: Vec<Sphere>,
    page: i64,
    more: bool,
    form_name: String,
    form_description: String,
}

/// Spheres to discover shown at once: a company's thousands of spheres are paged, not sent
/// to a phone in one page.
const DISCOVER_PAGE: i64 = 30;

async fn list_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    page: i64,
    form: Option<(&SphereForm, Vec<validate::FieldError>)>,
) -> AppResult<Response> {
    let (org, me) = (auth.user.org_id, auth.user.id);
    let mine = state.db.visible_spheres(org, me, true).await?;
    let mut discover = state
        .db
        .spheres_to_discover(org, me, DISCOVER_PAGE + 1, (page - 1) * DISCOVER_PAGE)
        .await?;
    let more = discover.len() as i64 > DISCOVER_PAGE;
    discover.truncate(DISCOVER_PAGE as usize);
    let mut p = Page::new(state, lang, csrf, Some(auth), "spheres-title").await;
    let (status, form_name, form_description) = match form {
        Some((f, errs)) => {
            p = p.with_errors(&errs);
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                f.name.clone(),
                f.description.clone(),
            )
        }
        None => (StatusCode::OK, String::new(), String::new()),
    };
    Ok(render_status(
        status,
        &ListPage {
            p,
            mine,
            discover,
            page,
            more,
            form_name,
            form_description,
        },
    ))
}

#[derive(Deserialize)]
struct ListQuery {
    page: Option<String>,
}

async fn list(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    // Pages from 1; anything else (or past 1,000) reads as the first or the last allowed.
    let page = q
        .page
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or(1)
        .clamp(1, 1_000);
    list_page(&state, lang, &csrf, &auth, page, None).await
}

#[derive(Deserialize)]
struct SphereForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    requires_approval: Option<String>,
}

impl SphereForm {
    fn input(&self) -> spheres::SphereInput {
        spheres::SphereInput {
            name: self.name.clone(),
            description: self.description.clone(),
            kind: self.kind.clone(),
            requires_approval: self.requires_approval.is_some(),
        }
    }
}

async fn create(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<SphereForm>,
) -> AppResult<Response> {
    match spheres::create(&state, &auth, &f.input()).await {
        Ok(id) => Ok(see_other(&format!("/spheres/{id}"))),
        Err(AppError::Validation(errs)) => {
            list_page(&state, lang, &csrf, &auth, 1, Some((&f, errs))).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "sphere.html")]
struct SpherePage {
    p: Page,
    s: Sphere,
    access: SphereAccess,
    pinned: Vec<Post>,
    pending: Vec<Post>,
    posts: Vec<Post>,
    next: Option<String>,
    more_url: String,
    /// The side panel (issue 4 widgets).
    widgets: Vec<crate::service::widgets::WidgetView>,
}

async fn show(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
) -> AppResult<Response> {
    let home = posts::sphere_home(&state, &auth, spheres::load(&state, &auth, id).await?).await?;
    let v = home.visible;
    let mut p = Page::new(&state, lang, &csrf, Some(&auth), "spheres-title").await;
    p.title = v.sphere().name.clone();
    let widgets = crate::service::widgets::panel(&state, &v).await?;
    Ok(render(&SpherePage {
        p,
        widgets,
        access: v.access(),
        more_url: format!("/spheres/{id}/items?after="),
        s: v.into_sphere(),
        pinned: home.pinned,
        pending: home.pending,
        posts: home.page.posts,
        next: home.page.next,
    }))
}

async fn items(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
    Query(q): Query<After>,
) -> AppResult<Response> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    let page = posts::sphere_feed(&state, &auth, &sphere, q.after.as_deref()).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "spheres-title").await;
    Ok(render(&FeedItems {
        p,
        posts: page.posts,
        next: page.next,
        more_url: format!("/spheres/{id}/items?after="),
    }))
}

#[derive(Deserialize, Default)]
struct JoinNext {
    /// Where to go back to (a publication the person was reading), within the site.
    #[serde(default)]
    next: Option<String>,
}

async fn join(
    state: St,
    auth: Auth,
    PathId(id): PathId<SphereId>,
    Query(q): Query<JoinNext>,
) -> AppResult<Response> {
    spheres::join(&state, &auth, id).await?;
    let to = match q.next.as_deref() {
        Some(n) => super::account::safe_next(n),
        None => format!("/spheres/{id}"),
    };
    Ok(see_other(&to))
}

async fn leave(state: St, auth: Auth, PathId(id): PathId<SphereId>) -> AppResult<Response> {
    spheres::leave(&state, &auth, id).await?;
    Ok(see_other("/spheres"))
}

#[derive(Template)]
#[template(path = "sphere_members.html")]
struct MembersPage {
    p: Page,
    s: Sphere,
    access: SphereAccess,
    members: Vec<(SphereMember, String)>,
    requests: Vec<SphereRequest>,
    /// For the organization's managers: the membership rules and what they can name.
    rules: Option<(Vec<membership_rules::RuleView>, RuleChoices)>,
}

impl MembersPage {
    fn rule_text(&self, r: &membership_rules::RuleView) -> String {
        let what = tr(self.p.lang, &format!("rule-{}", r.stored.attribute));
        match (&r.stored.value, &r.stored.manager_name) {
            (Some(v), _) | (None, Some(v)) => format!("{what} : {v}"),
            (None, None) => what,
        }
    }
}

async fn members(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
) -> AppResult<Response> {
    members_page(&state, lang, &csrf, &auth, id, None).await
}

/// The members page, with the refused form's message when there is one.
pub(super) async fn members_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: SphereId,
    refused: Option<AppError>,
) -> AppResult<Response> {
    let v = spheres::readable(state, auth, id).await?;
    let members = spheres::members(state, &v).await?;
    // Administrators see the requests; for anyone else there are none to show.
    let requests = match spheres::join_requests(state, auth, id).await {
        Err(AppError::Forbidden) => Vec::new(),
        r => r?,
    };
    let members = members
        .into_iter()
        .map(|m| {
            let label = tr(lang, &format!("role-{}", m.role));
            (m, label)
        })
        .collect();
    let rules = match membership_rules::list(state, auth, id).await {
        Err(AppError::Forbidden) => None,
        r => Some((r?, membership_rules::choices(state, auth).await?)),
    };
    let mut p = Page::new(state, lang, csrf, Some(auth), "sphere-members").await;
    p.title = v.sphere().name.clone();
    let status = match refused {
        Some(AppError::Validation(e)) => {
            p = p.with_errors(&e);
            StatusCode::UNPROCESSABLE_ENTITY
        }
        Some(AppError::Refused(code)) => {
            p = p.with_error_code(code);
            StatusCode::CONFLICT
        }
        Some(e) => return Err(e.into()),
        None => StatusCode::OK,
    };
    Ok(render_status(
        status,
        &MembersPage {
            p,
            access: v.access(),
            s: v.into_sphere(),
            members,
            requests,
            rules,
        },
    ))
}

async fn settings(
    state: St,
    auth: Auth,
    PathId(id): PathId<SphereId>,
    Form(f): Form<SphereForm>,
) -> AppResult<Response> {
    spheres::update(&state, &auth, id, &f.input()).await?;
    Ok(see_other(&format!("/spheres/{id}")))
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
}

async fn invite(
    state: St,
    auth: Auth,
    PathId(id): PathId<SphereId>,
    Form(f): Form<InviteForm>,
) -> AppResult<Response> {
    let email = validate::email("email", &f.email)?;
    let user = state
        .db
        .user_by_email(&email)
        .await?
        .filter(|u| u.org_id == auth.user.org_id)
        .ok_or(validate::FieldError::new("email", "unknown_member"))?;
    spheres::invite(&state, &auth, id, user.id).await?;
    Ok(see_other(&format!("/spheres/{id}/members")))
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    role: String,
}

async fn set_role(
    state: St,
    auth: Auth,
    PathIds(id, user): PathIds<SphereId, UserId>,
    Form(f): Form<RoleForm>,
) -> AppResult<Response> {
    let role = match f.role.as_str() {
        "remove" => None,
        r => Some(SphereRole::parse(r).ok_or(validate::FieldError::new("role", "invalid_choice"))?),
    };
    spheres::set_role(&state, &auth, id, user, role).await?;
    Ok(see_other(&format!("/spheres/{id}/members")))
}

async fn accept(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    let r = spheres::answer_request(&state, &auth, id, true).await?;
    let to = if r.user_id == auth.user.id {
        format!("/spheres/{}", r.sphere_id)
    } else {
        format!("/spheres/{}/members", r.sphere_id)
    };
    Ok(see_other(&to))
}

async fn decline(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    let r = spheres::answer_request(&state, &auth, id, false).await?;
    let to = if r.user_id == auth.user.id {
        "/".to_string()
    } else {
        format!("/spheres/{}/members", r.sphere_id)
    };
    Ok(see_other(&to))
}
