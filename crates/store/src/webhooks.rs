//! Webhooks: subscriptions, the delivery outbox (claimed atomically by the jobs task so two
//! processes never send one delivery twice) and the log of attempts.
use crate::Db;
use crate::db::{Result, with_pool};
use embarq_domain::{Id, new_id};
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Webhook {
    pub id: Id,
    pub org_id: Id,
    pub url: String,
    #[serde(skip)]
    pub secret: String,
    pub events: String,
    pub active: i64,
    pub created_at: i64,
}

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct WebhookDelivery {
    pub id: Id,
    pub webhook_id: Id,
    pub event_type: String,
    pub payload: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub created_at: i64,
    pub delivered_at: Option<i64>,
    pub last_status_code: Option<i64>,
    pub last_duration_ms: Option<i64>,
    pub last_error: Option<String>,
}

/// A delivery claimed for sending, with its subscription's URL and secret.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub id: Id,
    pub webhook_id: Id,
    pub event_type: String,
    pub payload: String,
    pub attempts: i64,
    pub url: String,
    pub secret: String,
}

const DELIVERY_COLS: &str = "d.id, d.webhook_id, d.event_type, d.payload, d.status, d.attempts, d.next_attempt_at, \
     d.created_at, d.delivered_at, \
     (SELECT a.status_code FROM webhook_attempts a WHERE a.delivery_id = d.id ORDER BY a.attempt DESC LIMIT 1) AS last_status_code, \
     (SELECT a.duration_ms FROM webhook_attempts a WHERE a.delivery_id = d.id ORDER BY a.attempt DESC LIMIT 1) AS last_duration_ms, \
     (SELECT a.error FROM webhook_attempts a WHERE a.delivery_id = d.id ORDER BY a.attempt DESC LIMIT 1) AS last_error";

impl Db {
    pub async fn webhook_create(
        &self,
        org_id: Id,
        url: &str,
        secret: &str,
        events: &str,
        created_by: Id,
        now: i64,
    ) -> Result<Id> {
        let id = new_id();
        with_pool!(self, p => sqlx::query(
            "INSERT INTO webhooks (id, org_id, url, secret, events, active, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7)")
            .bind(id).bind(org_id).bind(url).bind(secret).bind(events).bind(created_by).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(id)
    }

    pub async fn webhooks_of_org(&self, org_id: Id) -> Result<Vec<Webhook>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, org_id, url, secret, events, active, created_at FROM webhooks WHERE org_id = $1 ORDER BY created_at")
            .bind(org_id).fetch_all(p).await)?)
    }

    pub async fn webhook(&self, org_id: Id, id: Id) -> Result<Option<Webhook>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, org_id, url, secret, events, active, created_at FROM webhooks WHERE org_id = $1 AND id = $2")
            .bind(org_id).bind(id).fetch_optional(p).await)?)
    }

    pub async fn webhook_delete(&self, org_id: Id, id: Id) -> Result<bool> {
        let n = with_pool!(self, p => sqlx::query("DELETE FROM webhooks WHERE org_id = $1 AND id = $2")
            .bind(org_id).bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// Writes one outbox row per active subscription of the organization to `event_type`
    /// (`force_webhook`: only that subscription, whatever its events: test pings).
    /// Returns the deliveries' ids.
    pub async fn webhook_enqueue(
        &self,
        org_id: Id,
        event_type: &str,
        payload_for: impl Fn(Id) -> String,
        force_webhook: Option<Id>,
        now: i64,
    ) -> Result<Vec<Id>> {
        let hooks = self.webhooks_of_org(org_id).await?;
        let mut ids = Vec::new();
        for h in hooks {
            let wanted = match force_webhook {
                Some(w) => w == h.id,
                None => h.active == 1 && h.events.split(',').any(|e| e.trim() == event_type),
            };
            if !wanted {
                continue;
            }
            let id = new_id();
            with_pool!(self, p => sqlx::query(
                "INSERT INTO webhook_deliveries (id, webhook_id, event_type, payload, status, attempts, next_attempt_at, claimed_until, created_at) \
                 VALUES ($1, $2, $3, $4, 'pending', 0, $5, 0, $5)")
                .bind(id).bind(h.id).bind(event_type).bind(payload_for(id)).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
            ids.push(id);
        }
        Ok(ids)
    }

    /// Claims up to `limit` pending deliveries due at `now` for `lease_ms`: one UPDATE ...
    /// WHERE claimed_until < now RETURNING, so each delivery goes to exactly one process.
    pub async fn webhook_claim_due(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>> {
        let ids: Vec<(Id,)> = with_pool!(self, p => sqlx::query_as(
            "UPDATE webhook_deliveries SET claimed_until = $2 WHERE id IN ( \
               SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 AND claimed_until < $1 \
               ORDER BY next_attempt_at LIMIT $3) \
             AND status = 'pending' AND claimed_until < $1 RETURNING id")
            .bind(now).bind(now + lease_ms).bind(limit).fetch_all(p).await)?;
        let mut out = Vec::with_capacity(ids.len());
        for (id,) in ids {
            let row: Option<ClaimedDelivery> = with_pool!(self, p => sqlx::query_as(
                "SELECT d.id, d.webhook_id, d.event_type, d.payload, d.attempts, w.url, w.secret \
                 FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id WHERE d.id = $1")
                .bind(id).fetch_optional(p).await)?;
            out.extend(row);
        }
        Ok(out)
    }

    /// Records one attempt and the delivery's new state (`next_attempt_at` None: final).
    #[allow(clippy::too_many_arguments)]
    pub async fn webhook_record_attempt(
        &self,
        delivery_id: Id,
        attempt: i64,
        now: i64,
        status_code: Option<i64>,
        duration_ms: i64,
        error: Option<&str>,
        status: &str,
        next_attempt_at: i64,
    ) -> Result<()> {
        with_pool!(self, p => {
            let mut tx = p.begin().await?;
            sqlx::query("INSERT INTO webhook_attempts (id, delivery_id, attempt, at, status_code, duration_ms, error) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(new_id()).bind(delivery_id).bind(attempt).bind(now).bind(status_code).bind(duration_ms).bind(error)
                .execute(&mut *tx).await?;
            sqlx::query("UPDATE webhook_deliveries SET attempts = $2, status = $3, next_attempt_at = $4, claimed_until = 0, \
                         delivered_at = CASE WHEN $3 = 'delivered' THEN $5 ELSE delivered_at END WHERE id = $1")
                .bind(delivery_id).bind(attempt).bind(status).bind(next_attempt_at).bind(now)
                .execute(&mut *tx).await?;
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(())
    }

    /// Puts a delivery of the organization back in the queue (the "redeliver" action).
    pub async fn webhook_redeliver(&self, org_id: Id, delivery_id: Id, now: i64) -> Result<bool> {
        let n = with_pool!(self, p => sqlx::query(
            "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = $3, claimed_until = 0 \
             WHERE id = $2 AND webhook_id IN (SELECT id FROM webhooks WHERE org_id = $1)")
            .bind(org_id).bind(delivery_id).bind(now).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(n > 0)
    }

    /// The latest deliveries of a subscription (the delivery log), newest first.
    pub async fn webhook_deliveries(
        &self,
        webhook_id: Id,
        limit: i64,
    ) -> Result<Vec<WebhookDelivery>> {
        let sql = format!(
            "SELECT {DELIVERY_COLS} FROM webhook_deliveries d WHERE d.webhook_id = $1 ORDER BY d.created_at DESC, d.id DESC LIMIT $2"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(webhook_id).bind(limit).fetch_all(p).await)?,
        )
    }
}
