//! Booking e-mails from minijinja templates: a subject line, plain text and HTML (auto-escaped
//! because the template's name ends in `.html`).

use minijinja::Environment;
use serde::Serialize;

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
<p style=\"color: #666\">Sent by Rendezvous for {{ organization }}</p>
</body></html>
";

/// What a booking e-mail says; every field is plain text (the HTML version escapes it).
#[derive(Clone, Debug, Serialize)]
pub struct BookingMessage {
    /// `booking.created`, ...
    pub event: String,
    pub recipient: String,
    pub organization: String,
    pub title: String,
    /// Start and end in the recipient's zone, already formatted.
    pub when: String,
    pub time_zone: String,
    pub location: Option<String>,
    /// Host and attendees, by name.
    pub people: Vec<String>,
    pub reason: Option<String>,
}

/// A rendered e-mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

#[derive(Debug, thiserror::Error)]
#[error("template: {0}")]
pub struct TemplateError(#[from] minijinja::Error);

impl BookingMessage {
    /// The first word of the subject and the sentence at the top, by event.
    fn wording(&self) -> (&'static str, &'static str) {
        match self.event.as_str() {
            "booking.requested" => ("Requested", "A booking is waiting for confirmation."),
            "booking.confirmed" => ("Confirmed", "The booking is confirmed."),
            "booking.rejected" => ("Declined", "The booking request was declined."),
            "booking.rescheduled" => ("Rescheduled", "The booking moved to a new time."),
            "booking.cancelled" => ("Cancelled", "The booking was cancelled."),
            _ => ("Booked", "A new booking is confirmed."),
        }
    }

    pub fn render(&self) -> Result<Rendered, TemplateError> {
        let mut env = Environment::new();
        env.add_template("booking.txt", TEXT)?;
        env.add_template("booking.html", HTML)?;
        let (verb, headline) = self.wording();
        let ctx =
            minijinja::context! { headline => headline, ..minijinja::Value::from_serialize(self) };
        Ok(Rendered {
            subject: format!("{verb}: {} on {}", self.title, self.when),
            text: env.get_template("booking.txt")?.render(&ctx)?,
            html: env.get_template("booking.html")?.render(&ctx)?,
        })
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
            organization: "Acme Clinic".into(),
            title: "Intro call".into(),
            when: "Tue 1 Dec 2026, 10:00–10:30".into(),
            time_zone: "Europe/Berlin".into(),
            location: Some("https://meet.example/abc".into()),
            people: vec!["Olive Owner".into(), "Ines <Invitee>".into()],
            reason: (event == "booking.cancelled").then(|| "sick & sorry".into()),
        }
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
}
