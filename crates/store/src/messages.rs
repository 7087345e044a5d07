//! Private conversations: one-to-one and small groups.
use crate::db::{Result, with_pool, with_writer};
use crate::models::{ConversationSummary, Message};
use crate::{Db, now_ms};
use embarq_domain::UserId;
use embarq_domain::{Id, OrgId, new_id};

impl Db {
    /// The existing one-to-one conversation between two people, if any.
    pub async fn direct_conversation(&self, a: UserId, b: UserId) -> Result<Option<Id>> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT c.id FROM conversations c \
             WHERE EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $1) \
             AND EXISTS (SELECT 1 FROM conversation_members m WHERE m.conversation_id = c.id AND m.user_id = $2) \
             AND (SELECT COUNT(*) FROM conversation_members m WHERE m.conversation_id = c.id) = 2 LIMIT 1")
            .bind(a).bind(b).fetch_optional(p).await)?)
    }

    pub async fn create_conversation(&self, org_id: OrgId, members: &[UserId]) -> Result<Id> {
        let id = new_id();
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO conversations (id, org_id, created_at, last_message_at) VALUES ($1, $2, $3, $3)")
                .bind(id).bind(org_id).bind(now).execute(&mut *tx).await?;
            for m in members {
                sqlx::query("INSERT INTO conversation_members (conversation_id, user_id, last_read_at) VALUES ($1, $2, 0)")
                    .bind(id).bind(m).execute(&mut *tx).await?;
            }
            tx.commit().await?;
            Ok::<_, sqlx::Error>(())
        })?;
        Ok(id)
    }

    pub async fn conversation_member_ids(&self, conversation_id: Id) -> Result<Vec<UserId>> {
        Ok(
            with_pool!(self, p => sqlx::query_scalar("SELECT user_id FROM conversation_members WHERE conversation_id = $1")
            .bind(conversation_id).fetch_all(p).await)?,
        )
    }

    /// The person's 100 most recently active conversations, newest first (a newer conversation
    /// first on a tie: UUIDv7 ids follow creation time), each with the
    /// names of the other participants. One query: (conversation, other participant) rows,
    /// grouped here, so the SQL is the same on both backends.
    pub async fn conversations_of(&self, user_id: UserId) -> Result<Vec<ConversationSummary>> {
        let rows: Vec<(Id, i64, i64, Option<String>)> = with_pool!(self, p => sqlx::query_as(
            "SELECT mine.id, mine.last_message_at, mine.last_read_at, u.display_name FROM \
             (SELECT c.id, c.last_message_at, m.last_read_at FROM conversations c \
              JOIN conversation_members m ON m.conversation_id = c.id AND m.user_id = $1 \
              ORDER BY c.last_message_at DESC, c.id DESC LIMIT 100) mine \
             LEFT JOIN conversation_members o ON o.conversation_id = mine.id AND o.user_id <> $1 \
             LEFT JOIN users u ON u.id = o.user_id \
             ORDER BY mine.last_message_at DESC, mine.id DESC, u.display_name")
            .bind(user_id).fetch_all(p).await)?;
        let mut out: Vec<ConversationSummary> = Vec::new();
        for (id, last, read, name) in rows {
            if out.last().is_none_or(|s| s.id != id) {
                out.push(ConversationSummary {
                    id,
                    last_message_at: last,
                    others: String::new(),
                    unread: last > read,
                });
            }
            if let (Some(name), Some(s)) = (name, out.last_mut()) {
                if !s.others.is_empty() {
                    s.others.push_str(", ");
                }
                s.others.push_str(&name);
            }
        }
        Ok(out)
    }

    pub async fn messages(&self, conversation_id: Id) -> Result<Vec<Message>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT m.id, m.conversation_id, m.author_id, u.display_name AS author_name, (u.photo IS NOT NULL) AS author_has_photo, m.body_html, m.created_at \
             FROM messages m JOIN users u ON u.id = m.author_id WHERE m.conversation_id = $1 \
             ORDER BY m.created_at DESC, m.id DESC LIMIT 200")
            .bind(conversation_id).fetch_all(p).await)?.into_iter().rev().collect())
    }

    /// Stores a message (the author has read up to it) and answers it as stored.
    /// Stores a message with what it causes (the others' live events), in one transaction.
    pub async fn send_message(
        &self,
        conversation_id: Id,
        author_id: UserId,
        body: (&str, &str),
        effects: &crate::Effects,
    ) -> Result<Message> {
        let (body_md, body_html) = body;
        let id = new_id();
        let now = now_ms();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("INSERT INTO messages (id, conversation_id, author_id, body_md, body_html, created_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id).bind(conversation_id).bind(author_id).bind(body_md).bind(body_html).bind(now).execute(&mut *tx).await?;
            sqlx::query("UPDATE conversations SET last_message_at = $1 WHERE id = $2").bind(now).bind(conversation_id).execute(&mut *tx).await?;
            sqlx::query("UPDATE conversation_members SET last_read_at = $1 WHERE conversation_id = $2 AND user_id = $3")
                .bind(now).bind(conversation_id).bind(author_id).execute(&mut *tx).await?;
            let message: Message = sqlx::query_as(
                "SELECT m.id, m.conversation_id, m.author_id, u.display_name AS author_name, (u.photo IS NOT NULL) AS author_has_photo, m.body_html, m.created_at \
                 FROM messages m JOIN users u ON u.id = m.author_id WHERE m.id = $1")
                .bind(id).fetch_one(&mut *tx).await?;
            crate::outbox::write_effects!(tx, effects, now);
            tx.commit().await?;
            Ok::<_, sqlx::Error>(message)
        })?)
    }

    /// The person has read the conversation, and so its notification.
    pub async fn mark_conversation_read(&self, conversation_id: Id, user_id: UserId) -> Result<()> {
        let now = now_ms();
        with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            sqlx::query("UPDATE conversation_members SET last_read_at = $1 WHERE conversation_id = $2 AND user_id = $3")
                .bind(now).bind(conversation_id).bind(user_id).execute(&mut *tx).await?;
            sqlx::query("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND conversation_id = $3 AND read_at IS NULL")
                .bind(now).bind(user_id).bind(conversation_id).execute(&mut *tx).await?;
            tx.commit().await
        })?;
        Ok(())
    }

    /// Conversations with a message the person has not read.
    pub async fn unread_conversation_count(&self, user_id: UserId) -> Result<i64> {
        Ok(with_pool!(self, p => sqlx::query_scalar(
            "SELECT COUNT(*) FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id \
             WHERE m.user_id = $1 AND c.last_message_at > m.last_read_at")
            .bind(user_id).fetch_one(p).await)?)
    }

    /// Of `users`, those who already have an unread notification of this conversation (one
    /// is enough, however many messages follow).
    pub async fn message_notice_holders(
        &self,
        conversation_id: Id,
        users: &[UserId],
    ) -> Result<Vec<UserId>> {
        let holders: Vec<UserId> = with_pool!(self, p => sqlx::query_scalar(
            "SELECT DISTINCT user_id FROM notifications WHERE conversation_id = $1 AND kind = 'message' AND read_at IS NULL")
            .bind(conversation_id).fetch_all(p).await)?;
        Ok(holders.into_iter().filter(|u| users.contains(u)).collect())
    }

    /// Participants whose unread messages have waited their chosen delay and who have not been
    /// e-mailed about them yet (at most `limit`).
    pub async fn due_message_mails(&self, now: i64, limit: i64) -> Result<Vec<UnreadMessages>> {
        Ok(with_pool!(self, p => sqlx::query_as(
            "SELECT m.conversation_id, u.id AS user_id, u.email, u.display_name, u.locale, c.last_message_at, m.mailed_at, \
             (SELECT COUNT(*) FROM messages x WHERE x.conversation_id = m.conversation_id AND x.created_at > m.last_read_at \
              AND x.author_id <> u.id) AS unread \
             FROM conversation_members m JOIN conversations c ON c.id = m.conversation_id JOIN users u ON u.id = m.user_id \
             WHERE c.last_message_at > m.last_read_at AND c.last_message_at > m.mailed_at \
             AND u.message_mail_minutes > 0 AND u.status = 'active' \
             AND EXISTS (SELECT 1 FROM messages x WHERE x.conversation_id = m.conversation_id \
                 AND x.created_at > m.last_read_at AND x.created_at > m.mailed_at AND x.author_id <> u.id \
                 AND x.created_at <= $1 - u.message_mail_minutes * 60000) \
             ORDER BY c.last_message_at LIMIT $2")
            .bind(now).bind(limit).fetch_all(p).await)?)
    }

    /// Records that `u` is e-mailed about its unread messages, with the e-mail, in one
    /// transaction; false (nothing written) if another process did it first or they read them.
    pub async fn claim_message_mail(
        &self,
        u: &UnreadMessages,
        effects: &crate::Effects,
    ) -> Result<bool> {
        let now = now_ms();
        Ok(with_writer!(self, p => {
            let mut tx = p.begin_write().await?;
            let n = sqlx::query(
                "UPDATE conversation_members SET mailed_at = $1 WHERE conversation_id = $2 AND user_id = $3 \
                 AND mailed_at = $4 AND last_read_at < $1")
                .bind(u.last_message_at).bind(u.conversation_id).bind(u.user_id).bind(u.mailed_at)
                .execute(&mut *tx).await?.rows_affected();
            if n == 1 {
                crate::outbox::write_effects!(tx, effects, now);
                tx.commit().await?;
            }
            Ok::<_, sqlx::Error>(n == 1)
        })?)
    }

    /// After how many minutes of unread messages the person is e-mailed (0: never).
    pub async fn message_mail_minutes(&self, user_id: UserId) -> Result<i64> {
        Ok(
            with_pool!(self, p => sqlx::query_scalar("SELECT message_mail_minutes FROM users WHERE id = $1")
            .bind(user_id).fetch_one(p).await)?,
        )
    }

    pub async fn set_message_mail_minutes(&self, user_id: UserId, minutes: i64) -> Result<()> {
        with_writer!(self, p => sqlx::query("UPDATE users SET message_mail_minutes = $1 WHERE id = $2")
            .bind(minutes).bind(user_id).execute(p).await.map(|r| r.rows_affected()))?;
        Ok(())
    }
}

/// A participant to e-mail about unread messages.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct UnreadMessages {
    pub conversation_id: Id,
    pub user_id: UserId,
    pub email: String,
    pub display_name: String,
    pub locale: Option<String>,
    pub last_message_at: i64,
    pub mailed_at: i64,
    pub unread: i64,
}
