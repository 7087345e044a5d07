//! Checklist pages: a person's progress (/checklist) and the managers' aggregate per role
//! (/admin/checklists).
use super::{Page, St, render};
use crate::auth::{Auth, Csrf};
use crate::error::AppResult;
use crate::i18n::{Lang, tr};
use crate::service::checklists;
use crate::state::WebState;
use askama::Template;
use axum::Router;
use axum::response::Response;
use axum::routing::get;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/checklist", get(mine))
        .route("/admin/checklists", get(summary))
}

fn role_label(lang: Lang, role: &str) -> String {
    tr(lang, &format!("checklists-role-{}", role.replace('_', "-")))
}

fn item_label(lang: Lang, key: &str) -> String {
    tr(lang, &format!("checklists-item-{key}"))
}

struct ListView {
    title: String,
    done: usize,
    total: usize,
    percent: u32,
    /// (label, link, done)
    items: Vec<(String, &'static str, bool)>,
}

#[derive(Template)]
#[template(path = "checklist.html")]
struct MinePage {
    p: Page,
    lists: Vec<ListView>,
}

async fn mine(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    let lists = checklists::mine(&state, &auth)
        .await?
        .into_iter()
        .map(|c| ListView {
            title: role_label(lang, c.role.as_str()),
            done: c.done,
            total: c.items.len(),
            percent: c.percent,
            items: c
                .items
                .iter()
                .map(|i| (item_label(lang, i.key), i.link, i.done))
                .collect(),
        })
        .collect();
    let p = Page::new(&state, lang, &csrf, Some(&auth), "checklists-title").await;
    Ok(render(&MinePage { p, lists }))
}

struct RoleView {
    title: String,
    people: usize,
    /// (label, link, done, percent)
    items: Vec<(String, &'static str, usize, u32)>,
}

#[derive(Template)]
#[template(path = "admin_checklists.html")]
struct SummaryPage {
    p: Page,
    roles: Vec<RoleView>,
}

async fn summary(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    let roles = checklists::summary(&state, &auth)
        .await?
        .into_iter()
        .map(|r| RoleView {
            title: role_label(lang, r.role.as_str()),
            people: r.people,
            items: r
                .items
                .iter()
                .map(|i| (item_label(lang, i.key), i.link, i.done, i.percent))
                .collect(),
        })
        .collect();
    let p = Page::new(&state, lang, &csrf, Some(&auth), "checklists-admin-title").await;
    Ok(render(&SummaryPage { p, roles }))
}
