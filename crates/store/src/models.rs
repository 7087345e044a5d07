//! Rows as the store returns them. Enumerations are kept as their stored text and parsed
//! by typed getters that fail closed (an unknown sphere kind reads as secret).
use embarq_domain::{
    Id, OrgId, OrgRole, PostStatus, RequestKind, SphereKind, SphereRole, UserStatus,
};
use embarq_domain::{SphereId, UserId};
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Organization {
    pub id: OrgId,
    pub name: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct User {
    pub id: UserId,
    pub org_id: OrgId,
    pub email: String,
    #[serde(skip)]
    pub password_hash: Option<String>,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
    pub birth_year: Option<i64>,
    pub level: Option<String>,
    pub manager_id: Option<UserId>,
    pub employee_id: Option<String>,
    pub has_photo: bool,
    pub org_role: OrgRole,
    pub status: UserStatus,
    pub locale: Option<String>,
    /// Their own time zone (IANA name); None follows the browser, then the organization.
    pub time_zone: Option<String>,
    pub created_at: i64,
    pub activated_at: Option<i64>,
    pub last_seen_at: Option<i64>,
}

/// Columns selected for `User` (the photo bytes stay in the table).
pub(crate) const USER_COLUMNS: &str = "u.id, u.org_id, u.email, u.password_hash, u.display_name, u.first_name, \
     u.last_name, u.title, u.department, u.site, u.birth_year, u.level, u.manager_id, u.employee_id, \
     (u.photo IS NOT NULL) AS has_photo, u.org_role, u.status, u.locale, u.time_zone, u.created_at, u.activated_at, u.last_seen_at";

/// A short reference to a person, for lists and bylines.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Person {
    pub id: UserId,
    pub display_name: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
    pub has_photo: bool,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Sphere {
    pub id: SphereId,
    pub org_id: OrgId,
    pub name: String,
    pub description: String,
    pub kind: SphereKind,
    pub requires_approval: bool,
    pub created_by: UserId,
    pub created_at: i64,
    pub member_count: i64,
    /// The viewer's role, when the query was made for a viewer who is a member.
    pub my_role: Option<SphereRole>,
    /// Whether the viewer has a pending join request or invitation.
    pub my_request: Option<RequestKind>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct SphereMember {
    pub user_id: UserId,
    pub display_name: String,
    pub title: Option<String>,
    pub role: SphereRole,
    pub joined_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct SphereRequest {
    pub id: Id,
    pub sphere_id: SphereId,
    pub sphere_name: String,
    pub user_id: UserId,
    pub display_name: String,
    pub kind: RequestKind,
    pub invited_by: Option<UserId>,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Post {
    pub id: Id,
    pub org_id: OrgId,
    pub sphere_id: SphereId,
    pub sphere_name: String,
    pub sphere_kind: SphereKind,
    pub author_id: UserId,
    pub author_name: String,
    pub author_has_photo: bool,
    /// The author's job title and site, shown under their name.
    #[sqlx(default)]
    pub author_title: Option<String>,
    #[sqlx(default)]
    pub author_site: Option<String>,
    pub body_md: String,
    pub body_html: String,
    pub status: PostStatus,
    pub pinned: bool,
    pub comment_count: i64,
    pub reaction_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// Set when a moderator hid it: only the sphere's moderators still see it.
    #[sqlx(default)]
    pub hidden_at: Option<i64>,
    /// In a feed where the reader may react: each reaction with its count and whether the
    /// reader chose it (filled by the feed, not stored).
    #[sqlx(skip)]
    #[serde(skip)]
    pub reactions: Option<Vec<(String, i64, bool)>>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Comment {
    pub id: Id,
    pub post_id: Id,
    pub author_id: UserId,
    pub author_name: String,
    #[sqlx(default)]
    pub author_has_photo: bool,
    pub body_html: String,
    pub created_at: i64,
    /// Set when a moderator hid it (listed only for moderators).
    #[sqlx(default)]
    pub hidden_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ConversationSummary {
    pub id: Id,
    pub last_message_at: i64,
    /// Display names of the other participants, comma-separated.
    pub others: String,
    pub unread: bool,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Message {
    pub id: Id,
    pub conversation_id: Id,
    pub author_id: UserId,
    pub author_name: String,
    #[sqlx(default)]
    pub author_has_photo: bool,
    pub body_html: String,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Notification {
    pub id: Id,
    pub kind: String,
    pub actor_id: Option<UserId>,
    pub actor_name: Option<String>,
    pub sphere_id: Option<SphereId>,
    pub sphere_name: Option<String>,
    pub post_id: Option<Id>,
    pub conversation_id: Option<Id>,
    pub link: Option<String>,
    pub created_at: i64,
    pub read_at: Option<i64>,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct ApiToken {
    pub id: Id,
    pub name: String,
    pub created_at: i64,
    pub last_used_at: Option<i64>,
}

/// One live event: for one person (`user_id`) or for every member of a sphere (`sphere_id`).
#[derive(Debug, Clone, sqlx::FromRow, Serialize, serde::Deserialize)]
pub struct LiveEvent {
    pub seq: i64,
    pub user_id: Option<UserId>,
    pub sphere_id: Option<SphereId>,
    pub kind: String,
    pub ref_id: Option<Id>,
    pub created_at: i64,
}

/// A notification to create: who receives it and what it points to.
#[derive(Debug, Clone, Default)]
pub struct NewNotification {
    pub user_id: UserId,
    pub kind: &'static str,
    pub actor_id: Option<UserId>,
    pub sphere_id: Option<SphereId>,
    pub post_id: Option<Id>,
    pub conversation_id: Option<Id>,
    /// App-relative page the notification opens, for targets other than a post or sphere.
    pub link: Option<String>,
}

/// An authenticated session joined to its user.
#[derive(Debug, Clone)]
pub struct SessionUser {
    pub user: User,
    pub csrf_token: String,
}
