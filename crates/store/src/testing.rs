//! Throwaway databases for tests, one per test so tests run in parallel.
//!
//! SQLite: a file in a fresh temporary directory. PostgreSQL (when `TEST_DATABASE_URL` is
//! set): a fresh schema in that database, selected through `search_path`, so no test sees
//! another's rows and no `CREATE DATABASE` (slow, and needing rights) is required. The
//! schema belongs to [`TEST_ROLE`], an ordinary role the tests act as: superusers bypass
//! row-level security, so testing as one would prove nothing about the policies.

use std::str::FromStr;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::Connection;
use sqlx::postgres::{PgConnectOptions, PgConnection};

use crate::{ConnectOptions, Db};

/// The environment variable naming the PostgreSQL database tests may use.
pub const TEST_DATABASE_URL: &str = "TEST_DATABASE_URL";

/// Schemas left behind by crashed or killed test runs are dropped after this long.
const STALE_AFTER_SECS: u64 = 3600;
const SCHEMA_PREFIX: &str = "rdv_test_";

/// The role PostgreSQL tests run as (`SET ROLE` at connection start): not a superuser and
/// without BYPASSRLS, like the server's own role should be, and the owner of each test schema
/// (so, like the server, it migrates and owns the tables its policies are FORCEd on).
pub const TEST_ROLE: &str = "rdv_test_owner";

/// A migrated, empty database that lives as long as this value.
#[derive(Debug)]
pub struct TestDb {
    pub db: Db,
    url: String,
    // Keeps the SQLite file's directory alive.
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    /// A fresh SQLite database in a temporary directory.
    ///
    /// # Panics
    /// If the temporary directory or the database cannot be created; this is test code.
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().expect("create a temporary directory");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        let db = Db::connect(&url, &options())
            .await
            .expect("open a SQLite test database");
        db.migrate()
            .await
            .expect("migrate the SQLite test database");
        Self {
            db,
            url,
            _dir: Some(dir),
        }
    }

    /// A fresh schema in `TEST_DATABASE_URL`, or `None` when it is not set.
    ///
    /// # Panics
    /// If the variable is set but the database cannot be reached or prepared, and when it is
    /// not set under CI (`CI` set): there a PostgreSQL half that skips would be a test that
    /// cannot fail.
    pub async fn postgres() -> Option<Self> {
        let Ok(base) = std::env::var(TEST_DATABASE_URL) else {
            assert!(
                std::env::var_os("CI").is_none(),
                "CI is set but {TEST_DATABASE_URL} is not: the PostgreSQL half must run"
            );
            eprintln!("{TEST_DATABASE_URL} is not set: skipping the PostgreSQL run");
            return None;
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let suffix: u64 = rand::random();
        let schema = format!("{SCHEMA_PREFIX}{now}_{suffix:016x}");

        let mut admin = PgConnection::connect(&base)
            .await
            .expect("connect to TEST_DATABASE_URL");
        drop_stale_schemas(&mut admin, now).await;
        // Roles are cluster-wide and tests run in parallel: create once, tolerate the race.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DO $$ BEGIN CREATE ROLE {TEST_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS; \
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$"
        )))
        .execute(&mut admin)
        .await
        .expect("create the test role");
        // The migrations create btree_gist, which only a database owner may; the test role
        // owns its schema, not the database, so the admin creates it first (a fresh machine's
        // database has none). Concurrent tests may race here; the loser sees it exists.
        let _ = sqlx::query("CREATE EXTENSION IF NOT EXISTS btree_gist WITH SCHEMA public")
            .execute(&mut admin)
            .await;
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "CREATE SCHEMA {schema} AUTHORIZATION {TEST_ROLE}"
        )))
        .execute(&mut admin)
        .await
        .expect("create a test schema");
        let _ = admin.close().await;

        let connect = PgConnectOptions::from_str(&base)
            .expect("parse TEST_DATABASE_URL")
            .options([("search_path", schema.as_str()), ("role", TEST_ROLE)]);
        let db = Db::connect_postgres(connect, &options())
            .await
            .expect("connect to the test schema");
        db.migrate()
            .await
            .expect("migrate the PostgreSQL test schema");
        let separator = if base.contains('?') { '&' } else { '?' };
        let url = format!(
            "{base}{separator}options=-c%20search_path%3D{schema}%20-c%20role%3D{TEST_ROLE}"
        );
        Some(Self {
            db,
            url,
            _dir: None,
        })
    }

    /// A URL that opens this same database (for starting the binary against it).
    pub fn url(&self) -> &str {
        &self.url
    }
}

