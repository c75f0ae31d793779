//! Sending text messages through an SMS provider: Twilio's HTTP API, or the log (development).
//!
//! A provider answers with what the notification log keeps (the provider's message id and
//! status) or with an [`SmsError`] that says whether trying again can help: a refused number
//! or a bad request fails for good, a provider that is down or a network error is retried.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// A phone number in E.164 form: `+` and 7 to 15 digits, the first not 0 (`+14155550123`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PhoneNumber(String);

/// Why a text is not a phone number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("must be a phone number in international E.164 form, like +14155550123")]
pub struct InvalidPhoneNumber;

impl PhoneNumber {
    /// Parses a number as people type it: `+1 (415) 555-0123` becomes `+14155550123`.
    /// Spaces, hyphens, dots and parentheses are dropped; everything else must be digits
    /// after a leading `+` (no national form: which country it belongs to would be a guess).
    pub fn parse(text: &str) -> Result<Self, InvalidPhoneNumber> {
        // Long enough for any spacing of 15 digits; bounds the work on hostile input.
        if text.len() > 40 {
            return Err(InvalidPhoneNumber);
        }
        let digits_part = text.trim().strip_prefix('+').ok_or(InvalidPhoneNumber)?;
        let mut number = String::from("+");
        for c in digits_part.chars() {
            match c {
                '0'..='9' => number.push(c),
                ' ' | '-' | '.' | '(' | ')' => {}
                _ => return Err(InvalidPhoneNumber),
            }
        }
        let digits = number.len() - 1;
        if !(7..=15).contains(&digits) || number.as_bytes().get(1) == Some(&b'0') {
            return Err(InvalidPhoneNumber);
        }
        Ok(Self(number))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PhoneNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for PhoneNumber {
    type Error = InvalidPhoneNumber;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        Self::parse(&text)
    }
}

impl From<PhoneNumber> for String {
    fn from(number: PhoneNumber) -> Self {
        number.0
    }
}

/// What a provider said when it took a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SmsAnswer {
    /// The provider's id for the message (Twilio's `SM...` sid), to match later status
    /// reports; `None` when the provider gives none.
    pub message_id: Option<String>,
    /// The provider's word on it (`queued`, `accepted`, ...), for the notification log.
    pub status: String,
}

/// Why a message was not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmsError {
    /// The provider refused the message (a bad number, bad credentials, a 4xx answer):
    /// sending it again will fail again.
    #[error("refused by {provider} (HTTP {http_status}{}): {message}", code.map(|c| format!(", error {c}")).unwrap_or_default())]
    Rejected {
        provider: &'static str,
        http_status: u16,
        /// The provider's error code (Twilio's `21211`: invalid `To` number).
        code: Option<i64>,
        message: String,
    },
    /// The message cannot be sent as given (empty or too long), before any provider saw it.
    #[error("{0}")]
    Invalid(String),
    /// The provider is not reachable or not well (network, timeout, 5xx, 429): try later.
    #[error("{0}")]
    Unavailable(String),
}

impl SmsError {
    /// Whether sending the same message again can work: only then should a job retry.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable(_))
    }
}

/// Longest body sent: Twilio refuses more than 1600 characters.
pub const MAX_BODY_CHARS: usize = 1600;

/// A boxed future, so providers can sit behind `dyn`.
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<SmsAnswer, SmsError>> + Send + 'a>>;

/// Something that sends text messages.
pub trait SmsProvider: fmt::Debug + Send + Sync + 'static {
    /// Sends `body` to `to`.
    fn send<'a>(&'a self, to: &'a PhoneNumber, body: &'a str) -> SendFuture<'a>;
}

/// The configured provider; cheap to clone.
#[derive(Clone, Debug)]
pub struct Sms(Arc<dyn SmsProvider>);

impl Sms {
    pub fn new(provider: impl SmsProvider) -> Self {
        Self(Arc::new(provider))
    }

    /// Sends `body` to `to`, refusing an empty or overlong body before the provider does.
    pub async fn send(&self, to: &PhoneNumber, body: &str) -> Result<SmsAnswer, SmsError> {
        if body.trim().is_empty() {
            return Err(SmsError::Invalid("the message is empty".to_owned()));
        }
        if body.chars().count() > MAX_BODY_CHARS {
            return Err(SmsError::Invalid(format!(
                "the message is longer than {MAX_BODY_CHARS} characters"
            )));
        }
        self.0.send(to, body).await
    }
}

