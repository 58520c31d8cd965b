#!/usr/bin/env bash
# bench/echo.sh: closed-loop echo benchmark, coronet vs. Boost.Asio vs. two
# raw liburing servers (the limit) vs. Node.js.
#
# For every transport and server, one after another: start the server pinned
# to one CPU, drive it with echo-loadgen pinned to another CPU, sample the
# server's CPU time (utime+stime from /proc/PID/stat) exactly at the start
# and end of the measured window, stop the server with SIGTERM.  Then print
# a table and coronet-vs-peer ratios, and coronet against the limit: the
# cheaper (lower CPU/msg) of the two liburing peers.  --tsv also writes the
# rows as tab-separated values (bench/run-all.sh reads those).  See
# bench/README.md.
#
# Exit status: 0 when every selected run completed (whatever the numbers),
# 1 on harness errors (missing load generator, server that does not start,
# load generator failure), 2 on bad flags.

set -uo pipefail

BUILD=build
CONNECTIONS=50
SIZE=64
DURATION=5
WARMUP=1
TRANSPORT=both
SERVERS=coronet,asio,uring-plain,uring-multishot,node
BASE_PORT=18888
TSV=

usage() {
  cat <<EOF
usage: bench/echo.sh [options]

  --build-dir DIR      CMake build directory (default: build; relative paths
                       are tried in the current directory, then the repo root)
  --connections C      concurrent connections (default: 50)
  --size S             message size in bytes (default: 64)
  --duration T         measured seconds per run (default: 5)
  --warmup W           warmup seconds per run, not measured (default: 1)
  --transport T        tcp | unix | both (default: both)
  --servers LIST       comma list of coronet, coronet-asio, asio, uring-plain,
                       uring-multishot, node (default: all but coronet-asio)
  --base-port P        first TCP port to try (default: 18888)
  --tsv FILE           also write the results as tab-separated values to FILE
  -h, --help           show this help

Binaries: DIR/bench/echo-loadgen, DIR/bench/asio-echo-server,
DIR/bench/uring-echo-plain, DIR/bench/uring-echo-multishot,
DIR/samples/tcp-echo-server, DIR/samples/pipe-echo-server; Node peer:
bench/peers/node_echo_server.js.  Missing servers are skipped with a note.
coronet-asio is coronet with CORONET_BACKEND=asio.
EOF
}

usage_error() {
  echo "echo.sh: $*" >&2
  usage >&2
  exit 2
}

note() { echo "echo.sh: $*" >&2; }
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
    --connections) CONNECTIONS=$val ;;
    --size) SIZE=$val ;;
    --duration) DURATION=$val ;;
    --warmup) WARMUP=$val ;;
    --transport) TRANSPORT=$val ;;
    --servers) SERVERS=$val ;;
    --base-port) BASE_PORT=$val ;;
    --tsv) TSV=$val ;;
    *) usage_error "unknown option '$opt'" ;;
  esac
done

is_seconds() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$|^[.][0-9]+$ ]]; }

