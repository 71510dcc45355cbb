-- A rollback's final report owes Temporal a completion just as an update's does (V14): written in
-- the statement that records the report, cleared once Temporal took it or answered that the
-- activity already ended, and sent again by the worker's completion outbox while still due.
alter table ota_rollback_results add column completion_due timestamptz;
create index ota_rollback_results_completion_due on ota_rollback_results (completion_due)
    where completion_due is not null;
