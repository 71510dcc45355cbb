-- What a device installs, as its online presence declares it (docs/device-protocol.md, section 7):
-- the artifact kinds, comma-separated in the device's order, for example 'FULL,DELTA,DELTA_CHAIN'.
-- Null: the device never declared any (the last will, an older agent), and is offered FULL and
-- DELTA as every device always was. Delivery offers a chain of patches (DELTA_CHAIN) only to a
-- device that names it.
alter table devices add column artifact_kinds varchar(600);

-- Delivery reads a product's published deltas as one graph to find the cheapest chain of patches.
-- [jooq ignore start]
create index firmware_deltas_product_published_idx on firmware_deltas (product_id)
    where status = 'PUBLISHED';
-- [jooq ignore stop]
