#!/usr/bin/env bash
# A local Citus cluster for tests and benchmarks: a coordinator and two workers,
# each its own PostgreSQL 15 instance (initdb into $CITUS_DIR, trust auth, local
# only), with Citus and pgvector.
#
#   bash scripts/citus-cluster.sh start            build Citus if needed, start the nodes
#   bash scripts/citus-cluster.sh provision DB     (re)create database DB on every node,
#                                                  owner role, extensions, workers added
#   bash scripts/citus-cluster.sh stop             stop the nodes (data stays until reboot)
#
# Citus is built once per machine from the tarball in ../shared/vendor (or
# $CITUS_VENDOR_DIR) with its patch for PostgreSQL 15.20, and installed into the
# machine's PostgreSQL 15 (needs root on Debian, like pgvector in services.sh).
# The machine's own PostgreSQL on 5432 is untouched: Citus is only loaded by
# these nodes' shared_preload_libraries.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PGBIN="${PGBIN:-/usr/lib/postgresql/15/bin}"
CITUS_DIR="${CITUS_DIR:-/tmp/ragdocs-citus}"
CITUS_PORT="${CITUS_PORT:-9700}"          # coordinator; workers on the next two ports
PORTS=("$CITUS_PORT" "$((CITUS_PORT + 1))" "$((CITUS_PORT + 2))")
NAMES=(coordinator worker1 worker2)
CITUS_VERSION=13.2.2

say() { echo "citus: $*" >&2; }
run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
psql_node() { local port="$1"; shift; psql -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qtAX "$@"; }

citus_installed() { [ -f "$("$PGBIN/pg_config" --pkglibdir)/citus.so" ]; }

build_citus() {
  citus_installed && return 0
  local vendor="${CITUS_VENDOR_DIR:-}"
  if [ -z "$vendor" ]; then
    for d in "$ROOT/../shared/vendor" /work/shared/vendor; do
      [ -f "$d/citus-$CITUS_VERSION.tar.gz" ] && vendor="$d" && break
    done
  fi
  [ -n "$vendor" ] && [ -f "$vendor/citus-$CITUS_VERSION.tar.gz" ] || {
    say "citus-$CITUS_VERSION.tar.gz not found (set CITUS_VENDOR_DIR)"; exit 1; }
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || { say "building Citus needs root on Debian; install Citus $CITUS_VERSION for PostgreSQL 15 yourself"; exit 1; }
  say "building Citus $CITUS_VERSION from $vendor (once per machine, ~3 min)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-server-dev-15 libcurl4-openssl-dev liblz4-dev \
    libzstd-dev libkrb5-dev libssl-dev libselinux1-dev libxslt1-dev libpam0g-dev libreadline-dev zlib1g-dev \
    flex bison build-essential >/dev/null 2>&1 || { apt-get update -qq >/dev/null; DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq postgresql-server-dev-15 libcurl4-openssl-dev liblz4-dev libzstd-dev libkrb5-dev libssl-dev \
    libselinux1-dev libxslt1-dev libpam0g-dev libreadline-dev zlib1g-dev flex bison build-essential >/dev/null; }
  local work; work="$(mktemp -d)"
  tar xzf "$vendor/citus-$CITUS_VERSION.tar.gz" -C "$work"
  (cd "$work/citus-$CITUS_VERSION" \
    && patch -s -p1 < "$vendor/citus-$CITUS_VERSION-pg15.20.patch" \
    && ./configure -q PG_CONFIG="$PGBIN/pg_config" >/dev/null \
    && make -s -j"$(nproc)" >/dev/null 2>&1 \
    && make -s install >/dev/null)
  rm -rf "$work"
  citus_installed || { say "Citus build failed"; exit 1; }
}

node_up() { "$PGBIN/pg_isready" -q -h 127.0.0.1 -p "$1" 2>/dev/null; }

start() {
  build_citus
  mkdir -p "$CITUS_DIR"
  [ "$(id -u)" = 0 ] && chown postgres "$CITUS_DIR"
  for i in 0 1 2; do
    local dir="$CITUS_DIR/${NAMES[$i]}" port="${PORTS[$i]}"
    node_up "$port" && continue
    if [ ! -f "$dir/PG_VERSION" ]; then
      run_pg "$PGBIN/initdb" -D "$dir" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >/dev/null
      cat >> "$dir/postgresql.conf" <<EOF
shared_preload_libraries = 'citus'
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$CITUS_DIR'
max_connections = 300
shared_buffers = 256MB
citus.max_client_connections = 250
EOF
    fi
    run_pg "$PGBIN/pg_ctl" -D "$dir" -l "$CITUS_DIR/${NAMES[$i]}.log" -w -t 60 start >/dev/null
  done
  say "coordinator 127.0.0.1:${PORTS[0]}, workers ${PORTS[1]} and ${PORTS[2]}"
}

provision() {
  local db="$1"
  for i in 0 1 2; do
    local port="${PORTS[$i]}"
    psql_node "$port" -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null
    # The same provisioning as a single node (owner role, database, pgvector), then Citus.
    psql -h 127.0.0.1 -p "$port" -U postgres -v ON_ERROR_STOP=1 -qX -v db="$db" -f "$ROOT/docker/postgres-init.sql" >/dev/null
    psql_node "$port" -d "$db" -c "SET client_min_messages = warning; CREATE EXTENSION IF NOT EXISTS citus" >/dev/null
  done
  psql_node "${PORTS[0]}" -d "$db" -c "SELECT citus_set_coordinator_host('127.0.0.1', ${PORTS[0]})" >/dev/null
  psql_node "${PORTS[0]}" -d "$db" -c "SELECT citus_add_node('127.0.0.1', ${PORTS[1]}), citus_add_node('127.0.0.1', ${PORTS[2]})" >/dev/null
  psql -h 127.0.0.1 -p "${PORTS[0]}" -U postgres -v ON_ERROR_STOP=1 -qX -d "$db" -f "$ROOT/docker/citus-roles.sql" >/dev/null
  say "database $db on the coordinator and 2 workers"
}

stop() {
  for i in 0 1 2; do
    local dir="$CITUS_DIR/${NAMES[$i]}"
    [ -f "$dir/postmaster.pid" ] && run_pg "$PGBIN/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
  done
}

case "${1:-}" in
  start) start ;;
  provision) start; provision "${2:?database name}" ;;
  stop) stop ;;
  *) echo "usage: $0 start | provision DB | stop" >&2; exit 2 ;;
esac
