//! The search page (`/search`) and the top bar's live results (`/search/live`): one box
//! over publications, comments, spheres, members and file names (service::search).
use super::{Page, St, render};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::service::search::{self, Group, Kind, Request, Results};
use askama::Template;
use axum::Router;
use axum::extract::Query;
use axum::response::Response;
use axum::routing::get;
use embarq_store::Sphere;
use serde::Deserialize;

pub fn router() -> axum::Router<crate::state::WebState> {
    Router::new()
        .route("/search", get(page))
        .route("/search/live", get(live))
}

#[derive(Deserialize, Default)]
struct Params {
    #[serde(default)]
    q: String,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    sphere: Option<String>,
    #[serde(default)]
    page: Option<String>,
}

impl Params {
    fn request(&self) -> Request {
        Request {
            q: self.q.clone(),
            kind: self.kind.clone(),
            sphere: self.sphere.clone(),
            page: self.page.clone(),
        }
    }
}

/// A link to the search with these parameters.
fn link(q: &str, kind: Option<Kind>, sphere: &str, page: usize) -> String {
    let mut s = format!("/search?q={}", urlencoding::encode(q));
    if let Some(k) = kind {
        s.push_str(&format!("&type={}", k.as_str()));
    }
    if !sphere.is_empty() {
        s.push_str(&format!("&sphere={}", urlencoding::encode(sphere)));
    }
    if page > 1 {
        s.push_str(&format!("&page={page}"));
    }
    s
}

#[derive(Template)]
#[template(path = "search.html")]
struct SearchPage {
    p: Page,
    q: String,
    kind: String,
    sphere: String,
    my_spheres: Vec<Sphere>,
    results: Option<Results>,
    prev_url: Option<String>,
    next_url: Option<String>,
}

impl SearchPage {
    fn kinds(&self) -> [Kind; 5] {
        Kind::ALL
    }
    fn kind_label(&self, k: impl std::borrow::Borrow<Kind>) -> String {
        self.p.t(&format!("search-kind-{}", k.borrow().as_str()))
    }
    fn see_all(&self, g: &Group) -> String {
        link(&self.q, Some(g.kind), &self.sphere, 1)
    }
}

async fn page(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(params): Query<Params>,
) -> AppResult<Response> {
    let my_spheres = state
        .db
        .visible_spheres(auth.user.org_id, auth.user.id, true)
        .await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "search-title").await;
    let blank = params.q.trim().is_empty();
    let (p, results) = if blank {
        (p, None)
    } else {
        match search::search(&state, &auth, &params.request()).await {
            Ok(r) => (p, Some(r)),
            Err(AppError::Validation(f)) => (p.with_errors(&f), None),
            Err(e) => return Err(e.into()),
        }
    };
    let sphere = params.sphere.clone().unwrap_or_default();
    let (prev_url, next_url) = match &results {
        Some(r) => match (r.kind, r.groups.first()) {
            (Some(k), Some(g)) => (
                (r.page > 1).then(|| link(&params.q, Some(k), &sphere, r.page - 1)),
                g.has_next
                    .then(|| link(&params.q, Some(k), &sphere, r.page + 1)),
            ),
            _ => (None, None),
        },
        None => (None, None),
    };
    Ok(render(&SearchPage {
        p,
        q: params.q.trim().chars().take(search_input_max()).collect(),
        kind: params
            .kind
            .as_deref()
            .and_then(Kind::parse)
            .map(|k| k.as_str().to_string())
            .unwrap_or_default(),
        sphere,
        my_spheres,
        results,
        prev_url,
        next_url,
    }))
}

/// The input keeps a little more than the limit, so that a too-long query shows its error
/// with the text still there to shorten.
fn search_input_max() -> usize {
    embarq_domain::search::QUERY_MAX_CHARS + 50
}

#[derive(Template)]
#[template(path = "search_live.html")]
struct LiveResults {
    p: Page,
    all_url: String,
    results: Option<Results>,
    error: Option<String>,
}

impl LiveResults {
    fn kind_label(&self, k: impl std::borrow::Borrow<Kind>) -> String {
        self.p.t(&format!("search-kind-{}", k.borrow().as_str()))
    }
}

/// The top bar's results as one types (htmx, debounced): the best few of each kind.
async fn live(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(params): Query<Params>,
) -> AppResult<Response> {
    let p = Page::new(&state, lang, &csrf, Some(&auth), "search-title").await;
    let q = params.q.trim().to_string();
    let (results, error) = if q.is_empty() {
        (None, None)
    } else {
        let req = Request {
            q: q.clone(),
            ..Request::default()
        };
        match search::search(&state, &auth, &req).await {
            Ok(r) => (Some(r), None),
            Err(AppError::Validation(f)) => {
                (None, f.first().map(|e| crate::i18n::field_error(lang, e)))
            }
            Err(e) => return Err(e.into()),
        }
    };
    Ok(render(&LiveResults {
        p,
        all_url: link(&q, None, "", 1),
        results,
        error,
    }))
}
