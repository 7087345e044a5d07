//! Events: creation (one-off or a monthly series, organization-wide or in a sphere),
//! visibility by audience and sphere, RSVP (going / maybe / not going) with capacity,
//! organizer registrations, attendance and 24-hour reminders. The training pages, the agenda
//! (/agenda, sphere agendas), the API and the calendar feeds all go through this module.
use super::{markdown, spheres};
use crate::auth::Auth;
use crate::error::{AppError, AppResult};
use crate::i18n::{self, Lang};
use crate::state::AppState;
use chrono::NaiveDate;
use chrono_tz::Tz;
use embarq_domain::events::{self, Audience, EventKind, Rsvp, SeriesFields};
use embarq_domain::policy::SphereAccess;
use embarq_domain::recurrence::{self, DEFAULT_TIME_ZONE};
use embarq_domain::validate::{self, DESCRIPTION_MAX, Errors, FieldError, SHORT_TEXT_MAX};
use embarq_domain::{Id, new_id, policy};
use embarq_domain::{SphereId, UserId};
use embarq_store::{
    Effects, Event, EventChange, EventFilter, EventSetting, EventUpdate, NewEvent, NewLive,
    NewNotification, Registrant, Registration, now_ms,
};
use fluent_templates::fluent_bundle::FluentValue;

/// Notification kinds (their labels are `notif-<kind>` in the locales).
pub const NOTIF_REGISTERED: &str = "training_registered";
pub const NOTIF_REMINDER: &str = "training_reminder";
pub const NOTIF_EVENT_REMINDER: &str = "event_reminder";
/// Sent to those going or maybe when an event's time or place changes, or it is cancelled.
pub const NOTIF_EVENT_CHANGED: &str = "event_changed";
pub const NOTIF_EVENT_CANCELLED: &str = "event_cancelled";

/// An event the viewer may see, with what they may do with it.
pub struct Visible {
    pub event: Event,
    /// Organizer or manager (sphere events: the sphere's administrators): registrants,
    /// registering people, attendance.
    pub manage: bool,
    /// The viewer's access to the event's sphere (None: organization-wide event).
    pub sphere: Option<SphereAccess>,
}

impl Visible {
    pub fn kind(&self) -> EventKind {
        kind_of(&self.event)
    }
    /// The viewer may see who answered (names of those going or maybe; managers: everyone).
    pub fn participants_visible(&self) -> bool {
        policy::can_see_participants(self.manage, self.kind())
    }
}

pub fn kind_of(e: &Event) -> EventKind {
    EventKind::parse(&e.kind).unwrap_or(EventKind::Event)
}

/// The page of an event: training sessions keep theirs, every other event lives in the agenda.
pub fn page_path(kind: &str, id: Id) -> String {
    match EventKind::parse(kind) {
        Some(EventKind::Training | EventKind::Webinar) => format!("/training/{id}"),
        _ => format!("/agenda/{id}"),
    }
}

