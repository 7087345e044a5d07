//! Events and their registrations (training sessions and webinars today; issue 4 adds RSVP,
//! ICS and video rooms on the same tables). Capacity is enforced in the database so that
//! concurrent registrations can never exceed it; reminders are claimed atomically.
use crate::db::{Result, with_pool, with_writer};
use crate::{Db, now_ms};
use embarq_domain::{Id, OrgId, new_id};
use embarq_domain::{SphereId, UserId};
use serde::Serialize;
use sqlx::AssertSqlSafe;

/// An event as one viewer sees it: counts and the viewer's own registration.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Event {
    pub id: Id,
    pub org_id: OrgId,
    pub kind: String,
    pub audience: String,
    pub title: String,
    pub description_md: String,
    pub description_html: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub time_zone: String,
    pub place: Option<String>,
    pub video_url: Option<String>,
    pub capacity: Option<i64>,
    pub series_id: Option<Id>,
    pub created_by: UserId,
    pub organizer_name: String,
    pub created_at: i64,
    /// Answers "going": the seats taken.
    pub registered_count: i64,
    pub attended_count: i64,
    /// Came without registering (recorded at attendance; they take no seat).
    pub walk_in_count: i64,
    pub my_registered_at: Option<i64>,
    pub my_attended_at: Option<i64>,
    /// The sphere the event belongs to (None: organization-wide).
    pub sphere_id: Option<SphereId>,
    pub sphere_name: Option<String>,
    /// A built-in video room (`/video/event/{id}`).
    pub video_room: bool,
    /// Answers "maybe" (those "going" are `registered_count`).
    pub maybe_count: i64,
    /// The viewer's RSVP: `going`, `maybe` or `not_going`.
    pub my_response: Option<String>,
    /// iCalendar SEQUENCE: bumped on each change calendars must pick up.
    pub sequence: i64,
    /// Last change (None: unchanged since creation).
    pub updated_at: Option<i64>,
    /// Cancelled (soft): still shown, RSVP closed, STATUS:CANCELLED in calendars.
    pub cancelled_at: Option<i64>,
}

/// New values of an event's editable fields (kind, audience and sphere never change).
#[derive(Debug, Clone)]
pub struct EventChange {
    pub title: String,
    pub description_md: String,
    pub description_html: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub time_zone: String,
    pub place: Option<String>,
    pub video_url: Option<String>,
    pub video_room: bool,
    pub capacity: Option<i64>,
    /// Calendars must pick the change up: SEQUENCE is incremented.
    pub bump_sequence: bool,
}

/// The outcome of [`Db::update_event`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventUpdate {
    Updated,
    /// The new capacity is below the number of people going (given).
    BelowGoing(i64),
    /// Cancelled meanwhile, or gone.
    Unavailable,
}

/// Where an event lives and how people meet, beyond [`NewEvent`]'s fields.
#[derive(Debug, Clone, Copy, Default)]
pub struct EventSetting {
    pub sphere_id: Option<SphereId>,
    pub video_room: bool,
}

/// What to insert for one event (a series inserts several sharing `series_id`).
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub org_id: OrgId,
    pub kind: &'static str,
    pub audience: &'static str,
    pub title: String,
    pub description_md: String,
    pub description_html: String,
    pub starts_at: i64,
    pub ends_at: i64,
    pub time_zone: String,
    pub place: Option<String>,
    pub video_url: Option<String>,
    pub capacity: Option<i64>,
    pub series_id: Option<Id>,
    pub created_by: UserId,
}

