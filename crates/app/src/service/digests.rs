//! Notification preferences and the e-mail digest: a daily or weekly summary of unread
//! notifications and new publications in the person's spheres, claimed once per period in
//! the database so several server processes send it once, and not sent when empty.
use super::notifications::{channels, link_of, sentence};
use crate::auth::Auth;
use crate::error::AppResult;
use crate::i18n::{self, Lang};
use crate::state::AppState;
use askama::Template;
use embarq_domain::moderation::{
    Category, Channel, DigestFrequency, DigestSchedule, MESSAGE_MAIL_DELAYS,
};
use embarq_domain::recurrence::parse_zone;
use embarq_domain::validate::{Errors, FieldError};
use embarq_store::{Effects, NewMail};
use fluent_templates::fluent_bundle::FluentValue;
use serde::{Deserialize, Serialize};

/// Zone used when a person has not chosen one.
pub const DEFAULT_ZONE: &str = "Europe/Paris";
/// Most items listed per section of a digest.
const DIGEST_ITEMS: i64 = 25;

/// A person's preferences as shown and edited.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Preferences {
    /// Channel per category: category name → app, email or off. Categories: mentions,
    /// comments, replies, tasks, events, moderation, announcements, spheres, other.
    pub channels: std::collections::BTreeMap<String, String>,
    pub digest: DigestPrefs,
    /// Minutes a private message stays unread before it is e-mailed: 0 (never), 5, 15, 60
    /// or 240. Absent: unchanged.
    #[serde(default)]
    pub message_email_after: Option<u32>,
}

#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DigestPrefs {
    /// off, daily or weekly.
    pub frequency: String,
    /// 0 = Monday ... 6 = Sunday (weekly digests).
    pub weekday: u32,
    /// Local hour, 0-23.
    pub hour: u32,
    /// IANA time zone, e.g. Europe/Paris.
    pub time_zone: String,
}

pub async fn preferences(state: &AppState, auth: &Auth) -> AppResult<Preferences> {
    let channels = channels(state, auth.user.id)
        .await?
        .into_iter()
        .map(|(c, ch)| (c.as_str().to_string(), ch.as_str().to_string()))
        .collect();
    let digest = match state.db.digest_settings(auth.user.id).await? {
        Some(d) => DigestPrefs {
            frequency: d.frequency,
            weekday: d.weekday.clamp(0, 6) as u32,
            hour: d.hour.clamp(0, 23) as u32,
            time_zone: d.time_zone,
        },
        None => DigestPrefs {
            frequency: DigestFrequency::Off.as_str().to_string(),
            weekday: 0,
            hour: 8,
            time_zone: DEFAULT_ZONE.to_string(),
        },
    };
    let after = state.db.message_mail_minutes(auth.user.id).await?;
    Ok(Preferences {
        channels,
        digest,
        message_email_after: Some(after.clamp(0, u32::MAX as i64) as u32),
    })
}

/// Validates and saves everything at once (nothing is saved when a field is wrong).
pub async fn save_preferences(state: &AppState, auth: &Auth, p: &Preferences) -> AppResult<()> {
    let mut e = Errors::default();
    let mut chosen: Vec<(&'static str, &'static str)> = Vec::new();
    for (cat, ch) in &p.channels {
        let c = e.check(
            Category::parse(cat).ok_or(FieldError::new("notify_category", "invalid_choice")),
        );
        let h =
            e.check(Channel::parse(ch).ok_or(FieldError::new("notify_channel", "invalid_choice")));
        if let (Some(c), Some(h)) = (c, h) {
            chosen.push((c.as_str(), h.as_str()));
        }
    }
    let frequency = e.check(
        DigestFrequency::parse(p.digest.frequency.trim())
            .ok_or(FieldError::new("digest_frequency", "invalid_choice")),
    );
    let zone = p.digest.time_zone.trim();
    let zone = if zone.is_empty() { DEFAULT_ZONE } else { zone };
    e.check(parse_zone(zone).ok_or(FieldError::new(
        "digest_time_zone",
        "digest_invalid_time_zone",
    )));
    let schedule = DigestSchedule {
        frequency: frequency.unwrap_or(DigestFrequency::Off),
        weekday: p.digest.weekday,
        hour: p.digest.hour,
    };
    if let Err(errs) = schedule.validate() {
        for x in errs {
            e.check::<()>(Err(x));
        }
    }
    if let Some(m) = p.message_email_after {
        e.check(
            MESSAGE_MAIL_DELAYS
                .contains(&m)
                .then_some(())
                .ok_or(FieldError::new("message_email_after", "invalid_choice")),
        );
    }
    e.into_result()?;
    let Some(frequency) = frequency else {
        return Err(crate::error::AppError::Refused("invalid"));
    };
    state
        .db
        .set_notification_prefs(auth.user.id, &chosen)
        .await?;
    state
        .db
        .set_digest_settings(
            auth.user.id,
            frequency.as_str(),
            p.digest.weekday as i64,
            p.digest.hour as i64,
            zone,
        )
        .await?;
    if let Some(m) = p.message_email_after {
        state
            .db
            .set_message_mail_minutes(auth.user.id, m.into())
            .await?;
    }
    Ok(())
}

