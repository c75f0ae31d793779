//! Self-service sign-up: anyone may found an organization and become its owner, when the
//! operator has opened sign-up (`AuthSettings::open_signup`). The owner is signed in at once
//! and sent a link to verify their address.

use domain::organizations::NewOrganization;
use garde::Validate;
use store::{Db, Registration, SignedIn};

use crate::accounts::{self, ClientInfo};
use crate::auth_settings::{AuthSettings, limit, signed};
use crate::{ServiceError, passwords};

/// A sign-up form.
#[derive(Clone, Debug, Validate)]
pub struct SignUp {
    #[garde(length(chars, min = 1, max = 200))]
    pub organization_name: String,
    #[garde(custom(crate::validate::slug))]
    pub organization_slug: String,
    /// The owner's name.
    #[garde(length(chars, min = 1, max = 200))]
    pub name: String,
    #[garde(custom(crate::validate::email))]
    pub email: String,
    #[garde(skip)]
    pub password: String,
    #[garde(custom(crate::validate::time_zone))]
    pub time_zone: String,
}

/// Founds an organization with its owner and opens the owner's session.
pub async fn sign_up(
    db: &Db,
    settings: &AuthSettings,
    keys: &crate::credentials::Keyring,
    input: SignUp,
    client: &ClientInfo,
) -> Result<SignedIn, ServiceError> {
    if !settings.open_signup {
        return Err(ServiceError::SignupClosed);
    }
    let ip = client.ip.as_deref().unwrap_or("unknown");
    limit(settings, &format!("signup/ip/{ip}"), settings.signup_per_ip).await?;
    let mut errors = match input.validate() {
        Ok(()) => Vec::new(),
        Err(report) => match ServiceError::from(report) {
            ServiceError::Validation(errors) => errors,
            other => return Err(other),
        },
    };
    if input.name.trim().is_empty() || input.organization_name.trim().is_empty() {
        let pointer = if input.name.trim().is_empty() {
            "/name"
        } else {
            "/organization_name"
        };
        if !errors.iter().any(|e| e.pointer == pointer) {
            errors.push(crate::FieldError {
                pointer: pointer.to_owned(),
                code: "blank",
                message: "must not be blank".to_owned(),
            });
        }
    }
    if let Err(ServiceError::Validation(password)) =
        passwords::check(&input.password, &input.email, "/password")
    {
        errors.extend(password);
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let hash = passwords::hash(input.password).await?;
    let (organization, owner) = crate::organizations::register(
        db,
        Registration::open_signup(),
        NewOrganization {
            slug: input.organization_slug,
            name: input.organization_name.trim().to_owned(),
            owner_email: input.email,
            owner_name: input.name.trim().to_owned(),
            owner_time_zone: input.time_zone,
        },
        &hash,
        client,
    )
    .await?;
    tracing::info!(organization = %organization.id, slug = %organization.slug, "organization registered");
    let candidate = db
        .users()
        .find_login(&organization.slug, &owner.email)
        .await?
        .ok_or(ServiceError::NotFound("user"))?;
    let signed_in = accounts::login_succeeded(
        db,
        &candidate,
        &organization.slug,
        &owner.email,
        client,
        signed(settings.session_ttl),
    )
    .await?;
    // The account works before the address is verified, as with an invitation; the link
    // is on its way.
    crate::auth::request_email_verification(db, settings, keys, &signed_in.scope).await?;
    Ok(signed_in)
}
