-- Schema v3: signed manifests of firmware builds, the delta catalogue, and what each device was sent.
-- Rows from before keep null manifest, signature and build status; nothing is rewritten.

-- The manifest is the canonical JSON that was signed (docs/firmware-manifest.md), stored verbatim so
-- that a verifier checks the very bytes the signature covers. The signature is base64 Ed25519.
-- delta_build_status: PENDING while the delta build runs, DONE when it recorded its report, FAILED
-- when it could not be started or ended in error.
alter table product_firmware add column manifest text;
alter table product_firmware add column signature varchar(200);
alter table product_firmware add column delta_build_status varchar(16);

-- One row per (from image, to image, format): the delta built for it, or why none is shipped.
-- PUBLISHED rows were re-applied and matched the target image's SHA-256 before they were written.
create table firmware_deltas (
    id                uuid          primary key,
    organization_id   uuid          not null references organizations (id),
    product_id        uuid          not null references products (id),
    from_firmware_id  uuid          not null references product_firmware (id),
    to_firmware_id    uuid          not null references product_firmware (id),
    format            varchar(16)   not null,
    storage_key       varchar(200),
    size_bytes        bigint,
    sha256            varchar(64),
    status            varchar(16)   not null check (status in ('PUBLISHED', 'FULL_PREFERRED', 'FAILED')),
    reason            varchar(1000),
    build_ms          bigint        not null default 0,
    created_at        timestamptz   not null default now(),
    constraint firmware_deltas_pair_unique unique (from_firmware_id, to_firmware_id, format),
    constraint firmware_deltas_published_has_patch
        check (status <> 'PUBLISHED' or (storage_key is not null and size_bytes > 0 and sha256 is not null))
);
create index firmware_deltas_to_idx on firmware_deltas (to_firmware_id, status);

-- The size of the artifact offered to the device (the patch for a delta, the image otherwise), so
-- that the bytes recorded for a finished transfer are the bytes that were actually sent.
alter table ota_results add column artifact_size_bytes bigint;
