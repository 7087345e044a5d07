//! Events: creation (one-off or a monthly series), visibility by audience, registration with
//! capacity, organizer registrations, attendance and 24-hour reminders. Training sessions
//! and webinars use this core today; issue 4 extends it (RSVP, ICS, video rooms).
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::realtime;
use crate::state::AppState;
use chrono::NaiveDate;
use embarq_domain::events::{self, Audience, EventKind, SeriesFields};
use embarq_domain::recurrence::{self, DEFAULT_TIME_ZONE};
use embarq_domain::validate::{self, DESCRIPTION_MAX, Errors, FieldError, SHORT_TEXT_MAX};
use embarq_domain::{Id, markdown, new_id, policy};
use embarq_store::{
    Event, EventFilter, NewEvent, NewNotification, Registrant, Registration, now_ms,
};
use fluent_templates::fluent_bundle::FluentValue;

/// Notification kinds (their labels are `notif-<kind>` in the locales).
pub const NOTIF_REGISTERED: &str = "training_registered";
pub const NOTIF_REMINDER: &str = "training_reminder";

/// An event the viewer may see, with what they may do with it.
pub struct Visible {
    pub event: Event,
    /// Organizer or manager: registrants, registering people, attendance.
    pub manage: bool,
}

impl Visible {
    pub fn kind(&self) -> EventKind {
        EventKind::parse(&self.event.kind).unwrap_or(EventKind::Event)
    }
}

/// Fail closed: an unknown stored audience reads as champions-only.
pub fn audience_of(e: &Event) -> Audience {
    Audience::parse(&e.audience).unwrap_or(Audience::Champions)
}

pub async fn is_champion(state: &AppState, auth: &Auth) -> AppResult<bool> {
    Ok(state
        .db
        .is_org_champion(auth.user.org_id, auth.user.id)
        .await?)
}

/// Whether the viewer may organize anything at all (shows the creation forms).
pub async fn can_organize(state: &AppState, auth: &Auth) -> AppResult<bool> {
    let champion = is_champion(state, auth).await?;
    Ok(policy::can_organize_event(
        auth.viewer(),
        champion,
        EventKind::Training,
        Audience::All,
    ))
}

