#!/usr/bin/env bash
# bench/bulk.sh: bulk transfer over one TCP loopback connection, coronet vs. bare blocking C.
#
# --repeat times, for every sender:receiver pair in turn: start the receiver pinned to the second
# CPU (it listens on a free port on 127.0.0.1 and says which), start the sender pinned to the
# first CPU for --duration seconds of 1 MiB writes, wait for both and read their result lines
# (bytes, seconds, own CPU time). The receiver's bytes over its seconds (first byte to end of
# stream) is the throughput; the median run is reported, with each side's CPU time per GiB. Then
# the ratios to the bare C pair. --tsv also writes the rows as tab-separated values
# (bench/run-all.sh reads those). See bench/README.md.
#
#   c        DIR/bench/bulk-pair      blocking send/recv
#   coronet  DIR/bench/bulk-coronet   stream::write_all / stream::read_some, its own coronet::run
#
# Exit status: 0 when every run completed, 1 on harness errors (a program missing or failing),
# 2 on bad flags.

set -uo pipefail

BUILD=build
DURATION=5
REPEAT=3
PAIRS=c:c,coronet:coronet,c:coronet,coronet:c
TSV=

usage() {
  cat <<EOF
usage: bench/bulk.sh [options]

  --build-dir DIR      CMake build directory (default: build; relative paths
                       are tried in the current directory, then the repo root)
  --duration T         seconds each sender sends (default: 5)
  --repeat R           runs per pair; the median throughput is reported (default: 3)
  --pairs LIST         comma list of SENDER:RECEIVER, each c or coronet
                       (default: c:c,coronet:coronet,c:coronet,coronet:c)
  --tsv FILE           also write the results as tab-separated values to FILE
  -h, --help           show this help

Binaries: DIR/bench/bulk-pair (c) and DIR/bench/bulk-coronet (coronet).
EOF
}

usage_error() {
  echo "bulk.sh: $*" >&2
  usage >&2
  exit 2
}

note() { echo "bulk.sh: $*" >&2; }
# shellcheck source=bench/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# --- command line -----------------------------------------------------------

while (($#)); do
  case $1 in
    -h | --help)
      usage
      exit 0
      ;;
    --*=*)
      opt=${1%%=*}
      val=${1#*=}
      shift
      ;;
    --*)
      opt=$1
      (($# >= 2)) || usage_error "option $opt requires a value"
      val=$2
      shift 2
      ;;
    *) usage_error "unexpected argument '$1'" ;;
  esac
  case $opt in
    --build-dir) BUILD=$val ;;
    --duration) DURATION=$val ;;
    --repeat) REPEAT=$val ;;
    --pairs) PAIRS=$val ;;
    --tsv) TSV=$val ;;
    *) usage_error "unknown option '$opt'" ;;
  esac
done

if ! [[ $DURATION =~ ^[0-9]+([.][0-9]+)?$ ]] || ! awk -v d="$DURATION" 'BEGIN { exit !(d > 0 && d <= 3600) }'; then
  usage_error "invalid --duration '$DURATION'"
