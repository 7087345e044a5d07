//! Operations shared by the web UI and the JSON API: parse, authorize through the domain
//! policy, call the store, notify. Handlers only translate HTTP to these calls and back.
pub mod accounts;
pub mod members;
pub mod messages;
pub mod posts;
pub mod spheres;

use chrono::Datelike;

/// The current calendar year (bounds birth years).
pub fn current_year() -> i64 {
    chrono::Utc::now().year() as i64
}