/// Few connections per test: many tests run at once against one PostgreSQL.
fn options() -> ConnectOptions {
    ConnectOptions {
        max_connections: 4,
        ..ConnectOptions::default()
    }
}

async fn drop_stale_schemas(conn: &mut PgConnection, now: u64) {
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'rdv\\_test\\_%'")
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
    for (name,) in names {
        let created = name
            .strip_prefix(SCHEMA_PREFIX)
            .and_then(|rest| rest.split('_').next())
            .and_then(|secs| secs.parse::<u64>().ok());
        if created.is_some_and(|c| c + STALE_AFTER_SECS < now) {
            // Another run may drop it first; that is fine.
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE"
            )))
            .execute(&mut *conn)
            .await;
        }
    }
}

/// Runs one async test body on every available backend: SQLite always, PostgreSQL when
/// `TEST_DATABASE_URL` is set. Expands to a module `name` with tests `sqlite` and
/// `postgres`, so a failure names its backend.
///
/// ```text
/// backend_test!(creates_an_organization, |t| async move {
///     let created = rendezvous_store::testing::organization(&t.db, ...).await.unwrap();
/// });
/// ```
#[macro_export]
macro_rules! backend_test {
    ($name:ident, |$t:ident| $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let $t = $crate::testing::TestDb::sqlite().await;
                $body.await
            }

            #[tokio::test]
            async fn postgres() {
                let Some($t) = $crate::testing::TestDb::postgres().await else {
                    return;
                };
                $body.await
            }
        }
    };
}

/// An organization founded for a store test by [`organization`].
#[derive(Debug)]
pub struct TestOrganization {
    pub organization: domain::organizations::Organization,
    pub owner: domain::users::User,
    /// The owner's first key; the only copy of its token.
    pub api_key: crate::IssuedApiKey,
}

/// Founds `new` as the operator does: the organization, its active owner, a first API key
/// named "initial key" and the `organization.created` audit row, in one unit. The use case
/// is `services::organizations::create`; store's own tests, which cannot call services,
/// found their organizations here.
///
/// # Errors
/// As founding: a taken slug is a conflict.
pub async fn organization(
    db: &Db,
    new: domain::organizations::NewOrganization,
) -> Result<TestOrganization, crate::Error> {
    let operator = crate::Operator::local();
    let (mut unit, organization) = db
        .organizations()
        .found(
            crate::Founder::Operator(&operator),
            crate::Founding {
                slug: &new.slug,
                name: &new.name,
                default_time_zone: &new.owner_time_zone,
            },
        )
        .await?;
    let owner = unit
        .users()
        .insert(domain::users::NewUser {
            email: new.owner_email,
            name: new.owner_name,
            role: domain::access::Role::Owner,
            time_zone: new.owner_time_zone,
        })
        .await?;
    let api_key = unit.api_keys().insert(owner.id, "initial key").await?;
    unit.audit()
        .record(
            domain::access::Actor::Operator,
            None,
            crate::repo::audit::Change::event(
                "organization.created",
                "organization",
                organization.id.0,
                None,
                Some(serde_json::json!({
                    "slug": organization.slug,
                    "name": organization.name,
                    "owner_email": owner.email,
                })),
            ),
        )
        .await?;
    unit.commit().await?;
    Ok(TestOrganization {
        organization,
        owner,
        api_key,
    })
}
