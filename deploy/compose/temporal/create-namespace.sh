#!/bin/sh
# Registers the namespace Firmament uses (FIRMAMENT_TEMPORAL_NAMESPACE, `default` here) once the
# Temporal server answers; does nothing when it exists.
set -eu
NAMESPACE=${NAMESPACE:-default}
ADDRESS=${TEMPORAL_ADDRESS:-temporal:7233}
temporal operator namespace describe --namespace "$NAMESPACE" --address "$ADDRESS" >/dev/null 2>&1 \
  || temporal operator namespace create --namespace "$NAMESPACE" --retention 7d --address "$ADDRESS"
echo "temporal namespace $NAMESPACE is registered"
