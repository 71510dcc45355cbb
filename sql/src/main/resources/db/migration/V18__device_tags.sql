-- Tags an operator puts on a device (at most 20, each 1 to 64 characters of A-Z a-z 0-9 _ . : -),
-- for filters: which devices join a group, which devices a page lists.
alter table devices add column tags varchar(64)[] not null default '{}';

-- [jooq ignore start]
create index devices_tags_idx on devices using gin (tags);
-- [jooq ignore stop]
