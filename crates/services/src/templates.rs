//! Organizations' message templates: list, read, replace, reset, preview. A template is
//! checked before it is saved (it compiles, uses only the placeholders messages carry, keeps
//! the ones its type needs); a message type without one of its own uses the built-in
//! templates of `notify::templates`.

use domain::ids::{OrganizationId, Timestamp};
use domain::templates::{StoredTemplate, TemplateSources};
use notify::templates::{
    Channel, Rendered, TemplateError, TemplateSet, all_message_types, channels, check,
    default_templates, render_sample, required_placeholders,
};
use store::{Db, Scope, can};

use crate::ServiceError;
use crate::fields::Invalid;

/// The longest part a template may have, in characters.
pub const MAX_PART_CHARS: usize = 100_000;

/// A message type's template on one channel, as it applies now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EffectiveTemplate {
    pub event: String,
    pub channel: Channel,
    pub set: TemplateSet,
    /// `false`: the built-in template applies.
    pub customized: bool,
    /// What each part must use: `(part, placeholders)`.
    pub required: Vec<(&'static str, &'static [&'static str])>,
    pub updated_at: Option<Timestamp>,
}

fn manage(scope: &Scope) -> Result<store::Granted<can::ManageTemplates>, ServiceError> {
    scope.grant().ok_or(ServiceError::Forbidden)
}

/// The message type and channel named in a path; unknown ones (and a channel the type is
/// not sent on, like SMS for account e-mails) are not found.
pub fn parse_key(event: &str, channel: &str) -> Result<(&'static str, Channel), ServiceError> {
    let event = all_message_types()
        .find(|t| *t == event)
        .ok_or(ServiceError::NotFound("message type"))?;
    let channel = Channel::parse(channel)
        .filter(|c| channels(event).contains(c))
        .ok_or(ServiceError::NotFound("channel"))?;
    Ok((event, channel))
}

fn effective(event: &str, channel: Channel, stored: Option<StoredTemplate>) -> EffectiveTemplate {
    let required = channel
        .parts()
        .iter()
        .map(|part| (part.as_str(), required_placeholders(event, *part)))
        .collect();
    match stored {
        Some(stored) => EffectiveTemplate {
            event: event.to_owned(),
            channel,
            set: TemplateSet {
                subject: stored.subject,
                html: stored.html,
                text: stored.text,
            },
            customized: true,
            required,
            updated_at: Some(stored.updated_at),
        },
        None => EffectiveTemplate {
            event: event.to_owned(),
            channel,
            set: default_templates(event, channel),
            customized: false,
            required,
            updated_at: None,
        },
    }
}

/// Every message type on every channel, with the organization's own templates where it
/// wrote them.
pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<EffectiveTemplate>, ServiceError> {
    manage(scope)?;
    let mut stored = db.templates().list(scope).await?;
    let mut out = Vec::new();
    for event in all_message_types() {
        for &channel in channels(event) {
            let own = stored
                .iter()
                .position(|s| s.event == event && s.channel == channel.as_str())
                .map(|i| stored.swap_remove(i));
            out.push(effective(event, channel, own));
        }
    }
    Ok(out)
}

pub async fn get(
    db: &Db,
    scope: &Scope,
    event: &str,
    channel: &str,
) -> Result<EffectiveTemplate, ServiceError> {
    manage(scope)?;
    let (event, channel) = parse_key(event, channel)?;
    let stored = db.templates().get(scope, event, channel.as_str()).await?;
    Ok(effective(event, channel, stored))
}

/// Checks `set` as the `channel` template of `event`: each problem names its part
/// (`/subject`, `/html`, `/text`).
fn validate(event: &str, channel: Channel, set: &TemplateSet) -> Result<(), ServiceError> {
    let mut invalid = Invalid::default();
    for (part, value) in [
        ("subject", &set.subject),
        ("html", &set.html),
        ("text", &set.text),
    ] {
        let used = channel.parts().iter().any(|p| p.as_str() == part);
        if used {
            invalid.check(
                value.chars().count() <= MAX_PART_CHARS,
                &format!("/{part}"),
                "length",
                &format!("must be at most {MAX_PART_CHARS} characters"),
            );
        } else {
            invalid.check(
                value.is_empty(),
                &format!("/{part}"),
                "unused",
                &format!("{} messages have no {part}; leave it out", channel.as_str()),
            );
        }
    }
    for problem in check(event, channel, set) {
        invalid.push(format!("/{}", problem.part), problem.code, problem.message);
    }
    invalid.finish()
}

/// Replaces the organization's template for `event` on `channel`.
pub async fn put(
    db: &Db,
    scope: &Scope,
    event: &str,
    channel: &str,
    set: TemplateSet,
) -> Result<EffectiveTemplate, ServiceError> {
    let grant = manage(scope)?;
    let (event, channel) = parse_key(event, channel)?;
    validate(event, channel, &set)?;
    let stored = db
        .templates()
        .put(
            &grant,
            event,
            channel.as_str(),
            &TemplateSources {
                subject: set.subject,
                html: set.html,
                text: set.text,
            },
        )
        .await?;
    Ok(effective(event, channel, Some(stored)))
}

/// Drops the organization's template, so the built-in one applies again.
pub async fn reset(
    db: &Db,
    scope: &Scope,
    event: &str,
    channel: &str,
) -> Result<EffectiveTemplate, ServiceError> {
    let grant = manage(scope)?;
    let (event, channel) = parse_key(event, channel)?;
    db.templates()
        .delete(&grant, event, channel.as_str())
        .await?;
    Ok(effective(event, channel, None))
}

/// Renders sample data with `draft` (checked first) or, without one, with the template that
/// applies now. A failure names the part (`/html`, ...).
pub async fn preview(
    db: &Db,
    scope: &Scope,
    event: &str,
    channel: &str,
    draft: Option<TemplateSet>,
) -> Result<Rendered, ServiceError> {
    let set = match draft {
        Some(draft) => {
            manage(scope)?;
            let (event, channel) = parse_key(event, channel)?;
            validate(event, channel, &draft)?;
            draft
        }
        None => get(db, scope, event, channel).await?.set,
    };
    let (event, channel) = parse_key(event, channel)?;
    render_sample(event, channel, &set).map_err(|e| render_error(&e))
}

/// A template that did not render, as a problem naming its part.
fn render_error(error: &TemplateError) -> ServiceError {
    let code = match error {
        TemplateError::NotAllowed { .. } => "not_allowed",
        TemplateError::TooLarge { .. } => "too_large",
        _ => "render",
    };
    ServiceError::field(format!("/{}", error.part()), code, error.reason())
}

/// A message ready to send.
#[derive(Debug)]
pub struct ForSending {
    pub rendered: Rendered,
    /// Why the organization's own template was not used, when it failed and the built-in
    /// one was used instead.
    pub fallback: Option<String>,
}

/// Why a message could not be rendered.
#[derive(Debug, thiserror::Error)]
pub enum RenderFailure {
    /// Reading the organization's template failed; trying again may help.
    #[error("reading the template: {0}")]
    Store(String),
    /// The built-in template failed: trying again cannot help.
    #[error(transparent)]
    Template(#[from] TemplateError),
}

/// What a worker sends: `render` with the organization's template of `event` when it has
/// one that renders, else with the built-in one (a message is never lost to a template).
/// A template that fails is not tried again: rendering is deterministic and bounded
/// (`notify::templates::sandbox`), so the fallback is used at once and the failure is
/// logged and returned for the notification log.
pub async fn render_for(
    db: &Db,
    organization_id: OrganizationId,
    channel: Channel,
    event: &str,
    render: impl Fn(&TemplateSet) -> Result<Rendered, TemplateError>,
) -> Result<ForSending, RenderFailure> {
    let stored = db
        .templates()
        .find(organization_id, event, channel.as_str())
        .await
        .map_err(|e| RenderFailure::Store(e.to_string()))?;
    let mut fallback = None;
    if let Some(stored) = stored {
        let set = TemplateSet {
            subject: stored.subject,
            html: stored.html,
            text: stored.text,
        };
        match render(&set) {
            Ok(rendered) => return Ok(ForSending { rendered, fallback }),
            Err(error) => {
                tracing::warn!(%error, %event, organization = %organization_id,
                    "the organization's template failed; sending the built-in one");
                fallback = Some(format!(
                    "the organization's {} template failed ({error}); the built-in one was sent",
                    channel.as_str()
                ));
            }
        }
    }
    let rendered = render(&default_templates(event, channel))?;
    Ok(ForSending { rendered, fallback })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use notify::templates::BookingMessage;
    use store::{Operator, backend_test};

    use super::*;

    /// The bomb of the security review, as a template stored before templates were checked.
    const BOMB: &str = "{% set ns = namespace(s=\"x\") %}{% for i in range(40) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s }} {{ title }} {{ when }}";

    backend_test!(
        render_failure_falls_back_to_builtin_without_retry,
        |t| async move {
            let created = crate::organizations::create(
                &t.db,
                &Operator::local(),
                crate::organizations::CreateOrganization {
                    slug: "acme".into(),
                    name: "Acme".into(),
                    owner_email: "olive@acme.example".into(),
                    owner_name: "Olive Owner".into(),
                    owner_time_zone: "UTC".into(),
                },
            )
            .await
            .unwrap();
            let scope =
                t.db.api_keys()
                    .authenticate(created.api_key.token.expose())
                    .await
                    .unwrap()
                    .unwrap();
            let grant = scope.grant().unwrap();
            t.db.templates()
                .put(
                    &grant,
                    "booking.created",
                    "email",
                    &TemplateSources {
                        subject: "{{ title }}".into(),
                        html: BOMB.into(),
                        text: "{{ title }} {{ when }}".into(),
                    },
                )
                .await
                .unwrap();
            let org = created.organization.id;
            let message = BookingMessage::sample("booking.created");

            // The organization's template fails: the built-in one is used at once, and why is
            // returned for the notification log.
            let calls = std::cell::Cell::new(0);
            let ready = render_for(&t.db, org, Channel::Email, "booking.created", |set| {
                calls.set(calls.get() + 1);
                message.render_with(Channel::Email, set)
            })
            .await
            .unwrap();
            assert_eq!(
                calls.get(),
                2,
                "the organization's template once, the built-in once"
            );
            assert!(ready.rendered.subject.starts_with("Booked: "), "{ready:?}");
            let why = ready.fallback.unwrap();
            assert!(why.contains("template html"), "{why}");

            // A template that fails even built in is a permanent failure, not a store error to
            // retry.
            let failed = render_for(&t.db, org, Channel::Email, "booking.created", |_| {
                Err(TemplateError::NotAllowed {
                    part: notify::templates::Part::Text,
                    reason: "broken".into(),
                })
            })
            .await
            .unwrap_err();
            assert!(matches!(failed, RenderFailure::Template(_)), "{failed:?}");

            // Another organization's messages are untouched.
            let ready = render_for(
                &t.db,
                OrganizationId::new(),
                Channel::Email,
                "booking.created",
                |set| message.render_with(Channel::Email, set),
            )
            .await
            .unwrap();
            assert!(ready.fallback.is_none());
        }
    );
}
