#!/usr/bin/env bash
# deploy/local/down.sh — stops what up.sh started (the five services, then Kafka). Data stays in
# .cache/ (the topics in .cache/kafka-data, the projection in .cache/run); `--wipe` deletes both.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
RUN_DIR=$REPO/.cache/run
for name in arbitration customer-service logistics refund ticket; do
  if [ -f "$RUN_DIR/$name.pid" ] && kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; then
    kill "$(cat "$RUN_DIR/$name.pid")"
    while kill -0 "$(cat "$RUN_DIR/$name.pid")" 2>/dev/null; do sleep 0.2; done
    echo "$name: stopped"
  fi
  rm -f "$RUN_DIR/$name.pid"
done
if [ "${1:-}" = "--wipe" ]; then
  "$REPO/deploy/local/kafka.sh" reset
  rm -rf "$RUN_DIR"
else
  "$REPO/deploy/local/kafka.sh" stop
fi
