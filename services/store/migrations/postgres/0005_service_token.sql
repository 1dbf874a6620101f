-- The token that marks the service's own `urn:public` events on NATS (ADR 13): one per
-- database, so every process of a deployment (writer, readers) shares it, and no NATS
-- client, which cannot read the database, can send one. 244 random bits.
create table service_token (
    id    integer primary key check (id = 1),
    token text not null
);
insert into service_token (id, token)
values (1, replace(gen_random_uuid()::text, '-', '') || replace(gen_random_uuid()::text, '-', ''));
