#!/usr/bin/env bash
# deploy/local/install-deps.sh — installs what the after-sales platform needs
# to build, test and run locally on Debian 12 (bookworm). Idempotent: every
# step checks first and skips what is already there.
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/../.." && pwd)
BIN_DIR="$REPO/.cache/bin"

APT_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc libprotobuf-dev protobuf-compiler
  librdkafka-dev librocksdb-dev libabsl-dev catch2 kcat nlohmann-json3-dev libicu-dev libssl-dev
  openjdk-17-jre-headless maven
  python3 python3-pip python3-venv curl
  clang libclang-rt-14-dev llvm
)

# Python packages for the analytics-consumer check, in a venv under .cache (Debian's system
# Python refuses pip installs). protobuf 4.21 matches the protoc 3.21 that generates the code.
PY_PACKAGES=(confluent-kafka==2.16.1 protobuf==4.21.12)
VENV_DIR="$REPO/.cache/venv"

# Go tools, built with `go install` into $BIN_DIR. The versions depend on the
# Go toolchain found (checked by building them with each toolchain):
#  - Go >= 1.25 (e.g. /usr/local/go 1.26): grpcurl v1.9.4 (its go.mod needs
#    go 1.25) and ghz v0.121.0 (needs go 1.23).
#  - older Go, down to Debian bookworm's golang-go 1.19: grpcurl v1.8.9 and
#    ghz v0.117.0, the newest that build with 1.19 (grpcurl v1.9.x needs
#    1.21+; ghz v0.120.0 pulls prometheus/common v0.53 which needs 1.20).
#    This pair was also checked to build with Go 1.26.
# GRPCURL_VERSION / GHZ_VERSION in the environment override the choice.
GO_NEW_MIN_MINOR=25
GRPCURL_NEW=v1.9.4 GHZ_NEW=v0.121.0
GRPCURL_OLD=v1.8.9 GHZ_OLD=v0.117.0

usage() {
  cat <<EOF
Usage: deploy/local/install-deps.sh [--skip-go-tools] [--skip-kafka] [-h|--help]

Installs, skipping whatever is already present:
  1. apt packages: ${APT_PACKAGES[*]}
     (apt-get update runs only when something is missing; sudo is used when
     not root)
  2. a Go toolchain: the 'go' on PATH or in /usr/local/go, else apt golang-go
  3. grpcurl and ghz, built with 'go install' into $BIN_DIR
     (Go >= 1.$GO_NEW_MIN_MINOR: grpcurl $GRPCURL_NEW, ghz $GHZ_NEW; older Go such as
     bookworm's 1.19: grpcurl $GRPCURL_OLD, ghz $GHZ_OLD; override with
     GRPCURL_VERSION / GHZ_VERSION)
  4. the Apache Kafka jars (deploy/local/kafka.sh fetch)

Options:
  --skip-go-tools  skip steps 2 and 3
  --skip-kafka     skip step 4
EOF
}

say() { printf 'install-deps: %s\n' "$*"; }
die() {
  printf 'install-deps: ERROR: %s\n' "$*" >&2
  exit 1
}
now_ms() { date +%s%3N; }
elapsed() {
  local d=$(($(now_ms) - $1))
  printf '%d.%02ds' $((d / 1000)) $((d % 1000 / 10))
}

SKIP_GO=0 SKIP_KAFKA=0
while (($#)); do
  case $1 in
  -h | --help)
    usage
    exit 0
    ;;
  --skip-go-tools) SKIP_GO=1 ;;
  --skip-kafka) SKIP_KAFKA=1 ;;
  *)
    usage >&2
    die "unknown argument: $1"
    ;;
  esac
  shift
done

[[ -r /etc/debian_version ]] || die "this script is for Debian (bookworm); install the packages listed in --help by hand"
command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: not a Debian system?"

SUDO=() # set by apt_install: only installing needs root

