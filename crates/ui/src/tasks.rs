//! Tasks: a sphere's task lists (tab), a task's page and "my tasks" (`/tasks`), with the
//! status changed inline through htmx and every list refreshed live.
use super::{
    Page, PathId, St, is_in_place, redirect_or_again, redirect_to_or_again, render, render_status,
    see_other,
};
use crate::auth::{Auth, Csrf};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr};
use crate::service::tasks::{self as svc, ListView, TaskDetail, TaskInput, TaskView};
use crate::state::{AppState, WebState};
use askama::Template;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::SphereId;
use embarq_domain::{Id, UserId, parse_id};
use embarq_store::{Sphere, Task, TaskAssignee, TaskComment, TaskList};

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/spheres/{id}/tasks", get(sphere_page))
        .route("/spheres/{id}/task-lists", post(create_list))
        .route("/task-lists/{id}/items", get(list_items))
        .route("/task-lists/{id}/rename", post(rename_list))
        .route("/task-lists/{id}/delete", post(delete_list))
        .route("/task-lists/{id}/tasks", post(create_task))
        .route("/tasks", get(mine))
        .route("/tasks/items", get(mine_items))
        .route("/tasks/{id}", get(show))
        .route("/tasks/{id}/comments", get(comments).post(add_comment))
        .route("/tasks/{id}/edit", post(edit))
        .route("/tasks/{id}/status", post(set_status))
        .route("/tasks/{id}/assignees", post(set_assignees))
        .route("/tasks/{id}/delete", post(delete))
}

type Pairs = Form<Vec<(String, String)>>;

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_default()
}

/// Checked assignees (`assignee=<id>`, repeated); unknown ids are refused by the service.
fn assignees(pairs: &[(String, String)]) -> AppResult<Vec<UserId>> {
    pairs
        .iter()
        .filter(|(k, _)| k == "assignee")
        .map(|(_, v)| {
            embarq_domain::parse_as(v).ok_or_else(|| {
                embarq_domain::validate::FieldError::new("task_assignees", "invalid_choice").into()
            })
        })
        .collect()
}

#[derive(Template)]
#[template(path = "tasks_sphere.html")]
struct SpherePage {
    p: Page,
    s: Sphere,
    lists: Vec<ListView>,
    can_work: bool,
}

impl SpherePage {
    /// A new task's assignees: nobody yet.
    fn no_one(&self) -> &'static [TaskAssignee] {
        &[]
    }
}

async fn sphere_page_with(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: SphereId,
    error: Option<AppError>,
) -> AppResult<Response> {
    let sphere = crate::service::spheres::readable(state, auth, id).await?;
    let t = svc::sphere_tasks(state, auth, sphere).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "tasks-title").await;
    p.title = format!("{} · {}", tr(lang, "tasks-title"), t.visible.sphere().name);
    let status = p.show_error(error.as_ref());
    Ok(render_status(
        status,
        &SpherePage {
            p,
            s: t.visible.into_sphere(),
            lists: t.lists,
            can_work: t.can_work,
        },
    ))
}

async fn sphere_page(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
) -> AppResult<Response> {
    sphere_page_with(&state, lang, &csrf, &auth, id, None).await
}

/// Back to the sphere's tasks; refused or invalid input re-renders the page with the
/// messages; anything else (403, 404) is the usual error page.
async fn back_to_sphere(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    sphere: SphereId,
    r: embarq_app::AppResult<()>,
) -> AppResult<Response> {
    let to = format!("/spheres/{sphere}/tasks");
    redirect_or_again(r, &to, async |e| {
        sphere_page_with(state, lang, csrf, auth, sphere, Some(e)).await
    })
    .await
}

async fn create_list(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId<SphereId>,
    Form(f): Pairs,
) -> AppResult<Response> {
    let sphere = crate::service::spheres::readable(&state, &auth, id).await?;
    let r = svc::create_list(&state, &auth, &sphere, field(&f, "name"))
        .await
        .map(|_| ());
    back_to_sphere(&state, lang, &csrf, &auth, id, r).await
}

