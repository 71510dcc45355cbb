-- Webhooks (docs/webhooks.md): an organization's integrations that push its events to an HTTPS
-- endpoint, signed per the Standard Webhooks specification.
--
-- The outbox is the change feed: every change that others must hear about already writes its
-- change_events row in the transaction of the change (V17, V30). A dispatcher reads the settled
-- feed after its cursor and, in one transaction, writes one webhook_deliveries row per matching
-- webhook and moves the cursor: nothing is lost between the change and the delivery, whatever
-- process stops when. Deliveries are then sent in id order per webhook by a claimed-row worker.

-- An integration of an organization. One kind today, WEBHOOK, whose settings are in webhooks.
create table integrations (
    id               uuid           primary key,
    organization_id  uuid           not null references organizations (id),
    name             varchar(100)   not null,
    kind             varchar(16)    not null default 'WEBHOOK' check (kind in ('WEBHOOK')),
    created_by       varchar(300)   not null,
    created_at       timestamptz    not null default now(),
    constraint integrations_name_unique unique (organization_id, name)
);

create table webhooks (
    id               uuid           primary key references integrations (id) on delete cascade,
    organization_id  uuid           not null references organizations (id),
    url              varchar(2048)  not null,
    -- The filter, as an event subscription's.
    name_prefix      varchar(64),
    device_id        varchar(64)    references devices (id) on delete cascade,
    product_id       uuid           references products (id) on delete cascade,
    source           varchar(8)     check (source in ('DEVICE', 'CLOUD')),
    -- A JSON template of the body with {{placeholders}}; null for the standard body.
    body_template    varchar(8192),
    -- Custom request headers, a JSON object of strings.
    headers          varchar(4096)  not null default '{}',
    -- The signing secret is derived from the server's key, the webhook's id and this version
    -- (firmament.webhooks.secret-key): nothing secret is stored. Rotating bumps it.
    secret_version   integer        not null default 1 check (secret_version > 0),
    status           varchar(8)     not null default 'ACTIVE' check (status in ('ACTIVE', 'PAUSED')),
    paused_reason    varchar(500),
    paused_at        timestamptz,
    -- Failed attempts since the last delivered one: at firmament.webhooks.max-attempts it pauses.
    failures         integer        not null default 0,
    -- The change feed's head when it was made: it hears the changes after it.
    starts_after_tx  bigint         not null,
    starts_after_id  bigint         not null,
    -- The claim of the worker that sends this webhook's deliveries, until it expires.
    claimed_by       varchar(100),
    claimed_until    timestamptz,
    updated_at       timestamptz    not null default now()
);
create index webhooks_by_organization on webhooks (organization_id);

-- Where the dispatcher stands in the change feed: one row.
create table webhook_dispatch (
    id               integer        primary key check (id = 1),
    after_tx         bigint         not null,
    after_id         bigint         not null,
    updated_at       timestamptz    not null default now()
);
-- It starts at the head of the feed: webhooks hear what happens from now on.
-- [jooq ignore start]
insert into webhook_dispatch (id, after_tx, after_id)
select 1, coalesce(max(tx), 0), coalesce(max(id), 0)
from change_events
where tx < pg_snapshot_xmin(pg_current_snapshot())::text::bigint;
-- [jooq ignore stop]

-- One message for one webhook, sent in id order: the head of a webhook's pending deliveries blocks
-- the ones after it until it is delivered, or failed for good (a 4xx other than 408 and 429).
create table webhook_deliveries (
    id               bigint         generated always as identity primary key,
    webhook_id       uuid           not null references webhooks (id) on delete cascade,
    organization_id  uuid           not null references organizations (id),
    -- The Standard Webhooks webhook-id: the same on every attempt and on a replay of the message.
    message_id       varchar(64)    not null,
    event_name       varchar(64)    not null,
    -- The change feed position it came from, and the stored event's id when it is one.
    change_tx        bigint,
    change_id        bigint,
    event_id         bigint,
    event_at         timestamptz    not null,
    -- The request body, rendered once at dispatch, so every attempt sends the same bytes.
    payload          varchar(20000) not null,
    state            varchar(10)    not null default 'PENDING'
        check (state in ('PENDING', 'DELIVERED', 'FAILED')),
    attempts         integer        not null default 0,
    next_attempt_at  timestamptz    not null default now(),
    -- The delivery this one replays.
    replay_of        bigint,
    created_at       timestamptz    not null default now(),
    finished_at      timestamptz
);
create index webhook_deliveries_by_webhook on webhook_deliveries (webhook_id, id);
-- [jooq ignore start]
create index webhook_deliveries_pending on webhook_deliveries (webhook_id, id)
    where state = 'PENDING';
-- [jooq ignore stop]

-- Every attempt (WebhookLog): what was sent, what came back, and when it is tried again.
create table webhook_logs (
    id               bigint         generated always as identity primary key,
    webhook_id       uuid           not null references webhooks (id) on delete cascade,
    organization_id  uuid           not null references organizations (id),
    delivery_id      bigint         not null references webhook_deliveries (id) on delete cascade,
    message_id       varchar(64)    not null,
    attempt          integer        not null,
    url              varchar(2048)  not null,
    request_body     varchar(2048)  not null,
    -- Null when no answer came (refused, timed out, not allowed).
    status_code      integer,
    error            varchar(500),
    latency_ms       integer        not null,
    response_excerpt varchar(1024),
    -- When the delivery is tried again; null when it was delivered, failed for good or paused.
    next_retry_at    timestamptz,
    attempted_at     timestamptz    not null default now()
);
create index webhook_logs_by_webhook on webhook_logs (webhook_id, id);
