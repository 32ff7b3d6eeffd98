#!/usr/bin/env bash
# deploy/local/fuzz.sh — the ticket, refund and customer-service libFuzzer targets (tests/fuzz): build them
# with clang + ASan/UBSan in build-fuzz/, run them for a bounded time, report crashes.
set -euo pipefail
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
FUZZ_BUILD_DIR=${FUZZ_BUILD_DIR:-$REPO/build-fuzz}
JOBS=${JOBS:-2}
TARGETS_FILE=$REPO/tests/fuzz/targets.txt
BIN_DIR=$FUZZ_BUILD_DIR/tests/fuzz
SEEDS_DIR=$BIN_DIR/seeds
FINDINGS_DIR=${FUZZ_FINDINGS_DIR:-$FUZZ_BUILD_DIR/fuzz-findings}
DEFAULT_SECONDS=20

usage() {
  cat <<EOF
Usage: deploy/local/fuzz.sh COMMAND [ARGS]

  build                 configure $FUZZ_BUILD_DIR once (clang++, -DAFTERSALES_FUZZ=ON: ASan + UBSan,
                        libFuzzer), build only the fuzz targets (ninja -j\$JOBS, default 2) and write
                        their seed corpus to $SEEDS_DIR
  run [--seconds N | --runs N] [TARGET...] [-- LIBFUZZER_FLAGS...]
                        run each TARGET (default: all) on a temp copy of its seeds, for N seconds
                        (default $DEFAULT_SECONDS) or N inputs; prints inputs, exec/s and time per target
                        and a summary line. Exits 1 if any target crashed, hung, leaked or failed
                        an invariant; the input and log are kept in $FINDINGS_DIR/
  list                  the targets (fuzz_ticket_<name>, fuzz_refund_<name>, fuzz_customer_service_<name>; TARGET may also be
                        ticket_<name> or, if unique, the bare <name>)
  -h, --help            this text

Environment: FUZZ_BUILD_DIR (default build-fuzz/), JOBS (build parallelism), FUZZ_FINDINGS_DIR,
ASAN_OPTIONS / UBSAN_OPTIONS (added to the defaults). Reproduce a finding with
  $BIN_DIR/<target> <finding dir>/crash-...
EOF
}

say() { printf 'fuzz: %s\n' "$*"; }
die() {
  printf 'fuzz: ERROR: %s\n' "$*" >&2
  exit 2
}

all_targets() { grep -E '^[A-Za-z]' "$TARGETS_FILE" | sed 's/^/fuzz_/'; }

# fuzz_<service>_<name> -> its seeds, $SEEDS_DIR/<service>/<name>
seeds_of() {
  local s=${1#fuzz_}
  echo "$SEEDS_DIR/${s%_*}/${s##*_}"
}

# fuzz_<service>_<name> for a target given as that, <service>_<name> or a unique <name>; dies on an
# unknown or ambiguous one.
resolve_target() {
  local t=$1 all matches
  all=$(all_targets)
  if grep -qxF "$t" <<<"$all"; then echo "$t"; return; fi
  if grep -qxF "fuzz_$t" <<<"$all"; then echo "fuzz_$t"; return; fi
  matches=$(grep -E "^fuzz_[a-z_]+_$t\$" <<<"$all" || true)
  [[ -n $matches ]] || die "unknown target '$1' (deploy/local/fuzz.sh list)"
  (($(wc -l <<<"$matches") == 1)) || die "'$1' names more than one target: $(echo $matches) (give <service>_$1)"
  echo "$matches"
}

cmd_build() {
  command -v clang++ >/dev/null 2>&1 ||
    die "clang++ not found: run deploy/local/install-deps.sh (apt: clang libclang-rt-14-dev llvm)"
  local t0=$SECONDS
  if [[ ! -f $FUZZ_BUILD_DIR/build.ninja ]]; then
    say "configuring $FUZZ_BUILD_DIR (clang++, AFTERSALES_FUZZ=ON)"
    # -O2 -g without -DNDEBUG: the debug checks of protobuf's and Abseil's headers stay on.
    # ccache is picked up by the top-level CMakeLists.txt when installed.
    CC=clang CXX=clang++ cmake -S "$REPO" -B "$FUZZ_BUILD_DIR" -G Ninja \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O2 -g" \
      -DCMAKE_CXX_COMPILER=clang++ -DAFTERSALES_FUZZ=ON >"$FUZZ_BUILD_DIR.configure.log" 2>&1 || {
      tail -n 30 "$FUZZ_BUILD_DIR.configure.log" >&2
      die "cmake configure failed (log $FUZZ_BUILD_DIR.configure.log)"
    }
    mv "$FUZZ_BUILD_DIR.configure.log" "$FUZZ_BUILD_DIR/configure.log"
  fi
  say "build: ninja -C $FUZZ_BUILD_DIR -j$JOBS fuzz"
  ninja -C "$FUZZ_BUILD_DIR" -j"$JOBS" fuzz
  rm -rf "$SEEDS_DIR"
  "$BIN_DIR/fuzz_ticket_seeds" "$SEEDS_DIR/ticket" >/dev/null
  "$BIN_DIR/fuzz_refund_seeds" "$SEEDS_DIR/refund" >/dev/null
  "$BIN_DIR/fuzz_customer_service_seeds" "$SEEDS_DIR/customer_service" >/dev/null
  say "built $(all_targets | wc -l) targets and their seeds ($(find "$SEEDS_DIR" -type f | wc -l) files) in $((SECONDS - t0)) s"
}

cmd_list() { all_targets; }

