//! Message templates (minijinja): a subject line, plain text and HTML for e-mail (the HTML
//! auto-escaped because its template's name ends in `.html`), and one text for SMS.
//!
//! Every message type has built-in templates ([`default_templates`]); an organization may
//! replace them per type and channel. A replacement is checked before it is saved
//! ([`check`]): it must compile, use only the placeholders a message carries
//! ([`PLACEHOLDERS`]) and keep the ones its type needs ([`required_placeholders`]).
//! Templates are written in a subset of minijinja in which rendering is bounded in memory
//! and time ([`sandbox`] says which and why); a replacement is rendered once with sample data
//! when it is checked, so one that fails or renders too much is refused before it is saved.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;

mod compiled;
pub mod sandbox;

pub use sandbox::MAX_OUTPUT_BYTES;

const TEXT: &str = "Hello {{ recipient }},

{{ headline }}

What:  {{ title }}
When:  {{ when }} ({{ time_zone }})
{%- if location %}
Where: {{ location }}
{%- endif %}
Who:   {{ people | join(\", \") }}
{%- if reason %}

Reason: {{ reason }}
{%- endif %}
{%- if manage_url %}

Reschedule or cancel: {{ manage_url }}
{%- endif %}

-- 
Sent by Rendezvous for {{ organization }}
";

const HTML: &str = "<!doctype html>
<html><body style=\"font-family: sans-serif\">
<p>Hello {{ recipient }},</p>
<p><strong>{{ headline }}</strong></p>
<table>
<tr><th align=\"left\">What</th><td>{{ title }}</td></tr>
<tr><th align=\"left\">When</th><td>{{ when }} ({{ time_zone }})</td></tr>
{%- if location %}
<tr><th align=\"left\">Where</th><td>{{ location }}</td></tr>
{%- endif %}
<tr><th align=\"left\">Who</th><td>{{ people | join(\", \") }}</td></tr>
{%- if reason %}
<tr><th align=\"left\">Reason</th><td>{{ reason }}</td></tr>
{%- endif %}
</table>
{%- if manage_url %}
<p><a href=\"{{ manage_url }}\">Reschedule or cancel</a></p>
{%- endif %}
<p style=\"color: #666\">Sent by Rendezvous for {{ organization }}</p>
</body></html>
";

const SUBJECT: &str = "{{ verb }}: {{ title }} on {{ when }}";

const SMS: &str = "{{ verb }}: {{ title }} on {{ when }} ({{ time_zone }})\
{% if location %}, {{ location }}{% endif %}{% if reason %}. Reason: {{ reason }}{% endif %} - {{ organization }}";

/// The message types a template can be written for.
pub const MESSAGE_TYPES: [&str; 8] = [
    "booking.created",
    "booking.requested",
    "booking.confirmed",
    "booking.rejected",
    "booking.rescheduled",
    "booking.cancelled",
    "booking.reminder",
    "booking.follow_up",
];

/// What every booking message's templates may use.
pub const PLACEHOLDERS: [&str; 13] = [
    "event",
    "verb",
    "headline",
    "recipient",
    "organization",
    "title",
    "when",
    "time_zone",
    "location",
    "people",
    "reason",
    "role",
    "manage_url",
];

const ACCOUNT_TEXT: &str = "Hello {{ recipient }},

{{ headline }}

{{ link }}

The link works once, until {{ expires }}. If you did not expect this e-mail, ignore it.

-- 
Sent by Rendezvous for {{ organization }}
";

const ACCOUNT_HTML: &str = "<!doctype html>
<html><body style=\"font-family: sans-serif\">
<p>Hello {{ recipient }},</p>
<p>{{ headline }}</p>
<p><a href=\"{{ link }}\"><strong>{{ verb }}</strong></a></p>
<p>Or paste this address into your browser: {{ link }}</p>
<p style=\"color: #666\">The link works once, until {{ expires }}. If you did not expect this
e-mail, ignore it.</p>
<p style=\"color: #666\">Sent by Rendezvous for {{ organization }}</p>
</body></html>
";

const ACCOUNT_SUBJECT: &str = "{{ verb }} ({{ organization }})";

/// Account messages: e-mails to the account holder carrying a one-time link. E-mail only.
/// `account.locked` is the notice that sign-in was locked after failed attempts, with an
/// unlock link; `account.unlock` is the unlock link the right password asks for.
pub const ACCOUNT_MESSAGE_TYPES: [&str; 5] = [
    "account.invitation",
    "account.password_reset",
    "account.email_verification",
    "account.locked",
    "account.unlock",
];

/// What account messages' templates may use.
pub const ACCOUNT_PLACEHOLDERS: [&str; 7] = [
    "event",
    "verb",
    "headline",
    "recipient",
    "organization",
    "link",
    "expires",
];

fn is_account(event: &str) -> bool {
    ACCOUNT_MESSAGE_TYPES.contains(&event)
}

/// Every message type an organization can write templates for.
pub fn all_message_types() -> impl Iterator<Item = &'static str> {
    MESSAGE_TYPES.into_iter().chain(ACCOUNT_MESSAGE_TYPES)
}

/// The channels a message type is sent on.
pub fn channels(event: &str) -> &'static [Channel] {
    if is_account(event) {
        &[Channel::Email]
    } else {
        &Channel::ALL
    }
}

/// What the templates of `event` may use.
pub fn placeholders(event: &str) -> &'static [&'static str] {
    if is_account(event) {
        &ACCOUNT_PLACEHOLDERS
    } else {
        &PLACEHOLDERS
    }
}