/// The sphere of a list, for redirects; 404 like the service when not readable.
async fn list_sphere(state: &AppState, auth: &Auth, list: Id) -> AppResult<SphereId> {
    Ok(state
        .db
        .task_list(auth.user.org_id, list)
        .await?
        .ok_or(AppError::NotFound)?
        .sphere_id)
}

async fn rename_list(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Pairs,
) -> AppResult<Response> {
    let r = svc::rename_list(&state, &auth, id, field(&f, "name")).await;
    let to = |list: &TaskList| format!("/spheres/{}/tasks#list-{}", list.sphere_id, list.id);
    redirect_to_or_again(r, to, async |e| {
        let sphere = list_sphere(&state, &auth, id).await?;
        sphere_page_with(&state, lang, &csrf, &auth, sphere, Some(e)).await
    })
    .await
}

async fn delete_list(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    let sphere = svc::delete_list(&state, &auth, id).await?;
    Ok(see_other(&format!("/spheres/{sphere}/tasks")))
}

async fn create_task(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Pairs,
) -> AppResult<Response> {
    let input = assignees(&f).map(|a| TaskInput {
        title: Some(field(&f, "title").to_string()),
        description: Some(field(&f, "description").to_string()),
        due_date: Some(field(&f, "due_date").to_string()),
        assignees: Some(a),
        list_id: None,
    });
    let r = match input {
        Ok(i) => svc::create_task(&state, &auth, id, &i).await,
        Err(e) => Err(e.0),
    };
    let to = |t: &Task| format!("/spheres/{}/tasks#list-{id}", t.sphere_id);
    redirect_to_or_again(r, to, async |e| {
        let sphere = list_sphere(&state, &auth, id).await?;
        sphere_page_with(&state, lang, &csrf, &auth, sphere, Some(e)).await
    })
    .await
}

#[derive(Template)]
#[template(path = "task_rows.html")]
struct RowsFragment {
    p: Page,
    tasks: Vec<TaskView>,
    show_sphere: bool,
}

/// A list's tasks, for the live refresh of the sphere's tasks page.
async fn list_items(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let sphere = list_sphere(&state, &auth, id).await?;
    let sphere = crate::service::spheres::readable(&state, &auth, sphere).await?;
    let t = svc::sphere_tasks(&state, &auth, sphere).await?;
    let tasks = t
        .lists
        .into_iter()
        .find(|l| l.list.id == id)
        .map(|l| l.tasks)
        .unwrap_or_default();
    let p = Page::new(&state, lang, &csrf, Some(&auth), "tasks-title").await;
    Ok(render(&RowsFragment {
        p,
        tasks,
        show_sphere: false,
    }))
}

#[derive(Template)]
#[template(path = "tasks_mine.html")]
struct MinePage {
    p: Page,
    today: String,
    groups: Vec<(String, Vec<TaskView>)>,
    empty: bool,
    show_sphere: bool,
}

#[derive(Template)]
#[template(path = "tasks_mine_items.html")]
struct MineItems {
    p: Page,
    groups: Vec<(String, Vec<TaskView>)>,
    empty: bool,
    show_sphere: bool,
}

async fn mine_data(
    state: &AppState,
    lang: Lang,
    auth: &Auth,
) -> AppResult<(String, Vec<(String, Vec<TaskView>)>, bool)> {
    let m = svc::my_tasks(state, auth).await?;
    let empty = m.is_empty();
    let today = m.today.format("%Y-%m-%d").to_string();
    let groups = m
        .groups
        .into_iter()
        .filter(|(_, t)| !t.is_empty())
        .map(|(b, t)| {
            (
                tr(
                    lang,
                    &format!("tasks-group-{}", b.as_str().replace('_', "-")),
                ),
                t,
            )
        })
        .collect();
    Ok((today, groups, empty))
}

async fn mine(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    let (today, groups, empty) = mine_data(&state, lang, &auth).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "tasks-mine-title").await;
    Ok(render(&MinePage {
        p,
        today,
        groups,
        empty,
        show_sphere: true,
    }))
}

async fn mine_items(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    let (_, groups, empty) = mine_data(&state, lang, &auth).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "tasks-mine-title").await;
    Ok(render(&MineItems {
        p,
        groups,
        empty,
        show_sphere: true,
    }))
}

