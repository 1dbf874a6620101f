-- Engine images (ADR 0009): the engine's whole state after `position`, so a start-up or a
-- read of the past replays only the log after it. Written in one transaction each; the
-- newest few are kept.
create table engine_images (
    position   bigint primary key,
    written_at text not null,
    image      bytea not null
);
