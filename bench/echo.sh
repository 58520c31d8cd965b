#!/usr/bin/env bash
# bench/echo.sh: closed-loop echo benchmark, coronet vs. Boost.Asio vs. Node.js.
#
# For every transport and server, one after another: start the server pinned
# to one CPU, drive it with echo-loadgen pinned to another CPU, sample the
# server's CPU time (utime+stime from /proc/PID/stat) exactly at the start
# and end of the measured window, stop the server with SIGTERM.  Then print
# a table and coronet-vs-peer ratios.  See bench/README.md.
#
# Exit status: 0 when every selected run completed (whatever the numbers),
# 1 on harness errors (missing load generator, server that does not start,
# load generator failure), 2 on bad flags.

set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

BUILD=build
CONNECTIONS=50
SIZE=64
DURATION=5
WARMUP=1
TRANSPORT=both
SERVERS=coronet,asio,node
BASE_PORT=18888

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
  --servers LIST       comma list of coronet,asio,node (default: all three)
  --base-port P        first TCP port to try (default: 18888)
  -h, --help           show this help

Binaries: DIR/bench/echo-loadgen, DIR/bench/asio-echo-server,
DIR/samples/tcp-echo-server, DIR/samples/pipe-echo-server; Node peer:
bench/peers/node_echo_server.js.  Missing servers are skipped with a note.
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
  case $s in
    coronet | asio | node) ;;
    *) usage_error "unknown server '$s' in --servers (coronet, asio, node)" ;;
  esac
done

# --- environment ------------------------------------------------------------