/// Error codes of refusals: training sessions speak of sessions, other events of events.
fn refusal(kind: EventKind, what: &'static str) -> AppError {
    let code = match (kind, what) {
        (EventKind::Event, "cancelled") => "event_cancelled",
        (_, "cancelled") => "training_cancelled",
        (EventKind::Event, "full") => "event_full",
        (EventKind::Event, _) => "event_started",
        (_, "full") => "training_full",
        _ => "training_started",
    };
    AppError::Refused(code)
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
    let organizer = event.created_by == auth.user.id;
    let (manage, sphere) = match event.sphere_id {
        Some(sid) => {
            // Invisible sphere, or a sphere the viewer may not read: the event does not exist.
            let access = crate::service::spheres::load(state, auth, sid)
                .await?
                .access();
            if !policy::can_see_sphere_event(access) {
                return Err(AppError::NotFound);
            }
            (
                policy::can_manage_sphere_event(access, organizer),
                Some(access),
            )
        }
        None => (policy::can_manage_event(auth.viewer(), organizer), None),
    };
    Ok(Visible {
        event,
        manage,
        sphere,
    })
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
    /// The sphere the event belongs to (None: organization-wide).
    pub sphere_id: Option<SphereId>,
    /// Open a built-in video room for the event.
    pub video_room: bool,
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
    // People who may organize nothing are refused before their input is examined; an
    // invisible sphere answers 404.
    let sphere = match input.sphere_id {
        Some(sid) => Some(
            crate::service::spheres::load(state, auth, sid)
                .await?
                .access(),
        ),
        None => None,
    };
    let may = match sphere {
        Some(access) => policy::can_create_sphere_event(access),
        None => {
            policy::can_organize_event(auth.viewer(), champion, EventKind::Training, Audience::All)
        }
    };
    if !may {
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
    let (tz, details) = check_details(input, &mut e);
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
    let (Some(kind), Some(audience), Some(d)) = (kind, audience, details) else {
        return Err(AppError::Refused("invalid"));
    };
    let Details {
        title,
        description,
        zone,
        place,
        video_url,
        capacity,
    } = d;
    let allowed = match sphere {
        // A sphere's events are for its readers: plain events, audience everyone.
        Some(access) => {
            policy::can_create_sphere_event(access)
                && kind == EventKind::Event
                && audience == Audience::All
        }
        None => policy::can_organize_event(auth.viewer(), champion, kind, audience),
    };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let html = markdown::render("description", &description).await?;
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
            time_zone: zone.clone(),
            place: place.clone(),
            video_url: video_url.clone(),
            capacity,
            series_id,
            created_by: auth.user.id,
        })
        .collect();
    let setting = EventSetting {
        sphere_id: input.sphere_id,
        video_room: input.video_room,
    };
    let ids: Vec<Id> = items.iter().map(|_| embarq_domain::new_id()).collect();
    let effects =
        super::webhooks::events_created(state, auth, &ids, input.sphere_id, &input.audience)
            .await?;
    state
        .db
        .create_events_in(&ids, &items, setting, &effects)
        .await?;
    crate::outbox::written(state, &effects);
    Ok(ids)
}

/// The fields creation and edition share, checked once (title, description, zone, place,
/// online meeting, capacity).
struct Details {
    title: String,
    description: String,
    zone: String,
    place: Option<String>,
    video_url: Option<String>,
    capacity: Option<i64>,
}

/// Checks the shared fields, adding their errors to `e`; answers the zone (for the schedule)
/// and the fields when all are valid.
fn check_details(input: &EventInput, e: &mut Errors) -> (Option<Tz>, Option<Details>) {
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
    if let Some(url) = &video_url {
        e.check(events::online(input.video_room, url.as_deref()));
    }
    let capacity = e.check(events::capacity(&input.capacity));
    let details = match (title, description, place, video_url, capacity) {
        (Some(title), Some(description), Some(place), Some(video_url), Some(capacity)) => {
            Some(Details {
                title,
                description: description.unwrap_or_default(),
                zone: zone_raw.to_string(),
                place,
                video_url,
                capacity,
            })
        }
        _ => None,
    };
    (tz, details)
}