/// Writes messages to the log (target `rendezvous::sms`) and reports them sent: for
/// development, where nothing should reach a phone.
#[derive(Clone, Debug, Default)]
pub struct LogSms;

impl SmsProvider for LogSms {
    fn send<'a>(&'a self, to: &'a PhoneNumber, body: &'a str) -> SendFuture<'a> {
        Box::pin(async move {
            tracing::info!(target: "rendezvous::sms", %to, "\n{body}");
            Ok(SmsAnswer {
                message_id: None,
                status: "logged (sms_provider = log)".to_owned(),
            })
        })
    }
}

/// Who a Twilio message comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TwilioSender {
    /// A number (or alphanumeric sender id) of the account: the `From` parameter.
    From(String),
    /// A messaging service that picks the number: the `MessagingServiceSid` parameter.
    MessagingService(String),
}

/// A Twilio account and where its API lives.
#[derive(Clone)]
pub struct TwilioSettings {
    /// `https://api.twilio.com` (tests point it at a local server).
    pub base_url: String,
    /// `AC...`: the user name of the API's basic auth, and part of the path.
    pub account_sid: String,
    /// The password of the API's basic auth.
    pub auth_token: String,
    pub sender: TwilioSender,
}

impl fmt::Debug for TwilioSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwilioSettings")
            .field("base_url", &self.base_url)
            .field("account_sid", &self.account_sid)
            .field("sender", &self.sender)
            .finish_non_exhaustive()
    }
}

/// Twilio settings that cannot work.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TwilioSettingsError {
    #[error("the account SID must be letters and digits, like AC0123...")]
    AccountSid,
    #[error("the auth token is empty")]
    AuthToken,
    #[error("the sender (from number or messaging service SID) is empty")]
    Sender,
    #[error("the base URL is not usable: {0}")]
    BaseUrl(String),
}

/// Sends through Twilio's Messages API
/// (`POST /2010-04-01/Accounts/{AccountSid}/Messages.json`), over the guarded client.
#[derive(Clone, Debug)]
pub struct TwilioSms {
    settings: TwilioSettings,
    http: outbound::Client,
}

/// The part of Twilio's answers we read: a message on success, an error otherwise.
#[derive(Debug, Default, Deserialize)]
struct TwilioAnswer {
    sid: Option<String>,
    status: Option<serde_json::Value>,
    code: Option<i64>,
    message: Option<String>,
}

impl TwilioSms {
    pub fn new(
        settings: TwilioSettings,
        http: outbound::Client,
    ) -> Result<Self, TwilioSettingsError> {
        let sid = &settings.account_sid;
        if sid.is_empty() || !sid.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(TwilioSettingsError::AccountSid);
        }
        if settings.auth_token.is_empty() {
            return Err(TwilioSettingsError::AuthToken);
        }
        let sender = match &settings.sender {
            TwilioSender::From(s) | TwilioSender::MessagingService(s) => s,
        };
        if sender.trim().is_empty() {
            return Err(TwilioSettingsError::Sender);
        }
        let this = Self { settings, http };
        this.http
            .check_url(&this.url())
            .map_err(|e| TwilioSettingsError::BaseUrl(e.to_string()))?;
        Ok(this)
    }

    /// The Messages resource of the account.
    fn url(&self) -> String {
        format!(
            "{}/2010-04-01/Accounts/{}/Messages.json",
            self.settings.base_url.trim_end_matches('/'),
            self.settings.account_sid
        )
    }

    /// The form body: `To`, the sender, `Body`.
    fn form(&self, to: &PhoneNumber, body: &str) -> String {
        let sender = match &self.settings.sender {
            TwilioSender::From(from) => ("From", from.as_str()),
            TwilioSender::MessagingService(sid) => ("MessagingServiceSid", sid.as_str()),
        };
        // Encoding string pairs cannot fail; the fallback keeps this free of panics.
        serde_urlencoded::to_string([("To", to.as_str()), sender, ("Body", body)])
            .unwrap_or_default()
    }

    async fn post(&self, to: &PhoneNumber, body: &str) -> Result<SmsAnswer, SmsError> {
        let unavailable = |e: outbound::Error| match e {
            // The configured address is refused or malformed: no retry fixes that.
            outbound::Error::Forbidden(_) | outbound::Error::InvalidUrl(_) => {
                SmsError::Invalid(format!("Twilio base URL: {e}"))
            }
            other => SmsError::Unavailable(format!("Twilio: {other}")),
        };
        let request = self
            .http
            .request(outbound::Method::POST, &self.url())
            .map_err(unavailable)?
            .basic_auth(&self.settings.account_sid, Some(&self.settings.auth_token))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(self.form(to, body));
        let response = self.http.send(request).await.map_err(unavailable)?;
        let status = response.status().as_u16();
        // Answers are small; a cap keeps a misbehaving server from filling memory.
        let bytes = self.http.read_body_prefix(response, 64 * 1024).await;
        interpret(status, &bytes)
    }
}

