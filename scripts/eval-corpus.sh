#!/usr/bin/env bash
# The eval's corpus: Debian's postgresql-doc-15 (the PostgreSQL 15 manual as
# HTML), downloaded with `apt-get download` into .cache/eval and unpacked with
# `dpkg-deb -x`: nothing is installed and the system's apt state is not touched.
# When the system's package lists do not know the package, a private sources
# list and lists directory are used (as scripts/services.sh does for pgvector).
# Prints the directory holding the HTML pages.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PKG="${EVAL_PACKAGE:-postgresql-doc-15}"
DIR="$ROOT/.cache/eval"
HTML="$DIR/root/usr/share/doc/$PKG/html"
if [ ! -d "$HTML" ]; then
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null \
    || { echo "eval: apt-get and dpkg-deb are needed to fetch $PKG (or unpack it yourself into $DIR/root)" >&2; exit 1; }
  mkdir -p "$DIR/deb"
  if ! ls "$DIR"/deb/"$PKG"_*.deb >/dev/null 2>&1; then
    echo "eval: downloading $PKG" >&2
    if ! (cd "$DIR/deb" && apt-get download -qq "$PKG" 2>/dev/null); then
      mirror="$(cat /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list /etc/apt/sources.list 2>/dev/null \
        | grep -E '^(URIs:|deb )' | grep -oE 'https?://[^ ]+' | grep -v security | head -1 || true)"
      mirror="${mirror:-http://deb.debian.org/debian}"
      suite="$(. /etc/os-release 2>/dev/null; echo "${VERSION_CODENAME:-bookworm}")"
      mkdir -p "$DIR/apt/lists/partial"
      echo "deb [trusted=yes] ${mirror%/} $suite main" > "$DIR/apt/sources.list"
      apt_opts=(-o APT::Sandbox::User=root -o "Dir::Etc::SourceList=$DIR/apt/sources.list" -o "Dir::Etc::SourceParts=-"
        -o "Dir::State::Lists=$DIR/apt/lists" -o "Dir::Cache=$DIR/apt/cache")
      apt-get "${apt_opts[@]}" update -qq >/dev/null
      (cd "$DIR/deb" && apt-get "${apt_opts[@]}" download -qq "$PKG")
    fi
  fi
  rm -rf "$DIR/root"
  dpkg-deb -x "$(ls "$DIR"/deb/"$PKG"_*.deb | head -1)" "$DIR/root"
fi
echo "$HTML"