/// Edits an event (its organizer, the sphere's administrators, managers: `Visible::manage`).
/// The fields are checked exactly as at creation; kind, audience, sphere and series never
/// change. A capacity below the people already going is a field error and nothing is written.
/// Those going or maybe are notified when the time or place changes.
pub async fn update(
    state: &AppState,
    auth: &Auth,
    id: Id,
    input: &EventInput,
) -> AppResult<Visible> {
    let v = load(state, auth, id).await?;
    if !v.manage {
        return Err(AppError::Forbidden);
    }
    if v.event.cancelled_at.is_some() {
        return Err(refusal(v.kind(), "cancelled"));
    }
    let now = now_ms();
    if v.event.starts_at <= now {
        return Err(refusal(v.kind(), "started"));
    }
    let mut e = Errors::default();
    let (tz, details) = check_details(input, &mut e);
    let mut errors = e.0;
    let mut slot = None;
    if let Some(tz) = tz {
        match events::schedule(&input.starts_at, &input.ends_at, tz, now) {
            Ok(s) => slot = Some(s),
            Err(errs) => errors.extend(errs),
        }
    }
    let going = v.event.registered_count;
    if let Some(Details {
        capacity: Some(c), ..
    }) = &details
        && *c < going
    {
        errors.push(below_going(going));
    }
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let (Some(d), Some((starts_at, ends_at))) = (details, slot) else {
        return Err(AppError::Refused("invalid"));
    };
    let old = &v.event;
    let moved = starts_at != old.starts_at
        || ends_at != old.ends_at
        || d.place != old.place
        || d.video_url != old.video_url
        || input.video_room != old.video_room;
    let change = EventChange {
        bump_sequence: moved || d.title != old.title || d.description != old.description_md,
        description_html: markdown::render("description", &d.description).await?,
        title: d.title,
        description_md: d.description,
        starts_at,
        ends_at,
        time_zone: d.zone,
        place: d.place,
        video_url: d.video_url,
        video_room: input.video_room,
        capacity: d.capacity,
    };
    let effects = if moved {
        registrants_notice(state, auth, old, NOTIF_EVENT_CHANGED).await?
    } else {
        Effects::default()
    };
    match state.db.update_event(id, &change, &effects).await? {
        EventUpdate::Updated => crate::outbox::written(state, &effects),
        EventUpdate::BelowGoing(n) => return Err(below_going(n).into()),
        EventUpdate::Unavailable => return Err(refusal(v.kind(), "cancelled")),
    }
    load(state, auth, id).await
}

fn below_going(going: i64) -> FieldError {
    FieldError::with_limit("training_capacity", "capacity_below_going", going)
}

/// Cancels an event (soft: it stays visible, tagged, and calendars get STATUS:CANCELLED).
/// Those going or maybe are notified; no reminder is sent any more. Cancelling twice is
/// harmless; a started event cannot be cancelled.
pub async fn cancel(state: &AppState, auth: &Auth, id: Id) -> AppResult<Visible> {
    let v = load(state, auth, id).await?;
    if !v.manage {
        return Err(AppError::Forbidden);
    }
    if v.event.cancelled_at.is_some() {
        return Ok(v);
    }
    if v.event.starts_at <= now_ms() {
        return Err(refusal(v.kind(), "started"));
    }
    let effects = registrants_notice(state, auth, &v.event, NOTIF_EVENT_CANCELLED).await?;
    if state.db.cancel_event(id, &effects).await? {
        crate::outbox::written(state, &effects);
    }
    load(state, auth, id).await
}

/// What tells those going or maybe (not the author of the change) about it, with a link to
/// the event.
async fn registrants_notice(
    state: &AppState,
    auth: &Auth,
    e: &Event,
    kind: &'static str,
) -> AppResult<Effects> {
    let people = state.db.event_people_to_notify(e.id).await?;
    let items: Vec<NewNotification> = people
        .into_iter()
        .filter(|u| *u != auth.user.id)
        .map(|user_id| NewNotification {
            user_id,
            kind,
            actor_id: Some(auth.user.id),
            sphere_id: e.sphere_id,
            post_id: None,
            conversation_id: None,
            link: Some(page_path(&e.kind, e.id)),
        })
        .collect();
    crate::service::notifications::effects(state, items).await
}

/// What a training page lists for the viewer.
pub struct Overview {
    pub upcoming: Vec<Event>,
    pub mine: Vec<Event>,
    pub past: Vec<Event>,
}

/// The training sessions as the administration page lists them (organization managers).
pub async fn training_admin(state: &AppState, auth: &Auth) -> AppResult<Overview> {
    crate::auth::Manager::of(auth)?;
    overview(state, auth, true).await
}

pub async fn overview(state: &AppState, auth: &Auth, training_only: bool) -> AppResult<Overview> {
    let scope = if training_only {
        Scope::Training
    } else {
        Scope::All
    };
    overview_of(state, auth, scope).await
}

