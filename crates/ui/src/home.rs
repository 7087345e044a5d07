//! Home feed, publications and their threads, notifications.
use super::{Page, PathId, St, is_in_place, render, render_status, see_other};
use crate::auth::{Auth, Csrf, MaybeAuth};
use crate::error::{AppError, AppResult};
use crate::i18n::{Lang, tr};
use crate::service::posts::{self, REACTIONS};
use crate::state::WebState;
use askama::Template;
use axum::extract::Query;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use embarq_domain::validate::FieldError;
use embarq_domain::{Id, SphereId, parse_as, parse_id};
use embarq_store::{Comment, Notification, Post, Reactor, Sphere, SphereRequest};
use serde::Deserialize;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/", get(home))
        .route("/feed/items", get(feed_items))
        .route("/posts", post(create_post))
        .route("/posts/{id}", get(show_post))
        .route("/posts/{id}/comments", get(comments).post(add_comment))
        .route("/posts/{id}/react", post(react))
        .route("/posts/{id}/approve", post(approve))
        .route("/posts/{id}/decline", post(decline))
        .route("/posts/{id}/pin", post(pin))
        .route("/posts/{id}/unpin", post(unpin))
        .route("/posts/{id}/delete", post(delete))
        .route("/notifications", get(notifications))
        .route("/notifications/read", post(mark_read))
}

#[derive(Deserialize, Default)]
pub struct After {
    #[serde(default)]
    pub after: Option<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    p: Page,
    my_spheres: Vec<Sphere>,
    /// Where the composer publishes unless changed: the sphere last published in. None asks
    /// (never a secret or help sphere picked by alphabetical chance).
    composer_default: Option<SphereId>,
    invitations: Vec<SphereRequest>,
    posts: Vec<Post>,
    next: Option<String>,
    more_url: String,
    /// A confirmed champion's panel: `Some(champions sphere)`.
    champion_panel: Option<Option<SphereId>>,
    /// A manager's launch guide, until the launch.
    guide: Option<Vec<crate::service::rollout::GuideStep>>,
}

impl HomePage {
    fn step_label(&self, s: &crate::service::rollout::GuideStep) -> String {
        tr(self.p.lang, &format!("guide-step-{}", s.code))
    }
    fn guide_done(&self) -> usize {
        self.guide
            .as_ref()
            .map_or(0, |g| g.iter().filter(|s| s.done).count())
    }
}

#[derive(Template)]
#[template(path = "feed_items.html")]
pub struct FeedItems {
    pub p: Page,
    pub posts: Vec<Post>,
    pub next: Option<String>,
    pub more_url: String,
}

async fn home(
    state: St,
    lang: Lang,
    csrf: Csrf,
    MaybeAuth(auth): MaybeAuth,
) -> AppResult<Response> {
    let Some(auth) = auth else {
        let to = if state.db.organization_count().await? == 0 {
            "/setup"
        } else {
            "/login"
        };
        return Ok(see_other(to));
    };
    // First visit with a starter kit to show: the welcome page, once.
    if crate::service::starter::should_welcome(&state, &auth).await? {
        return Ok(see_other("/welcome"));
    }
    let page = posts::home_feed(&state, &auth, None).await?;
    let my_spheres = state
        .db
        .visible_spheres(auth.user.org_id, auth.user.id, true)
        .await?;
    let composer_default = state
        .db
        .last_posted_sphere(auth.user.id)
        .await?
        .filter(|last| my_spheres.iter().any(|s| s.id == *last));
    let invitations = state.db.invitations_for(auth.user.id).await?;
    let champion_panel = crate::service::champions::home_panel(&state, &auth).await?;
    let guide =
        crate::service::rollout::launch_guide(&state, &auth, embarq_store::now_ms()).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "home-title").await;
    Ok(render(&HomePage {
        p,
        my_spheres,
        composer_default,
        invitations,
        posts: page.posts,
        next: page.next,
        more_url: "/feed/items?after=".into(),
        champion_panel,
        guide,
    }))
}

