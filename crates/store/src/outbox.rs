//! The transactional outbox. What a change causes beyond itself (notifications, live events,
//! webhook deliveries, e-mails, its audit entry) is written by `write_effects!` in the change's own
//! transaction: a change is never kept without its effects, nor an effect without its
//! change, whenever the process stops. Notifications, live events and webhook deliveries are
//! rows their readers already follow (the live router, the webhook sender); e-mails wait in
//! `mail_outbox` for the mail sender (`embarq_app::outbox`), which claims them one by one.
use crate::db::{Result, with_pool, with_writer};
use crate::models::NewNotification;
use crate::{Db, now_ms};
use embarq_domain::{Id, OrgId};
use embarq_domain::{SphereId, UserId};

/// Everything a change causes, written with it.
#[derive(Debug, Clone, Default)]
pub struct Effects {
    /// Stored unless the recipient turned the category off.
    pub notifications: Vec<NewNotification>,
    pub live: Vec<NewLive>,
    pub webhooks: Vec<WebhookEvent>,
    pub mails: Vec<NewMail>,
    /// Entries of the audit log recording the change.
    pub audit: Vec<crate::NewAudit>,
}

impl Effects {
    pub fn is_empty(&self) -> bool {
        self.notifications.is_empty()
            && self.live.is_empty()
            && self.webhooks.is_empty()
            && self.mails.is_empty()
            && self.audit.is_empty()
    }

    /// Adds what `other` causes to this.
    pub fn extend(&mut self, other: Effects) {
        self.notifications.extend(other.notifications);
        self.live.extend(other.live);
        self.webhooks.extend(other.webhooks);
        self.mails.extend(other.mails);
        self.audit.extend(other.audit);
    }

    /// One e-mail.
    pub fn mail(to: &str, subject: String, text: String) -> Self {
        Self {
            mails: vec![NewMail {
                to: to.to_string(),
                subject,
                text,
                html: None,
            }],
            ..Self::default()
        }
    }

    /// One webhook event for the organization's subscriptions to it.
    pub fn webhook(org_id: OrgId, event_type: &str, data: serde_json::Value) -> Self {
        Self {
            webhooks: vec![WebhookEvent {
                org_id,
                event_type: event_type.to_string(),
                data,
                only: None,
            }],
            ..Self::default()
        }
    }
}

/// A live event: for one person (`user_id`) or for a sphere's members (`sphere_id`).
#[derive(Debug, Clone)]
pub struct NewLive {
    pub user_id: Option<UserId>,
    pub sphere_id: Option<SphereId>,
    pub kind: &'static str,
    pub ref_id: Option<Id>,
}

impl NewLive {
    /// One event per person.
    pub fn personal(users: &[UserId], kind: &'static str, ref_id: Option<Id>) -> Vec<Self> {
        users
            .iter()
            .map(|u| Self {
                user_id: Some(*u),
                sphere_id: None,
                kind,
                ref_id,
            })
            .collect()
    }

    /// One event for everyone in the sphere, whatever its size.
    pub fn sphere(sphere: SphereId, kind: &'static str, ref_id: Option<Id>) -> Self {
        Self {
            user_id: None,
            sphere_id: Some(sphere),
            kind,
            ref_id,
        }
    }
}

/// A webhook event: one delivery per active subscription of the organization to its type, or
/// to the one subscription `only` whatever its events (test pings).
#[derive(Debug, Clone)]
pub struct WebhookEvent {
    pub org_id: OrgId,
    pub event_type: String,
    pub data: serde_json::Value,
    pub only: Option<Id>,
}

/// An e-mail, rendered in its recipient's language.
#[derive(Debug, Clone)]
pub struct NewMail {
    pub to: String,
    pub subject: String,
    pub text: String,
    /// An HTML alternative to the text.
    pub html: Option<String>,
}

/// An e-mail claimed by the sender; `attempts` counts this one.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct QueuedMail {
    pub id: Id,
    pub recipient: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: Option<String>,
    pub attempts: i64,
}

/// An e-mail still in the outbox (waiting, being sent, or given up), for operators and tests.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct OutboxMail {
    pub id: Id,
    pub recipient: String,
    pub subject: String,
    pub status: String,
    pub attempts: i64,
    pub next_attempt_at: i64,
    pub last_error: Option<String>,
}

