-- SIM cards of an organization's cellular devices (docs/connectivity.md). The ICCID and the IMSI
-- name one card worldwide, yet they are unique per organization only: a uniqueness across
-- organizations would tell one organization which cards another holds (its refusal says so).
-- A SIM is assigned to at most one device and a device holds at most one SIM (unique device_id);
-- the device must belong to the SIM's organization, which the service checks by reading the
-- device in the caller's organization.
create table sims (
    id                 uuid         primary key,
    organization_id    uuid         not null references organizations (id),
    iccid              varchar(20)  not null,
    imsi               varchar(15)  not null,
    carrier            varchar(100) not null,
    status             varchar(16)  not null default 'INACTIVE',
    monthly_cap_bytes  bigint       not null,
    overage_policy     varchar(16)  not null,
    device_id          varchar(64)  references devices (id) on delete set null,
    created_by         varchar(320) not null,
    created_at         timestamptz  not null default now(),
    updated_at         timestamptz  not null default now(),
    constraint sims_iccid_unique unique (organization_id, iccid),
    constraint sims_imsi_unique unique (organization_id, imsi),
    constraint sims_device_unique unique (device_id),
    constraint sims_status_check check (status in ('INACTIVE', 'ACTIVE', 'DEACTIVATED')),
    constraint sims_overage_check check (overage_policy in ('BLOCK', 'THROTTLE', 'ALLOW')),
    constraint sims_cap_check check (monthly_cap_bytes >= 0)
);

-- Every change of a SIM's status, in order: who, when, from what to what and why. A deleted SIM
-- takes its history with it; the audit log keeps the record of the deletion and of each change.
create table sim_activations (
    id               bigint generated always as identity primary key,
    organization_id  uuid         not null references organizations (id),
    sim_id           uuid         not null references sims (id) on delete cascade,
    from_status      varchar(16)  not null,
    to_status        varchar(16)  not null,
    reason           varchar(500),
    actor            varchar(320) not null,
    occurred_at      timestamptz  not null default now()
);
create index sim_activations_sim_idx on sim_activations (sim_id, id);
