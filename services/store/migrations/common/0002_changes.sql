-- The projection's read model: every change of a report row, by the position that made it,
-- so a dashboard reconnecting with Last-Event-ID can be sent what it missed.
create table changes (
    position       bigint not null,
    seq            integer not null,
    partnership_id text not null,
    kind           text not null,
    body           text not null,
    primary key (position, seq)
);
create index changes_partnership_position on changes (partnership_id, position);
