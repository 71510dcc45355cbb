#!/usr/bin/env bash
# The rollout engine's benchmark: staged rollouts (1% canary, 10%, the rest) of simulated devices
# through the real workflows, activities, status bridge and repositories, on embedded PostgreSQL and
# the embedded Temporal server, in two fleet profiles one after the other in the same JVM, each on a
# fleet of its own of the same size:
#   instant    every device online, every offer answered SUCCEEDED at once (as before);
#   realistic  3% offline throughout, 2% offline until a seeded moment during the rollout (spread
#              over the instant rollout's wall time), 2% SUCCEEDED after 1-5 simulated minutes
#              (one simulated minute = 1 real second), 1% FAILED, the rest SUCCEEDED at once; the
#              plan has an expiry of the instant rollout's time + 30 s, so offline devices wait for
#              their presence and those that never connect end TIMED_OUT (OFFLINE) at the expiry.
# Both use a 60 s device timeout. For each it prints progress, wall time, devices/s, history events
# per device, rows written per device and peak heap, then both side by side with the target (the
# realistic rollout within the instant one's time plus one device timeout); it fails when a
# device's outcome differs from its profile. A smaller warm-up rollout (10,000 other devices) runs
# first in the same JVM, as in a worker that has been running. Before the instant rollout, the
# database floor runs on another fleet of the same size: the same per-device rows (queued result,
# stage, offer, outcome, their history and audit rows, the device's version, the stage counters)
# written straight to PostgreSQL without Temporal, in batches, from as many connections as the
# engine's pool holds; the script prints its time and the instant rollout's time as a ratio of it
# ("engine / floor"). Not part of the test suite.
#
#   bench/rollout/run.sh                 # 100,000 devices, both profiles
#   bench/rollout/run.sh 20000           # another fleet size
#   PROFILES=realistic bench/rollout/run.sh  # one profile only (instant or realistic)
#   PROFILES=long bench/rollout/run.sh  # long downloads: its own fleet (LONG_DEVICES, default 6,000)
#                                       # in one stage, every device holding its slot LONG_HOLD_SECONDS
#                                       # (default 60) of real time before it succeeds, pages of
#                                       # LONG_PAGE_SIZE (500) and maxInFlight LONG_MAX_IN_FLIGHT
#                                       # (3,000); prints the steady devices/s beside the stage
#                                       # workflow's derived cap and maxInFlight / hold
#   MAX_IN_FLIGHT=500 PAGE_SIZE=500 bench/rollout/run.sh
#   DELIVERY_SLICE=0 bench/rollout/run.sh  # one delivery activity per device (default: slices of 100)
#   WARMUP=0 bench/rollout/run.sh       # no warm-up rollout first: a cold JVM
#   FLOOR=false bench/rollout/run.sh    # the engine only, no database floor
#   FLOOR_THREADS=4 bench/rollout/run.sh  # the floor from 4 connections (default: the pool's 24)
#   TEMPORAL=process TEMPORAL_JVM_ARGS=-Xmx12g bench/rollout/run.sh
#                                       # the Temporal server in a JVM of its own: the peak heap is
#                                       # the worker's alone, the server's memory reported apart
set -euo pipefail
cd "$(dirname "$0")/../.."
source bin/select-jdk.sh
DEVICES="${1:-100000}"
OUT=workers/target/surefire-reports/dev.firmament.workers.bench.RolloutBenchmark-output.txt

./mvnw -B -ntp -q -pl orchestrator,workers -am install -DskipTests
rm -f "$OUT"
# Surefire writes test output to a file (the build's setting); follow it while the benchmark runs.
./mvnw -B -ntp -q -pl workers surefire:test \
  -Dtest=RolloutBenchmark -Dsurefire.failIfNoSpecifiedTests=false \
  -Dfirmament.bench=true -Dfirmament.bench.devices="$DEVICES" \
  -Dfirmament.bench.maxInFlight="${MAX_IN_FLIGHT:-1000}" -Dfirmament.bench.pageSize="${PAGE_SIZE:-1000}" \
  -Dfirmament.bench.warmup="${WARMUP:-10000}" -Dfirmament.bench.floor="${FLOOR:-true}" \
  -Dfirmament.bench.deliverySlice="${DELIVERY_SLICE:-100}" \
  -Dfirmament.bench.profiles="${PROFILES:-instant,realistic}" \
  -Dfirmament.bench.long.devices="${LONG_DEVICES:-6000}" \
  -Dfirmament.bench.long.holdSeconds="${LONG_HOLD_SECONDS:-60}" \
  -Dfirmament.bench.long.pageSize="${LONG_PAGE_SIZE:-500}" \
  -Dfirmament.bench.long.maxInFlight="${LONG_MAX_IN_FLIGHT:-3000}" \
  -Dfirmament.bench.temporal="${TEMPORAL:-embedded}" \
  ${TEMPORAL_JVM_ARGS:+-Dfirmament.bench.temporalJvmArgs="$TEMPORAL_JVM_ARGS"} \
  ${FLOOR_THREADS:+-Dfirmament.bench.floorThreads="$FLOOR_THREADS"} &
BUILD=$!
until [ -f "$OUT" ] || ! kill -0 "$BUILD" 2>/dev/null; do sleep 1; done
if [ -f "$OUT" ]; then
  tail -n +1 -F "$OUT" 2>/dev/null | grep --line-buffered -v -E ' (DEBUG|INFO|WARN) ' &
  TAIL=$!
fi
STATUS=0
wait "$BUILD" || STATUS=$?
sleep 1
[ -n "${TAIL:-}" ] && kill "$TAIL" 2>/dev/null || true
exit "$STATUS"