/// Names minijinja resolves without the message's data: templates have no global
/// functions, only the loop variable.
const GLOBALS: [&str; 1] = ["loop"];

/// How a message is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Sms,
}

impl Channel {
    pub const ALL: [Channel; 2] = [Channel::Email, Channel::Sms];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Email => "email",
            Self::Sms => "sms",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Self::Email),
            "sms" => Some(Self::Sms),
            _ => None,
        }
    }

    /// The parts a template of this channel has: `subject`, `html`, `text` for e-mail, `text`
    /// for SMS.
    pub fn parts(self) -> &'static [Part] {
        match self {
            Self::Email => &[Part::Subject, Part::Html, Part::Text],
            Self::Sms => &[Part::Text],
        }
    }
}

/// One part of a template.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Part {
    Subject,
    Html,
    Text,
}

impl Part {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Subject => "subject",
            Self::Html => "html",
            Self::Text => "text",
        }
    }

    /// The name minijinja knows it by; `.html` turns on auto-escaping.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Subject => "subject.txt",
            Self::Html => "body.html",
            Self::Text => "body.txt",
        }
    }
}

/// The sources of one message type's templates on one channel. SMS uses only `text`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TemplateSet {
    pub subject: String,
    pub html: String,
    pub text: String,
}

impl TemplateSet {
    pub fn get(&self, part: Part) -> &str {
        match part {
            Part::Subject => &self.subject,
            Part::Html => &self.html,
            Part::Text => &self.text,
        }
    }
}

/// The built-in templates of `event` on `channel` (one set for booking messages and one for
/// account messages; the wording comes from `verb` and `headline`).
pub fn default_templates(event: &str, channel: Channel) -> TemplateSet {
    match channel {
        Channel::Email if is_account(event) => TemplateSet {
            subject: ACCOUNT_SUBJECT.to_owned(),
            html: ACCOUNT_HTML.to_owned(),
            text: ACCOUNT_TEXT.to_owned(),
        },
        Channel::Email => TemplateSet {
            subject: SUBJECT.to_owned(),
            html: HTML.to_owned(),
            text: TEXT.to_owned(),
        },
        Channel::Sms => TemplateSet {
            subject: String::new(),
            html: String::new(),
            text: SMS.to_owned(),
        },
    }
}

