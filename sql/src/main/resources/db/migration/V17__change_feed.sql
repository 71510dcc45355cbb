-- The change feed: what live subscribers hear, written by the database itself in the transaction
-- that made the change, whichever process made it (a worker, the API, a migration). Triggers turn
-- every OTA result transition (a row of ota_result_history), every change of a device's presence or
-- firmware version, and every status change of a rollout or of one of its stages into a row here,
-- and notify the channel firmament_changes; the API reads the rows after a notification.
--
-- Readers take rows in the order (tx, id) and only rows of transactions older than every running
-- one (tx below pg_snapshot_xmin(pg_current_snapshot())): a transaction that commits later than a
-- row was read can then never add a row before it, so a cursor (tx, id) misses nothing and a subscriber
-- resumes after the last row it saw. A long-open writing transaction delays the feed; it never
-- loses a row. Rows older than the API's retention are deleted; the bound of what was deleted is
-- kept in change_feed_horizon so that a cursor from before it is refused, not silently served a gap.
create table change_events (
    id               bigint        generated always as identity primary key,
    organization_id  uuid          not null,
    kind             varchar(32)   not null
        check (kind in ('OTA_RESULT', 'DEVICE_ONLINE', 'DEVICE_OFFLINE', 'DEVICE_VERSION', 'ROLLOUT_STATUS', 'STAGE_STATUS')),
    job_id           uuid,
    device_id        varchar(64),
    product_id       uuid,
    stage            integer,
    phase            varchar(16),
    -- A result's state, a rollout's or stage's status, or a device's version (up to 128 characters):
    -- as wide as every column the triggers copy, so that a trigger never fails the change itself.
    state            varchar(128),
    previous         varchar(128),
    attempt          integer,
    bytes_sent       bigint,
    error_code       varchar(64),
    recorded_at      timestamptz   not null default now(),
    -- The writing transaction's id (pg_current_xact_id(), 64 bits with its epoch), set by default.
    tx               bigint        not null
);
create index change_events_recorded_idx on change_events (recorded_at);

create table change_feed_horizon (
    singleton    boolean      primary key default true check (singleton),
    deleted_tx   bigint       not null,
    deleted_id   bigint       not null,
    updated_at   timestamptz  not null default now()
);

-- [jooq ignore start]
alter table change_events alter column tx set default (pg_current_xact_id()::text::bigint);
create index change_events_cursor_idx on change_events (tx, id);

create function change_events_notify() returns trigger language plpgsql as $$
begin
    -- One notification per transaction: PostgreSQL folds equal payloads of one transaction.
    perform pg_notify('firmament_changes', '');
    return null;
end;
$$;
create trigger change_events_notify after insert on change_events
    for each statement execute function change_events_notify();

create function ota_result_history_changes() returns trigger language plpgsql as $$
begin
    insert into change_events (organization_id, kind, job_id, device_id, product_id, stage, phase,
                               state, attempt, bytes_sent, error_code, recorded_at)
    select n.organization_id, 'OTA_RESULT', n.job_id, n.device_id, j.product_id, r.stage, n.phase,
           n.state, n.attempt, n.bytes_sent, n.error_code, n.recorded_at
    from new_rows n
    join ota_jobs j on j.id = n.job_id
    left join ota_results r on r.job_id = n.job_id and r.device_id = n.device_id
    order by n.id;
    return null;
end;
$$;
create trigger ota_result_history_changes after insert on ota_result_history
    referencing new table as new_rows
    for each statement execute function ota_result_history_changes();

create function devices_changes() returns trigger language plpgsql as $$
begin
    insert into change_events (organization_id, kind, device_id, product_id, state, previous)
    select n.organization_id,
           case when n.online then 'DEVICE_ONLINE' else 'DEVICE_OFFLINE' end,
           n.id, n.product_id, n.firmware_version, o.firmware_version
    from new_rows n join old_rows o on o.id = n.id
    where n.online is distinct from o.online;
    insert into change_events (organization_id, kind, device_id, product_id, state, previous)
    select n.organization_id, 'DEVICE_VERSION', n.id, n.product_id, n.firmware_version, o.firmware_version
    from new_rows n join old_rows o on o.id = n.id
    where n.firmware_version is distinct from o.firmware_version;
    return null;
end;
$$;
create trigger devices_changes after update on devices
    referencing old table as old_rows new table as new_rows
    for each statement execute function devices_changes();

create function ota_jobs_changes() returns trigger language plpgsql as $$
begin
    insert into change_events (organization_id, kind, job_id, product_id, state, previous)
    select n.organization_id, 'ROLLOUT_STATUS', n.id, n.product_id, n.status, o.status
    from new_rows n join old_rows o on o.id = n.id
    where n.status is distinct from o.status;
    return null;
end;
$$;
create trigger ota_jobs_changes after update on ota_jobs
    referencing old table as old_rows new table as new_rows
    for each statement execute function ota_jobs_changes();

create function ota_stages_changes() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' then
        insert into change_events (organization_id, kind, job_id, product_id, stage, state)
        select n.organization_id, 'STAGE_STATUS', n.job_id, j.product_id, n.stage_index, n.status
        from new_rows n join ota_jobs j on j.id = n.job_id;
    else
        insert into change_events (organization_id, kind, job_id, product_id, stage, state, previous)
        select n.organization_id, 'STAGE_STATUS', n.job_id, j.product_id, n.stage_index, n.status, o.status
        from new_rows n
        join old_rows o on o.job_id = n.job_id and o.stage_index = n.stage_index
        join ota_jobs j on j.id = n.job_id
        where n.status is distinct from o.status;
    end if;
    return null;
end;
$$;
create trigger ota_stages_changes_insert after insert on ota_stages
    referencing new table as new_rows
    for each statement execute function ota_stages_changes();
create trigger ota_stages_changes_update after update on ota_stages
    referencing old table as old_rows new table as new_rows
    for each statement execute function ota_stages_changes();
-- [jooq ignore stop]
