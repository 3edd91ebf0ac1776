#!/usr/bin/env bash
# kvfs's main job on an embedded default: a demo store with one vault, principals bound to you, a few
# secrets and a key — mounted, ready to `cat`. It ends with commands to try, which run as printed
# (Tests/FSIntegrationTests/CLI/DemoScriptTests.swift runs them in order).
#   KVFS_DEMO_DIR  where the store and the mount go (default /tmp/kvfs-demo)
#   KVFS_BIN       an already built kvfs to use: skips the set-up and the build
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${KVFS_BIN:-}" ]; then
  kvfs=$KVFS_BIN
else
  bash scripts/setup.sh
  swift build --product kvfs
  kvfs="$PWD/.build/debug/kvfs"
fi
base=${KVFS_DEMO_DIR:-/tmp/kvfs-demo}
store="$base/store" mnt="$base/mnt"
"$kvfs" unmount "$mnt" >/dev/null 2>&1 || true
rm -rf "$store"
mkdir -p "$store" "$mnt"
export KVFS_STORE="$store"
me=$(id -un)
"$kvfs" init >/dev/null
"$kvfs" vault create --name demo --retention-days 7 >/dev/null
"$kvfs" principal create --name "$me" --uid "$(id -u)" >/dev/null
"$kvfs" role assignment create --assignee "$me" --role "Key Vault Secrets Officer" --scope /vaults/demo >/dev/null
"$kvfs" role assignment create --assignee "$me" --role "Key Vault Crypto Officer" --scope /vaults/demo >/dev/null
printf %s 'correct horse battery staple' | "$kvfs" secret set --vault demo --name db-password --content-type text/plain >/dev/null
printf %s 'sk_live_demo_0123456789' | "$kvfs" secret set --vault demo --name api-key --tags env=demo >/dev/null
"$kvfs" key create --vault demo --name signer --kty EC --curve P-256 >/dev/null
# As root the mount serves every user (allow_other); another user mounts it for itself alone, which needs
# no change to /etc/fuse.conf (docs/mount.md).
if [ "$(id -u)" -eq 0 ]; then "$kvfs" mount "$mnt"; else "$kvfs" mount "$mnt" --private; fi
cat <<TRY

The demo vault is mounted at $mnt (store: $store). You are '$me', a Key Vault Secrets Officer
and Crypto Officer of vault 'demo'. Try:

  ls -l $mnt/demo/secrets
  cat $mnt/demo/secrets/db-password
  getfattr -d $mnt/demo/secrets/db-password
  echo -n rotated > $mnt/demo/secrets/db-password; ls $mnt/demo/secrets/.versions/db-password
  rm $mnt/demo/secrets/api-key; ls $mnt/demo/.deleted/secrets
  mv $mnt/demo/.deleted/secrets/api-key $mnt/demo/secrets/api-key
  cat $mnt/demo/keys/signer/public.pem
  setpriv --reuid=nobody --regid=nogroup --clear-groups cat $mnt/demo/secrets/db-password   # denied
  KVFS_STORE=$store $kvfs audit list --vault demo

Unmount with: $kvfs unmount $mnt
TRY
