//! Video meetings: rooms opened on demand for a sphere or an event, the participants of a
//! built-in (WebRTC) room, their signalling inboxes and each organization's provider. Every
//! server process reads and writes the same rows, so several processes behave as one: the
//! capacity is enforced in a transaction that locks the room, and a signalling message waits
//! in its addressee's inbox until the process holding that WebSocket delivers it.
use crate::db::{Result, StoreError, with_pool, with_writer};
use crate::{Db, dialect, now_ms};
use embarq_domain::{Id, OrgId, new_id};
use embarq_domain::{SphereId, UserId};
use serde::Serialize;

/// A room as stored; exactly one of `sphere_id` and `event_id` is set.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct VideoRoom {
    pub id: Id,
    pub org_id: OrgId,
    pub sphere_id: Option<SphereId>,
    pub event_id: Option<Id>,
    pub slug: String,
    pub created_at: i64,
    pub last_used_at: i64,
}

/// Someone in a built-in room right now.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow, Serialize)]
pub struct VideoParticipant {
    pub peer_id: Id,
    pub user_id: UserId,
    pub display_name: String,
    pub joined_at: i64,
}

/// A signalling message delivered to a peer.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct VideoSignal {
    pub seq: i64,
    pub from_peer: Id,
    pub body: String,
}

/// An organization's provider: `builtin`, or `external` with its URL template.
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct VideoSettings {
    pub provider: String,
    pub url_template: Option<String>,
    pub updated_at: i64,
}

/// What a room belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoomOwner {
    Sphere(SphereId),
    Event(Id),
}

/// The outcome of asking to enter a built-in room.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinOutcome {
    /// In; the others already there (oldest first).
    Joined(Vec<VideoParticipant>),
    /// The room already holds the maximum.
    Full,
}

const ROOM_COLUMNS: &str = "id, org_id, sphere_id, event_id, slug, created_at, last_used_at";

impl Db {
    /// The room of a sphere or event, created on first use (concurrent first uses agree on one).
    pub async fn video_room_for(
        &self,
        org_id: OrgId,
        owner: RoomOwner,
        slug: &str,
        created_by: UserId,
    ) -> Result<VideoRoom> {
        if let Some(r) = self.video_room_of(org_id, owner).await? {
            return Ok(r);
        }
        let (sphere_id, event_id) = match owner {
            RoomOwner::Sphere(s) => (Some(s), None),
            RoomOwner::Event(e) => (None, Some(e)),
        };
        let now = now_ms();
        let inserted = with_writer!(self, p => sqlx::query(
            "INSERT INTO video_rooms (id, org_id, sphere_id, event_id, slug, created_by, created_at, last_used_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)")
            .bind(new_id()).bind(org_id).bind(sphere_id).bind(event_id).bind(slug).bind(created_by).bind(now)
            .execute(p).await.map(|_| ()));
        match inserted {
            Ok(()) => {}
            // Someone else opened it at the same moment: theirs is the room.
            Err(e) => match StoreError::on_unique(e, "video_room") {
                StoreError::Conflict(_) => {}
                other => return Err(other),
            },
        }
        self.video_room_of(org_id, owner)
            .await?
            .ok_or(StoreError::Conflict("video_room"))
    }

