-- Schema v2: staged rollouts. The plan a job was created with, one row per stage with its status and counters,
-- each result's stage and position within it, the rollback stage's own results, and invalidated firmware.

-- The RolloutPlan as JSON, exactly as the API built it and passed it to the workflow.
alter table ota_jobs add column plan text;
alter table ota_jobs add column status_detail varchar(1000);

-- An invalidated firmware may not be rolled out again; every unfinished job that uses it is aborted.
alter table product_firmware add column invalidated_at timestamptz;
alter table product_firmware add column invalid_reason varchar(1000);

-- One row per stage of a job, rewritten by the stage workflow as it moves (never after a final status).
-- The rollback stage follows the plan's stages, with kind ROLLBACK.
create table ota_stages (
    organization_id  uuid          not null references organizations (id),
    job_id           uuid          not null references ota_jobs (id),
    stage_index      integer       not null,
    name             varchar(100)  not null,
    kind             varchar(16)   not null check (kind in ('UPDATE', 'ROLLBACK')),
    status           varchar(32)   not null,
    assigned         integer       not null default 0,
    started          integer       not null default 0,
    in_flight        integer       not null default 0,
    succeeded        integer       not null default 0,
    skipped          integer       not null default 0,
    failed           integer       not null default 0,
    timed_out        integer       not null default 0,
    rejected         integer       not null default 0,
    rolled_back      integer       not null default 0,
    unhealthy        integer       not null default 0,
    created_at       timestamptz   not null default now(),
    updated_at       timestamptz   not null default now(),
    finished_at      timestamptz,
    primary key (job_id, stage_index)
);

-- The stage a result belongs to and its position there: assignment order (stable hash of the device id), then
-- joiners and requeued devices after everyone else. Null until a stage takes the device.
alter table ota_results add column stage integer;
alter table ota_results add column stage_position bigint;
create index ota_results_stage_idx on ota_results (job_id, stage, stage_position);

-- The rollback stage's results: one per device the job changed, delivering its previous version back. Kept apart
-- from the update's result so that both keep their own state and history.
create table ota_rollback_results (
    organization_id   uuid          not null references organizations (id),
    job_id            uuid          not null,
    device_id         varchar(64)   not null,
    to_version        varchar(64)   not null,
    state             varchar(32)   not null,
    attempt           integer       not null default 1,
    stage_position    bigint        not null,
    bytes_sent        bigint        not null default 0,
    error_code        varchar(64),
    error_message     varchar(1000),
    task_token        bytea,
    created_at        timestamptz   not null default now(),
    updated_at        timestamptz   not null default now(),
    primary key (job_id, device_id),
    foreign key (job_id, device_id) references ota_results (job_id, device_id)
);
create index ota_rollback_results_position_idx on ota_rollback_results (job_id, stage_position);

-- History rows say which phase they belong to: the update (UPDATE) or the rollback stage (ROLLBACK).
alter table ota_result_history add column phase varchar(16) not null default 'UPDATE';
