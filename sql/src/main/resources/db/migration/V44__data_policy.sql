-- Data-aware rollouts (docs/connectivity.md, "Data-aware rollouts"). A rollout with the DEFER
-- policy does not offer a device whose active SIM would pass its monthly cap with the update: the
-- device's result stays QUEUED and waits (waiting_since, as an offline device waits) with error
-- code DATA_CAP, until deferred_until (the first instant of the next month, UTC, when the SIM's
-- usage starts again) or until an operator overrides the cap for it (data_override). A deferred
-- result records the artifact it was planned (artifact_size_bytes), so a stage's expected cellular
-- bytes count it.
alter table ota_jobs add column data_policy varchar(16) not null default 'NONE';
alter table ota_results add column deferred_until timestamptz;
alter table ota_results add column data_override boolean not null default false;

-- [jooq ignore start]
alter table ota_jobs add constraint ota_jobs_data_policy_check
    check (data_policy in ('NONE', 'DEFER'));
-- [jooq ignore stop]
