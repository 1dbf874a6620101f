//! Key management over HTTP (admins only) and a provider's own rejections.

use crate::auth::Authenticated;
use crate::{AppState, problem::ApiError};
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use provisio_access::{Caller, Principal, bcrypt_password, generate_key};
use provisio_events::vocab::Vocab;
use provisio_store::{NewApiKey, Store};
use serde::Deserialize;
use serde_json::{Value, json};

routes! {
    post "/v1/keys" => create,
    get "/v1/keys" => list,
    get "/v1/keys/self" => whoami,
    delete "/v1/keys/{key_id}" => revoke,
    get "/v1/providers/{ukprn}/rejections" => rejections,
}

fn admin_only(caller: &Caller) -> Result<(), ApiError> {
    if caller.is_admin() { Ok(()) } else { Err(ApiError::Forbidden(format!("{caller} may not manage keys"))) }
}

#[derive(Deserialize)]
struct NewKey {
    role: String,
    partnership: Option<String>,
    ukprn: Option<String>,
    /// With role `member` and `partnership`.
    member: Option<String>,
    label: String,
}

/// Creates a key and answers it once; only its hashes are kept. Shared with the command line.
pub async fn create_key(
    store: &Store,
    principal: &Principal,
    label: &str,
) -> Result<(String, String), provisio_store::StoreError> {
    let key = generate_key();
    // bcrypt is slow on purpose; keep it off the async workers.
    let token = key.token.clone();
    let nats_password = tokio::task::spawn_blocking(move || bcrypt_password(&token)).await.unwrap_or_default();
    store
        .insert_key(&NewApiKey {
            key_id: key.key_id.clone(),
            hash: key.hash,
            role: principal.role().to_owned(),
            scope: principal.scope(),
            label: label.to_owned(),
            nats_password,
        })
        .await?;
    Ok((key.key_id, key.token))
}

async fn create(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Json(new): Json<NewKey>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    admin_only(&caller)?;
    let scope = match (&new.partnership, &new.member) {
        (Some(p), Some(m)) => Some(Principal::member_scope(p, m)),
        _ => new.partnership.clone().or(new.ukprn.clone()),
    };
    let principal = Principal::from_parts(&new.role, scope.as_deref())
        .map_err(|e| ApiError::InvalidQuery { parameter: "role", message: e.to_string() })?;
    let (key_id, key) = create_key(state.ingest.store(), &principal, &new.label).await?;
    tracing::info!(message = "API key created.", key_id = %key_id, role = principal.role(), by = %caller.key_id);
    Ok((
        StatusCode::CREATED,
        Json(
            json!({"key_id": key_id, "key": key, "role": principal.role(), "scope": principal.scope(), "label": new.label}),
        ),
    ))
}

async fn list(State(state): State<AppState>, Authenticated(caller): Authenticated) -> Result<Json<Value>, ApiError> {
    admin_only(&caller)?;
    let keys: Vec<Value> = state
        .ingest
        .store()
        .list_keys()
        .await?
        .into_iter()
        .map(|k| json!({"key_id": k.key_id, "role": k.role, "scope": k.scope, "label": k.label, "created_at": k.created_at, "revoked_at": k.revoked_at}))
        .collect();
    Ok(Json(json!({ "keys": keys })))
}

async fn revoke(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(key_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    admin_only(&caller)?;
    let revoked = state.ingest.store().revoke_key(&key_id).await?;
    state.access.forget_key(&key_id);
    if revoked {
        tracing::info!(message = "API key revoked.", key_id = %key_id, by = %caller.key_id);
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(ApiError::NotFound)
    }
}

/// What the calling key is: its role and what it is bound to (nulls where not bound), so a
/// client such as the dashboard offers only the actions the key may take. Any valid key.
async fn whoami(Authenticated(caller): Authenticated) -> Json<Value> {
    let (partnership, member, ukprn) = match &caller.principal {
        Principal::Admin => (None, None, None),
        Principal::Partnership(p) | Principal::Viewer(p) => (Some(p.as_str()), None, None),
        Principal::Provider(u) => (None, None, Some(u.as_str())),
        Principal::Member(p, m) => (Some(p.as_str()), Some(m.as_str()), None),
    };
    Json(json!({
        "key_id": caller.key_id,
        "role": caller.principal.role(),
        "partnership_id": partnership,
        "member_id": member,
        "ukprn": ukprn,
    }))
}

#[derive(Deserialize)]
struct RejectionParams {
    after: Option<i64>,
    limit: Option<i64>,
}

/// The messages of a provider that were refused on NATS, newest last.
async fn rejections(
    State(state): State<AppState>,
    Authenticated(caller): Authenticated,
    Path(ukprn): Path<String>,
    Query(p): Query<RejectionParams>,
) -> Result<Json<Value>, ApiError> {
    if !caller.may_act_for_provider(&ukprn) {
        return Err(ApiError::Forbidden(format!("{caller} may not read the rejections of provider {ukprn:?}")));
    }
    let limit = p.limit.unwrap_or(100).clamp(1, 1_000);
    let rows = state.ingest.store().rejections(Some(&ukprn), p.after.unwrap_or(0).max(0), limit).await?;
    let next_after = rows.last().map_or(p.after.unwrap_or(0), |r| r.seq);
    let rejections: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            let errors: Value = serde_json::from_str(&r.errors).unwrap_or(Value::Null);
            json!({"seq": r.seq, "received_at": r.received_at, "subject": r.subject, "id": r.event_id, "errors": errors})
        })
        .collect();
    Ok(Json(json!({"ukprn": ukprn, "rejections": rejections, "next_after": next_after})))
}
