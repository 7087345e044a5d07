//! Moderation rules (report reasons, actions, mute durations), notification preference
//! categories and the e-mail digest schedule. No I/O.
use crate::recurrence::{local_to_ms, ms_to_local};
use crate::roles::string_enum;
use crate::validate::FieldError;
use chrono::{Datelike, Duration, NaiveTime};
use serde::{Deserialize, Serialize};

string_enum!(
    /// Why a member reports a publication or a comment.
    ReportReason { Spam = "spam", Harassment = "harassment", Hateful = "hateful", Inappropriate = "inappropriate", Misinformation = "misinformation", Other = "other" }
);
string_enum!(
    /// What a report is about.
    ReportTarget { Post = "post", Comment = "comment" }
);
string_enum!(
    /// What a moderator does about a reported item.
    ModerationAction { Dismiss = "dismiss", Hide = "hide", Unhide = "unhide", Delete = "delete", Mute = "mute", Remove = "remove" }
);
string_enum!(
    /// How a person wants a category of notifications.
    Channel { App = "app", Email = "email", Off = "off" }
);
string_enum!(
    /// The families of notifications a person sets preferences for.
    Category { Mentions = "mentions", Comments = "comments", Replies = "replies", Tasks = "tasks", Events = "events", Moderation = "moderation", Announcements = "announcements", Spheres = "spheres", Other = "other" }
);
string_enum!(
    /// How often the e-mail digest goes out.
    DigestFrequency { Off = "off", Daily = "daily", Weekly = "weekly" }
);

/// Longest free text accompanying a report.
pub const REPORT_DETAILS_MAX: usize = 1000;
/// Mute durations offered, in hours (1 hour to 30 days).
pub const MUTE_HOURS: [i64; 5] = [1, 24, 72, 168, 720];

/// A mute duration in hours, from a form or the API: one of [`MUTE_HOURS`].
pub fn mute_hours(value: &str) -> Result<i64, FieldError> {
    value
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|h| MUTE_HOURS.contains(h))
        .ok_or(FieldError::new("hours", "invalid_choice"))
}

/// Which preference category a notification kind belongs to. New kinds fall in a family
/// by prefix (`task_...`, `event_...`, `moderation_...`), anything else in `Other`.
pub fn category(kind: &str) -> Category {
    match kind {
        "mention" => Category::Mentions,
        "comment" => Category::Comments,
        "reply" | "comment_reply" => Category::Replies,
        "rollout_announcement" | "announcement" | "contest_won" => Category::Announcements,
        "join_request" | "sphere_invitation" | "request_accepted" | "post_pending"
        | "post_approved" | "post_declined" => Category::Spheres,
        k if k.starts_with("task") => Category::Tasks,
        k if k.starts_with("event") || k.starts_with("training") => Category::Events,
        k if k.starts_with("moderation") => Category::Moderation,
        k if k.starts_with("announcement") => Category::Announcements,
        _ => Category::Other,
    }
}

/// The channel of a category when the person chose nothing: reminders and announcements
/// were always e-mailed, everything else stays in the app.
pub fn default_channel(c: Category) -> Channel {
    match c {
        Category::Events | Category::Announcements => Channel::Email,
        _ => Channel::App,
    }
}

/// Kinds whose feature sends its own, richer e-mail (event reminders, the launch
/// announcement): the central delivery only asks whether e-mail is allowed for them.
pub fn mailed_by_feature(kind: &str) -> bool {
    matches!(
        kind,
        "training_reminder" | "rollout_announcement" | "event_reminder" | "message" | "contest_won"
    )
}

/// Kinds e-mailed unless the person turned e-mail off for their category: a change to, or
/// the cancellation of, an event or training one registered for is not everyday news.
pub fn mailed_unless_declined(kind: &str) -> bool {
    matches!(kind, "event_changed" | "event_cancelled")
}

/// After how many minutes unread private messages are e-mailed, as a person may choose
/// (0: never); the default.
pub const MESSAGE_MAIL_DELAYS: [u32; 5] = [0, 5, 15, 60, 240];
pub const MESSAGE_MAIL_DEFAULT: u32 = 15;

