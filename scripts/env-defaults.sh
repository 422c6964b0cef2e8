#!/usr/bin/env bash
# Local defaults shared by start.sh, run.sh and test.sh. When the environment
# does not give ADMIN_API_KEY / JWT_SECRET, they are generated once per
# checkout (kept in .cache/secrets.env, mode 0600, never committed) and reused.
# ADMIN_API_KEY_ORIGIN tells scripts/banner.sh whether the admin key came from
# the environment (never printed) or was generated (printed once).
ADMIN_API_KEY_ORIGIN=env
if [ -z "${ADMIN_API_KEY:-}" ] || [ -z "${JWT_SECRET:-}" ]; then
  _root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
  _secrets="$_root/.cache/secrets.env"
  if [ ! -f "$_secrets" ]; then
    mkdir -p "$_root/.cache"
    # The umask and the redirect in the same subshell: the file is created 0600.
    ( umask 077
      { echo "GENERATED_ADMIN_API_KEY=adm_$(node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("base64url"))')"
        echo "GENERATED_JWT_SECRET=$(node -e 'process.stdout.write(require("crypto").randomBytes(48).toString("base64url"))')"
      } > "$_secrets"
    )
    rm -f "$_root/.cache/admin-key-shown"   # a new key is shown once more
  fi
  chmod 600 "$_secrets"   # also repairs a file an older version created 0644
  # shellcheck disable=SC1090
  source "$_secrets"
  if [ -z "${ADMIN_API_KEY:-}" ]; then ADMIN_API_KEY="$GENERATED_ADMIN_API_KEY"; ADMIN_API_KEY_ORIGIN=generated; fi
  : "${JWT_SECRET:=$GENERATED_JWT_SECRET}"
  unset GENERATED_ADMIN_API_KEY GENERATED_JWT_SECRET _secrets _root
fi
export ADMIN_API_KEY JWT_SECRET ADMIN_API_KEY_ORIGIN