/// The JSON body of a webhook delivery.
pub fn webhook_payload(id: Id, event_type: &str, now: i64, data: &serde_json::Value) -> String {
    serde_json::json!({"id": id, "type": event_type, "created_at": now, "data": data}).to_string()
}

pub(crate) const INSERT_NOTIFICATION: &str = "INSERT INTO notifications (id, user_id, kind, actor_id, sphere_id, post_id, conversation_id, link, created_at) \
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9 WHERE NOT EXISTS (SELECT 1 FROM notification_prefs \
       WHERE user_id = $2 AND category = $10 AND channel = 'off')";
pub(crate) const INSERT_DELIVERY: &str = "INSERT INTO webhook_deliveries (id, webhook_id, event_type, payload, status, attempts, next_attempt_at, claimed_until, created_at) \
     VALUES ($1, $2, $3, $4, 'pending', 0, $5, 0, $5)";
pub(crate) const INSERT_MAIL: &str = "INSERT INTO mail_outbox (id, recipient, subject, body_text, body_html, status, attempts, next_attempt_at, claimed_until, created_at) \
     VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, 0, $6)";

/// Writes `$effects` (`&Effects`) in the caller's transaction `$tx`; evaluates to the ids of
/// the webhook deliveries queued. Webhook deliveries are dated `$now` (a scheduled task's
/// instant); notifications, live events and e-mails by the clock, since they happen now.
macro_rules! write_effects {
    ($tx:expr, $effects:expr, $now:expr) => {{
        let effects: &$crate::outbox::Effects = $effects;
        let now: i64 = $now;
        let clock = $crate::now_ms();
        let mut pushes = Vec::new();
        for n in &effects.notifications {
            let category = embarq_domain::moderation::category(n.kind).as_str();
            let id = embarq_domain::new_id();
            sqlx::query($crate::outbox::INSERT_NOTIFICATION)
                .bind(id).bind(n.user_id).bind(n.kind).bind(n.actor_id)
                .bind(n.sphere_id).bind(n.post_id).bind(n.conversation_id).bind(&n.link).bind(clock)
                .bind(category).execute(&mut *$tx).await?;
            pushes.extend(embarq_domain::push::topic(n.kind).map(|t| (id, t)));
        }
        $crate::push::queue_pushes!($tx, &pushes, clock);
        for l in &effects.live {
            sqlx::query($crate::live::INSERT_LIVE)
                .bind(l.user_id).bind(l.sphere_id).bind(l.kind).bind(l.ref_id).bind(clock)
                .execute(&mut *$tx).await?;
        }
        let mut deliveries: Vec<embarq_domain::Id> = Vec::new();
        for w in &effects.webhooks {
            let hooks: Vec<$crate::Webhook> = sqlx::query_as(
                "SELECT id, org_id, url, secret, events, active, created_at FROM webhooks WHERE org_id = $1 ORDER BY created_at")
                .bind(w.org_id).fetch_all(&mut *$tx).await?;
            for h in hooks {
                let wanted = match w.only {
                    Some(only) => only == h.id,
                    None => h.wants(&w.event_type),
                };
                if !wanted {
                    continue;
                }
                let id = embarq_domain::new_id();
                sqlx::query($crate::outbox::INSERT_DELIVERY)
                    .bind(id).bind(h.id).bind(&w.event_type)
                    .bind($crate::outbox::webhook_payload(id, &w.event_type, now, &w.data))
                    .bind(now).execute(&mut *$tx).await?;
                deliveries.push(id);
            }
        }
        for m in &effects.mails {
            sqlx::query($crate::outbox::INSERT_MAIL)
                .bind(embarq_domain::new_id()).bind(&m.to).bind(&m.subject).bind(&m.text)
                .bind(&m.html).bind(clock).execute(&mut *$tx).await?;
        }
        for a in &effects.audit {
            $crate::audit::audit_in_tx!($tx, a.entry(), clock)?;
        }
        deliveries
    }};
}
pub(crate) use write_effects;