# "1234567" -> "1,234,567"
commas() { sed -E ':a; s/^([0-9]+)([0-9]{3})/\1,\2/; ta' <<<"$1"; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

WORK=""
cleanup() { [[ -z $WORK || ! -d $WORK ]] || rm -rf "$WORK"; }
trap cleanup EXIT

cmd_run() {
  local mode=time amount=$DEFAULT_SECONDS targets=() extra=()
  while (($#)); do
    case $1 in
    --seconds | --runs)
      [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || die "$1 needs a positive whole number"
      mode=${1#--} amount=$2
      [[ $mode == seconds ]] && mode=time
      shift
      ;;
    --) shift; extra=("$@"); break ;;
    -h | --help) usage; exit 0 ;;
    -*) die "unknown option $1 (deploy/local/fuzz.sh --help)" ;;
    *) targets+=("$(resolve_target "$1")") ;;
    esac
    shift
  done
  ((${#targets[@]})) || mapfile -t targets < <(all_targets)
  if [[ ! -d $BIN_DIR || ! -d $SEEDS_DIR ]]; then
    die "no fuzz build in $FUZZ_BUILD_DIR: run deploy/local/fuzz.sh build first"
  fi
  local t
  for t in "${targets[@]}"; do
    [[ -x $BIN_DIR/$t ]] || die "$t is not built ($BIN_DIR/$t missing): run deploy/local/fuzz.sh build first"
    [[ -d $(seeds_of "$t") ]] || die "no seeds for $t in $SEEDS_DIR: run deploy/local/fuzz.sh build first"
  done

  local limit
  if [[ $mode == time ]]; then limit=(-max_total_time="$amount"); else limit=(-runs="$amount"); fi
  local symbolizer
  symbolizer=$(command -v llvm-symbolizer || true)
  export ASAN_OPTIONS="detect_leaks=1:check_initialization_order=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
  [[ -z $symbolizer ]] || export ASAN_SYMBOLIZER_PATH=$symbolizer
  say "running ${#targets[@]} target(s), $( [[ $mode == time ]] && echo "$amount s" || echo "$(commas "$amount") inputs") each"

  local failed=() total_units=0 t_all
  t_all=$(now)
  for t in "${targets[@]}"; do
    WORK=$(mktemp -d "${TMPDIR:-/tmp}/$t.XXXXXX")
    mkdir "$WORK/corpus"
    cp "$(seeds_of "$t")"/* "$WORK/corpus/"
    local seeds t0 secs rc=0
    seeds=$(find "$WORK/corpus" -type f | wc -l)
    t0=$(now)
    "$BIN_DIR/$t" -print_final_stats=1 -rss_limit_mb=2048 -timeout=10 "${limit[@]}" \
      -artifact_prefix="$WORK/" "${extra[@]}" "$WORK/corpus" >"$WORK/fuzz.log" 2>&1 || rc=$?
    secs=$(since "$t0")
    local units eps cov corpus artifacts
    units=$(sed -n 's/^stat::number_of_executed_units: *//p' "$WORK/fuzz.log" | tail -n1)
    eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$WORK/fuzz.log" | tail -n1)
    cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$WORK/fuzz.log" | tail -n1 || true)
    corpus=$(find "$WORK/corpus" -type f | wc -l)
    artifacts=$(find "$WORK" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort)
    local bad=0
    if ((rc != 0)) || [[ -n $artifacts ]] || [[ -z $units ]] ||
      grep -qE '^==[0-9]+==ERROR|runtime error:|==(ticket|refund|cs)-fuzz== INVARIANT|^SUMMARY: ' "$WORK/fuzz.log"; then
      bad=1
    fi
    total_units=$((total_units + ${units:-0}))
    if ((!bad)); then
      printf 'fuzz: %-42s ok       %12s inputs  %7s s  %8s exec/s  (%s; corpus %d -> %d)\n' \
        "$t" "$(commas "$units")" "$secs" "$(commas "${eps:-0}")" "${cov:-cov: ?}" "$seeds" "$corpus"
      rm -rf "$WORK"
      WORK=""
      continue
    fi
    failed+=("$t")
    mkdir -p "$FINDINGS_DIR"
    local keep
    keep="$FINDINGS_DIR/$t-$(date +%Y%m%d-%H%M%S)"
    rm -rf "$WORK/corpus"
    mv "$WORK" "$keep"
    WORK=""
    printf 'fuzz: %-42s CRASHED  %12s inputs  %7s s  (exit %d)\n' "$t" "$(commas "${units:-0}")" "$secs" "$rc"
    # The report's first lines and the first frames outside libFuzzer and libc.
    { grep -E 'ERROR|runtime error:|==(ticket|refund|cs)-fuzz==|^SUMMARY: |deadly signal|out-of-memory' "$keep/fuzz.log" | head -n 6
      grep -E '^ +#[0-9]+ ' "$keep/fuzz.log" | grep -vE ' in (fuzzer::|__libc_start|_start|main )' | head -n 8
    } | cut -c1-200 | sed 's/^/fuzz:   | /' || true
    local a
    for a in $(find "$keep" -maxdepth 1 -type f \( -name 'crash-*' -o -name 'leak-*' -o -name 'timeout-*' -o -name 'oom-*' \) | sort); do
      say "  input kept: $a"
      say "  reproduce:  $BIN_DIR/$t $a"
    done
    say "  log:        $keep/fuzz.log"
  done
  local n=${#targets[@]} nf=${#failed[@]}
  say "summary: $n target(s), $((n - nf)) ok, $nf crashed$( ((nf)) && echo " (${failed[*]})"); $(commas "$total_units") inputs in $(since "$t_all") s"
  ((nf == 0)) || exit 1
}

case ${1:-} in
build) shift; cmd_build "$@" ;;
run) shift; cmd_run "$@" ;;
list) shift; cmd_list ;;
-h | --help | help) usage ;;
"") usage >&2; exit 2 ;;
*) usage >&2; die "unknown command '$1'" ;;
esac
