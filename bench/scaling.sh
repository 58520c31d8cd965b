#!/usr/bin/env bash
# bench/scaling.sh: how the TCP echo server scales with threads (tcp-echo-server --threads N,
# coronet::tcp::listen_per_core: one scheduler and one SO_REUSEPORT listener per thread).
#
# For N = 1 .. --max-threads (default: the CPUs this shell may use), one after another: start
# samples/tcp-echo-server --quiet --threads N, wait until it accepts (echo-loadgen --probe), drive
# it with echo-loadgen --sync (closed loop, one message in flight per connection), sample the
# server's CPU time (utime+stime of all its threads, /proc/PID/stat) exactly at the edges of the
# measured window, stop it with SIGTERM. Then print a Markdown table on stdout:
#
#   | threads | msgs/s | server CPU us/msg | busy cores | msgs/s per busy core |
#
# "busy cores" is the server's CPU time over the window's wall time: how many cores it kept busy.
# Nothing is pinned: the server's threads and the (single-threaded) load generator share the
# machine's CPUs, which the output says, with how many there are. Progress goes to stderr.
#
# Exit status: 0 when every run completed (whatever the numbers), 1 on harness errors (missing
# binaries, a server that does not start, a load generator failure), 2 on bad flags.

set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

BUILD=build
CONNECTIONS=64
SIZE=64
DURATION=3
WARMUP=1
MAX_THREADS=
BASE_PORT=19888

usage() {
  cat <<EOF
usage: bench/scaling.sh [options]

  --build-dir DIR      CMake build directory (default: build; relative paths
                       are tried in the current directory, then the repo root)
  --max-threads N      run with 1..N server threads (default: the CPUs this
                       process may use, nproc)
  --connections C      concurrent connections (default: 64)
  --size S             message size in bytes (default: 64)
  --duration T         measured seconds per run (default: 3)
  --warmup W           warmup seconds per run, not measured (default: 1)
  --base-port P        first TCP port to try (default: 19888)
  -h, --help           show this help

Binaries: DIR/bench/echo-loadgen, DIR/samples/tcp-echo-server. The backend is
the server's usual choice; set CORONET_BACKEND=uring or asio to pick one.
EOF
}

usage_error() {
  echo "scaling.sh: $*" >&2
  usage >&2
  exit 2
}

note() { echo "scaling.sh: $*" >&2; }
# shellcheck source=bench/lib.sh
. "$SCRIPT_DIR/lib.sh"

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
      case $opt in
        --build-dir | --max-threads | --connections | --size | --duration | --warmup | --base-port) ;;
        *) usage_error "unknown option '$opt'" ;;
      esac
      (($# >= 2)) || usage_error "option $opt requires a value"
      val=$2
      shift 2
      ;;
    *) usage_error "unexpected argument '$1'" ;;
  esac
  case $opt in
    --build-dir) BUILD=$val ;;
    --max-threads) MAX_THREADS=$val ;;
    --connections) CONNECTIONS=$val ;;
    --size) SIZE=$val ;;
    --duration) DURATION=$val ;;
    --warmup) WARMUP=$val ;;
    --base-port) BASE_PORT=$val ;;
    *) usage_error "unknown option '$opt'" ;;
  esac
done

is_seconds() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$|^[.][0-9]+$ ]]; }

