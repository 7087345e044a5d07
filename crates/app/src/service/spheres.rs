//! Spheres: creation, visibility, joining, requests, invitations and roles.
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use embarq_domain::policy::{self, SphereAccess};
use embarq_domain::validate::{self, DESCRIPTION_MAX, Errors, NAME_MAX};
use embarq_domain::{Id, RequestKind, SphereKind, SphereRole, UserStatus};
use embarq_domain::{SphereId, UserId};
use embarq_store::{NewNotification, Sphere, SphereMember, SphereRequest};

/// Proof that the viewer can see a sphere, with what the policy lets them do in it. Its
/// fields are private: only [`load`] makes one, so a service that takes it cannot be
/// reached without the policy having been asked.
pub struct Visible {
    sphere: Sphere,
    access: SphereAccess,
}

impl Visible {
    pub fn sphere(&self) -> &Sphere {
        &self.sphere
    }

    pub fn id(&self) -> SphereId {
        self.sphere.id
    }

    pub fn access(&self) -> SphereAccess {
        self.access
    }

    pub fn into_sphere(self) -> Sphere {
        self.sphere
    }

    /// The proof that the viewer may read the sphere's content, or 403: the sphere itself
    /// is visible (its card says how to join), its content is not.
    pub fn readable(self) -> AppResult<Readable> {
        self.require(|a| a.read)?;
        Ok(Readable(self))
    }

