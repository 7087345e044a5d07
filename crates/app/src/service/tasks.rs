//! Sphere tasks: lists, tasks, assignees, statuses, comments and "my tasks". Reading needs
//! the sphere readable, changing it needs the right to post there (policy); a secret
//! sphere's tasks answer 404 to everyone else, including through "my tasks" after leaving.
use super::markdown;
use super::spheres::{self, Readable};
use super::time_zone::today;
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use chrono::NaiveDate;
use embarq_domain::policy;
use embarq_domain::tasks::{self as rules, Bucket, TaskStatus};
use embarq_domain::validate::{self, COMMENT_MAX, Errors, FieldError};
use embarq_domain::{Id, SphereRole, UserStatus};
use embarq_domain::{SphereId, UserId};
use embarq_store::{
    Effects, NewLive, NewNotification, NewTask, Task, TaskAssignee, TaskComment, TaskList, now_ms,
};

/// A task with its assignees and where it falls today.
pub struct TaskView {
    pub task: Task,
    pub assignees: Vec<TaskAssignee>,
    pub bucket: Bucket,
    /// The viewer may change it (status, comments...).
    pub can_work: bool,
}

impl TaskView {
    pub fn status(&self) -> TaskStatus {
        TaskStatus::parse(&self.task.status).unwrap_or(TaskStatus::Todo)
    }
    pub fn is_overdue(&self) -> bool {
        self.bucket == Bucket::Overdue
    }
}

fn views(
    viewer: policy::Viewer,
    tasks: Vec<Task>,
    assignees: &[TaskAssignee],
    today: NaiveDate,
) -> Vec<TaskView> {
    tasks
        .into_iter()
        .map(|t| {
            let kind = embarq_domain::SphereKind::parse(&t.sphere_kind)
                .unwrap_or(embarq_domain::SphereKind::Secret);
            let role = t.my_role.as_deref().and_then(SphereRole::parse);
            let can_work = policy::can_work_on_tasks(policy::sphere_access(viewer, kind, role));
            let status = TaskStatus::parse(&t.status).unwrap_or(TaskStatus::Todo);
            let due = t
                .due_date
                .as_deref()
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
            TaskView {
                bucket: rules::bucket(status, due, today),
                can_work,
                assignees: assignees
                    .iter()
                    .filter(|a| a.task_id == t.id)
                    .cloned()
                    .collect(),
                task: t,
            }
        })
        .collect()
}

pub struct ListView {
    pub list: TaskList,
    pub tasks: Vec<TaskView>,
}

pub struct SphereTasks {
    pub visible: Readable,
    pub lists: Vec<ListView>,
    pub can_work: bool,
}

pub async fn sphere_tasks(state: &AppState, auth: &Auth, v: Readable) -> AppResult<SphereTasks> {
    let sphere = v.id();
    let today = today(state, auth.user.org_id).await?;
    let tasks = state.db.sphere_tasks(auth.user.id, sphere).await?;
    let assignees = state.db.sphere_task_assignees(sphere).await?;
    let mut all = views(auth.viewer(), tasks, &assignees, today);
    let lists = state
        .db
        .task_lists(sphere)
        .await?
        .into_iter()
        .map(|list| {
            let (mine, rest): (Vec<TaskView>, Vec<TaskView>) =
                all.drain(..).partition(|t| t.task.list_id == list.id);
            all = rest;
            ListView { list, tasks: mine }
        })
        .collect();
    let can_work = policy::can_work_on_tasks(v.access());
    Ok(SphereTasks {
        visible: v,
        lists,
        can_work,
    })
}

/// What tells the sphere's members and the task's assignees that tasks changed (their
/// pages refresh), written with the change.
async fn refresh(state: &AppState, sphere: SphereId, extra: &[UserId]) -> AppResult<Effects> {
    let mut live = vec![NewLive::sphere(sphere, "task", Some(sphere.into()))];
    // Assignees outside the sphere (if any remain after leaving it) still see their tasks
    // move; members already get the sphere's event.
    let members = state.db.sphere_members_among(sphere, extra).await?;
    let outside: Vec<UserId> = extra
        .iter()
        .copied()
        .filter(|u| !members.contains(u))
        .collect();
    live.extend(NewLive::personal(&outside, "task", Some(sphere.into())));
    Ok(Effects {
        live,
        ..Effects::default()
    })
}

fn list_name(name: &str) -> AppResult<String> {
    Ok(validate::required(
        "task_list_name",
        name,
        rules::LIST_NAME_MAX,
    )?)
}

