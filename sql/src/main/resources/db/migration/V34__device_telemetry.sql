-- What devices say about their own health (fw/{id}/telemetry): their vitals, one row per report,
-- and their log lines; and what the platform concludes from them, the seed's DiagnosticEvent (a
-- reset, a reset loop). The workers write all three; each keeps firmament.telemetry.retention.

-- One vitals report. measured_at is when the device measured it: the time it arrived, or the
-- device's own time for a report it kept while offline (never later than its arrival).
create table device_vitals (
    id                bigint        generated always as identity primary key,
    organization_id   uuid          not null references organizations (id),
    device_id         varchar(64)   not null references devices (id) on delete cascade,
    measured_at       timestamptz   not null,
    received_at       timestamptz   not null default now(),
    -- The version the device ran when the report arrived, as its row said.
    firmware_version  varchar(64),
    uptime_seconds    bigint        not null check (uptime_seconds >= 0),
    -- Set in the first report after a start only: POWER_ON, PIN_RESET, SOFTWARE, UPDATE, WATCHDOG,
    -- PANIC, BROWNOUT or UNKNOWN (the last four mean the firmware or the hardware misbehaved).
    reset_reason      varchar(16),
    boot_count        bigint,
    free_memory       bigint,
    total_memory      bigint,
    signal_strength   integer,
    signal_quality    integer,
    -- Named counters and gauges as a JSON object of numbers.
    diagnostics       varchar(4096) not null default '{}',
    backfilled        boolean       not null default false
);

create index device_vitals_by_device on device_vitals (device_id, measured_at);
create index device_vitals_by_age on device_vitals (received_at);

create table device_logs (
    id               bigint        generated always as identity primary key,
    organization_id  uuid          not null references organizations (id),
    device_id        varchar(64)   not null references devices (id) on delete cascade,
    -- The device's own time for the line.
    logged_at        timestamptz   not null,
    received_at      timestamptz   not null default now(),
    log_level        varchar(8)    not null check (log_level in ('ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE')),
    message          varchar(512)  not null
);

create index device_logs_by_device on device_logs (device_id, logged_at, id);
create index device_logs_by_age on device_logs (received_at);

-- What the platform concluded about a device: RESET (every start the device reported, with its
-- reason) and RESET_LOOP (abnormal resets past the threshold within the window).
create table diagnostic_events (
    id                bigint        generated always as identity primary key,
    organization_id   uuid          not null references organizations (id),
    device_id         varchar(64)   not null references devices (id) on delete cascade,
    occurred_at       timestamptz   not null,
    kind              varchar(16)   not null check (kind in ('RESET', 'RESET_LOOP')),
    severity          varchar(8)    not null check (severity in ('INFO', 'WARNING', 'CRITICAL')),
    detail            varchar(256)  not null,
    firmware_version  varchar(64)
);

create index diagnostic_events_by_device on diagnostic_events (device_id, occurred_at, id);
create index diagnostic_events_by_age on diagnostic_events (occurred_at);

-- [jooq ignore start]
-- Abnormal resets and reset loops are cloud events too (firmament/device/diagnostic), so that the
-- event stream, its subscribers and the live feed hear them.
create function diagnostic_events_publish() returns trigger language plpgsql as $$
begin
    insert into events (organization_id, product_id, device_id, name, data, ttl_seconds, scope,
                        source, published_at)
    select n.organization_id, d.product_id, n.device_id, 'firmament/device/diagnostic',
           json_build_object('kind', n.kind, 'severity', n.severity, 'detail', n.detail,
                             'firmwareVersion', n.firmware_version)::text,
           86400, 'private', 'cloud', n.occurred_at
    from new_rows n join devices d on d.id = n.device_id
    where n.severity <> 'INFO'
    order by n.id;
    return null;
end;
$$;
create trigger diagnostic_events_publish after insert on diagnostic_events
    referencing new table as new_rows
    for each statement execute function diagnostic_events_publish();
-- [jooq ignore stop]
