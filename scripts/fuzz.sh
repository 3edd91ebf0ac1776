#!/usr/bin/env bash
# Builds kvfs's libFuzzer binary (the engine and VaultFS compiled with -sanitize=fuzzer,address) and runs one
# fuzz target on its corpus.
#
#   scripts/fuzz.sh TARGET [seconds]     fuzz TARGET for `seconds` (default 60); new inputs land in
#                                        fuzz/corpus/TARGET, crashes in fuzz/artifacts/TARGET
#   scripts/fuzz.sh --list               the targets
#   scripts/fuzz.sh --merge TARGET       minimise fuzz/corpus/TARGET (libFuzzer's -merge=1)
#   scripts/fuzz.sh --build              build only
#
# The build lives in .build/fuzz and is redone only when a source file changed. CI does not run this: the
# test suites replay fuzz/corpus/* through the same entry points (FuzzCorpusTests).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out="$root/.build/fuzz"
binary="$out/kvfs-fuzz"
mkdir -p "$out"
# Leaks are not findings here: the Swift runtime's and Foundation's allocations that live until exit would be
# reported at every exit.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}

build() {
    local sources stamp
    sources=$(find "$root/Sources/VaultEngine" "$root/Sources/VaultFS" "$root/fuzz" -name '*.swift' | sort)
    stamp=$(cat $sources "$0" | sha256sum | cut -c1-16)
    if [[ -x "$binary" && -f "$out/stamp" && "$(cat "$out/stamp")" == "$stamp" ]]; then return; fi
    [[ -d "$root/.build/checkouts/swift-log" ]] || (cd "$root" && swift package resolve)
    local common=(-O -wmo -swift-version 6 -parse-as-library -package-name kvfs -I "$out" -I "$root/Sources/COpenSSL"
                  -I "$root/Sources/CSQLite" -I "$root/Sources/CFuse" -Xcc -I/usr/include/fuse3)
    echo "building the fuzz binary in $out (a few minutes the first time)" >&2
    # swift-log is not instrumented: its bytes come from no caller.
    swiftc "${common[@]}" -module-name Logging -emit-module -emit-library -static -o "$out/libLogging.a" \
        -emit-module-path "$out/Logging.swiftmodule" $(find "$root/.build/checkouts/swift-log/Sources/Logging" -name '*.swift')
    swiftc "${common[@]}" -sanitize=fuzzer,address -module-name VaultEngine -emit-module -emit-library -static \
        -o "$out/libVaultEngine.a" -emit-module-path "$out/VaultEngine.swiftmodule" \
        $(find "$root/Sources/VaultEngine" -name '*.swift')
    swiftc "${common[@]}" -sanitize=fuzzer,address -module-name VaultFS -emit-module -emit-library -static \
        -o "$out/libVaultFS.a" -emit-module-path "$out/VaultFS.swiftmodule" \
        $(find "$root/Sources/VaultFS" -name '*.swift')
    swiftc "${common[@]}" -sanitize=fuzzer,address -module-name KVFSFuzz "$root"/fuzz/*.swift \
        -L "$out" -lVaultFS -lVaultEngine -lLogging -lfuse3 -lssl -lcrypto -lsqlite3 -o "$binary" 2> >(grep -v 'Cannot export local symbol' >&2)
    echo "$stamp" > "$out/stamp"
}

case "${1:-}" in
    ""|-h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    --build) build; exit 0 ;;
    --list) build; KVFS_FUZZ_TARGET=--list "$binary" 2>/dev/null; exit 0 ;;
    --merge)
        target=${2:?--merge needs a target}
        build
        corpus="$root/fuzz/corpus/$target"
        merged=$(mktemp -d)
        trap 'rm -rf "$merged"' EXIT
        KVFS_FUZZ_TARGET=$target "$binary" -merge=1 -timeout=10 -detect_leaks=0 "$merged" "$corpus"
        # The named seeds and findings stay (readable, and a fixed finding is kept whatever its coverage).
        find "$corpus" -regextype egrep -type f -regex '.*/[0-9a-f]{40}' -delete
        cp -n "$merged"/* "$corpus"/
        ls "$corpus" | wc -l | xargs echo "inputs kept:" >&2
        exit 0 ;;
esac

target=$1
seconds=${2:-60}
build
corpus="$root/fuzz/corpus/$target"
artifacts="$root/fuzz/artifacts/$target"
mkdir -p "$corpus" "$artifacts"
KVFS_FUZZ_TARGET=$target exec "$binary" -max_total_time="$seconds" -timeout=10 -detect_leaks=0 -rss_limit_mb=2048 \
    -max_len=8192 -artifact_prefix="$artifacts/" -print_final_stats=1 "$corpus"
