//! Pieces of the OpenAPI document shared by every operation: security schemes and the
//! problem+json error responses.
#![allow(
    dead_code,
    reason = "the response types only document; handlers answer ApiError"
)]
use crate::auth::SESSION_COOKIE;
use crate::error::Problem;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, Http, HttpAuthScheme, SecurityScheme};

/// Declares the two ways to authenticate.
pub struct Security;

impl utoipa::Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let c = openapi.components.get_or_insert_with(Default::default);
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.description =
            Some("A personal access token created with POST /api/v1/tokens.".to_string());
        c.add_security_scheme("bearer", SecurityScheme::Http(bearer));
        c.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
                SESSION_COOKIE,
                "The web session; state-changing requests must also send X-CSRF-Token.",
            ))),
        );
    }
}

/// Not signed in, or the token is unknown or revoked.
#[derive(utoipa::IntoResponses)]
#[response(status = 401, content_type = "application/problem+json")]
pub struct Unauthorized(Problem);

/// Signed in but not allowed to do this (or a missing CSRF token).
#[derive(utoipa::IntoResponses)]
#[response(status = 403, content_type = "application/problem+json")]
pub struct Forbidden(Problem);

/// Unknown, or invisible to the caller (secret spheres answer 404, never 403).
#[derive(utoipa::IntoResponses)]
#[response(status = 404, content_type = "application/problem+json")]
pub struct NotFound(Problem);

/// Already exists (`code` says what).
#[derive(utoipa::IntoResponses)]
#[response(status = 409, content_type = "application/problem+json")]
pub struct Conflict(Problem);

/// Invalid input (`errors` lists the fields) or refused by a rule of the product (`code`).
#[derive(utoipa::IntoResponses)]
#[response(status = 422, content_type = "application/problem+json")]
pub struct Invalid(Problem);

/// Role of a person in the organization.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrgRoleName {
    Manager,
    Member,
}

/// Lifecycle of an account.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserStatusName {
    Invited,
    Active,
    Deactivated,
}

/// Who can see and join a sphere.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SphereKindName {
    Open,
    Closed,
    Secret,
}

/// Role of a person inside a sphere.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SphereRoleName {
    Admin,
    Publisher,
    Member,
}

/// A join request (asked by the person) or an invitation (sent to the person).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestKindName {
    Request,
    Invitation,
}

/// Whether a publication is visible or waits for approval.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PostStatusName {
    Published,
    Pending,
}

/// The last instant the API takes, in epoch milliseconds: 9999-12-31T23:59:59.999Z.
pub const INSTANT_MAX: i64 = 253_402_300_799_999;

/// C0 and C1 control characters but tab, line feed and carriage return: text fields refuse
/// them (`invalid_characters`).
macro_rules! no_control {
    () => {
        r"\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F"
    };
}
/// Optional text: no control characters.
pub const OPTIONAL_TEXT: &str = concat!("^[^", no_control!(), "]*$");
/// Required text: no control characters and something else than spaces (values are trimmed).
pub const REQUIRED_TEXT: &str = concat!(
    "^[^",
    no_control!(),
    r"]*[^\s",
    no_control!(),
    "][^",
    no_control!(),
    "]*$"
);

/// A string schema of at most `max` characters, optionally required to hold something.
pub fn text_schema(required: bool, max: usize) -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .min_length(required.then_some(1))
        .max_length(Some(max))
        .pattern(Some(if required {
            REQUIRED_TEXT
        } else {
            OPTIONAL_TEXT
        }))
        .into()
}

