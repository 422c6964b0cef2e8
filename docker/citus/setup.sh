#!/usr/bin/env bash
# One-shot, after every node is up: the coordinator learns its own address and its workers
# (idempotent: a node already known is left as it is), then the app's roles are made on the
# coordinator, which propagates them to every node (docker/citus-roles.sql says why here).
set -euo pipefail
db="${RAGDOCS_DB:-ragdocs}"
coord="${CITUS_COORDINATOR:-citus-coordinator}"
q() { psql -h "$coord" -U "${POSTGRES_USER:-postgres}" -d "$db" -v ON_ERROR_STOP=1 -qtAX "$@"; }
until q -c 'SELECT 1' >/dev/null 2>&1; do sleep 1; done
q -c "SELECT citus_set_coordinator_host('$coord', 5432)" >/dev/null
for w in ${CITUS_WORKERS:-citus-worker1 citus-worker2}; do
  until pg_isready -q -h "$w" -d "$db"; do sleep 1; done
  q -c "SELECT citus_add_node('$w', 5432) WHERE NOT EXISTS (SELECT 1 FROM pg_dist_node WHERE nodename = '$w')" >/dev/null
done
q -f /ragdocs/citus-roles.sql
echo "citus-setup: coordinator $coord, workers: $(q -c "SELECT string_agg(nodename, ' ') FROM pg_dist_node WHERE groupid <> 0")"
