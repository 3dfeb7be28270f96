#!/usr/bin/env bash
# Installs what Mnemo needs to build and test, when it is missing: Debian packages (as root it
# runs apt-get itself; otherwise it prints the exact command to run), then the Node.js clients of
# the client matrix from the npm registry, pinned by tests/clients/node/package-lock.json.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Build and unit tests; integration tests (redis-py); the client matrix (tests/clients: Ruby,
# PHP, hiredis, Node.js), the redis-cli checks (redis-tools, tmux), bench/ltm.py (db_bench, from
# rocksdb-tools); the HTTP endpoint (cpp-httplib, zlib) and its tests (Prometheus's parser,
# `go tool pprof`); Lua scripting (Lua 5.1, cjson, bitop, lua-messagepack for cmsgpack); the
# dashboard's browser test (headless Chromium driven over its DevTools protocol with
# websocket-client, screenshots read with Pillow).
PACKAGES=(cmake make g++ pkg-config librocksdb-dev libjemalloc-dev libevent-dev libgtest-dev
          libdw-dev liblzf-dev libssl-dev libspdlog-dev openssl python3-pytest python3-pytest-xdist python3-redis redis-tools
          redis-server clang libclang-rt-14-dev
          ruby-redis php-cli php-redis libhiredis-dev nodejs tmux rocksdb-tools
          libcpp-httplib-dev zlib1g-dev python3-prometheus-client golang-go
          liblua5.1-0-dev lua-cjson-dev lua-bitop-dev lua-messagepack
          chromium python3-websocket python3-pil)
# A Node.js from elsewhere (NodeSource's package) carries its own npm and conflicts with Debian's.
command -v npm >/dev/null || PACKAGES+=(npm)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -ne 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "missing packages; run:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi

# `npm ci` installs exactly the lock file's versions; it runs again only when the lock file
# changed since the last install (the copy in node_modules records which one is installed).
NODE_DIR="$ROOT/tests/clients/node"
if ! cmp -s "$NODE_DIR/package-lock.json" "$NODE_DIR/node_modules/.mnemo-installed-lock"; then
  echo "installing the Node.js clients (npm ci in tests/clients/node)"
  (cd "$NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$NODE_DIR/package-lock.json" "$NODE_DIR/node_modules/.mnemo-installed-lock"
fi
