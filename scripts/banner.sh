#!/usr/bin/env bash
# The start-up banner of `npm start` (after scripts/env-defaults.sh). The admin
# key is printed only when it was generated and not shown before (once per
# generated key); a key given in the environment is never printed.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${PORT:-3000}"
shown="$ROOT/.cache/admin-key-shown"
if [ "${ADMIN_API_KEY_ORIGIN:-env}" = generated ] && [ ! -f "$shown" ]; then
  admin_key="$ADMIN_API_KEY   (generated; shown this once, kept in .cache/secrets.env)"
  ( umask 077; mkdir -p "$ROOT/.cache"; : > "$shown" )
elif [ "${ADMIN_API_KEY_ORIGIN:-env}" = generated ]; then
  admin_key="GENERATED_ADMIN_API_KEY in .cache/secrets.env"
else
  admin_key="the ADMIN_API_KEY you set (not printed)"
fi
cat <<MSG

  Console    http://localhost:$PORT/   (web console: tenant sign-in, or the admin key)
  API        http://localhost:$PORT/api/v1
  Swagger UI http://localhost:$PORT/docs   (user: admin, password: the admin key)
  Health     http://localhost:$PORT/health/ready
  Admin key  $admin_key
  Providers  embeddings: ${EMBEDDING_PROVIDER:-$([ -n "${OPENAI_API_KEY:-}" ] && echo openai || echo local)}, chat: ${CHAT_PROVIDER:-$([ -n "${OPENAI_API_KEY:-}" ] && echo openai || echo local)}

  More workers: npm run start:worker   (in another terminal, as many as you like)
MSG
