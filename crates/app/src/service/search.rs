//! Full-text search for the UI and the API: validates the query (never passed raw to the
//! search engine), checks the optional sphere filter through the policy, asks the store
//! for each kind of result with the feed's visibility rules, ranks publications and
//! comments by relevance and recency, pages, and builds escaped, highlighted snippets.
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use embarq_domain::OrgId;
use embarq_domain::search::{QUERY_MAX_CHARS, Query, QueryProblem, combined_score, snippet};
use embarq_domain::validate::FieldError;
use embarq_domain::{SphereId, UserId};
use embarq_store::{SearchScope, now_ms};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

/// Publications and comments: how many recent visible matches are ranked.
pub const WINDOW: i64 = 200;
/// Results per page of one kind.
pub const PAGE_SIZE: usize = 20;
/// Results per kind on the overview (no kind chosen).
pub const PREVIEW: usize = 5;
/// Highest page number accepted.
const PAGE_MAX: usize = (WINDOW as usize).div_ceil(PAGE_SIZE);

/// The kinds of results, in the order the overview shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Posts,
    Comments,
    Spheres,
    Members,
    Files,
}

impl Kind {
    pub const ALL: [Kind; 5] = [
        Kind::Posts,
        Kind::Comments,
        Kind::Spheres,
        Kind::Members,
        Kind::Files,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Posts => "posts",
            Kind::Comments => "comments",
            Kind::Spheres => "spheres",
            Kind::Members => "members",
            Kind::Files => "files",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What was asked, as received (strings are checked here).
#[derive(Debug, Default, Clone)]
pub struct Request {
    pub q: String,
    pub kind: Option<String>,
    pub sphere: Option<String>,
    pub page: Option<String>,
}

/// One result. `title_html` and `snippet_html` are escaped HTML whose only tags are
/// `<mark>` around matched words.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub kind: Kind,
    pub id: Uuid,
    /// Where the result lives in the web UI.
    pub url: String,
    pub title_html: String,
    pub snippet_html: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sphere_id: Option<Uuid>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sphere_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub author_name: Option<String>,
    /// Creation time.
    #[serde(serialize_with = "crate::instant::ms")]
    #[schema(value_type = crate::instant::Instant)]
    pub created_at: i64,
}

/// The results of one kind.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub kind: Kind,
    pub items: Vec<Hit>,
    /// More matches exist than were examined: refine the query to reach older ones.
    pub truncated: bool,
    /// A next page of this kind exists.
    pub has_next: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Results {
    /// The words searched for (folded), as understood.
    pub words: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<Kind>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sphere_id: Option<Uuid>,
    pub page: usize,
    pub groups: Vec<Group>,
}

impl Results {
    pub fn is_empty(&self) -> bool {
        self.groups.iter().all(|g| g.items.is_empty())
    }
}

/// A checked request.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub query: Query,
    pub kind: Option<Kind>,
    pub sphere: Option<SphereId>,
    pub page: usize,
}

/// Checks the request; every problem is a field error (`q`, `type`, `sphere`, `page`).
pub fn parse(req: &Request) -> Result<Parsed, Vec<FieldError>> {
    let mut errors = Vec::new();
    let query = match Query::parse(&req.q) {
        Ok(q) => Some(q),
        Err(QueryProblem::Empty) => {
            errors.push(FieldError::new("q", "required"));
            None
        }
        Err(QueryProblem::TooLong) => {
            errors.push(FieldError::with_limit(
                "q",
                "too_long",
                QUERY_MAX_CHARS as i64,
            ));
            None
        }
    };
    let kind = match req
        .kind
        .as_deref()
        .map(str::trim)
        .filter(|k| !k.is_empty() && *k != "all")
    {
        None => None,
        Some(k) => match Kind::parse(k) {
            Some(k) => Some(k),
            None => {
                errors.push(FieldError::new("type", "invalid_choice"));
                None
            }
        },
    };
    let sphere = match req
        .sphere
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => None,
        Some(s) => match embarq_domain::parse_id(s) {
            Some(id) => Some(SphereId(id)),
            None => {
                errors.push(FieldError::new("sphere", "invalid_choice"));
                None
            }
        },
    };
    let page = match req.page.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 1,
        Some(p) => match p.parse::<usize>() {
            Ok(n) if (1..=PAGE_MAX).contains(&n) => n,
            _ => {
                errors.push(FieldError::with_limit(
                    "page",
                    "out_of_range",
                    PAGE_MAX as i64,
                ));
                1
            }
        },
    };
    match query {
        Some(query) if errors.is_empty() => Ok(Parsed {
            query,
            kind,
            sphere,
            page,
        }),
        _ => Err(errors),
    }
}

/// Runs a search for the signed-in member.
pub async fn search(state: &AppState, auth: &Auth, req: &Request) -> AppResult<Results> {
    let Parsed {
        query,
        kind,
        sphere,
        page,
    } = parse(req)?;
    if let Some(id) = sphere {
        // Unknown, invisible and unreadable spheres get the same answer.
        let readable = match super::spheres::load(state, auth, id).await {
            Ok(v) => v.access().read,
            Err(AppError::NotFound) => false,
            Err(e) => return Err(e),
        };
        if !readable {
            return Err(FieldError::new("sphere", "invalid_choice").into());
        }
    }
    run(
        state.db.clone(),
        auth.user.org_id,
        auth.user.id,
        &query,
        kind,
        sphere,
        page,
    )
    .await
}

