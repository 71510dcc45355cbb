-- Every function call and variable read sent to a device through the API, or answered by the API
-- itself (the device was offline): who asked, when, what, how it ended and how long it took.
create table device_calls (
    id               uuid          primary key,
    organization_id  uuid          not null references organizations (id),
    device_id        varchar(64)   not null references devices (id) on delete cascade,
    kind             varchar(8)    not null check (kind in ('function', 'variable')),
    name             varchar(64)   not null,
    -- UTF-8 bytes of a function's argument; the argument itself is not kept.
    argument_bytes   integer       not null default 0 check (argument_bytes >= 0),
    actor            varchar(300)  not null,
    called_at        timestamptz   not null,
    outcome          varchar(16)   not null
        check (outcome in ('ok', 'offline', 'timeout', 'refused', 'unavailable')),
    -- A function's result.
    return_value     integer,
    -- A variable's value, as JSON text, with its type.
    result           varchar(1100),
    result_type      varchar(16),
    -- The device's refusal code (UNKNOWN_FUNCTION, BAD_ARGUMENT, ...) or the API's error code.
    error_code       varchar(32),
    -- From sending the call to its reply (or to giving up); null when nothing was sent.
    latency_ms       integer
);

create index device_calls_by_device on device_calls (device_id, called_at desc);
create index device_calls_by_time on device_calls (organization_id, called_at);
