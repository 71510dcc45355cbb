-- A device's final report and the duty to tell Temporal about it are written in one statement:
-- completion_due is set when a report ends a result whose delivery activity waits (task_token), and
-- cleared once Temporal took the completion or answered that the activity already ended. A
-- completion still due after its time (a worker stopped between the two, Temporal unreachable) is
-- sent again by the worker's completion outbox.
alter table ota_results add column completion_due timestamptz;
create index ota_results_completion_due on ota_results (completion_due)
    where completion_due is not null;

-- Versions a device reports are stored as the device protocol allows them (up to 128 characters):
-- the version it runs, the version a result started from, and the version a rollback restores.
alter table devices alter column firmware_version type varchar(128);
alter table ota_results alter column from_version type varchar(128);
alter table ota_rollback_results alter column to_version type varchar(128);
