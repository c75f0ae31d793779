//! What a use case can answer besides success. Web maps each kind to a status and a
//! problem+json `code`; the CLI prints it.

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
    /// A unique value is taken; names the field.
    #[error("{0} is already taken")]
    Conflict(&'static str),
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
    /// The time asked for cannot be booked; says why (`taken`, `outside_hours`, `too_soon`,
    /// `beyond_window`, `limit_reached`, `full`).
    #[error("the slot is not available: {0}")]
    Unavailable(&'static str),
    /// A booking is in a state that does not allow the change.
    #[error("a {from} booking cannot become {to}")]
    InvalidTransition {
        from: &'static str,
        to: &'static str,
    },
    /// Only dead jobs can be retried.
    #[error("the job is not dead")]
    JobNotDead,
    #[error("internal error")]
    Internal(#[source] store::Error),
}

impl From<store::Error> for ServiceError {
    fn from(e: store::Error) -> Self {
        match e {
            store::Error::NotFound(what) => Self::NotFound(what),
            store::Error::Conflict("start") => Self::Unavailable("taken"),
            store::Error::Conflict(field) => Self::Conflict(field),
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
