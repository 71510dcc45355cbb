-- A claim code lets a customer of a product claim a device themselves (the code printed on its box
-- or shown by the device): made by the organization, shown once, kept as its SHA-256, used once,
-- and expiring. A claim maps the device to the calling customer; the code is then gone.
create table device_claim_codes (
    device_id        varchar(64)   primary key references devices (id) on delete cascade,
    organization_id  uuid          not null references organizations (id),
    code_sha256      varchar(64)   not null unique,
    created_at       timestamptz   not null default now(),
    expires_at       timestamptz   not null,
    created_by       varchar(320)  not null
);
