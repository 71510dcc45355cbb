-- How a device keeps its image, as its online presence declares it (docs/device-protocol.md,
-- section 7, `capabilities.slot`): its slot mode ('AB', 'IN_PLACE', or a newer name, served as
-- 'AB'), null when it never declared one (two slots, as every device always had); for a single slot
-- rewritten in place, the slot's size and the segment it rewrites at a time, which the in-place
-- patches sent to it are built for.
alter table devices add column slot_mode varchar(32);
alter table devices add column slot_size bigint;
alter table devices add column slot_segment integer;