/// The placeholders a part must use: the message is pointless without them (what and when,
/// and why for a cancellation or refusal). The subject needs only the title. An account
/// message's body needs its link.
pub fn required_placeholders(event: &str, part: Part) -> &'static [&'static str] {
    if is_account(event) {
        return match part {
            Part::Subject => &[],
            _ => &["link"],
        };
    }
    match (part, event) {
        (Part::Subject, _) => &["title"],
        (_, "booking.cancelled" | "booking.rejected") => &["title", "when", "reason"],
        (_, "booking.rescheduled") => &["title", "when", "time_zone"],
        _ => &["title", "when"],
    }
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a template cannot be saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateProblem {
    /// `subject`, `html` or `text`.
    pub part: &'static str,
    /// `syntax`, `not_allowed`, `missing_placeholder`, `unknown_placeholder`, `too_large` or
    /// `render`.
    pub code: &'static str,
    pub message: String,
}

impl TemplateProblem {
    fn from_error(error: &TemplateError) -> Self {
        Self {
            part: error.part().as_str(),
            code: match error {
                TemplateError::NotAllowed { .. } => "not_allowed",
                TemplateError::TooLarge { .. } => "too_large",
                _ => "render",
            },
            message: error.reason(),
        }
    }
}

/// Everything wrong with `set` as the `channel` template of `event`; empty when it may be
/// saved. A set that passes the static checks is rendered once with sample data, so one
/// that fails or renders more than [`MAX_OUTPUT_BYTES`] is refused now rather than when a
/// message is sent.
pub fn check(event: &str, channel: Channel, set: &TemplateSet) -> Vec<TemplateProblem> {
    let mut problems = Vec::new();
    for &part in channel.parts() {
        let Some(used) = scan(part, set.get(part), placeholders(event), &mut problems) else {
            continue;
        };
        for required in required_placeholders(event, part) {
            if !used.contains(*required) {
                problems.push(TemplateProblem {
                    part: part.as_str(),
                    code: "missing_placeholder",
                    message: format!("must use the placeholder `{{{{ {required} }}}}`"),
                });
            }
        }
    }
    if problems.is_empty()
        && let Err(error) = render_sample(event, channel, set)
    {
        problems.push(TemplateProblem::from_error(&error));
    }
    problems
}

/// Everything wrong with `source` as a `part` template on its own (it compiles, stays in
/// the [`sandbox`] subset, uses only the placeholders messages carry and renders sample
/// data within bounds), for templates no message type requires anything of (workflow
/// actions); empty when it may be saved.
pub fn check_source(part: Part, source: &str) -> Vec<TemplateProblem> {
    let mut problems = Vec::new();
    scan(part, source, &PLACEHOLDERS, &mut problems);
    if problems.is_empty() {
        let message = BookingMessage::sample("booking.created");
        if let Err(error) = render_one(part, source, &message.context()) {
            problems.push(TemplateProblem::from_error(&error));
        }
    }
    problems
}

/// Compiles `source` and checks its placeholders, adding what is wrong to `problems`.
/// Returns the placeholders it uses, or `None` when it does not compile.
fn scan(
    part: Part,
    source: &str,
    allowed: &[&str],
    problems: &mut Vec<TemplateProblem>,
) -> Option<BTreeSet<String>> {
    let mut env = sandbox::environment();
    if let Err(e) = env.add_template_owned(part.file_name(), source.to_owned()) {
        problems.push(TemplateProblem {
            part: part.as_str(),
            code: "syntax",
            message: format!("does not compile: {}", e.detail().unwrap_or("syntax error")),
        });
        return None;
    }
    if let Some(reason) = sandbox::refusal(source, part.file_name()) {
        problems.push(TemplateProblem {
            part: part.as_str(),
            code: "not_allowed",
            message: reason,
        });
        return None;
    }
    let template = env.get_template(part.file_name()).ok()?;
    let used: BTreeSet<String> = template.undeclared_variables(false).into_iter().collect();
    for name in &used {
        if !allowed.contains(&name.as_str()) && !GLOBALS.contains(&name.as_str()) {
            problems.push(TemplateProblem {
                part: part.as_str(),
                code: "unknown_placeholder",
                message: format!(
                    "uses `{name}`, which messages do not carry (they carry {})",
                    allowed.join(", ")
                ),
            });
        }
    }
    Some(used)
}

/// What a message says; every field is plain text (the HTML version escapes it).
#[derive(Clone, Debug, Serialize)]
pub struct BookingMessage {
    /// `booking.created`, ...
    pub event: String,
    pub recipient: String,
    /// `host` or `attendee`.
    pub role: String,
    pub organization: String,
    pub title: String,
    /// Start and end in the recipient's zone, already formatted.
    pub when: String,
    pub time_zone: String,
    pub location: Option<String>,
    /// Host and attendees, by name.
    pub people: Vec<String>,
    pub reason: Option<String>,
    /// The invitee's own page to reschedule or cancel (`{public_url}/manage/{token}`); only
    /// in the invitee's e-mails, and only when the link could be built.
    pub manage_url: Option<String>,
}

/// A rendered message (SMS: only `text`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Why a template did not render; each names the part.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// Outside the [`sandbox`] subset (a template saved before the subset existed).
    #[error("template {part}: {reason}")]
    NotAllowed { part: Part, reason: String },
    /// It rendered to more than [`MAX_OUTPUT_BYTES`].
    #[error("template {part}: renders to more than {MAX_OUTPUT_BYTES} bytes")]
    TooLarge { part: Part },
    /// It did not compile or failed while rendering (out of fuel, a filter's result too
    /// large, a type error, ...).
    #[error("template {part}: {source}")]
    Engine {
        part: Part,
        #[source]
        source: minijinja::Error,
    },
    /// There is no built-in notice of this kind.
    #[error("no notice template for {0}")]
    UnknownNotice(String),
}

impl TemplateError {
    /// The part that failed.
    pub fn part(&self) -> Part {
        match self {
            Self::NotAllowed { part, .. } | Self::TooLarge { part } | Self::Engine { part, .. } => {
                *part
            }
            Self::UnknownNotice(_) => Part::Text,
        }
    }

