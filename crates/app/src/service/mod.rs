//! Operations shared by the web UI and the JSON API: parse, authorize through the domain
//! policy, call the store, notify. Handlers only translate HTTP to these calls and back.
pub mod accounts;
pub mod activity;
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
pub mod membership_rules;
pub mod mentions;
pub mod messages;
pub mod moderation;
pub mod notifications;
pub mod nudges;
pub mod oidc;
pub mod polls;
pub mod posts;
pub mod push;
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

/// Bytes for the HTTP layer to send as they are read (a file, an export): never buffered
/// whole in memory.
pub struct Download {
    pub body: futures::stream::BoxStream<'static, std::io::Result<bytes::Bytes>>,
    pub content_type: String,
    pub length: Option<u64>,
    /// The `Content-Disposition` value (attachment and file name).
    pub disposition: Option<String>,
    /// People's own files: served sandboxed, never sniffed, never embedded elsewhere.
    pub untrusted: bool,
}

/// The current calendar year (bounds birth years).
pub fn current_year() -> i64 {
    chrono::Utc::now().year() as i64
}
