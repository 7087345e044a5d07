//! Webhooks: subscriptions, the delivery outbox (claimed atomically by the jobs task so two
//! processes never send one delivery twice) and the log of attempts.
use crate::Db;
use crate::db::{Result, with_pool, with_writer};
use embarq_domain::UserId;
use embarq_domain::{Id, OrgId, new_id};
use serde::Serialize;

#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct Webhook {
    pub id: Id,
    pub org_id: OrgId,
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

/// One attempt of a delivery (the delivery log's detail).
#[derive(Debug, Clone, sqlx::FromRow, Serialize)]
pub struct WebhookAttempt {
    pub attempt: i64,
    pub at: i64,
    pub status_code: Option<i64>,
    pub duration_ms: i64,
    pub error: Option<String>,
    /// When the delivery was due again after this attempt (None: delivered, given up, or
    /// recorded before this was kept).
    pub next_attempt_at: Option<i64>,
}

/// The rollout phase last announced for an organization with a plan.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PhaseSeen {
    pub org_id: OrgId,
    /// None: not known yet (a plan older than the announcements).
    pub phase: Option<String>,
    /// 0: no row yet (a new plan).
    pub known: i64,
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

impl Webhook {
    /// Whether a new event of this type is queued for this subscription (active and subscribed).
    pub fn wants(&self, event_type: &str) -> bool {
        self.active == 1 && self.events.split(',').any(|e| e.trim() == event_type)
    }
}

const DELIVERY_COLS: &str = "d.id, d.webhook_id, d.event_type, d.payload, d.status, d.attempts, d.next_attempt_at, \
     d.created_at, d.delivered_at, \
     (SELECT a.status_code FROM webhook_attempts a WHERE a.delivery_id = d.id ORDER BY a.attempt DESC LIMIT 1) AS last_status_code, \
     (SELECT a.duration_ms FROM webhook_attempts a WHERE a.delivery_id = d.id ORDER BY a.attempt DESC LIMIT 1) AS last_duration_ms, \
     (SELECT a.error FROM webhook_attempts a WHERE a.delivery_id = d.id ORDER BY a.attempt DESC LIMIT 1) AS last_error";

impl Db {
    pub async fn webhook_create(
        &self,
        org_id: OrgId,
        url: &str,
        secret: &str,
        events: &str,
        created_by: UserId,
        effects_of: impl FnOnce(Id) -> crate::Effects,
    ) -> Result<Id> {
        let id = new_id();
        let now = crate::now_ms();
        let effects = effects_of(id);
        crate::outbox::one_row_with_effects!(self, sqlx::query(
            "INSERT INTO webhooks (id, org_id, url, secret, events, active, created_by, created_at) VALUES ($1, $2, $3, $4, $5, 1, $6, $7)")
            .bind(id).bind(org_id).bind(url).bind(secret).bind(events).bind(created_by).bind(now), &effects)?;
        Ok(id)
    }

