#!/usr/bin/env bash
# Runs one compiled app with the project's Node: api | worker | migrate | bench | eval.
# Builds first when dist/ is missing or older than the sources: the apps with tsconfig.build.json
# (apps and libs only, what the production image ships), bench and eval with tsconfig.json (which
# adds test/ and bench/, whose helpers the benches import).
# `bench` first prepares like scripts/test.sh: locked dependencies, PostgreSQL
# (pgvector), Redis and the roles; then bench/run.ts runs the bench modules, each
# of which drops, re-creates and migrates its own database (ragdocs_bench_*).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/toolchain.sh
[ -f .env ] && { set -a; source .env; set +a; }
if [ "${1:-}" = bench ] || [ "${1:-}" = eval ]; then
  ensure_dependencies
  export DATABASE_ADMIN_URL="${DATABASE_ADMIN_URL:-postgres://postgres@${PGHOST:-127.0.0.1}:${PGPORT:-5432}/postgres}"
  export RESET_DB=0   # services.sh must never drop the app's database on behalf of a bench
  source scripts/services.sh
else
  [ -d node_modules ] || npm ci --no-audit --no-fund
fi
source scripts/env-defaults.sh
case "${1:-}" in
  bench | eval) project=tsconfig.json built=dist/bench/run.js sources=(apps libs test bench) ;;
  *) project=tsconfig.build.json built=dist/apps/api/src/main.js sources=(apps libs) ;;
esac
if [ ! -f "$built" ] || [ -n "$(find "${sources[@]}" -name '*.ts' -newer "$built" 2>/dev/null | head -1)" ]; then
  npx tsc -p "$project"
fi
# The web console (apps/web, served by the API at /): built when missing or older than its sources.
if [ "${1:-}" = api ] && [ -d apps/web ] && { [ ! -f dist/web/index.html ] || [ -n "$(find apps/web -type f -newer dist/web/index.html 2>/dev/null | head -1)" ]; }; then
  npm run -s build:web
fi
case "${1:-}" in
  api) exec node --enable-source-maps dist/apps/api/src/main.js ;;
  worker) exec node --enable-source-maps dist/apps/worker/src/main.js ;;
  migrate) exec node --enable-source-maps dist/apps/migrate/main.js ;;
  bench) shift; exec node --enable-source-maps dist/bench/run.js "$@" ;;
  eval) shift; exec node --enable-source-maps dist/bench/eval/run.js "$@" ;;
  *) echo "usage: scripts/run.sh api|worker|migrate|bench|eval" >&2; exit 2 ;;
esac