/// Declares schema-only string types for text fields (`#[schema(value_type = docs::Name,
/// inline)]`): the server trims them, refuses control characters and counts characters.
macro_rules! text_types {
    ($($(#[$doc:meta])* $name:ident: $required:expr, $max:expr;)*) => {
        $(
            $(#[$doc])*
            pub struct $name;
            impl utoipa::PartialSchema for $name {
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                    text_schema($required, $max).into()
                }
            }
            impl utoipa::ToSchema for $name {}
        )*
    };
}

use embarq_domain::validate::{COMMENT_MAX, DESCRIPTION_MAX, NAME_MAX, POST_MAX, SHORT_TEXT_MAX};

text_types! {
    /// A required name (1 to 120 characters).
    Name: true, NAME_MAX;
    /// An optional name (at most 120 characters).
    OptName: false, NAME_MAX;
    /// A required short text (1 to 200 characters).
    Title: true, SHORT_TEXT_MAX;
    /// An optional short text (at most 200 characters).
    ShortText: false, SHORT_TEXT_MAX;
    /// An optional description (at most 2000 characters).
    Description: false, DESCRIPTION_MAX;
    /// A required publication text (Markdown).
    PostText: true, POST_MAX;
    /// A required comment or private message (Markdown).
    CommentText: true, COMMENT_MAX;
    /// An optional comment (Markdown).
    OptCommentText: false, COMMENT_MAX;
    /// An optional task description (Markdown).
    OptTaskText: false, embarq_domain::tasks::DESCRIPTION_MAX;
    /// An optional widget note (Markdown; required for a note).
    OptNoteText: false, embarq_domain::files::WIDGET_NOTE_MAX;
    /// A poll question.
    PollQuestion: true, embarq_domain::polls::QUESTION_MAX;
    /// An optional explanation of a report.
    OptReportDetails: false, embarq_domain::moderation::REPORT_DETAILS_MAX;
    /// A required help-centre article (Markdown).
    ArticleText: true, embarq_domain::guidance::ARTICLE_BODY_MAX;
    /// An optional starter-kit text (Markdown).
    OptKitText: false, embarq_domain::guidance::KIT_BODY_MAX;
    /// A required tag (1 to 80 characters).
    Tag: true, embarq_domain::guidance::TAG_MAX;
    /// An optional tag (at most 80 characters).
    OptTag: false, embarq_domain::guidance::TAG_MAX;
}

/// Folds the `allOf: [S, {"type": "object", "description": ...}]` that utoipa writes for a
/// documented field of a custom `value_type` into `S` with the description: the `object`
/// type it adds would make a string field impossible to satisfy.
pub fn tidy(mut doc: utoipa::openapi::OpenApi) -> utoipa::openapi::OpenApi {
    if let Some(c) = doc.components.as_mut() {
        c.schemas.values_mut().for_each(fold_described);
    }
    for item in doc.paths.paths.values_mut() {
        let ops = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in ops.into_iter().flatten() {
            for p in op.parameters.iter_mut().flatten() {
                if let utoipa::openapi::RefOr::T(p) = p {
                    p.schema.iter_mut().for_each(fold_described);
                }
            }
            if let Some(utoipa::openapi::RefOr::T(body)) = op.request_body.as_mut() {
                for c in body.content.values_mut() {
                    if let utoipa::openapi::RefOr::T(c) = c {
                        c.schema.iter_mut().for_each(fold_described);
                    }
                }
            }
        }
    }
    doc
}

pub(super) fn fold_described(s: &mut utoipa::openapi::RefOr<utoipa::openapi::Schema>) {
    use utoipa::openapi::RefOr;
    use utoipa::openapi::schema::{ArrayItems, Schema, SchemaType, Type};
    let RefOr::T(schema) = s else {
        return;
    };
    match schema {
        Schema::Object(o) => {
            o.properties.values_mut().for_each(fold_described);
            // `format` only annotates: the pattern says what an id looks like.
            let uuid = matches!(
                o.format,
                Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Uuid
                ))
            );
            if uuid && o.pattern.is_none() {
                o.pattern = Some(UUID.to_string());
            }
        }
        Schema::Array(a) => {
            if let ArrayItems::RefOrSchema(items) = &mut a.items {
                fold_described(items);
            }
        }
        Schema::OneOf(o) => o.items.iter_mut().for_each(fold_described),
        Schema::AnyOf(o) => o.items.iter_mut().for_each(fold_described),
        Schema::AllOf(a) => a.items.iter_mut().for_each(fold_described),
        _ => {}
    }
    let Schema::AllOf(all) = schema else {
        return;
    };
    let [RefOr::T(first), RefOr::T(Schema::Object(extra))] = all.items.as_slice() else {
        return;
    };
    let annotation_only = matches!(extra.schema_type, SchemaType::Type(Type::Object))
        && extra.properties.is_empty()
        && extra.required.is_empty()
        && extra.additional_properties.is_none();
    if !annotation_only {
        return;
    }
    let description = extra.description.clone();
    let mut first = first.clone();
    match &mut first {
        Schema::Object(o) => o.description = description.or(o.description.take()),
        Schema::OneOf(o) => o.description = description.or(o.description.take()),
        _ => return,
    }
    *s = RefOr::T(first);
}