/// Which events a list shows.
#[derive(Debug, Clone, Copy)]
pub struct EventFilter {
    /// Only training sessions and webinars (not other kinds of events).
    pub training_only: bool,
    /// Include champions-only events (the viewer is a champion or a manager).
    pub champions: bool,
    /// Only events the viewer answered "going" or "maybe".
    pub mine: bool,
    /// Only the events of this sphere.
    pub sphere: Option<SphereId>,
    /// `true`: not yet ended at `now`, soonest first; `false`: ended, latest first.
    pub upcoming: bool,
    pub now: i64,
    pub limit: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Registrant {
    pub user_id: UserId,
    pub display_name: String,
    pub email: String,
    pub registered_at: i64,
    pub attended_at: Option<i64>,
    /// `going`, `maybe`, `not_going`, or `walk_in` (came without registering).
    pub response: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    Registered,
    AlreadyRegistered,
    Full,
    /// The event was cancelled: no answer is recorded.
    Cancelled,
}

/// Events whose sphere (if any) `person` may read: secret and closed spheres' events exist
/// only for their members.
fn sphere_readable(person: &str) -> String {
    crate::access::reads_sphere_of("e.sphere_id", person)
}

/// A reminder due: the registrant and the event.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct DueReminder {
    pub event_id: Id,
    pub user_id: UserId,
    pub email: String,
    pub locale: Option<String>,
    pub title: String,
    pub starts_at: i64,
    pub time_zone: String,
    pub place: Option<String>,
    pub video_url: Option<String>,
    pub created_by: UserId,
    pub kind: String,
    pub sphere_id: Option<SphereId>,
    pub video_room: bool,
}

/// Sessions a member attended (for activation analytics and checklists).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct TrainingAttendance {
    pub user_id: UserId,
    pub sessions: i64,
    pub first_attended_at: i64,
}

const EVENT_COLUMNS: &str = "e.id, e.org_id, e.kind, e.audience, e.title, e.description_md, e.description_html, \
     e.starts_at, e.ends_at, e.time_zone, e.place, e.video_url, e.capacity, e.series_id, e.created_by, \
     u.display_name AS organizer_name, e.created_at, \
     (SELECT COUNT(*) FROM event_registrations c WHERE c.event_id = e.id AND c.response = 'going') AS registered_count, \
     (SELECT COUNT(*) FROM event_registrations c WHERE c.event_id = e.id AND c.attended_at IS NOT NULL) AS attended_count, \
     (SELECT COUNT(*) FROM event_registrations c WHERE c.event_id = e.id AND c.response = 'walk_in') AS walk_in_count, \
     CASE WHEN r.response = 'going' THEN r.registered_at END AS my_registered_at, r.attended_at AS my_attended_at, \
     e.sphere_id, sp.name AS sphere_name, e.video_room, \
     (SELECT COUNT(*) FROM event_registrations c WHERE c.event_id = e.id AND c.response = 'maybe') AS maybe_count, \
     r.response AS my_response, e.sequence, e.updated_at, e.cancelled_at \
     FROM events e JOIN users u ON u.id = e.created_by LEFT JOIN spheres sp ON sp.id = e.sphere_id \
     LEFT JOIN event_registrations r ON r.event_id = e.id AND r.user_id = $1";

impl Db {
    /// Inserts events in one transaction: a series is created whole or not at all.
    pub async fn create_events(&self, items: &[NewEvent]) -> Result<Vec<Id>> {
        let ids: Vec<Id> = items.iter().map(|_| new_id()).collect();
        let none = crate::Effects::default();
        self.create_events_in(&ids, items, EventSetting::default(), &none)
            .await?;
        Ok(ids)
    }

