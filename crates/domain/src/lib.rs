//! Rules with no I/O: identifiers, roles, the authorization policy, validation and content rendering.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod activity;
pub mod adoption;
pub mod avatar;
pub mod champions;
pub mod chart;
pub mod checklists;
pub mod csv_export;
pub mod csv_import;
pub mod events;
pub mod files;
pub mod guidance;
pub mod ids;
pub mod lifecycle;
pub mod markdown;
pub mod membership_rules;
pub mod moderation;
pub mod paging;
pub mod policy;
pub mod polls;
pub mod push;
pub mod recency;
pub mod recurrence;
pub mod roles;
pub mod rollout;
pub mod scim;
pub mod search;
pub mod tasks;
pub mod throttle;
pub mod validate;
pub mod video;

pub use ids::*;
pub use roles::*;
