-- A delta build publishes its smallest patch. When that patch is coded with LZMA, which appliers
-- decode only when they say so (docs/delta-format.md section 2.2), the same patch coded with zstd
-- is published beside it as a companion, so that a device without LZMA still gets a delta
-- rather than the full image. firmware_deltas.variant tells the two apart:
-- * 'BUILD': the build's outcome (published, full image preferred, or failed), one per pair and
--   format, as before;
-- * 'ZSTD_COMPANION': the build's patch coded with zstd, always PUBLISHED, present only beside a
--   published BUILD row whose codec is LZMA.
-- The planner and the API's estimates read every published row and keep, per device, the smallest
-- patch of each pair the device decodes; lists of delta builds read the BUILD rows.
alter table firmware_deltas add column variant varchar(16) not null default 'BUILD';
alter table firmware_deltas add constraint firmware_deltas_variant_check
    check (variant in ('BUILD', 'ZSTD_COMPANION'));
alter table firmware_deltas add constraint firmware_deltas_companion_published
    check (variant = 'BUILD' or status = 'PUBLISHED');
alter table firmware_deltas drop constraint firmware_deltas_pair_unique;
alter table firmware_deltas add constraint firmware_deltas_pair_unique
    unique (from_firmware_id, to_firmware_id, format, variant);
