#!/usr/bin/env bash
# Installs the Debian packages Mnemo needs to build and test, when they are missing.
# As root it runs apt-get itself; otherwise it prints the exact command to run.
set -euo pipefail
PACKAGES=(cmake make g++ pkg-config librocksdb-dev libjemalloc-dev libevent-dev libgtest-dev
          libdw-dev libssl-dev openssl python3-pytest python3-redis redis-tools redis-server clang
          libclang-rt-14-dev)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
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
