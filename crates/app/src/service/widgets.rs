//! Widgets of a sphere's side panel: useful links, a video (uploaded to the file box or
//! embedded from an allow-listed host) and a rich-text note, ordered by the sphere's
//! administrators.
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::service::spheres::{Readable, Visible};
use crate::state::AppState;
use embarq_domain::SphereId;
use embarq_domain::files::{
    self as rules, URL_MAX, WIDGET_LINKS_MAX, WIDGET_NOTE_MAX, WIDGET_TITLE_MAX, WidgetKind,
};
use embarq_domain::validate::{self, Errors, FieldError};
use embarq_domain::{Id, OrgId, markdown, policy};
use embarq_store::{Widget, WidgetContent};
use serde::{Deserialize, Serialize};

/// One useful link.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Link {
    pub title: String,
    pub url: String,
}

/// What a person typed for a widget (UI form or API body).
#[derive(Debug, Clone, Default)]
pub struct WidgetInput {
    pub kind: String,
    pub title: String,
    pub body: String,
    pub links: Vec<Link>,
    pub video_url: String,
    pub video_file_id: Option<Id>,
}

/// A widget ready to show.
#[derive(Debug, Clone)]
pub struct WidgetView {
    pub w: Widget,
    pub kind: WidgetKind,
    pub note_html: String,
    pub links: Vec<Link>,
}

impl WidgetView {
    fn new(w: Widget) -> Self {
        let kind = WidgetKind::parse(&w.kind).unwrap_or(WidgetKind::Note);
        let note_html = if kind == WidgetKind::Note {
            markdown::render_stored(&w.body)
        } else {
            String::new()
        };
        let links = serde_json::from_str(&w.links).unwrap_or_default();
        WidgetView {
            w,
            kind,
            note_html,
            links,
        }
    }
}

/// The side panel of a sphere the viewer can read (empty otherwise: nothing leaks).
pub async fn panel(state: &AppState, v: &Visible) -> AppResult<Vec<WidgetView>> {
    if !v.access().read {
        return Ok(Vec::new());
    }
    Ok(state
        .db
        .widgets(v.id())
        .await?
        .into_iter()
        .map(WidgetView::new)
        .collect())
}

/// Widgets of a readable sphere.
pub async fn list(state: &AppState, sphere: &Readable) -> AppResult<Vec<WidgetView>> {
    panel(state, sphere).await
}

/// Parses "Title | https://…" lines (or a bare URL) of the links form.
pub fn parse_link_lines(text: &str) -> Vec<Link> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| match l.rsplit_once('|') {
            Some((t, u)) => Link {
                title: t.trim().to_string(),
                url: u.trim().to_string(),
            },
            None => Link {
                title: String::new(),
                url: l.to_string(),
            },
        })
        .collect()
}

/// Links as the form shows them again.
pub fn link_lines(links: &[Link]) -> String {
    links
        .iter()
        .map(|l| format!("{} | {}", l.title, l.url))
        .collect::<Vec<_>>()
        .join("\n")
}

async fn validate_input(
    state: &AppState,
    org_id: OrgId,
    sphere_id: SphereId,
    kind: WidgetKind,
    i: &WidgetInput,
) -> AppResult<WidgetContent> {
    let mut e = Errors::default();
    let title = e
        .check(validate::required(
            "widget_title",
            &i.title,
            WIDGET_TITLE_MAX,
        ))
        .unwrap_or_default();
    let mut c = WidgetContent {
        title,
        links: "[]".to_string(),
        ..Default::default()
    };
    match kind {
        WidgetKind::Note => {
            c.body = e
                .check(validate::required("body", &i.body, WIDGET_NOTE_MAX))
                .unwrap_or_default();
        }
        WidgetKind::Links => {
            if i.links.is_empty() {
                e.check::<()>(Err(FieldError::new("links", "required")));
            } else if i.links.len() > WIDGET_LINKS_MAX {
                e.check::<()>(Err(FieldError::with_limit(
                    "links",
                    "too_many",
                    WIDGET_LINKS_MAX as i64,
                )));
            }
            let mut out = Vec::new();
            for l in i.links.iter().take(WIDGET_LINKS_MAX) {
                let url = e.check(rules::https_url("links", &l.url));
                let title = e.check(validate::optional("links", &l.title, WIDGET_TITLE_MAX));
                if let (Some(url), Some(title)) = (url, title) {
                    let title = title.unwrap_or_else(|| {
                        url::Url::parse(&url)
                            .ok()
                            .and_then(|u| u.host_str().map(str::to_string))
                            .unwrap_or_else(|| url.clone())
                    });
                    out.push(Link { title, url });
                }
            }
            c.links = serde_json::to_string(&out).unwrap_or_else(|_| "[]".into());
        }
        WidgetKind::Video => match (i.video_file_id, i.video_url.trim()) {
            (Some(fid), "") => match state.db.file(org_id, fid).await? {
                Some(f) if f.sphere_id == sphere_id && rules::is_video(&f.content_type) => {
                    c.video_file_id = Some(fid);
                }
                _ => {
                    e.check::<()>(Err(FieldError::new("video_file_id", "not_a_video")));
                }
            },
            (None, "") => {
                e.check::<()>(Err(FieldError::new("video_url", "required")));
            }
            (Some(_), _) => {
                e.check::<()>(Err(FieldError::new("video_url", "video_one_source")));
            }
            (None, url) => {
                if url.chars().count() > URL_MAX {
                    e.check::<()>(Err(FieldError::with_limit(
                        "video_url",
                        "too_long",
                        URL_MAX as i64,
                    )));
                } else {
                    c.video_url = e.check(rules::video_embed(
                        "video_url",
                        url,
                        &state.config.files.peertube_hosts,
                    ));
                }
            }
        },
    }
    e.into_result()?;
    Ok(c)
}

