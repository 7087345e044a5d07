//! Rules with no I/O: identifiers, roles, the authorization policy, validation and content rendering.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod adoption;
pub mod champions;
pub mod checklists;
pub mod csv_import;
pub mod events;
pub mod guidance;
pub mod ids;
pub mod markdown;
pub mod policy;
pub mod recurrence;
pub mod roles;
pub mod rollout;
pub mod validate;

pub use ids::*;
pub use roles::*;
