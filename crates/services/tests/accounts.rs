//! Sign-in protection asked of services without HTTP, on both backends: failures back an
//! address off, failures from everywhere lock the account and mail its owner an unlock link
//! in the same unit, and only the newest link lifts the lock.
#![allow(clippy::unwrap_used)]

use std::time::Duration;

use domain::access::{Actor, Role};
use domain::ids::{OrganizationId, UserId};
use rendezvous_services::account_mail::{ACCOUNT_EMAIL_JOB, account_token_context};
use rendezvous_services::auth::{self, AuthSettings, Login};
use rendezvous_services::credentials::Keyring;
use rendezvous_services::{ClientInfo, ServiceError, accounts, organizations};
use store::{Db, Operator, backend_test, can};

const PASSWORD: &str = "correct horse battery staple";

fn from(ip: &str) -> ClientInfo {
    ClientInfo {
        ip: Some(ip.to_owned()),
        user_agent: None,
    }
}

async fn sign_in(
    db: &Db,
    settings: &AuthSettings,
    keys: &Keyring,
    ip: &str,
    password: &str,
) -> Result<store::SignedIn, ServiceError> {
    auth::login(
        db,
        settings,
        keys,
        Login {
            organization: "acme".into(),
            email: "mia@acme.example".into(),
            password: password.into(),
        },
        &from(ip),
    )
    .await
}

/// The account e-mails queued for `user` since the last look, as (kind, token).
async fn mails(
    db: &Db,
    keys: &Keyring,
    org: OrganizationId,
    user: UserId,
) -> Vec<(String, String)> {
    let context = account_token_context(org, user);
    db.jobs()
        .claim("inspector", Duration::from_secs(600), 100)
        .await
        .unwrap()
        .into_iter()
        .filter(|j| j.kind == ACCOUNT_EMAIL_JOB && j.payload["user_id"] == serde_json::json!(user))
        .map(|j| {
            let sealed = j.payload["sealed_token"].as_str().unwrap();
            let token = keys.open_text(context.as_bytes(), sealed).unwrap();
            (j.payload["kind"].as_str().unwrap().to_owned(), token)
        })
        .collect()
}

backend_test!(
    failures_from_everywhere_lock_the_account_until_its_owner_unlocks_it,
    |t| async move {
        let db = &t.db;
        let keys = Keyring::ephemeral();
        let settings = AuthSettings {
            max_failed_logins: 2,
            account_lock_failures: 3,
            ..AuthSettings::default()
        };
        let created = organizations::create(
            db,
            &Operator::local(),
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
        let org = created.organization.id;
        let owner = db
            .api_keys()
            .authenticate(created.api_key.token.expose())
            .await
            .unwrap()
            .unwrap();
        let grant = owner.grant::<can::ManageUsers>().unwrap();
        let (mia, invitation) = accounts::send_invitation(
            db,
            &grant,
            domain::users::NewInvite {
                email: "mia@acme.example".into(),
                name: "Mia".into(),
                role: Role::Member,
                custom_role_id: None,
                time_zone: "UTC".into(),
                valid_for: jiff::SignedDuration::from_hours(1),
            },
            &keys,
        )
        .await
        .unwrap();
        assert_eq!(
            mails(db, &keys, org, mia.id).await,
            [(
                "account.invitation".to_owned(),
                invitation.expose().to_owned()
            )],
            "the invitation's token is the one its e-mail carries"
        );
        auth::accept_invitation(
            db,
            invitation.expose(),
            PASSWORD.into(),
            None,
            &from("192.0.2.1"),
        )
        .await
        .unwrap();

        // Two failures from one address: it backs off, even for the right password.
        for _ in 0..2 {
            let wrong = sign_in(db, &settings, &keys, "203.0.113.1", "a wrong guess").await;
            assert!(matches!(wrong, Err(ServiceError::InvalidCredentials)));
        }
        let waiting = sign_in(db, &settings, &keys, "203.0.113.1", PASSWORD).await;
        assert!(
            matches!(waiting, Err(ServiceError::RateLimited { .. })),
            "{waiting:?}"
        );
        // The third failure, from elsewhere, locks the account and mails the notice.
        let wrong = sign_in(db, &settings, &keys, "203.0.113.2", "another guess").await;
        assert!(matches!(wrong, Err(ServiceError::InvalidCredentials)));
        let notice = mails(db, &keys, org, mia.id).await;
        assert_eq!(notice.len(), 1, "{notice:?}");
        assert_eq!(notice[0].0, "account.locked");

        // Locked: the right password is refused like any other, and mails a fresh link,
        // which ends the notice's.
        let locked = sign_in(db, &settings, &keys, "198.51.100.7", PASSWORD).await;
        assert!(matches!(locked, Err(ServiceError::InvalidCredentials)));
        let fresh = mails(db, &keys, org, mia.id).await;
        assert_eq!(fresh.len(), 1, "{fresh:?}");
        assert_eq!(fresh[0].0, "account.unlock");
        let client = from("198.51.100.7");
        assert!(
            accounts::unlock(db, &notice[0].1, &client)
                .await
                .unwrap()
                .is_none()
        );
        let unlocked = accounts::unlock(db, &fresh[0].1, &client)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(unlocked.id, mia.id);

        // Unlocked, and every address's failures forgotten.
        let signed_in = sign_in(db, &settings, &keys, "203.0.113.1", PASSWORD)
            .await
            .unwrap();
        assert!(matches!(
            signed_in.scope.actor(),
            Actor::Session { user_id, .. } if user_id == mia.id
        ));
        let actions: Vec<String> = db
            .audit()
            .recent(&owner, 50)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.target_id == Some(mia.id.0) && e.action.starts_with("login."))
            .map(|e| e.action)
            .rev()
            .collect();
        assert_eq!(
            actions,
            [
                "login.failed",
                "login.failed",
                "login.failed",
                "login.locked",
                "login.unlock_requested",
                "login.unlocked",
                "login.succeeded",
            ]
        );
    }
);
