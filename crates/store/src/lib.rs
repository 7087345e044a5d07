//! The database: one `Db` over SQLite or PostgreSQL, one SQL text per query (`$N`
//! placeholders work on both), per-dialect code only in `dialect`.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod access;
mod activity;
mod adoption;
pub mod audit;
pub mod bulk;
mod calendar;
mod champions;
mod checklists;
mod db;
pub mod dialect;
mod directory;
mod events;
mod files;
pub mod gdpr;
mod guidance;
mod levers;
mod live;
mod membership_rules;
mod messages;
mod models;
mod moderation;
mod notifications;
mod notify_prefs;
mod oidc;
mod outbox;
mod polls;
mod posts;
mod push;
mod rollout;
pub mod scim;
mod scim_groups;
mod search;
mod sessions;
mod spheres;
mod suggestions;
mod tasks;
mod video;
mod webhooks;

pub use activity::{CohortRow, Presence};
pub use adoption::{
    Contest, DayCount, FunnelGroup, NewContest, RemindOutcome, Reminder, ReminderStats,
    StageCounts, Subset, TeamCounts, WorklistItem,
};
pub use audit::{AuditEntry, AuditFilter, AuditRow, NewAudit};
pub use champions::{
    ChampionDirectoryEntry, ChampionRow, ConfirmedCohort, Expected, TrainingEvent,
};
pub use checklists::PersonFacts;
pub use db::{Backend, Db, SqlitePools, StoreError, now_ms};
pub use directory::{ImportOutcome, ImportPlan, MemberFilter, NewMember, ProfileUpdate};
pub use events::{
    DueReminder, Event, EventChange, EventFilter, EventSetting, EventUpdate, NewEvent, Registrant,
    Registration, TrainingAttendance,
};
pub use files::{DeletedFile, FileFolder, FileRow, NewFile, Widget, WidgetContent};
pub use guidance::{HelpAdmin, HelpArticle, KitItemRow, UseCase};
pub use levers::{CONVERSION_WINDOW_MS, ReminderConversion, TeamGroup};
pub use live::LIVE_PAGE;
pub use membership_rules::{RuleChanges, RuleChoices, RuleScope, StoredRule};
pub use messages::UnreadMessages;
pub use models::*;
pub use moderation::{CommentRef, HiddenItem, Moderation, NewReport, OpenReport};
pub use notify_prefs::{DigestCandidate, DigestSettings};
pub use oidc::{OidcSettings, OidcState, SsoProfile};
pub use outbox::{
    Effects, NewLive, NewMail, OutboxMail, QueuedMail, WebhookEvent, webhook_payload,
};
pub use polls::{NewPoll, Poll, PollBallot, PollOption, VoteOutcome};
pub use posts::{Cursor, NewPost, Reactor};
pub use push::{PushDevice, QueuedPush};
pub use rollout::{Named, PendingInvitee, PlanChange, Recipient, RolloutPlan, RolloutWave};
pub use scim_groups::{GroupChange, ScimGroup, ScimGroupMember};
pub use search::{FileHit, MemberHit, SearchScope, SphereHit, TextHit};
pub use suggestions::{Suggestion, SuggestionComment};
pub use tasks::{NewTask, Task, TaskAssignee, TaskComment, TaskList};
pub use video::{JoinOutcome, RoomOwner, VideoParticipant, VideoRoom, VideoSettings, VideoSignal};
pub use webhooks::{ClaimedDelivery, PhaseSeen, Webhook, WebhookAttempt, WebhookDelivery};
