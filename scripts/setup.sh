#!/usr/bin/env bash
# Installs the Debian packages kvfs builds and runs with (idempotent; needs root).
set -euo pipefail
packages=(libfuse3-dev fuse3 libssl-dev libsqlite3-dev openssl attr sqlite3 util-linux procps nginx inotify-tools rsync)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi
