-- A ledger instance that changes (a cloud write through the API, a device's write) is also one of
-- the cloud's events, firmament/ledger/changed, in the event stream and its history: who changed
-- which ledger for which scope value, and its new version (not the document, which may hold what
-- the stream's subscribers should not all read). A removal is not an event: the push to devices
-- says it.
-- [jooq ignore start]
create function ledger_instance_events() returns trigger language plpgsql as $$
begin
    insert into events (organization_id, product_id, device_id, name, data, ttl_seconds, scope,
                        source)
    select n.organization_id, coalesce(n.product_id, d.product_id), n.device_id,
           'firmament/ledger/changed',
           json_build_object('ledger', l.name, 'scope', l.scope, 'direction', l.direction,
                             'version', n.version, 'updatedBy', n.updated_by,
                             'productId', n.product_id, 'deviceId', n.device_id)::text,
           86400, 'private', 'cloud'
    from new_rows n
    join ledgers l on l.id = n.ledger_id
    left join devices d on d.id = n.device_id
    order by n.updated_at;
    return null;
end;
$$;
create trigger ledger_instance_inserted_events after insert on ledger_instances
    referencing new table as new_rows
    for each statement execute function ledger_instance_events();
create trigger ledger_instance_updated_events after update on ledger_instances
    referencing new table as new_rows
    for each statement execute function ledger_instance_events();
-- [jooq ignore stop]
