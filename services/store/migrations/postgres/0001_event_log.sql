-- The append-only event log. `position` is handed out under an advisory lock held until
-- commit (see append.rs), so positions commit in increasing order and a reader following
-- `position > n` never skips an event that commits late.
create table events (
    position    bigint generated always as identity primary key,
    id          text not null unique,
    source      text not null,
    type        text not null,
    recorded_at text not null,
    key_id      text,
    body        text not null
);
create index events_source_position on events (source, position);
create index events_type_position on events (type, position);

-- Where each JetStream consumer has got to, written in the same transaction as the events.
create table consumer_checkpoints (
    name            text primary key,
    stream_sequence bigint not null
);

-- Messages that were refused, for operators.
create table rejections (
    seq             bigint generated always as identity primary key,
    received_at     text not null,
    transport       text not null,
    subject         text,
    stream_sequence bigint,
    event_id        text,
    owner           text,
    errors          text not null,
    body            text not null
);
create index rejections_owner on rejections (owner, seq);
