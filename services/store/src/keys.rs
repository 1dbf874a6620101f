//! API key records: hashes, roles and revocation; never a key itself.

use crate::{Store, StoreError, on_pool};
use sqlx::Row;

#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub key_id: String,
    pub hash: String,
    pub role: String,
    pub scope: Option<String>,
    pub label: String,
    pub nats_password: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiKey {
    pub key_id: String,
    pub hash: String,
    pub role: String,
    pub scope: Option<String>,
    pub label: String,
    pub created_at: String,
    pub revoked_at: Option<String>,
    pub nats_password: String,
}

const COLUMNS: &str = "key_id, hash, role, scope, label, created_at, revoked_at, nats_password";

macro_rules! api_key_from_row {
    ($r:expr) => {
        ApiKey {
            key_id: $r.try_get("key_id")?,
            hash: $r.try_get("hash")?,
            role: $r.try_get("role")?,
            scope: $r.try_get("scope")?,
            label: $r.try_get("label")?,
            created_at: $r.try_get("created_at")?,
            revoked_at: $r.try_get("revoked_at")?,
            nats_password: $r.try_get("nats_password")?,
        }
    };
}

impl Store {
    pub async fn insert_key(&self, key: &NewApiKey) -> Result<(), StoreError> {
        on_pool!(self, pool => sqlx::query(
            "insert into api_keys (key_id, hash, role, scope, label, created_at, nats_password) values ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&key.key_id)
        .bind(&key.hash)
        .bind(&key.role)
        .bind(&key.scope)
        .bind(&key.label)
        .bind(crate::now_rfc3339())
        .bind(&key.nats_password)
        .execute(pool)
        .await
        .map(|_| ())?);
        Ok(())
    }

    pub async fn find_key(&self, key_id: &str) -> Result<Option<ApiKey>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("select {COLUMNS} from api_keys where key_id = $1"));
        Ok(on_pool!(self, pool => match sqlx::query(sql).bind(key_id).fetch_optional(pool).await? {
            Some(r) => Some(api_key_from_row!(r)),
            None => None,
        }))
    }

    /// Every key, revoked ones included, oldest first.
    pub async fn list_keys(&self) -> Result<Vec<ApiKey>, StoreError> {
        let sql = sqlx::AssertSqlSafe(format!("select {COLUMNS} from api_keys order by created_at, key_id"));
        let keys = on_pool!(self, pool => sqlx::query(sql)
            .fetch_all(pool)
            .await?
            .into_iter()
            .map(|r| Ok(api_key_from_row!(r)))
            .collect::<Result<Vec<_>, sqlx::Error>>()?);
        Ok(keys)
    }

    /// Revokes a key; false when there is no such key or it was revoked already.
    pub async fn revoke_key(&self, key_id: &str) -> Result<bool, StoreError> {
        let done = on_pool!(self, pool => sqlx::query("update api_keys set revoked_at = $1 where key_id = $2 and revoked_at is null")
            .bind(crate::now_rfc3339())
            .bind(key_id)
            .execute(pool)
            .await?
            .rows_affected());
        Ok(done == 1)
    }
}