    /// [`Db::create_events`] with the ids chosen by the caller, in a sphere and/or with a
    /// video room, and what the events cause.
    pub async fn create_events_in(
        &self,
        ids: &[Id],
        items: &[NewEvent],
        setting: EventSetting,
        effects: &crate::Effects,
    ) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            for (id, e) in ids.iter().zip(items) {
                sqlx::query("INSERT INTO events (id, org_id, sphere_id, kind, audience, title, description_md, description_html, \
                     starts_at, ends_at, time_zone, place, video_url, capacity, series_id, created_by, created_at, video_room) \
                     VALUES ($1, $2, $17, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $18)")
                    .bind(id).bind(e.org_id).bind(e.kind).bind(e.audience).bind(&e.title).bind(&e.description_md)
                    .bind(&e.description_html).bind(e.starts_at).bind(e.ends_at).bind(&e.time_zone).bind(&e.place)
                    .bind(&e.video_url).bind(e.capacity).bind(e.series_id).bind(e.created_by).bind(now)
                    .bind(setting.sphere_id).bind(setting.video_room).execute(&mut *tx).await?;
            }
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(())
    }

    /// The event as `viewer` sees it, if it belongs to `org_id`. Visibility (audience) is
    /// decided by the caller through the policy.
    pub async fn event_for(&self, org_id: OrgId, viewer: UserId, id: Id) -> Result<Option<Event>> {
        let sql = format!("SELECT {EVENT_COLUMNS} WHERE e.id = $2 AND e.org_id = $3");
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(viewer).bind(id).bind(org_id).fetch_optional(p).await)?,
        )
    }

    pub async fn list_events(
        &self,
        org_id: OrgId,
        viewer: UserId,
        f: EventFilter,
    ) -> Result<Vec<Event>> {
        let order = if f.upcoming {
            "e.starts_at ASC, e.id ASC"
        } else {
            "e.starts_at DESC, e.id DESC"
        };
        let sql = format!(
            "SELECT {EVENT_COLUMNS} WHERE e.org_id = $2 \
             AND ($3 = FALSE OR e.kind IN ('training', 'webinar')) \
             AND ($4 = TRUE OR e.audience = 'all') \
             AND ($5 = FALSE OR r.response IN ('going', 'maybe')) \
             AND (($6 = TRUE AND e.ends_at > $7) OR ($6 = FALSE AND e.ends_at <= $7)) \
             AND ($9 IS NULL OR e.sphere_id = $9) AND {readable} \
             ORDER BY {order} LIMIT $8",
            readable = sphere_readable("$1")
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql)).bind(viewer).bind(org_id).bind(f.training_only)
            .bind(f.champions).bind(f.mine).bind(f.upcoming).bind(f.now).bind(f.limit).bind(f.sphere).fetch_all(p).await)?,
        )
    }

    /// Registers `user_id` ("going") unless the event is full, with what the registration
    /// causes (written only if it happens).
    pub async fn register_for_event(
        &self,
        event_id: Id,
        user_id: UserId,
        effects: &crate::Effects,
    ) -> Result<Registration> {
        self.rsvp_event_with(event_id, user_id, "going", effects)
            .await
    }

    /// Records the person's answer (`going`, `maybe`, `not_going`). Only "going" takes a seat:
    /// it is refused when the event is full. The no-op UPDATE locks the event row (PostgreSQL)
    /// or takes the write lock (SQLite) first, so concurrent answers are serialized and the
    /// count-then-write cannot exceed the capacity.
    pub async fn rsvp_event(
        &self,
        event_id: Id,
        user_id: UserId,
        response: &str,
    ) -> Result<Registration> {
        self.rsvp_event_with(event_id, user_id, response, &crate::Effects::default())
            .await
    }

    /// [`Db::rsvp_event`] with what the answer causes, written only if it is recorded.
    pub async fn rsvp_event_with(
        &self,
        event_id: Id,
        user_id: UserId,
        response: &str,
        effects: &crate::Effects,
    ) -> Result<Registration> {
        let now = now_ms();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE events SET capacity = capacity WHERE id = $1")
                .bind(event_id).execute(&mut *tx).await?;
            let already: Option<String> = sqlx::query_scalar("SELECT response FROM event_registrations WHERE event_id = $1 AND user_id = $2")
                .bind(event_id).bind(user_id).fetch_optional(&mut *tx).await?;
            if already.as_deref() == Some(response) {
                tx.commit().await?;
                return Ok(Registration::AlreadyRegistered);
            }
            let cancelled: bool = sqlx::query_scalar("SELECT cancelled_at IS NOT NULL FROM events WHERE id = $1")
                .bind(event_id).fetch_one(&mut *tx).await?;
            if cancelled {
                tx.commit().await?;
                return Ok(Registration::Cancelled);
            }
            if response == "going" {
                let full: bool = sqlx::query_scalar("SELECT COALESCE(e.capacity IS NOT NULL AND (SELECT COUNT(*) FROM event_registrations c \
                     WHERE c.event_id = e.id AND c.response = 'going') >= e.capacity, FALSE) FROM events e WHERE e.id = $1")
                    .bind(event_id).fetch_one(&mut *tx).await?;
                if full {
                    tx.commit().await?;
                    return Ok(Registration::Full);
                }
            }
            sqlx::query("INSERT INTO event_registrations (event_id, user_id, registered_at, response) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (event_id, user_id) DO UPDATE SET response = excluded.response, registered_at = excluded.registered_at")
                .bind(event_id).bind(user_id).bind(now).bind(response).execute(&mut *tx).await?;
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(Registration::Registered)
        })?)
    }

    /// Applies an edit in one transaction: the row is locked first (as for RSVP) so the
    /// capacity check sees every "going" answer; a capacity below it changes nothing. A new
    /// start time re-arms the 24-hour reminders. `effects` are written with the edit.
    pub async fn update_event(
        &self,
        id: Id,
        c: &EventChange,
        effects: &crate::Effects,
    ) -> Result<EventUpdate> {
        let now = now_ms();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE events SET capacity = capacity WHERE id = $1")
                .bind(id).execute(&mut *tx).await?;
            let row: Option<(Option<i64>, i64)> = sqlx::query_as("SELECT cancelled_at, starts_at FROM events WHERE id = $1")
                .bind(id).fetch_optional(&mut *tx).await?;
            let Some((None, old_start)) = row else {
                tx.commit().await?;
                return Ok(EventUpdate::Unavailable);
            };
            if let Some(cap) = c.capacity {
                let going: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM event_registrations WHERE event_id = $1 AND response = 'going'")
                    .bind(id).fetch_one(&mut *tx).await?;
                if going > cap {
                    tx.commit().await?;
                    return Ok(EventUpdate::BelowGoing(going));
                }
            }
            sqlx::query("UPDATE events SET title = $2, description_md = $3, description_html = $4, starts_at = $5, ends_at = $6, \
                 time_zone = $7, place = $8, video_url = $9, video_room = $10, capacity = $11, \
                 sequence = sequence + $12, updated_at = $13 WHERE id = $1")
                .bind(id).bind(&c.title).bind(&c.description_md).bind(&c.description_html).bind(c.starts_at).bind(c.ends_at)
                .bind(&c.time_zone).bind(&c.place).bind(&c.video_url).bind(c.video_room).bind(c.capacity)
                .bind(i64::from(c.bump_sequence)).bind(now).execute(&mut *tx).await?;
            if old_start != c.starts_at {
                sqlx::query("UPDATE event_registrations SET reminder_sent_at = NULL WHERE event_id = $1")
                    .bind(id).execute(&mut *tx).await?;
            }
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(EventUpdate::Updated)
        })?)
    }

    /// Cancels an event (soft) with what the cancellation causes: `false` (nothing
    /// written) if it was already cancelled. SEQUENCE is incremented.
    pub async fn cancel_event(&self, id: Id, effects: &crate::Effects) -> Result<bool> {
        let now = now_ms();
        crate::outbox::one_row_with_effects!(
            self,
            sqlx::query(
                "UPDATE events SET cancelled_at = $2, updated_at = $2, sequence = sequence + 1 \
                 WHERE id = $1 AND cancelled_at IS NULL"
            )
            .bind(id)
            .bind(now),
            effects
        )
    }

    /// Those to tell about a change or a cancellation: active people who answered going or
    /// maybe and can still read the event's sphere (the same rule as the lists).
    pub async fn event_people_to_notify(&self, event_id: Id) -> Result<Vec<UserId>> {
        let readable = sphere_readable("r.user_id");
        let sql = format!(
            "SELECT r.user_id FROM event_registrations r JOIN events e ON e.id = r.event_id \
             JOIN users u ON u.id = r.user_id WHERE r.event_id = $1 AND r.response IN ('going', 'maybe') \
             AND u.status <> 'deactivated' AND {readable} ORDER BY r.user_id"
        );
        Ok(
            with_pool!(self, p => sqlx::query_scalar(AssertSqlSafe(sql.clone())).bind(event_id).fetch_all(p).await)?,
        )
    }

    /// `false` if the person was not registered.
    pub async fn unregister_from_event(&self, event_id: Id, user_id: UserId) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query("DELETE FROM event_registrations WHERE event_id = $1 AND user_id = $2")
            .bind(event_id).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    pub async fn event_registrants(&self, event_id: Id) -> Result<Vec<Registrant>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT r.user_id, u.display_name, u.email, r.registered_at, r.attended_at, r.response FROM event_registrations r \
             JOIN users u ON u.id = r.user_id WHERE r.event_id = $1 ORDER BY lower(u.display_name), u.id")
            .bind(event_id).fetch_all(p).await)?)
    }

    /// Records who attended: everyone in `attended` is marked present, keeping an earlier
    /// mark's time; other registrants are marked absent. Someone who came without registering
    /// gets a row answered `walk_in`, which takes no seat, and loses it when unmarked. One
    /// transaction.
    pub async fn set_event_attendance(&self, event_id: Id, attended: &[UserId]) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let registered: Vec<UserId> = sqlx::query_scalar("SELECT user_id FROM event_registrations WHERE event_id = $1")
                .bind(event_id).fetch_all(&mut *tx).await?;
            for u in registered.iter().filter(|u| !attended.contains(u)) {
                sqlx::query("DELETE FROM event_registrations WHERE event_id = $1 AND user_id = $2 AND response = 'walk_in'")
                    .bind(event_id).bind(u).execute(&mut *tx).await?;
                sqlx::query("UPDATE event_registrations SET attended_at = NULL WHERE event_id = $1 AND user_id = $2")
                    .bind(event_id).bind(u).execute(&mut *tx).await?;
            }
            for u in attended {
                sqlx::query("INSERT INTO event_registrations (event_id, user_id, registered_at, attended_at, response) VALUES ($1, $2, $3, $3, 'walk_in') \
                     ON CONFLICT (event_id, user_id) DO UPDATE SET attended_at = COALESCE(event_registrations.attended_at, excluded.attended_at)")
                    .bind(event_id).bind(u).bind(now).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(())
    }

    /// The reminders due at `now`: registrants (not declined, still active, still able to
    /// read the event's sphere) of events starting within a day who were not reminded yet.
    pub async fn due_event_reminders(&self, now: i64, limit: i64) -> Result<Vec<DueReminder>> {
        const DAY: i64 = 24 * 3600 * 1000;
        let sql = format!(
            "SELECT e.id AS event_id, u.id AS user_id, u.email, u.locale, e.title, e.starts_at, e.time_zone, e.place, \
             e.video_url, e.created_by, e.kind, e.sphere_id, e.video_room FROM event_registrations r \
             JOIN events e ON e.id = r.event_id JOIN users u ON u.id = r.user_id \
             WHERE r.reminder_sent_at IS NULL AND r.response <> 'not_going' AND e.starts_at > $1 \
             AND e.starts_at - $2 <= $1 AND e.cancelled_at IS NULL AND u.status <> 'deactivated' AND {readable} \
             ORDER BY e.starts_at, e.id, u.id LIMIT $3",
            readable = sphere_readable("u.id")
        );
        Ok(with_pool!(self, p => sqlx::query_as(AssertSqlSafe(sql))
            .bind(now).bind(DAY).bind(limit).fetch_all(p).await)?)
    }

    /// Marks one reminder sent and writes what it causes, in one transaction; answers false
    /// (writing nothing) when another process already did: each reminder goes out once.
    pub async fn claim_event_reminder(
        &self,
        event_id: Id,
        user_id: UserId,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<bool> {
        crate::outbox::one_row_with_effects!(
            self,
            sqlx::query(
                "UPDATE event_registrations SET reminder_sent_at = $3 WHERE event_id = $1 AND user_id = $2 \
                 AND reminder_sent_at IS NULL")
                .bind(event_id).bind(user_id).bind(now),
            effects
        )
    }

    /// Whether the person is a confirmed champion of the organization.
    pub async fn is_org_champion(&self, org_id: OrgId, user_id: UserId) -> Result<bool> {
        let n: i64 = with_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM champions WHERE org_id = $1 AND user_id = $2")
            .bind(org_id).bind(user_id).fetch_one(p).await)?;
        Ok(n > 0)
    }

    /// Per member, how many training sessions and webinars of the organization they attended.
    pub async fn training_attendance_by_user(
        &self,
        org_id: OrgId,
    ) -> Result<Vec<TrainingAttendance>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT r.user_id, COUNT(*) AS sessions, MIN(r.attended_at) AS first_attended_at \
             FROM event_registrations r JOIN events e ON e.id = r.event_id \
             WHERE e.org_id = $1 AND e.kind IN ('training', 'webinar') AND r.attended_at IS NOT NULL \
             GROUP BY r.user_id ORDER BY r.user_id")
            .bind(org_id).fetch_all(p).await)?)
    }
}
