#!/usr/bin/env bash
# bench/run.sh [ticket_bench flags] — build the bench and the binaries it runs, make sure the
# local broker is up, run the bench. E.g. bench/run.sh --seconds 5 --clients 16; the flags and
# the phases: bench/run.sh --help (or bench/README.md).
#
# Environment: BUILD_DIR (default build), JOBS (ninja -j, default 1: leaves a core to others),
# KAFKA_BROKERS (default 127.0.0.1:19092; a non-local broker is not started, only used).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
JOBS=${JOBS:-1}

if [[ ! -f $BUILD_DIR/build.ninja ]]; then
  cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DAFTERSALES_WERROR=ON
fi
ninja -C "$BUILD_DIR" -j"$JOBS" ticket_bench ticket refund logistics store_dump

# The local broker listens on 127.0.0.1:$KAFKA_PORT; start it (idempotent) unless the bench
# was pointed elsewhere.
case ${KAFKA_BROKERS:-127.0.0.1:19092} in
127.0.0.1:* | localhost:*) "$REPO/deploy/local/kafka.sh" start ;;
esac

# exec: Ctrl-C reaches the bench directly, which then stops its child and cleans up.
exec "$BUILD_DIR/bench/ticket_bench" "$@"
