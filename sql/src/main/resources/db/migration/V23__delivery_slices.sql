-- Batched delivery: a stage offers a slice of devices in one delivery activity, whose task token
-- every offered result shares, and the devices' final reports reach the stage as signals rather
-- than as one activity completion each. The watcher is the workflow id of the stage to signal; it
-- is null for a result whose delivery activity waits for it alone (completed by its task token).
alter table ota_results add column watcher text;

-- Whether a slice's offered devices have all ended is asked by task token, among the results a
-- slice offered that are between offer and final report (so the index holds only open offers).
-- [jooq ignore start]
create index ota_results_open_slices on ota_results (task_token)
    where watcher is not null
      and state in ('SENT', 'DOWNLOADING', 'VERIFYING', 'INSTALLING', 'REBOOTING');
-- [jooq ignore stop]
