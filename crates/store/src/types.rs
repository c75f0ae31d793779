//! Column types that read the same from both backends.
//!
//! PostgreSQL keeps its natural types so operators can read the data with their own tools;
//! SQLite gets plain storage classes. Each newtype here bridges one kind, so repository SQL
//! is written once:
//!
//! | kind      | Rust                 | PostgreSQL    | SQLite                  |
//! |-----------|----------------------|---------------|-------------------------|
//! | instant   | [`Timestamp`]        | `TIMESTAMPTZ` | `INTEGER` epoch millis  |
//! | id        | [`Uuid`] newtypes    | `UUID`        | `BLOB` (16 bytes)       |
//! | document  | [`sqlx::types::Json`]| `JSONB`       | `TEXT`                  |
//! | bytes     | `Vec<u8>`            | `BYTEA`       | `BLOB`                  |
//!
//! sqlx already maps `Uuid`, `Json` and bytes this way; only instants need our own code,
//! because text-encoded instants (what jiff-sqlx writes on SQLite) do not sort correctly.

pub use domain::ids::*;
