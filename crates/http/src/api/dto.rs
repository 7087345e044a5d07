//! What the API answers: store rows converted to documented JSON objects. Identifiers are
//! UUID strings, instants are RFC 3339 (see `time`); password hashes never leave.
use super::docs::{
    OrgRoleName, PostStatusName, RequestKindName, SphereKindName, SphereRoleName, UserStatusName,
};
use crate::service::spheres::Visible;
use embarq_domain::policy::{self, SphereAccess, Viewer};
use embarq_store::{
    ApiToken, Comment, ConversationSummary, Message, Notification, Post, Sphere, SphereMember,
    SphereRequest, User,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

/// A member of the organization.
#[derive(Serialize, ToSchema)]
pub struct MemberDto {
    pub id: Uuid,
    pub email: String,
    pub display_name: String,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub title: Option<String>,
    pub department: Option<String>,
    pub site: Option<String>,
    pub birth_year: Option<i64>,
    pub level: Option<String>,
    pub manager_id: Option<Uuid>,
    pub employee_id: Option<String>,
    pub has_photo: bool,
    #[schema(value_type = OrgRoleName)]
    pub role: String,
    #[schema(value_type = UserStatusName)]
    pub status: String,
    /// Preferred language (`fr`, `en`), if chosen.
    pub locale: Option<String>,
    /// Their own time zone (IANA name), if chosen; otherwise times follow their browser, then
    /// the organization's zone.
    pub time_zone: Option<String>,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub activated_at: Option<i64>,
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub last_seen_at: Option<i64>,
}

impl From<User> for MemberDto {
    fn from(u: User) -> Self {
        MemberDto {
            id: u.id.into(),
            email: u.email,
            display_name: u.display_name,
            first_name: u.first_name,
            last_name: u.last_name,
            title: u.title,
            department: u.department,
            site: u.site,
            birth_year: u.birth_year,
            level: u.level,
            manager_id: u.manager_id.map(Into::into),
            employee_id: u.employee_id,
            has_photo: u.has_photo,
            role: u.org_role.to_string(),
            status: u.status.to_string(),
            locale: u.locale,
            time_zone: u.time_zone,
            created_at: u.created_at,
            activated_at: u.activated_at,
            last_seen_at: u.last_seen_at,
        }
    }
}

/// One page of the directory (`page_size` members at most).
#[derive(Serialize, ToSchema)]
pub struct MemberPageDto {
    pub items: Vec<MemberDto>,
    pub page: i64,
    pub page_size: i64,
}

/// What the caller may do in a sphere.
#[derive(Serialize, ToSchema)]
pub struct AccessDto {
    /// Publications, comments and members are readable.
    pub read: bool,
    /// May publish and comment.
    pub post: bool,
    /// May join directly.
    pub join: bool,
    /// May ask to join.
    pub request: bool,
    /// Approves pending publications, pins.
    pub moderate: bool,
    /// Manages settings, members, requests.
    pub admin: bool,
    /// Invites other members of the organization.
    pub invite: bool,
}

impl From<SphereAccess> for AccessDto {
    fn from(a: SphereAccess) -> Self {
        AccessDto {
            read: a.read,
            post: a.post,
            join: a.join,
            request: a.request,
            moderate: a.moderate,
            admin: a.admin,
            invite: a.invite,
        }
    }
}

/// A sphere as the caller sees it.
#[derive(Serialize, ToSchema)]
pub struct SphereDto {
    pub id: Uuid,
    pub name: String,
    pub description: String,
    #[schema(value_type = SphereKindName)]
    pub kind: String,
    /// Publications of plain members wait for a publication manager.
    pub requires_approval: bool,
    pub created_by: Uuid,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
    pub member_count: i64,
    /// The caller's role, if a member.
    #[schema(value_type = Option<SphereRoleName>)]
    pub my_role: Option<String>,
    /// The caller's pending join request or invitation, if any.
    #[schema(value_type = Option<RequestKindName>)]
    pub my_request: Option<String>,
    pub access: AccessDto,
}

impl SphereDto {
    fn with_access(s: Sphere, access: SphereAccess) -> Self {
        SphereDto {
            id: s.id.into(),
            name: s.name,
            description: s.description,
            kind: s.kind.to_string(),
            requires_approval: s.requires_approval,
            created_by: s.created_by.into(),
            created_at: s.created_at,
            member_count: s.member_count,
            my_role: s.my_role.map(|r| r.to_string()),
            my_request: s.my_request.map(|r| r.to_string()),
            access: access.into(),
        }
    }

    /// A sphere from a list the store already filtered by visibility.
    pub fn for_viewer(s: Sphere, viewer: Viewer) -> Self {
        let access = policy::sphere_access(viewer, s.kind, s.my_role);
        Self::with_access(s, access)
    }
}

impl From<Visible> for SphereDto {
    fn from(v: Visible) -> Self {
        let access = v.access();
        Self::with_access(v.into_sphere(), access)
    }
}

#[derive(Serialize, ToSchema)]
pub struct SphereMemberDto {
    pub user_id: Uuid,
    pub display_name: String,
    pub title: Option<String>,
    #[schema(value_type = SphereRoleName)]
    pub role: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub joined_at: i64,
}

impl From<SphereMember> for SphereMemberDto {
    fn from(m: SphereMember) -> Self {
        SphereMemberDto {
            user_id: m.user_id.into(),
            display_name: m.display_name,
            title: m.title,
            role: m.role.to_string(),
            joined_at: m.joined_at,
        }
    }
}

/// A pending join request or invitation.
#[derive(Serialize, ToSchema)]
pub struct RequestDto {
    pub id: Uuid,
    pub sphere_id: Uuid,
    pub sphere_name: String,
    /// Who asked, or who is invited.
    pub user_id: Uuid,
    pub display_name: String,
    #[schema(value_type = RequestKindName)]
    pub kind: String,
    pub invited_by: Option<Uuid>,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
}

impl From<SphereRequest> for RequestDto {
    fn from(r: SphereRequest) -> Self {
        RequestDto {
            id: r.id,
            sphere_id: r.sphere_id.into(),
            sphere_name: r.sphere_name,
            user_id: r.user_id.into(),
            display_name: r.display_name,
            kind: r.kind.to_string(),
            invited_by: r.invited_by.map(Into::into),
            created_at: r.created_at,
        }
    }
}

/// A publication.
#[derive(Serialize, ToSchema)]
pub struct PostDto {
    pub id: Uuid,
    pub sphere_id: Uuid,
    pub sphere_name: String,
    #[schema(value_type = SphereKindName)]
    pub sphere_kind: String,
    pub author_id: Uuid,
    pub author_name: String,
    pub author_has_photo: bool,
    /// The Markdown source.
    pub body_md: String,
    /// The rendered, sanitized HTML.
    pub body_html: String,
    #[schema(value_type = PostStatusName)]
    pub status: String,
    pub pinned: bool,
    pub comment_count: i64,
    pub reaction_count: i64,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub updated_at: i64,
    /// When a moderator hid it (only the sphere's moderators receive hidden publications).
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub hidden_at: Option<i64>,
}

impl From<Post> for PostDto {
    fn from(p: Post) -> Self {
        PostDto {
            id: p.id,
            sphere_id: p.sphere_id.into(),
            sphere_name: p.sphere_name,
            sphere_kind: p.sphere_kind.to_string(),
            author_id: p.author_id.into(),
            author_name: p.author_name,
            author_has_photo: p.author_has_photo,
            body_md: p.body_md,
            body_html: p.body_html,
            status: p.status.to_string(),
            pinned: p.pinned,
            comment_count: p.comment_count,
            reaction_count: p.reaction_count,
            created_at: p.created_at,
            updated_at: p.updated_at,
            hidden_at: p.hidden_at,
        }
    }
}

/// Converts a list of rows.
pub fn list<T, D: From<T>>(items: Vec<T>) -> Vec<D> {
    items.into_iter().map(D::from).collect()
}

/// A page of a feed, newest first.
#[derive(Serialize, ToSchema)]
pub struct PostPageDto {
    pub items: Vec<PostDto>,
    /// Pass as `after` to get the next page; null on the last page.
    pub next: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct CommentDto {
    pub id: Uuid,
    pub post_id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    pub body_html: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
    /// When a moderator hid it (listed only for the sphere's moderators).
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub hidden_at: Option<i64>,
}

impl From<Comment> for CommentDto {
    fn from(c: Comment) -> Self {
        CommentDto {
            id: c.id,
            post_id: c.post_id,
            author_id: c.author_id.into(),
            author_name: c.author_name,
            body_html: c.body_html,
            created_at: c.created_at,
            hidden_at: c.hidden_at,
        }
    }
}

/// How many people reacted with one emoji, and whether the caller did.
#[derive(Serialize, ToSchema)]
pub struct ReactionDto {
    pub emoji: String,
    pub count: i64,
    pub mine: bool,
}

impl From<(String, i64, bool)> for ReactionDto {
    fn from((emoji, count, mine): (String, i64, bool)) -> Self {
        ReactionDto { emoji, count, mine }
    }
}

/// A publication with its comments and reactions.
#[derive(Serialize, ToSchema)]
pub struct ThreadDto {
    pub post: PostDto,
    pub sphere: SphereDto,
    pub comments: Vec<CommentDto>,
    pub reactions: Vec<ReactionDto>,
    /// Who reacted and how, first ones first (the first 200).
    pub reactors: Vec<ReactorDto>,
}

/// One person's reaction.
#[derive(Serialize, ToSchema)]
pub struct ReactorDto {
    pub user_id: Uuid,
    pub display_name: String,
    pub emoji: String,
}

impl From<embarq_store::Reactor> for ReactorDto {
    fn from(r: embarq_store::Reactor) -> Self {
        ReactorDto {
            user_id: r.user_id.0,
            display_name: r.display_name,
            emoji: r.emoji,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NotificationDto {
    pub id: Uuid,
    /// What happened: `join_request`, `sphere_invitation`, `request_accepted`, `post_pending`,
    /// `post_approved`, `post_declined`, `comment`, `mention`...
    pub kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub sphere_id: Option<Uuid>,
    pub sphere_name: Option<String>,
    pub post_id: Option<Uuid>,
    pub conversation_id: Option<Uuid>,
    /// App-relative page the notification opens (events, tasks, files...).
    pub link: Option<String>,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub read_at: Option<i64>,
}

impl From<Notification> for NotificationDto {
    fn from(n: Notification) -> Self {
        NotificationDto {
            id: n.id,
            kind: n.kind,
            actor_id: n.actor_id.map(Into::into),
            actor_name: n.actor_name,
            sphere_id: n.sphere_id.map(Into::into),
            sphere_name: n.sphere_name,
            post_id: n.post_id,
            conversation_id: n.conversation_id,
            link: n.link,
            created_at: n.created_at,
            read_at: n.read_at,
        }
    }
}

/// The latest notifications and how many are unread.
#[derive(Serialize, ToSchema)]
pub struct NotificationListDto {
    pub items: Vec<NotificationDto>,
    pub unread: i64,
}

#[derive(Serialize, ToSchema)]
pub struct ConversationDto {
    pub id: Uuid,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub last_message_at: i64,
    /// Display names of the other participants, comma-separated.
    pub others: String,
    pub unread: bool,
}

impl From<ConversationSummary> for ConversationDto {
    fn from(c: ConversationSummary) -> Self {
        ConversationDto {
            id: c.id,
            last_message_at: c.last_message_at,
            others: c.others,
            unread: c.unread,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct MessageDto {
    pub id: Uuid,
    pub conversation_id: Uuid,
    pub author_id: Uuid,
    pub author_name: String,
    pub body_html: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
}

impl From<Message> for MessageDto {
    fn from(m: Message) -> Self {
        MessageDto {
            id: m.id,
            conversation_id: m.conversation_id,
            author_id: m.author_id.into(),
            author_name: m.author_name,
            body_html: m.body_html,
            created_at: m.created_at,
        }
    }
}

/// A personal access token (never its secret).
#[derive(Serialize, ToSchema)]
pub struct TokenDto {
    pub id: Uuid,
    pub name: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub last_used_at: Option<i64>,
}

impl From<ApiToken> for TokenDto {
    fn from(t: ApiToken) -> Self {
        TokenDto {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
        }
    }
}

/// A new personal access token with its secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct NewTokenDto {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub id: Uuid,
    pub name: String,
    #[serde(serialize_with = "super::time::ms")]
    #[schema(value_type = super::time::Instant)]
    pub created_at: i64,
    #[serde(with = "super::time::opt_ms")]
    #[schema(value_type = Option<super::time::Instant>)]
    pub last_used_at: Option<i64>,
}

/// The identifier of what was created or found.
#[derive(Serialize, ToSchema)]
pub struct IdDto {
    pub id: Uuid,
}

/// Result of joining: `member` false means a join request was filed for the administrators.
#[derive(Serialize, ToSchema)]
pub struct JoinDto {
    pub member: bool,
}

/// Whether the caller's reaction is now set.
#[derive(Serialize, ToSchema)]
pub struct ReactionStateDto {
    pub active: bool,
}

/// A problem with one row of an import file.
#[derive(Serialize, ToSchema)]
pub struct ImportIssueDto {
    /// Line in the file (the header is line 1).
    pub line: u64,
    pub field: Option<String>,
    pub code: String,
    pub value: Option<String>,
}

impl From<embarq_domain::csv_import::RowError> for ImportIssueDto {
    fn from(e: embarq_domain::csv_import::RowError) -> Self {
        ImportIssueDto {
            line: e.line,
            field: e.field.map(str::to_string),
            code: e.code.to_string(),
            value: e.value,
        }
    }
}

/// What a directory import would do (dry run) or did.
#[derive(Serialize, ToSchema)]
pub struct ImportReportDto {
    pub dry_run: bool,
    /// Valid rows read from the file.
    pub rows: usize,
    /// E-mails of members created.
    pub create: Vec<String>,
    /// E-mails of members updated.
    pub update: Vec<String>,
    pub unchanged: usize,
    /// E-mails of members deactivated (absent from the file).
    pub deactivate: Vec<String>,
    /// Rows refused, by line.
    pub errors: Vec<ImportIssueDto>,
    /// Rows imported with a caveat.
    pub warnings: Vec<ImportIssueDto>,
}

/// Markdown text of a publication, comment or message.
/// A comment or a message.
#[derive(Deserialize, ToSchema)]
pub struct BodyInput {
    /// Markdown; mentioning a colleague's e-mail address (`@name@example.com`) notifies them.
    #[serde(default)]
    #[schema(value_type = super::docs::CommentText, inline, required = true)]
    pub body: String,
}

/// A publication.
#[derive(Deserialize, ToSchema)]
pub struct PostInput {
    /// Markdown; mentioning a colleague's e-mail address (`@name@example.com`) notifies them.
    #[serde(default)]
    #[schema(value_type = super::docs::PostText, inline, required = true)]
    pub body: String,
}