#[derive(Template)]
#[template(path = "task.html")]
struct TaskPage {
    p: Page,
    t: TaskView,
    comments: Vec<TaskComment>,
    lists: Vec<TaskList>,
    can_work: bool,
    can_delete: bool,
}

async fn task_page(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: Id,
    error: Option<AppError>,
) -> AppResult<Response> {
    let TaskDetail {
        view,
        comments,
        lists,
        can_work,
        can_delete,
        ..
    } = svc::detail(state, auth, id).await?;
    let mut p = Page::new(state, lang, csrf, Some(auth), "tasks-title").await;
    p.title = view.task.title.clone();
    let status = p.show_error(error.as_ref());
    Ok(render_status(
        status,
        &TaskPage {
            p,
            t: view,
            comments,
            lists,
            can_work,
            can_delete,
        },
    ))
}

async fn show(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    task_page(&state, lang, &csrf, &auth, id, None).await
}

async fn back_to_task(
    state: &AppState,
    lang: Lang,
    csrf: &Csrf,
    auth: &Auth,
    id: Id,
    r: embarq_app::AppResult<()>,
) -> AppResult<Response> {
    let to = format!("/tasks/{id}");
    redirect_or_again(r, &to, async |e| {
        task_page(state, lang, csrf, auth, id, Some(e)).await
    })
    .await
}

#[derive(Template)]
#[template(path = "task_comments.html")]
struct CommentsFragment {
    p: Page,
    comments: Vec<TaskComment>,
}

async fn comments(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    svc::load(&state, &auth, id).await?;
    let comments = state.db.task_comments(id).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "tasks-title").await;
    Ok(render(&CommentsFragment { p, comments }))
}

async fn add_comment(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Pairs,
) -> AppResult<Response> {
    let r = svc::comment(&state, &auth, id, field(&f, "body"))
        .await
        .map(|_| ());
    back_to_task(&state, lang, &csrf, &auth, id, r).await
}

async fn edit(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Pairs,
) -> AppResult<Response> {
    let input = TaskInput {
        title: Some(field(&f, "title").to_string()),
        description: Some(field(&f, "description").to_string()),
        due_date: Some(field(&f, "due_date").to_string()),
        assignees: None,
        list_id: parse_id(field(&f, "list_id")),
    };
    let r = svc::update(&state, &auth, id, &input).await.map(|_| ());
    back_to_task(&state, lang, &csrf, &auth, id, r).await
}

#[derive(Template)]
#[template(path = "task_row.html")]
struct RowFragment {
    p: Page,
    t: TaskView,
    show_sphere: bool,
}

/// Changes the status; an htmx request gets the task's row back, a form its page.
async fn set_status(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    headers: HeaderMap,
    PathId(id): PathId,
    Form(f): Pairs,
) -> AppResult<Response> {
    svc::set_status(&state, &auth, id, field(&f, "status")).await?;
    if is_in_place(&headers) {
        let d = svc::detail(&state, &auth, id).await?;
        let p = Page::new(&state, lang, &csrf, Some(&auth), "tasks-title").await;
        return Ok(render(&RowFragment {
            p,
            t: d.view,
            show_sphere: field(&f, "context") == "mine",
        }));
    }
    let back = match field(&f, "context") {
        "mine" => "/tasks".to_string(),
        "sphere" => {
            let (t, _) = svc::load(&state, &auth, id).await?;
            format!("/spheres/{}/tasks#task-{id}", t.sphere_id)
        }
        _ => format!("/tasks/{id}"),
    };
    Ok(see_other(&back))
}

async fn set_assignees(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
    Form(f): Pairs,
) -> AppResult<Response> {
    let r = match assignees(&f) {
        Ok(users) => svc::set_assignees(&state, &auth, id, &users)
            .await
            .map(|_| ()),
        Err(e) => Err(e.0),
    };
    back_to_task(&state, lang, &csrf, &auth, id, r).await
}

async fn delete(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    let sphere = svc::delete(&state, &auth, id).await?;
    Ok(see_other(&format!("/spheres/{sphere}/tasks")))
}
