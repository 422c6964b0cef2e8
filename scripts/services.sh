#!/usr/bin/env bash
# Makes sure PostgreSQL (with pgvector >= 0.8) and Redis answer, installing and
# starting them from Debian's packages when we are root on Debian/Ubuntu and
# they are missing. Then provisions the database with docker/postgres-init.sql
# (the compose stack runs the same file): the owner role that runs migrations,
# the database and the `vector` extension (pgvector is not a trusted extension:
# it needs a superuser). The roles the apps connect as are the migrations' work.
# Sourced by start.sh / test.sh after toolchain.sh; exports DATABASE_URL etc.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

PGHOST_="${PGHOST:-127.0.0.1}"; PGPORT_="${PGPORT:-5432}"
DB_NAME="${DB_NAME:-ragdocs}"
SUPER_URL="${DATABASE_ADMIN_URL:-postgres://postgres@$PGHOST_:$PGPORT_/postgres}"
: "${DATABASE_MIGRATION_URL:=postgres://rag_owner:rag_owner@$PGHOST_:$PGPORT_/$DB_NAME}"
: "${DATABASE_URL:=postgres://rag_app:rag_app@$PGHOST_:$PGPORT_/$DB_NAME}"
: "${REDIS_URL:=redis://127.0.0.1:6379}"
export DATABASE_URL DATABASE_MIGRATION_URL REDIS_URL

