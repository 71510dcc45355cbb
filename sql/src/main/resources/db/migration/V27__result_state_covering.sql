-- The state index also carries the organization, so that counting a rollout's results of a state
-- and walking them to a page's offset read the index only (with the organization checked, as every
-- query of the API checks it), not one table page per result.
drop index ota_results_job_state_idx;
create index ota_results_job_state_idx on ota_results (job_id, state, device_id) include (organization_id);
