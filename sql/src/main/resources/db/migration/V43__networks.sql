-- Private device networks (docs/connectivity.md, "Networks"): a network of an organization (a
-- mesh, a VLAN or a private APN), its member devices with their roles, its configurations (one
-- row per published version) and each member's answer to each version it was sent.

create table networks (
    id               uuid          primary key,
    organization_id  uuid          not null references organizations (id),
    name             varchar(100)  not null,
    kind             varchar(16)   not null,
    description      varchar(1000) not null default '',
    -- The latest published configuration's version; 0 while none is published. Versions count
    -- 1, 2, 3, ... per network; the row is locked while a new one is published.
    config_version   bigint        not null default 0,
    created_by       varchar(320)  not null,
    created_at       timestamptz   not null default now(),
    updated_at       timestamptz   not null default now(),
    constraint networks_name_unique unique (organization_id, name),
    constraint networks_kind_check check (kind in ('MESH', 'VLAN', 'PRIVATE_APN')),
    constraint networks_version_check check (config_version >= 0)
);

-- Every published configuration, kept: a member's acknowledgement names the version it answers.
-- The settings are compact JSON of at most 4 KiB (NetworkSettings), checked before they get here.
create table network_configurations (
    network_id       uuid          not null references networks (id) on delete cascade,
    organization_id  uuid          not null references organizations (id),
    version          bigint        not null,
    settings         text          not null,
    published_by     varchar(320)  not null,
    published_at     timestamptz   not null default now(),
    primary key (network_id, version),
    constraint network_configurations_version_check check (version >= 1)
);

-- A device is a member of at most one network (unique device_id): it holds one configuration and
-- has one answer to give per version. Deleting the device or the network ends the membership.
create table network_devices (
    network_id       uuid          not null references networks (id) on delete cascade,
    device_id        varchar(64)   not null references devices (id) on delete cascade,
    organization_id  uuid          not null references organizations (id),
    role             varchar(16)   not null,
    added_by         varchar(320)  not null,
    added_at         timestamptz   not null default now(),
    -- The highest version the workers sent the device (0: none yet), and when.
    sent_version     bigint        not null default 0,
    sent_at          timestamptz,
    primary key (network_id, device_id),
    constraint network_devices_one_network unique (device_id),
    constraint network_devices_role_check check (role in ('GATEWAY', 'NODE'))
);
create index network_devices_by_network on network_devices (network_id, role);

-- A member's answer to one version: applied, or rejected with the device's reason. It goes with the
-- membership, so a device removed and added again starts with no answers.
create table network_config_acks (
    network_id       uuid          not null,
    organization_id  uuid          not null references organizations (id),
    device_id        varchar(64)   not null,
    version          bigint        not null,
    result           varchar(16)   not null,
    reason           varchar(200),
    acked_at         timestamptz   not null default now(),
    primary key (network_id, device_id, version),
    foreign key (network_id, device_id) references network_devices (network_id, device_id)
        on delete cascade,
    constraint network_config_acks_result_check check (result in ('APPLIED', 'REJECTED'))
);

-- What the workers still have to send online devices after an API change (an outbox, as
-- ledger_pushes): a published version or a changed membership. device_id null: every member of the
-- network. The row names no foreign key, so a removal outlives the network it removes the device
-- from.
create table network_pushes (
    id               bigint        generated always as identity primary key,
    organization_id  uuid          not null references organizations (id),
    network_id       uuid          not null,
    device_id        varchar(64),
    created_at       timestamptz   not null default now()
);

-- [jooq ignore start]
create function network_pushes_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('firmament_network_pushes', '');
    return null;
end;
$$;
create trigger network_pushes_notify after insert on network_pushes
    for each statement execute function network_pushes_notify();
-- [jooq ignore stop]