if ! is_uint "$CONNECTIONS" || ((10#$CONNECTIONS == 0)); then usage_error "invalid --connections '$CONNECTIONS'"; fi
if ! is_uint "$SIZE" || ((10#$SIZE == 0)); then usage_error "invalid --size '$SIZE'"; fi
if ! is_seconds "$DURATION" || ! awk -v d="$DURATION" 'BEGIN { exit !(d > 0) }'; then
  usage_error "invalid --duration '$DURATION'"
fi
if ! is_seconds "$WARMUP"; then usage_error "invalid --warmup '$WARMUP'"; fi
if ! is_uint "$BASE_PORT" || ((10#$BASE_PORT == 0 || 10#$BASE_PORT >= 65000)); then
  usage_error "invalid --base-port '$BASE_PORT'"
fi
CONNECTIONS=$((10#$CONNECTIONS)) SIZE=$((10#$SIZE)) BASE_PORT=$((10#$BASE_PORT))

case $TRANSPORT in
  tcp | unix) TRANSPORTS=("$TRANSPORT") ;;
  both) TRANSPORTS=(tcp unix) ;;
  *) usage_error "invalid --transport '$TRANSPORT' (tcp, unix or both)" ;;
esac

IFS=, read -ra SERVER_LIST <<<"$SERVERS"
((${#SERVER_LIST[@]} > 0)) || usage_error "empty --servers"
for s in "${SERVER_LIST[@]}"; do
  [[ " ${ECHO_SERVERS[*]} " == *" $s "* ]] || usage_error "unknown server '$s' in --servers (${ECHO_SERVERS[*]})"
done
[[ -z $TSV ]] || touch "$TSV" 2>/dev/null || usage_error "cannot write --tsv file '$TSV'"

# --- environment ------------------------------------------------------------

resolve_build_dir "$BUILD"
LOADGEN=$BUILD/bench/echo-loadgen

if [[ ! -x $LOADGEN ]]; then
  note "error: $LOADGEN not found; configure with -DCORONET_BUILD_BENCH=ON and build target echo-loadgen"
  exit 1
fi

require_clk_tck
warn_unless_optimized "$BUILD" "numbers are"

pin_two_cpus "load generator" "server" "load generator"
# Each connection is a descriptor in the server and one in the load generator.
raise_nofile $((CONNECTIONS + 64)) || exit 1

TMP_DIR=$(mktemp -d /tmp/coronet-bench.XXXXXX) || { note "error: mktemp failed"; exit 1; }
SERVER_PID=
LOADGEN_PID=
SOCK_PATHS=()

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
  local pid
  for pid in "$LOADGEN_PID" "$SERVER_PID"; do
    if [[ -n $pid ]]; then
      disown "$pid" 2>/dev/null # no "Killed" job notice
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  local p
  for p in "${SOCK_PATHS[@]}"; do rm -f "$p"; done
  rm -rf "$TMP_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers ----------------------------------------------------------------

cpu_percent() { # ticks seconds
  awk -v t="$1" -v hz="$CLK_TCK" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", 100 * t / hz / s; else print "n/a" }'
}

NEXT_PORT=$BASE_PORT

kill_loadgen() {
  [[ -n $LOADGEN_PID ]] || return 0
  kill -KILL "$LOADGEN_PID" 2>/dev/null
  wait "$LOADGEN_PID" 2>/dev/null
  LOADGEN_PID=
}

# Results, one entry per completed run.
R_SERVER=() R_TRANSPORT=() R_RATE=() R_P50=() R_P99=() R_CPU_PER_MSG=() R_CPU_PCT=() R_LG_PCT=() R_ERRORS=()
SKIPPED=()

run_one() { # server transport
  local server=$1 transport=$2 endpoint label="$1/$2"

  if [[ $transport == tcp ]]; then
    pick_port || { harness_error "$label: no free TCP port found from $BASE_PORT"; return; }
    endpoint=$PORT
  else
    endpoint=/tmp/coronet-bench-$$-$server.sock
    rm -f "$endpoint"
    SOCK_PATHS+=("$endpoint")
  fi

  if ! echo_server_command "$server" "$transport" "$endpoint"; then
    echo "== $label: skipped ($SKIP_REASON)"
    SKIPPED+=("$label: $SKIP_REASON")
    return
  fi

  local server_log=$TMP_DIR/$server-$transport.server.log
  local lg_out=$TMP_DIR/$server-$transport.loadgen.out
  local lg_err=$TMP_DIR/$server-$transport.loadgen.err

  echo "== $label: starting ${SERVER_CMD[*]}"
  "${SERVER_PIN[@]}" "${SERVER_CMD[@]}" </dev/null >"$server_log" 2>&1 &
  SERVER_PID=$! # taskset execs the server, so this is the server's PID
  if ! wait_until_accepting "$transport" "$endpoint"; then
    harness_error "$label: server did not start accepting connections at $endpoint"
    show_log "$server_log" "$server"
    stop_server
    return
  fi

  # shellcheck disable=SC2046
  "${LOAD_PIN[@]}" "$LOADGEN" $(loadgen_target "$transport" "$endpoint") \
    --connections "$CONNECTIONS" --size "$SIZE" --duration "$DURATION" --warmup "$WARMUP" \
    --sync </dev/null >"$lg_out" 2>"$lg_err" &
  LOADGEN_PID=$!

  # The load generator drains and pauses at both window edges, so the
  # server is idle while we sample its CPU time.
  local cpu0 cpu1 lg0 lg1 ok=1
  if ! wait_for_line "$lg_out" "ready" "$(awk -v w="$WARMUP" 'BEGIN { print w + 30 }')" "$LOADGEN_PID"; then
    harness_error "$label: load generator did not finish warmup"
    ok=0
  else
    cpu0=$(cpu_ticks "$SERVER_PID") || { harness_error "$label: server died during warmup"; ok=0; }
    lg0=$(cpu_ticks "$LOADGEN_PID") || lg0=0
    kill -USR1 "$LOADGEN_PID" 2>/dev/null
  fi
  if ((ok)); then
    if ! wait_for_line "$lg_out" "done" "$(awk -v d="$DURATION" 'BEGIN { print d + 30 }')" "$LOADGEN_PID"; then
      harness_error "$label: load generator did not complete the measured window"
      ok=0
    else
      cpu1=$(cpu_ticks "$SERVER_PID") || { harness_error "$label: server died during the run"; ok=0; }
      lg1=$(cpu_ticks "$LOADGEN_PID") || lg1=$lg0
      kill -USR1 "$LOADGEN_PID" 2>/dev/null
    fi
  fi

  local lg_status=0
  if ((ok)); then
    wait "$LOADGEN_PID"
    lg_status=$?
    LOADGEN_PID=
  else
    kill_loadgen
  fi
  stop_server

  if ((!ok)) || ((lg_status != 0)); then
    ((ok)) && harness_error "$label: load generator exited with status $lg_status"
    show_log "$lg_err" loadgen
    show_log "$server_log" "$server"
    return
  fi

  local result
  result=$(grep -m1 '^messages=' "$lg_out")
  if [[ -z $result ]]; then
    harness_error "$label: load generator printed no result"
    show_log "$lg_err" loadgen
    return
  fi
  echo "   $result server_cpu_ticks=$((cpu1 - cpu0)) loadgen_cpu_ticks=$((lg1 - lg0))"
  [[ -s $lg_err ]] && show_log "$lg_err" loadgen

  # Parse key=value pairs.
  local -A kv=()
  local pair
  for pair in $result; do kv[${pair%%=*}]=${pair#*=}; done
  local messages=${kv[messages]:-0} seconds=${kv[seconds]:-0}

  R_SERVER+=("$server")
  R_TRANSPORT+=("$transport")
  R_RATE+=("${kv[msgs_per_sec]:-0}")
  R_P50+=("${kv[p50_us]:-0}")
  R_P99+=("${kv[p99_us]:-0}")
  R_ERRORS+=("${kv[errors]:-0}")
  R_CPU_PER_MSG+=("$(awk -v t=$((cpu1 - cpu0)) -v hz="$CLK_TCK" -v m="$messages" \
    'BEGIN { if (m > 0) printf "%.3f", t * 1e6 / hz / m; else print "n/a" }')")
  R_CPU_PCT+=("$(cpu_percent $((cpu1 - cpu0)) "$seconds")")
  R_LG_PCT+=("$(cpu_percent $((lg1 - lg0)) "$seconds")")
}

# --- main -------------------------------------------------------------------

echo "echo benchmark: connections=$CONNECTIONS size=$SIZE B duration=${DURATION}s warmup=${WARMUP}s"
echo "  build: $BUILD (${BUILD_TYPE:-no build type})"
echo "  $PIN_NOTE; CPU time from /proc/PID/stat, CLK_TCK=$CLK_TCK"
[[ -r /proc/loadavg ]] && echo "  load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (other load skews the numbers)"
echo

for transport in "${TRANSPORTS[@]}"; do
  for server in "${SERVER_LIST[@]}"; do
    run_one "$server" "$transport"
  done
done

echo
if ((${#R_SERVER[@]} == 0)); then
  echo "no results"
else
  fmt="%-15s %-9s %10s %9s %9s %11s %9s %8s %6s\n"
  # shellcheck disable=SC2059
  printf "$fmt" server transport msgs/s "p50 us" "p99 us" "CPU us/msg" "srv CPU%" "lg CPU%" errors
  for i in "${!R_SERVER[@]}"; do
    # shellcheck disable=SC2059
    printf "$fmt" "${R_SERVER[$i]}" "${R_TRANSPORT[$i]}" "${R_RATE[$i]}" "${R_P50[$i]}" \
      "${R_P99[$i]}" "${R_CPU_PER_MSG[$i]}" "${R_CPU_PCT[$i]}" "${R_LG_PCT[$i]}" "${R_ERRORS[$i]}"
    if [[ ${R_ERRORS[$i]} != 0 ]]; then
      note "warning: ${R_SERVER[$i]}/${R_TRANSPORT[$i]} had ${R_ERRORS[$i]} connection errors"
    fi
  done

  saturated=0
  for i in "${!R_SERVER[@]}"; do
    [[ ${R_LG_PCT[$i]} =~ ^[0-9]+$ ]] && ((R_LG_PCT[i] >= 90)) && saturated=1
  done
  if ((saturated)); then
    echo "note: lg CPU% near 100 means the load generator, not the server, limited msgs/s;"
    echo "      CPU us/msg is the server-side cost and stays comparable."
  fi

  echo
  echo "ratios, coronet / peer (CPU/msg < 1: coronet uses less CPU per message;"
  echo "                        msgs/s  > 1: coronet has higher throughput)"
  printed_ratio=0
  ratio_line() { # transport peer_label coronet_index peer_index
    awk -v peer="$2" -v tr="$1" \
      -v cc="${R_CPU_PER_MSG[$3]}" -v pc="${R_CPU_PER_MSG[$4]}" \
      -v cr="${R_RATE[$3]}" -v pr="${R_RATE[$4]}" 'BEGIN {
        cpu = (pc + 0 > 0 && cc != "n/a") ? sprintf("%.2f", cc / pc) : "n/a"
        rate = (pr + 0 > 0) ? sprintf("%.2f", cr / pr) : "n/a"
        printf "  %-5s coronet vs %-31s CPU/msg ratio %6s   msgs/s ratio %6s\n", tr, peer, cpu, rate
      }'
  }
  for transport in "${TRANSPORTS[@]}"; do
    c=
    for i in "${!R_SERVER[@]}"; do
      [[ ${R_SERVER[$i]} == coronet && ${R_TRANSPORT[$i]} == "$transport" ]] && c=$i
    done
    [[ -n $c ]] || continue
    limit=
    for i in "${!R_SERVER[@]}"; do
      [[ ${R_SERVER[$i]} != coronet && ${R_TRANSPORT[$i]} == "$transport" ]] || continue
      ratio_line "$transport" "${R_SERVER[$i]}" "$c" "$i"
      printed_ratio=1
      # The limit: the liburing peer with the lower CPU per message.
      if [[ ${R_SERVER[$i]} == uring-* && ${R_CPU_PER_MSG[$i]} != n/a ]] &&
        { [[ -z $limit ]] || awk -v a="${R_CPU_PER_MSG[$i]}" -v b="${R_CPU_PER_MSG[$limit]}" 'BEGIN { exit !(a < b) }'; }; then
        limit=$i
      fi
    done
    [[ -z $limit ]] || ratio_line "$transport" "the limit (${R_SERVER[$limit]})" "$c" "$limit"
  done
  ((printed_ratio)) || echo "  (none: needs a coronet result and a peer result for the same transport)"
fi

# One row per completed run, for bench/run-all.sh.
if [[ -n $TSV ]]; then
  {
    printf 'transport\tserver\tconnections\tsize\tmsgs_per_sec\tp50_us\tp99_us\tcpu_us_per_msg\tsrv_cpu_pct\tlg_cpu_pct\terrors\n'
    for i in "${!R_SERVER[@]}"; do
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${R_TRANSPORT[$i]}" "${R_SERVER[$i]}" \
        "$CONNECTIONS" "$SIZE" "${R_RATE[$i]}" "${R_P50[$i]}" "${R_P99[$i]}" "${R_CPU_PER_MSG[$i]}" \
        "${R_CPU_PCT[$i]}" "${R_LG_PCT[$i]}" "${R_ERRORS[$i]}"
    done
  } >"$TSV"
fi

if ((${#SKIPPED[@]} > 0)); then
  echo
  echo "skipped:"
  printf '  %s\n' "${SKIPPED[@]}"
fi

if ((HARNESS_ERRORS > 0)); then
  echo
  note "$HARNESS_ERRORS harness error(s); see messages above"
  exit 1
fi
exit 0
