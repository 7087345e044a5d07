//! Outgoing e-mail: SMTP through lettre when configured, otherwise `.eml` files in
//! `<data_dir>/outbox` so that no message is ever lost. A failed SMTP send also lands there.
use crate::config::{Config, SmtpSecurity};
use anyhow::Context;
use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::path::PathBuf;

pub struct Mailer {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    outbox: PathBuf,
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
                .port(s.port);
                if let (Some(u), Some(p)) = (&s.username, &s.password) {
                    b = b.credentials(Credentials::new(u.clone(), p.clone()));
                }
                (
                    Some(b.build()),
                    s.from.parse().context("invalid smtp from address")?,
                )
            }
        };
        Ok(Self { smtp, from, outbox })
    }

    pub fn outbox(&self) -> &PathBuf {
        &self.outbox
    }

    /// Sends a plain-text message. Never fails the caller's action: problems are logged and
    /// the message is kept in the outbox.
    pub async fn send(&self, to: &str, subject: &str, body: &str) {
        let msg = match to
            .parse::<Mailbox>()
            .map_err(anyhow::Error::from)
            .and_then(|to| {
                Message::builder()
                    .from(self.from.clone())
                    .to(to)
                    .subject(subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(body.to_string())
                    .map_err(anyhow::Error::from)
            }) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "could not build e-mail");
                return;
            }
        };
        if let Some(smtp) = &self.smtp {
            match smtp.send(msg.clone()).await {
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "SMTP send failed; keeping the message in the outbox")
                }
            }
        }
        if let Err(e) = self.write_outbox(&msg).await {
            tracing::error!(error = %e, "could not write e-mail to the outbox");
        }
    }

    /// Sends a message with a plain-text and an HTML part (multipart/alternative), like
    /// [`Mailer::send`]: never fails the caller, keeps the message in the outbox on failure.
    pub async fn send_alternative(&self, to: &str, subject: &str, text: &str, html: &str) {
        let msg = match to
            .parse::<Mailbox>()
            .map_err(anyhow::Error::from)
            .and_then(|to| {
                Message::builder()
                    .from(self.from.clone())
                    .to(to)
                    .subject(subject)
                    .multipart(lettre::message::MultiPart::alternative_plain_html(
                        text.to_string(),
                        html.to_string(),
                    ))
                    .map_err(anyhow::Error::from)
            }) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!(error = %e, "could not build e-mail");
                return;
            }
        };
        if let Some(smtp) = &self.smtp {
            match smtp.send(msg.clone()).await {
                Ok(_) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "SMTP send failed; keeping the message in the outbox")
                }
            }
        }
        if let Err(e) = self.write_outbox(&msg).await {
            tracing::error!(error = %e, "could not write e-mail to the outbox");
        }
    }

    async fn write_outbox(&self, msg: &Message) -> anyhow::Result<()> {
        tokio::fs::create_dir_all(&self.outbox).await?;
        let name = format!("{}.eml", uuid::Uuid::now_v7());
        tokio::fs::write(self.outbox.join(name), msg.formatted()).await?;
        Ok(())
    }
}