# Prints the packages of "$@" that are not installed.
missing_packages() {
  local installed p
  installed=$(dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' "$@" 2>/dev/null | awk '$1 == "ii" { print $2 }' || true)
  for p in "$@"; do
    grep -qxF "$p" <<<"$installed" || echo "$p"
  done
}

wait_for_other_apt() {
  local t0 pids n
  t0=$(now_ms)
  # (pgrep matches at most 15 characters of a name: one name a call.)
  while pids=$(for n in apt-get apt dpkg unattended-upgr; do pgrep -x "$n" || true; done | paste -sd ' ') &&
    [[ -n $pids ]]; do
    (($(now_ms) - t0 < 900000)) || die "another apt/dpkg process (pid $pids) is still running after 15 min"
    say "waiting for another apt/dpkg process (pid $pids) to finish ..."
    sleep 5
  done
}

APT_UPDATED=0
apt_install() { # packages...
  if ((EUID != 0)); then
    command -v sudo >/dev/null 2>&1 ||
      die "need root to install $*: run as root, or install sudo"
    SUDO=(sudo)
  fi
  wait_for_other_apt
  local log="$REPO/.cache/apt-install.log"
  mkdir -p "$REPO/.cache"
  if ((!APT_UPDATED)); then
    "${SUDO[@]}" apt-get update -q >"$log" 2>&1 || {
      tail -n 20 "$log" >&2
      die "apt-get update failed (log $log)"
    }
    APT_UPDATED=1
  fi
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    -o DPkg::Lock::Timeout=600 "$@" >>"$log" 2>&1 || {
    tail -n 30 "$log" >&2
    die "apt-get install $* failed (log $log)"
  }
}

# ---------------------------------------------------------------- 1. apt
step_apt() {
  local t0 missing
  t0=$(now_ms)
  mapfile -t missing < <(missing_packages "${APT_PACKAGES[@]}")
  if ((${#missing[@]} == 0)); then
    say "[apt] all ${#APT_PACKAGES[@]} packages present"
    return 0
  fi
  say "[apt] installing ${#missing[@]} missing package(s): ${missing[*]} ..."
  apt_install "${missing[@]}"
  mapfile -t missing < <(missing_packages "${APT_PACKAGES[@]}")
  ((${#missing[@]} == 0)) || die "still missing after apt-get install: ${missing[*]}"
  say "[apt] installed ($(elapsed "$t0"))"
}

# ----------------------------------------------------------------- 2. go
GO=""
find_go() {
  local g
  if g=$(command -v go 2>/dev/null); then
    GO=$g
    return 0
  fi
  # Not on PATH: the usual install places (upstream tarball, Debian packages).
  for g in /usr/local/go/bin/go /usr/lib/go/bin/go $(printf '%s\n' /usr/lib/go-1.*/bin/go | sort -V -r); do
    if [[ -x $g ]]; then
      GO=$g
      return 0
    fi
  done
  return 1
}

GO_MINOR=0
step_go() {
  local t0 v
  t0=$(now_ms)
  if ! find_go; then
    say "[go] no Go toolchain found; installing Debian's golang-go ..."
    apt_install golang-go
    find_go || die "go still not found after apt-get install golang-go"
  fi
  v=$(GOTOOLCHAIN=local "$GO" env GOVERSION 2>/dev/null) || v=$("$GO" version | awk '{print $3}')
  [[ $v =~ ^go1\.([0-9]+) ]] || die "cannot tell the version of $GO (got '$v')"
  GO_MINOR=${BASH_REMATCH[1]}
  say "[go] using $GO ($v)"
}

# --------------------------------------------------------- 3. grpcurl, ghz
# go_tool NAME MODULE PACKAGE VERSION
go_tool() {
  local name=$1 module=$2 pkg=$3 version=$4 bin="$BIN_DIR/$1" t0 log
  if [[ -x $bin ]] && "$GO" version -m "$bin" 2>/dev/null |
    awk -v m="$module" -v v="$version" '$1 == "mod" && $2 == m && $3 == v { f = 1 } END { exit !f }'; then
    say "[$name] $version present in $BIN_DIR"
    return 0
  fi
  t0=$(now_ms)
  log="$REPO/.cache/go-install-$name.log"
  mkdir -p "$BIN_DIR"
  say "[$name] building $pkg@$version with go install (takes a minute or two) ..."
  # GOTOOLCHAIN=local: never download another Go toolchain (older go ignores it).
  if ! GOBIN="$BIN_DIR" GOTOOLCHAIN=local "$GO" install "$pkg@$version" >"$log" 2>&1; then
    tail -n 30 "$log" >&2
    die "go install $pkg@$version failed (log $log)"
  fi
  say "[$name] $version installed in $BIN_DIR ($(elapsed "$t0"))"
}

step_go_tools() {
  local grpcurl_v ghz_v
  if ((GO_MINOR >= GO_NEW_MIN_MINOR)); then
    grpcurl_v=${GRPCURL_VERSION:-$GRPCURL_NEW} ghz_v=${GHZ_VERSION:-$GHZ_NEW}
  else
    grpcurl_v=${GRPCURL_VERSION:-$GRPCURL_OLD} ghz_v=${GHZ_VERSION:-$GHZ_OLD}
  fi
  go_tool grpcurl github.com/fullstorydev/grpcurl github.com/fullstorydev/grpcurl/cmd/grpcurl "$grpcurl_v"
  go_tool ghz github.com/bojand/ghz github.com/bojand/ghz/cmd/ghz "$ghz_v"
}

# -------------------------------------------------------------- 4. kafka
step_kafka() {
  local out
  out=$("$SCRIPT_DIR/kafka.sh" fetch) || die "kafka.sh fetch failed"
  # kafka.sh prints "kafka: fetch: ..." lines; keep the last one as this step's line.
  say "[kafka] ${out##*fetch: }"
}

# -------------------------------------------------------------- 5. python venv
step_python() {
  local marker="$VENV_DIR/.installed-$(echo "${PY_PACKAGES[*]}" | tr ' =' '_-')"
  if [ -f "$marker" ]; then
    say "[python] ${PY_PACKAGES[*]} present in $VENV_DIR"
    return
  fi
  python3 -m venv "$VENV_DIR" || die "python3 -m venv failed (apt package python3-venv?)"
  "$VENV_DIR/bin/pip" install -q "${PY_PACKAGES[@]}" || die "pip install ${PY_PACKAGES[*]} failed"
  touch "$marker"
  say "[python] installed ${PY_PACKAGES[*]} in $VENV_DIR"
}

T0=$(now_ms)
step_apt
step_python
if ((!SKIP_GO)); then
  step_go
  step_go_tools
fi
((SKIP_KAFKA)) || step_kafka
if ((SKIP_GO)); then
  say "done in $(elapsed "$T0")"
else
  say "done in $(elapsed "$T0"); grpcurl and ghz are in $BIN_DIR (export PATH=\"$BIN_DIR:\$PATH\")"
fi