async fn feed_items(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    Query(q): Query<After>,
) -> AppResult<Response> {
    let page = posts::home_feed(&state, &auth, q.after.as_deref()).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "home-title").await;
    Ok(render(&FeedItems {
        p,
        posts: page.posts,
        next: page.next,
        more_url: "/feed/items?after=".into(),
    }))
}

#[derive(Deserialize)]
struct PostForm {
    #[serde(default)]
    sphere_id: String,
    #[serde(default)]
    body: String,
    /// The composer's optional poll.
    #[serde(flatten)]
    poll: super::polls::PollFields,
}

async fn create_post(state: St, auth: Auth, Form(f): Form<PostForm>) -> AppResult<Response> {
    if f.sphere_id.trim().is_empty() {
        return Err(FieldError::new("sphere", "required").into());
    }
    let sphere = parse_as(&f.sphere_id).ok_or(AppError::NotFound)?;
    let poll = f.poll.input(&state, auth.user.org_id).await?;
    let sphere = crate::service::spheres::load(&state, &auth, sphere).await?;
    let post = posts::create_with_poll(&state, &auth, &sphere, &f.body, poll.as_ref()).await?;
    Ok(see_other(&format!("/posts/{}", post.id)))
}

#[derive(Template)]
#[template(path = "post.html")]
struct PostPage {
    p: Page,
    post: Post,
    comments: Vec<Comment>,
    reactions: Vec<(String, i64, bool)>,
    reactors: Vec<Reactor>,
    choices: Vec<&'static str>,
    can_post: bool,
    can_moderate: bool,
    can_delete: bool,
    /// Not a member: why they cannot reply, and the button that fixes it (`join` or `request`).
    join: Option<&'static str>,
    /// The publication's poll, if it has one.
    poll: Option<super::polls::PollView>,
}

impl PostPage {
    /// How many people reacted (one may have given several reactions).
    fn people_who_reacted(&self) -> i64 {
        let mut ids: Vec<_> = self.reactors.iter().map(|r| r.user_id).collect();
        ids.sort();
        ids.dedup();
        ids.len() as i64
    }
}

async fn show_post(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let t = posts::thread(&state, &auth, id).await?;
    let used: Vec<&str> = t.reactions.iter().map(|r| r.0.as_str()).collect();
    let choices = REACTIONS
        .iter()
        .copied()
        .filter(|e| !used.contains(e))
        .collect();
    let can_delete = embarq_domain::policy::can_delete_content(
        t.post.author_id == auth.user.id,
        t.visible.access(),
    );
    let p = Page::new(&state, lang, &csrf, Some(&auth), "post-title").await;
    let poll = super::polls::for_post(&state, lang, &auth, id).await?;
    Ok(render(&PostPage {
        p,
        poll,
        can_post: t.visible.access().post,
        join: match t.visible.access() {
            a if a.post => None,
            a if a.join => Some("join"),
            a if a.request => Some("request"),
            _ => None,
        },
        can_moderate: t.visible.access().moderate,
        can_delete,
        post: t.post,
        comments: t.comments,
        reactions: t.reactions,
        reactors: t.reactors,
        choices,
    }))
}

#[derive(Template)]
#[template(path = "comments.html")]
struct CommentsFragment {
    p: Page,
    comments: Vec<Comment>,
}

async fn comments(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    PathId(id): PathId,
) -> AppResult<Response> {
    let comments = posts::comments(&state, &auth, id).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "post-title").await;
    Ok(render(&CommentsFragment { p, comments }))
}

#[derive(Deserialize)]
struct BodyForm {
    #[serde(default)]
    body: String,
}

#[derive(Template)]
#[template(path = "comments_answer.html")]
struct CommentsAnswer {
    p: Page,
    comments: Vec<Comment>,
    error: Option<String>,
}

