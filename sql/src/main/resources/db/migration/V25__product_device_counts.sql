-- Each product keeps the number of its devices and a version of their order (bumped when a device
-- joins, leaves or is renamed), so a page of a product's devices at any offset needs neither a
-- count of all of them nor a walk past every device before the page: the API keeps each large
-- product's ordered ids while the version holds (docs/fleet.md, "Pages at any offset").
alter table products
    add column device_count   integer not null default 0,
    add column device_version bigint  not null default 0;

-- [jooq ignore start]
update products p
   set device_count = c.n
  from (select product_id, count(*) as n from devices group by product_id) c
 where c.product_id = p.id;

create function devices_joined() returns trigger language plpgsql as $$
begin
    update products p
       set device_count = p.device_count + n.n, device_version = p.device_version + 1
      from (select product_id, count(*) as n from joined group by product_id) n
     where n.product_id = p.id;
    return null;
end;
$$;
create trigger devices_joined after insert on devices
    referencing new table as joined
    for each statement execute function devices_joined();

create function devices_left() returns trigger language plpgsql as $$
begin
    update products p
       set device_count = p.device_count - n.n, device_version = p.device_version + 1
      from (select product_id, count(*) as n from gone group by product_id) n
     where n.product_id = p.id;
    return null;
end;
$$;
create trigger devices_left after delete on devices
    referencing old table as gone
    for each statement execute function devices_left();

-- Row by row, and only when a device changes product or name: the many updates of a device's
-- presence and version do not fire it.
create function devices_reordered() returns trigger language plpgsql as $$
begin
    if old.product_id is distinct from new.product_id then
        update products set device_count = device_count - 1, device_version = device_version + 1
         where id = old.product_id;
        update products set device_count = device_count + 1, device_version = device_version + 1
         where id = new.product_id;
    else
        update products set device_version = device_version + 1 where id = new.product_id;
    end if;
    return null;
end;
$$;
create trigger devices_reordered after update of product_id, name on devices
    for each row
    when (old.product_id is distinct from new.product_id or old.name is distinct from new.name)
    execute function devices_reordered();
create function devices_truncated() returns trigger language plpgsql as $$
begin
    update products set device_count = 0, device_version = device_version + 1;
    return null;
end;
$$;
create trigger devices_truncated after truncate on devices
    for each statement execute function devices_truncated();
-- [jooq ignore stop]
