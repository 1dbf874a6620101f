//! `provisio keys create|list|revoke` and `provisio nats-config`.

use crate::cli::{KeysCommand, NatsConfigArgs};
use anyhow::Context;
use provisio_access::{NatsUser, Principal, bcrypt_password, nats_config as render};
use provisio_store::{Store, redact_url};

async fn open(database_url: &str) -> anyhow::Result<Store> {
    Store::connect(database_url).await.with_context(|| format!("opening {}", redact_url(database_url)))
}

pub async fn run(database_url: &str, command: KeysCommand) -> anyhow::Result<()> {
    let store = open(database_url).await?;
    match command {
        KeysCommand::Create { role, partnership, ukprn, member, label } => {
            let scope = match (partnership, ukprn, member) {
                (Some(_), Some(_), _) => anyhow::bail!("give --partnership or --ukprn, not both"),
                (_, _, Some(_)) if role != "member" => anyhow::bail!("--member is for --role member only"),
                (Some(p), None, Some(m)) => Some(Principal::member_scope(&p, &m)),
                (p, u, _) => p.or(u),
            };
            let principal = Principal::from_parts(&role, scope.as_deref())?;
            let (key_id, key) = provisio_api::create_key(&store, &principal, &label).await?;
            eprintln!(
                "Created key {key_id} ({} {}) \"{label}\". It is shown once:",
                principal.role(),
                principal.scope().unwrap_or_default()
            );
            println!("{key}");
        }
        KeysCommand::List => {
            println!("{:<14} {:<12} {:<20} {:<22} {:<22} LABEL", "KEY ID", "ROLE", "BOUND TO", "CREATED", "REVOKED");
            for k in store.list_keys().await? {
                println!(
                    "{:<14} {:<12} {:<20} {:<22} {:<22} {}",
                    k.key_id,
                    k.role,
                    k.scope.unwrap_or_default(),
                    &k.created_at[..k.created_at.len().min(19)],
                    k.revoked_at.as_deref().map_or("-", |r| &r[..r.len().min(19)]),
                    k.label
                );
            }
        }
        KeysCommand::Revoke { key_id } => {
            anyhow::ensure!(store.revoke_key(&key_id).await?, "no key {key_id:?} that is not revoked already");
            eprintln!("Revoked key {key_id}.");
        }
    }
    store.close().await;
    Ok(())
}

pub async fn nats_config(args: NatsConfigArgs) -> anyhow::Result<()> {
    anyhow::ensure!(
        provisio_events::inbox_prefix_for(&args.service_user).is_some(),
        "--service-user {:?}: use letters, digits, '-' and '_' only (the name prefixes the service's reply inbox)",
        args.service_user
    );
    let store = open(&args.store.database_url).await?;
    let mut users = Vec::new();
    for k in store.list_keys().await?.into_iter().filter(|k| k.revoked_at.is_none()) {
        let principal = Principal::from_parts(&k.role, k.scope.as_deref())?;
        users.push(NatsUser { user: k.key_id, password_bcrypt: k.nats_password, principal });
    }
    let service = bcrypt_password(&args.service_password);
    print!("{}", render(&args.service_user, &service, &users));
    store.close().await;
    Ok(())
}