/// Which events a list covers.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    /// Training sessions and webinars (the /training pages).
    Training,
    /// Everything the viewer can see (the agenda).
    All,
    /// One sphere's events (the caller checked the sphere is readable).
    Sphere(SphereId),
}

/// The base filter for what `auth` may see (audience and readable spheres).
pub async fn filter_for(state: &AppState, auth: &Auth, scope: Scope) -> AppResult<EventFilter> {
    let champion = is_champion(state, auth).await?;
    let champions = policy::can_see_event(auth.viewer(), champion, Audience::Champions);
    Ok(EventFilter {
        training_only: matches!(scope, Scope::Training),
        champions,
        mine: false,
        sphere: match scope {
            Scope::Sphere(id) => Some(id),
            _ => None,
        },
        upcoming: true,
        now: now_ms(),
        limit: 100,
    })
}

/// A sphere's agenda: an invisible sphere answers 404, a visible one the viewer may not read
/// (closed, not a member) 403.
pub async fn sphere_overview(
    state: &AppState,
    auth: &Auth,
    sphere: &crate::service::spheres::Visible,
) -> AppResult<Overview> {
    sphere.require(policy::can_see_sphere_event)?;
    overview_of(state, auth, Scope::Sphere(sphere.id())).await
}

pub async fn overview_of(state: &AppState, auth: &Auth, scope: Scope) -> AppResult<Overview> {
    let f = filter_for(state, auth, scope).await?;
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
    rsvp(state, auth, id, Rsvp::Going).await
}

/// Records the viewer's answer. "Going" on a full event and any answer once the event has
/// started are refused; answering the same twice is harmless.
pub async fn rsvp(state: &AppState, auth: &Auth, id: Id, answer: Rsvp) -> AppResult<Visible> {
    let v = load(state, auth, id).await?;
    if v.event.cancelled_at.is_some() {
        return Err(refusal(v.kind(), "cancelled"));
    }
    if v.event.starts_at <= now_ms() {
        return Err(refusal(v.kind(), "started"));
    }
    match state
        .db
        .rsvp_event(id, auth.user.id, answer.as_str())
        .await?
    {
        Registration::Full => Err(refusal(v.kind(), "full")),
        Registration::Cancelled => Err(refusal(v.kind(), "cancelled")),
        _ => load(state, auth, id).await,
    }
}

/// Parses an RSVP answer from a form or the API.
pub fn parse_rsvp(raw: &str) -> AppResult<Rsvp> {
    Rsvp::parse(raw.trim()).ok_or_else(|| FieldError::new("rsvp", "invalid_choice").into())
}

