-- Per-device broker credentials: issued when a device is registered, shown once, stored hashed.
-- The secret is 192 random bits, so a plain SHA-256 is the right hash (no stretching needed, as
-- for any high-entropy token); the broker compares in constant time.
create table device_credentials (
    device_id        varchar(64)  primary key references devices (id) on delete cascade,
    organization_id  uuid         not null references organizations (id),
    secret_sha256    varchar(64)  not null,
    issued_at        timestamptz  not null default now()
);
