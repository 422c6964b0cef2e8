#!/usr/bin/env bash
# Runs compiled test files with Node's test runner (the files or globs given) and
# ends with one line "N passed, N failed" (", N skipped" when any were). Shared by
# `npm test` (scripts/test.sh) and `npm run test:unit` (scripts/test-unit.sh).
# TEST_CONCURRENCY: test files run at once (1: the end-to-end suites share one
# database and measure timings, so they run one after the other).
set -euo pipefail
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
set +e
node --test --test-concurrency="${TEST_CONCURRENCY:-1}" --test-timeout=600000 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$report" \
  "$@"
status=$?
set -e
count() { grep -a -E "^# $1 [0-9]+" "$report" | tail -1 | awk '{print $3}'; }
pass="$(count pass)"; fail="$(count fail)"; cancelled="$(count cancelled)"; skipped="$(count skipped)"; todo="$(count todo)"
fail=$(( ${fail:-0} + ${cancelled:-0} ))
skipped=$(( ${skipped:-0} + ${todo:-0} ))
if [ "$status" != 0 ] && [ "$fail" = 0 ]; then fail=1; fi  # a crash outside any test still fails the run
# The failed tests by name, just above the summary: a CI log is often read from its tail only.
grep -a -E '^ *not ok [0-9]+ - ' "$report" | sed -E 's/^( *)not ok [0-9]+ - /failed: \1/' | head -40 || true
if [ "$skipped" -gt 0 ]; then echo "${pass:-0} passed, $fail failed, $skipped skipped"; else echo "${pass:-0} passed, $fail failed"; fi
exit "$status"