    /// `Forbidden` unless the policy grants what `allowed` asks of the access.
    pub fn require(&self, allowed: impl Fn(SphereAccess) -> bool) -> AppResult<()> {
        if allowed(self.access) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

/// Proof that the viewer may read a sphere's content: publications, members, files, tasks,
/// widgets and events. Made only by [`Visible::readable`].
pub struct Readable(Visible);

impl std::ops::Deref for Readable {
    type Target = Visible;

    fn deref(&self) -> &Visible {
        &self.0
    }
}

impl Readable {
    pub fn into_sphere(self) -> Sphere {
        self.0.sphere
    }
}

/// Loads a sphere for the viewer: unknown, other organization's and invisible (secret)
/// spheres all answer the same 404.
pub async fn load(state: &AppState, auth: &Auth, id: SphereId) -> AppResult<Visible> {
    let sphere = state
        .db
        .sphere_for(auth.user.org_id, auth.user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let access = policy::sphere_access(auth.viewer(), sphere.kind, sphere.my_role);
    if !access.see {
        return Err(AppError::NotFound);
    }
    Ok(Visible { sphere, access })
}

/// The proof that the viewer may read a sphere's content: 404 when they cannot see the
/// sphere, 403 when they see it without being allowed in.
pub async fn readable(state: &AppState, auth: &Auth, id: SphereId) -> AppResult<Readable> {
    load(state, auth, id).await?.readable()
}

/// The same proof for content reached by its own id (a file, a task): where the viewer may
/// not read the sphere, the content does not exist for them (404), so its id reveals nothing.
pub async fn readable_content(state: &AppState, auth: &Auth, id: SphereId) -> AppResult<Readable> {
    readable(state, auth, id).await.map_err(|e| match e {
        AppError::Forbidden => AppError::NotFound,
        e => e,
    })
}

pub struct SphereInput {
    pub name: String,
    pub description: String,
    pub kind: String,
    pub requires_approval: bool,
}

fn validate_input(i: &SphereInput) -> AppResult<(String, String, SphereKind)> {
    let mut e = Errors::default();
    let name = e.check(validate::required("name", &i.name, NAME_MAX));
    let description = e.check(validate::optional(
        "description",
        &i.description,
        DESCRIPTION_MAX,
    ));
    let kind = e.check(
        SphereKind::parse(i.kind.trim()).ok_or(validate::FieldError::new("kind", "invalid_choice")),
    );
    e.into_result()?;
    match (name, description, kind) {
        (Some(n), Some(d), Some(k)) => Ok((n, d.unwrap_or_default(), k)),
        _ => Err(AppError::Refused("invalid")),
    }
}

pub async fn create(state: &AppState, auth: &Auth, i: &SphereInput) -> AppResult<SphereId> {
    if !policy::can_create_sphere(auth.viewer()) {
        return Err(AppError::Forbidden);
    }
    let (name, description, kind) = validate_input(i)?;
    Ok(state
        .db
        .create_sphere(
            auth.user.org_id,
            auth.user.id,
            &name,
            &description,
            kind,
            i.requires_approval,
        )
        .await?)
}

pub async fn update(state: &AppState, auth: &Auth, id: SphereId, i: &SphereInput) -> AppResult<()> {
    let v = load(state, auth, id).await?;
    v.require(|a| a.admin)?;
    let (name, description, kind) = validate_input(i)?;
    Ok(state
        .db
        .update_sphere(id, &name, &description, kind, i.requires_approval)
        .await?)
}

/// Joins an open sphere, or asks to join a closed one (administrators are notified when
/// the request is new). On a closed sphere, a pending invitation is accepted instead.
/// Answers whether the person is now a member.
pub async fn join(state: &AppState, auth: &Auth, id: SphereId) -> AppResult<bool> {
    let v = load(state, auth, id).await?;
    if v.access().join {
        state
            .db
            .add_sphere_member(id, auth.user.id, SphereRole::Member)
            .await?;
        return Ok(true);
    }
    if v.access().request {
        let admins = state.db.sphere_member_ids(id, &[SphereRole::Admin]).await?;
        let effects = notice(state, &admins, "join_request", auth.user.id, Some(id), None).await?;
        match state
            .db
            .create_sphere_request(id, auth.user.id, RequestKind::JoinRequest, None, &effects)
            .await
        {
            Ok(_) => {
                crate::outbox::written(state, &effects);
                return Ok(false);
            }
            Err(embarq_store::StoreError::Conflict(_)) => {}
            Err(e) => return Err(e.into()),
        }
        // Something is already pending: an invitation is accepted by joining; a join
        // request keeps waiting (its administrators were told when it was made).
        let pending = state.db.pending_sphere_request(id, auth.user.id).await?;
        if pending.is_some_and(|r| r.kind == RequestKind::Invitation) {
            state
                .db
                .add_sphere_member(id, auth.user.id, SphereRole::Member)
                .await?;
            return Ok(true);
        }
        return Ok(false);
    }
    if v.sphere().my_role.is_some() {
        return Ok(true);
    }
    Err(AppError::Forbidden)
}

/// Leaves a sphere; the last administrator cannot leave (the sphere would be orphaned:
/// the store refuses, `last_admin`).
pub async fn leave(state: &AppState, auth: &Auth, id: SphereId) -> AppResult<()> {
    load(state, auth, id).await?;
    Ok(state
        .db
        .remove_sphere_member(id, auth.user.id, &Default::default())
        .await?)
}

pub async fn members(state: &AppState, sphere: &Readable) -> AppResult<Vec<SphereMember>> {
    Ok(state.db.sphere_members(sphere.id()).await?)
}

/// Invites a member of the same organization into the sphere. Deactivated accounts are
/// unknown here. Someone who already asked to join is accepted at once (both sides agree).
pub async fn invite(state: &AppState, auth: &Auth, id: SphereId, user_id: UserId) -> AppResult<()> {
    let v = load(state, auth, id).await?;
    v.require(|a| a.invite)?;
    let invitee = state
        .db
        .user_in_org(auth.user.org_id, user_id)
        .await?
        .filter(|u| u.status != UserStatus::Deactivated)
        .ok_or(AppError::NotFound)?;
    if state.db.sphere_role(id, invitee.id).await?.is_some() {
        return Err(AppError::Conflict("already_member"));
    }
    let invited = notice(
        state,
        &[invitee.id],
        "sphere_invitation",
        auth.user.id,
        Some(id),
        None,
    )
    .await?;
    match state
        .db
        .create_sphere_request(
            id,
            invitee.id,
            RequestKind::Invitation,
            Some(auth.user.id),
            &invited,
        )
        .await
    {
        Ok(_) => {
            crate::outbox::written(state, &invited);
            Ok(())
        }
        Err(embarq_store::StoreError::Conflict(_)) => {
            let pending = state.db.pending_sphere_request(id, invitee.id).await?;
            if !pending.is_some_and(|r| r.kind == RequestKind::JoinRequest) {
                return Err(AppError::Conflict("already_invited"));
            }
            let accepted = notice(
                state,
                &[invitee.id],
                "request_accepted",
                auth.user.id,
                Some(id),
                None,
            )
            .await?;
            state
                .db
                .add_sphere_member_with(id, invitee.id, SphereRole::Member, &accepted)
                .await?;
            crate::outbox::written(state, &accepted);
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

/// Accepts or declines a request (sphere administrators) or an invitation (the invitee).
pub async fn answer_request(
    state: &AppState,
    auth: &Auth,
    request_id: Id,
    accept: bool,
) -> AppResult<SphereRequest> {
    let r = state
        .db
        .sphere_request(request_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let kind = r.kind;
    match kind {
        RequestKind::Invitation => {
            if r.user_id != auth.user.id {
                return Err(AppError::NotFound);
            }
        }
        RequestKind::JoinRequest => {
            let v = load(state, auth, r.sphere_id).await?;
            if !v.access().admin {
                return Err(AppError::NotFound);
            }
        }
    }
    if accept {
        let effects = if kind == RequestKind::JoinRequest {
            notice(
                state,
                &[r.user_id],
                "request_accepted",
                auth.user.id,
                Some(r.sphere_id),
                None,
            )
            .await?
        } else {
            Default::default()
        };
        state
            .db
            .add_sphere_member_with(r.sphere_id, r.user_id, SphereRole::Member, &effects)
            .await?;
        crate::outbox::written(state, &effects);
    } else {
        state.db.delete_sphere_request(request_id).await?;
    }
    Ok(r)
}

/// The sphere's pending join requests (its administrators only).
pub async fn join_requests(
    state: &AppState,
    auth: &Auth,
    id: SphereId,
) -> AppResult<Vec<SphereRequest>> {
    let v = load(state, auth, id).await?;
    v.require(|a| a.admin)?;
    Ok(state.db.join_requests(id).await?)
}

/// Changes a member's role, or removes them with `None` (sphere administrators); keeps at
/// least one administrator. Only members have a role to change: people join through
/// invitations and requests, never by being given a role.
pub async fn set_role(
    state: &AppState,
    auth: &Auth,
    id: SphereId,
    user_id: UserId,
    role: Option<SphereRole>,
) -> AppResult<()> {
    let v = load(state, auth, id).await?;
    v.require(|a| a.admin)?;
    let target = state
        .db
        .user_in_org(auth.user.org_id, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let current = state
        .db
        .sphere_role(id, target.id)
        .await?
        .ok_or(AppError::Refused("not_member"))?;
    let audit = super::admin_audit::record(
        super::admin_audit::Admin {
            org_id: auth.user.org_id,
            actor_id: Some(auth.user.id),
            action: if role.is_some() {
                "sphere.role"
            } else {
                "sphere.remove_member"
            },
            target_kind: "user",
            target_id: Some(target.id.into()),
            sphere_id: Some(id),
        },
        serde_json::json!({
            "name": target.display_name,
            "from": current.as_str(),
            "to": role.map(|r| r.as_str()),
        }),
    );
    // Demoting or removing the last administrator is refused by the store (`last_admin`).
    match role {
        Some(r) => {
            if !state.db.set_sphere_role(id, target.id, r, &audit).await? {
                return Err(AppError::Refused("not_member"));
            }
        }
        None => state.db.remove_sphere_member(id, target.id, &audit).await?,
    }
    Ok(())
}

/// What notifying people (never the actor) writes, through the central decision: stored,
/// pushed live and e-mailed as each recipient's preferences say. The change that causes it
/// writes it in its own transaction.
pub async fn notice(
    state: &AppState,
    users: &[UserId],
    kind: &'static str,
    actor: UserId,
    sphere: Option<SphereId>,
    post: Option<Id>,
) -> AppResult<embarq_store::Effects> {
    let users: Vec<UserId> = users.iter().copied().filter(|u| *u != actor).collect();
    let items: Vec<NewNotification> = users
        .iter()
        .map(|u| NewNotification {
            user_id: *u,
            kind,
            actor_id: Some(actor),
            sphere_id: sphere,
            post_id: post,
            conversation_id: None,
            link: None,
        })
        .collect();
    // Preferences (off, in-app, e-mail) apply in the one delivery place.
    super::notifications::effects(state, items).await
}

/// A post the viewer may read: published in a readable sphere, or pending and theirs or
/// theirs to moderate. Everything else is 404, so nothing leaks about secret spheres.
pub async fn readable_post(
    state: &AppState,
    auth: &Auth,
    id: Id,
) -> AppResult<(embarq_store::Post, Visible)> {
    let post = state
        .db
        .post(auth.user.org_id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let v = load(state, auth, post.sphere_id).await?;
    let readable = match post.status {
        embarq_domain::PostStatus::Published => v.access().read,
        embarq_domain::PostStatus::Pending => post.author_id == auth.user.id || v.access().moderate,
    };
    // A hidden publication exists only for the sphere's moderators.
    let hidden_away = post.hidden_at.is_some() && !policy::can_moderate_sphere(v.access());
    if !readable || hidden_away {
        return Err(AppError::NotFound);
    }
    Ok((post, v))
}