fi
if ! is_uint "$REPEAT" || ((10#$REPEAT == 0 || 10#$REPEAT > 99)); then usage_error "invalid --repeat '$REPEAT'"; fi
REPEAT=$((10#$REPEAT))
IFS=, read -ra PAIR_LIST <<<"$PAIRS"
((${#PAIR_LIST[@]} > 0)) || usage_error "empty --pairs"
for p in "${PAIR_LIST[@]}"; do
  [[ $p =~ ^(c|coronet):(c|coronet)$ ]] || usage_error "invalid pair '$p' in --pairs (SENDER:RECEIVER, each c or coronet)"
done
[[ -z $TSV ]] || touch "$TSV" 2>/dev/null || usage_error "cannot write --tsv file '$TSV'"

# --- environment ------------------------------------------------------------

resolve_build_dir "$BUILD"
declare -A BIN=([c]=$BUILD/bench/bulk-pair [coronet]=$BUILD/bench/bulk-coronet)
for p in "${PAIR_LIST[@]}"; do
  for side in "${p%%:*}" "${p#*:}"; do
    if [[ ! -x ${BIN[$side]} ]]; then
      note "error: ${BIN[$side]} not found; configure with -DCORONET_BUILD_BENCH=ON and build it"
      exit 1
    fi
  done
done
warn_unless_optimized "$BUILD" "coronet's numbers are"
pin_two_cpus "receiver" "sender" "receiver"
SEND_PIN=("${SERVER_PIN[@]}")
RECV_PIN=("${LOAD_PIN[@]}")

TMP_DIR=$(mktemp -d /tmp/coronet-bulk-bench.XXXXXX) || { note "error: mktemp failed"; exit 1; }
SEND_PID=
RECV_PID=

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
  local pid
  for pid in "$SEND_PID" "$RECV_PID"; do
    if [[ -n $pid ]]; then
      disown "$pid" 2>/dev/null # no "Killed" job notice
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  rm -rf "$TMP_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- one run ----------------------------------------------------------------

# key=value of a result line.
field() { # line key
  local pair
  for pair in $1; do
    [[ ${pair%%=*} == "$2" ]] && { echo "${pair#*=}"; return 0; }
  done
  echo 0
}

# Waits up to TIMEOUT seconds for PID to exit; kills it after that. Returns its exit status.
wait_bounded() { # pid timeout_s
  local i
  for ((i = 0; i < $2 * 100; i++)); do
    proc_alive "$1" || break
    sleep 0.01
  done
  proc_alive "$1" && kill -KILL "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

# Sets RUN_RECV and RUN_SEND (the two result lines), or returns 1 after a harness error.
run_once() { # sender receiver label
  local sender=$1 receiver=$2 label=$3 port i status
  local recv_out=$TMP_DIR/recv.out recv_err=$TMP_DIR/recv.err
  local send_out=$TMP_DIR/send.out send_err=$TMP_DIR/send.err
  : >"$recv_out"
  "${RECV_PIN[@]}" "${BIN[$receiver]}" recv --port 0 </dev/null >"$recv_out" 2>"$recv_err" &
  RECV_PID=$!
  port=
  for ((i = 0; i < 1000; i++)); do # up to 10 s
    port=$(sed -n 's/^listening 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$recv_out")
    [[ -n $port ]] && break
    proc_alive "$RECV_PID" || break
    sleep 0.01
  done
  if [[ -z $port ]]; then
    harness_error "$label: the receiver did not start listening"
    show_log "$recv_err" receiver
    kill -KILL "$RECV_PID" 2>/dev/null
    wait "$RECV_PID" 2>/dev/null
    RECV_PID=
    return 1
  fi

  "${SEND_PIN[@]}" "${BIN[$sender]}" send --port "$port" --duration "$DURATION" \
    </dev/null >"$send_out" 2>"$send_err" &
  SEND_PID=$!
  wait "$SEND_PID"
  status=$?
  SEND_PID=
  # The receiver drains what is still buffered, then sees end of stream.
  wait_bounded "$RECV_PID" 10
  local recv_status=$?
  RECV_PID=
  if ((status != 0 || recv_status != 0)); then
    harness_error "$label: sender exited with $status, receiver with $recv_status"
    show_log "$send_err" sender
    show_log "$recv_err" receiver
    return 1
  fi
  RUN_SEND=$(grep -m1 '^role=send ' "$send_out")
  RUN_RECV=$(grep -m1 '^role=recv ' "$recv_out")
  if [[ -z $RUN_SEND || -z $RUN_RECV ]]; then
    harness_error "$label: a side printed no result line"
    return 1
  fi
}

# --- main -------------------------------------------------------------------

# Results, one entry per pair.
R_PAIR=() R_MIBS=() R_RUNS=() R_SEND_PCT=() R_RECV_PCT=() R_SEND_MS=() R_RECV_MS=()

echo "bulk transfer: one TCP loopback connection, 1 MiB buffers, ${DURATION}s per run, median of $REPEAT"
echo "  build: $BUILD (${BUILD_TYPE:-no build type})"
echo "  $PIN_NOTE"
[[ -r /proc/loadavg ]] && echo "  load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (other load skews the numbers)"
echo

# Round-robin over the pairs, so that a slow spell of a shared machine hits every pair alike.
declare -A RUN_LINES=() FAILED_PAIR=()
for ((r = 1; r <= REPEAT; r++)); do
  for p in "${PAIR_LIST[@]}"; do
    [[ -n ${FAILED_PAIR[$p]:-} ]] && continue
    label="${p%%:*}->${p#*:}"
    if ! run_once "${p%%:*}" "${p#*:}" "$label"; then
      FAILED_PAIR[$p]=1
      continue
    fi
    echo "   $label run $r: $RUN_RECV | $RUN_SEND"
    RUN_LINES[$p,$r]="$RUN_RECV|$RUN_SEND"
  done
done

for p in "${PAIR_LIST[@]}"; do
  [[ -z ${FAILED_PAIR[$p]:-} ]] || continue
  runs=() lines=()
  for ((r = 1; r <= REPEAT; r++)); do
    lines+=("${RUN_LINES[$p,$r]}")
    runs+=("$(field "${RUN_LINES[$p,$r]%%|*}" mib_per_sec)")
  done
  # The median run by throughput, with its CPU times.
  median=$(for i in "${!runs[@]}"; do echo "${runs[$i]} $i"; done | sort -n | sed -n "$(((REPEAT + 1) / 2))p")
  m=${median#* }
  recv_line=${lines[$m]%%|*} send_line=${lines[$m]#*|}
  bytes=$(field "$recv_line" bytes) seconds=$(field "$recv_line" seconds)
  R_PAIR+=("${p%%:*}->${p#*:}")
  R_MIBS+=("${runs[$m]}")
  R_RUNS+=("$(
    IFS=,
    echo "${runs[*]}"
  )")
  for side in send recv; do
    line=$send_line
    [[ $side == recv ]] && line=$recv_line
    cpu=$(awk -v u="$(field "$line" cpu_user_s)" -v s="$(field "$line" cpu_sys_s)" 'BEGIN { print u + s }')
    pct=$(awk -v c="$cpu" -v t="$seconds" 'BEGIN { printf "%.0f", (t > 0 ? 100 * c / t : 0) }')
    ms=$(awk -v c="$cpu" -v b="$bytes" 'BEGIN { printf "%.1f", (b > 0 ? 1000 * c / (b / 1073741824) : 0) }')
    if [[ $side == send ]]; then R_SEND_PCT+=("$pct") R_SEND_MS+=("$ms"); else R_RECV_PCT+=("$pct") R_RECV_MS+=("$ms"); fi
  done
done

echo
if ((${#R_PAIR[@]} == 0)); then
  echo "no results"
else
  fmt="%-18s %10s %8s %9s %9s %13s %13s  %s\n"
  # shellcheck disable=SC2059
  printf "$fmt" "sender->receiver" "MiB/s" "GiB/s" "send CPU%" "recv CPU%" "send ms/GiB" "recv ms/GiB" "runs (MiB/s)"
  for i in "${!R_PAIR[@]}"; do
    # shellcheck disable=SC2059
    printf "$fmt" "${R_PAIR[$i]}" "${R_MIBS[$i]}" "$(awk -v m="${R_MIBS[$i]}" 'BEGIN { printf "%.2f", m / 1024 }')" \
      "${R_SEND_PCT[$i]}" "${R_RECV_PCT[$i]}" "${R_SEND_MS[$i]}" "${R_RECV_MS[$i]}" "${R_RUNS[$i]}"
  done
  echo
  echo "CPU%: each side's own CPU time (user+system, its kernel work included) over the transfer;"
  echo "ms/GiB: that CPU time per GiB moved (lower is cheaper)."
  c_index=
  for i in "${!R_PAIR[@]}"; do [[ ${R_PAIR[$i]} == "c->c" ]] && c_index=$i; done
  if [[ -n $c_index ]]; then
    echo
    echo "throughput ratios to c->c (> 1: faster than bare blocking C):"
    for i in "${!R_PAIR[@]}"; do
      [[ $i == "$c_index" ]] && continue
      awk -v p="${R_PAIR[$i]}" -v a="${R_MIBS[$i]}" -v b="${R_MIBS[$c_index]}" \
        'BEGIN { printf "  %-18s %s\n", p, (b > 0 ? sprintf("%.2f", a / b) : "n/a") }'
    done
  fi
fi

if [[ -n $TSV ]]; then
  {
    printf 'pair\tmib_per_sec\tsend_cpu_pct\trecv_cpu_pct\tsend_cpu_ms_per_gib\trecv_cpu_ms_per_gib\truns\n'
    for i in "${!R_PAIR[@]}"; do
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${R_PAIR[$i]}" "${R_MIBS[$i]}" "${R_SEND_PCT[$i]}" \
        "${R_RECV_PCT[$i]}" "${R_SEND_MS[$i]}" "${R_RECV_MS[$i]}" "${R_RUNS[$i]}"
    done
  } >"$TSV"
fi

if ((HARNESS_ERRORS > 0)); then
  echo
  note "$HARNESS_ERRORS harness error(s); see messages above"
  exit 1
fi
exit 0