impl SmsProvider for TwilioSms {
    fn send<'a>(&'a self, to: &'a PhoneNumber, body: &'a str) -> SendFuture<'a> {
        Box::pin(self.post(to, body))
    }
}

/// Reads Twilio's answer: 2xx took the message; 408, 429 and 5xx are worth another try;
/// any other status refused it.
fn interpret(http_status: u16, body: &[u8]) -> Result<SmsAnswer, SmsError> {
    let parsed: Option<TwilioAnswer> = serde_json::from_slice(body).ok();
    let text = || String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
    match http_status {
        200..=299 => {
            let answer = parsed.unwrap_or_default();
            let status = match answer.status {
                Some(serde_json::Value::String(s)) => s,
                _ => "accepted".to_owned(),
            };
            Ok(SmsAnswer {
                message_id: answer.sid,
                status,
            })
        }
        408 | 429 | 500..=599 => {
            let detail = parsed.and_then(|a| a.message).unwrap_or_else(text);
            Err(SmsError::Unavailable(format!(
                "Twilio answered HTTP {http_status}: {detail}"
            )))
        }
        _ => {
            let answer = parsed.unwrap_or_default();
            Err(SmsError::Rejected {
                provider: "Twilio",
                http_status,
                code: answer.code,
                message: answer.message.unwrap_or_else(text),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn phone_numbers_are_e164_after_dropping_separators() {
        for (typed, e164) in [
            ("+14155550123", "+14155550123"),
            ("+1 (415) 555-0123", "+14155550123"),
            (" +49 30.1234567 ", "+49301234567"),
            ("+4420 7946 0958", "+442079460958"),
        ] {
            assert_eq!(PhoneNumber::parse(typed).unwrap().as_str(), e164, "{typed}");
        }
        for bad in [
            "",
            "+",
            "4155550123",
            "00494155550123",
            "+0415555012",
            "+123456",
            "+1234567890123456",
            "+1 415 555 0123 ext 4",
            "+1415555O123",
            "++14155550123",
            "+١٢٣٤٥٦٧٨",
            &format!("+1{}", " ".repeat(60)),
        ] {
            assert_eq!(PhoneNumber::parse(bad), Err(InvalidPhoneNumber), "{bad:?}");
        }
    }

    #[test]
    fn phone_numbers_deserialize_only_when_valid() {
        let ok: PhoneNumber = serde_json::from_str(r#""+1 415 555 0123""#).unwrap();
        assert_eq!(serde_json::to_string(&ok).unwrap(), r#""+14155550123""#);
        assert!(serde_json::from_str::<PhoneNumber>(r#""555-0123""#).is_err());
    }

    fn twilio(sender: TwilioSender) -> TwilioSms {
        let http = outbound::Client::new(outbound::Policy::default()).unwrap();
        TwilioSms::new(
            TwilioSettings {
                base_url: "https://api.twilio.com/".to_owned(),
                account_sid: "AC0123456789abcdef".to_owned(),
                auth_token: "token".to_owned(),
                sender,
            },
            http,
        )
        .unwrap()
    }

    #[test]
    fn the_request_goes_to_the_accounts_messages_resource_as_a_form() {
        let to = PhoneNumber::parse("+14155550123").unwrap();
        let from = twilio(TwilioSender::From("+15005550006".to_owned()));
        assert_eq!(
            from.url(),
            "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef/Messages.json"
        );
        assert_eq!(
            from.form(&to, "See you at 10:00 & bring notes"),
            "To=%2B14155550123&From=%2B15005550006&Body=See+you+at+10%3A00+%26+bring+notes"
        );
        let service = twilio(TwilioSender::MessagingService("MG42".to_owned()));
        assert_eq!(
            service.form(&to, "hi"),
            "To=%2B14155550123&MessagingServiceSid=MG42&Body=hi"
        );
    }

    #[test]
    fn settings_that_cannot_work_are_refused() {
        let http = outbound::Client::new(outbound::Policy::default()).unwrap();
        let good = TwilioSettings {
            base_url: "https://api.twilio.com".to_owned(),
            account_sid: "AC1".to_owned(),
            auth_token: "t".to_owned(),
            sender: TwilioSender::From("+15005550006".to_owned()),
        };
        let with = |change: fn(&mut TwilioSettings)| {
            let mut settings = good.clone();
            change(&mut settings);
            TwilioSms::new(settings, http.clone()).map(|_| ())
        };
        assert_eq!(with(|_| {}), Ok(()));
        assert_eq!(
            with(|s| s.account_sid = "AC1/../x".to_owned()),
            Err(TwilioSettingsError::AccountSid)
        );
        assert_eq!(
            with(|s| s.auth_token = String::new()),
            Err(TwilioSettingsError::AuthToken)
        );
        assert_eq!(
            with(|s| s.sender = TwilioSender::MessagingService(" ".to_owned())),
            Err(TwilioSettingsError::Sender)
        );
        assert!(matches!(
            with(|s| s.base_url = "http://10.0.0.1".to_owned()),
            Err(TwilioSettingsError::BaseUrl(_))
        ));
        // The token never reaches a log line through Debug.
        assert!(!format!("{good:?}").contains("\"t\""));
    }

    #[test]
    fn a_created_message_answers_its_sid_and_status() {
        let body =
            br#"{"sid": "SM0123", "status": "queued", "error_code": null, "to": "+14155550123"}"#;
        assert_eq!(
            interpret(201, body),
            Ok(SmsAnswer {
                message_id: Some("SM0123".to_owned()),
                status: "queued".to_owned()
            })
        );
        // Accepted without a readable answer is still accepted.
        assert_eq!(
            interpret(200, b"<xml/>"),
            Ok(SmsAnswer {
                message_id: None,
                status: "accepted".to_owned()
            })
        );
    }

    #[test]
    fn a_refusal_is_permanent_and_an_outage_transient() {
        let refusal = br#"{"code": 21211, "message": "The 'To' number +1555 is not a valid phone number.", "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}"#;
        let error = interpret(400, refusal).unwrap_err();
        assert!(!error.is_transient());
        assert_eq!(
            error.to_string(),
            "refused by Twilio (HTTP 400, error 21211): The 'To' number +1555 is not a valid phone number."
        );
        let unauthorized = interpret(401, b"Unauthorized").unwrap_err();
        assert!(!unauthorized.is_transient());
        assert!(unauthorized.to_string().contains("Unauthorized"));

        for status in [408, 429, 500, 503] {
            let error = interpret(
                status,
                br#"{"code": 20429, "message": "Too Many Requests"}"#,
            )
            .unwrap_err();
            assert!(error.is_transient(), "{status}");
        }
        assert!(
            interpret(503, b"")
                .unwrap_err()
                .to_string()
                .contains("HTTP 503")
        );
    }

    #[tokio::test]
    async fn empty_and_overlong_bodies_fail_before_the_provider() {
        let sms = Sms::new(LogSms);
        let to = PhoneNumber::parse("+14155550123").unwrap();
        assert!(matches!(
            sms.send(&to, "  ").await,
            Err(SmsError::Invalid(_))
        ));
        let long = "x".repeat(MAX_BODY_CHARS + 1);
        let error = sms.send(&to, &long).await.unwrap_err();
        assert!(!error.is_transient());
        let answer = sms.send(&to, "Your booking starts at 10:00").await.unwrap();
        assert_eq!(answer.message_id, None);
    }
}
