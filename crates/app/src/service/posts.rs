//! Publications, comments, reactions, approval queue and feeds.
use super::activity;
use super::spheres::{self, Readable, Visible, notice};
use super::webhooks::PostCreated;
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use embarq_domain::activity::Activity;
use embarq_domain::policy;
use embarq_domain::validate::{self, COMMENT_MAX, POST_MAX};
use embarq_domain::{Id, PostStatus, SphereKind, SphereRole};
use embarq_domain::{SphereId, UserId};
use embarq_store::{Comment, Cursor, Effects, NewPost, Post, Reactor};

pub const PAGE: i64 = 20;
pub const REACTIONS: [&str; 5] = ["👍", "❤️", "🎉", "😂", "💡"];

/// A page of posts and the cursor of the next page, if any.
pub struct Page {
    pub posts: Vec<Post>,
    pub next: Option<String>,
}

fn page(mut posts: Vec<Post>) -> Page {
    let next = if posts.len() as i64 > PAGE {
        posts.truncate(PAGE as usize);
        posts.last().map(|p| {
            Cursor {
                created_at: p.created_at,
                id: p.id,
            }
            .encode()
        })
    } else {
        None
    };
    Page { posts, next }
}

fn cursor(after: Option<&str>) -> AppResult<Option<Cursor>> {
    match after.filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => Cursor::decode(s)
            .map(Some)
            .ok_or_else(|| validate::FieldError::new("after", "invalid_cursor").into()),
    }
}

/// How many organization-wide pinned publications head the home feed.
pub const PINNED_ON_HOME: i64 = 3;

/// The reader's feed, newest first; its first page starts with what is pinned for everyone
/// (the launch announcement), so someone who arrives later does not miss it.
pub async fn home_feed(state: &AppState, auth: &Auth, after: Option<&str>) -> AppResult<Page> {
    let mut page = page(
        state
            .db
            .home_feed(auth.user.id, cursor(after)?, PAGE + 1)
            .await?,
    );
    if after.is_none() {
        let pinned = state
            .db
            .pinned_for_everyone(auth.user.org_id, auth.user.id, PINNED_ON_HOME)
            .await?;
        page.posts.retain(|p| !pinned.iter().any(|q| q.id == p.id));
        page.posts.splice(0..0, pinned);
    }
    with_reactions(state, auth, &mut page.posts).await?;
    activity::record(state, auth, Activity::Read).await;
    Ok(page)
}

/// Fills each post's reactions (every choice, in order, with its count and the reader's
/// own), so the feed can react in place. One query for the page.
pub async fn with_reactions(state: &AppState, auth: &Auth, posts: &mut [Post]) -> AppResult<()> {
    let ids: Vec<Id> = posts.iter().map(|p| p.id).collect();
    let rows = state.db.reactions_of_posts(&ids, auth.user.id).await?;
    for p in posts.iter_mut() {
        p.reactions = Some(reaction_choices(
            rows.iter()
                .filter(|r| r.0 == p.id)
                .map(|r| (r.1.clone(), r.2, r.3)),
        ));
    }
    Ok(())
}

/// Every reaction choice in order, with the counts and the reader's own from `given`.
pub fn reaction_choices(
    given: impl Iterator<Item = (String, i64, bool)>,
) -> Vec<(String, i64, bool)> {
    let given: Vec<(String, i64, bool)> = given.collect();
    REACTIONS
        .iter()
        .map(|e| {
            given
                .iter()
                .find(|g| g.0 == *e)
                .cloned()
                .unwrap_or((e.to_string(), 0, false))
        })
        .collect()
}

pub async fn sphere_feed(
    state: &AppState,
    auth: &Auth,
    sphere: &Readable,
    after: Option<&str>,
) -> AppResult<Page> {
    let page = page(
        state
            .db
            .sphere_feed(sphere.id(), cursor(after)?, PAGE + 1)
            .await?,
    );
    activity::record(state, auth, Activity::Read).await;
    Ok(page)
}

/// What a sphere's page shows the viewer: the sphere, and when they may read it its first
/// page of posts, the pinned ones, and for its moderators those awaiting approval.
pub struct SphereHome {
    pub visible: Visible,
    pub page: Page,
    pub pinned: Vec<Post>,
    pub pending: Vec<Post>,
}

pub async fn sphere_home(state: &AppState, auth: &Auth, visible: Visible) -> AppResult<SphereHome> {
    let sphere = visible.id();
    if !visible.access().read {
        // The sphere's card (name, join or request) without its content.
        return Ok(SphereHome {
            visible,
            page: Page {
                posts: Vec::new(),
                next: None,
            },
            pinned: Vec::new(),
            pending: Vec::new(),
        });
    }
    let page = page(state.db.sphere_feed(sphere, None, PAGE + 1).await?);
    let pending = if visible.access().moderate {
        state.db.pending_posts(sphere).await?
    } else {
        Vec::new()
    };
    activity::record(state, auth, Activity::Read).await;
    Ok(SphereHome {
        pinned: state.db.pinned_posts(sphere).await?,
        visible,
        page,
        pending,
    })
}