    /// What went wrong, without the part's name.
    pub fn reason(&self) -> String {
        match self {
            Self::NotAllowed { reason, .. } => reason.clone(),
            Self::TooLarge { .. } => format!("renders to more than {MAX_OUTPUT_BYTES} bytes"),
            Self::Engine { source, .. } => source.to_string(),
            Self::UnknownNotice(kind) => format!("no notice template for {kind}"),
        }
    }
}

impl BookingMessage {
    /// The first word of the subject and the sentence at the top, by event.
    fn wording(&self) -> (&'static str, &'static str) {
        match self.event.as_str() {
            "booking.requested" => ("Requested", "A booking is waiting for confirmation."),
            "booking.confirmed" => ("Confirmed", "The booking is confirmed."),
            "booking.rejected" => ("Declined", "The booking request was declined."),
            "booking.rescheduled" => ("Rescheduled", "The booking moved to a new time."),
            "booking.cancelled" => ("Cancelled", "The booking was cancelled."),
            "booking.reminder" => ("Reminder", "Your booking is coming up."),
            "booking.follow_up" => ("Thank you", "Thank you for your time."),
            _ => ("Booked", "A new booking is confirmed."),
        }
    }

    /// The e-mail from the built-in templates.
    pub fn render(&self) -> Result<Rendered, TemplateError> {
        self.render_with(
            Channel::Email,
            &default_templates(&self.event, Channel::Email),
        )
    }

    /// The message from `set` (checked with [`check`] when it was saved).
    pub fn render_with(
        &self,
        channel: Channel,
        set: &TemplateSet,
    ) -> Result<Rendered, TemplateError> {
        render_parts(channel, set, &self.context())
    }

    /// What the templates see: the fields (each cut to [`sandbox::MAX_FIELD_BYTES`]) and
    /// the wording.
    fn context(&self) -> minijinja::Value {
        let (verb, headline) = self.wording();
        minijinja::context! {
            verb => verb,
            headline => headline,
            ..clipped(self)
        }
    }

    /// A message with made-up data, for previews.
    pub fn sample(event: &str) -> Self {
        Self {
            event: event.to_owned(),
            recipient: "Ines Invitee".into(),
            role: "attendee".into(),
            organization: "Acme Clinic".into(),
            title: "Intro call".into(),
            when: "Tue 1 Dec 2026, 10:00–10:30".into(),
            time_zone: "Europe/Berlin".into(),
            location: Some("https://meet.example/abc".into()),
            people: vec!["Olive Owner".into(), "Ines Invitee".into()],
            reason: matches!(event, "booking.cancelled" | "booking.rejected")
                .then(|| "Something came up".into()),
            manage_url: Some("https://book.example.com/manage/rdvm_sample".into()),
        }
    }
}

/// `value` as a template context, every string cut to [`sandbox::MAX_FIELD_BYTES`].
fn clipped(value: &impl Serialize) -> minijinja::Value {
    let json = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    minijinja::Value::from_serialize(sandbox::clip_fields(json))
}

/// Renders `source` as `part` with `ctx`: refused outside the [`sandbox`] subset, in its
/// environment, and at most [`MAX_OUTPUT_BYTES`] long.
fn render_one(part: Part, source: &str, ctx: &minijinja::Value) -> Result<String, TemplateError> {
    let engine = |source| TemplateError::Engine { part, source };
    let env = compiled::environment(part, source)?;
    let template = env.get_template(part.file_name()).map_err(engine)?;
    sandbox::render(&template, ctx).map_err(|failure| match failure {
        sandbox::Rendering::TooLarge => TemplateError::TooLarge { part },
        sandbox::Rendering::Engine(source) => TemplateError::Engine { part, source },
    })
}

/// Renders each of `channel`'s parts of `set` with `ctx`.
fn render_parts(
    channel: Channel,
    set: &TemplateSet,
    ctx: &minijinja::Value,
) -> Result<Rendered, TemplateError> {
    let mut rendered = Rendered {
        subject: String::new(),
        text: String::new(),
        html: String::new(),
    };
    for &part in channel.parts() {
        let out = render_one(part, set.get(part), ctx)?;
        match part {
            // One line, whatever the template's author typed.
            Part::Subject => {
                rendered.subject = out.split_whitespace().collect::<Vec<_>>().join(" ");
            }
            Part::Html => rendered.html = out,
            Part::Text => rendered.text = out,
        }
    }
    Ok(rendered)
}

/// An e-mail to an account holder with a one-time link: an invitation, a password reset or
/// an address verification. Every field is plain text.
#[derive(Clone, Debug, Serialize)]
pub struct AccountMessage {
    /// One of [`ACCOUNT_MESSAGE_TYPES`].
    pub event: String,
    pub recipient: String,
    pub organization: String,
    /// The absolute link the recipient opens.
    pub link: String,
    /// When the link stops working, in the recipient's zone, already formatted.
    pub expires: String,
}

