-- When a stage's soak began (its first SOAKING record), so that its timeline reads started, soaked,
-- finished, and the time a soak still needs can be estimated.
alter table ota_stages add column soak_started_at timestamptz;
