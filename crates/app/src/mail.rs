//! Outgoing e-mail transport: SMTP through lettre when configured, otherwise `.eml` files in
//! `<data_dir>/outbox`. Nothing calls it directly but the outbox sender (`crate::outbox`):
//! features write their e-mails in the transaction of their change, and the sender hands them
//! here one by one. An e-mail the SMTP server refused for good is kept in the same folder.
use crate::config::{Config, SmtpSecurity};
use anyhow::Context;
use embarq_store::QueuedMail;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::Notify;

/// The longest one SMTP exchange may take before the attempt counts as failed.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

pub struct Mailer {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    outbox: PathBuf,
    /// Woken when e-mails were queued, so the sender does not wait for its next round.
    queued: Notify,
}

impl Mailer {
    pub fn new(config: &Config) -> anyhow::Result<Self> {
        let outbox = config.data_dir.join("outbox");
        let (smtp, from) = match &config.smtp {
            None => (None, "embarq <no-reply@embarq.localhost>".parse()?),
            Some(s) => {
                let mut b = match s.security {
                    SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.host)?,
                    SmtpSecurity::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.host)?
                    }
                    SmtpSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.host)
                    }
                }
                .port(s.port)
                .timeout(Some(SMTP_TIMEOUT));
                if let (Some(u), Some(p)) = (&s.username, &s.password) {
                    b = b.credentials(Credentials::new(u.clone(), p.clone()));
                }
                (
                    Some(b.build()),
                    s.from.parse().context("invalid smtp from address")?,
                )
            }
        };
        Ok(Self {
            smtp,
            from,
            outbox,
            queued: Notify::new(),
        })
    }

    pub fn outbox(&self) -> &PathBuf {
        &self.outbox
    }

    /// Tells the sender that e-mails are waiting.
    pub fn wake(&self) {
        self.queued.notify_one();
    }

    /// Waits until [`Mailer::wake`] is called (or was, since the last wait).
    pub async fn woken(&self) {
        self.queued.notified().await;
    }

    /// Builds the message (plain text, or text and HTML as multipart/alternative). An address
    /// that cannot be parsed is an error that no retry will fix.
    pub fn message(&self, m: &QueuedMail) -> anyhow::Result<Message> {
        let builder = Message::builder()
            .from(self.from.clone())
            .to(m.recipient.parse::<Mailbox>()?)
            .subject(&m.subject);
        Ok(match &m.body_html {
            None => builder
                .header(ContentType::TEXT_PLAIN)
                .body(m.body_text.clone())?,
            Some(html) => builder.multipart(lettre::message::MultiPart::alternative_plain_html(
                m.body_text.clone(),
                html.clone(),
            ))?,
        })
    }

    /// Hands the message to the SMTP server, or writes it to the outbox folder when there is
    /// none. An error is worth retrying.
    pub async fn transmit(&self, msg: &Message) -> anyhow::Result<()> {
        match &self.smtp {
            Some(smtp) => {
                smtp.send(msg.clone()).await?;
                Ok(())
            }
            None => self.keep(msg).await,
        }
    }

    /// Writes the message to the outbox folder (no SMTP server, or given up).
    pub async fn keep(&self, msg: &Message) -> anyhow::Result<()> {
        tokio::fs::create_dir_all(&self.outbox).await?;
        let name = format!("{}.eml", uuid::Uuid::now_v7());
        tokio::fs::write(self.outbox.join(name), msg.formatted()).await?;
        Ok(())
    }
}
