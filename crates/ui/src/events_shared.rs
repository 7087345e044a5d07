//! What the agenda and the training pages share: the zones offered in forms, events
//! prepared as rows, and the event form.
use crate::i18n::Lang;
use crate::service::events::{self as svc, EventInput};
use embarq_domain::SphereId;
use embarq_domain::events::{EventKind, fill_percent, seats_left};
use embarq_domain::recurrence::{DEFAULT_TIME_ZONE, ms_to_local, parse_zone};
use embarq_store::{Event, now_ms};
use serde::Deserialize;

/// Zones offered in the form's list (any IANA name is accepted).
pub(crate) const ZONES: &[&str] = &[
    "Europe/Paris",
    "Europe/London",
    "Europe/Brussels",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Lisbon",
    "America/New_York",
    "America/Toronto",
    "America/Los_Angeles",
    "Asia/Singapore",
    "Africa/Casablanca",
    "UTC",
];

/// A session (or any event: the agenda shares it) prepared for display: times in its own
/// zone, seats and the bar.
pub struct Row {
    pub e: Event,
    pub when: String,
    pub seats_left: Option<i64>,
    pub pct: u8,
    pub full: bool,
    pub registered: bool,
    pub started: bool,
    /// Locale key of the kind (`training-kind-webinar`).
    pub kind_key: String,
    /// The event's page (`/training/{id}` or `/agenda/{id}`).
    pub path: String,
    /// The viewer's answer (`going`, `maybe`, `not_going`).
    pub response: String,
    /// Cancelled: shown with a tag, answers closed.
    pub cancelled: bool,
}

pub(crate) fn row(lang: Lang, e: Event, now: i64) -> Row {
    let left = seats_left(e.capacity, e.registered_count);
    Row {
        when: svc::local_time(lang, e.starts_at, &e.time_zone),
        seats_left: left,
        pct: fill_percent(e.capacity, e.registered_count),
        full: left == Some(0),
        registered: e.my_registered_at.is_some(),
        started: e.starts_at <= now,
        kind_key: format!("training-kind-{}", e.kind),
        path: svc::page_path(&e.kind, e.id),
        response: e.my_response.clone().unwrap_or_default(),
        cancelled: e.cancelled_at.is_some(),
        e,
    }
}

pub(crate) fn rows(lang: Lang, v: Vec<Event>) -> Vec<Row> {
    let now = now_ms();
    v.into_iter().map(|e| row(lang, e, now)).collect()
}

/// The creation form (organization-wide or in a sphere).
#[derive(Deserialize, Default, Clone)]
pub(crate) struct EventForm {
    #[serde(default)]
    pub(crate) title: String,
    #[serde(default)]
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) starts_at: String,
    #[serde(default)]
    pub(crate) ends_at: String,
    #[serde(default)]
    pub(crate) time_zone: String,
    #[serde(default)]
    pub(crate) place: String,
    /// Checkbox: present when ticked.
    #[serde(default)]
    pub(crate) video_room: Option<String>,
    #[serde(default)]
    pub(crate) video_url: String,
    #[serde(default)]
    pub(crate) capacity: String,
}

impl EventForm {
    pub(crate) fn blank() -> Self {
        EventForm {
            time_zone: DEFAULT_TIME_ZONE.into(),
            ..Default::default()
        }
    }
    /// The edit form of an event: the submitted values after an error, else the stored ones
    /// (local times in the event's zone). None for those who may not edit it, and once it has
    /// started or was cancelled.
    pub(crate) fn for_edit(v: &svc::Visible, submitted: Option<EventForm>) -> Option<Self> {
        let e = &v.event;
        if !v.manage || e.cancelled_at.is_some() || e.starts_at <= now_ms() {
            return None;
        }
        if submitted.is_some() {
            return submitted;
        }
        let tz = parse_zone(&e.time_zone).unwrap_or(chrono_tz::UTC);
        let local = |ms| ms_to_local(tz, ms).format("%Y-%m-%dT%H:%M").to_string();
        Some(EventForm {
            title: e.title.clone(),
            description: e.description_md.clone(),
            starts_at: local(e.starts_at),
            ends_at: local(e.ends_at),
            time_zone: e.time_zone.clone(),
            place: e.place.clone().unwrap_or_default(),
            video_room: e.video_room.then(|| "1".into()),
            video_url: e.video_url.clone().unwrap_or_default(),
            capacity: e.capacity.map(|c| c.to_string()).unwrap_or_default(),
        })
    }
    pub(crate) fn input(&self, sphere_id: Option<SphereId>) -> EventInput {
        EventInput {
            kind: EventKind::Event.as_str().into(),
            audience: "all".into(),
            title: self.title.clone(),
            description: self.description.clone(),
            starts_at: self.starts_at.clone(),
            ends_at: self.ends_at.clone(),
            time_zone: self.time_zone.clone(),
            place: self.place.clone(),
            video_url: self.video_url.clone(),
            capacity: self.capacity.clone(),
            sphere_id,
            video_room: self.video_room.is_some(),
        }
    }
    pub(crate) fn room(&self) -> bool {
        self.video_room.is_some()
    }
}
