//! Champions pages: volunteering (everyone) and the proposal, confirmation and follow-up of
//! the cohort (organization managers).
use super::{Page, PathId, St, render, render_status};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::service::champions::{self as svc, ProposalView};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::champions::DEFAULT_SHARE;
use embarq_domain::paging::{PAGE_SIZE, search_page};
use embarq_domain::{Id, SphereId, UserId, parse_as, policy};
use embarq_store::{ChampionRow, Sphere, TrainingEvent};
use serde::Deserialize;
use std::borrow::Borrow;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/champions", get(member_page))
        .route("/champions/volunteer", post(volunteer))
        .route("/admin/champions", get(admin_page))
        .route("/admin/champions/confirm", post(confirm))
        .route("/admin/champions/nominate", post(nominate))
        .route("/admin/champions/{id}/remove", post(remove))
        .route("/admin/champions/{id}/role", post(grant_role))
}

#[derive(Template)]
#[template(path = "champions.html")]
struct MemberPage {
    p: Page,
    volunteer: bool,
    panel: Option<Option<SphereId>>,
}

async fn member_page(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    let volunteer = svc::is_volunteer(&state, &auth).await?;
    let panel = svc::home_panel(&state, &auth).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "champions-title").await;
    Ok(render(&MemberPage {
        p,
        volunteer,
        panel,
    }))
}

#[derive(Deserialize)]
struct VolunteerForm {
    #[serde(default)]
    on: String,
}

async fn volunteer(state: St, auth: Auth, Form(f): Form<VolunteerForm>) -> AppResult<Response> {
    svc::set_volunteer(&state, &auth, f.on == "1").await?;
    Ok(super::see_other("/champions"))
}

struct Row {
    id: Id,
    name: String,
    detail: String,
    reasons: String,
    /// What the search looks in.
    search: String,
}

struct DimRow {
    label: String,
    represented: usize,
    present: usize,
    values: Vec<(String, usize, usize, usize)>,
}

struct ChampionView {
    row: ChampionRow,
    signed_in: bool,
}

#[derive(Template)]
#[template(path = "champions_admin.html")]
struct AdminPage {
    p: Page,
    share: i64,
    invited: bool,
    warning: bool,
    empty_directory: bool,
    size: usize,
    /// The search over both lists (name, department, site).
    q: String,
    /// This page of the proposal (all of it for a small organization).
    rows: Vec<Row>,
    rows_total: usize,
    page: usize,
    pages: usize,
    others: Vec<Row>,
    dims: Vec<DimRow>,
    /// The HR file's gaps: "23 people have no site".
    gaps: Vec<String>,
    represented: usize,
    present: usize,
    achieved: String,
    achieved_pct: f64,
    champions: Vec<ChampionView>,
    champions_total: usize,
    /// All confirmed champions, before the search.
    champions_all: usize,
    cpage: usize,
    cpages: usize,
    training: Option<TrainingEvent>,
    spheres: Vec<Sphere>,
}

#[derive(Deserialize, Default)]
struct ShareQuery {
    #[serde(default)]
    share: Option<String>,
    #[serde(default)]
    invited: Option<String>,
    #[serde(default)]
    q: String,
    /// The proposal's page, from 1.
    #[serde(default)]
    page: Option<usize>,
    /// The confirmed champions' page, from 1.
    #[serde(default)]
    cpage: Option<usize>,
}

impl AdminPage {
    /// The page itself with another proposal page and champions page.
    fn link(&self, page: impl Borrow<usize>, cpage: impl Borrow<usize>) -> String {
        let (page, cpage) = (*page.borrow(), *cpage.borrow());
        let mut url = url::form_urlencoded::Serializer::new(String::new());
        url.append_pair("share", &self.share.to_string())
            .append_pair("invited", if self.invited { "1" } else { "0" });
        if !self.q.is_empty() {
            url.append_pair("q", &self.q);
        }
        url.append_pair("page", &page.to_string())
            .append_pair("cpage", &cpage.to_string());
        format!("/admin/champions?{}", url.finish())
    }
    /// The whole proposal does not fit this page: confirming takes every page at once.
    fn all_pages(&self) -> bool {
        self.size > self.rows.len()
    }
}

/// What a search looks in: the name, department and site.
fn searchable(name: &str, department: &Option<String>, site: &Option<String>) -> String {
    format!(
        "{name} {} {}",
        department.as_deref().unwrap_or_default(),
        site.as_deref().unwrap_or_default()
    )
}

