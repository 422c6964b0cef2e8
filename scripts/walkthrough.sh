#!/usr/bin/env bash
# Runs the walkthrough of README.md ("Using it") from the repository root: the bash
# block after the `<!-- walkthrough` marker. The README holds the one copy;
# test/api/walkthrough.test.ts runs it twice in a row against a real API and worker.
# API (default http://localhost:3000) and ADMIN_API_KEY (default: the generated key
# in .cache/secrets.env) say where and as whom.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
block="$(awk '/^<!-- walkthrough/ { found = 1; next } found && /^```bash$/ { on = 1; next } on && /^```$/ { exit } on { print }' README.md)"
[ -n "$block" ] || { echo "no walkthrough block in README.md" >&2; exit 1; }
exec bash -c "$block" walkthrough
