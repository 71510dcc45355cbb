-- Ledgers: named key-value documents synchronized between the cloud and devices (docs/device-protocol.md,
-- "Ledgers"). A ledger is a definition in an organization; an instance is its document for one
-- scope value: the organization itself, one product or one device.
create table ledgers (
    id               uuid           primary key,
    organization_id  uuid           not null references organizations (id),
    -- Unique in the organization, so a device never sees two ledgers of one name whatever their scope.
    name             varchar(64)    not null,
    description      varchar(1000)  not null default '',
    scope            varchar(16)    not null check (scope in ('ORGANIZATION', 'PRODUCT', 'DEVICE')),
    direction        varchar(16)    not null
        check (direction in ('CLOUD_TO_DEVICE', 'DEVICE_TO_CLOUD')),
    created_by       varchar(300)   not null,
    created_at       timestamptz    not null default now(),
    updated_at       timestamptz    not null default now(),
    constraint ledgers_name_unique unique (organization_id, name),
    -- A device writes only its own document: a device-to-cloud ledger has one instance per device.
    constraint ledgers_device_to_cloud_per_device
        check (direction = 'CLOUD_TO_DEVICE' or scope = 'DEVICE')
);

-- Versions of cloud-to-device instances come from one sequence, so a version is never used twice,
-- not even after a ledger is deleted and made again under its name: a device that holds a copy
-- applies only a higher version, and the sequence keeps that rule true across such a remake.
create sequence ledger_versions;

create table ledger_instances (
    id               uuid           primary key,
    organization_id  uuid           not null references organizations (id),
    ledger_id        uuid           not null references ledgers (id) on delete cascade,
    -- Exactly the column the ledger's scope needs is set: neither (ORGANIZATION), the product, or
    -- the device.
    product_id       uuid           references products (id) on delete cascade,
    device_id        varchar(64)    references devices (id) on delete cascade,
    -- The document: a JSON object, at most 8 KiB of compact JSON (checked by the writers).
    data             text           not null,
    -- Cloud-to-device: a value of ledger_versions; device-to-cloud: the device's write sequence.
    version          bigint         not null check (version > 0),
    updated_at       timestamptz    not null default now(),
    -- A member, token or client (as the audit names it), or device:{id}.
    updated_by       varchar(300)   not null,
    constraint ledger_instances_one_scope check (product_id is null or device_id is null)
);
-- One instance per scope value (partial indexes; the code generator skips them).
-- [jooq ignore start]
create unique index ledger_instances_organization_unique on ledger_instances (ledger_id)
    where product_id is null and device_id is null;
create unique index ledger_instances_product_unique on ledger_instances (ledger_id, product_id)
    where product_id is not null;
create unique index ledger_instances_device_unique on ledger_instances (ledger_id, device_id)
    where device_id is not null;
create index ledger_instances_by_device on ledger_instances (device_id) where device_id is not null;
-- [jooq ignore stop]

-- What the workers still have to push to online devices after an API write or delete: written in
-- the transaction of the change (an outbox), claimed and deleted by one worker (skip locked), so a
-- change made while no worker runs is pushed when one starts. The row names the scope value, not
-- the instance, because a deleted instance or ledger is pushed as a removal.
create table ledger_pushes (
    id               bigint         generated always as identity primary key,
    organization_id  uuid           not null references organizations (id),
    ledger_name      varchar(64)    not null,
    scope            varchar(16)    not null check (scope in ('ORGANIZATION', 'PRODUCT', 'DEVICE')),
    product_id       uuid,
    device_id        varchar(64),
    created_at       timestamptz    not null default now()
);

-- [jooq ignore start]
create function ledger_pushes_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('firmament_ledger_pushes', '');
    return null;
end;
$$;
create trigger ledger_pushes_notify after insert on ledger_pushes
    for each statement execute function ledger_pushes_notify();
-- [jooq ignore stop]
