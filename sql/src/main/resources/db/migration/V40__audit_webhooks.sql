-- Audit entries for webhooks. Every audit entry also becomes a change-feed row (kind AUDIT) in the
-- transaction that appends it, so the webhook dispatcher, which reads the feed as its outbox,
-- carries audit entries with the same guarantees as every other event. Only webhooks that were
-- given the audit (audit = true, set by a caller who holds audit:read) receive them; the event
-- streams and cloud code never select the kind, so the audit's audience stays audit:read.
alter table webhooks add column audit boolean not null default false;

-- An entry's JSON (actor, action, target, details, escaped) needs more room than a device event's
-- data, and must never fail the append it comes from: text (binary-compatible, no rewrite).
-- [jooq ignore start]
alter table change_events alter column event_data type text;

alter table change_events drop constraint change_events_kind_check;
alter table change_events add constraint change_events_kind_check
    check (kind in ('OTA_RESULT', 'DEVICE_ONLINE', 'DEVICE_OFFLINE', 'DEVICE_VERSION',
                    'ROLLOUT_STATUS', 'STAGE_STATUS', 'EVENT', 'AUDIT'));

create function audit_log_changes() returns trigger language plpgsql as $$
begin
    insert into change_events (organization_id, kind, event_id, event_name, event_data, event_ttl,
                               event_scope, event_source, recorded_at)
    select n.organization_id, 'AUDIT', n.id, left('firmament/audit/' || n.action, 64),
           json_build_object('entryId', n.id, 'occurredAt', n.occurred_at, 'actor', n.actor,
                             'action', n.action, 'target', n.target,
                             'details', left(n.details, 1500))::text,
           86400, 'private', 'audit', n.occurred_at
    from new_rows n
    order by n.id;
    return null;
end;
$$;
create trigger audit_log_changes after insert on audit_log
    referencing new table as new_rows
    for each statement execute function audit_log_changes();
-- [jooq ignore stop]
