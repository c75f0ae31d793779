//! The two migration sets must move in step: same versions, same descriptions.

use rendezvous_store::migrations::{POSTGRES, SQLITE, versions};

#[test]
fn sqlite_and_postgres_have_the_same_migrations() {
    let sqlite = versions(&SQLITE);
    let postgres = versions(&POSTGRES);
    assert!(!sqlite.is_empty(), "no migrations found");
    assert_eq!(
        sqlite, postgres,
        "migrations/sqlite and migrations/postgres must hold the same versions"
    );
}