/// The search itself, without HTTP concerns (the bench calls it too).
pub async fn run(
    db: embarq_store::Db,
    org_id: OrgId,
    viewer: UserId,
    query: &Query,
    kind: Option<Kind>,
    sphere: Option<SphereId>,
    page: usize,
) -> AppResult<Results> {
    let terms = query.terms();
    let now = now_ms();
    let kinds: Vec<Kind> = match kind {
        Some(k) => vec![k],
        None => Kind::ALL.to_vec(),
    };
    let (shown, skip) = match kind {
        Some(_) => (PAGE_SIZE, (page - 1) * PAGE_SIZE),
        None => (PREVIEW, 0),
    };
    let scope = |limit: i64| SearchScope {
        org_id,
        viewer,
        sphere,
        limit,
    };
    // Spheres, members and files come sorted by relevance: fetch what the page needs.
    let ranked_limit = (skip + shown + 1) as i64;
    let mut groups = Vec::with_capacity(kinds.len());
    for k in kinds {
        let (mut hits, examined_limit): (Vec<(f64, Hit)>, Option<i64>) = match k {
            Kind::Posts | Kind::Comments => {
                let (rows, comments) = if k == Kind::Posts {
                    (db.search_posts(&scope(WINDOW), query).await?, false)
                } else {
                    (db.search_comments(&scope(WINDOW), query).await?, true)
                };
                let best = rows.iter().map(|r| r.relevance).fold(0.0, f64::max);
                let hits = rows
                    .into_iter()
                    .map(|r| {
                        let url = if comments {
                            format!("/posts/{}#comment-{}", r.post_id, r.id)
                        } else {
                            format!("/posts/{}", r.id)
                        };
                        (
                            combined_score(r.relevance, best, now - r.created_at),
                            Hit {
                                kind: k,
                                id: r.id,
                                url,
                                title_html: escape(&r.sphere_name),
                                // Built below, for the shown page only.
                                snippet_html: r.body_md,
                                sphere_id: Some(r.sphere_id.into()),
                                sphere_name: Some(r.sphere_name),
                                author_name: Some(r.author_name),
                                created_at: r.created_at,
                            },
                        )
                    })
                    .collect();
                (hits, Some(WINDOW))
            }
            Kind::Spheres => {
                let rows = db.search_spheres(&scope(ranked_limit), query).await?;
                let hits = rows
                    .into_iter()
                    .map(|r| {
                        (
                            r.relevance,
                            Hit {
                                kind: k,
                                id: r.id.into(),
                                url: format!("/spheres/{}", r.id),
                                title_html: snippet(&r.name, &terms, 40),
                                snippet_html: snippet(&r.description, &terms, 30),
                                sphere_id: None,
                                sphere_name: None,
                                author_name: None,
                                created_at: r.created_at,
                            },
                        )
                    })
                    .collect();
                (hits, None)
            }
            Kind::Members => {
                let rows = db.search_members(&scope(ranked_limit), query).await?;
                let hits = rows
                    .into_iter()
                    .map(|r| {
                        let about: Vec<&str> = [&r.title, &r.department, &r.site]
                            .into_iter()
                            .filter_map(|v| v.as_deref())
                            .filter(|v| !v.trim().is_empty())
                            .collect();
                        (
                            r.relevance,
                            Hit {
                                kind: k,
                                id: r.id.into(),
                                url: format!("/people/{}", r.id),
                                title_html: snippet(&r.display_name, &terms, 40),
                                snippet_html: snippet(&about.join(" · "), &terms, 40),
                                sphere_id: None,
                                sphere_name: None,
                                author_name: None,
                                created_at: r.created_at,
                            },
                        )
                    })
                    .collect();
                (hits, None)
            }
            Kind::Files => {
                let rows = db.search_files(&scope(ranked_limit), query).await?;
                let hits = rows
                    .into_iter()
                    .map(|r| {
                        (
                            r.relevance,
                            Hit {
                                kind: k,
                                id: r.id,
                                url: format!("/files/{}", r.id),
                                title_html: snippet(&r.name, &terms, 40),
                                snippet_html: escape(&format!(
                                    "{} · {}",
                                    r.content_type,
                                    human_size(r.size_bytes)
                                )),
                                sphere_id: Some(r.sphere_id.into()),
                                sphere_name: Some(r.sphere_name),
                                author_name: None,
                                created_at: r.created_at,
                            },
                        )
                    })
                    .collect();
                (hits, None)
            }
        };
        // Best first; ties: newest first.
        hits.sort_by(|a, b| {
            b.0.total_cmp(&a.0)
                .then_with(|| b.1.created_at.cmp(&a.1.created_at))
        });
        let found = hits.len();
        let truncated = match examined_limit {
            Some(w) => found as i64 >= w,
            None => false,
        };
        let has_next = found > skip + shown;
        let mut items: Vec<Hit> = hits
            .into_iter()
            .skip(skip)
            .take(shown)
            .map(|(_, h)| h)
            .collect();
        if matches!(k, Kind::Posts | Kind::Comments) {
            for h in &mut items {
                h.snippet_html = snippet(&h.snippet_html, &terms, 30);
            }
        }
        groups.push(Group {
            kind: k,
            items,
            truncated,
            has_next,
        });
    }
    Ok(Results {
        words: query.words.clone(),
        kind,
        sphere_id: sphere.map(Into::into),
        page,
        groups,
    })
}

fn escape(s: &str) -> String {
    snippet(s, &HashSet::new(), usize::MAX)
}

fn human_size(bytes: i64) -> String {
    let b = bytes.max(0) as f64;
    if b < 1024.0 {
        format!("{bytes} B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.0} KB", b / 1024.0)
    } else {
        format!("{:.1} MB", b / (1024.0 * 1024.0))
    }
}
