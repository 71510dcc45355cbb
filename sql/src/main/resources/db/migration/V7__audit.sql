-- Schema v7: the audit trail. Every mutation, every rollout status change and every device update
-- outcome is appended to audit_log; a sealer chains each organization's entries by SHA-256
-- (chain_seq, prev_hash, hash) and writes checkpoints signed with the server's Ed25519 key, so an
-- altered, inserted, removed or truncated entry is detected by `AuditChain.verify`.

create table audit_log (
    id               bigint         generated always as identity primary key,
    organization_id  uuid           not null references organizations (id),
    occurred_at      timestamptz    not null default now(),
    actor            varchar(320)   not null,
    action           varchar(100)   not null,
    target           varchar(200),
    details          varchar(8000),
    chain_seq        bigint,
    prev_hash        varchar(64),
    hash             varchar(64),
    sealed_at        timestamptz,
    constraint audit_log_chain_unique unique (organization_id, chain_seq)
);
create index audit_log_org_idx on audit_log (organization_id, id);
create index audit_log_unsealed_idx on audit_log (organization_id, id) where chain_seq is null;

-- The signed head of an organization's chain at one moment.
create table audit_checkpoints (
    id               bigint         generated always as identity primary key,
    organization_id  uuid           not null references organizations (id),
    chain_seq        bigint         not null,
    hash             varchar(64)    not null,
    signature        varchar(200),
    created_at       timestamptz    not null default now()
);
create index audit_checkpoints_org_idx on audit_checkpoints (organization_id, chain_seq);

-- [jooq ignore start]
-- Entries are evidence: never deleted, and changed only once, by the sealer, to add their chain
-- fields to an unsealed entry.
create function audit_log_append_only() returns trigger language plpgsql as $$
begin
    if tg_op = 'UPDATE'
       and old.chain_seq is null and new.chain_seq is not null
       and new.id = old.id and new.organization_id = old.organization_id
       and new.occurred_at = old.occurred_at and new.actor = old.actor
       and new.action = old.action
       and new.target is not distinct from old.target
       and new.details is not distinct from old.details then
        return new;
    end if;
    raise exception 'audit_log is append-only';
end;
$$;

create trigger audit_log_no_change
    before update or delete on audit_log
    for each row execute function audit_log_append_only();

create function audit_checkpoints_append_only() returns trigger language plpgsql as $$
begin
    raise exception 'audit_checkpoints is append-only';
end;
$$;

create trigger audit_checkpoints_no_change
    before update or delete on audit_checkpoints
    for each row execute function audit_checkpoints_append_only();

-- Rollout status changes, whoever writes them (the workers, the API), are audited by the database.
create function audit_ota_job_status() returns trigger language plpgsql as $$
begin
    if tg_op = 'INSERT' or new.status is distinct from old.status then
        insert into audit_log (organization_id, actor, action, target, details)
        values (new.organization_id, 'system', 'rollout.status', 'rollout:' || new.id,
                json_build_object('status', new.status,
                                  'previous', case when tg_op = 'UPDATE' then old.status end)::text);
    end if;
    return new;
end;
$$;

create trigger ota_jobs_audit
    after insert or update of status on ota_jobs
    for each row execute function audit_ota_job_status();

-- Every device update outcome (a final state in the result history), one insert per statement:
-- the status bridge writes reports in batches.
create function audit_ota_outcomes() returns trigger language plpgsql as $$
begin
    insert into audit_log (organization_id, actor, action, target, details)
    select organization_id, 'system', 'device.update.' || lower(state), 'device:' || device_id,
           json_build_object('rollout', job_id, 'attempt', attempt,
                             'errorCode', error_code)::text
      from new_rows
     where state in ('SUCCEEDED', 'FAILED', 'TIMED_OUT', 'REJECTED', 'CANCELED', 'ROLLED_BACK',
                     'SKIPPED')
     order by id;
    return null;
end;
$$;

create trigger ota_result_history_audit
    after insert on ota_result_history
    referencing new table as new_rows
    for each statement execute function audit_ota_outcomes();
-- [jooq ignore stop]
