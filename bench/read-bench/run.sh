#!/usr/bin/env bash
# Read benchmark: open+read+close per second on tmpfs, on the FUSE floor (a minimal C file system with
# kvfs's cache settings) and, if given, on a kvfs file; 1 and 4 threads. Prints ops/s and ratios.
#
#   bench/read-bench/run.sh                 # tmpfs vs floor
#   bench/read-bench/run.sh /mnt/kvfs/v/secrets/x    # also kvfs vs floor and kvfs vs tmpfs
#
# SECONDS_PER_RUN (default 3) sets each run's length. Needs cc, pkg-config and libfuse3-dev; mounts need
# root or /dev/fuse access. Everything it mounts or creates is removed on exit, also on failure or ^C.
set -euo pipefail

KVFS_FILE="${1:-}"
DURATION="${SECONDS_PER_RUN:-3}"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
WORK="$(mktemp -d /tmp/kvfs-read-bench.XXXXXX)"
FLOOR_MOUNT="$WORK/floor"
TMPFS_DIR="$WORK/tmpfs"
FLOOR_PID=""

cleanup() {
    if mountpoint -q "$FLOOR_MOUNT" 2>/dev/null || grep -q " $FLOOR_MOUNT " /proc/self/mountinfo; then
        fusermount3 -u "$FLOOR_MOUNT" 2>/dev/null || fusermount3 -u -z "$FLOOR_MOUNT" 2>/dev/null || umount -l "$FLOOR_MOUNT" 2>/dev/null || true
    fi
    if [ -n "$FLOOR_PID" ]; then
        kill "$FLOOR_PID" 2>/dev/null || true
        wait "$FLOOR_PID" 2>/dev/null || true
    fi
    if grep -q " $TMPFS_DIR " /proc/self/mountinfo; then umount "$TMPFS_DIR" 2>/dev/null || umount -l "$TMPFS_DIR" || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -n "$KVFS_FILE" ] && [ ! -r "$KVFS_FILE" ]; then
    echo "run.sh: cannot read $KVFS_FILE" >&2
    exit 2
fi

FUSE_FLAGS="$(pkg-config --cflags --libs fuse3)"
cc -O2 -Wall -Wextra -o "$WORK/floor-fs" "$HERE/../fuse-floor/floor.c" $FUSE_FLAGS
cc -O2 -Wall -Wextra -pthread -o "$WORK/readloop" "$HERE/readloop.c"

# tmpfs reference: a real tmpfs mount when root, else /dev/shm (also tmpfs).
mkdir -p "$TMPFS_DIR" "$FLOOR_MOUNT"
if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=1m tmpfs "$TMPFS_DIR"; then
    TMPFS_FILE="$TMPFS_DIR/secret"
else
    TMPFS_FILE="$(mktemp /dev/shm/kvfs-read-bench.XXXXXX)"
    trap 'rm -f "$TMPFS_FILE"; cleanup' EXIT
fi
printf 's3cr3t-value-0123456789abcdef\n' > "$TMPFS_FILE"

"$WORK/floor-fs" "$FLOOR_MOUNT" -f -o fsname=kvfs-floor,subtype=floor &
FLOOR_PID=$!
for _ in $(seq 100); do
    grep -q " $FLOOR_MOUNT .* fuse.floor " /proc/self/mountinfo && [ -r "$FLOOR_MOUNT/bench/secrets/secret" ] && break
    kill -0 "$FLOOR_PID" 2>/dev/null || { echo "run.sh: the floor file system failed to mount" >&2; exit 1; }
    sleep 0.05
done
FLOOR_FILE="$FLOOR_MOUNT/bench/secrets/secret"

measure() { "$WORK/readloop" "$1" "$DURATION" "$2"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.4f", a / b; else print "n/a" }'; }

echo "open+read+close per second, ${DURATION}s per run ($(nproc) cores, $(uname -r))"
for THREADS in 1 4; do
    TMPFS_OPS="$(measure "$TMPFS_FILE" "$THREADS")"
    FLOOR_OPS="$(measure "$FLOOR_FILE" "$THREADS")"
    printf 'threads=%d  tmpfs=%s  floor=%s  floor/tmpfs=%s\n' "$THREADS" "$TMPFS_OPS" "$FLOOR_OPS" "$(ratio "$FLOOR_OPS" "$TMPFS_OPS")"
    if [ -n "$KVFS_FILE" ]; then
        KVFS_OPS="$(measure "$KVFS_FILE" "$THREADS")"
        printf 'threads=%d  kvfs=%s  kvfs/floor=%s  kvfs/tmpfs=%s\n' "$THREADS" "$KVFS_OPS" \
            "$(ratio "$KVFS_OPS" "$FLOOR_OPS")" "$(ratio "$KVFS_OPS" "$TMPFS_OPS")"
    fi
done
