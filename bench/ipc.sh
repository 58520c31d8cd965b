#!/usr/bin/env bash
# bench/ipc.sh: parent/child IPC benchmark, coronet vs. Node.js vs. a bare socketpair in C.
#
# Every pair runs the same protocol: the parent sends {"seq":N,"data":"hello"}, the child
# echoes it, the parent checks the order. Two modes: roundtrip (one message in flight) and
# pipelined (--window messages in flight). Pairs:
#   coronet   ipc-bench parent  forking  ipc-bench child
#   node      ipc_node_parent.js forking ipc_node_child.js (child_process.fork)
#   floor     ipc-socketpair: fork() + blocking read/write, no event loop, no JSON
# plus the mixed pairs (coronet parent + Node child, Node parent + coronet child) with --mixed.
# Each run is repeated --repeat times and the median is reported. --tsv also writes the medians
# as tab-separated values (bench/run-all.sh reads those). See bench/README.md.
#
# Exit status: 0 when every run completed, 1 on harness errors, 2 on bad flags.
set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)

BUILD=build
MESSAGES=100000
PIPELINED_MESSAGES=500000
WARMUP=10000
WINDOW=128
REPEAT=3
MIXED=0
PIN=0
TSV=

usage() {
  cat <<USAGE
usage: bench/ipc.sh [options]

  --build-dir DIR        CMake build directory (default: build; relative paths are tried in
                         the current directory, then the repo root)
  --messages N           measured round trips (default: $MESSAGES)
  --pipelined-messages N measured pipelined messages (default: $PIPELINED_MESSAGES)
  --warmup W             messages before the clock starts (default: $WARMUP)
  --window K             messages in flight when pipelined (default: $WINDOW)
  --repeat R             runs per measurement; the median is reported (default: $REPEAT)
  --mixed                also run coronet parent + Node child and Node parent + coronet child
  --pin                  parent on CPU 0, child on CPU 1 (default: where the kernel puts them;
                         a ping-pong across CPUs pays a cross-CPU wake-up per message)
  --tsv FILE             also write the medians as tab-separated values to FILE
  -h, --help             show this help

Binaries: DIR/bench/ipc-bench, DIR/bench/ipc-socketpair; Node: bench/peers/ipc_node_*.js
(skipped with a note when node is not on PATH). Build with -DCMAKE_BUILD_TYPE=Release.
USAGE
}
usage_error() { echo "ipc.sh: $*" >&2; usage >&2; exit 2; }
note() { echo "ipc.sh: $*" >&2; }

while (($#)); do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --build-dir) BUILD=${2:?}; shift 2 ;;
    --messages) MESSAGES=${2:?}; shift 2 ;;
    --pipelined-messages) PIPELINED_MESSAGES=${2:?}; shift 2 ;;
    --warmup) WARMUP=${2:?}; shift 2 ;;
    --window) WINDOW=${2:?}; shift 2 ;;
    --repeat) REPEAT=${2:?}; shift 2 ;;
    --mixed) MIXED=1; shift ;;
    --pin) PIN=1; shift ;;
    --tsv) TSV=${2:?}; shift 2 ;;
    *) usage_error "unknown option '$1'" ;;
  esac
done
for n in "$MESSAGES" "$PIPELINED_MESSAGES" "$WARMUP" "$WINDOW" "$REPEAT"; do
  [[ $n =~ ^[1-9][0-9]*$ ]] || usage_error "not a positive number: '$n'"
done
[[ -z $TSV ]] || touch "$TSV" 2>/dev/null || usage_error "cannot write --tsv file '$TSV'"
[[ -d $BUILD ]] || BUILD=$REPO/$BUILD
CORONET=$BUILD/bench/ipc-bench
FLOOR=$BUILD/bench/ipc-socketpair
for b in "$CORONET" "$FLOOR"; do
  [[ -x $b ]] || { note "missing $b (build the bench targets)"; exit 1; }
done
NODE=$(command -v node || true)
[[ -n $NODE ]] || note "node is not on PATH: the Node pairs are skipped"
NODE_PARENT=$SCRIPT_DIR/peers/ipc_node_parent.js
NODE_CHILD=$SCRIPT_DIR/peers/ipc_node_child.js

