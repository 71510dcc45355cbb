-- Pinhole probes (a device's round trip, measured on request) are recorded with the calls.
-- [jooq ignore start]
alter table device_calls drop constraint device_calls_kind_check;
alter table device_calls add constraint device_calls_kind_check
    check (kind in ('function', 'variable', 'probe'));
-- [jooq ignore stop]
