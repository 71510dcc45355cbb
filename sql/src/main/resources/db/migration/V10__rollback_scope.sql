-- What rollbackOTAJob takes back of an ended rollout: the devices of these stages (by index) and/or
-- these devices; null for every device the rollout changed.
alter table ota_jobs add column rollback_stages integer[];
alter table ota_jobs add column rollback_devices varchar(64)[];
