//! Sphere tasks: task lists, tasks (create, read, edit, delete), assignees, status,
//! comments, and the caller's tasks grouped by urgency. Same service as the web pages.
use super::docs::{Forbidden, Invalid, NotFound, Unauthorized};
use super::extract::{ApiAuth, ApiJson, ApiPath};
use crate::error::ApiResult;
use crate::service::tasks::{self as svc, TaskInput, TaskView};
use crate::state::{AppState, WebState};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use embarq_domain::{Id, SphereId};
use embarq_store::{TaskAssignee, TaskComment, TaskList};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn router() -> OpenApiRouter<WebState> {
    OpenApiRouter::new()
        .routes(routes!(list_task_lists, create_task_list))
        .routes(routes!(rename_task_list, delete_task_list))
        .routes(routes!(create_task))
        .routes(routes!(get_task, update_task, delete_task))
        .routes(routes!(set_task_assignees))
        .routes(routes!(set_task_status))
        .routes(routes!(create_task_comment))
        .routes(routes!(my_tasks))
}

/// `todo`, `in_progress` or `done`.
#[allow(
    dead_code,
    reason = "documents the values; tasks carry their status as text"
)]
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatusName {
    Todo,
    InProgress,
    Done,
}

#[derive(Serialize, ToSchema)]
pub struct TaskListDto {
    pub id: uuid::Uuid,
    pub sphere_id: uuid::Uuid,
    pub name: String,
    pub created_by: uuid::Uuid,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
}

