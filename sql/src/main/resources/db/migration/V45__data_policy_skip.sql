-- The SKIP data policy (docs/connectivity.md, "Data-aware rollouts"): a device whose active SIM
-- would pass its monthly cap with the update is not updated by the rollout; its result ends SKIPPED
-- with error code DATA_CAP at once, instead of waiting as DEFER has it wait.

-- [jooq ignore start]
alter table ota_jobs drop constraint ota_jobs_data_policy_check;
alter table ota_jobs add constraint ota_jobs_data_policy_check
    check (data_policy in ('NONE', 'DEFER', 'SKIP'));
-- [jooq ignore stop]
