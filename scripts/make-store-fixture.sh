#!/usr/bin/env bash
# Writes the golden store fixture for the current on-disk format (docs/store-format.md) into
# Tests/VaultEngineTests/Fixtures/store-v<format>. Run it only when a new format version is introduced; the
# fixture of an older version must stay as it is so the test proves old stores still open.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --product kvfs >/dev/null
kvfs=.build/debug/kvfs
format=$(sed -n 's/^    static let formatVersion = \([0-9]*\)$/\1/p' Sources/VaultEngine/Store/Schema.swift)
out=Tests/VaultEngineTests/Fixtures/store-v$format
rm -rf "$out" && mkdir -p "$out"
# A fixed, published test key: this fixture protects nothing.
printf '%s\n' 000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f > "$out/fixture-master-key.hex"
chmod 600 "$out/fixture-master-key.hex"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export KVFS_STORE="$work/store"
key=(--master-key-file "$out/fixture-master-key.hex")
$kvfs init "${key[@]}" >/dev/null
$kvfs vault create "${key[@]}" --name fixture --retention-days 30 >/dev/null
$kvfs principal create "${key[@]}" --name app --uid 4242 >/dev/null
$kvfs principal create "${key[@]}" --name ops --gid 4343 >/dev/null
$kvfs role assignment create "${key[@]}" --assignee app --role "Key Vault Secrets User" --scope /vaults/fixture >/dev/null
$kvfs role assignment create "${key[@]}" --assignee ops --role "Key Vault Secrets Officer" --scope /vaults/fixture >/dev/null
$kvfs principal create "${key[@]}" --name root --uid 0 >/dev/null
$kvfs role assignment create "${key[@]}" --assignee root --role "Key Vault Administrator" --scope /vaults/fixture >/dev/null
printf 'first-value' | $kvfs secret set "${key[@]}" --vault fixture --name db-password >/dev/null
printf 'second-value' | $kvfs secret set "${key[@]}" --vault fixture --name db-password --content-type text/plain --tags env=test >/dev/null
printf 'gone' | $kvfs secret set "${key[@]}" --vault fixture --name old-token >/dev/null
$kvfs secret delete "${key[@]}" --vault fixture --name old-token >/dev/null
# Fold the WAL into the database file so the fixture is one file.
sqlite3 "$KVFS_STORE/kvfs.db" 'PRAGMA wal_checkpoint(TRUNCATE); PRAGMA journal_mode=DELETE;' >/dev/null
cp "$KVFS_STORE/kvfs.db" "$out/kvfs.db"
date -u +%Y-%m-%dT%H:%M:%SZ > "$out/created-at"
echo "wrote $out"
