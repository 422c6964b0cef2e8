#!/usr/bin/env bash
# `npm test`: the same preparation as `npm start` (toolchain, dependencies,
# PostgreSQL+pgvector, Redis), a fresh test database, migrations, then every
# test suite against the real services, the unit tier (test/unit) included.
# TEST_FILES="dist/test/a.test.js ..." runs only those. Ends with one line "N passed, N failed".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/toolchain.sh
ensure_dependencies

export NODE_ENV=test
export DB_NAME="${TEST_DB_NAME:-ragdocs_test}"
export DATABASE_URL="postgres://rag_app:rag_app@${PGHOST:-127.0.0.1}:${PGPORT:-5432}/$DB_NAME"
export DATABASE_MIGRATION_URL="postgres://rag_owner:rag_owner@${PGHOST:-127.0.0.1}:${PGPORT:-5432}/$DB_NAME"
export DATABASE_ADMIN_URL="${DATABASE_ADMIN_URL:-postgres://postgres@${PGHOST:-127.0.0.1}:${PGPORT:-5432}/postgres}"
export RESET_DB="${RESET_DB:-1}"  # test-citus.sh provisions every node itself
source scripts/services.sh
source scripts/env-defaults.sh
source scripts/browser.sh
# Only when the browser tests run (all suites, or TEST_FILES naming test/web).
if [ -z "${TEST_FILES:-}" ] || [[ "${TEST_FILES}" == *web* ]]; then ensure_chromium; fi
export LOG_LEVEL="${LOG_LEVEL:-warn}"
# Tests get small pools; the pool-size behaviour itself has its own tests.
export DB_POOL_MIN=0 DB_POOL_MAX=10
# The suites send far more requests per minute, from one address and one tenant, than
# people do; test/abuse sets the shipped admission defaults again and tests them.
export RATE_LIMIT_SEARCH_PER_MINUTE=0 RATE_LIMIT_CHAT_PER_MINUTE=0 RATE_LIMIT_UPLOAD_PER_MINUTE=0 RATE_LIMIT_OPENAI_PER_MINUTE=0
export LOGIN_PER_IP_PER_MINUTE=0 DB_TENANT_WAIT_MS=30000

rm -rf dist
# tsconfig.json: the apps and libs plus test/ and bench/ (`npm run build`, tsconfig.build.json, is the apps and libs only).
npx tsc -p tsconfig.json
npm run -s build:web   # the web console (Vite, into dist/web), which test/web drives
node dist/apps/migrate/main.js

# shellcheck disable=SC2086 # TEST_FILES is a list of files or globs
exec bash scripts/run-tests.sh ${TEST_FILES:-"dist/test/**/*.test.js"}
