-- Which branch filter of the native patch format (docs/delta-format.md, section 3) a published
-- delta uses ('NONE', 'THUMB_BL', 'ARM_BL', 'ARM64', 'X86', 'RISCV'; null for BSDIFF40 patches and
-- rows built before it was recorded, which use no filter or one every applier decodes), and which
-- filters a device's applier decodes, as its online presence declares them (docs/device-protocol.md,
-- section 7, `capabilities.deltaFilters`, joined by commas; null when it never named any: the
-- filters every applier has decoded). The server offers a device only patches it can decode.
alter table firmware_deltas add column branch_filter varchar(16);
alter table devices add column delta_filters varchar(600);