# With --pin (and two CPUs): parent on CPU 0, child on CPU 1, for every pair alike. The child
# is pinned through its command line (taskset keeps fd 3 and the environment, so the channel
# reaches the child); the C floor pins its fork()ed child itself.
CPUS=$(nproc)
((PIN && CPUS < 2)) && { note "one CPU: --pin ignored"; PIN=0; }
pin() { if ((PIN)); then taskset -c "$1" "${@:2}"; else "${@:2}"; fi; }
CHILD_PIN=()
FLOOR_CPU=-1
if ((PIN)); then
  CHILD_PIN=("$(command -v taskset)" -c 1)
  FLOOR_CPU=1
fi

# run_pair PAIR MODE: prints msgs/s (the median of REPEAT runs).
run_pair() {
  local pair=$1 mode=$2 n=$MESSAGES rates=() line rate
  [[ $mode == pipelined ]] && n=$PIPELINED_MESSAGES
  for ((i = 0; i < REPEAT; i++)); do
    case $pair in
      coronet) line=$(pin 0 "$CORONET" parent --mode "$mode" --messages "$n" --warmup "$WARMUP" \
                        --window "$WINDOW" -- "${CHILD_PIN[@]}" "$CORONET" child) ;;
      # The Node parent forks with execPath = the first word: `taskset -c 1 node child.js`.
      node) line=$(pin 0 "$NODE" "$NODE_PARENT" "$mode" "$n" "$WARMUP" "$WINDOW" \
                     "${CHILD_PIN[@]}" "$NODE" "$NODE_CHILD") ;;
      coronet+node) line=$(pin 0 "$CORONET" parent --mode "$mode" --messages "$n" \
                             --warmup "$WARMUP" --window "$WINDOW" -- "${CHILD_PIN[@]}" "$NODE" \
                             "$NODE_CHILD") ;;
      node+coronet) line=$(pin 0 "$NODE" "$NODE_PARENT" "$mode" "$n" "$WARMUP" "$WINDOW" \
                             "${CHILD_PIN[@]}" "$CORONET" child) ;;
      floor) line=$(pin 0 "$FLOOR" "$mode" "$n" "$WARMUP" "$WINDOW" "$FLOOR_CPU") ;;
    esac || { note "$pair $mode failed"; return 1; }
    rate=$(sed -n 's/.*msgs_per_sec=\([0-9]*\).*/\1/p' <<<"$line")
    [[ -n $rate ]] || { note "$pair $mode: unexpected output '$line'"; return 1; }
    rates+=("$rate")
  done
  printf '%s\n' "${rates[@]}" | sort -n | sed -n "$(((REPEAT + 1) / 2))p"
}

pairs=(floor coronet)
[[ -n $NODE ]] && pairs+=(node)
[[ -n $NODE && $MIXED == 1 ]] && pairs+=(coronet+node node+coronet)

echo "ipc benchmark: $(uname -r), $CPUS CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
     "$( ((PIN)) && echo "parent on CPU 0, child on CPU 1" || echo "unpinned")"
echo "roundtrip: $MESSAGES messages; pipelined: $PIPELINED_MESSAGES messages, window $WINDOW;" \
     "warmup $WARMUP; median of $REPEAT"
declare -A result
status=0
for pair in "${pairs[@]}"; do
  for mode in roundtrip pipelined; do
    if r=$(run_pair "$pair" "$mode"); then result[$pair,$mode]=$r; else result[$pair,$mode]=-; status=1; fi
  done
done

printf '\n%-14s %14s %14s\n' pair "roundtrip/s" "pipelined/s"
for pair in "${pairs[@]}"; do
  printf '%-14s %14s %14s\n' "$pair" "${result[$pair,roundtrip]}" "${result[$pair,pipelined]}"
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || b == 0) print "-"; else printf "%.2f", a / b }'; }
echo
echo "coronet roundtrip / floor roundtrip:   $(ratio "${result[coronet,roundtrip]}" "${result[floor,roundtrip]}")  (target >= 0.90)"
echo "coronet pipelined / floor pipelined:   $(ratio "${result[coronet,pipelined]}" "${result[floor,pipelined]}")"
if [[ -n $TSV ]]; then
  {
    printf 'pair\troundtrip_per_sec\tpipelined_per_sec\n'
    for pair in "${pairs[@]}"; do
      printf '%s\t%s\t%s\n' "$pair" "${result[$pair,roundtrip]}" "${result[$pair,pipelined]}"
    done
  } >"$TSV"
fi
if [[ -n $NODE ]]; then
  echo "coronet roundtrip / node roundtrip:    $(ratio "${result[coronet,roundtrip]}" "${result[node,roundtrip]}")"
  echo "coronet pipelined / node pipelined:    $(ratio "${result[coronet,pipelined]}" "${result[node,pipelined]}")  (target >= 5)"
fi
exit $status
