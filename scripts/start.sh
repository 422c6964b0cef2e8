#!/usr/bin/env bash
# `npm start`: toolchain, dependencies, PostgreSQL+pgvector and Redis,
# migrations, then the API and one worker together. Ctrl-C stops both.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
source scripts/toolchain.sh
[ -f .env ] && { set -a; source .env; set +a; }
ensure_dependencies
source scripts/services.sh
source scripts/env-defaults.sh
npm run -s build   # the server (tsc) and the web console (Vite, into dist/web)
node dist/apps/migrate/main.js

node --enable-source-maps dist/apps/api/src/main.js & API_PID=$!
node --enable-source-maps dist/apps/worker/src/main.js & WORKER_PID=$!
trap 'kill -TERM $API_PID $WORKER_PID 2>/dev/null; wait' INT TERM
PORT="${PORT:-3000}"
for _ in $(seq 1 60); do curl -fsS "http://127.0.0.1:$PORT/health/ready" >/dev/null 2>&1 && break; sleep 0.5; done
bash scripts/banner.sh
wait -n $API_PID $WORKER_PID || true
kill -TERM $API_PID $WORKER_PID 2>/dev/null || true
wait
