#!/usr/bin/env bash
# Local defaults shared by start.sh, run.sh and test.sh. When the environment
# does not give ADMIN_API_KEY / JWT_SECRET, they are generated once per
# checkout (kept in .cache/secrets.env, never committed) and reused.
if [ -z "${ADMIN_API_KEY:-}" ] || [ -z "${JWT_SECRET:-}" ]; then
  _root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  _secrets="$_root/.cache/secrets.env"
  if [ ! -f "$_secrets" ]; then
    mkdir -p "$_root/.cache"
    ( umask 077
      echo "GENERATED_ADMIN_API_KEY=adm_$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))')"
      echo "GENERATED_JWT_SECRET=$(node -e 'process.stdout.write(require("crypto").randomBytes(48).toString("base64url"))')"
    ) > "$_secrets"
  fi
  # shellcheck disable=SC1090
  source "$_secrets"
  : "${ADMIN_API_KEY:=$GENERATED_ADMIN_API_KEY}"
  : "${JWT_SECRET:=$GENERATED_JWT_SECRET}"
fi
export ADMIN_API_KEY JWT_SECRET
