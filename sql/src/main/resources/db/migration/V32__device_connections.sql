-- Every connection of a device, from its presence: when it came online, when it went offline, and
-- when its previous connection had ended. A connection after an earlier one is a reconnection (the
-- seed's ReconnectionEvent); how often a device reconnects is a health signal. Written by the
-- database in the transaction that changes devices.online, whichever process makes the change.
create table device_connections (
    id                   bigint        generated always as identity primary key,
    organization_id      uuid          not null references organizations (id),
    device_id            varchar(64)   not null references devices (id) on delete cascade,
    connected_at         timestamptz   not null,
    disconnected_at      timestamptz,
    -- When the device's previous connection ended; null for its first connection.
    previous_disconnect  timestamptz
);

create index device_connections_by_device on device_connections (device_id, connected_at);

-- [jooq ignore start]
create function device_connections_track() returns trigger language plpgsql as $$
begin
    update device_connections c set disconnected_at = clock_timestamp()
    from new_rows n join old_rows o on o.id = n.id
    where o.online and not n.online
      and c.device_id = n.id and c.disconnected_at is null;
    insert into device_connections (organization_id, device_id, connected_at, previous_disconnect)
    select n.organization_id, n.id, clock_timestamp(),
           (select max(c.disconnected_at) from device_connections c where c.device_id = n.id)
    from new_rows n join old_rows o on o.id = n.id
    where n.online and not o.online;
    return null;
end;
$$;
create trigger device_connections_track after update on devices
    referencing old table as old_rows new table as new_rows
    for each statement execute function device_connections_track();
-- [jooq ignore stop]
