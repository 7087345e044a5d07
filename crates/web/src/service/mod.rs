//! Operations shared by the web UI and the JSON API: parse, authorize through the domain
//! policy, call the store, notify. Handlers only translate HTTP to these calls and back.
pub mod accounts;
pub mod analytics;
pub mod champions;
pub mod checklists;
pub mod contests;
pub mod events;
pub mod help;
pub mod members;
pub mod messages;
pub mod nudges;
pub mod posts;
pub mod rollout;
pub mod spheres;
pub mod starter;
pub mod suggestions;
pub mod usecases;

use chrono::Datelike;

/// The current calendar year (bounds birth years).
pub fn current_year() -> i64 {
    chrono::Utc::now().year() as i64
}
