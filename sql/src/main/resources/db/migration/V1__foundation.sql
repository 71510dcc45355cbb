-- Schema v1: tenants, the device/product model, firmware, OTA jobs and their per-device results.
-- Every tenant-owned table carries organization_id so that every query can be scoped to one tenant.
-- Keys and indexed columns are varchar (not text) so that jOOQ's DDL-based code generation reads them.

create table organizations (
    id          uuid         primary key,
    slug        varchar(64)  not null unique,
    name        varchar(200) not null,
    created_at  timestamptz  not null default now()
);

create table products (
    id               uuid         primary key,
    organization_id  uuid         not null references organizations (id),
    slug             varchar(64)  not null,
    name             varchar(200) not null,
    created_at       timestamptz  not null default now(),
    constraint products_slug_unique unique (organization_id, slug)
);

-- The device id is its public identity: the MQTT client id and topic segment (fw/{id}/...).
create table devices (
    id                varchar(64)  primary key,
    organization_id   uuid         not null references organizations (id),
    product_id        uuid         not null references products (id),
    name              varchar(200) not null,
    firmware_version  varchar(64),
    online            boolean      not null default false,
    last_heard        timestamptz,
    last_ip           varchar(64),
    created_at        timestamptz  not null default now()
);
create index devices_product_idx on devices (product_id, id);
create index devices_org_name_idx on devices (organization_id, name);

create table device_groups (
    id               uuid         primary key,
    organization_id  uuid         not null references organizations (id),
    product_id       uuid         not null references products (id),
    name             varchar(100) not null,
    created_at       timestamptz  not null default now(),
    constraint device_groups_name_unique unique (product_id, name)
);

create table device_group_members (
    organization_id  uuid        not null references organizations (id),
    group_id         uuid        not null references device_groups (id) on delete cascade,
    device_id        varchar(64) not null references devices (id) on delete cascade,
    added_at         timestamptz not null default now(),
    primary key (group_id, device_id)
);
create index device_group_members_device_idx on device_group_members (device_id);

-- A firmware build uploaded to a product. The image itself lives in the artifact store under storage_key
-- (content-addressed by sha256); this row is its catalogue entry.
create table product_firmware (
    id               uuid         primary key,
    organization_id  uuid         not null references organizations (id),
    product_id       uuid         not null references products (id),
    version          varchar(64)  not null,
    title            varchar(200),
    sha256           varchar(64)  not null,
    size_bytes       bigint       not null check (size_bytes > 0),
    storage_key      varchar(200) not null,
    uploaded_at      timestamptz  not null default now(),
    constraint product_firmware_version_unique unique (product_id, version)
);

create table ota_jobs (
    id                uuid         primary key,
    organization_id   uuid         not null references organizations (id),
    product_id        uuid         not null references products (id),
    firmware_id       uuid         not null references product_firmware (id),
    target_version    varchar(64)  not null,
    target_kind       varchar(16)  not null check (target_kind in ('PRODUCT', 'GROUP')),
    target_group_id   uuid         references device_groups (id),
    status            varchar(32)  not null,
    max_in_flight     integer      not null check (max_in_flight > 0),
    workflow_id       varchar(200) not null unique,
    total_devices     integer      not null default 0,
    created_at        timestamptz  not null default now(),
    started_at        timestamptz,
    finished_at       timestamptz,
    constraint ota_jobs_group_target check ((target_kind = 'GROUP') = (target_group_id is not null))
);
create index ota_jobs_product_idx on ota_jobs (product_id, created_at);

-- The current state of one device's update within one job; every change is also appended to ota_result_history.
create table ota_results (
    organization_id   uuid          not null references organizations (id),
    job_id            uuid          not null references ota_jobs (id),
    device_id         varchar(64)   not null references devices (id),
    state             varchar(32)   not null,
    attempt           integer       not null default 1,
    from_version      varchar(64),
    artifact_kind     varchar(16),
    artifact_sha256   varchar(64),
    bytes_sent        bigint        not null default 0,
    error_code        varchar(64),
    error_message     varchar(1000),
    task_token        bytea,
    created_at        timestamptz   not null default now(),
    updated_at        timestamptz   not null default now(),
    primary key (job_id, device_id)
);
create index ota_results_device_idx on ota_results (device_id, updated_at);
create index ota_results_job_state_idx on ota_results (job_id, state);

create table ota_result_history (
    id                bigint        generated always as identity primary key,
    organization_id   uuid          not null references organizations (id),
    job_id            uuid          not null,
    device_id         varchar(64)   not null,
    state             varchar(32)   not null,
    attempt           integer       not null,
    bytes_sent        bigint        not null default 0,
    error_code        varchar(64),
    detail            varchar(1000),
    recorded_at       timestamptz   not null default now(),
    foreign key (job_id, device_id) references ota_results (job_id, device_id)
);
create index ota_result_history_result_idx on ota_result_history (job_id, device_id, id);

-- [jooq ignore start]
-- History rows are evidence for auditors: once written they never change.
create function ota_result_history_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'ota_result_history is append-only';
end;
$$;

create trigger ota_result_history_no_update
    before update or delete on ota_result_history
    for each row execute function ota_result_history_append_only();
-- [jooq ignore stop]
