-- Schema v6: keys for HTTP message signatures (RFC 9421, hmac-sha256), for CI that signs its
-- requests instead of sending a bearer token. A key's secret is never stored: it is derived from
-- the server's request-signing master key and the key id (HMAC-SHA256), shown once at creation.

create table api_signing_keys (
    id               uuid           primary key,
    organization_id  uuid           not null references organizations (id),
    user_id          uuid           not null references users (id),
    key_id           varchar(64)    not null unique,
    name             varchar(100)   not null,
    scopes           varchar(1000)  not null,
    created_by       varchar(320)   not null,
    created_at       timestamptz    not null default now(),
    expires_at       timestamptz    not null,
    revoked_at       timestamptz,
    last_used_at     timestamptz
);
create index api_signing_keys_org_idx on api_signing_keys (organization_id, created_at);

-- Nonces seen within the clock-skew window; a second use of one is a replay.
create table request_nonces (
    organization_id  uuid          not null references organizations (id),
    key_id           varchar(64)   not null,
    nonce            varchar(128)  not null,
    seen_at          timestamptz   not null default now(),
    primary key (key_id, nonce)
);
create index request_nonces_seen_idx on request_nonces (seen_at);
