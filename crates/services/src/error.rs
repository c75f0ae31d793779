//! What a use case can answer besides success. Web maps each kind to a status and a
//! problem+json `code`; the CLI prints it.

use domain::refusals::{Conflict, Unbookable};

/// One invalid input field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// Where, as a JSON Pointer (RFC 6901) into the input: `/owner/email`.
    pub pointer: String,
    /// Machine-readable reason: `length`, `pattern`, `time_zone`, ...
    pub code: &'static str,
    /// For people.
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The write collides with what is there (a unique value taken, a sync running, a
    /// retried request that differs, ...). A taken slot arrives as
    /// [`Unavailable`](Self::Unavailable)`(`[`Unbookable::Taken`]`)` instead.
    #[error("{0}")]
    Conflict(Conflict),
    #[error("not allowed")]
    Forbidden,
    /// Wrong e-mail or password (never says which), or a bad e-mailed token.
    #[error("invalid credentials")]
    InvalidCredentials,
    /// A bad, used or expired e-mailed token.
    #[error("invalid or expired token")]
    InvalidToken,
    /// The account exists and the password is right, but it is not active.
    #[error("account disabled")]
    AccountDisabled,
    /// The operator has not opened self-service sign-up.
    #[error("sign-up is closed")]
    SignupClosed,
    /// Too many attempts; try again after this many seconds.
    #[error("too many requests")]
    RateLimited { retry_after_secs: u64 },
    /// Hashing failed (out of memory or a broken runtime); not the caller's fault.
    #[error("password hashing failed")]
    Crypto,
    /// The time asked for cannot be booked; says why.
    #[error("the slot is not available: {}", .0.code())]
    Unavailable(Unbookable),
    /// A resource cannot be held for the time asked: `index` is its place in the request's
    /// `resource_ids`; `detail` names the resource and its rule.
    #[error("resource {index} cannot be reserved: {}", .reason.code())]
    ResourceRefused {
        index: usize,
        reason: domain::resources::ResourceRefusal,
        detail: String,
    },
    /// A booking is in a state that does not allow the change.
    #[error("a {from} booking cannot become {to}")]
    InvalidTransition {
        from: &'static str,
        to: &'static str,
    },
    #[error("internal error")]
    Internal(#[source] store::Error),
}

impl From<store::Error> for ServiceError {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::NotFound(what) => Self::NotFound(what),
            store::Error::Conflict(Conflict::SlotTaken) => Self::Unavailable(Unbookable::Taken),
            store::Error::Conflict(conflict) => Self::Conflict(conflict),
            store::Error::InvalidTransition { from, to } => Self::InvalidTransition { from, to },
            other => Self::Internal(other),
        }
    }
}

impl ServiceError {
    /// One invalid field.
    pub fn field(
        pointer: impl Into<String>,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        Self::Validation(vec![FieldError {
            pointer: pointer.into(),
            code,
            message: message.into(),
        }])
    }
}

impl From<garde::Report> for ServiceError {
    fn from(report: garde::Report) -> Self {
        Self::Validation(
            report
                .iter()
                .map(|(path, error)| FieldError {
                    pointer: crate::validate::pointer(&path.to_string()),
                    code: "invalid",
                    message: error.message().to_string(),
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::refusals::UniqueField;

    #[test]
    fn a_taken_slot_is_unavailable_and_a_taken_value_a_conflict() {
        let slot = ServiceError::from(store::Error::Conflict(Conflict::SlotTaken));
        assert!(
            matches!(slot, ServiceError::Unavailable(Unbookable::Taken)),
            "{slot:?}"
        );
        let slug = Conflict::ValueTaken(UniqueField::Slug);
        let value = ServiceError::from(store::Error::Conflict(slug));
        assert!(
            matches!(value, ServiceError::Conflict(c) if c == slug),
            "{value:?}"
        );
        assert_eq!(value.to_string(), "slug is already taken");
    }

    #[test]
    fn an_unavailable_time_names_its_code() {
        assert_eq!(
            ServiceError::Unavailable(Unbookable::TooSoon).to_string(),
            "the slot is not available: too_soon"
        );
    }
}
