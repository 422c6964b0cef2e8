#!/usr/bin/env bash
# Memory settings of the local PostgreSQL, interleaved A/B (bench/LAYOUT.md, section 10): for each round and each
# configuration, restart the Debian cluster with it, warm up, then run rowcost.mjs three times. Needs root on Debian (the
# machine scripts/services.sh sets up), the search bench's kept database, and `BUILD=1 node bench/lab/rowcost.mjs` once.
# Configurations: base (4 kB pages, glibc's malloc defaults), hp (huge pages), malloc (MALLOC_* below), both; sb2g: both
# with shared_buffers 2 GB instead of the quarter of RAM scripts/services.sh sets (section 13: a smaller buffer table).
#
#   ROUNDS=3 CONFIGS="base both hp malloc" bash bench/lab/pgtune.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
cluster="${CLUSTER:-15 main}"
envfile="/etc/postgresql/${cluster// //}/environment"
hp_orig="$(cat /proc/sys/vm/nr_hugepages)"
cp "$envfile" /tmp/pgtune-environment.orig
# Without the lines scripts/services.sh adds: the base of every configuration.
grep -v -e '^MALLOC_' -e 'scripts/services.sh: keep freed' /tmp/pgtune-environment.orig >/tmp/pgtune-environment.base
# Afterwards the server runs as before: the environment file, the huge pages and a restart.
restore() {
  # shellcheck disable=SC2086
  pg_ctlcluster --skip-systemctl-redirect $cluster stop || true
  cp /tmp/pgtune-environment.orig "$envfile"
  echo "$hp_orig" >/proc/sys/vm/nr_hugepages
  # shellcheck disable=SC2086
  pg_ctlcluster --skip-systemctl-redirect $cluster start
}
trap restore EXIT
for round in $(seq 1 "${ROUNDS:-3}"); do
  for cfg in ${CONFIGS:-base both}; do
    # shellcheck disable=SC2086
    pg_ctlcluster --skip-systemctl-redirect $cluster stop
    cp /tmp/pgtune-environment.base "$envfile"
    case "$cfg" in malloc | both | sb2g) printf 'MALLOC_MMAP_THRESHOLD_ = 33554432\nMALLOC_TRIM_THRESHOLD_ = 268435456\n' >>"$envfile" ;; esac
    pages=0
    case "$cfg" in hp | both | sb2g) pages="${HUGE_PAGES:-3200}" ;; esac
    echo "$pages" >/proc/sys/vm/nr_hugepages
    opts=()
    [ "$cfg" = sb2g ] && opts=(-- -o "-c shared_buffers=2GB")
    # shellcheck disable=SC2086
    pg_ctlcluster --skip-systemctl-redirect $cluster start "${opts[@]}"
    pid="$(head -1 "/var/run/postgresql/${cluster// /-}.pid")"
    hugetlb="$(awk '/Shared_Hugetlb|Private_Hugetlb/ {s += $2} END {print s + 0}' "/proc/$pid/smaps_rollup")"
    # Warm-up: after a restart the first ~1 000 statements still pay for system time (filling shared_buffers from the
    # OS cache, first touches of the shared memory): measured, not guessed (a run's sysMs settles at ~0.3 ms).
    for _ in $(seq 1 "${WARM:-6}"); do N=100 node bench/lab/rowcost.mjs >/dev/null; done
    for run in 1 2 3; do
      echo "{\"round\":$round,\"config\":\"$cfg\",\"run\":$run,\"hugetlbKb\":$hugetlb,\"r\":$(N=200 node bench/lab/rowcost.mjs)}"
    done
  done
done
