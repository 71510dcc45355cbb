-- A rollout may take devices to an older build only when its creator said so (createOTAJob's
-- allowDowngrade, recorded in the audit log with the mutation); the workers then offer it with the
-- release key's signed downgrade grant.
alter table ota_jobs add column allow_downgrade boolean not null default false;
