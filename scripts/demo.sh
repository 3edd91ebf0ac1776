#!/usr/bin/env bash
# kvfs's main job on an embedded default: a demo store with one vault, principals bound to you, a few
# secrets, read back through the command line.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --product kvfs
kvfs="$PWD/.build/debug/kvfs"
store=${KVFS_DEMO_STORE:-/tmp/kvfs-demo/store}
rm -rf "$store"
mkdir -p "$(dirname "$store")"
export KVFS_STORE="$store"
me=$(id -un)
$kvfs init >/dev/null
$kvfs vault create --name demo --retention-days 7 >/dev/null
$kvfs principal create --name "$me" --uid "$(id -u)" >/dev/null
$kvfs role assignment create --assignee "$me" --role "Key Vault Secrets Officer" --scope /vaults/demo >/dev/null
printf %s 'correct horse battery staple' | $kvfs secret set --vault demo --name db-password --content-type text/plain >/dev/null
printf %s 'sk_live_demo_0123456789' | $kvfs secret set --vault demo --name api-key --tags env=demo >/dev/null
echo "Demo store at $store (vault 'demo'; you are '$me', a Key Vault Secrets Officer)."
echo "\$ kvfs secret show --vault demo --name db-password"
$kvfs secret show --vault demo --name db-password; echo
echo "\$ kvfs secret list --vault demo"
$kvfs secret list --vault demo
echo "Try: export KVFS_STORE=$store; $kvfs secret --help; $kvfs audit list"
