-- How a device receives an update's bytes, as its online presence declares it
-- (docs/device-protocol.md, sections 6.5 and 7): the transports, comma-separated ('MQTT,HTTPS'),
-- null when it never declared any (MQTT chunks alone, as every device always was), and the largest
-- chunk frame payload it takes, null when it takes any the protocol allows.
alter table devices add column transports varchar(600);
alter table devices add column max_chunk_size integer;

-- How an attempt's bytes went (MQTT: pushed as chunk frames by a worker; HTTPS: fetched by the
-- device through pre-signed links), set when it is offered; bytes_sent is the server's count for
-- that transport (pushed, or the ranges it signed), bytes_received the device's own count of the
-- bytes that reached it in the attempt, from its reports (null until a report carries one).
alter table ota_results add column transport varchar(8);
alter table ota_results add column bytes_received bigint;
