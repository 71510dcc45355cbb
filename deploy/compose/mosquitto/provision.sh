#!/bin/sh
# Provisions Mosquitto's dynamic-security plugin for Firmament; idempotent, run by the
# `mosquitto-provision` service after every start of the broker.
#
#   - role `firmament-workers` and client `firmament-workers` (the workers' account, password
#     FIRMAMENT_MQTT_PASSWORD): send commands and chunks to every device, receive every device's
#     status, presence, events, telemetry, ledger and network messages through the shared
#     subscription;
#   - role `firmament-api` and client `firmament-api` (the API's account, password
#     FIRMAMENT_API_MQTT_PASSWORD): send cloud calls to every device (`fw/+/call`) and receive
#     every device's replies (`fw/+/reply/+`), nothing else;
#   - role `firmament-device`: a device may send only its own status, presence, events
#     (`fw/%c/events`), vitals and logs (`fw/%c/telemetry`), ledger sync and writes
#     (`fw/%c/ledger`), network configuration syncs and acknowledgements (`fw/%c/network`) and
#     call replies (`fw/%c/reply/+`) and receive only its own commands, chunks
#     and calls (`%c` is the client id, so each device client must be created with its client id
#     pinned to the device id; dynamic security substitutes `%c` from Mosquitto 2.1 on).
#
# Device clients themselves are created by the Firmament API when it issues or rotates a device's
# credential (firmament.mqtt.dynamic-security.*, deploy/README.md, "Broker").
set -eu

: "${MOSQUITTO_ADMIN_PASSWORD:?}"
: "${FIRMAMENT_MQTT_PASSWORD:?}"
: "${FIRMAMENT_API_MQTT_PASSWORD:?}"
ctrl() {
  mosquitto_ctrl -h "${MQTT_HOST:-mosquitto}" -p "${MQTT_PORT:-1883}" -u admin \
    -P "$MOSQUITTO_ADMIN_PASSWORD" dynsec "$@" 2>&1
}
# mosquitto_ctrl exits 0 even when the broker refuses a command; its output says "Error".
must() {
  out=$(ctrl "$@")
  case "$out" in *Error*) echo "dynsec $1: $out" >&2; exit 1 ;; esac
}
absent() { ctrl "$@" | grep -q "not found"; }
# Adding an ACL that is there already is refused; the refusal is the idempotent outcome.
acl() { ctrl addRoleACL "$@" >/dev/null; }

if absent getRole firmament-workers; then must createRole firmament-workers; fi
acl firmament-workers publishClientSend 'fw/+/cmd' allow 10
acl firmament-workers publishClientSend 'fw/+/data' allow 10
acl firmament-workers subscribePattern '$share/firmament-workers/fw/+/status' allow 10
acl firmament-workers subscribePattern '$share/firmament-workers/fw/+/presence' allow 10
acl firmament-workers subscribePattern '$share/firmament-workers/fw/+/events' allow 10
acl firmament-workers subscribePattern '$share/firmament-workers/fw/+/telemetry' allow 10
acl firmament-workers subscribePattern 'fw/+/status' allow 10
acl firmament-workers subscribePattern 'fw/+/presence' allow 10
acl firmament-workers subscribePattern 'fw/+/events' allow 10
acl firmament-workers subscribePattern 'fw/+/telemetry' allow 10
acl firmament-workers publishClientReceive 'fw/+/status' allow 10
acl firmament-workers publishClientReceive 'fw/+/presence' allow 10
acl firmament-workers publishClientReceive 'fw/+/events' allow 10
acl firmament-workers publishClientReceive 'fw/+/telemetry' allow 10
acl firmament-workers subscribePattern '$share/firmament-workers/fw/+/ledger' allow 10
acl firmament-workers subscribePattern 'fw/+/ledger' allow 10
acl firmament-workers publishClientReceive 'fw/+/ledger' allow 10
acl firmament-workers subscribePattern '$share/firmament-workers/fw/+/network' allow 10
acl firmament-workers subscribePattern 'fw/+/network' allow 10
acl firmament-workers publishClientReceive 'fw/+/network' allow 10

if absent getClient firmament-workers; then
  must createClient firmament-workers -p "$FIRMAMENT_MQTT_PASSWORD"
fi
must setClientPassword firmament-workers "$FIRMAMENT_MQTT_PASSWORD"
ctrl addClientRole firmament-workers firmament-workers >/dev/null

if absent getRole firmament-api; then must createRole firmament-api; fi
acl firmament-api publishClientSend 'fw/+/call' allow 10
acl firmament-api subscribePattern 'fw/+/reply/+' allow 10
acl firmament-api publishClientReceive 'fw/+/reply/+' allow 10

if absent getClient firmament-api; then
  must createClient firmament-api -p "$FIRMAMENT_API_MQTT_PASSWORD"
fi
must setClientPassword firmament-api "$FIRMAMENT_API_MQTT_PASSWORD"
ctrl addClientRole firmament-api firmament-api >/dev/null

if absent getRole firmament-device; then must createRole firmament-device; fi
acl firmament-device publishClientSend 'fw/%c/status' allow 10
acl firmament-device publishClientSend 'fw/%c/presence' allow 10
acl firmament-device publishClientSend 'fw/%c/events' allow 10
acl firmament-device publishClientSend 'fw/%c/telemetry' allow 10
acl firmament-device publishClientSend 'fw/%c/ledger' allow 10
acl firmament-device publishClientSend 'fw/%c/network' allow 10
acl firmament-device publishClientSend 'fw/%c/reply/+' allow 10
acl firmament-device subscribePattern 'fw/%c/cmd' allow 10
acl firmament-device subscribePattern 'fw/%c/data' allow 10
acl firmament-device subscribePattern 'fw/%c/call' allow 10
acl firmament-device publishClientReceive 'fw/%c/cmd' allow 10
acl firmament-device publishClientReceive 'fw/%c/data' allow 10
acl firmament-device publishClientReceive 'fw/%c/call' allow 10

echo "mosquitto dynamic security provisioned for firmament"
