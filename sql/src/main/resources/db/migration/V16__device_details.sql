-- What an operator records of a device beside its identity: the hardware's own id (the pagination
-- guide's hardwareId, e.g. a MAC or a chip serial), the serial number on its label, and notes.
alter table devices
    add column hardware_id   varchar(64),
    add column serial_number varchar(64),
    add column notes         varchar(2000);
