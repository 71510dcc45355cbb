-- A rollout's results filtered by state are paged by device id: with the id in the index, a page
-- walks the state's results in order and stops after it instead of sorting all of them.
drop index ota_results_job_state_idx;
create index ota_results_job_state_idx on ota_results (job_id, state, device_id);