say() { echo "services: $*" >&2; }
is_root_debian() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }
APT_UPDATED=0
apt_install() {
  if [ "$APT_UPDATED" = 0 ]; then apt-get update -qq >/dev/null; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

pg_up() { pg_isready -q -h "$PGHOST_" -p "$PGPORT_" 2>/dev/null; }
redis_up() { node -e '
  const s=require("net").connect({host:new URL(process.argv[1]).hostname,port:+new URL(process.argv[1]).port||6379});
  s.on("connect",()=>{s.write("PING\r\n")});s.on("data",d=>{process.exit(String(d).includes("PONG")?0:1)});
  s.on("error",()=>process.exit(1));setTimeout(()=>process.exit(1),2000)' "$REDIS_URL"; }

# --- PostgreSQL -------------------------------------------------------------
if ! command -v pg_isready >/dev/null 2>&1 && is_root_debian; then
  say "installing PostgreSQL from Debian's packages"; apt_install postgresql postgresql-client
fi
if ! pg_up && is_root_debian && command -v pg_ctlcluster >/dev/null 2>&1; then
  say "starting PostgreSQL"; pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | sort -V | tail -1)" main start || true
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
fi
if ! pg_up; then
  say "PostgreSQL is not reachable at $PGHOST_:$PGPORT_."
  say "Provide PostgreSQL >= 15 with pgvector >= 0.8 and set DATABASE_ADMIN_URL (superuser, for provisioning),"
  say "or DATABASE_URL + DATABASE_MIGRATION_URL to an already provisioned database (see README, 'Managed databases')."
  exit 1
fi

psql_super() { psql "$SUPER_URL" -v ON_ERROR_STOP=1 -qtAX "$@"; }

vector_available() { [ -n "$(psql_super -c "select default_version from pg_available_extensions where name='vector' and string_to_array(default_version,'.')::int[] >= '{0,8,0}'")" ]; }
if ! vector_available; then
  if is_root_debian; then
    PGMAJOR="$(psql_super -c "show server_version_num" | cut -c1-2)"
    say "building pgvector for PostgreSQL $PGMAJOR from Debian's source package"
    apt_install "postgresql-server-dev-$PGMAJOR" build-essential dpkg-dev
    work="$(mktemp -d)"
    # the mirror the system already uses (URIs: of a .sources file, or a deb line)
    mirror="$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list 2>/dev/null \
      | grep -E '^(URIs:|deb )' | grep -oE 'https?://[^ ]+' | grep -v security | head -1 || true)"
    mirror="${mirror:-http://deb.debian.org/debian}"
    mkdir -p "$work/lists/partial"
    echo "deb-src [trusted=yes] ${mirror%/} trixie main" > "$work/sources.list"
    apt_opts=(-o APT::Sandbox::User=root -o "Dir::Etc::SourceList=$work/sources.list" -o "Dir::Etc::SourceParts=-" -o "Dir::State::Lists=$work/lists")
    apt-get "${apt_opts[@]}" update -qq >/dev/null
    (cd "$work" && apt-get "${apt_opts[@]}" source -qq --download-only pgvector >/dev/null && dpkg-source -x --no-check ./pgvector_*.dsc src >/dev/null)
    make -s -C "$work/src" PG_CONFIG="/usr/lib/postgresql/$PGMAJOR/bin/pg_config" >/dev/null 2>&1
    make -s -C "$work/src" PG_CONFIG="/usr/lib/postgresql/$PGMAJOR/bin/pg_config" install >/dev/null
    rm -rf "$work"
  fi
  vector_available || { say "pgvector >= 0.8 is not installed on this PostgreSQL server; install it (https://github.com/pgvector/pgvector)"; exit 1; }
fi

# The owner role, the database and pgvector: one script for this and the compose stack.
# --- Memory settings ---------------------------------------------------------
# Debian's defaults size PostgreSQL for a small machine (shared_buffers 128 MB). The search working set is larger:
# a 42k-chunk tenant's HNSW graph alone is ~150 MB, its rows ~130 MB, and with them outside shared_buffers each
# search copies its pages in from the OS cache again (bench/RESULTS.md, "PostgreSQL memory"). On a local server this
# script manages (root on Debian, the machine's own cluster) it applies three memory settings, measured in
# bench/LAYOUT.md, sections 1 and 10, and restarts the cluster when one of them is not in effect yet:
# - shared_buffers a quarter of RAM (at most 8 GB) and effective_cache_size half, the usual starting points (raised,
#   never lowered);
# - glibc's malloc keeps the memory a statement frees (MALLOC_MMAP_THRESHOLD_, MALLOC_TRIM_THRESHOLD_ in the
#   cluster's environment file): by default each IVF search's sort of ~15 000 candidates mapped fresh memory and gave
#   it back, and the page faults cost ~30 % of the statement on this VM (section 10);
# - huge pages for the shared memory (vm.nr_hugepages, huge_pages = try already): a new backend's first search then
#   maps 2 MB pages instead of every 4 kB of the buffers it touches (first statement 150–190 ms -> 30–50 ms).
# RAGDOCS_TUNE_POSTGRES=0 leaves the server's settings alone.
# Only Debian's own cluster on this port (pg_lsclusters): never another server that happens to listen locally, such
# as the Citus test cluster's nodes (scripts/citus-cluster.sh).
debian_cluster="$(command -v pg_lsclusters >/dev/null 2>&1 && pg_lsclusters -h 2>/dev/null | awk -v p="$PGPORT_" '$3 == p {print $1 " " $2; exit}' || true)"
pg_restart() {
  # shellcheck disable=SC2086 # "version name"
  pg_ctlcluster --skip-systemctl-redirect $debian_cluster restart
  for _ in $(seq 1 30); do pg_up && break; sleep 1; done
  pg_up || { say "PostgreSQL did not come back after the restart"; exit 1; }
}
# The postmaster's /proc entry, as the server itself names it (its data directory's postmaster.pid); empty when it
# cannot be read, and then neither step below that depends on it is taken.
pg_proc() {
  local pid
  pid="$(psql_super -c "select split_part(pg_read_file('postmaster.pid'), E'\n', 1)" 2>/dev/null || true)"
  if [[ "$pid" =~ ^[0-9]+$ ]] && [ -r "/proc/$pid/smaps_rollup" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]; then
    echo "/proc/$pid"
  fi
}
# kB of that postmaster's memory in huge pages (0: 4 kB pages only).
pg_hugetlb_kb() { awk '/^(Shared|Private)_Hugetlb:/ {s += $2} END {print s + 0}' "$1/smaps_rollup"; }
if [ "${RAGDOCS_TUNE_POSTGRES:-1}" = 1 ] && is_root_debian && [ -n "$debian_cluster" ] \
  && [[ "$PGHOST_" =~ ^(127\.0\.0\.1|localhost|::1)$ ]]; then
  restart=()
  mem_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 ))
  want_mb=$(( mem_mb / 4 )); [ "$want_mb" -gt 8192 ] && want_mb=8192
  have_mb="$(psql_super -c "select setting::bigint * 8 / 1024 from pg_settings where name = 'shared_buffers'")"
  if [ "$have_mb" -lt "$want_mb" ]; then
    psql_super -c "ALTER SYSTEM SET shared_buffers = '${want_mb}MB'" -c "ALTER SYSTEM SET effective_cache_size = '$(( mem_mb / 2 ))MB'"
    restart+=("shared_buffers ${want_mb} MB (was ${have_mb} MB), effective_cache_size $(( mem_mb / 2 )) MB")
  fi
  # The malloc thresholds: by what the running server has in its environment, not by the file alone.
  envfile="/etc/postgresql/${debian_cluster// //}/environment"
  proc="$(pg_proc)"
  if [ -n "$proc" ] && [ -w "$envfile" ] && ! tr '\0' '\n' <"$proc/environ" | grep -q '^MALLOC_TRIM_THRESHOLD_='; then
    if ! grep -q '^MALLOC_TRIM_THRESHOLD_' "$envfile"; then
      printf '%s\n' '# scripts/services.sh: keep freed memory in the backend (bench/LAYOUT.md, section 10)' \
        'MALLOC_MMAP_THRESHOLD_ = 33554432' 'MALLOC_TRIM_THRESHOLD_ = 268435456' >>"$envfile"
    fi
    restart+=("malloc thresholds from $envfile")
  fi
  if [ "${#restart[@]}" -gt 0 ]; then say "PostgreSQL: ${restart[*]}; restarting it"; pg_restart; fi
  # Huge pages: as many as this server's shared memory needs (PostgreSQL >= 15 computes it), reserved before it starts.
  # Not when the kernel cannot find them, nor once they were reserved and the server still did not take them (a marker
  # in /run, which a reboot clears with the reservation): each would otherwise restart the server on every run.
  hp_failed=/run/ragdocs-postgres-hugepages-not-taken
  hp_want="$(psql_super -c "select setting from pg_settings where name = 'shared_memory_size_in_huge_pages' and current_setting('huge_pages') <> 'off'" 2>/dev/null || true)"
  proc="$(pg_proc)"
  if [[ "$hp_want" =~ ^[0-9]+$ ]] && [ "$hp_want" -gt 0 ] && [ -n "$proc" ] && [ -w /proc/sys/vm/nr_hugepages ] && [ ! -e "$hp_failed" ] \
    && [ "$(pg_hugetlb_kb "$proc")" = 0 ]; then
    hp_unused() { awk '/^HugePages_Free:/ {f = $2} /^HugePages_Rsvd:/ {r = $2} END {print f - r}' /proc/meminfo; }
    hp_had="$(cat /proc/sys/vm/nr_hugepages)"
    hp_more=$(( hp_want + 8 - $(hp_unused) ))
    if [ "$hp_more" -gt 0 ]; then echo $(( hp_had + hp_more )) 2>/dev/null >/proc/sys/vm/nr_hugepages || true; fi
    if [ "$(hp_unused)" -ge "$hp_want" ]; then
      say "PostgreSQL: ${hp_want} huge pages for its shared memory (vm.nr_hugepages $(cat /proc/sys/vm/nr_hugepages), was ${hp_had}); restarting it"
      pg_restart
      proc="$(pg_proc)"
      if [ -z "$proc" ] || [ "$(pg_hugetlb_kb "$proc")" = 0 ]; then
        say "PostgreSQL did not map its shared memory in huge pages after all; giving them back (not tried again until a reboot)"
        echo "$hp_had" 2>/dev/null >/proc/sys/vm/nr_hugepages || true
        touch "$hp_failed"
      fi
    else
      say "the kernel found only $(hp_unused) of the ${hp_want} huge pages PostgreSQL would need; left as it was"
      echo "$hp_had" 2>/dev/null >/proc/sys/vm/nr_hugepages || true
    fi
  fi
fi

if [ "${RESET_DB:-0}" = 1 ]; then
  psql_super -c "DROP DATABASE IF EXISTS \"$DB_NAME\" WITH (FORCE)"
fi
psql_super -v db="$DB_NAME" -f "$ROOT/docker/postgres-init.sql"

# --- Redis ------------------------------------------------------------------
if ! redis_up; then
  if ! command -v redis-server >/dev/null 2>&1 && is_root_debian; then
    say "installing Redis from Debian's packages"; apt_install redis-server
  fi
  if command -v redis-server >/dev/null 2>&1; then
    say "starting Redis"
    mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
    redis-server --daemonize yes --bind 127.0.0.1 --port "$(node -p 'new URL(process.argv[1]).port||6379' "$REDIS_URL")" \
      --save "" --appendonly no --maxmemory-policy noeviction --dir /tmp --logfile /tmp/ragdocs-redis.log
    for _ in $(seq 1 20); do redis_up && break; sleep 0.5; done
  fi
  redis_up || { say "Redis is not reachable at $REDIS_URL; start Redis >= 6.2 or set REDIS_URL"; exit 1; }
fi
say "PostgreSQL (pgvector) and Redis are ready"