/// One line of a digest.
pub struct DigestLine {
    pub text: String,
    pub url: String,
}

#[derive(Template)]
#[template(path = "digest_email.html")]
pub struct DigestHtml {
    pub lang: Lang,
    pub title: String,
    pub intro: String,
    pub notif_title: String,
    pub notifications: Vec<DigestLine>,
    pub posts_title: String,
    pub posts: Vec<DigestLine>,
    pub manage: String,
    pub manage_url: String,
}

fn excerpt(md: &str) -> String {
    let flat: String = md.split_whitespace().collect::<Vec<_>>().join(" ");
    if flat.chars().count() > 140 {
        format!("{}…", flat.chars().take(140).collect::<String>())
    } else {
        flat
    }
}

/// Scheduled task: sends each due digest once. Answers how many digests were e-mailed.
pub async fn send_due(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let mut sent = 0;
    for c in state.db.digest_candidates().await? {
        let Some(frequency) = DigestFrequency::parse(&c.frequency) else {
            continue;
        };
        let schedule = DigestSchedule {
            frequency,
            weekday: c.weekday.clamp(0, 6) as u32,
            hour: c.hour.clamp(0, 23) as u32,
        };
        let tz = parse_zone(&c.time_zone).unwrap_or(chrono_tz::Europe::Paris);
        let Some(slot) = schedule.slot_at_or_before(tz, now) else {
            continue;
        };
        if slot <= c.last_digest_at {
            continue;
        }
        // Activity since the previous digest (at most one period back).
        let since = c.last_digest_at.max(slot - schedule.period_ms());
        let notes = state
            .db
            .unread_notifications_between(c.user_id, since, slot, DIGEST_ITEMS)
            .await?;
        let posts = state
            .db
            .new_posts_between(c.user_id, since, slot, DIGEST_ITEMS)
            .await?;
        if notes.is_empty() && posts.is_empty() {
            // Nothing to tell: the slot passes all the same.
            state
                .db
                .claim_digest(c.user_id, slot, &Effects::default())
                .await?;
            continue;
        }
        let lang = Lang::of(c.locale.as_deref());
        let base = &state.config.base_url;
        let notifications: Vec<DigestLine> = notes
            .iter()
            .map(|n| DigestLine {
                text: sentence(
                    lang,
                    n.actor_name.as_deref(),
                    &n.kind,
                    n.sphere_name.as_deref(),
                ),
                url: format!(
                    "{base}{}",
                    link_of(n.link.as_deref(), n.post_id, n.sphere_id)
                ),
            })
            .collect();
        let posts: Vec<DigestLine> = posts
            .iter()
            .map(|p| DigestLine {
                text: i18n::tr_args(
                    lang,
                    "digest-post-line",
                    &[
                        ("author", FluentValue::from(p.author_name.clone())),
                        ("sphere", FluentValue::from(p.sphere_name.clone())),
                        ("excerpt", FluentValue::from(excerpt(&p.body_md))),
                    ],
                ),
                url: format!("{base}/posts/{}", p.id),
            })
            .collect();
        let key = match frequency {
            DigestFrequency::Weekly => "digest-subject-weekly",
            _ => "digest-subject-daily",
        };
        let subject = i18n::tr(lang, key);
        let name = [("name", FluentValue::from(c.display_name.clone()))];
        let page = DigestHtml {
            lang,
            title: subject.clone(),
            intro: i18n::tr_args(lang, "digest-intro", &name),
            notif_title: i18n::tr(lang, "digest-notifications"),
            notifications,
            posts_title: i18n::tr(lang, "digest-posts"),
            posts,
            manage: i18n::tr(lang, "digest-manage"),
            manage_url: format!("{base}/settings/notifications"),
        };
        let mut text = format!("{}\n\n", page.intro);
        for (title, lines) in [
            (&page.notif_title, &page.notifications),
            (&page.posts_title, &page.posts),
        ] {
            if lines.is_empty() {
                continue;
            }
            text.push_str(&format!("{title} ({})\n", lines.len()));
            for l in lines {
                text.push_str(&format!("- {}\n  {}\n", l.text, l.url));
            }
            text.push('\n');
        }
        text.push_str(&format!("--\n{}: {}\n", page.manage, page.manage_url));
        let html = page.render()?;
        let mail = Effects {
            mails: vec![NewMail {
                to: c.email.clone(),
                subject,
                text,
                html: Some(html),
            }],
            ..Effects::default()
        };
        // The slot and its e-mail are written together: one digest per slot, never lost.
        if state.db.claim_digest(c.user_id, slot, &mail).await? {
            crate::outbox::written(state, &mail);
            sent += 1;
        }
    }
    Ok(sent)
}
