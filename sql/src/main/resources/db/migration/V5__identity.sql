-- Schema v5: identity and access. People are users, members of organizations with one role each;
-- services are OAuth2 clients; end customers of a product see only the devices mapped to them.
-- Every credential is a high-entropy random secret shown once and stored as its SHA-256 (no
-- stretching is needed for 256 random bits); the prefix kept beside it lets people tell tokens apart.

create table users (
    id          uuid          primary key,
    email       varchar(320)  not null unique,
    name        varchar(200)  not null,
    created_at  timestamptz   not null default now()
);

-- One role per member and organization; the role decides the scopes a member's tokens can carry.
create table organization_members (
    organization_id  uuid         not null references organizations (id),
    user_id          uuid         not null references users (id),
    role             varchar(32)  not null
        check (role in ('owner', 'release-manager', 'operator', 'auditor', 'ci')),
    added_at         timestamptz  not null default now(),
    primary key (organization_id, user_id)
);
create index organization_members_user_idx on organization_members (user_id);

create table teams (
    id               uuid          primary key,
    organization_id  uuid          not null references organizations (id),
    name             varchar(100)  not null,
    created_at       timestamptz   not null default now(),
    constraint teams_name_unique unique (organization_id, name)
);

create table team_members (
    team_id          uuid         not null references teams (id) on delete cascade,
    user_id          uuid         not null references users (id),
    organization_id  uuid         not null references organizations (id),
    added_at         timestamptz  not null default now(),
    primary key (team_id, user_id)
);

-- An end customer of one product (product-mode access, as in the seed).
create table customers (
    id               uuid          primary key,
    organization_id  uuid          not null references organizations (id),
    product_id       uuid          not null references products (id),
    email            varchar(320)  not null,
    created_at       timestamptz   not null default now(),
    constraint customers_email_unique unique (product_id, email)
);

create table customer_device_mappings (
    customer_id      uuid         not null references customers (id) on delete cascade,
    device_id        varchar(64)  not null references devices (id) on delete cascade,
    organization_id  uuid         not null references organizations (id),
    mapped_at        timestamptz  not null default now(),
    primary key (customer_id, device_id)
);
create index customer_device_mappings_device_idx on customer_device_mappings (device_id);

-- A bearer token held by a member (people and CI) or by a customer, never both.
create table api_tokens (
    id               uuid           primary key,
    organization_id  uuid           not null references organizations (id),
    user_id          uuid           references users (id),
    customer_id      uuid           references customers (id) on delete cascade,
    name             varchar(100)   not null,
    scopes           varchar(1000)  not null,
    token_sha256     varchar(64)    not null unique,
    token_prefix     varchar(16)    not null,
    created_by       varchar(320)   not null,
    created_at       timestamptz    not null default now(),
    expires_at       timestamptz    not null,
    revoked_at       timestamptz,
    last_used_at     timestamptz,
    constraint api_tokens_one_holder check ((user_id is null) <> (customer_id is null))
);
create index api_tokens_org_idx on api_tokens (organization_id, created_at);

-- A service credential for the OAuth2 client-credentials grant.
create table oauth2_clients (
    id                 uuid           primary key,
    organization_id    uuid           not null references organizations (id),
    client_id          varchar(64)    not null unique,
    name               varchar(100)   not null,
    scopes             varchar(1000)  not null,
    secret_sha256      varchar(64)    not null,
    token_ttl_seconds  integer        not null check (token_ttl_seconds between 60 and 86400),
    created_by         varchar(320)   not null,
    created_at         timestamptz    not null default now(),
    revoked_at         timestamptz
);

-- Access tokens issued to OAuth2 clients; revoking the client revokes them all.
create table oauth2_tokens (
    id               uuid           primary key,
    organization_id  uuid           not null references organizations (id),
    client_id        uuid           not null references oauth2_clients (id) on delete cascade,
    scopes           varchar(1000)  not null,
    token_sha256     varchar(64)    not null unique,
    issued_at        timestamptz    not null default now(),
    expires_at       timestamptz    not null,
    revoked_at       timestamptz
);
create index oauth2_tokens_client_idx on oauth2_tokens (client_id, issued_at);

-- Separation of duties: when set, every rollout waits for approval by someone other than its creator.
alter table organizations add column require_separate_approver boolean not null default false;

-- Who did it, as the actor name of the credential (a member's email, client:<id>).
alter table ota_jobs add column created_by varchar(320);
alter table ota_jobs add column approved_by varchar(320);
alter table product_firmware add column uploaded_by varchar(320);
