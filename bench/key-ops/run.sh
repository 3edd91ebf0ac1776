#!/usr/bin/env bash
# Key operations through kvfs's ops file against `openssl speed`, measured in the same run: RSA-2048 sign (RS256),
# RSA-2048 decrypt (RSA-OAEP-256), P-256 sign (ES256); one request per write and batches of 64. Prints ops/s and
# kvfs/openssl. openssl 3.0's `speed rsa2048` has no decrypt figure; its private-key rate (sign/s) is the
# reference for decrypt too, since both are one RSA private-key operation. Needs root (mounts).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
DURATION="${SECONDS_PER_RUN:-3}"
(cd "$ROOT" && swift build -c release --product kvfs >/dev/null)
KVFS="$ROOT/.build/release/kvfs"
WORK="$(mktemp -d /tmp/kvfs-key-bench.XXXXXX)"
export KVFS_STORE="$WORK/store"
cleanup() {
    "$KVFS" unmount "$WORK/mnt" >/dev/null 2>&1 || fusermount3 -u -z "$WORK/mnt" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
cc -O2 -Wall -o "$WORK/opsloop" "$HERE/opsloop.c"
mkdir -p "$WORK/mnt"
"$KVFS" init >/dev/null
"$KVFS" vault create --name bench >/dev/null
"$KVFS" principal create --name bench --uid "$(id -u)" >/dev/null
"$KVFS" role assignment create --assignee bench --role "Key Vault Crypto User" --scope /vaults/bench >/dev/null
"$KVFS" role assignment create --assignee bench --role "Key Vault Crypto Officer" --scope /vaults/bench >/dev/null
"$KVFS" key create --vault bench --name rsa --kty RSA --size 2048 >/dev/null
"$KVFS" key create --vault bench --name ec --kty EC --curve P-256 >/dev/null
"$KVFS" mount "$WORK/mnt" >/dev/null
KEYS="$WORK/mnt/bench/keys"

b64url() { basenc --base64url -w0 | tr -d '='; }
DIGEST="$(printf 'kvfs benchmark' | openssl dgst -sha256 -binary | b64url)"
CIPHER="$(printf 'a 32-byte data key for the bench' | openssl pkeyutl -encrypt -pubin -inkey "$KEYS/rsa/public.pem" \
    -pkeyopt rsa_padding_mode:oaep -pkeyopt rsa_oaep_md:sha256 -pkeyopt rsa_mgf1_md:sha256 | b64url)"
request() { printf '{"op":"%s","alg":"%s","value":"%s"}' "$1" "$2" "$3"; }
batch() {
    printf '['
    for i in $(seq 64); do [ "$i" -gt 1 ] && printf ','; request "$@"; done
    printf ']'
}
request sign RS256 "$DIGEST" > "$WORK/rsa-sign.json";       batch sign RS256 "$DIGEST" > "$WORK/rsa-sign-64.json"
request decrypt RSA-OAEP-256 "$CIPHER" > "$WORK/rsa-dec.json"; batch decrypt RSA-OAEP-256 "$CIPHER" > "$WORK/rsa-dec-64.json"
request sign ES256 "$DIGEST" > "$WORK/ec-sign.json";         batch sign ES256 "$DIGEST" > "$WORK/ec-sign-64.json"

SPEED_RSA="$(openssl speed -seconds "$DURATION" rsa2048 2>/dev/null | awk '/^rsa 2048 bits/ {print $6}')"
SPEED_EC="$(openssl speed -seconds "$DURATION" ecdsap256 2>/dev/null | awk '/256 bits ecdsa \(nistp256\)/ {print $7}')"
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
echo "key operations per second, ${DURATION}s per run; openssl speed: rsa2048 sign ${SPEED_RSA}/s, ecdsap256 sign ${SPEED_EC}/s"
for CASE in "RSA-2048 sign (RS256)|rsa|rsa-sign|$SPEED_RSA" "RSA-2048 decrypt (OAEP-256)|rsa|rsa-dec|$SPEED_RSA" "P-256 sign (ES256)|ec|ec-sign|$SPEED_EC"; do
    IFS='|' read -r LABEL KEY FILE REF <<<"$CASE"
    SINGLE="$("$WORK/opsloop" "$KEYS/$KEY/ops" "$WORK/$FILE.json" 1 "$DURATION")"
    BATCH="$("$WORK/opsloop" "$KEYS/$KEY/ops" "$WORK/$FILE-64.json" 64 "$DURATION")"
    printf '%-28s single %6s/s kvfs/openssl=%s   batch64 %6s/s kvfs/openssl=%s\n' "$LABEL" "$SINGLE" "$(ratio "$SINGLE" "$REF")" \
        "$BATCH" "$(ratio "$BATCH" "$REF")"
done
