//! The one place notifications are delivered: preferences decide, per recipient and
//! category, whether a notification is stored (in-app), also e-mailed, or dropped. Every
//! feature goes through [`deliver`] (directly or via `spheres::notify`); features that send
//! their own e-mail (reminders, announcements) ask [`email_allowed`] first.
use crate::error::AppResult;
use crate::i18n::{self, Lang};
use crate::realtime;
use crate::state::AppState;
use embarq_domain::Id;
use embarq_domain::moderation::{self as rules, Category, Channel};
use embarq_store::NewNotification;
use fluent_templates::fluent_bundle::FluentValue;
use std::collections::HashMap;

/// A person's effective channel for each category (their choice, else the default).
pub async fn channels(state: &AppState, user_id: Id) -> AppResult<Vec<(Category, Channel)>> {
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
pub async fn email_allowed(state: &AppState, user_id: Id, kind: &str) -> bool {
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

/// Stores the notifications people want, pushes them live, and e-mails those who chose
/// "in-app + e-mail" for the category (unless the feature mails them itself).
pub async fn deliver(state: &AppState, items: Vec<NewNotification>) -> AppResult<()> {
    let Some(first) = items.first() else {
        return Ok(());
    };
    let mut by_kind: HashMap<&'static str, Vec<NewNotification>> = HashMap::new();
    for n in items.iter() {
        by_kind.entry(n.kind).or_default().push(n.clone());
    }
    let member = first.user_id;
    for (kind, group) in by_kind {
        let category = rules::category(kind);
        let chosen: HashMap<Id, Channel> = state
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
        if kept.is_empty() {
            continue;
        }
        state.db.notify(&kept).await?;
        let mut live: HashMap<Option<Id>, Vec<Id>> = HashMap::new();
        for n in &kept {
            live.entry(n.post_id.or(n.sphere_id))
                .or_default()
                .push(n.user_id);
        }
        for (ref_id, users) in live {
            realtime::personal(state, &users, "notification", ref_id).await;
        }
        if rules::mailed_by_feature(kind) {
            continue;
        }
        // Only an explicit "in-app + e-mail" choice sends mail for everyday notifications.
        let mailed: Vec<&NewNotification> = kept
            .iter()
            .filter(|n| chosen.get(&n.user_id) == Some(&Channel::Email))
            .collect();
        if !mailed.is_empty() {
            send_mails(state, &mailed).await?;
        }
    }
    Ok(())
}

/// Where a notification leads, as an app-relative path.
pub fn link_of(link: Option<&str>, post: Option<Id>, sphere: Option<Id>) -> String {
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

async fn send_mails(state: &AppState, items: &[&NewNotification]) -> AppResult<()> {
    for n in items {
        let Some(r) = state
            .db
            .user(n.user_id)
            .await?
            .filter(|u| u.user_status() == embarq_domain::UserStatus::Active)
        else {
            continue;
        };
        let lang = r
            .locale
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or_default();
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
        let subject = i18n::tr_args(lang, "notify-mail-subject", &args);
        let body = i18n::tr_args(lang, "notify-mail-body", &args);
        state.mailer.send(&r.email, &subject, &body).await;
    }
    Ok(())
}
