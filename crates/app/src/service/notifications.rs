//! The one place notifications are decided: preferences decide, per recipient and category,
//! whether a notification is stored (in-app), also e-mailed, or dropped. Every feature gets
//! what to write from [`effects`] (directly or via `spheres::notice`) and writes it with its
//! change; features that send their own e-mail (reminders, announcements) ask
//! [`email_allowed`] first.
use crate::error::AppResult;
use crate::i18n::{self, Lang};
use crate::state::AppState;
use embarq_domain::Id;
use embarq_domain::moderation::{self as rules, Category, Channel};
use embarq_domain::{SphereId, UserId};
use embarq_store::{Effects, NewLive, NewMail, NewNotification};
use fluent_templates::fluent_bundle::FluentValue;
use std::collections::HashMap;

/// A person's effective channel for each category (their choice, else the default).
pub async fn channels(state: &AppState, user_id: UserId) -> AppResult<Vec<(Category, Channel)>> {
    let chosen: HashMap<String, String> = state
        .db
        .notification_prefs(user_id)
        .await?
        .into_iter()
        .collect();
    Ok(Category::ALL
        .iter()
        .map(|c| {
            let ch = chosen
                .get(c.as_str())
                .and_then(|v| Channel::parse(v))
                .unwrap_or_else(|| rules::default_channel(*c));
            (*c, ch)
        })
        .collect())
}

/// Whether a feature may e-mail `user_id` about a notification of `kind`.
pub async fn email_allowed(state: &AppState, user_id: UserId, kind: &str) -> bool {
    let category = rules::category(kind);
    match state.db.notification_prefs(user_id).await {
        Ok(prefs) => {
            prefs
                .iter()
                .find(|(c, _)| c == category.as_str())
                .and_then(|(_, ch)| Channel::parse(ch))
                .unwrap_or_else(|| rules::default_channel(category))
                == Channel::Email
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not read notification preferences");
            true
        }
    }
}

/// What notifying `items` causes, after the recipients' preferences: the notifications, a
/// live event per person, and the e-mails, rendered in each recipient's language.
pub async fn effects(state: &AppState, items: Vec<NewNotification>) -> AppResult<Effects> {
    let mut out = Effects::default();
    let Some(first) = items.first() else {
        return Ok(out);
    };
    let mut by_kind: HashMap<&'static str, Vec<NewNotification>> = HashMap::new();
    for n in items.iter() {
        by_kind.entry(n.kind).or_default().push(n.clone());
    }
    let member = first.user_id;
    for (kind, group) in by_kind {
        let category = rules::category(kind);
        let chosen: HashMap<UserId, Channel> = state
            .db
            .category_choices(member, category.as_str())
            .await?
            .into_iter()
            .filter_map(|(u, c)| Channel::parse(&c).map(|c| (u, c)))
            .collect();
        let default = rules::default_channel(category);
        let kept: Vec<NewNotification> = group
            .into_iter()
            .filter(|n| chosen.get(&n.user_id).copied().unwrap_or(default) != Channel::Off)
            .collect();
        for n in &kept {
            out.live.extend(NewLive::personal(
                &[n.user_id],
                "notification",
                n.post_id.or(n.sphere_id.map(Into::into)),
            ));
        }
        // Only an explicit "in-app + e-mail" choice sends mail for everyday notifications;
        // changes to what one registered for follow the category's default too.
        let by_default = rules::mailed_unless_declined(kind) && default == Channel::Email;
        if !rules::mailed_by_feature(kind) {
            for n in kept.iter().filter(|n| match chosen.get(&n.user_id) {
                Some(c) => *c == Channel::Email,
                None => by_default,
            }) {
                out.mails.extend(mail(state, n).await?);
            }
        }
        out.notifications.extend(kept);
    }
    Ok(out)
}

/// Where a notification leads, as an app-relative path.
pub fn link_of(link: Option<&str>, post: Option<Id>, sphere: Option<SphereId>) -> String {
    match (link, post, sphere) {
        (Some(l), _, _) => l.to_string(),
        (None, Some(p), _) => format!("/posts/{p}"),
        (None, None, Some(s)) => format!("/spheres/{s}"),
        _ => "/notifications".to_string(),
    }
}

/// The sentence of a notification: "Alice mentioned you Sphere".
pub fn sentence(lang: Lang, actor: Option<&str>, kind: &str, sphere: Option<&str>) -> String {
    let label = i18n::tr(lang, &format!("notif-{}", kind.replace('_', "-")));
    let mut s = format!("{} {label}", actor.unwrap_or("embarq"));
    if let Some(sp) = sphere {
        s.push(' ');
        s.push_str(sp);
    }
    s
}

/// The e-mail telling an active person about a notification.
async fn mail(state: &AppState, n: &NewNotification) -> AppResult<Option<NewMail>> {
    let Some(r) = state
        .db
        .user(n.user_id)
        .await?
        .filter(|u| u.status == embarq_domain::UserStatus::Active)
    else {
        return Ok(None);
    };
    let lang = Lang::of(r.locale.as_deref());
    let actor = match n.actor_id {
        Some(a) => state.db.user(a).await?.map(|u| u.display_name),
        None => None,
    };
    let sphere = match n.sphere_id {
        Some(s) => state
            .db
            .sphere_for(r.org_id, r.id, s)
            .await?
            .map(|s| s.name),
        None => None,
    };
    let what = sentence(lang, actor.as_deref(), n.kind, sphere.as_deref());
    let link = format!(
        "{}{}",
        state.config.base_url,
        link_of(n.link.as_deref(), n.post_id, n.sphere_id)
    );
    let args = [
        ("what", FluentValue::from(what.clone())),
        ("link", FluentValue::from(link)),
        (
            "manage",
            FluentValue::from(format!("{}/settings/notifications", state.config.base_url)),
        ),
    ];
    Ok(Some(NewMail {
        to: r.email,
        subject: i18n::tr_args(lang, "notify-mail-subject", &args),
        text: i18n::tr_args(lang, "notify-mail-body", &args),
        html: None,
    }))
}