/// Comments; from the feed (htmx) the answer is the post's comments, the new one included,
/// or why it was refused above them, in place.
async fn add_comment(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    headers: axum::http::HeaderMap,
    PathId(id): PathId,
    Form(f): Form<BodyForm>,
) -> AppResult<Response> {
    let r = posts::comment(&state, &auth, id, &f.body).await;
    if !is_in_place(&headers) {
        let c = r?;
        return Ok(see_other(&format!("/posts/{id}#comment-{}", c.id)));
    }
    let mut p = Page::new(&state, lang, &csrf, Some(&auth), "post-title").await;
    let (status, error) = match r {
        Ok(_) => (StatusCode::OK, None),
        Err(e @ (AppError::Validation(_) | AppError::Refused(_) | AppError::Forbidden)) => {
            let status = p.show_error(Some(&e));
            let texts: Vec<String> = std::mem::take(&mut p.errors)
                .into_iter()
                .map(|e| e.text)
                .collect();
            (status, Some(texts.join(" ")))
        }
        Err(e) => return Err(e.into()),
    };
    let comments = posts::comments(&state, &auth, id).await?;
    Ok(render_status(
        status,
        &CommentsAnswer { p, comments, error },
    ))
}

#[derive(Deserialize)]
struct EmojiForm {
    #[serde(default)]
    emoji: String,
}

#[derive(Template)]
#[template(path = "reaction_bar_fragment.html")]
struct ReactionBar {
    p: Page,
    post_id: Id,
    reactions: Vec<(String, i64, bool)>,
}

/// Reacts; from the feed (htmx) the answer is the post's reaction bar, redrawn in place.
async fn react(
    state: St,
    lang: Lang,
    csrf: Csrf,
    auth: Auth,
    headers: axum::http::HeaderMap,
    PathId(id): PathId,
    Form(f): Form<EmojiForm>,
) -> AppResult<Response> {
    posts::react(&state, &auth, id, &f.emoji).await?;
    if !is_in_place(&headers) {
        return Ok(see_other(&format!("/posts/{id}")));
    }
    let given = state.db.reactions(id, auth.user.id).await?;
    let p = Page::new(&state, lang, &csrf, Some(&auth), "home-title").await;
    Ok(render(&ReactionBar {
        p,
        post_id: id,
        reactions: posts::reaction_choices(given.into_iter()),
    }))
}

async fn approve(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    posts::approve(&state, &auth, id, true).await?;
    Ok(see_other(&format!("/posts/{id}")))
}

async fn decline(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    let (post, _) = crate::service::spheres::readable_post(&state, &auth, id).await?;
    posts::approve(&state, &auth, id, false).await?;
    Ok(see_other(&format!("/spheres/{}", post.sphere_id)))
}

async fn pin(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    posts::pin(&state, &auth, id, true).await?;
    Ok(see_other(&format!("/posts/{id}")))
}

async fn unpin(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    posts::pin(&state, &auth, id, false).await?;
    Ok(see_other(&format!("/posts/{id}")))
}

async fn delete(state: St, auth: Auth, PathId(id): PathId) -> AppResult<Response> {
    let sphere = posts::delete(&state, &auth, id).await?;
    Ok(see_other(&format!("/spheres/{sphere}")))
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    p: Page,
    items: Vec<(Notification, String)>,
}

async fn notifications(state: St, lang: Lang, csrf: Csrf, auth: Auth) -> AppResult<Response> {
    let items = state.db.notifications(auth.user.id, 100).await?;
    let items = items
        .into_iter()
        .map(|n| {
            let label = tr(lang, &format!("notif-{}", n.kind.replace('_', "-")));
            (n, label)
        })
        .collect();
    let p = Page::new(&state, lang, &csrf, Some(&auth), "notifications-title").await;
    Ok(render(&NotificationsPage { p, items }))
}

#[derive(Deserialize)]
struct ReadForm {
    #[serde(default)]
    id: Option<String>,
}

async fn mark_read(
    state: St,
    auth: Auth,
    headers: axum::http::HeaderMap,
    Form(f): Form<ReadForm>,
) -> AppResult<Response> {
    let only: Option<Id> = f.id.as_deref().and_then(parse_id);
    state.db.mark_notifications_read(auth.user.id, only).await?;
    if is_in_place(&headers) && only.is_some() {
        return Ok(axum::http::StatusCode::NO_CONTENT.into_response());
    }
    Ok(see_other("/notifications"))
}
