-- Released firmware: the build a product's devices are meant to run, or one group's devices when
-- the release names a group (a group's release comes before the product's). A release starts no
-- rollout by itself; it is the target that Device.targetFirmwareVersion names.
create table firmware_releases (
    id               uuid          primary key,
    organization_id  uuid          not null references organizations (id),
    product_id       uuid          not null references products (id),
    group_id         uuid          references device_groups (id) on delete cascade,
    firmware_id      uuid          not null references product_firmware (id),
    released_at      timestamptz   not null default now(),
    released_by      varchar(320)  not null
);

-- A device locked to a version: rollouts of any other version pass it by (it is not among their
-- targets), and it is the device's target whatever is released.
alter table devices
    add column firmware_lock       varchar(128),
    add column firmware_locked_at  timestamptz;

-- [jooq ignore start]
create unique index firmware_releases_product_idx on firmware_releases (product_id)
    where group_id is null;
create unique index firmware_releases_group_idx on firmware_releases (group_id)
    where group_id is not null;
-- [jooq ignore stop]
