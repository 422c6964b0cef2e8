#!/usr/bin/env bash
# `npm run test:citus`: the isolation, ingestion, search and chat suites against a local Citus
# cluster (a coordinator and two workers, scripts/citus-cluster.sh), on a fresh database whose
# schema the migrations distribute by tenant. TEST_FILES overrides the list. Ends with
# "N passed, N failed" like `npm test`, whose preparation it reuses.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/toolchain.sh
ensure_dependencies
export CITUS_PORT="${CITUS_PORT:-9700}"
export TEST_DB_NAME="${TEST_DB_NAME:-ragdocs_test_citus}"
bash scripts/citus-cluster.sh provision "$TEST_DB_NAME"
export PGPORT="$CITUS_PORT" RESET_DB=0   # provisioned on every node just now
SUITES=(security/rls-catalogue security/tenant-context security/cross-tenant-writes security/runtime-role
  abuse/runtime-role-reach api/auth-admin api/folders api/conversations ingestion/documents-api
  retrieval/completeness retrieval/split-index retrieval/search-quality chat/chat-local)
DEFAULT_FILES="$(printf 'dist/test/%s.test.js ' "${SUITES[@]}") dist/test/citus/distribution.citus.js"
export TEST_FILES="${TEST_FILES:-$DEFAULT_FILES}"
exec bash scripts/test.sh
