//! Web Push: the server's key, the devices people turned push on for, and the pushes waiting
//! to go out. Pushes are queued by `write_effects!` with their notification (one per device
//! that wants the notification's topic) and sent like e-mail: claimed for a lease, retried
//! with backoff, dropped when the device is gone.
use crate::db::{Result, with_pool, with_writer};
use crate::{Db, now_ms};
use embarq_domain::push::{DEVICES_MAX, PushTopic, store_topics};
use embarq_domain::{Id, SphereId, UserId, new_id};

/// A device a person turned push on for.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PushDevice {
    pub id: Id,
    pub endpoint: String,
    /// What this device announces, as stored (`embarq_domain::push::stored_topics` reads it).
    pub topics: String,
    /// The browser as it described itself when subscribing.
    pub device: Option<String>,
    pub created_at: i64,
    pub last_sent_at: Option<i64>,
}

/// A push claimed by the sender, with what it needs to say and where to send it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueuedPush {
    pub notification_id: Id,
    pub subscription_id: Id,
    pub endpoint: String,
    pub p256dh: String,
    pub auth: String,
    pub kind: String,
    pub actor_name: Option<String>,
    pub sphere_name: Option<String>,
    pub link: Option<String>,
    pub post_id: Option<Id>,
    pub sphere_id: Option<SphereId>,
    pub locale: Option<String>,
    /// Read meanwhile: nothing to announce any more.
    pub read_at: Option<i64>,
    /// This one counts: 1 for the first.
    pub attempts: i64,
}

/// Queues, in the caller's transaction, a push of each notification of `$queued`
/// (`&[(Id, PushTopic)]`) to each device of its person that wants its topic: one statement
/// per topic and 500 notifications, so an announcement to thousands costs a few statements,
/// not one per person. A notification that was not stored (its category is off) joins nothing.
macro_rules! queue_pushes {
    ($tx:expr, $queued:expr, $now:expr) => {{
        let queued: &[(embarq_domain::Id, embarq_domain::push::PushTopic)] = $queued;
        for topic in embarq_domain::push::PushTopic::ALL {
            let ids: Vec<embarq_domain::Id> =
                queued.iter().filter(|(_, t)| t == topic).map(|(id, _)| *id).collect();
            for chunk in ids.chunks(500) {
                let mut qb = sqlx::QueryBuilder::new(
                    "INSERT INTO push_outbox (notification_id, subscription_id, status, attempts, next_attempt_at, claimed_until, created_at) \
                     SELECT n.id, s.id, 'pending', 0, ",
                );
                qb.push_bind($now).push(", 0, ").push_bind($now);
                qb.push(" FROM notifications n JOIN push_subscriptions s ON s.user_id = n.user_id AND s.topics LIKE ")
                    .push_bind(embarq_domain::push::topic_pattern(*topic))
                    .push(" WHERE n.id IN (");
                let mut ids = qb.separated(", ");
                for id in chunk {
                    ids.push_bind(*id);
                }
                ids.push_unseparated(")");
                qb.build().execute(&mut *$tx).await?;
            }
        }
    }};
}
pub(crate) use queue_pushes;

/// A query of a person's devices (`$1`), ending with `$rest`.
macro_rules! devices {
    ($rest:literal) => {
        concat!(
            "SELECT id, endpoint, topics, device, created_at, last_sent_at FROM push_subscriptions WHERE user_id = $1",
            $rest
        )
    };
}

