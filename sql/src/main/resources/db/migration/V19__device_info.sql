-- What a device says about itself in its online presence (device protocol, presence `info`): its
-- platform, hardware revision, radio module, boot loader and system versions, and when it last
-- said so. Null until the device reports them; a presence without `info` leaves them as they are.
alter table devices
    add column info_platform    varchar(64),
    add column info_hardware    varchar(64),
    add column info_radio       varchar(64),
    add column info_bootloader  varchar(64),
    add column info_system      varchar(64),
    add column info_reported_at timestamptz;
