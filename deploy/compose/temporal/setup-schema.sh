#!/bin/sh
# Creates or upgrades Temporal's two PostgreSQL schemas (persistence and visibility), then exits.
# Run by the `temporal-schema` service (temporalio/admin-tools) before the Temporal server starts,
# and again after every upgrade of the server image: update-schema applies only the versions the
# database does not have yet. The Temporal server itself never changes its schema.
set -eu

: "${SQL_PASSWORD:?SQL_PASSWORD is the Temporal database password}"
HOST=${POSTGRES_SEEDS:-temporal-postgresql}
SCHEMA_DIR=/etc/temporal/schema/postgresql/v12

for DB in temporal temporal_visibility; do
  case "$DB" in
    temporal) VERSIONED="$SCHEMA_DIR/temporal/versioned" ;;
    *) VERSIONED="$SCHEMA_DIR/visibility/versioned" ;;
  esac
  sql() { temporal-sql-tool --plugin postgres12 --ep "$HOST" -p 5432 -u temporal --db "$DB" "$@"; }
  # CREATE DATABASE fails when the database exists: only a new database gets the base schema.
  if sql create; then
    sql setup-schema -v 0.0
  fi
  sql update-schema -d "$VERSIONED"
done
echo "temporal schemas are up to date"
