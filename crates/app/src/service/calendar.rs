//! iCalendar (RFC 5545): one event's `.ics` and the personal calendar feed that calendar
//! clients subscribe to. The feed authenticates by a secret in its URL only (no session): the
//! secret is 32 random bytes, stored as its SHA-256; regenerating it kills the old URL, and a
//! deactivated person's feed stops answering. Times are written in UTC (no VTIMEZONE needed);
//! the UID is the event id, stable across downloads. SEQUENCE and LAST-MODIFIED follow edits;
//! a cancelled event carries STATUS:CANCELLED.
use crate::auth::{Auth, Via, random_token, token_hash};
use crate::error::{AppError, AppResult};
use crate::service::events::{self as svc, Scope};
use crate::state::AppState;
use chrono::{DateTime, Utc};
use embarq_store::{Event, EventFilter, now_ms};
use icalendar::{Calendar, Component, EventLike, Property};

/// The feed shows events that ended at most this long ago (calendar clients keep older ones).
const FEED_PAST_MS: i64 = 90 * 24 * 3600 * 1000;
/// At most this many events in a feed.
const FEED_LIMIT: i64 = 500;

fn utc(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

/// The host part of the public URL, for globally unique UIDs.
fn host(state: &AppState) -> String {
    let base = state.config.base_url.as_str();
    let rest = base.split_once("://").map(|(_, r)| r).unwrap_or(base);
    rest.split(['/', ':'])
        .next()
        .unwrap_or("embarq")
        .to_string()
}

/// One VEVENT.
fn vevent(state: &AppState, e: &Event) -> icalendar::Event {
    let base = &state.config.base_url;
    let page = format!("{base}{}", svc::page_path(&e.kind, e.id));
    let room = e.video_room.then(|| format!("{base}/video/event/{}", e.id));
    let online = room.clone().or_else(|| e.video_url.clone());
    let location = match (&e.place, &online) {
        (Some(p), Some(o)) => Some(format!("{p} / {o}")),
        (Some(p), None) => Some(p.clone()),
        (None, o) => o.clone(),
    };
    let mut description = e.description_md.replace("\r\n", "\n");
    if let Some(o) = &online {
        description.push_str(&format!("\n\n{o}"));
    }
    description.push_str(&format!("\n\n{page}"));
    let mut v = icalendar::Event::new();
    v.uid(&format!("{}@{}", e.id, host(state)))
        .summary(&e.title)
        .description(description.trim())
        .starts(utc(e.starts_at))
        .ends(utc(e.ends_at))
        .timestamp(Utc::now())
        .created(utc(e.created_at))
        .last_modified(utc(e.updated_at.unwrap_or(e.created_at)))
        .sequence(u32::try_from(e.sequence).unwrap_or(0))
        .url(&page);
    // A cancelled event stays in files and feeds so that subscribed calendars remove it.
    let status = if e.cancelled_at.is_some() {
        "CANCELLED"
    } else {
        "CONFIRMED"
    };
    v.append_property(Property::new("STATUS", status));
    if let Some(l) = &location {
        v.location(l);
    }
    if let Some(s) = &e.sphere_name {
        v.append_property(Property::new("CATEGORIES", s.as_str()));
    }
    v.done()
}

/// A VCALENDAR with the given events.
pub fn ics(state: &AppState, name: &str, events: &[Event]) -> String {
    let mut cal = Calendar::empty();
    cal.append_property(Property::new("VERSION", "2.0"))
        .append_property(Property::new("PRODID", "-//embarq//embarq//EN"))
        .append_property(Property::new("CALSCALE", "GREGORIAN"))
        .append_property(Property::new("METHOD", "PUBLISH"))
        .name(name);
    for e in events {
        cal.push(vevent(state, e));
    }
    cal.done().to_string()
}

/// One event's file, for whoever may see the event (404 otherwise).
pub async fn event_file(state: &AppState, auth: &Auth, id: embarq_domain::Id) -> AppResult<String> {
    let v = svc::load(state, auth, id).await?;
    Ok(ics(state, &v.event.title, std::slice::from_ref(&v.event)))
}

/// The feed for a secret: the events the person answered "going" or "maybe" to, among those
/// they can still see (a secret sphere they left disappears), from 90 days ago on.
pub async fn feed(state: &AppState, token: &str) -> AppResult<String> {
    if token.len() < 32 || token.len() > 100 {
        return Err(AppError::NotFound);
    }
    let user = state
        .db
        .calendar_token_user(&token_hash(token))
        .await?
        .ok_or(AppError::NotFound)?;
    let auth = Auth {
        user,
        via: Via::Token,
        session_hash: None,
        browser_zone: None,
    };
    let f = EventFilter {
        mine: true,
        now: now_ms() - FEED_PAST_MS,
        limit: FEED_LIMIT,
        ..svc::filter_for(state, &auth, Scope::All).await?
    };
    let events = state
        .db
        .list_events(auth.user.org_id, auth.user.id, f)
        .await?;
    Ok(ics(state, "embarq", &events))
}

/// The feed's URL for a secret.
pub fn feed_url(state: &AppState, token: &str) -> String {
    format!("{}/calendar/{token}.ics", state.config.base_url)
}

/// Makes a new secret (the previous URL stops working) and returns the new feed URL: it is
/// shown once, only its hash is kept.
pub async fn regenerate(state: &AppState, auth: &Auth) -> AppResult<String> {
    let token = random_token();
    state
        .db
        .set_calendar_token(auth.user.id, &token_hash(&token))
        .await?;
    Ok(feed_url(state, &token))
}

/// Turns the feed off.
pub async fn revoke(state: &AppState, auth: &Auth) -> AppResult<()> {
    state.db.delete_calendar_token(auth.user.id).await?;
    Ok(())
}

/// When the current feed secret was made, if any.
pub async fn status(state: &AppState, auth: &Auth) -> AppResult<Option<i64>> {
    Ok(state.db.calendar_token_created_at(auth.user.id).await?)
}
