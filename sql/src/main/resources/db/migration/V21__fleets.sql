-- A fleet: products under one management context (a business line, one customer's installation),
-- owned by the organization and, beside it, by users of it with a role. A product belongs to at
-- most one fleet; deleting a fleet leaves its products without one.
create table fleets (
    id               uuid           primary key,
    organization_id  uuid           not null references organizations (id),
    name             varchar(100)   not null,
    description      varchar(1000),
    created_at       timestamptz    not null default now(),
    constraint fleets_name_unique unique (organization_id, name)
);

-- Who owns a fleet: the organization (user_id null, role OWNER, from the fleet's creation) or a
-- member of it with a role (OWNER, MANAGER or VIEWER).
create table fleet_ownerships (
    id               uuid           primary key,
    organization_id  uuid           not null references organizations (id),
    fleet_id         uuid           not null references fleets (id) on delete cascade,
    user_id          uuid           references users (id),
    role             varchar(16)    not null check (role in ('OWNER', 'MANAGER', 'VIEWER')),
    granted_at       timestamptz    not null default now(),
    granted_by       varchar(320)   not null
);

alter table products add column fleet_id uuid references fleets (id) on delete set null;

-- [jooq ignore start]
create unique index fleet_ownerships_user_idx on fleet_ownerships (fleet_id, user_id)
    where user_id is not null;
create unique index fleet_ownerships_organization_idx on fleet_ownerships (fleet_id)
    where user_id is null;
create index products_fleet_idx on products (fleet_id);
-- [jooq ignore stop]
