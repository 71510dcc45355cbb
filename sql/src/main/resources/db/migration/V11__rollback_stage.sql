-- The rollback stage a rollback result belongs to, so that an ended rollout can be rolled back one
-- stage at a time, each rollback a stage of its own. Null for rows from before (one rollback stage
-- per rollout, at the index after the plan's stages).
alter table ota_rollback_results add column stage integer;
