-- What a published delta needs of the device's applier, and what each device's applier decodes
-- (docs/delta-format.md, sections 2 and 3; docs/device-protocol.md, section 7):
-- * firmware_deltas.branch_filter: the native patch's branch filter ('NONE', 'THUMB_BL', 'ARM_BL',
--   'ARM64', 'X86', 'RISCV'); null for BSDIFF40 patches and rows built before it was recorded,
--   which use no filter or one every applier decodes.
-- * firmware_deltas.codec: the native patch's entropy stage ('ZSTD', 'LZMA'); null as above (zstd).
-- * devices.delta_filters and devices.delta_codecs: what the device's online presence names
--   (`capabilities.deltaFilters`, `capabilities.deltaCodecs`, joined by commas); null when it never
--   named any: what every applier decodes (THUMB_BL and ARM_BL; ZSTD).
-- The server offers a device only patches it can decode.
alter table firmware_deltas add column branch_filter varchar(16);
alter table firmware_deltas add column codec varchar(16);
alter table devices add column delta_filters varchar(600);
alter table devices add column delta_codecs varchar(600);
