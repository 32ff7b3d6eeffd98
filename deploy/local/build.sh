#!/usr/bin/env bash
# deploy/local/build.sh [ninja targets...] — configures (once) and builds with ccache and -j2.
# Warnings are errors (-Wall -Wextra -Werror). BUILD_DIR (default build/) and JOBS (default 2)
# are overridable.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=${BUILD_DIR:-$REPO/build}
JOBS=${JOBS:-2}
if [ ! -f "$BUILD_DIR/build.ninja" ]; then
  cmake -S "$REPO" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAFTERSALES_WERROR=ON >/dev/null
fi
echo "build: ninja -C $BUILD_DIR -j$JOBS $*"
ninja -C "$BUILD_DIR" -j"$JOBS" "$@"
