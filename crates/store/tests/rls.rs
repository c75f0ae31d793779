//! PostgreSQL row-level security: the second line of tenant isolation. The policies are
//! FORCEd, so they bind the tables' owner (the role the server connects as, and the role
//! these tests act as): every transaction names its tenant when it begins (`store::Tenant`),
//! and a query that forgets its `WHERE organization_id` still sees only that tenant's rows.
//! SQLite has no row-level security, so these tests run on PostgreSQL only.
#![allow(clippy::unwrap_used)]

use domain::ids::OrganizationId;
use domain::organizations::NewOrganization;
use rendezvous_store::testing::TestDb;
use rendezvous_store::{CrossTenant, Db, Error, Tenant, Tx, with_pool, with_tx};

fn org(slug: &str) -> NewOrganization {
    NewOrganization {
        slug: slug.to_owned(),
        name: slug.to_owned(),
        owner_email: format!("owner@{slug}.example"),
        owner_name: "Owner".to_owned(),
        owner_time_zone: "UTC".to_owned(),
    }
}

/// Two organizations, `a` and `b`, each with its owner, first key and audit entry.
async fn two_organizations(db: &Db) -> (OrganizationId, OrganizationId) {
    let a = rendezvous_store::testing::organization(db, org("a"))
        .await
        .unwrap();
    let b = rendezvous_store::testing::organization(db, org("b"))
        .await
        .unwrap();
    (a.organization.id, b.organization.id)
}

/// The organizations whose rows `sql` (which selects `organization_id`, with no tenant filter
/// of its own) returns in a transaction begun for `tenant`.
async fn organizations_seen(db: &Db, tenant: Tenant, sql: &'static str) -> Vec<OrganizationId> {
    let mut tx: Tx = db.begin_read(tenant).await.unwrap();
    let mut seen: Vec<OrganizationId> = with_tx!(&mut tx, conn => {
        sqlx::query_scalar(sql).fetch_all(conn).await.unwrap()
    });
    tx.commit().await.unwrap();
    seen.sort();
    seen.dedup();
    seen
}

#[tokio::test]
async fn a_query_missing_its_tenant_filter_returns_no_other_organizations_rows() -> Result<(), Error>
{
    let Some(t) = TestDb::postgres().await else {
        return Ok(());
    };
    let (a, b) = two_organizations(&t.db).await;
    for sql in [
        "SELECT organization_id FROM users",
        "SELECT organization_id FROM api_keys",
        "SELECT organization_id FROM audit_log",
        "SELECT id FROM organizations",
    ] {
        assert_eq!(
            organizations_seen(&t.db, a.into(), sql).await,
            vec![a],
            "{sql} for a"
        );
        assert_eq!(
            organizations_seen(&t.db, b.into(), sql).await,
            vec![b],
            "{sql} for b"
        );
        assert_eq!(
            organizations_seen(&t.db, Tenant::Nobody, sql).await,
            Vec::<OrganizationId>::new(),
            "{sql} for nobody"
        );
        let mut both = vec![a, b];
        both.sort();
        assert_eq!(
            organizations_seen(&t.db, CrossTenant::Operator.into(), sql).await,
            both,
            "{sql} cross-tenant"
        );
    }

    // Reads outside an explicit transaction (`with_pool!`) are confined the same way.
    let users: Vec<OrganizationId> = with_pool!(&t.db, a, pool => {
        sqlx::query_scalar("SELECT organization_id FROM users")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    assert_eq!(users, vec![a]);
    Ok(())
}

#[tokio::test]
async fn a_write_missing_its_tenant_filter_changes_no_other_organizations_rows() -> Result<(), Error>
{
    let Some(t) = TestDb::postgres().await else {
        return Ok(());
    };
    let (a, b) = two_organizations(&t.db).await;
    let mut tx = t.db.begin_write(a).await.unwrap();
    let renamed = with_tx!(&mut tx, conn => {
        sqlx::query("UPDATE users SET name = 'Renamed'")
            .execute(conn)
            .await
            .unwrap()
            .rows_affected()
    });
    assert_eq!(renamed, 1, "only a's owner");
    tx.commit().await?;
    // Writing a row into another organization is refused outright.
    let mut tx = t.db.begin_write(a).await?;
    let planted = with_tx!(&mut tx, conn => {
        sqlx::query(
            "INSERT INTO audit_log (organization_id, id, occurred_at, actor_type, action, \
             target_type) VALUES ($1, gen_random_uuid(), now(), 'operator', 'planted', 'user')",
        )
        .bind(b)
        .execute(conn)
        .await
        .map(|done| done.rows_affected())
    });
    let error = planted.unwrap_err();
    assert!(
        error.to_string().contains("row-level security"),
        "unexpected error: {error}"
    );
    drop(tx);

    let names: Vec<(OrganizationId, String)> = with_pool!(&t.db, CrossTenant::Operator, pool => {
        sqlx::query_as("SELECT organization_id, name FROM users ORDER BY name")
            .fetch_all(pool)
            .await
            .unwrap()
    });
    assert_eq!(
        names,
        vec![(b, "Owner".to_owned()), (a, "Renamed".to_owned())]
    );
    Ok(())
}

#[tokio::test]
async fn every_tenant_table_has_a_forced_tenant_policy() -> Result<(), Error> {
    let Some(t) = TestDb::postgres().await else {
        return Ok(());
    };
    // Tables of this schema that carry organization_id, and the tenant root: each must have
    // row-level security enabled and FORCEd, and the tenant_isolation policy.
    const SQL: &str = "SELECT c.relname::text, c.relrowsecurity, c.relforcerowsecurity, \
          EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid \
            AND p.polname = 'tenant_isolation' \
            AND pg_get_expr(p.polqual, p.polrelid) LIKE '%rdv_current_organization()%' \
            AND pg_get_expr(p.polqual, p.polrelid) LIKE '%rdv_cross_tenant()%') \
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') \
          AND (c.relname = 'organizations' OR EXISTS (SELECT 1 FROM pg_attribute a \
            WHERE a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped)) \
        ORDER BY 1";
    let tables: Vec<(String, bool, bool, bool)> = with_pool!(&t.db, Tenant::Nobody, pool => {
        sqlx::query_as(SQL).fetch_all(pool).await.unwrap()
    });
    assert!(tables.len() > 30, "found only {tables:?}");
    let unguarded: Vec<&str> = tables
        .iter()
        .filter(|(_, enabled, forced, policy)| !(*enabled && *forced && *policy))
        .map(|(name, ..)| name.as_str())
        .collect();
    assert!(
        unguarded.is_empty(),
        "tenant tables without a FORCEd tenant_isolation policy: {unguarded:?}"
    );
    Ok(())
}

#[tokio::test]
async fn the_tests_act_as_a_role_the_policies_bind() -> Result<(), Error> {
    let Some(t) = TestDb::postgres().await else {
        return Ok(());
    };
    // A superuser or BYPASSRLS role ignores every policy: tests run as one would prove
    // nothing about them (and neither would a server).
    let (superuser, bypass): (bool, bool) = with_pool!(&t.db, Tenant::Nobody, pool => {
        sqlx::query_as("SELECT rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user")
            .fetch_one(pool)
            .await
            .unwrap()
    });
    assert!(
        !superuser && !bypass,
        "tests run as a role that bypasses row-level security"
    );
    Ok(())
}