/// A string schema that takes one of `values`.
pub fn choice_schema(values: &[&str]) -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .into()
}

/// Declares schema-only string enums for fields the server reads as text
/// (`#[schema(value_type = docs::LocaleChoice, inline)]`).
macro_rules! choice_types {
    ($($(#[$doc:meta])* $name:ident: [$($v:literal),* $(,)?];)*) => {
        $(
            $(#[$doc])*
            pub struct $name;
            impl utoipa::PartialSchema for $name {
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                    choice_schema(&[$($v),*]).into()
                }
            }
            impl utoipa::ToSchema for $name {}
        )*
    };
}

choice_types! {
    /// A language, or "" to follow the browser.
    LocaleChoice: ["fr", "en", ""];
    /// Length of the analytics daily series.
    DaysChoice: ["30", "90"];
    /// What a contest compares.
    ContestDimensionChoice: ["site", "department"];
    /// How a contest scores.
    ContestMetricChoice: ["activation_rate", "contributions_per_member", "activations"];
    /// An answer to an event.
    RsvpChoice: ["going", "maybe", "not_going"];
    /// What happens to an erased member's content.
    EraseModeChoice: ["anonymize", "remove"];
    /// An erasure mode, or "" for the organization's policy.
    OptEraseModeChoice: ["anonymize", "remove", ""];
    /// What a starter-kit resource is.
    KitKindChoice: ["guide", "tutorial", "video", "best_practice"];
    /// Who a starter-kit resource is for.
    KitRoleChoice: ["everyone", "organization_manager", "sphere_admin", "member", "champion"];
    /// A starter-kit role, or "" for every resource.
    OptKitRoleChoice: ["everyone", "organization_manager", "sphere_admin", "member", "champion", ""];
    /// A direction to move an item.
    DirectionChoice: ["up", "down"];
    /// A reaction.
    ReactionChoice: ["👍", "❤️", "🎉", "😂", "💡"];
    /// Why a member reports an item.
    ReportReasonChoice: ["spam", "harassment", "hateful", "inappropriate", "misinformation", "other"];
    /// What a report or a moderation action is about.
    ReportTargetChoice: ["post", "comment"];
    /// What a moderator does.
    ModerationActionChoice: ["dismiss", "hide", "unhide", "delete", "mute", "remove"];
    /// Mute durations, in hours.
    MuteHoursChoice: ["1", "24", "72", "168", "720"];
    /// How often the e-mail digest goes out.
    DigestFrequencyChoice: ["off", "daily", "weekly"];
    /// Which members a wave or a contest groups by.
    DimensionChoice: ["department", "site"];
    /// A kind of search result, or all of them.
    SearchKindChoice: ["posts", "comments", "spheres", "members", "files", "all", ""];
    /// Where a suggestion stands.
    SuggestionStatusChoice: ["new", "under_review", "planned", "done", "declined"];
    /// A suggestion status, or "" for all.
    OptSuggestionStatusChoice: ["new", "under_review", "planned", "done", "declined", ""];
    /// How suggestions are sorted.
    SuggestionSortChoice: ["votes", "newest", ""];
    /// Who hosts video meetings.
    VideoProviderChoice: ["builtin", "external"];
    /// A kind of session.
    TrainingKindChoice: ["training", "webinar"];
    /// Who a session is for, or "" for everyone.
    AudienceChoice: ["all", "champions", ""];
    /// Which weekday of the month.
    OrdinalChoice: ["first", "second", "third", "fourth", "fifth", "last", "1", "2", "3", "4", "5", "-1"];
    /// A day of the week.
    WeekdayChoice: ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
}

/// A birth year: 1900 to 14 years ago.
pub struct BirthYear;
impl utoipa::PartialSchema for BirthYear {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Int64,
            )))
            .minimum(Some(1900))
            .maximum(Some(crate::service::current_year() - 14))
            .into()
    }
}
impl utoipa::ToSchema for BirthYear {}

