#!/usr/bin/env bash
# Set-up and the whole test suite: engine unit tests and real-mount tests (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"
