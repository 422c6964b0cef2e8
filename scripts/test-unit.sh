#!/usr/bin/env bash
# `npm run test:unit`: the fast tier, test/unit only: pure code (chunker, tokenizer,
# fusion, cursors, configuration, zip bounds, ...), no PostgreSQL, no Redis, no
# migrations; an incremental build, then seconds of tests. `npm test` runs these too.
# Ends with one line "N passed, N failed".
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/toolchain.sh
ensure_dependencies

export NODE_ENV=test
# Nothing to reach: a unit test that wanted a database or Redis fails at once instead of finding the developer's.
export DATABASE_URL=postgres://unit-tests@127.0.0.1:1/none DATABASE_MIGRATION_URL=postgres://unit-tests@127.0.0.1:1/none
export REDIS_URL=redis://127.0.0.1:1

# tsconfig.json (apps, libs and test/), incremental (dist/.tsbuildinfo): only what changed is compiled.
npx tsc -p tsconfig.json
# The compiled files of the test sources that exist (a deleted test's old output in dist/ is not run).
mapfile -t files < <(cd test/unit && ls -1 *.test.ts | sed -e 's#^#dist/test/unit/#' -e 's#\.ts$#.js#')
# Pure code shares nothing: the files run side by side, one per core.
TEST_CONCURRENCY="$(nproc 2>/dev/null || echo 2)" exec bash scripts/run-tests.sh "${files[@]}"
