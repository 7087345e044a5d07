//! Starter kit pages: the kit (/starter-kit), the welcome page shown once (/welcome) and its
//! administration by organization managers (/admin/starter-kit).
use super::{Page, PathId, St, redirect_to_or_again, render, render_status, see_other};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr};
use crate::service::starter::{self, KitInput};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::extract::Query;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::guidance::{KitKind, KitRole};
use embarq_store::KitItemRow;
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/starter-kit", get(kit))
        .route("/welcome", get(welcome))
        .route("/admin/starter-kit", get(admin).post(create))
        .route("/admin/starter-kit/{id}", get(edit_page).post(update))
        .route("/admin/starter-kit/{id}/move", post(move_item))
        .route("/admin/starter-kit/{id}/delete", post(delete))
}

/// A resource with its labels, as the pages show it.
pub struct KitView {
    pub item: KitItemRow,
    pub kind_label: String,
    pub role_label: String,
    pub icon: &'static str,
}

fn icon(kind: &str) -> &'static str {
    match KitKind::parse(kind) {
        Some(KitKind::Guide) => "📘",
        Some(KitKind::Tutorial) => "🎓",
        Some(KitKind::Video) => "🎬",
        Some(KitKind::BestPractice) => "⭐",
        None => "•",
    }
}

fn views(lang: Lang, items: Vec<KitItemRow>) -> Vec<KitView> {
    items
        .into_iter()
        .map(|item| KitView {
            kind_label: tr(
                lang,
                &format!("starter-kind-{}", item.kind.replace('_', "-")),
            ),
            role_label: tr(
                lang,
                &format!("starter-role-{}", item.target_role.replace('_', "-")),
            ),
            icon: icon(&item.kind),
            item,
        })
        .collect()
}

/// (value, label) pairs of a select.
type Choices = Vec<(&'static str, String)>;

/// The kind and role choices.
fn choices(lang: Lang) -> (Choices, Choices) {
    let kinds = KitKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str(),
                tr(
                    lang,
                    &format!("starter-kind-{}", k.as_str().replace('_', "-")),
                ),
            )
        })
        .collect();
    let roles = KitRole::ALL
        .iter()
        .map(|r| {
            (
                r.as_str(),
                tr(
                    lang,
                    &format!("starter-role-{}", r.as_str().replace('_', "-")),
                ),
            )
        })
        .collect();
    (kinds, roles)
}

#[derive(Deserialize, Default)]
struct RoleQuery {
    #[serde(default)]
    role: Option<String>,
}

#[derive(Template)]
#[template(path = "starter_kit.html")]
struct KitPage {
    p: Page,
    items: Vec<KitView>,
    roles: Vec<(&'static str, String)>,
    role: String,
}

async fn kit(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(q): Query<RoleQuery>,
) -> AppResult<Response> {
    let role = starter::parse_role(q.role.as_deref())?;
    let items = starter::list(&state, &auth, role).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "starter-title").await;
    Ok(render(&KitPage {
        p,
        items: views(lang, items),
        roles: choices(lang).1,
        role: role.map(|r| r.as_str().to_string()).unwrap_or_default(),
    }))
}

#[derive(Template)]
#[template(path = "welcome.html")]
struct WelcomePage {
    p: Page,
    items: Vec<KitView>,
    first_time: bool,
}

async fn welcome(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    let first_time = starter::mark_seen(&state, &auth).await?;
    let items = starter::for_me(&state, &auth).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "starter-welcome-title").await;
    Ok(render(&WelcomePage {
        p,
        items: views(lang, items),
        first_time,
    }))
}

#[derive(Template)]
#[template(path = "admin_starter_kit.html")]
struct AdminPage {
    p: Page,
    items: Vec<KitView>,
    kinds: Vec<(&'static str, String)>,
    roles: Vec<(&'static str, String)>,
    form: KitInput,
}

async fn admin_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    form: KitInput,
    errors: Option<&AppError>,
) -> AppResult<Response> {
    starter::curator(auth)?;
    let items = starter::list(state, auth, None).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "starter-admin-title").await;
    let status = p.show_error(errors);
    let (kinds, roles) = choices(lang);
    Ok(render_status(
        status,
        &AdminPage {
            p,
            items: views(lang, items),
            kinds,
            roles,
            form,
        },
    ))
}

async fn admin(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    admin_page(&state, lang, &csrf, &auth, KitInput::default(), None).await
}

async fn create(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Form(f): Form<KitInput>,
) -> AppResult<Response> {
    let r = starter::create(&state, &auth, &f).await;
    redirect_to_or_again(
        r,
        |_| "/admin/starter-kit".to_string(),
        async |e| admin_page(&state, lang, &csrf, &auth, f, Some(&e)).await,
    )
    .await
}

#[derive(Template)]
#[template(path = "admin_starter_kit_edit.html")]
struct EditPage {
    p: Page,
    id: embarq_domain::Id,
    kinds: Vec<(&'static str, String)>,
    roles: Vec<(&'static str, String)>,
    form: KitInput,
}

async fn edit_render(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: embarq_domain::Id,
    form: Option<KitInput>,
    errors: Option<&AppError>,
) -> AppResult<Response> {
    starter::curator(auth)?;
    let item = starter::get(state, auth, id).await?;
    let form = form.unwrap_or(KitInput {
        title: item.title,
        kind: item.kind,
        url: item.url.unwrap_or_default(),
        body: item.body_md,
        target_role: item.target_role,
    });
    let mut p = Page::new(state, lang, csrf, Some(auth), "starter-edit-title").await;
    let status = p.show_error(errors);
    let (kinds, roles) = choices(lang);
    Ok(render_status(
        status,
        &EditPage {
            p,
            id,
            kinds,
            roles,
            form,
        },
    ))
}

async fn edit_page(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    edit_render(&state, lang, &csrf, &auth, id, None, None).await
}

async fn update(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<KitInput>,
) -> AppResult<Response> {
    let r = starter::update(&state, &auth, id, &f).await;
    redirect_to_or_again(
        r,
        |_| "/admin/starter-kit".to_string(),
        async |e| edit_render(&state, lang, &csrf, &auth, id, Some(f), Some(&e)).await,
    )
    .await
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    direction: String,
}

async fn move_item(
    state: St,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Form<MoveForm>,
) -> AppResult<Response> {
    starter::move_item(&state, &auth, id, &f.direction).await?;
    Ok(see_other("/admin/starter-kit"))
}

async fn delete(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    starter::delete(&state, &auth, id).await?;
    Ok(see_other("/admin/starter-kit"))
}
