//! Rules with no I/O: identifiers, roles, the authorization policy, validation and content rendering.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::panic))]

pub mod csv_import;
pub mod ids;
pub mod markdown;
pub mod policy;
pub mod roles;
pub mod validate;

pub use ids::*;
pub use roles::*;
