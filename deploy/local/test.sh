#!/usr/bin/env bash
# deploy/local/test.sh — from a fresh Debian machine to a full test run:
# installs what is missing, builds everything, starts the local Kafka broker, runs every test
# with ctest (unit tests, then the ones against the real broker), and stops the broker again if
# this script started it. ctest's summary is the last thing printed.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"
BUILD_DIR=${BUILD_DIR:-$REPO/build}

echo "== 1/4 dependencies"
deploy/local/install-deps.sh
export PATH="$REPO/.cache/bin:$PATH"

echo "== 2/4 build"
deploy/local/build.sh
# The libFuzzer targets (clang + ASan/UBSan, build-fuzz/) that ctest's fuzz.* tests run.
deploy/local/fuzz.sh build

echo "== 3/4 kafka"
# Tests reach the broker here; KAFKA_PORT moves it (e.g. when another broker has 19092).
export KAFKA_BROKERS=127.0.0.1:${KAFKA_PORT:-19092}
started_broker=0
if ! deploy/local/kafka.sh status >/dev/null 2>&1; then
  deploy/local/kafka.sh start
  started_broker=1
fi
stop_broker() {
  if [ "$started_broker" = 1 ]; then deploy/local/kafka.sh stop >"$BUILD_DIR/kafka-stop.log" 2>&1 || true; fi
}
trap stop_broker EXIT

echo "== 4/4 tests"
ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 --timeout 600 "$@"
