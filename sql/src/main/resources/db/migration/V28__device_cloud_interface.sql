-- What each device lets the cloud reach: the functions it can be asked to run and the variables it
-- can be asked to read, as the last online presence that declared them said, in the device's order.
create table device_functions (
    organization_id  uuid         not null references organizations (id),
    device_id        varchar(64)  not null references devices (id) on delete cascade,
    name             varchar(64)  not null,
    position         integer      not null,
    primary key (device_id, name)
);

create table device_variables (
    organization_id  uuid         not null references organizations (id),
    device_id        varchar(64)  not null references devices (id) on delete cascade,
    name             varchar(64)  not null,
    type             varchar(16)  not null check (type in ('int32', 'double', 'string', 'bool')),
    position         integer      not null,
    primary key (device_id, name)
);

alter table devices add column cloud_declared_at timestamptz;