pub async fn create_list(
    state: &AppState,
    auth: &Auth,
    v: &Readable,
    name: &str,
) -> AppResult<TaskList> {
    v.require(policy::can_work_on_tasks)?;
    let sphere = v.id();
    let name = list_name(name)?;
    let effects = refresh(state, sphere, &[]).await?;
    let id = state
        .db
        .create_task_list(auth.user.org_id, sphere, auth.user.id, &name, &effects)
        .await?;
    state
        .db
        .task_list(auth.user.org_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A list whose sphere the viewer can read (else 404: nothing leaks about secret spheres).
async fn load_list(state: &AppState, auth: &Auth, id: Id) -> AppResult<(TaskList, Readable)> {
    let list = state
        .db
        .task_list(auth.user.org_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let v = spheres::readable_content(state, auth, list.sphere_id).await?;
    Ok((list, v))
}

pub async fn rename_list(state: &AppState, auth: &Auth, id: Id, name: &str) -> AppResult<TaskList> {
    let (mut list, v) = load_list(state, auth, id).await?;
    v.require(policy::can_work_on_tasks)?;
    let name = list_name(name)?;
    let effects = refresh(state, list.sphere_id, &[]).await?;
    state.db.rename_task_list(id, &name, &effects).await?;
    list.name = name;
    Ok(list)
}

/// Deletes a list and its tasks; answers the sphere.
pub async fn delete_list(state: &AppState, auth: &Auth, id: Id) -> AppResult<SphereId> {
    let (list, v) = load_list(state, auth, id).await?;
    if !policy::can_delete_task_list(false, v.access()) {
        return Err(AppError::Forbidden);
    }
    let others_allowed = policy::can_delete_task_list(true, v.access());
    let effects = refresh(state, list.sphere_id, &[]).await?;
    if !state
        .db
        .delete_task_list(id, auth.user.id, others_allowed, &effects)
        .await?
    {
        return Err(AppError::Forbidden);
    }
    Ok(list.sphere_id)
}

/// What a form or the API gives for a task. `None` fields are left as they are (edits).
#[derive(Default)]
pub struct TaskInput {
    pub title: Option<String>,
    pub description: Option<String>,
    pub due_date: Option<String>,
    pub assignees: Option<Vec<UserId>>,
    pub list_id: Option<Id>,
}

/// Checks that every assignee is an active member of the sphere (who can read it).
async fn check_assignees(
    state: &AppState,
    v: &spheres::Visible,
    users: &[UserId],
) -> AppResult<Vec<UserId>> {
    let mut out: Vec<UserId> = Vec::with_capacity(users.len());
    for u in users {
        if !out.contains(u) {
            out.push(*u);
        }
    }
    if out.len() > rules::MAX_ASSIGNEES {
        return Err(FieldError::with_limit(
            "task_assignees",
            "too_many",
            rules::MAX_ASSIGNEES as i64,
        )
        .into());
    }
    for u in &out {
        let person = state
            .db
            .user_in_org(v.sphere().org_id, *u)
            .await?
            .filter(|p| p.status != UserStatus::Deactivated);
        let role = match &person {
            Some(p) => state.db.sphere_role(v.sphere().id, p.id).await?,
            None => None,
        };
        let access = match &person {
            Some(p) => policy::sphere_access(
                policy::Viewer {
                    org_role: p.org_role,
                },
                v.sphere().kind,
                role,
            ),
            None => Default::default(),
        };
        if !policy::can_be_assigned(access, role.is_some()) {
            return Err(FieldError::new("task_assignees", "task_not_a_member").into());
        }
    }
    Ok(out)
}

/// What tells people "assigned you a task" (opening `/tasks/{id}`), through the one
/// delivery, so preferences (off, in-app, e-mail) apply as everywhere.
async fn assigned(
    state: &AppState,
    task: Id,
    sphere: SphereId,
    actor: UserId,
    users: &[UserId],
) -> AppResult<Effects> {
    let items: Vec<NewNotification> = users
        .iter()
        .copied()
        .filter(|u| *u != actor)
        .map(|u| NewNotification {
            user_id: u,
            kind: "task_assigned",
            actor_id: Some(actor),
            sphere_id: Some(sphere),
            post_id: None,
            conversation_id: None,
            link: Some(format!("/tasks/{task}")),
        })
        .collect();
    super::notifications::effects(state, items).await
}

pub async fn create_task(
    state: &AppState,
    auth: &Auth,
    list_id: Id,
    input: &TaskInput,
) -> AppResult<Task> {
    let (list, v) = load_list(state, auth, list_id).await?;
    v.require(policy::can_work_on_tasks)?;
    let mut e = Errors::default();
    let title = e.check(validate::required(
        "task_title",
        input.title.as_deref().unwrap_or_default(),
        rules::TITLE_MAX,
    ));
    let description = e.check(validate::optional(
        "task_description",
        input.description.as_deref().unwrap_or_default(),
        rules::DESCRIPTION_MAX,
    ));
    let due = e.check(rules::due_date(
        "task_due_date",
        input.due_date.as_deref().unwrap_or_default(),
    ));
    e.into_result()?;
    let assignees = check_assignees(state, &v, input.assignees.as_deref().unwrap_or(&[])).await?;
    let (Some(title), Some(description), Some(due)) = (title, description, due) else {
        return Err(AppError::Refused("invalid"));
    };
    let description = description.unwrap_or_default();
    let due = due.map(|d| d.format("%Y-%m-%d").to_string());
    let id = embarq_domain::new_id();
    let mut effects = assigned(state, id, list.sphere_id, auth.user.id, &assignees).await?;
    effects.extend(refresh(state, list.sphere_id, &assignees).await?);
    state
        .db
        .create_task(
            &NewTask {
                id,
                org_id: auth.user.org_id,
                sphere_id: list.sphere_id,
                list_id,
                title: &title,
                description_md: &description,
                description_html: &markdown::render("description", &description).await?,
                due_date: due.as_deref(),
                created_by: auth.user.id,
            },
            &assignees,
            &effects,
        )
        .await?;
    crate::outbox::written(state, &effects);
    state
        .db
        .task(auth.user.org_id, auth.user.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// A task the viewer may read, with its sphere; everything else is 404.
pub async fn load(state: &AppState, auth: &Auth, id: Id) -> AppResult<(Task, Readable)> {
    let task = state
        .db
        .task(auth.user.org_id, auth.user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let v = spheres::readable_content(state, auth, task.sphere_id).await?;
    Ok((task, v))
}

pub struct TaskDetail {
    pub view: TaskView,
    pub visible: Readable,
    pub comments: Vec<TaskComment>,
    pub lists: Vec<TaskList>,
    pub can_work: bool,
    pub can_delete: bool,
}

pub async fn detail(state: &AppState, auth: &Auth, id: Id) -> AppResult<TaskDetail> {
    let (task, visible) = load(state, auth, id).await?;
    let today = today(state, auth.user.org_id).await?;
    let assignees = state.db.task_assignees(id).await?;
    let comments = state.db.task_comments(id).await?;
    let can_work = policy::can_work_on_tasks(visible.access());
    let can_delete = policy::can_delete_task(task.created_by == auth.user.id, visible.access());
    let lists = if can_work {
        state.db.task_lists(task.sphere_id).await?
    } else {
        Vec::new()
    };
    let view = views(auth.viewer(), vec![task], &assignees, today)
        .pop()
        .ok_or(AppError::NotFound)?;
    Ok(TaskDetail {
        view,
        visible,
        comments,
        lists,
        can_work,
        can_delete,
    })
}

/// Changes a task's title, description, due date or list (those who can post).
pub async fn update(state: &AppState, auth: &Auth, id: Id, input: &TaskInput) -> AppResult<Task> {
    let (task, v) = load(state, auth, id).await?;
    v.require(policy::can_work_on_tasks)?;
    let mut e = Errors::default();
    let title = match &input.title {
        Some(t) => e.check(validate::required("task_title", t, rules::TITLE_MAX)),
        None => Some(task.title.clone()),
    };
    let description = match &input.description {
        Some(d) => e
            .check(validate::optional(
                "task_description",
                d,
                rules::DESCRIPTION_MAX,
            ))
            .map(Option::unwrap_or_default),
        None => Some(task.description_md.clone()),
    };
    let due = match &input.due_date {
        Some(d) => e
            .check(rules::due_date("task_due_date", d))
            .map(|o| o.map(|d| d.format("%Y-%m-%d").to_string())),
        None => Some(task.due_date.clone()),
    };
    e.into_result()?;
    let (Some(title), Some(description), Some(due)) = (title, description, due) else {
        return Err(AppError::Refused("invalid"));
    };
    if let Some(list_id) = input.list_id.filter(|l| *l != task.list_id) {
        let list = state
            .db
            .task_list(auth.user.org_id, list_id)
            .await?
            .filter(|l| l.sphere_id == task.sphere_id)
            .ok_or(FieldError::new("task_list", "invalid_choice"))?;
        state.db.move_task(id, list.id).await?;
    }
    let html = markdown::render("description", &description).await?;
    let effects = refresh(state, task.sphere_id, &[]).await?;
    state
        .db
        .update_task(id, &title, (&description, &html), due.as_deref(), &effects)
        .await?;
    if let Some(users) = &input.assignees {
        set_assignees(state, auth, id, users).await?;
    }
    state
        .db
        .task(auth.user.org_id, auth.user.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn set_status(state: &AppState, auth: &Auth, id: Id, status: &str) -> AppResult<Task> {
    let (task, v) = load(state, auth, id).await?;
    v.require(policy::can_work_on_tasks)?;
    let status = rules::status("task_status", status)?;
    let assignees: Vec<UserId> = state
        .db
        .task_assignees(id)
        .await?
        .into_iter()
        .map(|a| a.user_id)
        .collect();
    let effects = refresh(state, task.sphere_id, &assignees).await?;
    state
        .db
        .set_task_status(id, status.as_str(), &effects)
        .await?;
    state
        .db
        .task(auth.user.org_id, auth.user.id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// Makes the task's assignees exactly `users` (members of the sphere); the newly assigned
/// are notified.
pub async fn set_assignees(
    state: &AppState,
    auth: &Auth,
    id: Id,
    users: &[UserId],
) -> AppResult<Vec<TaskAssignee>> {
    let (task, v) = load(state, auth, id).await?;
    v.require(policy::can_work_on_tasks)?;
    let users = check_assignees(state, &v, users).await?;
    let before: Vec<UserId> = state
        .db
        .task_assignees(id)
        .await?
        .into_iter()
        .map(|a| a.user_id)
        .collect();
    // Those the change adds hear of it; everyone concerned sees the task move.
    let added: Vec<UserId> = users
        .iter()
        .copied()
        .filter(|u| !before.contains(u))
        .collect();
    let mut effects = assigned(state, task.id, task.sphere_id, auth.user.id, &added).await?;
    let mut everyone = before;
    everyone.extend(added);
    effects.extend(refresh(state, task.sphere_id, &everyone).await?);
    state
        .db
        .set_task_assignees(id, auth.user.id, &users, &effects)
        .await?;
    crate::outbox::written(state, &effects);
    Ok(state.db.task_assignees(id).await?)
}

pub async fn comment(state: &AppState, auth: &Auth, id: Id, body: &str) -> AppResult<TaskComment> {
    let (task, v) = load(state, auth, id).await?;
    v.require(policy::can_work_on_tasks)?;
    let body = validate::required("body", body, COMMENT_MAX)?;
    let html = markdown::render("body", &body).await?;
    let effects = refresh(state, task.sphere_id, &[]).await?;
    Ok(state
        .db
        .add_task_comment(id, auth.user.id, (&body, &html), &effects)
        .await?)
}

/// Deletes a task (its creator, or the sphere's moderators); answers the sphere.
pub async fn delete(state: &AppState, auth: &Auth, id: Id) -> AppResult<SphereId> {
    let (task, v) = load(state, auth, id).await?;
    if !policy::can_delete_task(task.created_by == auth.user.id, v.access()) {
        return Err(AppError::Forbidden);
    }
    let effects = refresh(state, task.sphere_id, &[]).await?;
    state.db.delete_task(id, &effects).await?;
    Ok(task.sphere_id)
}

/// Done tasks stay on "my tasks" for this long.
const DONE_KEPT_MS: i64 = 14 * 24 * 3600 * 1000;

pub struct MyTasks {
    pub today: NaiveDate,
    /// Every group in display order, possibly empty.
    pub groups: Vec<(Bucket, Vec<TaskView>)>,
}

impl MyTasks {
    pub fn is_empty(&self) -> bool {
        self.groups.iter().all(|(_, t)| t.is_empty())
    }
}

/// Tasks assigned to the viewer in spheres they can still read, grouped by urgency.
pub async fn my_tasks(state: &AppState, auth: &Auth) -> AppResult<MyTasks> {
    let today = today(state, auth.user.org_id).await?;
    let viewer = auth.viewer();
    // The store keeps readable spheres; the policy has the last word on each row.
    let tasks: Vec<Task> = state
        .db
        .my_tasks(auth.user.id, now_ms() - DONE_KEPT_MS)
        .await?
        .into_iter()
        .filter(|t| {
            let kind = embarq_domain::SphereKind::parse(&t.sphere_kind)
                .unwrap_or(embarq_domain::SphereKind::Secret);
            let role = t.my_role.as_deref().and_then(SphereRole::parse);
            t.org_id == auth.user.org_id
                && policy::can_read_tasks(policy::sphere_access(viewer, kind, role))
        })
        .collect();
    let assignees = state.db.my_task_assignees(auth.user.id).await?;
    let mut all = views(auth.viewer(), tasks, &assignees, today);
    let groups = Bucket::ALL
        .iter()
        .map(|b| {
            let (mine, rest): (Vec<TaskView>, Vec<TaskView>) =
                all.drain(..).partition(|t| t.bucket == *b);
            all = rest;
            (*b, mine)
        })
        .collect();
    Ok(MyTasks { today, groups })
}
