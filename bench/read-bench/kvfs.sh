#!/usr/bin/env bash
# kvfs read benchmark: builds kvfs (release), makes a store with one vault and one secret readable by the
# current user, mounts it, and runs run.sh against that secret — kvfs, the FUSE floor and tmpfs measured in
# the same run. Prints kvfs/floor and kvfs/tmpfs for 1 and 4 threads. Needs root (mounts).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
(cd "$ROOT" && swift build -c release --product kvfs >/dev/null)
KVFS="$ROOT/.build/release/kvfs"
WORK="$(mktemp -d /tmp/kvfs-bench.XXXXXX)"
export KVFS_STORE="$WORK/store"
cleanup() {
    "$KVFS" unmount "$WORK/mnt" >/dev/null 2>&1 || fusermount3 -u -z "$WORK/mnt" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
mkdir -p "$WORK/mnt"
"$KVFS" init >/dev/null
"$KVFS" vault create --name bench >/dev/null
"$KVFS" principal create --name bench --uid "$(id -u)" >/dev/null
"$KVFS" role assignment create --assignee bench --role "Key Vault Secrets User" --scope /vaults/bench >/dev/null
"$KVFS" role assignment create --assignee bench --role "Key Vault Secrets Officer" --scope /vaults/bench >/dev/null
printf 's3cr3t-value-0123456789abcdef\n' | "$KVFS" secret set --vault bench --name secret >/dev/null
"$KVFS" mount "$WORK/mnt" >/dev/null
bash "$HERE/run.sh" "$WORK/mnt/bench/secrets/secret"
