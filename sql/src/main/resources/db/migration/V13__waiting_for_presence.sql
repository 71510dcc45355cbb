-- A device that was offline when its turn came waits for its presence instead of holding a slot:
-- its result stays QUEUED with the time it began waiting, until it is offered (cleared) or the
-- rollout's expiry ends it TIMED_OUT (error code OFFLINE).
alter table ota_results add column waiting_since timestamptz;
create index ota_results_waiting on ota_results (job_id) where waiting_since is not null;
