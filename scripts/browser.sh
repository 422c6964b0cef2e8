#!/usr/bin/env bash
# Chromium for the web console's browser tests (test/web, Playwright via playwright-core).
# Playwright's own browser download cannot work here, so the tests drive Debian's
# `chromium` package, installed like PostgreSQL and Redis in services.sh (sourced
# before this file: is_root_debian, apt_install, say). Idempotent: nothing happens
# when the browser is already there. CHROMIUM_PATH points the tests at another build.
: "${CHROMIUM_PATH:=/usr/bin/chromium}"
export CHROMIUM_PATH

ensure_chromium() {
  [ -x "$CHROMIUM_PATH" ] && return 0
  if is_root_debian; then
    say "installing Chromium from Debian's packages (browser tests)"
    apt_install --no-install-recommends chromium
  fi
  [ -x "$CHROMIUM_PATH" ] || say "no Chromium at $CHROMIUM_PATH: the browser tests (test/web) will fail; install Debian's chromium or set CHROMIUM_PATH"
}
