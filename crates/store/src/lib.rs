//! The database: one `Db` over SQLite or PostgreSQL, one SQL text per query (`$N`
//! placeholders work on both), per-dialect code only in `dialect`.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod bulk;
mod db;
pub mod dialect;
mod directory;
mod live;
mod messages;
mod models;
mod notifications;
mod posts;
mod search;
mod sessions;
mod spheres;

pub use db::{Backend, Db, StoreError, now_ms};
pub use directory::{ImportOutcome, ImportPlan, MemberFilter, NewMember, ProfileUpdate};
pub use models::*;
pub use posts::{Cursor, NewPost};
