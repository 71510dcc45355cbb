-- Events a device kept while it was offline and sent on reconnect (a backfill) are stored with the
-- time the device published them, and marked, in the table and on the change feed. Every event also
-- records when the cloud stored it (the ingest's delay, and a backfill's arrival).
alter table events add column backfilled boolean not null default false;
alter table events add column stored_at timestamptz not null default clock_timestamp();
alter table change_events add column event_backfilled boolean;

-- [jooq ignore start]
create or replace function events_changes() returns trigger language plpgsql as $$
begin
    insert into change_events (organization_id, kind, device_id, product_id, event_id, event_name,
                               event_data, event_ttl, event_scope, event_source, event_backfilled,
                               recorded_at)
    select n.organization_id, 'EVENT', n.device_id, n.product_id, n.id, n.name, n.data,
           n.ttl_seconds, n.scope, n.source, n.backfilled, n.published_at
    from new_rows n
    order by n.id;
    return null;
end;
$$;
-- [jooq ignore stop]