    pub async fn webhooks_of_org(&self, org_id: OrgId) -> Result<Vec<Webhook>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, org_id, url, secret, events, active, created_at FROM webhooks WHERE org_id = $1 ORDER BY created_at")
            .bind(org_id).fetch_all(p).await)?)
    }

    pub async fn webhook(&self, org_id: OrgId, id: Id) -> Result<Option<Webhook>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, org_id, url, secret, events, active, created_at FROM webhooks WHERE org_id = $1 AND id = $2")
            .bind(org_id).bind(id).fetch_optional(p).await)?)
    }

    /// Deletes a subscription with what it causes; `false` when there is none (nothing
    /// written).
    pub async fn webhook_delete(
        &self,
        org_id: OrgId,
        id: Id,
        effects: &crate::Effects,
    ) -> Result<bool> {
        self.delete_owned("webhooks", "id", org_id, id, effects)
            .await
    }

    /// Claims up to `limit` pending deliveries due at `now` for `lease_ms`: one UPDATE ...
    /// WHERE claimed_until < now RETURNING, so each delivery goes to exactly one process.
    pub async fn webhook_claim_due(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<ClaimedDelivery>> {
        let ids: Vec<(Id,)> = with_writer!(self, p => sqlx::query_as(
            "UPDATE webhook_deliveries SET claimed_until = $2 WHERE id IN ( \
               SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 AND claimed_until < $1 \
               AND webhook_id IN (SELECT id FROM webhooks WHERE active = 1) ORDER BY next_attempt_at LIMIT $3) \
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
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO webhook_attempts (id, delivery_id, attempt, at, status_code, duration_ms, error, next_attempt_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(new_id()).bind(delivery_id).bind(attempt).bind(now).bind(status_code).bind(duration_ms).bind(error)
                .bind((status == "pending").then_some(next_attempt_at))
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
    pub async fn webhook_redeliver(
        &self,
        org_id: OrgId,
        delivery_id: Id,
        now: i64,
    ) -> Result<bool> {
        let n = with_writer!(self, p => sqlx::query(
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

    /// One delivery of a subscription of the organization.
    pub async fn webhook_delivery(
        &self,
        org_id: OrgId,
        webhook_id: Id,
        delivery_id: Id,
    ) -> Result<Option<WebhookDelivery>> {
        let sql = format!(
            "SELECT {DELIVERY_COLS} FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
             WHERE d.id = $1 AND d.webhook_id = $2 AND w.org_id = $3"
        );
        Ok(
            with_pool!(self, p => sqlx::query_as(sqlx::AssertSqlSafe(sql.clone()))
            .bind(delivery_id).bind(webhook_id).bind(org_id).fetch_optional(p).await)?,
        )
    }

    /// Every attempt of a delivery, first first.
    pub async fn webhook_attempts(&self, delivery_id: Id) -> Result<Vec<WebhookAttempt>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT attempt, at, status_code, duration_ms, error, next_attempt_at FROM webhook_attempts \
             WHERE delivery_id = $1 ORDER BY attempt, at")
            .bind(delivery_id).fetch_all(p).await)?)
    }

    /// Pauses (`active` false) or resumes a subscription. None: no such subscription;
    /// Some(false): it already was in that state.
    pub async fn webhook_set_active(
        &self,
        org_id: OrgId,
        id: Id,
        active: bool,
        effects: &crate::Effects,
    ) -> Result<Option<bool>> {
        let active = i64::from(active);
        let changed = crate::outbox::one_row_with_effects!(
            self,
            sqlx::query(
                "UPDATE webhooks SET active = $3 WHERE org_id = $1 AND id = $2 AND active <> $3"
            )
            .bind(org_id)
            .bind(id)
            .bind(active),
            effects
        )?;
        if changed {
            return Ok(Some(true));
        }
        Ok(self.webhook(org_id, id).await?.map(|_| false))
    }

    /// Organizations with a rollout plan and the phase last announced for each.
    pub async fn rollout_phases_seen(&self) -> Result<Vec<PhaseSeen>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT p.org_id, a.phase, CAST(CASE WHEN a.org_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS known \
             FROM rollout_plans p LEFT JOIN rollout_phase_announced a ON a.org_id = p.org_id ORDER BY p.org_id")
            .fetch_all(p).await)?)
    }

    /// Moves the organization's announced phase from what `seen` read to `phase`, and writes
    /// `effects` (the announcement, if any), in one transaction. The move is conditional on
    /// the row still holding what `seen` read, so of two processes only one wins; answers
    /// None when this one lost, else the deliveries.
    pub async fn rollout_phase_advance(
        &self,
        seen: &PhaseSeen,
        phase: &str,
        now: i64,
        effects: &crate::Effects,
    ) -> Result<Option<Vec<Id>>> {
        let org_id = seen.org_id;
        let ids = with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = if seen.known == 0 {
                sqlx::query("INSERT INTO rollout_phase_announced (org_id, phase, announced_at) VALUES ($1, $2, $3) \
                             ON CONFLICT (org_id) DO NOTHING")
                    .bind(org_id).bind(phase).bind(now).execute(&mut *tx).await?.rows_affected()
            } else if let Some(old) = &seen.phase {
                sqlx::query("UPDATE rollout_phase_announced SET phase = $2, announced_at = $3 WHERE org_id = $1 AND phase = $4")
                    .bind(org_id).bind(phase).bind(now).bind(old).execute(&mut *tx).await?.rows_affected()
            } else {
                sqlx::query("UPDATE rollout_phase_announced SET phase = $2, announced_at = $3 WHERE org_id = $1 AND phase IS NULL")
                    .bind(org_id).bind(phase).bind(now).execute(&mut *tx).await?.rows_affected()
            };
            if n == 0 {
                return Ok(None);
            }
            let ids = crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(ids)
        })?;
        Ok(Some(ids))
    }
}
