//! Sending e-mail over SMTP (lettre, on the one rustls provider: ring).

use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::imip::Method;

/// How the connection to the SMTP server is protected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain text (a relay on localhost, tests).
    None,
    /// Plain connection upgraded with STARTTLS (usually port 587); refuses servers without it.
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
}

/// Where and how to send.
#[derive(Clone, Debug)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<String>,
    /// The sender: `Rendezvous <bookings@example.com>`.
    pub from: String,
    pub timeout: Duration,
}

/// One message to one person.
#[derive(Clone, Debug)]
pub struct Email {
    pub to_name: String,
    pub to_email: String,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// An iMIP invitation to attach (`text/calendar; method=...`).
    pub calendar: Option<(Method, String)>,
    /// The `Message-ID` (without brackets), stable across retries of the same message.
    pub message_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum EmailError {
    #[error("invalid address {0:?}")]
    Address(String),
    #[error("cannot build the message: {0}")]
    Build(String),
    /// The server refused it for good (5xx): retrying will not help.
    #[error("refused: {0}")]
    Permanent(String),
    /// Connection trouble or a 4xx answer: try again later.
    #[error("failed: {0}")]
    Transient(String),
}

/// Sends e-mail through one SMTP server.
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl Mailer {
    pub fn new(settings: &SmtpSettings) -> Result<Self, EmailError> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|_| EmailError::Address(settings.from.clone()))?;
        let builder = match settings.security {
            Security::None => {
                AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&settings.host)
            }
            Security::StartTls => {
                AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&settings.host)
                    .map_err(|e| EmailError::Build(e.to_string()))?
            }
            Security::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&settings.host)
                .map_err(|e| EmailError::Build(e.to_string()))?,
        };
        let mut builder = builder.port(settings.port).timeout(Some(settings.timeout));
        if let (Some(user), Some(password)) = (&settings.username, &settings.password) {
            builder = builder.credentials(Credentials::new(user.clone(), password.clone()));
        }
        Ok(Self {
            transport: builder.build(),
            from,
        })
    }

    /// Sends `email`; returns the server's answer for the notification log.
    pub async fn send(&self, email: &Email) -> Result<String, EmailError> {
        let message = build(&self.from, email)?;
        match self.transport.send(message).await {
            Ok(response) => Ok(format!(
                "{} {}",
                response.code(),
                response.message().collect::<Vec<_>>().join(" ")
            )),
            Err(e) if e.is_permanent() => Err(EmailError::Permanent(e.to_string())),
            Err(e) => Err(EmailError::Transient(e.to_string())),
        }
    }
}

/// The MIME message: text and HTML as alternatives, plus the invitation when there is one
/// (as a third alternative, which is where calendar clients look for iMIP).
pub fn build(from: &Mailbox, email: &Email) -> Result<Message, EmailError> {
    let to = Mailbox::new(
        Some(email.to_name.clone()),
        email
            .to_email
            .parse()
            .map_err(|_| EmailError::Address(email.to_email.clone()))?,
    );
    let mut alternatives = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(email.text.clone()),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(email.html.clone()),
        );
    if let Some((method, ics)) = &email.calendar {
        let content_type = ContentType::parse(&format!(
            "text/calendar; charset=utf-8; method={}",
            method.as_str()
        ))
        .map_err(|e| EmailError::Build(e.to_string()))?;
        alternatives =
            alternatives.singlepart(SinglePart::builder().header(content_type).body(ics.clone()));
    }
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(format!("<{}>", email.message_id)))
        .multipart(alternatives)
        .map_err(|e| EmailError::Build(e.to_string()))
}