pub async fn create(
    state: &AppState,
    auth: &Auth,
    sphere: &Readable,
    i: &WidgetInput,
) -> AppResult<Id> {
    sphere.require(policy::can_manage_widgets)?;
    let sphere_id = sphere.id();
    let kind = WidgetKind::parse(i.kind.trim()).ok_or(FieldError::new("kind", "invalid_choice"))?;
    let c = validate_input(state, auth.user.org_id, sphere_id, kind, i).await?;
    Ok(state
        .db
        .create_widget(auth.user.org_id, sphere_id, kind.as_str(), &c, auth.user.id)
        .await?)
}

pub async fn get(state: &AppState, sphere: &Readable, id: Id) -> AppResult<WidgetView> {
    state
        .db
        .widget(sphere.id(), id)
        .await?
        .map(WidgetView::new)
        .ok_or(AppError::NotFound)
}

/// Replaces a widget's content (its kind stays).
pub async fn update(
    state: &AppState,
    auth: &Auth,
    sphere: &Readable,
    id: Id,
    i: &WidgetInput,
) -> AppResult<()> {
    sphere.require(policy::can_manage_widgets)?;
    let sphere_id = sphere.id();
    let w = state
        .db
        .widget(sphere_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = WidgetKind::parse(&w.kind).unwrap_or(WidgetKind::Note);
    let c = validate_input(state, auth.user.org_id, sphere_id, kind, i).await?;
    Ok(state.db.update_widget(id, &c).await?)
}

pub async fn delete(state: &AppState, sphere: &Readable, id: Id) -> AppResult<()> {
    sphere.require(policy::can_manage_widgets)?;
    state
        .db
        .widget(sphere.id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(state.db.delete_widget(id).await?)
}

/// Moves a widget one place up (`up`) or down.
pub async fn shift(state: &AppState, sphere: &Readable, id: Id, up: bool) -> AppResult<()> {
    sphere.require(policy::can_manage_widgets)?;
    let sphere_id = sphere.id();
    let mut ids: Vec<Id> = state
        .db
        .widgets(sphere_id)
        .await?
        .iter()
        .map(|w| w.id)
        .collect();
    let i = ids
        .iter()
        .position(|x| *x == id)
        .ok_or(AppError::NotFound)?;
    let j = if up { i.checked_sub(1) } else { Some(i + 1) };
    if let Some(j) = j.filter(|j| *j < ids.len()) {
        ids.swap(i, j);
        state.db.reorder_widgets(sphere_id, &ids).await?;
    }
    Ok(())
}

/// Sets the whole order; `ids` must list every widget of the sphere exactly once.
pub async fn reorder(state: &AppState, sphere: &Readable, ids: &[Id]) -> AppResult<()> {
    sphere.require(policy::can_manage_widgets)?;
    let sphere_id = sphere.id();
    let mut current: Vec<Id> = state
        .db
        .widgets(sphere_id)
        .await?
        .iter()
        .map(|w| w.id)
        .collect();
    let mut given = ids.to_vec();
    current.sort();
    given.sort();
    if current != given {
        return Err(FieldError::new("ids", "order_mismatch").into());
    }
    Ok(state.db.reorder_widgets(sphere_id, ids).await?)
}
