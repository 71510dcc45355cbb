#!/usr/bin/env bash
# The fault campaign (docs/reliability.md) on the production topology: the embedded services,
# the api role, two worker processes (firmament server workers) and a simulated fleet whose
# downloads each take 1.5 s. During one rollout: kill -9 of a worker five times (a replacement
# starts each time), a PostgreSQL restart, a broker restart, S3 unavailable for 30 s, and a stop
# and start of the api, spread from a tenth to seven tenths of the devices. Then it checks that
# the rollout succeeded, every device has one result and one end in its history, no device
# installed twice, and PostgreSQL counts what the devices did; it prints the figures and exits 1
# when something did not hold. Progress every ten seconds; worker logs stay in the printed data
# directory. Not part of the test suite (its small version is SmallFaultCampaignTest).
#
#   bench/chaos/run.sh                  # 1,000 devices, maxInFlight 5
#   bench/chaos/run.sh 10000            # 10,000 devices, maxInFlight 50
#   MAX_IN_FLIGHT=20 bench/chaos/run.sh 2000
set -euo pipefail
cd "$(dirname "$0")/../.."
DEVICES="${1:-1000}"
# Slow enough that every fault strikes mid-rollout: about 300 s of transfers at 1.5 s each.
DEFAULT_IN_FLIGHT=$(( DEVICES / 200 > 5 ? DEVICES / 200 : 5 ))
exec ./firmament chaos --devices "$DEVICES" --max-in-flight "${MAX_IN_FLIGHT:-$DEFAULT_IN_FLIGHT}"
