//! Founding an organization, asked of services without HTTP, on both backends: the
//! organization, its owner and its first key are made together.
#![allow(clippy::unwrap_used)]

use domain::access::{Actor, Role};
use rendezvous_services::organizations::{self, CreateOrganization};
use store::{Operator, backend_test};

fn acme(slug: &str) -> CreateOrganization {
    CreateOrganization {
        slug: slug.to_owned(),
        name: "Acme Clinic".to_owned(),
        owner_email: "Owner@Example.com".to_owned(),
        owner_name: "Olive Owner".to_owned(),
        owner_time_zone: "Europe/Berlin".to_owned(),
    }
}

backend_test!(
    creating_an_organization_creates_owner_and_key,
    |t| async move {
        let created = organizations::create(&t.db, &Operator::local(), acme("acme"))
            .await
            .unwrap();
        assert_eq!(created.organization.slug, "acme");
        assert_eq!(created.owner.role, Role::Owner);
        assert_eq!(
            created.owner.email, "owner@example.com",
            "emails are stored lower-cased"
        );

        let scope =
            t.db.api_keys()
                .authenticate(created.api_key.token.expose())
                .await
                .unwrap()
                .expect("the initial key authenticates");
        assert_eq!(scope.organization_id(), created.organization.id);
        assert_eq!(scope.role(), Role::Owner);
        assert_eq!(
            scope.actor(),
            Actor::ApiKey {
                user_id: created.owner.id,
                api_key_id: created.api_key.id,
                issued_by: None,
            }
        );

        let fetched = t.db.organizations().get(&scope).await.unwrap();
        assert_eq!(fetched, created.organization, "values round-trip exactly");
        let users = t.db.users().list(&scope).await.unwrap();
        assert_eq!(users, vec![created.owner.clone()]);
    }
);
