//! A service's refusal of a submitted form, in the form's words: each message next to the
//! field it is about.

use std::collections::BTreeMap;

use domain::refusals::Conflict;
use services::ServiceError;

/// A form's messages, by the name of the field each is about.
pub(crate) type FieldErrors = BTreeMap<String, String>;

/// A service's refusal of a form as the form shows it: each validation problem at the field
/// its pointer names, and a unique value someone already has at its own field, with the
/// page's `taken` sentence (`None` where the page has no such field). `prefix` names the
/// fields of one form on a page with several (`""` on a page with one). Any other error is
/// no field's and comes back, to be shown as the page.
pub(crate) fn field_errors(
    e: ServiceError,
    prefix: &str,
    taken: Option<&str>,
) -> Result<FieldErrors, ServiceError> {
    match (e, taken) {
        (ServiceError::Validation(fields), _) => Ok(fields
            .into_iter()
            .map(|f| {
                (
                    format!("{prefix}{}", field_of(&f.pointer)),
                    sentence(&f.message),
                )
            })
            .collect()),
        (ServiceError::Conflict(Conflict::ValueTaken(field)), Some(taken)) => Ok(
            FieldErrors::from([(format!("{prefix}{}", field.name()), taken.to_owned())]),
        ),
        (other, _) => Err(other),
    }
}

/// A service message as a sentence: `must be …` becomes `Must be ….`
pub(crate) fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!(
            "{}{}.",
            first.to_uppercase(),
            chars.as_str().trim_end_matches('.')
        ),
        None => String::new(),
    }
}

/// The form field a service error's JSON Pointer names.
pub(crate) fn field_of(pointer: &str) -> String {
    let mut parts = pointer.trim_start_matches('/').split('/');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("weekly"), Some(day), _) => day.to_owned(),
        // `/overrides/{date}` is the date itself; anything deeper is one of its windows.
        (Some("overrides"), Some(_), Some(_)) => "override_windows".to_owned(),
        (Some("overrides"), _, _) => "override_date".to_owned(),
        (Some(first), _, _) => first.to_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointers_map_to_form_fields() {
        assert_eq!(field_of("/weekly/mon/0"), "mon");
        assert_eq!(field_of("/overrides/2026-12-24/1"), "override_windows");
        assert_eq!(field_of("/overrides/2026-12-24"), "override_date");
        assert_eq!(field_of("/time_zone"), "time_zone");
    }
}
