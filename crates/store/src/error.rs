//! Store errors. Callers match on the kind; the sqlx detail stays inside for logs.

use domain::refusals::{Conflict, UniqueField};

/// Why a pool could not be opened. Each variant names the one setting at fault, so the
/// binary can report it in one line.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("unsupported scheme (expected sqlite: or postgres:)")]
    UnsupportedScheme,
    #[error("cannot parse: {0}")]
    InvalidUrl(String),
    #[error("cannot connect: {0}")]
    Unreachable(#[source] sqlx::Error),
}

/// A failed store operation.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The row does not exist in the caller's scope.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The write collides with what is there: a unique value or a host's time already
    /// taken, or a row whose state forbids the change.
    #[error("{0}")]
    Conflict(Conflict),
    /// A booking cannot move from its state to the one asked for.
    #[error("a {from} booking cannot become {to}")]
    InvalidTransition {
        from: &'static str,
        to: &'static str,
    },
    /// A value read from the database does not make sense (a bug or a hand-edited row).
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl Error {
    /// Maps a unique violation to [`Conflict::ValueTaken`] on `field`; other errors pass
    /// through.
    pub(crate) fn unique_as(field: UniqueField) -> impl FnOnce(sqlx::Error) -> Error {
        move |e| match e.as_database_error() {
            Some(db) if db.is_unique_violation() => Error::Conflict(Conflict::ValueTaken(field)),
            _ => Error::Database(e),
        }
    }
}
