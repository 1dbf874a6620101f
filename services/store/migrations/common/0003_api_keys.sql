-- API keys: only hashes are kept. `nats_password` is the key's bcrypt hash, for the NATS
-- server configuration that `provisio nats-config` generates.
create table api_keys (
    key_id        text primary key,
    hash          text not null unique,
    role          text not null,
    scope         text,
    label         text not null,
    created_at    text not null,
    revoked_at    text,
    nats_password text not null
);
