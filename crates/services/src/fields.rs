//! Collects every invalid field of an input, so one answer lists them all.

use crate::{FieldError, ServiceError};

#[derive(Debug, Default)]
pub(crate) struct Invalid(Vec<FieldError>);

impl Invalid {
    pub(crate) fn push(
        &mut self,
        pointer: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) {
        self.0.push(FieldError {
            pointer: pointer.into(),
            code,
            message: message.into(),
        });
    }

    /// Checks `ok`, recording the field when it fails.
    pub(crate) fn check(&mut self, ok: bool, pointer: &str, code: &'static str, message: &str) {
        if !ok {
            self.push(pointer, code, message);
        }
    }

    pub(crate) fn finish(self) -> Result<(), ServiceError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ServiceError::Validation(self.0))
        }
    }
}

/// Checks an IANA zone name, spelled as the tz database spells it.
pub(crate) fn time_zone(
    invalid: &mut Invalid,
    pointer: &str,
    name: &str,
) -> Option<jiff::tz::TimeZone> {
    match jiff::tz::TimeZone::get(name) {
        Ok(tz) if tz.iana_name() == Some(name) => Some(tz),
        _ => {
            invalid.push(
                pointer,
                "time_zone",
                "must be an IANA time zone name, e.g. Europe/Berlin",
            );
            None
        }
    }
}
