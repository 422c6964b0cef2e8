#!/usr/bin/env bash
# First start of a Citus node (coordinator or worker): the same provisioning as a single
# node (owner role, database, pgvector: docker/postgres-init.sql), then Citus in that
# database. Joining the workers to the coordinator is the `citus-setup` service's work.
set -euo pipefail
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d postgres -v db="${RAGDOCS_DB:-ragdocs}" -f /ragdocs/postgres-init.sql
psql -v ON_ERROR_STOP=1 -U "$POSTGRES_USER" -d "${RAGDOCS_DB:-ragdocs}" -c "CREATE EXTENSION IF NOT EXISTS citus"
