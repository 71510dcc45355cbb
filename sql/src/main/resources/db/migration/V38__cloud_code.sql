-- Cloud code (docs/cloud-code.md): an organization's WebAssembly modules, versioned, and the
-- functions that run one of their handlers on events or on a schedule, in the sandbox of the
-- cloud-code module. Events reach them as they reach webhooks: a dispatcher reads the settled
-- change feed after its cursor and writes an invocation per matching function, in one transaction.

-- Events cloud code publishes have their own source, so that no function is ever triggered by what
-- cloud code published (a function that answers its own events would run without end).
-- [jooq ignore start]
alter table events drop constraint events_source_check;
alter table events add constraint events_source_check
    check (source in ('device', 'cloud', 'code'));
alter table event_subscriptions drop constraint event_subscriptions_source_check;
alter table event_subscriptions add constraint event_subscriptions_source_check
    check (source in ('DEVICE', 'CLOUD', 'CODE'));
alter table webhooks drop constraint webhooks_source_check;
alter table webhooks add constraint webhooks_source_check
    check (source in ('DEVICE', 'CLOUD', 'CODE'));
-- [jooq ignore stop]

create table cloud_code (
    id               uuid           primary key,
    organization_id  uuid           not null references organizations (id),
    name             varchar(100)   not null,
    -- The version its functions run: the last one deployed.
    version          integer        not null check (version > 0),
    created_by       varchar(300)   not null,
    created_at       timestamptz    not null default now(),
    updated_at       timestamptz    not null default now(),
    constraint cloud_code_name_unique unique (organization_id, name)
);

create table cloud_code_versions (
    cloud_code_id    uuid           not null references cloud_code (id) on delete cascade,
    organization_id  uuid           not null references organizations (id),
    version          integer        not null check (version > 0),
    -- The WebAssembly module, checked when it was deployed (at most 1 MiB).
    module           bytea          not null,
    sha256           varchar(64)    not null,
    size_bytes       integer        not null,
    -- Its handlers, space-separated.
    handlers         varchar(2000)  not null,
    deployed_by      varchar(300)   not null,
    deployed_at      timestamptz    not null default now(),
    primary key (cloud_code_id, version)
);

create table cloud_code_functions (
    id               uuid           primary key,
    organization_id  uuid           not null references organizations (id),
    cloud_code_id    uuid           not null references cloud_code (id) on delete cascade,
    name             varchar(100)   not null,
    handler          varchar(100)   not null,
    trigger          varchar(8)     not null check (trigger in ('EVENT', 'SCHEDULE')),
    -- EVENT: the filter, as an event subscription's.
    name_prefix      varchar(64),
    device_id        varchar(64)    references devices (id) on delete cascade,
    product_id       uuid           references products (id) on delete cascade,
    source           varchar(8)     check (source in ('DEVICE', 'CLOUD')),
    -- SCHEDULE: every so many seconds, next at next_run_at.
    every_seconds    integer        check (every_seconds between 60 and 2678400),
    next_run_at      timestamptz,
    enabled          boolean        not null default true,
    -- URL prefixes it may post to (http_post), space-separated; none by default.
    http_targets     varchar(4000)  not null default '',
    -- The change feed's head when it was made: it hears the changes after it.
    starts_after_tx  bigint         not null,
    starts_after_id  bigint         not null,
    created_by       varchar(300)   not null,
    created_at       timestamptz    not null default now(),
    constraint cloud_code_functions_name_unique unique (cloud_code_id, name),
    constraint cloud_code_functions_schedule
        check ((trigger = 'SCHEDULE') = (every_seconds is not null))
);
create index cloud_code_functions_by_code on cloud_code_functions (cloud_code_id);

-- Where the dispatcher stands in the change feed: one row, starting at its head.
create table cloud_code_dispatch (
    id               integer        primary key check (id = 1),
    after_tx         bigint         not null,
    after_id         bigint         not null,
    updated_at       timestamptz    not null default now()
);
-- [jooq ignore start]
insert into cloud_code_dispatch (id, after_tx, after_id)
select 1, coalesce(max(tx), 0), coalesce(max(id), 0)
from change_events
where tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint;
-- [jooq ignore stop]

-- A run to be made: claimed by one process at a time, done once its run is recorded.
create table cloud_code_invocations (
    id               bigint         generated always as identity primary key,
    organization_id  uuid           not null references organizations (id),
    function_id      uuid           not null references cloud_code_functions (id) on delete cascade,
    trigger          varchar(8)     not null check (trigger in ('EVENT', 'SCHEDULE')),
    event_name       varchar(64),
    -- The event as the handler gets it (JSON).
    payload          varchar(20000) not null,
    state            varchar(8)     not null default 'PENDING'
        check (state in ('PENDING', 'RUNNING', 'DONE')),
    claimed_by       varchar(100),
    claimed_until    timestamptz,
    created_at       timestamptz    not null default now()
);
-- [jooq ignore start]
create index cloud_code_invocations_open on cloud_code_invocations (id) where state <> 'DONE';
-- [jooq ignore stop]

-- Every run: how it ended, what it logged, what it used.
create table cloud_code_runs (
    id               bigint         generated always as identity primary key,
    organization_id  uuid           not null references organizations (id),
    function_id      uuid           not null references cloud_code_functions (id) on delete cascade,
    invocation_id    bigint,
    version          integer        not null,
    trigger          varchar(8)     not null,
    event_name       varchar(64),
    status           varchar(24)    not null,
    message          varchar(500),
    return_code      integer,
    -- The lines it logged, one per line (at most 100 of at most 1,000 characters).
    log              varchar(110000) not null default '',
    instructions     bigint         not null,
    duration_ms      integer        not null,
    started_at       timestamptz    not null default now()
);
create index cloud_code_runs_by_function on cloud_code_runs (function_id, id);