fn rows(lang: Lang, view: &ProposalView) -> (Vec<Row>, Vec<Row>) {
    let detail = |d: &Option<String>, s: &Option<String>| {
        [d.as_deref(), s.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · ")
    };
    let picks = view
        .proposal
        .picks
        .iter()
        .filter_map(|pk| {
            view.people.get(&pk.id).map(|e| Row {
                id: e.id.into(),
                name: e.display_name.clone(),
                detail: detail(&e.department, &e.site),
                reasons: svc::reasons_text(lang, &pk.reasons),
                search: searchable(&e.display_name, &e.department, &e.site),
            })
        })
        .collect();
    let others = view
        .other_candidates
        .iter()
        .map(|e| Row {
            id: e.id.into(),
            name: e.display_name.clone(),
            detail: detail(&e.department, &e.site),
            search: searchable(&e.display_name, &e.department, &e.site),
            reasons: [
                e.volunteer
                    .then(|| i18n::tr(lang, "champions-reason-volunteer")),
                e.nominated
                    .then(|| i18n::tr(lang, "champions-reason-nominated")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" · "),
        })
        .collect();
    (picks, others)
}

/// Renders the managers' page for `share`, with an optional notice or error.
async fn render_admin(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    view: &ShareQuery,
    notice: Option<String>,
) -> AppResult<Response> {
    let share = parse_share(view.share.as_deref());
    let invited = view.invited.as_deref() != Some("0");
    if !policy::can_manage_champions(auth.viewer()) {
        return Err(AppError::Forbidden.into());
    }
    let mut p = Page::new(state, lang, csrf, Some(auth), "champions-admin-title").await;
    p.notice = notice;
    let mut status = StatusCode::OK;
    let champions = svc::list(state, auth).await?;
    let champions_all = champions.len();
    let champions = search_page(
        champions,
        &view.q,
        |c| searchable(&c.display_name, &c.department, &c.site),
        view.cpage.unwrap_or(1),
        PAGE_SIZE,
    );
    let mut page = AdminPage {
        p,
        share,
        invited,
        warning: false,
        empty_directory: false,
        size: 0,
        q: view.q.trim().to_string(),
        rows: Vec::new(),
        rows_total: 0,
        page: 1,
        pages: 1,
        others: Vec::new(),
        dims: Vec::new(),
        gaps: Vec::new(),
        represented: 0,
        present: 0,
        achieved: String::new(),
        achieved_pct: 0.0,
        champions_total: champions.total,
        champions_all,
        cpage: champions.page,
        cpages: champions.pages,
        champions: champions
            .items
            .into_iter()
            .map(|row| ChampionView {
                signed_in: row.activated_at.is_some(),
                row,
            })
            .collect(),
        training: state
            .db
            .upcoming_champions_training(auth.user.org_id, embarq_store::now_ms())
            .await?,
        spheres: state
            .db
            .visible_spheres(auth.user.org_id, auth.user.id, false)
            .await?,
    };
    match svc::proposal(state, auth, share, invited).await {
        Ok(proposal) => {
            let c = &proposal.proposal.coverage;
            page.warning = proposal.proposal.warning;
            page.size = proposal.proposal.size;
            page.represented = c.represented;
            page.present = c.present;
            page.achieved_pct = c.share_achieved;
            page.achieved = format!("{:.1}", c.share_achieved);
            page.dims = c
                .dimensions
                .iter()
                .map(|d| DimRow {
                    label: svc::dimension_label(lang, d.dimension),
                    represented: d.represented,
                    present: d.present,
                    values: d
                        .values
                        .iter()
                        .map(|v| {
                            (
                                v.value
                                    .clone()
                                    .unwrap_or_else(|| i18n::tr(lang, "champions-unknown")),
                                v.picked,
                                v.quota,
                                v.population,
                            )
                        })
                        .collect(),
                })
                .collect();
            page.gaps = c
                .dimensions
                .iter()
                .filter_map(|d| {
                    let unknown = d.values.iter().find(|v| v.value.is_none())?;
                    Some(i18n::tr_args(
                        lang,
                        &format!("champions-gap-{}", d.dimension.as_str()),
                        &[("count", (unknown.population as i64).into())],
                    ))
                })
                .collect();
            let (picks, others) = rows(lang, &proposal);
            let picks = search_page(
                picks,
                &view.q,
                |r| r.search.clone(),
                view.page.unwrap_or(1),
                PAGE_SIZE,
            );
            (page.rows_total, page.page, page.pages) = (picks.total, picks.page, picks.pages);
            page.rows = picks.items;
            page.others = search_page(others, &view.q, |r| r.search.clone(), 1, PAGE_SIZE).items;
        }
        Err(AppError::Refused("champions_empty_directory")) => page.empty_directory = true,
        Err(AppError::Validation(f)) => {
            status = StatusCode::UNPROCESSABLE_ENTITY;
            page.p = page.p.with_errors(&f);
        }
        Err(e) => return Err(e.into()),
    }
    Ok(render_status(status, &page))
}

/// A share from a form or query: missing means the default, garbage is out of range.
fn parse_share(raw: Option<&str>) -> i64 {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => DEFAULT_SHARE,
        Some(s) => s.parse().unwrap_or(-1),
    }
}

async fn admin_page(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(q): Query<ShareQuery>,
) -> AppResult<Response> {
    render_admin(&state, lang, &csrf, &auth, &q, None).await
}

/// The confirmation form: checked `user_id`s plus e-mails typed by the manager. With `all`,
/// the whole proposal (every page) is confirmed too, but for the rows `shown` on the page
/// and left unticked.
async fn confirm(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(pairs): Form<Vec<(String, String)>>,
) -> AppResult<Response> {
    let field = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let share = parse_share(field("share"));
    let invited = field("invited") != Some("0");
    let ids_of = |name: &str| -> Result<Vec<UserId>, AppError> {
        pairs
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| parse_as(v).ok_or(AppError::NotFound))
            .collect()
    };
    let mut ids = ids_of("user_id")?;
    if field("all") == Some("1") {
        let unticked: Vec<UserId> = ids_of("shown")?
            .into_iter()
            .filter(|id| !ids.contains(id))
            .collect();
        let proposal = svc::proposal(&state, &auth, share, invited).await?;
        ids.extend(
            proposal
                .proposal
                .picks
                .iter()
                .map(|pk| pk.id)
                .filter(|id| !unticked.contains(id)),
        );
    }
    let emails: Vec<String> = field("emails")
        .unwrap_or_default()
        .split([',', ';', '\n', ' '])
        .map(|e| e.trim().to_lowercase())
        .filter(|e| !e.is_empty())
        .collect();
    if !emails.is_empty() {
        let found = state.db.users_by_emails(auth.user.org_id, &emails).await?;
        if found.len() < emails.len() {
            return Err(
                embarq_domain::validate::FieldError::new("emails", "unknown_member").into(),
            );
        }
        ids.extend(found.iter().map(|p| p.id));
    }
    let mut seen = std::collections::HashSet::new();
    ids.retain(|id| seen.insert(*id));
    let done = svc::confirm(&state, &auth, &ids, share, lang).await?;
    let mut notice = i18n::tr_args(
        lang,
        "champions-confirmed",
        &[("count", (done.added as i64).into())],
    );
    if done.training.is_none() {
        notice = format!("{notice} {}", i18n::tr(lang, "champions-no-training"));
    }
    let view = ShareQuery {
        share: Some(share.to_string()),
        invited: Some(if invited { "1" } else { "0" }.into()),
        ..Default::default()
    };
    render_admin(&state, lang, &csrf, &auth, &view, Some(notice)).await
}