/// Raw bytes (a file, an archive, an image).
pub struct Binary;
impl utoipa::PartialSchema for Binary {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                utoipa::openapi::KnownFormat::Binary,
            )))
            .into()
    }
}
impl utoipa::ToSchema for Binary {}

/// A pattern-checked string of at most `max` characters.
fn pattern_schema(pattern: &str, max: Option<usize>) -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    ObjectBuilder::new()
        .schema_type(Type::String)
        .max_length(max)
        .pattern(Some(pattern))
        .into()
}

/// Declares schema-only string types checked by a pattern.
macro_rules! pattern_types {
    ($($(#[$doc:meta])* $name:ident: $pattern:expr, $max:expr;)*) => {
        $(
            $(#[$doc])*
            pub struct $name;
            impl utoipa::PartialSchema for $name {
                fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                    pattern_schema($pattern, $max).into()
                }
            }
            impl utoipa::ToSchema for $name {}
        )*
    };
}

/// A UUID, hyphenated or simple.
const UUID: &str = "^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$";
/// `YYYY-MM-DD`.
const DATE: &str = r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])";
/// `HH:MM`.
const TIME: &str = r"([01][0-9]|2[0-3]):[0-5][0-9]";

pattern_types! {
    /// A local date and time, `YYYY-MM-DDTHH:MM` (seconds optional).
    LocalDateTime: &format!("^{DATE}T{TIME}(:[0-5][0-9])?$"), None;
    /// A local date and time, `YYYY-MM-DDTHH:MM` (seconds optional), or "".
    OptLocalDateTime: &format!("^({DATE}T{TIME}(:[0-5][0-9])?)?$"), None;
    /// A local date `YYYY-MM-DD`, or date and time `YYYY-MM-DDTHH:MM` (seconds optional).
    LocalDateOrDateTime: &format!("^{DATE}(T{TIME}(:[0-5][0-9])?)?$"), None;
    /// A date, `YYYY-MM-DD`.
    Date: &format!("^{DATE}$"), None;
    /// A date, `YYYY-MM-DD`, or "" for none.
    OptDate: &format!("^({DATE})?$"), None;
    /// A due date, `YYYY-MM-DD` (years 2000 to 2200), or "" for none.
    OptDueDate: r"^((2[01][0-9]{2}|2200)-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01]))?$", None;
    /// A time of day, `HH:MM`.
    Time: &format!("^{TIME}$"), None;
    /// A time of day, `HH:MM` (seconds optional), or "" for the default.
    OptTime: &format!("^({TIME}(:[0-5][0-9])?)?$"), None;
    /// A file or folder name: no slash, backslash or control character.
    FileName: r"^[^\u0000-\u001F\u007F-\u009F/\\]*[^\s\u0000-\u001F\u007F-\u009F/\\][^\u0000-\u001F\u007F-\u009F/\\]*$",
        Some(embarq_domain::files::FILE_NAME_MAX);
    /// A page cursor (the `next` of the previous page), or "" for the first page.
    Cursor: r"^([+-]?[0-9]{1,18}_([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}))?$", None;
    /// An audit action (`moderation.hide`) or a prefix ending with `.`.
    AuditAction: r"^[A-Za-z0-9._-]*$", Some(100);
    /// A member id, or "".
    OptId: r"^([0-9a-fA-F]{32}|[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})?$", None;
    /// Words to search: at most 200 characters, at least one letter or digit.
    SearchText: r"[0-9A-Za-z]", Some(embarq_domain::search::QUERY_MAX_CHARS);
    /// A search page, 1 to 10, or "" for the first.
    SearchPage: r"^(10|[1-9])?$", None;
    /// An external video URL template: `https://`, a fixed host, `{room}`, optionally `{name}`
    /// and `{email}`; "" for none.
    VideoTemplate: concat!(
        r"^(https://[A-Za-z0-9]+([.-][A-Za-z0-9]+)*(:[0-9]{1,4})?[/?#]",
        r"([^{}\s\u0000-\u001F\u007F-\u009F]|\{(room|name|email)\})*\{room\}",
        r"([^{}\s\u0000-\u001F\u007F-\u009F]|\{(room|name|email)\})*)?$"
    ),
        Some(embarq_domain::video::TEMPLATE_MAX);
    /// An https link.
    HttpsUrl: r"^https://[A-Za-z0-9]+([.-][A-Za-z0-9]+)*(:[0-9]{1,4})?([/?#][^\s\u0000-\u001F\u007F-\u009F]*)?$",
        Some(embarq_domain::files::URL_MAX);
    /// An e-mail address (`local@domain.tld`).
    Email: concat!(
        r"^[^@\s<>,;\u0000-\u001F\u007F-\u009F]+@",
        r"[^@\s<>,;.\u0000-\u001F\u007F-\u009F][^@\s<>,;\u0000-\u001F\u007F-\u009F]*",
        r"\.[^@\s<>,;\u0000-\u001F\u007F-\u009F]*[^@\s<>,;.\u0000-\u001F\u007F-\u009F]$"
    ),
        Some(embarq_domain::validate::EMAIL_MAX);
    /// An http(s) link, or "" for none.
    OptHttpUrl: r"^([Hh][Tt][Tt][Pp][Ss]?://[^/?#\s][^\s]*)?$", Some(1_000);
    /// An http(s) link, or "" for none (at most 2000 characters).
    OptLink: r"^([Hh][Tt][Tt][Pp][Ss]?://[^/?#\s][^\s]*)?$", Some(2_000);
}

