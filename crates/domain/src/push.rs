//! Push notifications to a person's devices (Web Push): which notifications may go to a
//! phone, and what a subscription the browser hands over must look like. No I/O.
use crate::moderation::{Category, category};
use crate::roles::string_enum;
use crate::validate::FieldError;
use serde::{Deserialize, Serialize};

string_enum!(
    /// What a person lets a device announce; chosen per device.
    PushTopic { Messages = "messages", Mentions = "mentions", Replies = "replies", Events = "events", Announcements = "announcements" }
);

/// What a new subscription announces until the person chooses: everything.
pub const DEFAULT_TOPICS: &[PushTopic] = PushTopic::ALL;
/// Devices one person may register (a phone, a tablet, a few browsers); the oldest goes beyond.
pub const DEVICES_MAX: i64 = 10;

/// The topic a notification kind pushes under, if any: private messages, mentions, replies
/// and comments on one's publications, event and training reminders, announcements.
pub fn topic(kind: &str) -> Option<PushTopic> {
    if kind == "message" {
        return Some(PushTopic::Messages);
    }
    if matches!(kind, "event_reminder" | "training_reminder") {
        return Some(PushTopic::Events);
    }
    match category(kind) {
        Category::Mentions => Some(PushTopic::Mentions),
        Category::Replies | Category::Comments => Some(PushTopic::Replies),
        Category::Announcements => Some(PushTopic::Announcements),
        _ => None,
    }
}

/// Topics as stored: `,messages,mentions,` (so one `LIKE '%,messages,%'` selects them).
pub fn store_topics(topics: &[PushTopic]) -> String {
    let mut s = String::from(",");
    for t in PushTopic::ALL.iter().filter(|t| topics.contains(t)) {
        s.push_str(t.as_str());
        s.push(',');
    }
    s
}

/// Topics read back from [`store_topics`]' form (unknown words are dropped).
pub fn stored_topics(s: &str) -> Vec<PushTopic> {
    s.split(',').filter_map(PushTopic::parse).collect()
}

/// The `LIKE` pattern that selects subscriptions wanting `t`.
pub fn topic_pattern(t: PushTopic) -> String {
    format!("%,{},%", t.as_str())
}

/// The keys of a browser's `PushSubscription.toJSON()`, checked: a P-256 public key of 65
/// bytes (uncompressed point) and an authentication secret of 16, both base64url. (The
/// endpoint is an outside URL: the application checks it like a webhook's.)
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keys {
    pub p256dh: Vec<u8>,
    pub auth: Vec<u8>,
}

pub fn keys(p256dh: &str, auth: &str) -> Result<Keys, FieldError> {
    let p256dh = base64url(p256dh)
        .filter(|k| k.len() == 65 && k[0] == 4)
        .ok_or(FieldError::new("p256dh", "invalid"))?;
    let auth = base64url(auth)
        .filter(|a| a.len() == 16)
        .ok_or(FieldError::new("auth", "invalid"))?;
    Ok(Keys { p256dh, auth })
}

fn base64url(s: &str) -> Option<Vec<u8>> {
    use base64::Engine;
    let s = s.trim().trim_end_matches('=');
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .ok()
}

/// The JSON a device receives (decrypted by the browser, shown by the service worker).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Payload {
    pub title: String,
    pub body: String,
    /// An app-relative path the notification opens.
    pub url: String,
    /// Replaces an earlier notification of the same tag on the device.
    pub tag: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_topics() {
        assert_eq!(topic("message"), Some(PushTopic::Messages));
        assert_eq!(topic("mention"), Some(PushTopic::Mentions));
        assert_eq!(topic("comment"), Some(PushTopic::Replies));
        assert_eq!(topic("reply"), Some(PushTopic::Replies));
        assert_eq!(topic("event_reminder"), Some(PushTopic::Events));
        assert_eq!(topic("training_reminder"), Some(PushTopic::Events));
        assert_eq!(
            topic("rollout_announcement"),
            Some(PushTopic::Announcements)
        );
        assert_eq!(topic("join_request"), None);
        assert_eq!(topic("task_assigned"), None);
    }

    #[test]
    fn topics_round_trip() {
        let s = store_topics(&[PushTopic::Mentions, PushTopic::Messages]);
        assert_eq!(s, ",messages,mentions,");
        assert_eq!(
            stored_topics(&s),
            [PushTopic::Messages, PushTopic::Mentions]
        );
        assert_eq!(store_topics(&[]), ",");
        assert!(s.contains(&topic_pattern(PushTopic::Messages).replace('%', "")));
    }

    #[test]
    fn keys_are_checked() {
        let key = format!("B{}", "A".repeat(86));
        let auth = "AAAAAAAAAAAAAAAAAAAAAA";
        assert!(keys(&key, auth).is_ok());
        assert!(keys(&format!("{key}=="), &format!("{auth}==")).is_ok());
        assert!(keys("AAAA", auth).is_err());
        assert!(
            keys(&format!("A{}", "A".repeat(86)), auth).is_err(),
            "not an uncompressed point"
        );
        assert!(keys(&key, "AAAA").is_err());
        assert!(keys(&key, "not base64!").is_err());
    }
}