    /// The existing room of a sphere or event of this organization.
    pub async fn video_room_of(
        &self,
        org_id: OrgId,
        owner: RoomOwner,
    ) -> Result<Option<VideoRoom>> {
        let (column, id) = match owner {
            RoomOwner::Sphere(s) => ("sphere_id", s.0),
            RoomOwner::Event(e) => ("event_id", e),
        };
        let sql =
            format!("SELECT {ROOM_COLUMNS} FROM video_rooms WHERE org_id = $1 AND {column} = $2");
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(org_id).bind(id).fetch_optional(p).await)?,
        )
    }

    /// A room of this organization by id.
    pub async fn video_room(&self, org_id: OrgId, room_id: Id) -> Result<Option<VideoRoom>> {
        let sql = format!("SELECT {ROOM_COLUMNS} FROM video_rooms WHERE org_id = $1 AND id = $2");
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(org_id).bind(room_id).fetch_optional(p).await)?,
        )
    }

    /// Enters a built-in room unless it already holds `max` live participants. The room row
    /// is locked first (PostgreSQL row lock, SQLite write lock), so concurrent joins through
    /// any number of server processes never exceed `max`. Participants not seen since
    /// `stale_before` (their server process died) are dropped on the way.
    pub async fn video_join(
        &self,
        room_id: Id,
        peer_id: Id,
        user_id: UserId,
        display_name: &str,
        max: i64,
        stale_before: i64,
    ) -> Result<JoinOutcome> {
        let now = now_ms();
        let joined = with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE video_rooms SET last_used_at = $2 WHERE id = $1")
                .bind(room_id).bind(now).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM video_participants WHERE room_id = $1 AND seen_at < $2")
                .bind(room_id).bind(stale_before).execute(&mut *tx).await?;
            let n = sqlx::query(
                "INSERT INTO video_participants (peer_id, room_id, user_id, display_name, joined_at, seen_at) \
                 SELECT $1, $2, $3, $4, $5, $5 \
                 WHERE (SELECT COUNT(*) FROM video_participants WHERE room_id = $2) < $6")
                .bind(peer_id).bind(room_id).bind(user_id).bind(display_name).bind(now).bind(max)
                .execute(&mut *tx).await?.rows_affected();
            tx.commit().await?;
            Ok::<_, sqlx::Error>(n == 1)
        })?;
        if !joined {
            return Ok(JoinOutcome::Full);
        }
        let others = self
            .video_participants(room_id)
            .await?
            .into_iter()
            .filter(|p| p.peer_id != peer_id)
            .collect();
        Ok(JoinOutcome::Joined(others))
    }

    /// The participants of a room, oldest first.
    pub async fn video_participants(&self, room_id: Id) -> Result<Vec<VideoParticipant>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT peer_id, user_id, display_name, joined_at FROM video_participants \
             WHERE room_id = $1 ORDER BY joined_at, peer_id")
            .bind(room_id).fetch_all(p).await)?)
    }

    /// How many people are in a room (not counting those not seen since `stale_before`).
    pub async fn video_participant_count(&self, room_id: Id, stale_before: i64) -> Result<i64> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM video_participants WHERE room_id = $1 AND seen_at >= $2")
            .bind(room_id).bind(stale_before).fetch_one(p).await)?)
    }

    /// A heartbeat; `false` if the participant is gone (dropped as stale by another process).
    pub async fn video_touch(&self, peer_id: Id) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query("UPDATE video_participants SET seen_at = $2 WHERE peer_id = $1")
            .bind(peer_id).bind(now_ms()).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Leaves a room (its undelivered messages go with it).
    pub async fn video_leave(&self, peer_id: Id) -> Result<()> {
        with_writer!(self, p => sqlx::query("DELETE FROM video_participants WHERE peer_id = $1")
            .bind(peer_id).execute(p).await.map(|_| ()))?;
        Ok(())
    }

    /// Queues `body` for `to` (or, with `None`, for everyone in the room but the sender) and
    /// wakes the processes holding their WebSockets. Returns how many peers it was queued for
    /// (0: the addressee is not in the room).
    pub async fn video_send(
        &self,
        room_id: Id,
        from: Id,
        to: Option<Id>,
        body: &str,
    ) -> Result<u64> {
        let n = with_writer!(self, p => sqlx::query(
            "INSERT INTO video_signals (room_id, to_peer, from_peer, body, created_at) \
             SELECT room_id, peer_id, $2, $4, $5 FROM video_participants \
             WHERE room_id = $1 AND peer_id <> $2 AND ($3 IS NULL OR peer_id = $3)")
            .bind(room_id).bind(from).bind(to).bind(body).bind(now_ms())
            .execute(p).await.map(|r| r.rows_affected()))?;
        if n > 0 {
            dialect::notify_video(self, room_id).await?;
        }
        Ok(n)
    }

    /// Takes the messages waiting for `peer_id`, oldest first (each is delivered once).
    pub async fn video_take(&self, peer_id: Id) -> Result<Vec<VideoSignal>> {
        let mut v: Vec<VideoSignal> = with_writer!(self, p => sqlx::query_as(
            "DELETE FROM video_signals WHERE to_peer = $1 RETURNING seq, from_peer, body")
            .bind(peer_id).fetch_all(p).await)?;
        v.sort_by_key(|s| s.seq);
        Ok(v)
    }

    /// The organization's provider, if a manager ever chose one.
    pub async fn video_settings(&self, org_id: OrgId) -> Result<Option<VideoSettings>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT provider, url_template, updated_at FROM video_settings WHERE org_id = $1")
            .bind(org_id).fetch_optional(p).await)?)
    }

    pub async fn set_video_settings(
        &self,
        org_id: OrgId,
        provider: &str,
        url_template: Option<&str>,
        by: UserId,
        effects: &crate::Effects,
    ) -> Result<()> {
        crate::outbox::one_row_with_effects!(self, sqlx::query(
            "INSERT INTO video_settings (org_id, provider, url_template, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (org_id) DO UPDATE SET provider = excluded.provider, \
             url_template = excluded.url_template, updated_by = excluded.updated_by, updated_at = excluded.updated_at")
            .bind(org_id).bind(provider).bind(url_template).bind(by).bind(now_ms()), effects)?;
        Ok(())
    }
}