impl From<TaskList> for TaskListDto {
    fn from(l: TaskList) -> Self {
        TaskListDto {
            id: l.id,
            sphere_id: l.sphere_id.into(),
            name: l.name,
            created_by: l.created_by.into(),
            created_at: l.created_at,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AssigneeDto {
    pub user_id: uuid::Uuid,
    pub display_name: String,
}

impl From<TaskAssignee> for AssigneeDto {
    fn from(a: TaskAssignee) -> Self {
        AssigneeDto {
            user_id: a.user_id.into(),
            display_name: a.display_name,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TaskDto {
    pub id: uuid::Uuid,
    pub sphere_id: uuid::Uuid,
    pub sphere_name: String,
    pub list_id: uuid::Uuid,
    pub list_name: String,
    pub title: String,
    /// Markdown source.
    pub description_md: String,
    /// Rendered, sanitized HTML.
    pub description_html: String,
    #[schema(value_type = TaskStatusName)]
    pub status: String,
    /// Local calendar date `YYYY-MM-DD` in the organization's time zone.
    pub due_date: Option<String>,
    /// `overdue`, `soon` (within 7 days), `later`, `no_date` or `done`, as of today.
    pub group: String,
    pub assignees: Vec<AssigneeDto>,
    pub comment_count: i64,
    pub created_by: uuid::Uuid,
    pub creator_name: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub updated_at: i64,
    /// The caller may change it.
    pub can_edit: bool,
}

impl From<TaskView> for TaskDto {
    fn from(v: TaskView) -> Self {
        let t = v.task;
        TaskDto {
            id: t.id,
            sphere_id: t.sphere_id.into(),
            sphere_name: t.sphere_name,
            list_id: t.list_id,
            list_name: t.list_name,
            title: t.title,
            description_md: t.description_md,
            description_html: t.description_html,
            status: t.status,
            due_date: t.due_date,
            group: v.bucket.as_str().to_string(),
            assignees: v.assignees.into_iter().map(AssigneeDto::from).collect(),
            comment_count: t.comment_count,
            created_by: t.created_by.into(),
            creator_name: t.creator_name,
            created_at: t.created_at,
            updated_at: t.updated_at,
            can_edit: v.can_work,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct TaskCommentDto {
    pub id: uuid::Uuid,
    pub task_id: uuid::Uuid,
    pub author_id: uuid::Uuid,
    pub author_name: String,
    pub body_html: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
}

impl From<TaskComment> for TaskCommentDto {
    fn from(c: TaskComment) -> Self {
        TaskCommentDto {
            id: c.id,
            task_id: c.task_id,
            author_id: c.author_id.into(),
            author_name: c.author_name,
            body_html: c.body_html,
            created_at: c.created_at,
        }
    }
}

/// A list with its tasks.
#[derive(Serialize, ToSchema)]
pub struct TaskListWithTasksDto {
    #[serde(flatten)]
    pub list: TaskListDto,
    pub tasks: Vec<TaskDto>,
}

/// A task with its comments.
#[derive(Serialize, ToSchema)]
pub struct TaskDetailDto {
    #[serde(flatten)]
    pub task: TaskDto,
    pub comments: Vec<TaskCommentDto>,
}

/// The caller's tasks in spheres they can read, by urgency (dates in the organization's zone).
#[derive(Serialize, ToSchema)]
pub struct MyTasksDto {
    /// Today in the organization's time zone.
    pub today: String,
    pub overdue: Vec<TaskDto>,
    pub soon: Vec<TaskDto>,
    pub later: Vec<TaskDto>,
    pub no_date: Vec<TaskDto>,
    /// Done in the last 14 days.
    pub done: Vec<TaskDto>,
}

#[derive(Deserialize, ToSchema)]
pub struct TaskListInput {
    #[serde(default)]
    #[schema(value_type = super::docs::Name, inline, required = true)]
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
pub struct NewTaskInput {
    #[serde(default)]
    #[schema(value_type = super::docs::Title, inline, required = true)]
    pub title: String,
    /// Markdown.
    #[serde(default)]
    #[schema(value_type = super::docs::OptTaskText, inline)]
    pub description: String,
    /// `YYYY-MM-DD` (a local date of the organization's time zone), or null.
    #[serde(default)]
    #[schema(value_type = Option<super::docs::OptDueDate>, inline)]
    pub due_date: Option<String>,
    /// Members of the sphere (at most 20); each is notified.
    #[serde(default)]
    #[schema(max_items = 20)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub assignee_ids: Vec<embarq_domain::UserId>,
}

/// Fields to change; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
pub struct TaskUpdateInput {
    #[schema(value_type = Option<super::docs::Title>, inline)]
    pub title: Option<String>,
    #[schema(value_type = Option<super::docs::OptTaskText>, inline)]
    pub description: Option<String>,
    /// `YYYY-MM-DD`, or an empty string to remove the date.
    #[schema(value_type = Option<super::docs::OptDueDate>, inline)]
    pub due_date: Option<String>,
    /// Another list of the same sphere.
    pub list_id: Option<uuid::Uuid>,
    /// The complete set of assignees (at most 20); newcomers are notified.
    #[schema(max_items = 20)]
    #[schema(value_type = Option<Vec<uuid::Uuid>>)]
    pub assignee_ids: Option<Vec<embarq_domain::UserId>>,
}

#[derive(Deserialize, ToSchema)]
pub struct AssigneesInput {
    /// At most 20 members of the sphere.
    #[serde(default)]
    #[schema(max_items = 20)]
    #[schema(value_type = Vec<uuid::Uuid>)]
    pub user_ids: Vec<embarq_domain::UserId>,
}

#[derive(Deserialize, ToSchema)]
pub struct StatusInput {
    #[serde(default)]
    #[schema(value_type = TaskStatusName, required = true)]
    pub status: String,
}

#[derive(Deserialize, ToSchema)]
pub struct TaskCommentInput {
    /// Markdown.
    #[serde(default)]
    #[schema(value_type = super::docs::CommentText, inline, required = true)]
    pub body: String,
}

async fn task_dto(state: &AppState, auth: &crate::auth::Auth, id: Id) -> ApiResult<TaskDto> {
    Ok(svc::detail(state, auth, id).await?.view.into())
}

/// The task lists of a sphere with their tasks (readers of the sphere).
#[utoipa::path(get, path = "/spheres/{id}/task-lists", tag = "tasks", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    responses((status = 200, description = "Lists and their tasks", body = Vec<TaskListWithTasksDto>), Unauthorized, Forbidden, NotFound))]
async fn list_task_lists(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
) -> ApiResult<Json<Vec<TaskListWithTasksDto>>> {
    let sphere = crate::service::spheres::readable(&state, &auth, id).await?;
    let t = svc::sphere_tasks(&state, &auth, sphere).await?;
    Ok(Json(
        t.lists
            .into_iter()
            .map(|l| TaskListWithTasksDto {
                list: l.list.into(),
                tasks: l.tasks.into_iter().map(TaskDto::from).collect(),
            })
            .collect(),
    ))
}

/// Creates a task list (those who may post in the sphere).
#[utoipa::path(post, path = "/spheres/{id}/task-lists", tag = "tasks", params(("id" = uuid::Uuid, Path, description = "Sphere id")),
    request_body = TaskListInput,
    responses((status = 201, description = "The list", body = TaskListDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn create_task_list(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<SphereId>,
    ApiJson(b): ApiJson<TaskListInput>,
) -> ApiResult<(StatusCode, Json<TaskListDto>)> {
    let sphere = crate::service::spheres::readable(&state, &auth, id).await?;
    let l = svc::create_list(&state, &auth, &sphere, &b.name).await?;
    Ok((StatusCode::CREATED, Json(l.into())))
}

/// Renames a task list.
#[utoipa::path(patch, path = "/task-lists/{id}", tag = "tasks", params(("id" = uuid::Uuid, Path, description = "Task list id")),
    request_body = TaskListInput,
    responses((status = 200, description = "The list", body = TaskListDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn rename_task_list(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<TaskListInput>,
) -> ApiResult<Json<TaskListDto>> {
    Ok(Json(
        svc::rename_list(&state, &auth, id, &b.name).await?.into(),
    ))
}

/// Deletes a task list with its tasks.
#[utoipa::path(delete, path = "/task-lists/{id}", tag = "tasks", params(("id" = uuid::Uuid, Path, description = "Task list id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound))]
async fn delete_task_list(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    svc::delete_list(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Creates a task in a list; its assignees (members of the sphere) are notified.
#[utoipa::path(post, path = "/task-lists/{id}/tasks", tag = "tasks", params(("id" = uuid::Uuid, Path, description = "Task list id")),
    request_body = NewTaskInput,
    responses((status = 201, description = "The task", body = TaskDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn create_task(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<NewTaskInput>,
) -> ApiResult<(StatusCode, Json<TaskDto>)> {
    let input = TaskInput {
        title: Some(b.title),
        description: Some(b.description),
        due_date: Some(b.due_date.unwrap_or_default()),
        assignees: Some(b.assignee_ids),
        list_id: None,
    };
    let t = svc::create_task(&state, &auth, id, &input).await?;
    Ok((
        StatusCode::CREATED,
        Json(task_dto(&state, &auth, t.id).await?),
    ))
}

/// A task with its assignees and comments.
#[utoipa::path(get, path = "/tasks/{id}", tag = "tasks", params(("id" = uuid::Uuid, Path, description = "Task id")),
    responses((status = 200, description = "The task", body = TaskDetailDto), Unauthorized, NotFound))]
async fn get_task(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<Json<TaskDetailDto>> {
    let d = svc::detail(&state, &auth, id).await?;
    Ok(Json(TaskDetailDto {
        task: d.view.into(),
        comments: d.comments.into_iter().map(TaskCommentDto::from).collect(),
    }))
}

/// Changes a task's title, description, due date, list or assignees.
#[utoipa::path(patch, path = "/tasks/{id}", tag = "tasks", params(("id" = uuid::Uuid, Path, description = "Task id")),
    request_body = TaskUpdateInput,
    responses((status = 200, description = "The task", body = TaskDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn update_task(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<TaskUpdateInput>,
) -> ApiResult<Json<TaskDto>> {
    let input = TaskInput {
        title: b.title,
        description: b.description,
        due_date: b.due_date,
        assignees: b.assignee_ids,
        list_id: b.list_id,
    };
    svc::update(&state, &auth, id, &input).await?;
    Ok(Json(task_dto(&state, &auth, id).await?))
}

/// Deletes a task (its creator, or the sphere's moderators).
#[utoipa::path(delete, path = "/tasks/{id}", tag = "tasks", params(("id" = uuid::Uuid, Path, description = "Task id")),
    responses((status = 204, description = "Deleted"), Unauthorized, Forbidden, NotFound))]
async fn delete_task(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
) -> ApiResult<StatusCode> {
    svc::delete(&state, &auth, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets the complete list of assignees (members of the sphere); newcomers are notified.
#[utoipa::path(put, path = "/tasks/{id}/assignees", tag = "tasks", params(("id" = uuid::Uuid, Path, description = "Task id")),
    request_body = AssigneesInput,
    responses((status = 200, description = "The assignees", body = Vec<AssigneeDto>), Unauthorized, Forbidden, NotFound, Invalid))]
async fn set_task_assignees(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<AssigneesInput>,
) -> ApiResult<Json<Vec<AssigneeDto>>> {
    let a = svc::set_assignees(&state, &auth, id, &b.user_ids).await?;
    Ok(Json(a.into_iter().map(AssigneeDto::from).collect()))
}

/// Changes a task's status.
#[utoipa::path(post, path = "/tasks/{id}/status", tag = "tasks", params(("id" = uuid::Uuid, Path, description = "Task id")),
    request_body = StatusInput,
    responses((status = 200, description = "The task", body = TaskDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn set_task_status(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<StatusInput>,
) -> ApiResult<Json<TaskDto>> {
    svc::set_status(&state, &auth, id, &b.status).await?;
    Ok(Json(task_dto(&state, &auth, id).await?))
}

/// Comments on a task.
#[utoipa::path(post, path = "/tasks/{id}/comments", tag = "tasks", params(("id" = uuid::Uuid, Path, description = "Task id")),
    request_body = TaskCommentInput,
    responses((status = 201, description = "The comment", body = TaskCommentDto), Unauthorized, Forbidden, NotFound, Invalid))]
async fn create_task_comment(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
    ApiPath(id): ApiPath<Id>,
    ApiJson(b): ApiJson<TaskCommentInput>,
) -> ApiResult<(StatusCode, Json<TaskCommentDto>)> {
    let c = svc::comment(&state, &auth, id, &b.body).await?;
    Ok((StatusCode::CREATED, Json(c.into())))
}

/// The caller's tasks in spheres they can still read, grouped overdue / due soon / later /
/// no date / recently done.
#[utoipa::path(get, path = "/me/tasks", tag = "tasks",
    responses((status = 200, description = "The caller's tasks", body = MyTasksDto), Unauthorized))]
async fn my_tasks(
    State(state): State<AppState>,
    ApiAuth(auth): ApiAuth,
) -> ApiResult<Json<MyTasksDto>> {
    use embarq_domain::tasks::Bucket;
    let m = svc::my_tasks(&state, &auth).await?;
    let mut out = MyTasksDto {
        today: m.today.format("%Y-%m-%d").to_string(),
        overdue: Vec::new(),
        soon: Vec::new(),
        later: Vec::new(),
        no_date: Vec::new(),
        done: Vec::new(),
    };
    for (b, tasks) in m.groups {
        let dtos = tasks.into_iter().map(TaskDto::from).collect();
        match b {
            Bucket::Overdue => out.overdue = dtos,
            Bucket::Soon => out.soon = dtos,
            Bucket::Later => out.later = dtos,
            Bucket::NoDate => out.no_date = dtos,
            Bucket::Done => out.done = dtos,
        }
    }
    Ok(Json(out))
}
