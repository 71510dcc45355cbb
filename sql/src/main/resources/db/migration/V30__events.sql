-- Events: named events devices publish (with data, a time-to-live and a scope), and the cloud's
-- own "firmware uploaded", kept in one table partitioned by day so that the retention drops whole
-- partitions instead of deleting rows. Every event is also written to the change feed (kind EVENT,
-- with its payload) in the same transaction, so that live subscribers hear it in commit order and
-- resume after a cursor like every other change. The cloud's other events (rollout and stage
-- status, OTA result transitions, devices online, offline and their versions) are rows of the change
-- feed already and reach the event stream from there.
create table events (
    id               bigint         generated always as identity,
    organization_id  uuid           not null,
    product_id       uuid,
    -- The publishing device; null for the cloud's own events. No foreign key: a device's events
    -- stay in the history after the device is deleted, until the retention drops them.
    device_id        varchar(64),
    name             varchar(64)    not null,
    data             varchar(1024)  not null default '',
    ttl_seconds      integer        not null check (ttl_seconds between 1 and 86400),
    scope            varchar(8)     not null check (scope in ('private', 'product')),
    source           varchar(8)     not null check (source in ('device', 'cloud')),
    published_at     timestamptz    not null default now(),
    primary key (published_at, id)
)
-- [jooq ignore start]
partition by range (published_at)
-- [jooq ignore stop]
;

create index events_by_organization on events (organization_id, published_at, id);
create index events_by_device on events (device_id, published_at);

-- Persistent event subscriptions: a named filter and where its events go (a stream a client reads;
-- webhooks come with the integrations).
create table event_subscriptions (
    id               uuid          primary key,
    organization_id  uuid          not null references organizations (id),
    name             varchar(100)  not null,
    name_prefix      varchar(64),
    device_id        varchar(64)   references devices (id) on delete cascade,
    product_id       uuid          references products (id) on delete cascade,
    source           varchar(8)    check (source in ('DEVICE', 'CLOUD')),
    target           varchar(16)   not null default 'STREAM' check (target in ('STREAM')),
    created_by       varchar(300)  not null,
    created_at       timestamptz   not null default now(),
    constraint event_subscriptions_name_unique unique (organization_id, name)
);

alter table change_events add column event_id bigint;
alter table change_events add column event_name varchar(64);
alter table change_events add column event_data varchar(1024);
alter table change_events add column event_ttl integer;
alter table change_events add column event_scope varchar(8);
alter table change_events add column event_source varchar(8);

-- [jooq ignore start]
-- Rows outside every daily partition (the maintenance was not running) land here, never refused.
create table events_default partition of events default;

-- Today's partition and the next three; the API creates the later ones as days pass
-- (EventPartitions) and drops those past firmament.events.retention.
do $$
declare
    day date;
begin
    for i in 0..3 loop
        -- Days in UTC, as the API names and bounds them.
        day := (now() at time zone 'UTC')::date + i;
        execute format(
            'create table if not exists %I partition of events for values from (%L) to (%L)',
            'events_p' || to_char(day, 'YYYYMMDD'),
            day::timestamp at time zone 'UTC', (day + 1)::timestamp at time zone 'UTC');
    end loop;
end
$$;

alter table change_events drop constraint change_events_kind_check;
alter table change_events add constraint change_events_kind_check
    check (kind in ('OTA_RESULT', 'DEVICE_ONLINE', 'DEVICE_OFFLINE', 'DEVICE_VERSION',
                    'ROLLOUT_STATUS', 'STAGE_STATUS', 'EVENT'));

create function events_changes() returns trigger language plpgsql as $$
begin
    insert into change_events (organization_id, kind, device_id, product_id, event_id, event_name,
                               event_data, event_ttl, event_scope, event_source, recorded_at)
    select n.organization_id, 'EVENT', n.device_id, n.product_id, n.id, n.name, n.data,
           n.ttl_seconds, n.scope, n.source, n.published_at
    from new_rows n
    order by n.id;
    return null;
end;
$$;
create trigger events_changes after insert on events
    referencing new table as new_rows
    for each statement execute function events_changes();

create function product_firmware_events() returns trigger language plpgsql as $$
begin
    insert into events (organization_id, product_id, name, data, ttl_seconds, scope, source)
    select n.organization_id, n.product_id, 'firmament/firmware/uploaded',
           json_build_object('firmwareId', n.id, 'version', n.version, 'sha256', n.sha256,
                             'sizeBytes', n.size_bytes)::text,
           86400, 'private', 'cloud'
    from new_rows n;
    return null;
end;
$$;
create trigger product_firmware_events after insert on product_firmware
    referencing new table as new_rows
    for each statement execute function product_firmware_events();
-- [jooq ignore stop]