pub async fn unregister(state: &AppState, auth: &Auth, id: Id) -> AppResult<Visible> {
    let v = load(state, auth, id).await?;
    if v.event.starts_at <= now_ms() {
        return Err(refusal(v.kind(), "started"));
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

/// Who answered, as the viewer may see it: managers get everyone (with "not going"), other
/// viewers of an event (not a training session) those going or maybe; others are refused.
pub async fn participants_of(
    state: &AppState,
    auth: &Auth,
    id: Id,
) -> AppResult<(Visible, Vec<Registrant>)> {
    let v = load(state, auth, id).await?;
    if !v.participants_visible() {
        return Err(AppError::Forbidden);
    }
    let mut r = state.db.event_registrants(id).await?;
    if !v.manage {
        r.retain(|g| g.response != Rsvp::NotGoing.as_str());
    }
    Ok((v, r))
}

/// Members of the organization who may take part in `v` (champions-only: champions and managers).
async fn participants(state: &AppState, auth: &Auth, v: &Visible, ids: &[UserId]) -> AppResult<()> {
    let mut seen = std::collections::HashSet::new();
    for id in ids {
        if !seen.insert(*id) {
            continue;
        }
        let user = state.db.user_in_org(auth.user.org_id, *id).await?;
        let ok = match user {
            Some(u) if u.status != embarq_domain::UserStatus::Deactivated => {
                let champion = state.db.is_org_champion(u.org_id, u.id).await?;
                let viewer = policy::Viewer {
                    org_role: u.org_role,
                };
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
pub async fn enroll(state: &AppState, auth: &Auth, id: Id, users: &[UserId]) -> AppResult<usize> {
    let (v, current) = registrants(state, auth, id).await?;
    if v.event.cancelled_at.is_some() {
        return Err(refusal(v.kind(), "cancelled"));
    }
    if v.event.starts_at <= now_ms() {
        return Err(refusal(v.kind(), "started"));
    }
    if users.is_empty() {
        return Err(FieldError::new("training_attendees", "required").into());
    }
    participants(state, auth, &v, users).await?;
    let mut new: Vec<UserId> = users
        .iter()
        .copied()
        .filter(|u| !current.iter().any(|r| r.user_id == *u))
        .collect();
    new.sort();
    new.dedup();
    if let Some(left) = events::seats_left(v.event.capacity, v.event.registered_count)
        && (new.len() as i64) > left
    {
        return Err(refusal(v.kind(), "full"));
    }
    let mut done = Vec::new();
    for u in new {
        let registered =
            spheres::notice(state, &[u], NOTIF_REGISTERED, auth.user.id, None, None).await?;
        match state.db.register_for_event(id, u, &registered).await? {
            Registration::Registered => {
                crate::outbox::written(state, &registered);
                done.push(u);
            }
            Registration::AlreadyRegistered => {}
            // Someone took the last seat (or cancelled the event) meanwhile: those
            // registered so far stay registered.
            Registration::Full | Registration::Cancelled => break,
        }
    }
    Ok(done.len())
}

/// Records attendance (during or after the session): `attended` is the full list of people
/// present, registered or not; registrants left out are marked absent.
pub async fn set_attendance(
    state: &AppState,
    auth: &Auth,
    id: Id,
    attended: &[UserId],
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
    format!("{} ({zone})", lang.date_time(tz, ms))
}

/// Reminders sent per pass at most (the next pass sends the rest).
const REMINDER_BATCH: i64 = 1000;

/// Scheduled task: reminds each registrant once, 24 hours before the start (notification and
/// e-mail). Each reminder is claimed with its notification and e-mail in one transaction, so
/// it goes out exactly once across processes and is never lost to a stop.
pub async fn send_due_reminders(state: &AppState, now: i64) -> anyhow::Result<usize> {
    let due = state.db.due_event_reminders(now, REMINDER_BATCH).await?;
    let mut sent = 0;
    for r in &due {
        let page = page_path(&r.kind, r.event_id);
        let kind = if EventKind::parse(&r.kind) == Some(EventKind::Event) {
            NOTIF_EVENT_REMINDER
        } else {
            NOTIF_REMINDER
        };
        let mut effects = Effects {
            notifications: vec![NewNotification {
                user_id: r.user_id,
                kind,
                actor_id: Some(r.created_by),
                sphere_id: r.sphere_id,
                post_id: None,
                conversation_id: None,
                link: Some(page.clone()),
            }],
            live: NewLive::personal(&[r.user_id], "notification", Some(r.event_id)),
            ..Effects::default()
        };
        let lang = Lang::of(r.locale.as_deref());
        let room = r
            .video_room
            .then(|| format!("{}/video/event/{}", state.config.base_url, r.event_id));
        let location = room
            .or_else(|| r.video_url.clone())
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
                FluentValue::from(format!("{}{page}", state.config.base_url)),
            ),
        ];
        let body_key = if kind == NOTIF_EVENT_REMINDER {
            "event-reminder-body"
        } else {
            "training-reminder-body"
        };
        let subject = i18n::tr_args(lang, "training-reminder-subject", &args);
        let body = i18n::tr_args(lang, body_key, &args);
        // The person's notification preferences decide whether reminders are e-mailed.
        if super::notifications::email_allowed(state, r.user_id, kind).await {
            effects.extend(Effects::mail(&r.email, subject, body));
        }
        if state
            .db
            .claim_event_reminder(r.event_id, r.user_id, now, &effects)
            .await?
        {
            crate::outbox::written(state, &effects);
            sent += 1;
        }
    }
    Ok(sent)
}
