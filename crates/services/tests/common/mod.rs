//! What the services stories share: an organization founded through services, with its
//! owner's scope.
#![allow(clippy::unwrap_used, dead_code)]

use domain::ids::UserId;
use rendezvous_services::organizations;
use store::{Db, Scope};

pub struct Org {
    pub db: Db,
    pub owner: Scope,
    pub owner_id: UserId,
}

/// Founds `acme` (owner Olive, UTC) and signs its owner in with the first API key.
pub async fn org(db: &Db) -> Org {
    let created = organizations::create(
        db,
        &store::Operator::local(),
        organizations::CreateOrganization {
            slug: "acme".into(),
            name: "Acme".into(),
            owner_email: "owner@acme.example".into(),
            owner_name: "Olive Owner".into(),
            owner_time_zone: "UTC".into(),
        },
    )
    .await
    .unwrap();
    Org {
        db: db.clone(),
        owner: scope_of(db, created.api_key.token.expose()).await,
        owner_id: created.owner.id,
    }
}

/// The scope an API key token authenticates as.
pub async fn scope_of(db: &Db, token: &str) -> Scope {
    db.api_keys().authenticate(token).await.unwrap().unwrap()
}