/// Runs `$change`, a statement on one row (built once per backend, so written as an
/// expression), and writes `$effects` only if it changed that row, in one transaction on
/// `$db`; evaluates to `Result<bool>`, whether it did. Conditional, it is a claim: of
/// several processes running it, one wins and writes what the work sends (a reminder, a
/// digest); plain, it writes an edit and its effects only if the row still exists.
macro_rules! one_row_with_effects {
    ($db:expr, $change:expr, $effects:expr) => {{
        let effects: &$crate::outbox::Effects = $effects;
        let changed = $crate::db::with_writer!($db, p => {
            let mut tx = p.begin_write().await?;
            let changed = $change.execute(&mut *tx).await?.rows_affected() == 1;
            if changed {
                $crate::outbox::write_effects!(tx, effects, $crate::now_ms());
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(changed)
        })?;
        $crate::db::Result::<bool>::Ok(changed)
    }};
}
pub(crate) use one_row_with_effects;

impl Db {
    /// Deletes row `id` (by column `key`) of an organization-owned `table` with what it
    /// causes; `false` when the organization has no such row (nothing written).
    pub(crate) async fn delete_owned(
        &self,
        table: &'static str,
        key: &'static str,
        org_id: OrgId,
        id: Id,
        effects: &Effects,
    ) -> Result<bool> {
        let sql = format!("DELETE FROM {table} WHERE {key} = $1 AND org_id = $2");
        one_row_with_effects!(
            self,
            sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                .bind(id)
                .bind(org_id),
            effects
        )
    }

    /// Writes effects on their own, in one transaction (when they are the whole change, such
    /// as a test ping or a password-reset e-mail); answers the webhook deliveries queued.
    pub async fn write_effects(&self, effects: &Effects) -> Result<Vec<Id>> {
        if effects.is_empty() {
            return Ok(Vec::new());
        }
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let ids = write_effects!(tx, effects, now_ms());
            tx.commit().await?;
            Ok::<_, sqlx::Error>(ids)
        })?)
    }

    /// Claims up to `limit` e-mails due at `now` for `lease_ms`, counting the attempt. One
    /// conditional UPDATE: under READ COMMITTED a concurrent claimer waits on the row, then
    /// sees the new lease and skips it, so each e-mail goes to one sender at a time; one whose
    /// sender died is claimed again when its lease ends.
    pub async fn mail_claim_due(
        &self,
        now: i64,
        lease_ms: i64,
        limit: i64,
    ) -> Result<Vec<QueuedMail>> {
        Ok(with_writer!(self, p => sqlx::query_as(
            "UPDATE mail_outbox SET claimed_until = $2, attempts = attempts + 1 WHERE id IN ( \
               SELECT id FROM mail_outbox WHERE status = 'pending' AND next_attempt_at <= $1 AND claimed_until < $1 \
               ORDER BY next_attempt_at LIMIT $3) \
             AND status = 'pending' AND claimed_until < $1 \
             RETURNING id, recipient, subject, body_text, body_html, attempts")
            .bind(now).bind(now + lease_ms).bind(limit).fetch_all(p).await)?)
    }

    /// The server took the e-mail: it leaves the outbox.
    pub async fn mail_sent(&self, id: Id) -> Result<()> {
        with_writer!(self, p => sqlx::query("DELETE FROM mail_outbox WHERE id = $1")
            .bind(id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// A failed attempt: tried again at `next_attempt_at`, or given up (`retry` None).
    pub async fn mail_failed(&self, id: Id, retry: Option<i64>, error: &str) -> Result<()> {
        with_writer!(self, p => sqlx::query(
            "UPDATE mail_outbox SET status = CASE WHEN $2 IS NULL THEN 'failed' ELSE 'pending' END, \
             next_attempt_at = COALESCE($2, next_attempt_at), claimed_until = 0, last_error = $3 WHERE id = $1")
            .bind(id).bind(retry).bind(error).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }

    /// The e-mails still in the outbox, oldest first.
    pub async fn mail_outbox(&self, limit: i64) -> Result<Vec<OutboxMail>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT id, recipient, subject, status, attempts, next_attempt_at, last_error FROM mail_outbox \
             ORDER BY created_at, id LIMIT $1")
            .bind(limit).fetch_all(p).await)?)
    }

    /// Drops given-up e-mails older than `age_ms` (they hold personal data).
    pub async fn prune_mail_outbox(&self, age_ms: i64) -> Result<u64> {
        Ok(with_writer!(self, p => sqlx::query(
            "DELETE FROM mail_outbox WHERE status = 'failed' AND created_at < $1")
            .bind(now_ms() - age_ms).execute(p).await.map(|r| r.rows_affected()))?)
    }
}
