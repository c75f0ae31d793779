//! PostgreSQL row-level security: the second line of tenant isolation. The server connects
//! as the tables' owner, which the (ENABLEd, not FORCEd) policies do not restrict, so every
//! other test here also proves the owner keeps working. This one takes a role that does not
//! own the tables and checks it sees only the organization named by `app.organization_id`.
#![allow(clippy::unwrap_used)]

use rendezvous_store::testing::TestDb;
use rendezvous_store::{Db, NewOrganization, Operator};

fn org(slug: &str) -> NewOrganization {
    NewOrganization {
        slug: slug.to_owned(),
        name: slug.to_owned(),
        owner_email: format!("owner@{slug}.example"),
        owner_name: "Owner".to_owned(),
        owner_time_zone: "UTC".to_owned(),
    }
}

#[tokio::test]
async fn policies_confine_other_roles_to_the_named_organization() {
    let Some(t) = TestDb::postgres().await else {
        return;
    };
    let a =
        t.db.organizations()
            .create(&Operator::local(), org("a"))
            .await
            .unwrap();
    t.db.organizations()
        .create(&Operator::local(), org("b"))
        .await
        .unwrap();
    let Db::Postgres(pool) = &t.db else {
        unreachable!("postgres() gives a PostgreSQL pool")
    };
    // Roles are cluster-wide and tests run in parallel: create once, tolerate the race.
    sqlx::query(
        "DO $$ BEGIN CREATE ROLE rdv_rls_probe NOLOGIN; \
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$",
    )
    .execute(pool)
    .await
    .unwrap();
    let (schema,): (String,) = sqlx::query_as("SELECT current_schema()")
        .fetch_one(pool)
        .await
        .unwrap();
    for grant in [
        format!("GRANT USAGE ON SCHEMA {schema} TO rdv_rls_probe"),
        format!("GRANT SELECT ON ALL TABLES IN SCHEMA {schema} TO rdv_rls_probe"),
    ] {
        sqlx::query(sqlx::AssertSqlSafe(grant))
            .execute(pool)
            .await
            .unwrap();
    }

    let count = |sql: &'static str, setting: Option<String>| async move {
        let mut tx = pool.begin().await.unwrap();
        sqlx::query("SET LOCAL ROLE rdv_rls_probe")
            .execute(&mut *tx)
            .await
            .unwrap();
        if let Some(org) = setting {
            sqlx::query("SELECT set_config('app.organization_id', $1, true)")
                .bind(org)
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&mut *tx).await.unwrap();
        tx.rollback().await.unwrap();
        n
    };
    let a_id = Some(a.organization.id.to_string());
    assert_eq!(
        count("SELECT count(*) FROM users", None).await,
        0,
        "no setting, no rows"
    );
    assert_eq!(count("SELECT count(*) FROM organizations", None).await, 0);
    assert_eq!(count("SELECT count(*) FROM users", a_id.clone()).await, 1);
    assert_eq!(
        count("SELECT count(*) FROM organizations", a_id.clone()).await,
        1
    );
    assert_eq!(
        count("SELECT count(*) FROM api_keys", a_id.clone()).await,
        1
    );
    assert_eq!(count("SELECT count(*) FROM audit_log", a_id).await, 1);

    // The owner (the server's role) is not restricted.
    let (all,): (i64,) = sqlx::query_as("SELECT count(*) FROM users")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(all, 2);
}
