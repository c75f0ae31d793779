//! `rendezvous admin ...`: operator tasks. Keys go to standard output alone, so scripts can
//! capture them; everything else goes to standard error.

use anyhow::Context;
use domain::ids::ApiKeyId;
use domain::refusals::Conflict;
use services::ServiceError;
use store::{Db, Operator};

use crate::cli::{AdminCommand, CreateApiKeyArgs, CreateOrganizationArgs, RevokeApiKeyArgs};
use crate::config::Config;

pub async fn run(config: &Config, command: AdminCommand) -> anyhow::Result<()> {
    let db = super::connect(config).await?;
    // Admin commands work on a fresh database too, unless the operator migrates explicitly.
    if config.auto_migrate {
        super::migrate(&db).await?;
    }
    let result = match command {
        AdminCommand::CreateOrganization(args) => create_organization(&db, args).await,
        AdminCommand::CreateApiKey(args) => create_api_key(&db, args).await,
        AdminCommand::RevokeApiKey(args) => revoke_api_key(&db, args).await,
        AdminCommand::ListOrganizations => list_organizations(&db).await,
    };
    db.close().await;
    result
}

async fn create_organization(db: &Db, args: CreateOrganizationArgs) -> anyhow::Result<()> {
    let input = services::organizations::CreateOrganization {
        slug: args.slug,
        name: args.name,
        owner_email: args.owner_email,
        owner_name: args.owner_name,
        owner_time_zone: args.owner_time_zone,
    };
    let created = services::organizations::create(db, &Operator::local(), input)
        .await
        .map_err(cli_error)?;
    eprintln!(
        "created organization {} ({}) owned by {}",
        created.organization.slug, created.organization.id, created.owner.email
    );
    eprintln!(
        "API key {} (shown once; only its hash is stored):",
        created.api_key.id
    );
    println!("{}", created.api_key.token.expose());
    Ok(())
}

async fn create_api_key(db: &Db, args: CreateApiKeyArgs) -> anyhow::Result<()> {
    let scope = db
        .organizations()
        .operator_scope(&Operator::local(), &args.organization)
        .await
        .map_err(ServiceError::from)
        .map_err(cli_error)?;
    let key = services::api_keys::issue(db, &scope, args.user_email.as_deref(), &args.name)
        .await
        .map_err(cli_error)?;
    eprintln!("API key {} (shown once; only its hash is stored):", key.id);
    println!("{}", key.token.expose());
    Ok(())
}

async fn revoke_api_key(db: &Db, args: RevokeApiKeyArgs) -> anyhow::Result<()> {
    let id: ApiKeyId = args
        .id
        .parse()
        .with_context(|| format!("--id: {:?} is not a key id (a UUID)", args.id))?;
    let scope = db
        .organizations()
        .operator_scope(&Operator::local(), &args.organization)
        .await
        .map_err(ServiceError::from)
        .map_err(cli_error)?;
    services::api_keys::revoke(db, &scope, id)
        .await
        .map_err(cli_error)?;
    eprintln!("revoked API key {id}");
    Ok(())
}

async fn list_organizations(db: &Db) -> anyhow::Result<()> {
    let organizations = db
        .organizations()
        .list(&Operator::local())
        .await
        .context("cannot list organizations")?;
    let width = organizations
        .iter()
        .map(|o| o.slug.len())
        .max()
        .unwrap_or(0)
        .max(4);
    println!("{:<width$}  {:<36}  {:<24}  NAME", "SLUG", "ID", "CREATED");
    for o in organizations {
        println!(
            "{:<width$}  {:<36}  {:<24}  {}",
            o.slug,
            o.id,
            o.created_at
                .to_jiff()
                .strftime("%Y-%m-%dT%H:%M:%SZ")
                .to_string(),
            o.name
        );
    }
    Ok(())
}

/// Phrases a service error for the command line: field pointers become flag names.
fn cli_error(e: ServiceError) -> anyhow::Error {
    match e {
        ServiceError::Validation(fields) => {
            let parts: Vec<String> = fields
                .iter()
                .map(|f| {
                    let flag = f.pointer.trim_start_matches('/').replace(['/', '_'], "-");
                    format!("--{flag}: {}", f.message)
                })
                .collect();
            anyhow::anyhow!(parts.join("; "))
        }
        ServiceError::Conflict(Conflict::ValueTaken(field)) => {
            anyhow::anyhow!("--{}: already taken", field.name().replace('_', "-"))
        }
        other => anyhow::Error::new(other),
    }
}