impl AccountMessage {
    /// The subject's words (also the link's label) and the sentence above the link.
    fn wording(&self) -> (&'static str, &'static str) {
        match self.event.as_str() {
            "account.invitation" => (
                "Accept your invitation",
                "You are invited to schedule with your team on Rendezvous. Open the link to \
                 choose your password.",
            ),
            "account.password_reset" => (
                "Reset your password",
                "Someone (we hope you) asked to reset your password. Open the link to choose \
                 a new one.",
            ),
            "account.locked" => (
                "Sign-in to your account is locked",
                "Sign-in to your account was locked after many wrong passwords. If that was \
                 not you, someone is guessing your password: consider resetting it. To sign \
                 in again, open the link to unlock, then sign in with your password.",
            ),
            "account.unlock" => (
                "Unlock sign-in",
                "Someone (we hope you) signed in with your password while sign-in to your \
                 account was locked. Open the link to unlock it, then sign in again.",
            ),
            _ => (
                "Confirm your e-mail address",
                "Open the link to confirm that this address is yours.",
            ),
        }
    }

    /// The e-mail from the built-in templates.
    pub fn render(&self) -> Result<Rendered, TemplateError> {
        self.render_with(&default_templates(&self.event, Channel::Email))
    }

    /// The e-mail from `set` (checked with [`check`] when it was saved).
    pub fn render_with(&self, set: &TemplateSet) -> Result<Rendered, TemplateError> {
        let (verb, headline) = self.wording();
        let ctx = minijinja::context! {
            verb => verb,
            headline => headline,
            ..clipped(self)
        };
        render_parts(Channel::Email, set, &ctx)
    }

    /// A message with made-up data, for previews.
    pub fn sample(event: &str) -> Self {
        Self {
            event: event.to_owned(),
            recipient: "Ines Member".into(),
            organization: "Acme Clinic".into(),
            link: format!(
                "https://book.example.com/{}/rdva_sample",
                match event {
                    "account.invitation" => "invite",
                    "account.password_reset" => "reset",
                    "account.locked" | "account.unlock" => "unlock",
                    _ => "verify",
                }
            ),
            expires: "Tue 1 Dec 2026, 10:00 (Europe/Berlin)".into(),
        }
    }
}

/// `set` rendered with sample data of `event`'s kind, for previews.
pub fn render_sample(
    event: &str,
    channel: Channel,
    set: &TemplateSet,
) -> Result<Rendered, TemplateError> {
    if is_account(event) {
        AccountMessage::sample(event).render_with(set)
    } else {
        BookingMessage::sample(event).render_with(channel, set)
    }
}