impl Db {
    /// The value kept under `name`, made by `make` and kept if there is none yet. Of several
    /// processes starting at once, the first insert wins and all read its value.
    pub async fn instance_key(&self, name: &str, make: impl FnOnce() -> String) -> Result<String> {
        let found: Option<String> = with_pool!(self, p => sqlx::query_scalar(
            "SELECT value FROM instance_keys WHERE name = $1").bind(name).fetch_optional(p).await)?;
        if let Some(v) = found {
            return Ok(v);
        }
        let value = make();
        Ok(with_writer!(self, p => {
            sqlx::query("INSERT INTO instance_keys (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
                .bind(name).bind(&value).bind(now_ms()).execute(p).await?;
            sqlx::query_scalar("SELECT value FROM instance_keys WHERE name = $1").bind(name).fetch_one(p).await
        })?)
    }

    /// Registers (or takes over, when the browser's endpoint is known) a device of `user`;
    /// beyond [`DEVICES_MAX`] devices the oldest are forgotten. Answers the device's id.
    pub async fn save_push_device(
        &self,
        user: UserId,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
        topics: &[PushTopic],
        device: Option<&str>,
    ) -> Result<Id> {
        let now = now_ms();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            // A browser shared by two people keeps one endpoint: it follows whoever signed in last.
            let id: Id = sqlx::query_scalar(
                "INSERT INTO push_subscriptions (id, user_id, endpoint, p256dh, auth, topics, device, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
                 ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, p256dh = excluded.p256dh, \
                 auth = excluded.auth, topics = excluded.topics, device = excluded.device, created_at = excluded.created_at \
                 RETURNING id")
                .bind(new_id()).bind(user).bind(endpoint).bind(p256dh).bind(auth)
                .bind(store_topics(topics)).bind(device).bind(now)
                .fetch_one(&mut *tx).await?;
            sqlx::query(
                "DELETE FROM push_subscriptions WHERE user_id = $1 AND id NOT IN ( \
                   SELECT id FROM push_subscriptions WHERE user_id = $1 ORDER BY created_at DESC, id LIMIT $2)")
                .bind(user).bind(DEVICES_MAX).execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(id)
        })?)
    }

    /// The devices of `user`, the most recent first.
    pub async fn push_devices(&self, user: UserId) -> Result<Vec<PushDevice>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            devices!(" ORDER BY created_at DESC, id"))
            .bind(user).fetch_all(p).await)?)
    }

    /// Device `id`, if it is one of `user`'s.
    pub async fn push_device(&self, user: UserId, id: Id) -> Result<Option<PushDevice>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            devices!(" AND id = $2"))
            .bind(user).bind(id).fetch_optional(p).await)?)
    }

    /// Changes what device `id` of `user` announces; `false` when `user` has no such device.
    pub async fn set_push_topics(
        &self,
        user: UserId,
        id: Id,
        topics: &[PushTopic],
    ) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query(
            "UPDATE push_subscriptions SET topics = $3 WHERE id = $1 AND user_id = $2")
            .bind(id).bind(user).bind(store_topics(topics)).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Forgets device `id` of `user` and its waiting pushes; `false` when there was none.
    pub async fn delete_push_device(&self, user: UserId, id: Id) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query(
            "DELETE FROM push_subscriptions WHERE id = $1 AND user_id = $2")
            .bind(id).bind(user).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n == 1)
    }

    /// Claims up to `limit` pushes due at `now` for `lease_ms`, counting the attempt (the
    /// claim of [`Db::mail_claim_due`]: one conditional UPDATE, one sender per push).
    pub async fn push_claim_due(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<QueuedPush>> {
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let claimed: Vec<(Id, Id)> = sqlx::query_as(
                "UPDATE push_outbox SET claimed_until = $2, attempts = attempts + 1 \
                 WHERE (notification_id, subscription_id) IN ( \
                   SELECT notification_id, subscription_id FROM push_outbox \
                   WHERE status = 'pending' AND next_attempt_at <= $1 AND claimed_until < $1 \
                   ORDER BY next_attempt_at LIMIT $3) \
                 AND status = 'pending' AND claimed_until < $1 \
                 RETURNING notification_id, subscription_id")
                .bind(now).bind(now + lease_ms).bind(limit).fetch_all(&mut *tx).await?;
            let mut out: Vec<QueuedPush> = Vec::with_capacity(claimed.len());
            if !claimed.is_empty() {
                let mut qb = sqlx::QueryBuilder::new(
                    "SELECT n.id AS notification_id, s.id AS subscription_id, s.endpoint, s.p256dh, s.auth, \
                     n.kind, a.display_name AS actor_name, sp.name AS sphere_name, n.link, n.post_id, n.sphere_id, \
                     u.locale, n.read_at, o.attempts \
                     FROM push_outbox o JOIN notifications n ON n.id = o.notification_id \
                     JOIN push_subscriptions s ON s.id = o.subscription_id JOIN users u ON u.id = n.user_id \
                     LEFT JOIN users a ON a.id = n.actor_id LEFT JOIN spheres sp ON sp.id = n.sphere_id \
                     WHERE (o.notification_id, o.subscription_id) IN (VALUES ");
                let mut pairs = qb.separated(", ");
                for (nid, sid) in &claimed {
                    pairs.push("(").push_bind_unseparated(*nid).push_unseparated(", ")
                        .push_bind_unseparated(*sid).push_unseparated(")");
                }
                pairs.push_unseparated(")");
                out = qb.build_query_as().fetch_all(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(out)
        })?)
    }

    /// The push service took the push (or there is nothing to say any more): it leaves the
    /// outbox, and the device is known to work.
    pub async fn push_done(
        &self,
        notification: Id,
        subscription: Id,
        delivered: bool,
    ) -> Result<()> {
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("DELETE FROM push_outbox WHERE notification_id = $1 AND subscription_id = $2")
                .bind(notification).bind(subscription).execute(&mut *tx).await?;
            if delivered {
                sqlx::query("UPDATE push_subscriptions SET last_sent_at = $2 WHERE id = $1")
                    .bind(subscription).bind(now_ms()).execute(&mut *tx).await?;
            }
            tx.commit().await
        })?;
        Ok(())
    }

    /// A failed attempt: tried again at `retry`, or given up (`None`).
    pub async fn push_failed(
        &self,
        notification: Id,
        subscription: Id,
        retry: Option<i64>,
        error: &str,
    ) -> Result<()> {
        with_writer!(self, p => sqlx::query(
            "UPDATE push_outbox SET status = CASE WHEN $3 IS NULL THEN 'failed' ELSE 'pending' END, \
             next_attempt_at = COALESCE($3, next_attempt_at), claimed_until = 0, last_error = $4 \
             WHERE notification_id = $1 AND subscription_id = $2")
            .bind(notification).bind(subscription).bind(retry).bind(error).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The push service says the device is gone (404, 410): it is forgotten with its pushes.
    pub async fn push_device_gone(&self, subscription: Id) -> Result<()> {
        with_writer!(self, p => sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
            .bind(subscription).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// Drops given-up pushes older than `age_ms`.
    pub async fn prune_push_outbox(&self, age_ms: i64) -> Result<u64> {
        Ok(with_writer!(self, p => sqlx::query(
            "DELETE FROM push_outbox WHERE status = 'failed' AND created_at < $1")
            .bind(now_ms() - age_ms).execute(p).await.map(|r| r.rows_affected()))?)
    }
}
