-- API processes keep the grants of recently used tokens for a short time instead of reading them on
-- every request. Every change that can narrow a grant (a token or client revoked, expired or
-- re-scoped, a member's role changed or removed, a holder renamed or deleted) notifies
-- 'firmament_access' when it commits, and each process drops what it kept: revocation wins.
-- Issuing a token changes no grant anyone holds and notifies nothing; recording a token's use
-- (last_used_at) neither.

-- [jooq ignore start]
create function access_changes_notify() returns trigger language plpgsql as $$
begin
    perform pg_notify('firmament_access', '');
    return null;
end;
$$;

create trigger api_tokens_access_changes
    after update of scopes, expires_at, revoked_at, token_sha256, user_id, customer_id, organization_id
        or delete on api_tokens
    for each statement execute function access_changes_notify();
create trigger api_tokens_access_truncate after truncate on api_tokens
    for each statement execute function access_changes_notify();

create trigger oauth2_tokens_access_changes
    after update of scopes, expires_at, revoked_at, token_sha256, client_id or delete on oauth2_tokens
    for each statement execute function access_changes_notify();
create trigger oauth2_tokens_access_truncate after truncate on oauth2_tokens
    for each statement execute function access_changes_notify();

create trigger oauth2_clients_access_changes
    after update or delete or truncate on oauth2_clients
    for each statement execute function access_changes_notify();

create trigger organization_members_access_changes
    after insert or update or delete or truncate on organization_members
    for each statement execute function access_changes_notify();

create trigger users_access_changes
    after update or delete or truncate on users
    for each statement execute function access_changes_notify();

create trigger customers_access_changes
    after update or delete or truncate on customers
    for each statement execute function access_changes_notify();
-- [jooq ignore stop]
