//! The two migration sets. They must hold the same versions with the same descriptions, so
//! that a feature lands on both backends at once (checked by `tests/migrations.rs`).

use sqlx::migrate::Migrator;

/// Migrations for SQLite (INTEGER milliseconds, BLOB ids, TEXT documents; STRICT tables).
pub static SQLITE: Migrator = sqlx::migrate!("./migrations/sqlite");

/// Migrations for PostgreSQL (TIMESTAMPTZ, UUID, JSONB).
pub static POSTGRES: Migrator = sqlx::migrate!("./migrations/postgres");

/// `(version, description)` of each migration in a set, in order.
pub fn versions(migrator: &Migrator) -> Vec<(i64, String)> {
    migrator
        .iter()
        .map(|m| (m.version, m.description.to_string()))
        .collect()
}