/// Publishes in a sphere. In a sphere that requires approval, posts of plain members wait
/// for a publication manager; mentioned people who can read the sphere are notified.
pub async fn create(
    state: &AppState,
    auth: &Auth,
    sphere: &Visible,
    body: &str,
) -> AppResult<Post> {
    create_with_poll(state, auth, sphere, body, None).await
}

/// Publishes, with a poll when one is given: the text and the poll are checked together
/// (every error reported) and stored in one transaction.
pub async fn create_with_poll(
    state: &AppState,
    auth: &Auth,
    v: &Visible,
    body: &str,
    poll: Option<&super::polls::PollInput>,
) -> AppResult<Post> {
    v.require(|a| a.post)?;
    let sphere = v.id();
    super::moderation::ensure_not_muted(state, sphere, auth.user.id).await?;
    let body_checked = validate::required("body", body, POST_MAX);
    let poll = poll.map(super::polls::draft);
    let (body, poll) = match (body_checked, poll) {
        (Ok(b), None) => (b, None),
        (Ok(b), Some(Ok(d))) => (b, Some(d)),
        (b, p) => {
            let mut errs: Vec<validate::FieldError> = b.err().into_iter().collect();
            if let Some(Err(AppError::Validation(e))) = p {
                errs.extend(e);
            }
            return Err(AppError::Validation(errs));
        }
    };
    let named = super::mentions::resolve(state, auth.user.org_id, &body).await?;
    let body = named.body;
    let mut html = super::markdown::render("body", &body).await?;
    if let Some(d) = &poll {
        html.push_str(&super::polls::teaser_html(&d.question));
    }
    let status = if v.sphere().requires_approval && !v.access().moderate {
        PostStatus::Pending
    } else {
        PostStatus::Published
    };
    let id = embarq_domain::new_id();
    let mut effects = match status {
        PostStatus::Pending => {
            let mods = state
                .db
                .sphere_member_ids(sphere, &[SphereRole::Admin, SphereRole::Publisher])
                .await?;
            notice(
                state,
                &mods,
                "post_pending",
                auth.user.id,
                Some(sphere),
                Some(id),
            )
            .await?
        }
        PostStatus::Published => announce(state, v, auth.user.id, id, &named.people).await?,
    };
    effects.extend(super::webhooks::post_event(&PostCreated {
        id,
        sphere: v.sphere(),
        author: &auth.user,
        body: &body,
        status,
    }));
    let new = NewPost {
        id,
        org_id: auth.user.org_id,
        sphere_id: sphere,
        author_id: auth.user.id,
        body_md: &body,
        body_html: &html,
        status,
    };
    match &poll {
        None => state.db.create_post(&new, &effects).await?,
        Some(d) => {
            let p = embarq_store::NewPoll {
                question: &d.question,
                options: &d.options,
                multiple: d.multiple,
                anonymous: d.anonymous,
                closes_at: d.closes_at,
            };
            state.db.create_post_with_poll(&new, &p, &effects).await?.0
        }
    };
    crate::outbox::written(state, &effects);
    activity::record(state, auth, Activity::Posted).await;
    state
        .db
        .post(auth.user.org_id, id)
        .await?
        .ok_or(AppError::NotFound)
}

/// The `mentioned` people who may read the sphere: anyone in an open sphere, members
/// otherwise (checked for the few mentioned, never by loading the sphere's members).
async fn mentioned_readers(
    state: &AppState,
    sphere: SphereId,
    kind: SphereKind,
    mentioned: &[UserId],
) -> AppResult<Vec<UserId>> {
    if kind == SphereKind::Open || mentioned.is_empty() {
        return Ok(mentioned.to_vec());
    }
    Ok(state.db.sphere_members_among(sphere, mentioned).await?)
}

/// What a post's publication causes: mentioned readers are notified.
async fn announce(
    state: &AppState,
    v: &Visible,
    author: UserId,
    post: Id,
    mentioned: &[UserId],
) -> AppResult<Effects> {
    let readers = mentioned_readers(state, v.sphere().id, v.sphere().kind, mentioned).await?;
    notice(
        state,
        &readers,
        "mention",
        author,
        Some(v.sphere().id),
        Some(post),
    )
    .await
}

pub struct Thread {
    pub post: Post,
    pub visible: Visible,
    pub comments: Vec<Comment>,
    pub reactions: Vec<(String, i64, bool)>,
    /// Who reacted, first ones first (at most [`REACTORS_SHOWN`]).
    pub reactors: Vec<Reactor>,
}

/// How many of the people who reacted a thread names.
pub const REACTORS_SHOWN: i64 = 200;

/// A post's comments as the reader may see them (moderators also see hidden ones).
async fn comments_seen(state: &AppState, id: Id, visible: &Visible) -> AppResult<Vec<Comment>> {
    Ok(state
        .db
        .comments_for(id, policy::can_moderate_sphere(visible.access()))
        .await?)
}