/// An IANA time zone (`Europe/Paris`), or "" for the default (`Europe/Paris`).
pub struct TimeZone;
impl utoipa::PartialSchema for TimeZone {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let mut names: Vec<&str> = chrono_tz::TZ_VARIANTS.iter().map(|t| t.name()).collect();
        names.push("");
        choice_schema(&names).into()
    }
}
impl utoipa::ToSchema for TimeZone {}

/// Notification channels by category: `{"mentions": "email", ...}`.
pub struct ChannelMap;
impl utoipa::PartialSchema for ChannelMap {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::schema::{AdditionalProperties, ObjectBuilder, Type};
        let categories = [
            "mentions",
            "comments",
            "replies",
            "tasks",
            "events",
            "moderation",
            "announcements",
            "spheres",
            "other",
        ];
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property_names(Some(choice_schema(&categories)))
            .additional_properties(Some(AdditionalProperties::RefOr(RefOr::T(choice_schema(
                &["app", "email", "off"],
            )))))
            .into()
    }
}
impl utoipa::ToSchema for ChannelMap {}

/// What a device announces: `messages`, `mentions`, `replies`, `events` or `announcements`.
pub struct PushTopicName;
impl utoipa::PartialSchema for PushTopicName {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let names: Vec<&str> = embarq_domain::push::PushTopic::ALL
            .iter()
            .map(|t| t.as_str())
            .collect();
        choice_schema(&names).into()
    }
}
impl utoipa::ToSchema for PushTopicName {}

/// A webhook event type.
pub struct WebhookEvent;
impl utoipa::PartialSchema for WebhookEvent {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        choice_schema(crate::service::webhooks::EVENTS).into()
    }
}
impl utoipa::ToSchema for WebhookEvent {}
