-- Data usage and plans (docs/connectivity.md, "Data usage" and "Plans").
--
-- Usage is rolled up as it happens, never computed by scanning the sources on read: every source
-- adds its bytes to a row per SIM and UTC day, and its bytes and operations to a row per
-- organization, product and UTC day, in the transaction that records it (a trigger on the source
-- table, or the workers' flush of the gateway's meter for what only the gateway sees). A month of
-- one SIM is then at most 31 rows, and a month of an organization a few rows per product, however
-- many millions of events, calls and chunks the fleet sent.
--
-- Bytes are attributed to the SIM that is in the device when they are recorded, so a SIM moved to
-- another device keeps its past usage and the new device's usage goes to the new SIM.

-- The seed's SimDataUsage, per day: what the platform measured for the SIM's device by source, and
-- what the device itself reported.
create table sim_usage_days (
    sim_id            uuid        not null references sims (id) on delete cascade,
    day               date        not null,
    organization_id   uuid        not null references organizations (id),
    -- Firmware artifact bytes the gateways published to the device, resends included.
    ota_bytes         bigint      not null default 0,
    -- Function calls and variable reads that reached the device: name, argument and result.
    call_bytes        bigint      not null default 0,
    -- Events the device published: name and data.
    event_bytes       bigint      not null default 0,
    -- Ledger documents pushed to the device and written by it.
    ledger_bytes      bigint      not null default 0,
    -- What the device counted on its own network interface (its net.bytes diagnostic).
    reported_bytes    bigint      not null default 0,
    primary key (sim_id, day)
);
create index sim_usage_days_by_organization on sim_usage_days (organization_id, day);

-- The seed's UsageRecord: per organization, product and day. product_id has no foreign key, so
-- the usage of a deleted product stays (billing history outlives the product).
create table usage_days (
    organization_id   uuid        not null references organizations (id),
    product_id        uuid        not null,
    day               date        not null,
    ota_bytes         bigint      not null default 0,
    call_bytes        bigint      not null default 0,
    event_bytes       bigint      not null default 0,
    ledger_bytes      bigint      not null default 0,
    reported_bytes    bigint      not null default 0,
    function_calls    bigint      not null default 0,
    variable_reads    bigint      not null default 0,
    events            bigint      not null default 0,
    ledger_syncs      bigint      not null default 0,
    primary key (organization_id, product_id, day)
);

-- The last net.bytes counter each device reported, to turn a counter into the bytes since.
create table device_usage_counters (
    device_id         varchar(64) primary key references devices (id) on delete cascade,
    organization_id   uuid        not null references organizations (id),
    counter           bigint      not null,
    measured_at       timestamptz not null
);

-- The seed's Subscription: an organization's plan. No row means the default plan: no device
-- limit and no allowance (docs/connectivity.md, "Plans"). Registration locks this row while it
-- counts the devices, so two registrations cannot both take the last place.
create table organization_plans (
    organization_id            uuid         primary key references organizations (id),
    name                       varchar(64)  not null,
    -- Devices the organization may hold; null for no limit.
    device_limit               integer      check (device_limit >= 0),
    -- Data operations per calendar month (UTC); null for no allowance. Reported, not enforced.
    data_operations_allowance  bigint       check (data_operations_allowance >= 0),
    updated_by                 varchar(320) not null,
    updated_at                 timestamptz  not null default now()
);

-- [jooq ignore start]
-- Adds usage for devices, today (UTC), to their SIM's day and their product's day. Each array
-- holds one value per device; a device that no longer exists is skipped. Rows are written in key
-- order, so concurrent writers lock them in the same order.
create function record_usage(p_devices varchar[], p_ota bigint[], p_calls bigint[],
                             p_events bigint[], p_ledger bigint[], p_reported bigint[],
                             p_function_calls bigint[], p_variable_reads bigint[],
                             p_event_count bigint[], p_ledger_syncs bigint[])
    returns void language plpgsql as $$
declare
    today date := (now() at time zone 'UTC')::date;