/// Digest settings as chosen by a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DigestSchedule {
    pub frequency: DigestFrequency,
    /// 0 = Monday ... 6 = Sunday (weekly digests).
    pub weekday: u32,
    /// 0-23, local time.
    pub hour: u32,
}

impl DigestSchedule {
    /// Checks ranges; answers field errors on `digest_weekday` and `digest_hour`.
    pub fn validate(self) -> Result<Self, Vec<FieldError>> {
        let mut e = Vec::new();
        if self.weekday > 6 {
            e.push(FieldError::new("digest_weekday", "invalid_choice"));
        }
        if self.hour > 23 {
            e.push(FieldError::new("digest_hour", "invalid_choice"));
        }
        if e.is_empty() { Ok(self) } else { Err(e) }
    }

    /// The most recent scheduled instant at or before `now` (epoch ms) in `tz`, or `None`
    /// when digests are off. A digest is due when this slot is later than the last one sent.
    pub fn slot_at_or_before(self, tz: chrono_tz::Tz, now: i64) -> Option<i64> {
        let time = NaiveTime::from_hms_opt(self.hour.min(23), 0, 0)?;
        let today = ms_to_local(tz, now).date();
        let (step, first) = match self.frequency {
            DigestFrequency::Off => return None,
            DigestFrequency::Daily => (1, today),
            DigestFrequency::Weekly => {
                let back = (today.weekday().num_days_from_monday() + 7 - self.weekday.min(6)) % 7;
                (7, today - Duration::days(back as i64))
            }
        };
        let mut day = first;
        for _ in 0..3 {
            let at = local_to_ms(tz, day.and_time(time));
            if at <= now {
                return Some(at);
            }
            day -= Duration::days(step);
        }
        None
    }

    /// Length of one period in milliseconds.
    pub fn period_ms(self) -> i64 {
        match self.frequency {
            DigestFrequency::Weekly => 7 * 24 * 3600 * 1000,
            _ => 24 * 3600 * 1000,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recurrence::parse_zone;

    #[test]
    fn categories() {
        assert_eq!(category("mention"), Category::Mentions);
        assert_eq!(category("task_assigned"), Category::Tasks);
        assert_eq!(category("training_reminder"), Category::Events);
        assert_eq!(category("moderation_outcome"), Category::Moderation);
        assert_eq!(category("contest_won"), Category::Announcements);
        assert_eq!(category("suggestion_status"), Category::Other);
        assert!(mailed_unless_declined("event_cancelled") && !mailed_unless_declined("comment"));
        assert_eq!(default_channel(Category::Events), Channel::Email);
        assert_eq!(default_channel(Category::Mentions), Channel::App);
    }

    #[test]
    fn mute_choices() {
        assert_eq!(mute_hours("24"), Ok(24));
        assert!(mute_hours("5").is_err() && mute_hours("x").is_err());
    }

    #[test]
    fn daily_and_weekly_slots() {
        let tz = parse_zone("Europe/Paris").unwrap();
        let local = |s: &str| {
            local_to_ms(
                tz,
                chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap(),
            )
        };
        let daily = DigestSchedule {
            frequency: DigestFrequency::Daily,
            weekday: 0,
            hour: 8,
        };
        // 2026-11-25 is a Wednesday.
        assert_eq!(
            daily.slot_at_or_before(tz, local("2026-11-25 09:00")),
            Some(local("2026-11-25 08:00"))
        );
        assert_eq!(
            daily.slot_at_or_before(tz, local("2026-11-25 07:59")),
            Some(local("2026-11-24 08:00"))
        );
        let weekly = DigestSchedule {
            frequency: DigestFrequency::Weekly,
            weekday: 0,
            hour: 8,
        };
        assert_eq!(
            weekly.slot_at_or_before(tz, local("2026-11-25 09:00")),
            Some(local("2026-11-23 08:00"))
        );
        assert_eq!(
            weekly.slot_at_or_before(tz, local("2026-11-23 07:00")),
            Some(local("2026-11-16 08:00"))
        );
        let off = DigestSchedule {
            frequency: DigestFrequency::Off,
            ..weekly
        };
        assert_eq!(off.slot_at_or_before(tz, 0), None);
        assert!(DigestSchedule { hour: 24, ..daily }.validate().is_err());
    }
}
