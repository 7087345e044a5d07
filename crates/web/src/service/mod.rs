//! Operations shared by the web UI and the JSON API: parse, authorize through the domain
//! policy, call the store, notify. Handlers only translate HTTP to these calls and back.
pub mod accounts;
pub mod admin_audit;
pub mod analytics;
pub mod calendar;
pub mod champions;
pub mod checklists;
pub mod contests;
pub mod digests;
pub mod events;
pub mod files;
pub mod gdpr;
pub mod help;
pub mod markdown;
pub mod members;
pub mod messages;
pub mod moderation;
pub mod notifications;
pub mod nudges;
pub mod oidc;
pub mod polls;
pub mod posts;
pub mod rollout;
pub mod scim_admin;
pub mod search;
pub mod spheres;
pub mod starter;
pub mod suggestions;
pub mod tasks;
pub mod time_zone;
pub mod usecases;
pub mod video;
pub mod webhooks;
pub mod widgets;

use chrono::Datelike;

/// The current calendar year (bounds birth years).
pub fn current_year() -> i64 {
    chrono::Utc::now().year() as i64
}