/// Loads an event: unknown ids, other organizations' events and champions-only events for
/// non-champions all answer the same 404.
pub async fn load(state: &AppState, auth: &Auth, id: Id) -> AppResult<Visible> {
    let event = state
        .db
        .event_for(auth.user.org_id, auth.user.id, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let champion = is_champion(state, auth).await?;
    if !policy::can_see_event(auth.viewer(), champion, audience_of(&event)) {
        return Err(AppError::NotFound);
    }
    let manage = policy::can_manage_event(auth.viewer(), event.created_by == auth.user.id);
    Ok(Visible { event, manage })
}

/// The raw fields of the creation form / API body.
#[derive(Debug, Clone, Default)]
pub struct EventInput {
    pub kind: String,
    pub audience: String,
    pub title: String,
    pub description: String,
    /// Local date-times in `time_zone` (`2027-01-05T10:00`); unused for a series.
    pub starts_at: String,
    pub ends_at: String,
    pub time_zone: String,
    pub place: String,
    pub video_url: String,
    pub capacity: String,
}

/// A monthly series: "every month on the `ordinal` `weekday` at `time` for `minutes`".
#[derive(Debug, Clone, Default)]
pub struct SeriesInput {
    pub ordinal: String,
    pub weekday: String,
    pub time: String,
    pub minutes: String,
    pub count: String,
    /// First month considered (`YYYY-MM-DD`); empty: today in the event's zone.
    pub from: String,
}

/// Creates one event, or every occurrence of a series (all or nothing); `kinds` limits what
/// the calling page creates (training pages: training sessions and webinars).
pub async fn create(
    state: &AppState,
    auth: &Auth,
    input: &EventInput,
    series: Option<&SeriesInput>,
    kinds: &[EventKind],
) -> AppResult<Vec<Id>> {
    let champion = is_champion(state, auth).await?;
    // People who may organize nothing are refused before their input is examined.
    if !policy::can_organize_event(auth.viewer(), champion, EventKind::Training, Audience::All) {
        return Err(AppError::Forbidden);
    }
    let now = now_ms();
    let mut e = Errors::default();
    let kind = e.check(
        EventKind::parse(input.kind.trim())
            .filter(|k| kinds.contains(k))
            .ok_or(FieldError::new("training_kind", "invalid_choice")),
    );
    let audience_raw = if input.audience.trim().is_empty() {
        "all"
    } else {
        input.audience.trim()
    };
    let audience = e.check(
        Audience::parse(audience_raw).ok_or(FieldError::new("training_audience", "invalid_choice")),
    );
    let title = e.check(validate::required(
        "training_title",
        &input.title,
        SHORT_TEXT_MAX,
    ));
    let description = e.check(validate::optional(
        "description",
        &input.description,
        DESCRIPTION_MAX,
    ));
    let zone_raw = if input.time_zone.trim().is_empty() {
        DEFAULT_TIME_ZONE
    } else {
        input.time_zone.trim()
    };
    let tz = e.check(events::time_zone(zone_raw));
    let place = e.check(validate::optional(
        "training_place",
        &input.place,
        SHORT_TEXT_MAX,
    ));
    let video_url = e.check(events::video_url(&input.video_url));
    let capacity = e.check(events::capacity(&input.capacity));
    let mut errors = e.0;
    let mut slots: Vec<(i64, i64)> = Vec::new();
    if let Some(tz) = tz {
        match series {
            None => match events::schedule(&input.starts_at, &input.ends_at, tz, now) {
                Ok(s) => slots.push(s),
                Err(errs) => errors.extend(errs),
            },
            Some(s) => {
                let fields = SeriesFields {
                    ordinal: &s.ordinal,
                    weekday: &s.weekday,
                    time: &s.time,
                    minutes: &s.minutes,
                    count: &s.count,
                };
                let from = if s.from.trim().is_empty() {
                    Some(recurrence::ms_to_local(tz, now).date())
                } else {
                    NaiveDate::parse_from_str(s.from.trim(), "%Y-%m-%d").ok()
                };
                match (events::monthly_rule(&fields), from) {
                    (Ok(rule), Some(from)) => {
                        slots = recurrence::monthly_occurrences(&rule, tz, from, now)
                    }
                    (Err(errs), _) => errors.extend(errs),
                    (_, None) => {
                        errors.push(FieldError::new("training_from", "training_invalid_date"))
                    }
                }
            }
        }
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (
        Some(kind),
        Some(audience),
        Some(title),
        Some(description),
        Some(place),
        Some(video_url),
        Some(capacity),
    ) = (
        kind,
        audience,
        title,
        description,
        place,
        video_url,
        capacity,
    )
    else {
        return Err(AppError::Refused("invalid"));
    };
    if !policy::can_organize_event(auth.viewer(), champion, kind, audience) {
        return Err(AppError::Forbidden);
    }
    let description = description.unwrap_or_default();
    let html = markdown::render(&description);
    let series_id = series.map(|_| new_id());
    let items: Vec<NewEvent> = slots
        .into_iter()
        .map(|(starts_at, ends_at)| NewEvent {
            org_id: auth.user.org_id,
            kind: kind.as_str(),
            audience: audience.as_str(),
            title: title.clone(),
            description_md: description.clone(),
            description_html: html.clone(),
            starts_at,
            ends_at,
            time_zone: zone_raw.to_string(),
            place: place.clone(),
            video_url: video_url.clone(),
            capacity,
            series_id,
            created_by: auth.user.id,
        })
        .collect();
    Ok(state.db.create_events(&items).await?)
}

/// What a training page lists for the viewer.
pub struct Overview {
    pub upcoming: Vec<Event>,
    pub mine: Vec<Event>,
    pub past: Vec<Event>,
}

pub async fn overview(state: &AppState, auth: &Auth, training_only: bool) -> AppResult<Overview> {
    let champion = is_champion(state, auth).await?;
    let champions = policy::can_see_event(auth.viewer(), champion, Audience::Champions);
    let f = EventFilter {
        training_only,
        champions,
        mine: false,
        upcoming: true,
        now: now_ms(),
        limit: 100,
    };
    let (org, me) = (auth.user.org_id, auth.user.id);
    Ok(Overview {
        upcoming: state.db.list_events(org, me, f).await?,
        mine: state
            .db
            .list_events(org, me, EventFilter { mine: true, ..f })
            .await?,
        past: state
            .db
            .list_events(
                org,
                me,
                EventFilter {
                    upcoming: false,
                    limit: 20,
                    ..f
                },
            )
            .await?,
    })
}

/// Registers the viewer. Started sessions and full ones are refused; registering twice is
/// harmless.
pub async fn register(state: &AppState, auth: &Auth, id: Id) -> AppResult<Visible> {
    let v = load(state, auth, id).await?;
    if v.event.starts_at <= now_ms() {
        return Err(AppError::Refused("training_started"));
    }
    match state.db.register_for_event(id, auth.user.id).await? {
        Registration::Full => Err(AppError::Refused("training_full")),
        _ => load(state, auth, id).await,
    }
}

pub async fn unregister(state: &AppState, auth: &Auth, id: Id) -> AppResult<Visible> {
    let v = load(state, auth, id).await?;
    if v.event.starts_at <= now_ms() {
        return Err(AppError::Refused("training_started"));
    }
    state.db.unregister_from_event(id, auth.user.id).await?;
    load(state, auth, id).await
}

/// Registrants of an event, for its organizer and managers.
pub async fn registrants(
    state: &AppState,
    auth: &Auth,
    id: Id,
) -> AppResult<(Visible, Vec<Registrant>)> {
    let v = load(state, auth, id).await?;
    if !v.manage {
        return Err(AppError::Forbidden);
    }
    let r = state.db.event_registrants(id).await?;
    Ok((v, r))
}

/// Members of the organization who may take part in `v` (champions-only: champions and managers).
async fn participants(state: &AppState, auth: &Auth, v: &Visible, ids: &[Id]) -> AppResult<()> {
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if !seen.insert(*id) {
            continue;
        }
        let user = state.db.user_in_org(auth.user.org_id, *id).await?;
        let ok = match user {
            Some(u) if u.user_status() != embarq_domain::UserStatus::Deactivated => {
                let champion = state.db.is_org_champion(u.org_id, u.id).await?;
                let viewer = policy::Viewer { org_role: u.role() };
                policy::can_see_event(viewer, champion, audience_of(&v.event))
            }
            _ => false,
        };
        if !ok {
            return Err(FieldError::new("training_attendees", "unknown_member").into());
        }
    }
    Ok(())
}

/// The organizer (or a manager) registers members, who are notified. Checked whole before
/// anything is written: unknown members or too few seats refuse the lot.
pub async fn enroll(state: &AppState, auth: &Auth, id: Id, users: &[Id]) -> AppResult<usize> {
    let (v, current) = registrants(state, auth, id).await?;
    if v.event.starts_at <= now_ms() {
        return Err(AppError::Refused("training_started"));
    }
    if users.is_empty() {
        return Err(FieldError::new("training_attendees", "required").into());
    }
    participants(state, auth, &v, users).await?;
    let mut new: Vec<Id> = users
        .iter()
        .copied()
        .filter(|u| !current.iter().any(|r| r.user_id == *u))
        .collect();
    new.sort();
    new.dedup();
    if let Some(left) = events::seats_left(v.event.capacity, v.event.registered_count)
        && (new.len() as i64) > left
    {
        return Err(AppError::Refused("training_full"));
    }
    let mut done = Vec::new();
    for u in new {
        match state.db.register_for_event(id, u).await? {
            Registration::Registered => done.push(u),
            Registration::AlreadyRegistered => {}
            // Someone took the last seat meanwhile: those registered so far stay registered.
            Registration::Full => break,
        }
    }
    crate::service::spheres::notify(state, &done, NOTIF_REGISTERED, auth.user.id, None, None)
        .await?;
    Ok(done.len())
}

/// Records attendance (during or after the session): `attended` is the full list of people
/// present, registered or not; registrants left out are marked absent.
pub async fn set_attendance(
    state: &AppState,
    auth: &Auth,
    id: Id,
    attended: &[Id],
) -> AppResult<Vec<Registrant>> {
    let (v, _) = registrants(state, auth, id).await?;
    if v.event.starts_at > now_ms() {
        return Err(AppError::Refused("training_not_started"));
    }
    participants(state, auth, &v, attended).await?;
    let mut ids = attended.to_vec();
    ids.sort();
    ids.dedup();
    state.db.set_event_attendance(id, &ids).await?;
    Ok(state.db.event_registrants(id).await?)
}

/// "Tue 05/01/2027 10:00 (Europe/Paris)": an instant in the event's own zone.
pub fn local_time(lang: Lang, ms: i64, zone: &str) -> String {
    let tz = recurrence::parse_zone(zone).unwrap_or(chrono_tz::UTC);
    let t = recurrence::ms_to_local(tz, ms);
    let fmt = match lang {
        Lang::Fr => "%d/%m/%Y %H:%M",
        Lang::En => "%Y-%m-%d %H:%M",
    };
    format!("{} ({zone})", t.format(fmt))
}

/// Scheduled task: reminds each registrant once, 24 hours before the start (notification and
/// e-mail). The claim in the store makes it exactly once across processes.
pub async fn send_due_reminders(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let due = state.db.claim_event_reminders(now).await?;
    for r in &due {
        state
            .db
            .notify(&[NewNotification {
                user_id: r.user_id,
                kind: NOTIF_REMINDER,
                actor_id: Some(r.created_by),
                sphere_id: None,
                post_id: None,
                conversation_id: None,
            }])
            .await?;
        realtime::publish(state, &[r.user_id], "notification", Some(r.event_id)).await;
        let lang = r
            .locale
            .as_deref()
            .and_then(Lang::parse)
            .unwrap_or_default();
        let location = r
            .video_url
            .clone()
            .or_else(|| r.place.clone())
            .unwrap_or_default();
        let args = [
            ("title", FluentValue::from(r.title.clone())),
            (
                "when",
                FluentValue::from(local_time(lang, r.starts_at, &r.time_zone)),
            ),
            ("where", FluentValue::from(location)),
            (
                "link",
                FluentValue::from(format!("{}/training/{}", state.config.base_url, r.event_id)),
            ),
        ];
        let subject = i18n::tr_args(lang, "training-reminder-subject", &args);
        let body = i18n::tr_args(lang, "training-reminder-body", &args);
        state.mailer.send(&r.email, &subject, &body).await;
    }
    Ok(due.len())
}