CPUS=$(nproc 2>/dev/null || echo 1)
[[ -n $MAX_THREADS ]] || MAX_THREADS=$CPUS
if ! is_uint "$MAX_THREADS" || ((10#$MAX_THREADS == 0 || 10#$MAX_THREADS > 1024)); then
  usage_error "invalid --max-threads '$MAX_THREADS' (1 to 1024)"
fi
if ! is_uint "$CONNECTIONS" || ((10#$CONNECTIONS == 0)); then usage_error "invalid --connections '$CONNECTIONS'"; fi
if ! is_uint "$SIZE" || ((10#$SIZE == 0)); then usage_error "invalid --size '$SIZE'"; fi
if ! is_seconds "$DURATION" || ! awk -v d="$DURATION" 'BEGIN { exit !(d > 0) }'; then
  usage_error "invalid --duration '$DURATION'"
fi
if ! is_seconds "$WARMUP"; then usage_error "invalid --warmup '$WARMUP'"; fi
if ! is_uint "$BASE_PORT" || ((10#$BASE_PORT == 0 || 10#$BASE_PORT >= 65000)); then
  usage_error "invalid --base-port '$BASE_PORT'"
fi
MAX_THREADS=$((10#$MAX_THREADS)) CONNECTIONS=$((10#$CONNECTIONS)) SIZE=$((10#$SIZE))
BASE_PORT=$((10#$BASE_PORT))

# --- environment ------------------------------------------------------------

if [[ ! -d $BUILD && $BUILD != /* && -d $SCRIPT_DIR/../$BUILD ]]; then
  BUILD=$SCRIPT_DIR/../$BUILD
fi
[[ -d $BUILD ]] || { note "error: build directory '$BUILD' not found (use --build-dir)"; exit 1; }
BUILD=$(cd "$BUILD" && pwd)

LOADGEN=$BUILD/bench/echo-loadgen
SERVER=$BUILD/samples/tcp-echo-server
for bin in "$LOADGEN" "$SERVER"; do
  [[ -x $bin ]] || { note "error: $bin not found; build the default preset (it builds both)"; exit 1; }
done

require_clk_tck
warn_unless_optimized "$BUILD" "numbers are"

TMP_DIR=$(mktemp -d /tmp/coronet-scaling.XXXXXX) || { note "error: mktemp failed"; exit 1; }
SERVER_PID=
LOADGEN_PID=

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
  local pid
  for pid in "$LOADGEN_PID" "$SERVER_PID"; do
    if [[ -n $pid ]]; then
      disown "$pid" 2>/dev/null
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  rm -rf "$TMP_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers ----------------------------------------------------------------

probe() { "$LOADGEN" --probe --tcp "127.0.0.1:$1" >/dev/null 2>&1; }

NEXT_PORT=$BASE_PORT
# A port nothing accepts on (so that the probe cannot be fooled), in PORT.
pick_port() {
  local tries
  for ((tries = 0; tries < 100; tries++)); do
    PORT=$NEXT_PORT
    NEXT_PORT=$((NEXT_PORT + 1))
    probe "$PORT" || return 0
  done
  return 1
}

wait_until_accepting() { # port; at most ~10 s
  local i
  for ((i = 0; i < 400; i++)); do
    proc_alive "$SERVER_PID" || return 1
    probe "$1" && return 0
    sleep 0.025
  done
  return 1
}

wait_for_line() { # file line timeout_s
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
  ((status == 0)) || note "note: server exited with status $status (expected 0 after SIGTERM)"
}

kill_loadgen() {
  [[ -n $LOADGEN_PID ]] || return 0
  kill -KILL "$LOADGEN_PID" 2>/dev/null
  wait "$LOADGEN_PID" 2>/dev/null
  LOADGEN_PID=
}

R_THREADS=() R_RATE=() R_CPU_PER_MSG=() R_BUSY=() R_PER_CORE=() R_ERRORS=()

run_one() { # threads
  local threads=$1 label="threads=$1"
  pick_port || { harness_error "$label: no free TCP port found from $BASE_PORT"; return; }
  local port=$PORT
  local server_log=$TMP_DIR/server-$threads.log lg_out=$TMP_DIR/loadgen-$threads.out
  local lg_err=$TMP_DIR/loadgen-$threads.err

  note "$label: starting tcp-echo-server --quiet --threads $threads --port $port"
  "$SERVER" --quiet --host 127.0.0.1 --port "$port" --threads "$threads" </dev/null >"$server_log" 2>&1 &
  SERVER_PID=$!
  if ! wait_until_accepting "$port"; then
    harness_error "$label: server did not start accepting connections on port $port"
    show_log "$server_log" server
    stop_server
    return
  fi

  "$LOADGEN" --tcp "127.0.0.1:$port" --connections "$CONNECTIONS" --size "$SIZE" \
    --duration "$DURATION" --warmup "$WARMUP" --sync </dev/null >"$lg_out" 2>"$lg_err" &
  LOADGEN_PID=$!

  # The load generator drains and pauses at both window edges: the server is idle while its CPU
  # time is sampled.
  local cpu0 cpu1 ok=1
  if ! wait_for_line "$lg_out" "ready" "$(awk -v w="$WARMUP" 'BEGIN { print w + 30 }')"; then
    harness_error "$label: load generator did not finish warmup"
    ok=0
  else
    cpu0=$(cpu_ticks "$SERVER_PID") || { harness_error "$label: server died during warmup"; ok=0; }
    kill -USR1 "$LOADGEN_PID" 2>/dev/null
  fi
  if ((ok)); then
    if ! wait_for_line "$lg_out" "done" "$(awk -v d="$DURATION" 'BEGIN { print d + 30 }')"; then
      harness_error "$label: load generator did not complete the measured window"
      ok=0
    else
      cpu1=$(cpu_ticks "$SERVER_PID") || { harness_error "$label: server died during the run"; ok=0; }
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
    show_log "$server_log" server
    return
  fi

  local result
  result=$(grep -m1 '^messages=' "$lg_out")
  if [[ -z $result ]]; then
    harness_error "$label: load generator printed no result"
    show_log "$lg_err" loadgen
    return
  fi
  note "$label: $result server_cpu_ticks=$((cpu1 - cpu0))"
  local -A kv=()
  local pair
  for pair in $result; do kv[${pair%%=*}]=${pair#*=}; done
  local messages=${kv[messages]:-0} seconds=${kv[seconds]:-0} rate=${kv[msgs_per_sec]:-0}
  local ticks=$((cpu1 - cpu0))

  R_THREADS+=("$threads")
  R_RATE+=("$rate")
  R_ERRORS+=("${kv[errors]:-0}")
  R_CPU_PER_MSG+=("$(awk -v t="$ticks" -v hz="$CLK_TCK" -v m="$messages" \
    'BEGIN { if (m > 0) printf "%.2f", t * 1e6 / hz / m; else print "n/a" }')")
  R_BUSY+=("$(awk -v t="$ticks" -v hz="$CLK_TCK" -v s="$seconds" \
    'BEGIN { if (s > 0) printf "%.2f", t / hz / s; else print "n/a" }')")
  R_PER_CORE+=("$(awk -v t="$ticks" -v hz="$CLK_TCK" -v s="$seconds" -v r="$rate" \
    'BEGIN { b = (s > 0) ? t / hz / s : 0; if (b > 0) printf "%.0f", r / b; else print "n/a" }')")
}

# --- main -------------------------------------------------------------------

for ((t = 1; t <= MAX_THREADS; t++)); do run_one "$t"; done

echo "## tcp-echo-server --threads N under echo-loadgen"
echo
echo "connections=$CONNECTIONS, message size=$SIZE B, ${DURATION}s measured after ${WARMUP}s of warmup;"
echo "build: $BUILD (${BUILD_TYPE:-no build type}); backend: ${CORONET_BACKEND:-the default choice}."
if ((CPUS <= MAX_THREADS)); then
  echo "This machine lets the benchmark use $CPUS CPU(s), and the load generator (one thread, a"
  echo "core of its own when it can get one) shares them with the server: past $((CPUS > 1 ? CPUS - 1 : 1)) server"
  echo "thread(s) more threads compete with the load for the same CPUs, so msgs/s cannot grow"
  echo "with them here. Server CPU us/msg and msgs/s per busy core still show the cost per message."
else
  echo "$CPUS CPUs; the load generator is one thread on them, unpinned, as are the server's threads."
fi
[[ -r /proc/loadavg ]] && echo "Load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)."
echo
if ((${#R_THREADS[@]} == 0)); then
  echo "no results"
else
  echo "| threads | msgs/s | server CPU µs/msg | busy cores | msgs/s per busy core |"
  echo "|--------:|-------:|------------------:|-----------:|---------------------:|"
  for i in "${!R_THREADS[@]}"; do
    echo "| ${R_THREADS[$i]} | ${R_RATE[$i]} | ${R_CPU_PER_MSG[$i]} | ${R_BUSY[$i]} | ${R_PER_CORE[$i]} |"
    if [[ ${R_ERRORS[$i]} != 0 ]]; then
      note "warning: threads=${R_THREADS[$i]} had ${R_ERRORS[$i]} connection errors"
    fi
  done
fi

if ((HARNESS_ERRORS > 0)); then
  note "$HARNESS_ERRORS harness error(s); see messages above"
  exit 1
fi
exit 0