/// Only the comments of a post the reader may read (the feed's comments in place), without
/// the rest of its thread.
pub async fn comments(state: &AppState, auth: &Auth, id: Id) -> AppResult<Vec<Comment>> {
    let (_, visible) = spheres::readable_post(state, auth, id).await?;
    comments_seen(state, id, &visible).await
}

pub async fn thread(state: &AppState, auth: &Auth, id: Id) -> AppResult<Thread> {
    let (post, visible) = spheres::readable_post(state, auth, id).await?;
    let comments = comments_seen(state, id, &visible).await?;
    let reactions = state.db.reactions(id, auth.user.id).await?;
    let reactors = state.db.reactors(id, REACTORS_SHOWN).await?;
    activity::record(state, auth, Activity::Read).await;
    Ok(Thread {
        post,
        visible,
        comments,
        reactions,
        reactors,
    })
}

/// Comments a published post and answers the comment as stored.
pub async fn comment(state: &AppState, auth: &Auth, post_id: Id, body: &str) -> AppResult<Comment> {
    let (post, v) = spheres::readable_post(state, auth, post_id).await?;
    if !v.access().post || post.status != PostStatus::Published {
        return Err(AppError::Forbidden);
    }
    super::moderation::ensure_not_muted(state, post.sphere_id, auth.user.id).await?;
    let body = validate::required("body", body, COMMENT_MAX)?;
    let named = super::mentions::resolve(state, post.org_id, &body).await?;
    let body = named.body;
    let html = super::markdown::render("body", &body).await?;
    let mut effects = notice(
        state,
        &[post.author_id],
        "comment",
        auth.user.id,
        Some(post.sphere_id),
        Some(post_id),
    )
    .await?;
    let readers = mentioned_readers(state, post.sphere_id, post.sphere_kind, &named.people).await?;
    effects.extend(
        notice(
            state,
            &readers,
            "mention",
            auth.user.id,
            Some(post.sphere_id),
            Some(post_id),
        )
        .await?,
    );
    let comment = state
        .db
        .add_comment(post_id, auth.user.id, (&body, &html), &effects)
        .await?;
    crate::outbox::written(state, &effects);
    activity::record(state, auth, Activity::Commented).await;
    Ok(comment)
}

pub async fn react(state: &AppState, auth: &Auth, post_id: Id, emoji: &str) -> AppResult<bool> {
    let (post, v) = spheres::readable_post(state, auth, post_id).await?;
    if !v.access().post || post.status != PostStatus::Published {
        return Err(AppError::Forbidden);
    }
    if !REACTIONS.contains(&emoji) {
        return Err(validate::FieldError::new("emoji", "invalid_choice").into());
    }
    let added = state
        .db
        .toggle_reaction(post_id, auth.user.id, emoji)
        .await?;
    activity::record(state, auth, Activity::Reacted).await;
    Ok(added)
}

/// Approves a pending post (publication managers and administrators).
pub async fn approve(state: &AppState, auth: &Auth, post_id: Id, approve: bool) -> AppResult<()> {
    let (post, v) = spheres::readable_post(state, auth, post_id).await?;
    v.require(|a| a.moderate)?;
    if post.status != PostStatus::Pending {
        return Err(AppError::Refused("not_pending"));
    }
    if approve {
        let mut effects = notice(
            state,
            &[post.author_id],
            "post_approved",
            auth.user.id,
            Some(post.sphere_id),
            Some(post_id),
        )
        .await?;
        let named = super::mentions::resolve(state, post.org_id, &post.body_md).await?;
        effects.extend(announce(state, &v, post.author_id, post_id, &named.people).await?);
        state
            .db
            .set_post_status(post_id, PostStatus::Published, &effects)
            .await?;
        crate::outbox::written(state, &effects);
    } else {
        let effects = notice(
            state,
            &[post.author_id],
            "post_declined",
            auth.user.id,
            Some(post.sphere_id),
            None,
        )
        .await?;
        state.db.delete_post(post_id, &effects).await?;
        crate::outbox::written(state, &effects);
    }
    Ok(())
}

pub async fn pin(state: &AppState, auth: &Auth, post_id: Id, pinned: bool) -> AppResult<()> {
    let (_, v) = spheres::readable_post(state, auth, post_id).await?;
    v.require(|a| a.moderate)?;
    Ok(state.db.set_post_pinned(post_id, pinned).await?)
}

pub async fn delete(state: &AppState, auth: &Auth, post_id: Id) -> AppResult<SphereId> {
    let (post, v) = spheres::readable_post(state, auth, post_id).await?;
    if !policy::can_delete_content(post.author_id == auth.user.id, v.access()) {
        return Err(AppError::Forbidden);
    }
    state.db.delete_post(post_id, &Effects::default()).await?;
    Ok(post.sphere_id)
}

pub async fn pending(state: &AppState, sphere: &Visible) -> AppResult<Vec<Post>> {
    sphere.require(|a| a.moderate)?;
    Ok(state.db.pending_posts(sphere.id()).await?)
}
