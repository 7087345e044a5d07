//! Managing a sphere's side panel: add, edit, delete and order widgets (administrators).
use super::{Page, PathId, PathIds, St, render, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::service::spheres;
use crate::service::widgets::{self, WidgetInput, WidgetView, link_lines, parse_link_lines};
use crate::state::WebState;
use askama::Template;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::{Id, SphereId, parse_id, policy};
use embarq_store::{FileRow, Sphere};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/spheres/{id}/widgets", get(manage).post(create))
        .route("/spheres/{id}/widgets/{widget}/edit", post(edit))
        .route("/spheres/{id}/widgets/{widget}/delete", post(delete))
        .route("/spheres/{id}/widgets/{widget}/up", post(up))
        .route("/spheres/{id}/widgets/{widget}/down", post(down))
}

#[derive(Template)]
#[template(path = "widgets.html")]
struct WidgetsPage {
    p: Page,
    s: Sphere,
    widgets: Vec<(WidgetView, String)>,
    videos: Vec<FileRow>,
}

async fn manage(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
) -> AppResult<Response> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    sphere.require(policy::can_manage_widgets)?;
    let list = widgets::list(&state, &sphere).await?;
    let videos = state.db.sphere_videos(id).await?;
    let mut p = Page::new(&state, lang, &csrf, Some(&auth), "widgets-title").await;
    p.title = format!("{} · {}", sphere.sphere().name, p.t("widgets-title"));
    Ok(render(&WidgetsPage {
        p,
        s: sphere.into_sphere(),
        widgets: list
            .into_iter()
            .map(|w| {
                let lines = link_lines(&w.links);
                (w, lines)
            })
            .collect(),
        videos,
    }))
}

#[derive(Deserialize, Default)]
struct WidgetForm {
    #[serde(default)]
    kind: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    links: String,
    #[serde(default)]
    video_url: String,
    #[serde(default)]
    video_file_id: String,
}

impl WidgetForm {
    fn input(&self) -> AppResult<WidgetInput> {
        let video_file_id = match self.video_file_id.trim() {
            "" => None,
            s => Some(parse_id(s).ok_or(embarq_domain::validate::FieldError::new(
                "video_file_id",
                "invalid_choice",
            ))?),
        };
        Ok(WidgetInput {
            kind: self.kind.clone(),
            title: self.title.clone(),
            body: self.body.clone(),
            links: parse_link_lines(&self.links),
            video_url: self.video_url.clone(),
            video_file_id,
        })
    }
}

fn back(id: SphereId) -> Response {
    see_other(&format!("/spheres/{id}/widgets"))
}

async fn create(
    state: St,
    auth: Auth,
    PathId(id): PathId<SphereId>,
    Form(f): Form<WidgetForm>,
) -> AppResult<Response> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    widgets::create(&state, &auth, &sphere, &f.input()?).await?;
    Ok(back(id))
}

async fn edit(
    state: St,
    auth: Auth,
    PathIds(id, widget): PathIds<SphereId, Id>,
    Form(f): Form<WidgetForm>,
) -> AppResult<Response> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    widgets::update(&state, &auth, &sphere, widget, &f.input()?).await?;
    Ok(back(id))
}

async fn delete(
    state: St,
    auth: Auth,
    PathIds(id, widget): PathIds<SphereId, Id>,
) -> AppResult<Response> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    widgets::delete(&state, &sphere, widget).await?;
    Ok(back(id))
}

async fn up(
    state: St,
    auth: Auth,
    PathIds(id, widget): PathIds<SphereId, Id>,
) -> AppResult<Response> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    widgets::shift(&state, &sphere, widget, true).await?;
    Ok(back(id))
}

async fn down(
    state: St,
    auth: Auth,
    PathIds(id, widget): PathIds<SphereId, Id>,
) -> AppResult<Response> {
    let sphere = spheres::readable(&state, &auth, id).await?;
    widgets::shift(&state, &sphere, widget, false).await?;
    Ok(back(id))
}