/// Notices to an organization's owners about its own setup, by kind: (subject, text, HTML).
/// Built in; organizations do not reword them.
const NOTICES: [(&str, &str, &str, &str); 1] = [(
    "webhook.disabled",
    "Webhook turned off: {{ data.url }}",
    "Hello {{ recipient }},

Rendezvous turned off the webhook subscription for {{ data.url }}
{%- if data.description %} ({{ data.description }}){% endif %}.

Why: {{ data.reason }}

Events are no longer sent to it. Fix the receiver, then re-enable the subscription
(PATCH /api/v1/webhooks/{{ data.subscription_id }} with {\"enabled\": true}).

-- 
Sent by Rendezvous for {{ organization }}
",
    "<!doctype html>
<html><body style=\"font-family: sans-serif\">
<p>Hello {{ recipient }},</p>
<p>Rendezvous turned off the webhook subscription for <strong>{{ data.url }}</strong>
{%- if data.description %} ({{ data.description }}){% endif %}.</p>
<p>Why: {{ data.reason }}</p>
<p>Events are no longer sent to it. Fix the receiver, then re-enable the subscription.</p>
<p style=\"color: #666\">Sent by Rendezvous for {{ organization }}</p>
</body></html>
",
)];

/// A notice to one of an organization's owners (`webhook.disabled`, ...); `data` is what
/// its template shows.
#[derive(Clone, Debug, Serialize)]
pub struct NoticeMessage {
    pub kind: String,
    pub recipient: String,
    pub organization: String,
    pub data: serde_json::Value,
}

impl NoticeMessage {
    pub fn render(&self) -> Result<Rendered, TemplateError> {
        let Some((_, subject, text, html)) = NOTICES.iter().find(|n| n.0 == self.kind) else {
            return Err(TemplateError::UnknownNotice(self.kind.clone()));
        };
        render_parts(
            Channel::Email,
            &TemplateSet {
                subject: (*subject).to_owned(),
                html: (*html).to_owned(),
                text: (*text).to_owned(),
            },
            &clipped(self),
        )
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    pub(crate) fn sample(event: &str) -> BookingMessage {
        BookingMessage {
            event: event.into(),
            recipient: "Ines <Invitee>".into(),
            role: "attendee".into(),
            organization: "Acme Clinic".into(),
            title: "Intro call".into(),
            when: "Tue 1 Dec 2026, 10:00–10:30".into(),
            time_zone: "Europe/Berlin".into(),
            location: Some("https://meet.example/abc".into()),
            people: vec!["Olive Owner".into(), "Ines <Invitee>".into()],
            reason: (event == "booking.cancelled").then(|| "sick & sorry".into()),
            manage_url: None,
        }
    }

    #[test]
    fn invitee_emails_carry_the_manage_link() {
        let message = BookingMessage {
            manage_url: Some("https://book.example.com/manage/rdvm_x?a=1&b=2".into()),
            ..sample("booking.confirmed")
        };
        let rendered = message.render().unwrap();
        assert!(
            rendered
                .text
                .contains("Reschedule or cancel: https://book.example.com/manage/rdvm_x?a=1&b=2")
        );
        assert!(rendered.html.contains("manage&#x2f;rdvm_x?a=1&amp;b=2\""));
        // Without a link (the host's e-mail), nothing is said about one.
        assert!(
            !sample("booking.confirmed")
                .render()
                .unwrap()
                .text
                .contains("Reschedule")
        );
    }

    #[test]
    fn account_emails_render_with_their_link() {
        for event in ACCOUNT_MESSAGE_TYPES {
            let message = AccountMessage::sample(event);
            let rendered = message.render().unwrap();
            assert!(rendered.text.contains(&message.link));
            // minijinja escapes `/` too, which browsers read back as `/`.
            let escaped = message.link.replace('/', "&#x2f;");
            assert!(rendered.html.contains(&format!("href=\"{escaped}\"")));
            assert!(
                rendered.subject.contains("Acme Clinic"),
                "{}",
                rendered.subject
            );
        }
        insta::assert_snapshot!(
            "account_locked",
            AccountMessage::sample("account.locked")
                .render()
                .map(|r| format!("Subject: {}\n\n{}\n----\n{}", r.subject, r.text, r.html))
                .unwrap()
        );
        insta::assert_snapshot!(
            "account_invitation",
            AccountMessage::sample("account.invitation")
                .render()
                .map(|r| format!("Subject: {}\n\n{}\n----\n{}", r.subject, r.text, r.html))
                .unwrap()
        );
    }

    #[test]
    fn account_templates_must_keep_the_link_and_use_only_their_placeholders() {
        let set = TemplateSet {
            subject: "Welcome".into(),
            html: "<p>{{ title }}</p>".into(),
            text: "Hi {{ recipient }}: {{ link }}".into(),
        };
        let problems = check("account.invitation", Channel::Email, &set);
        let codes: Vec<_> = problems.iter().map(|p| (p.part, p.code)).collect();
        assert_eq!(
            codes,
            vec![
                ("html", "unknown_placeholder"),
                ("html", "missing_placeholder")
            ]
        );
        assert_eq!(channels("account.invitation"), &[Channel::Email]);
    }

    #[test]
    fn booking_emails_render() {
        for event in ["booking.created", "booking.cancelled"] {
            let rendered = sample(event).render().unwrap();
            insta::assert_snapshot!(
                event.replace('.', "_"),
                format!(
                    "Subject: {}\n\n{}\n----\n{}",
                    rendered.subject, rendered.text, rendered.html
                )
            );
        }
    }

    #[test]
    fn html_escapes_what_people_typed() {
        let rendered = sample("booking.cancelled").render().unwrap();
        assert!(rendered.html.contains("Ines &lt;Invitee&gt;"));
        assert!(rendered.html.contains("sick &amp; sorry"));
        assert!(rendered.text.contains("Ines <Invitee>"));
    }

    #[test]
    fn built_in_templates_pass_their_own_check() {
        for event in all_message_types() {
            for &channel in channels(event) {
                assert_eq!(
                    check(event, channel, &default_templates(event, channel)),
                    vec![],
                    "{event} {channel:?}"
                );
            }
        }
    }

    #[test]
    fn check_names_the_part_and_the_missing_placeholder() {
        let set = TemplateSet {
            subject: "Cancelled: {{ title }}".into(),
            html: "<p>{{ title }} at {{ when }} is off</p>".into(),
            text: "{{ title }} at {{ when }} is off: {{ reason }}".into(),
        };
        let problems = check("booking.cancelled", Channel::Email, &set);
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].part, "html");
        assert_eq!(problems[0].code, "missing_placeholder");
        assert!(problems[0].message.contains("{{ reason }}"));
    }

    #[test]
    fn check_refuses_broken_and_unknown() {
        let set = TemplateSet {
            subject: "{{ title ".into(),
            html: "{{ title }} {{ when }} {{ password }}".into(),
            text:
                "{% for p in people %}{{ loop.index }} {{ p }}{% endfor %} {{ title }} {{ when }}"
                    .into(),
        };
        let problems = check("booking.created", Channel::Email, &set);
        let codes: Vec<_> = problems.iter().map(|p| (p.part, p.code)).collect();
        assert_eq!(
            codes,
            vec![("subject", "syntax"), ("html", "unknown_placeholder")]
        );
    }

    #[test]
    fn custom_templates_render_and_escape() {
        let set = TemplateSet {
            subject: "Bye\n{{ title }}".into(),
            html: "<p>{{ recipient }}: {{ title }} {{ when }} {{ reason }}</p>".into(),
            text: "{{ recipient }}: {{ title }} {{ when }} {{ reason }}".into(),
        };
        let rendered = sample("booking.cancelled")
            .render_with(Channel::Email, &set)
            .unwrap();
        insta::assert_snapshot!(format!(
            "Subject: {}\n\n{}\n----\n{}",
            rendered.subject, rendered.text, rendered.html
        ));
    }

    #[test]
    fn runaway_templates_run_out_of_fuel() {
        let long = "x".repeat(1000);
        let set = TemplateSet {
            subject: String::new(),
            html: String::new(),
            text: format!(
                "{{% for i in \"{long}\" %}}{{% for j in \"{long}\" %}}{{% endfor %}}{{% endfor %}}{{{{ title }}}}{{{{ when }}}}"
            ),
        };
        let error = sample("booking.created")
            .render_with(Channel::Sms, &set)
            .unwrap_err();
        assert!(error.to_string().contains("fuel"), "{error}");
    }

    /// The bomb of the security review: doubling a string forty times.
    const BOMB: &str = "{% set ns = namespace(s=\"x\") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }} {{ title }} {{ when }}";

    /// Ways to grow a value without bound in full minijinja; each is refused.
    const GROWERS: [&str; 10] = [
        BOMB,
        "{% set a = title ~ title %}{% set b = a ~ a %}{{ b }}",
        "{% macro f(s, n) %}{{ f(s ~ s, n - 1) }}{% endmacro %}{{ f(title, 40) }}",
        "{% set s %}{{ title }}{{ title }}{% endset %}{{ s }}",
        "{{ title * 100000000 }}",
        "{{ [people, people] }}",
        "{{ {\"a\": people} }}",
        "{% for i in range(10) %}{{ i }}{% endfor %}",
        "{% filter upper %}{{ title }}{% endfilter %}",
        "{% with a = title ~ title %}{{ a }}{% endwith %}",
    ];

    #[test]
    fn template_bomb_is_refused_at_save() {
        for grower in GROWERS {
            let source = format!("{grower} {{{{ title }}}} {{{{ when }}}}");
            let set = TemplateSet {
                subject: "{{ title }}".into(),
                html: "<p>{{ title }} {{ when }}</p>".into(),
                text: source.clone(),
            };
            let problems = check("booking.created", Channel::Email, &set);
            assert_eq!(problems.len(), 1, "{grower}: {problems:?}");
            assert_eq!(problems[0].part, "text", "{grower}");
            // Macros do not even parse when minijinja is built without them.
            assert!(
                ["not_allowed", "syntax"].contains(&problems[0].code),
                "{grower}: {problems:?}"
            );
            let problems = check_source(Part::Text, &source);
            assert_eq!(problems.len(), 1, "{grower}: {problems:?}");
        }
    }

    #[test]
    fn template_bomb_in_preview_is_bounded() {
        // A template saved before the check existed is refused when it renders, naming the part.
        let set = TemplateSet {
            subject: "{{ title }}".into(),
            html: BOMB.into(),
            text: "{{ title }} {{ when }}".into(),
        };
        let error = render_sample("booking.created", Channel::Email, &set).unwrap_err();
        assert!(
            matches!(
                error,
                TemplateError::NotAllowed {
                    part: Part::Html,
                    ..
                }
            ),
            "{error}"
        );

        // What the subset allows stays within its bounds: output over 256 KB is an error
        // naming the part, ...
        let raw = "y".repeat(100_000);
        let set = TemplateSet {
            subject: String::new(),
            html: String::new(),
            text: format!(
                "{{% for i in [1, 2, 3] %}}{raw}{{% endfor %}}{{{{ title }}}} {{{{ when }}}}"
            ),
        };
        let error = render_sample("booking.created", Channel::Sms, &set).unwrap_err();
        assert!(
            matches!(error, TemplateError::TooLarge { part: Part::Text }),
            "{error}"
        );
        let problems = check("booking.created", Channel::Sms, &set);
        assert_eq!(problems.len(), 1);
        assert_eq!((problems[0].part, problems[0].code), ("text", "too_large"));

        // ... a filter stops before its result passes 64 KB, ...
        let text = format!(
            "{{{{ title{} }}}} {{{{ when }}}}",
            "|replace(\"\", title)".repeat(5)
        );
        let problems = check_source(Part::Text, &text);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].code, "render");
        assert!(
            problems[0].message.contains("65536 bytes"),
            "{}",
            problems[0].message
        );

        // ... an expression has at most 64 parts, and loops nest at most three deep.
        let long = vec!["title"; 70].join(" ~ ");
        let problems = check_source(Part::Text, &format!("{{{{ {long} }}}}"));
        assert_eq!(problems[0].code, "not_allowed");
        let deep = "{% for a in people %}{% for b in people %}{% for c in people %}{% for d in people %}{{ d }}{% endfor %}{% endfor %}{% endfor %}{% endfor %}";
        let problems = check_source(Part::Text, deep);
        assert_eq!(problems[0].code, "not_allowed");
        assert!(problems[0].message.contains("3 deep"));

        // Message fields are cut to 8 KB.
        let mut message = sample("booking.cancelled");
        message.reason = Some("r".repeat(100_000));
        let rendered = message.render().unwrap();
        assert!(rendered.text.len() < 10_000, "{}", rendered.text.len());
    }

    #[test]
    fn org_templates_cannot_use_debug_or_safe() {
        for (source, what) in [
            ("{{ debug() }}", "calling functions"),
            ("{{ recipient|safe }}", "the filter `safe`"),
            (
                "{% autoescape false %}{{ recipient }}{% endautoescape %}",
                "{% autoescape %}",
            ),
            ("{{ recipient|tojson }}", "the filter `tojson`"),
            ("{{ loop.cycle(1, 2) }}", "calling functions"),
        ] {
            let problems = check_source(Part::Html, source);
            assert_eq!(problems.len(), 1, "{source}: {problems:?}");
            assert_eq!(problems[0].code, "not_allowed", "{source}");
            assert!(
                problems[0].message.contains(what),
                "{source}: {}",
                problems[0].message
            );
            // And rendering one saved earlier refuses it too.
            let set = TemplateSet {
                subject: "{{ title }}".into(),
                html: format!("{source} {{{{ title }}}} {{{{ when }}}}"),
                text: "{{ title }} {{ when }}".into(),
            };
            assert!(matches!(
                sample("booking.created").render_with(Channel::Email, &set),
                Err(TemplateError::NotAllowed {
                    part: Part::Html,
                    ..
                })
            ));
        }
        // What the subset keeps: loops over placeholders, tests, literal lists, filters;
        // and what an invitee typed stays escaped.
        let set = TemplateSet {
            subject: "{{ title|upper }}".into(),
            html: "{% for p in people %}{{ loop.index }}. {{ p|title }}{% if not loop.last %}, {% endif %}{% endfor %} \
                   {% if event in [\"booking.created\", \"booking.confirmed\"] and location is defined %}{{ location }}{% endif %} \
                   {{ title }} {{ when }} {{ reason|default(\"none\") }}"
                .into(),
            text: "{{ title }} {{ when }}".into(),
        };
        assert_eq!(check("booking.created", Channel::Email, &set), vec![]);
        let rendered = sample("booking.created")
            .render_with(Channel::Email, &set)
            .unwrap();
        assert!(
            rendered.html.contains("2. Ines &lt;Invitee&gt;"),
            "{}",
            rendered.html
        );
        assert!(
            rendered.html.contains("https:&#x2f;&#x2f;meet.example"),
            "{}",
            rendered.html
        );
        assert_eq!(rendered.subject, "INTRO CALL");
    }

    #[test]
    fn webhook_disabled_notice_renders() {
        let rendered = NoticeMessage {
            kind: "webhook.disabled".into(),
            recipient: "Olive Owner".into(),
            organization: "Acme Clinic".into(),
            data: serde_json::json!({
                "subscription_id": "0191c0de-0000-7000-8000-000000000001",
                "url": "https://hooks.example.com/in",
                "description": "CRM <sync>",
                "reason": "deliveries failed 10 times in a row",
            }),
        }
        .render()
        .unwrap();
        insta::assert_snapshot!(format!(
            "Subject: {}\n\n{}\n----\n{}",
            rendered.subject, rendered.text, rendered.html
        ));
    }

    #[test]
    fn sms_renders_one_line() {
        let rendered = BookingMessage::sample("booking.reminder")
            .render_with(
                Channel::Sms,
                &default_templates("booking.reminder", Channel::Sms),
            )
            .unwrap();
        insta::assert_snapshot!(rendered.text);
    }
}
