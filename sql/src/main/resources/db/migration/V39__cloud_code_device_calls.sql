-- Cloud code may call device functions (call_function, docs/cloud-code.md), within an allowance each
-- function is given when it is made: the devices it names and every device of the products it
-- names, and at most max_device_calls calls a run. None by default: a function calls no device
-- unless it was made to.

alter table cloud_code_functions add column max_device_calls integer not null default 0;
-- [jooq ignore start]
alter table cloud_code_functions add constraint cloud_code_functions_max_device_calls
    check (max_device_calls >= 0);
-- [jooq ignore stop]

-- One device or one product a function may call (the devices of). A device or product deleted
-- leaves the allowance: an id registered again later, perhaps by another organization, is not
-- allowed by what was given before.
create table cloud_code_function_devices (
    id               bigint         generated always as identity primary key,
    organization_id  uuid           not null references organizations (id),
    function_id      uuid           not null references cloud_code_functions (id) on delete cascade,
    device_id        varchar(64)    references devices (id) on delete cascade,
    product_id       uuid           references products (id) on delete cascade,
    constraint cloud_code_function_devices_one check ((device_id is null) <> (product_id is null))
);
create index cloud_code_function_devices_by_function on cloud_code_function_devices (function_id);
