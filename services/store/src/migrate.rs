//! Schema migrations, owned by the store: numbered SQL files per backend, applied once each,
//! in order, inside one transaction.

use crate::{Backend, Store, StoreError, on_pool};
use sqlx::{AssertSqlSafe, Row};

struct Migration {
    version: i64,
    postgres: &'static str,
    sqlite: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        postgres: include_str!("../migrations/postgres/0001_event_log.sql"),
        sqlite: include_str!("../migrations/sqlite/0001_event_log.sql"),
    },
    Migration {
        version: 2,
        // The same SQL on both engines.
        postgres: include_str!("../migrations/common/0002_changes.sql"),
        sqlite: include_str!("../migrations/common/0002_changes.sql"),
    },
    Migration {
        version: 3,
        postgres: include_str!("../migrations/common/0003_api_keys.sql"),
        sqlite: include_str!("../migrations/common/0003_api_keys.sql"),
    },
    Migration {
        version: 4,
        postgres: include_str!("../migrations/postgres/0004_engine_images.sql"),
        sqlite: include_str!("../migrations/sqlite/0004_engine_images.sql"),
    },
    Migration {
        version: 5,
        postgres: include_str!("../migrations/postgres/0005_service_token.sql"),
        sqlite: include_str!("../migrations/sqlite/0005_service_token.sql"),
    },
    Migration {
        version: 6,
        postgres: include_str!("../migrations/postgres/0006_engine_images_uncompressed.sql"),
        sqlite: include_str!("../migrations/sqlite/0006_engine_images_uncompressed.sql"),
    },
];

/// An arbitrary constant naming the migration lock among PostgreSQL advisory locks.
const MIGRATION_LOCK: i64 = 0x5052_4f56_4d49_4752;

const CREATE_TABLE: &str =
    "create table if not exists schema_migrations (version bigint primary key, applied_at text not null)";

pub(crate) async fn run(store: &Store) -> Result<(), StoreError> {
    let postgres = store.backend() == Backend::Postgres;
    on_pool!(store, pool => {
        let mut tx = pool.begin().await?;
        if postgres {
            // Two instances starting together must not both apply a migration.
            sqlx::query("select pg_advisory_xact_lock($1)").bind(MIGRATION_LOCK).execute(&mut *tx).await?;
        }
        sqlx::query(CREATE_TABLE).execute(&mut *tx).await?;
        let applied: i64 = sqlx::query("select coalesce(max(version), 0) as v from schema_migrations")
            .fetch_one(&mut *tx)
            .await?
            .try_get("v")?;
        for m in MIGRATIONS.iter().filter(|m| m.version > applied) {
            tracing::info!(message = "Applying migration.", version = m.version);
            let sql = if postgres { m.postgres } else { m.sqlite };
            sqlx::raw_sql(AssertSqlSafe(sql)).execute(&mut *tx).await?;
            sqlx::query("insert into schema_migrations (version, applied_at) values ($1, $2)")
                .bind(m.version)
                .bind(crate::now_rfc3339())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
    });
    Ok(())
}
