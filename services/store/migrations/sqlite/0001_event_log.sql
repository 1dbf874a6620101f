-- The append-only event log; SQLite has a single writer, so positions commit in order.
create table events (
    position    integer primary key autoincrement,
    id          text not null unique,
    source      text not null,
    type        text not null,
    recorded_at text not null,
    key_id      text,
    body        text not null
);
create index events_source_position on events (source, position);
create index events_type_position on events (type, position);

create table consumer_checkpoints (
    name            text primary key,
    stream_sequence integer not null
);

create table rejections (
    seq             integer primary key autoincrement,
    received_at     text not null,
    transport       text not null,
    subject         text,
    stream_sequence integer,
    event_id        text,
    owner           text,
    errors          text not null,
    body            text not null
);
create index rejections_owner on rejections (owner, seq);