#[derive(Deserialize)]
struct EmailForm {
    #[serde(default)]
    email: String,
}

async fn nominate(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<EmailForm>,
) -> AppResult<Response> {
    let email = f.email.trim().to_lowercase();
    let found = state
        .db
        .users_by_emails(auth.user.org_id, std::slice::from_ref(&email))
        .await?;
    let person = found
        .first()
        .ok_or(embarq_domain::validate::FieldError::new(
            "email",
            "unknown_member",
        ))?;
    svc::nominate(&state, &auth, person.id).await?;
    let notice = i18n::tr_args(
        lang,
        "champions-nominated",
        &[("name", person.display_name.clone().into())],
    );
    render_admin(
        &state,
        lang,
        &csrf,
        &auth,
        &ShareQuery::default(),
        Some(notice),
    )
    .await
}

async fn remove(state: St, auth: Auth, PathId(id): PathId<UserId>) -> AppResult<Response> {
    svc::remove(&state, &auth, id).await?;
    Ok(super::see_other("/admin/champions"))
}

#[derive(Deserialize)]
struct RoleForm {
    #[serde(default)]
    sphere_id: String,
    #[serde(default)]
    role: String,
}

async fn grant_role(
    state: St,
    auth: Auth,
    PathId(id): PathId<UserId>,
    Form(f): Form<RoleForm>,
) -> AppResult<Response> {
    let role = svc::parse_grant(&f.role)?;
    let sphere = parse_as(&f.sphere_id).ok_or(AppError::NotFound)?;
    svc::grant_role(&state, &auth, id, sphere, role).await?;
    Ok(super::see_other("/admin/champions"))
}