begin
    insert into usage_days (organization_id, product_id, day, ota_bytes, call_bytes, event_bytes,
                            ledger_bytes, reported_bytes, function_calls, variable_reads, events,
                            ledger_syncs)
    select d.organization_id, d.product_id, today, sum(u.ota), sum(u.calls), sum(u.events),
           sum(u.ledger), sum(u.reported), sum(u.function_calls), sum(u.variable_reads),
           sum(u.event_count), sum(u.ledger_syncs)
    from unnest(p_devices, p_ota, p_calls, p_events, p_ledger, p_reported, p_function_calls,
                p_variable_reads, p_event_count, p_ledger_syncs)
             as u(device_id, ota, calls, events, ledger, reported, function_calls, variable_reads,
                  event_count, ledger_syncs)
    join devices d on d.id = u.device_id
    group by d.organization_id, d.product_id
    order by d.organization_id, d.product_id
    on conflict (organization_id, product_id, day) do update set
        ota_bytes = usage_days.ota_bytes + excluded.ota_bytes,
        call_bytes = usage_days.call_bytes + excluded.call_bytes,
        event_bytes = usage_days.event_bytes + excluded.event_bytes,
        ledger_bytes = usage_days.ledger_bytes + excluded.ledger_bytes,
        reported_bytes = usage_days.reported_bytes + excluded.reported_bytes,
        function_calls = usage_days.function_calls + excluded.function_calls,
        variable_reads = usage_days.variable_reads + excluded.variable_reads,
        events = usage_days.events + excluded.events,
        ledger_syncs = usage_days.ledger_syncs + excluded.ledger_syncs;

    insert into sim_usage_days (sim_id, day, organization_id, ota_bytes, call_bytes, event_bytes,
                                ledger_bytes, reported_bytes)
    select s.id, today, s.organization_id, sum(u.ota), sum(u.calls), sum(u.events),
           sum(u.ledger), sum(u.reported)
    from unnest(p_devices, p_ota, p_calls, p_events, p_ledger, p_reported)
             as u(device_id, ota, calls, events, ledger, reported)
    join sims s on s.device_id = u.device_id
    group by s.id, s.organization_id
    having sum(u.ota) + sum(u.calls) + sum(u.events) + sum(u.ledger) + sum(u.reported) > 0
    order by s.id
    on conflict (sim_id, day) do update set
        ota_bytes = sim_usage_days.ota_bytes + excluded.ota_bytes,
        call_bytes = sim_usage_days.call_bytes + excluded.call_bytes,
        event_bytes = sim_usage_days.event_bytes + excluded.event_bytes,
        ledger_bytes = sim_usage_days.ledger_bytes + excluded.ledger_bytes,
        reported_bytes = sim_usage_days.reported_bytes + excluded.reported_bytes;
end;
$$;

-- Function calls and variable reads that reached the device (a reply, a refusal or a timeout;
-- not those answered for an offline device, which sent nothing).
create function device_calls_usage() returns trigger language plpgsql as $$
begin
    perform record_usage(array_agg(c.device_id), array_agg(0::bigint), array_agg(c.bytes),
                         array_agg(0::bigint), array_agg(0::bigint), array_agg(0::bigint),
                         array_agg(c.functions), array_agg(c.variables), array_agg(0::bigint),
                         array_agg(0::bigint))
    from (select n.device_id,
                 sum(octet_length(n.name) + n.argument_bytes
                     + coalesce(octet_length(n.result), 0)
                     + coalesce(octet_length(n.return_value::text), 0))::bigint as bytes,
                 count(*) filter (where n.kind = 'function') as functions,
                 count(*) filter (where n.kind = 'variable') as variables
          from new_rows n
          where n.latency_ms is not null
          group by n.device_id) c
    having count(*) > 0;
    return null;
end;
$$;
create trigger device_calls_usage after insert on device_calls
    referencing new table as new_rows
    for each statement execute function device_calls_usage();

-- Events a device published (the cloud's own events cost no device any data).
create function events_usage() returns trigger language plpgsql as $$
begin
    perform record_usage(array_agg(e.device_id), array_agg(0::bigint), array_agg(0::bigint),
                         array_agg(e.bytes), array_agg(0::bigint), array_agg(0::bigint),
                         array_agg(0::bigint), array_agg(0::bigint), array_agg(e.n),
                         array_agg(0::bigint))
    from (select n.device_id,
                 sum(octet_length(n.name) + octet_length(n.data))::bigint as bytes,
                 count(*) as n
          from new_rows n
          where n.source = 'device' and n.device_id is not null
          group by n.device_id) e
    having count(*) > 0;
    return null;
end;
$$;
create trigger events_usage after insert on events
    referencing new table as new_rows
    for each statement execute function events_usage();

-- A device's own count of its network bytes since it started, the net.bytes diagnostic of its
-- vitals: the bytes since its last report are added. A counter below the last one means the device
-- started counting again (it restarted): all of it is new. Reports the device kept while offline
-- and sends late are skipped; its next live report's counter covers them.
create function device_vitals_usage() returns trigger language plpgsql as $$
declare
    reported numeric;
    counter bigint;
    previous bigint;
begin
    if new.backfilled then
        return null;
    end if;
    begin
        reported := (new.diagnostics::jsonb ->> 'net.bytes')::numeric;
    exception when others then
        return null;
    end;
    if reported is null or reported < 0 or reported > 9.0e18 then
        return null;
    end if;
    counter := floor(reported)::bigint;
    select c.counter into previous from device_usage_counters c
     where c.device_id = new.device_id for update;
    insert into device_usage_counters (device_id, organization_id, counter, measured_at)
    values (new.device_id, new.organization_id, counter, new.measured_at)
    on conflict (device_id) do update set counter = excluded.counter,
                                          measured_at = excluded.measured_at;
    if previous is not null and counter >= previous then
        counter := counter - previous;
    end if;
    if counter > 0 then
        perform record_usage(array[new.device_id], array[0::bigint], array[0::bigint],
                             array[0::bigint], array[0::bigint], array[counter],
                             array[0::bigint], array[0::bigint], array[0::bigint],
                             array[0::bigint]);
    end if;
    return null;
end;
$$;
create trigger device_vitals_usage after insert on device_vitals
    for each row execute function device_vitals_usage();
-- [jooq ignore stop]