# A relative build directory is looked up in the current directory, then in
# the repository root.
if [[ ! -d $BUILD && $BUILD != /* && -d $SCRIPT_DIR/../$BUILD ]]; then
  BUILD=$SCRIPT_DIR/../$BUILD
fi
[[ -d $BUILD ]] || { note "error: build directory '$BUILD' not found (use --build-dir)"; exit 1; }
BUILD=$(cd "$BUILD" && pwd)

LOADGEN=$BUILD/bench/echo-loadgen
ASIO_SERVER=$BUILD/bench/asio-echo-server
CORONET_TCP_SERVER=$BUILD/samples/tcp-echo-server
CORONET_UNIX_SERVER=$BUILD/samples/pipe-echo-server
NODE_SERVER=$SCRIPT_DIR/peers/node_echo_server.js

if [[ ! -x $LOADGEN ]]; then
  note "error: $LOADGEN not found; configure with -DCORONET_BUILD_BENCH=ON and build target echo-loadgen"
  exit 1
fi

require_clk_tck
warn_unless_optimized "$BUILD" "numbers are"

pin_two_cpus "load generator" "server" "load generator"

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

# True while PID exists and is not a zombie.

# utime+stime of PID in clock ticks (all threads).

cpu_percent() { # ticks seconds
  awk -v t="$1" -v hz="$CLK_TCK" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", 100 * t / hz / s; else print "n/a" }'
}

target_args() { # transport endpoint -> loadgen address flags
  if [[ $1 == tcp ]]; then echo "--tcp 127.0.0.1:$2"; else echo "--unix $2"; fi
}

probe() { # transport endpoint
  # shellcheck disable=SC2046
  "$LOADGEN" --probe $(target_args "$1" "$2") >/dev/null 2>&1
}

# Sets SERVER_CMD for server/transport/endpoint, or SKIP_REASON and returns 1.
server_command() {
  local server=$1 transport=$2 endpoint=$3
  SERVER_CMD=()
  SKIP_REASON=
  case $server in
    coronet)
      local bin=$CORONET_TCP_SERVER
      [[ $transport == unix ]] && bin=$CORONET_UNIX_SERVER
      [[ -x $bin ]] || { SKIP_REASON="$bin not built"; return 1; }
      if [[ $transport == tcp ]]; then
        SERVER_CMD=("$bin" --quiet --port "$endpoint")
      else
        SERVER_CMD=("$bin" --quiet --path "$endpoint")
      fi
      ;;
    asio)
      [[ -x $ASIO_SERVER ]] || { SKIP_REASON="$ASIO_SERVER not built"; return 1; }
      if [[ $transport == tcp ]]; then
        SERVER_CMD=("$ASIO_SERVER" --port "$endpoint")
      else
        SERVER_CMD=("$ASIO_SERVER" --unix "$endpoint")
      fi
      ;;
    node)
      command -v node >/dev/null 2>&1 || { SKIP_REASON="node not found in PATH"; return 1; }
      [[ -f $NODE_SERVER ]] || { SKIP_REASON="$NODE_SERVER missing"; return 1; }
      if [[ $transport == tcp ]]; then
        SERVER_CMD=(node "$NODE_SERVER" --port "$endpoint")
      else
        SERVER_CMD=(node "$NODE_SERVER" --unix "$endpoint")
      fi
      ;;
  esac
}

NEXT_PORT=$BASE_PORT
# Picks a TCP port nothing is accepting on (so the probe cannot be fooled).
pick_port() {
  local tries
  for ((tries = 0; tries < 100; tries++)); do
    local port=$NEXT_PORT
    NEXT_PORT=$((NEXT_PORT + 1))
    if ! probe tcp "$port"; then
      PORT=$port
      return 0
    fi
  done
  return 1
}

# Polls until the server accepts connections: at most ~10 s.
wait_until_accepting() { # transport endpoint
  local i
  for ((i = 0; i < 400; i++)); do
    proc_alive "$SERVER_PID" || return 1
    probe "$1" "$2" && return 0
    sleep 0.025
  done
  return 1
}

# Polls the load generator's output for a line; fails if it exits or the
# timeout (seconds) passes.
wait_for_line() { # file word timeout_s
  local limit i
  limit=$(awk -v t="$3" 'BEGIN { printf "%d", t * 100 + 1 }')
  for ((i = 0; i < limit; i++)); do
    grep -qx "$2" "$1" 2>/dev/null && return 0
    proc_alive "$LOADGEN_PID" || { grep -qx "$2" "$1" 2>/dev/null; return; }
    sleep 0.01
  done
  return 1
}

stop_server() {
  local pid=$SERVER_PID i status
  [[ -n $pid ]] || return 0
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 500; i++)); do
    proc_alive "$pid" || break
    sleep 0.01
  done
  if proc_alive "$pid"; then
    note "warning: server did not exit within 5 s of SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  status=$?
  SERVER_PID=
  if ((status != 0)); then
    note "note: server exited with status $status (expected 0 after SIGTERM)"
  fi
}

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

  if ! server_command "$server" "$transport" "$endpoint"; then
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
  "${LOAD_PIN[@]}" "$LOADGEN" $(target_args "$transport" "$endpoint") \
    --connections "$CONNECTIONS" --size "$SIZE" --duration "$DURATION" --warmup "$WARMUP" \
    --sync </dev/null >"$lg_out" 2>"$lg_err" &
  LOADGEN_PID=$!

  # The load generator drains and pauses at both window edges, so the
  # server is idle while we sample its CPU time.
  local cpu0 cpu1 lg0 lg1 ok=1
  if ! wait_for_line "$lg_out" "ready" "$(awk -v w="$WARMUP" 'BEGIN { print w + 30 }')"; then
    harness_error "$label: load generator did not finish warmup"
    ok=0
  else
    cpu0=$(cpu_ticks "$SERVER_PID") || { harness_error "$label: server died during warmup"; ok=0; }
    lg0=$(cpu_ticks "$LOADGEN_PID") || lg0=0
    kill -USR1 "$LOADGEN_PID" 2>/dev/null
  fi
  if ((ok)); then
    if ! wait_for_line "$lg_out" "done" "$(awk -v d="$DURATION" 'BEGIN { print d + 30 }')"; then
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
  fmt="%-8s %-9s %10s %9s %9s %11s %9s %8s %6s\n"
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
  for transport in "${TRANSPORTS[@]}"; do
    c=
    for i in "${!R_SERVER[@]}"; do
      [[ ${R_SERVER[$i]} == coronet && ${R_TRANSPORT[$i]} == "$transport" ]] && c=$i
    done
    [[ -n $c ]] || continue
    for i in "${!R_SERVER[@]}"; do
      [[ ${R_SERVER[$i]} != coronet && ${R_TRANSPORT[$i]} == "$transport" ]] || continue
      awk -v peer="${R_SERVER[$i]}" -v tr="$transport" \
        -v cc="${R_CPU_PER_MSG[$c]}" -v pc="${R_CPU_PER_MSG[$i]}" \
        -v cr="${R_RATE[$c]}" -v pr="${R_RATE[$i]}" 'BEGIN {
          cpu = (pc + 0 > 0 && cc != "n/a") ? sprintf("%.2f", cc / pc) : "n/a"
          rate = (pr + 0 > 0) ? sprintf("%.2f", cr / pr) : "n/a"
          printf "  %-5s coronet vs %-5s  CPU/msg ratio %6s   msgs/s ratio %6s\n", tr, peer, cpu, rate
        }'
      printed_ratio=1
    done
  done
  ((printed_ratio)) || echo "  (none: needs a coronet result and a peer result for the same transport)"
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
