-- SQLite does not compress values: nothing to change (PostgreSQL stores images uncompressed
-- from this version on).
select 1;
