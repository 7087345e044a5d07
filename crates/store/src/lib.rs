//! The database: one `Db` over SQLite or PostgreSQL, one SQL text per query (`$N`
//! placeholders work on both), per-dialect code only in `dialect`.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

mod adoption;
pub mod bulk;
mod champions;
mod checklists;
mod db;
pub mod dialect;
mod directory;
mod events;
mod guidance;
mod live;
mod messages;
mod models;
mod notifications;
mod posts;
mod rollout;
mod search;
mod sessions;
mod spheres;
mod suggestions;

pub use adoption::{
    Contest, DayCount, FunnelGroup, NewContest, RemindOutcome, ReminderStats, StageCounts, Subset,
    TeamCounts, WorklistItem,
};
pub use champions::{ChampionDirectoryEntry, ChampionRow, ConfirmedCohort, TrainingEvent};
pub use checklists::PersonFacts;
pub use db::{Backend, Db, StoreError, now_ms};
pub use directory::{ImportOutcome, ImportPlan, MemberFilter, NewMember, ProfileUpdate};
pub use events::{
    DueReminder, Event, EventFilter, NewEvent, Registrant, Registration, TrainingAttendance,
};
pub use guidance::{HelpAdmin, HelpArticle, KitItemRow, UseCase};
pub use models::*;
pub use posts::{Cursor, NewPost};
pub use rollout::{Named, PendingInvitee, Recipient, RolloutPlan, RolloutWave};
pub use suggestions::{Suggestion, SuggestionComment};
