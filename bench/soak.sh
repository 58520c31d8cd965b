#!/usr/bin/env bash
# bench/soak.sh: a bounded soak of the samples under mixed load, looking for leaks and errors.
#
# Starts three long-running processes from a build directory: samples/tcp-echo-server,
# samples/http-server and samples/ipc-parent (which forks samples/ipc-child, which sends a message
# every few milliseconds and gets an answer to each). Then, in rounds of --interval seconds until
# --duration has passed, it loads them for --load seconds at once:
#   - TCP echo: bench's echo-loadgen (which compares every echoed byte) when it is built,
#     otherwise a small Python client that does the same;
#   - HTTP: wrk with keep-alive connections and a second wrk whose every request says
#     "Connection: close" (new connections all the time);
#   - IPC: short ipc-parent runs forking a child, exchanging 3 messages, each run checked;
# and then, once the load has ended and its connections have closed, takes a sample of each
# server's descriptor count (/proc/PID/fd) and resident memory (VmRSS of /proc/PID/status), and of
# the errors counted so far: wrk errors (connect, read, write, status, timeout), echo mismatches
# and failures, failed IPC runs, a long-running IPC pair that stopped exchanging messages, a
# server that died or did not exit 0 on SIGTERM at the end.
#
# The table goes to stdout and to --output. Every load generator and server runs under nice, and
# the load is on for --load of every --interval seconds, so that the soak leaves room on a small
# machine.
#
# Exit status: 0 when no error was counted and no process grew between the first and the last
# third of the samples beyond the bounds (descriptors: max of the last third <= max of the first
# + --fd-slack; memory: max of the last third <= max of the first + --rss-slack-kb); 1 otherwise
# or on harness errors (a missing binary, a server that does not start); 2 on bad flags.

set -uo pipefail

BUILD=build
DURATION=300
INTERVAL=10
LOAD=5
FD_SLACK=8
RSS_SLACK_KB=4096
BASE_PORT=19888
OUTPUT=

usage() {
  cat <<EOF
usage: bench/soak.sh [options]

  --build-dir DIR      CMake build directory (default: build; relative paths
                       are tried in the current directory, then the repo root)
  --duration SECONDS   how long the soak runs (default: 300)
  --interval SECONDS   one round of load and a sample every SECONDS (default: 10)
  --load SECONDS       seconds of load in each round, < interval (default: 5)
  --fd-slack N         descriptors a server may grow by (default: 8)
  --rss-slack-kb KB    resident memory a server may grow by (default: 4096)
  --base-port P        first TCP port to try (default: 19888)
  --output FILE        also write the table and the verdict to FILE
  -h, --help           show this help

Binaries: DIR/samples/tcp-echo-server, DIR/samples/http-server,
DIR/samples/ipc-parent, DIR/samples/ipc-child; DIR/bench/echo-loadgen if built
(-DCORONET_BUILD_BENCH=ON), else python3. Needs wrk.
EOF
}

usage_error() {
  echo "soak.sh: $*" >&2
  usage >&2
  exit 2
}

note() { echo "soak.sh: $*" >&2; }
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
    --interval) INTERVAL=$val ;;
    --load) LOAD=$val ;;
    --fd-slack) FD_SLACK=$val ;;
    --rss-slack-kb) RSS_SLACK_KB=$val ;;
    --base-port) BASE_PORT=$val ;;
    --output) OUTPUT=$val ;;
    *) usage_error "unknown option '$opt'" ;;
  esac
done

for v in DURATION INTERVAL LOAD FD_SLACK RSS_SLACK_KB BASE_PORT; do
  is_uint "${!v}" || usage_error "invalid --$(tr 'A-Z_' 'a-z-' <<<"$v") '${!v}'"
  printf -v "$v" '%d' "$((10#${!v}))"
done
((DURATION > 0)) || usage_error "invalid --duration '$DURATION' (seconds > 0)"
((LOAD > 0 && LOAD < INTERVAL)) || usage_error "--load must be > 0 and < --interval ($LOAD, $INTERVAL)"
((BASE_PORT > 0 && BASE_PORT < 65000)) || usage_error "invalid --base-port '$BASE_PORT'"
((DURATION >= 3 * INTERVAL)) || usage_error "--duration must allow at least 3 samples (>= 3 x --interval)"
[[ -z $OUTPUT ]] || : >"$OUTPUT" 2>/dev/null || usage_error "cannot write --output file '$OUTPUT'"

# --- environment ------------------------------------------------------------

resolve_build_dir "$BUILD"
ECHO_SERVER=$BUILD/samples/tcp-echo-server
HTTP_SERVER=$BUILD/samples/http-server
IPC_PARENT=$BUILD/samples/ipc-parent
IPC_CHILD=$BUILD/samples/ipc-child
LOADGEN=$BUILD/bench/echo-loadgen
for bin in "$ECHO_SERVER" "$HTTP_SERVER" "$IPC_PARENT" "$IPC_CHILD"; do
  [[ -x $bin ]] || { note "error: $bin not built"; exit 1; }
done
command -v wrk >/dev/null 2>&1 || { note "error: wrk not found (apt-get install wrk)"; exit 1; }
if [[ ! -x $LOADGEN ]]; then
  LOADGEN=
  command -v python3 >/dev/null 2>&1 || { note "error: neither $BUILD/bench/echo-loadgen nor python3 found"; exit 1; }
fi
warn_unless_optimized "$BUILD" "the soak's memory figures are"

TMP_DIR=$(mktemp -d /tmp/coronet-soak.XXXXXX) || { note "error: mktemp failed"; exit 1; }
ECHO_PID='' HTTP_PID='' IPC_PID=''
LOAD_PIDS=()

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
  local pid
  for pid in "${LOAD_PIDS[@]}" $ECHO_PID $HTTP_PID $IPC_PID; do
    [[ -n $pid ]] && kill -TERM "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  rm -rf "$TMP_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

out() { # a line of the report, to stdout and --output
  echo "$*"
  [[ -z $OUTPUT ]] || echo "$*" >>"$OUTPUT"
}

# --- servers ----------------------------------------------------------------

port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
NEXT_PORT=$BASE_PORT
next_free_port() { # -> PORT
  while ! port_free "$NEXT_PORT"; do NEXT_PORT=$((NEXT_PORT + 1)); done
  PORT=$NEXT_PORT
  NEXT_PORT=$((NEXT_PORT + 1))
}
wait_listening() { # port pid
  local i
  for ((i = 0; i < 400; i++)); do
    proc_alive "$2" || return 1
    port_free "$1" || return 0
    sleep 0.025
  done
  return 1
}

next_free_port
ECHO_PORT=$PORT
nice -n 10 "$ECHO_SERVER" --quiet --host 127.0.0.1 --port "$ECHO_PORT" >"$TMP_DIR/echo.log" 2>&1 &
ECHO_PID=$!
next_free_port
HTTP_PORT=$PORT
nice -n 10 "$HTTP_SERVER" --quiet --host 127.0.0.1 --port "$HTTP_PORT" >"$TMP_DIR/http.log" 2>&1 &
HTTP_PID=$!
nice -n 10 "$IPC_PARENT" --child "$IPC_CHILD" --interval-ms 5 >"$TMP_DIR/ipc.log" 2>&1 &
IPC_PID=$!
wait_listening "$ECHO_PORT" "$ECHO_PID" || { note "error: tcp-echo-server did not start"; show_log "$TMP_DIR/echo.log" echo; exit 1; }
wait_listening "$HTTP_PORT" "$HTTP_PID" || { note "error: http-server did not start"; show_log "$TMP_DIR/http.log" http; exit 1; }

# --- load -------------------------------------------------------------------

WRK_SCRIPT=$TMP_DIR/report.lua
cat >"$WRK_SCRIPT" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("wrk_result requests=%d errors=%d\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout))
end
EOF

ECHO_CLIENT_PY=$TMP_DIR/echo_client.py
cat >"$ECHO_CLIENT_PY" <<'EOF'
# A fallback echo load: 8 connections, 512-byte messages, each echo compared, for argv[2] s.
import os, socket, sys, time
port, seconds = int(sys.argv[1]), float(sys.argv[2])
messages = errors = 0
end = time.monotonic() + seconds
conns = []
for _ in range(8):
    conns.append(socket.create_connection(("127.0.0.1", port)))
while time.monotonic() < end:
    for c in conns:
        data = os.urandom(512)
        c.sendall(data)
        got = b""
        while len(got) < len(data):
            part = c.recv(len(data) - len(got))
            if not part:
                break
            got += part
        messages += 1
        if got != data:
            errors += 1
print(f"messages={messages} errors={errors}")
EOF

# Adds N errors of KIND to the round's error file.
count_errors() { echo "$1 $2" >>"$TMP_DIR/errors"; }

echo_load() {
  local o=$TMP_DIR/echo-load.out status=0
  if [[ -n $LOADGEN ]]; then
    nice -n 10 "$LOADGEN" --tcp "127.0.0.1:$ECHO_PORT" --connections 8 --size 512 \
      --duration "$LOAD" --warmup 0 >"$o" 2>&1 || status=$?
  else
    nice -n 10 python3 "$ECHO_CLIENT_PY" "$ECHO_PORT" "$LOAD" >"$o" 2>&1 || status=$?
  fi
  local errors
  errors=$(sed -n 's/.*errors=\([0-9]*\).*/\1/p' "$o" | tail -n1)
  if ((status != 0)) || [[ -z $errors ]]; then
    count_errors echo 1
    show_log "$o" echo-load
  elif ((errors > 0)); then
    count_errors echo "$errors"
  fi
  sed -n 's/.*messages=\([0-9]*\).*/echo_messages \1/p' "$o" | tail -n1 >>"$TMP_DIR/totals"
}

http_load() { # name wrk-args...
  local name=$1 o=$TMP_DIR/$1.out status=0
  shift
  nice -n 10 wrk -t1 -d"${LOAD}s" -s "$WRK_SCRIPT" "$@" "http://127.0.0.1:$HTTP_PORT/soak" \
    </dev/null >"$o" 2>&1 || status=$?
  local line
  line=$(grep '^wrk_result' "$o" | tail -n1)
  if ((status != 0)) || [[ -z $line ]]; then
    count_errors http 1
    show_log "$o" "$name"
    return
  fi
  local errors=${line##*errors=} requests=${line#*requests=}
  requests=${requests%% *}
  ((errors > 0)) && count_errors http "$errors"
  echo "http_requests $requests" >>"$TMP_DIR/totals"
}

ipc_load() { # short parent/child runs for LOAD seconds
  local end=$((SECONDS + LOAD)) o=$TMP_DIR/ipc-run.out runs=0 status
  while ((SECONDS < end)); do
    status=0
    nice -n 10 "$IPC_PARENT" --count 3 --child "$IPC_CHILD" --interval-ms 1 >"$o" 2>&1 || status=$?
    if ((status != 0)) || (($(grep -c '^message from child: hello$' "$o") != 3)); then
      count_errors ipc 1
      show_log "$o" ipc-run
    fi
    runs=$((runs + 1))
  done
  echo "ipc_runs $runs" >>"$TMP_DIR/totals"
}

# --- samples ----------------------------------------------------------------

fd_count() { local n; n=$(find "/proc/$1/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l) && echo "$n"; }
rss_kb() { sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$1/status" 2>/dev/null; }
total_errors() { awk '{ n += $2 } END { print n + 0 }' "$TMP_DIR/errors"; }

: >"$TMP_DIR/errors"
: >"$TMP_DIR/totals"
NAMES=(echo http ipc)
S_T=() S_FD_echo=() S_FD_http=() S_FD_ipc=() S_RSS_echo=() S_RSS_http=() S_RSS_ipc=() S_ERR=()

out "# soak: $DURATION s, a round of $LOAD s of load every $INTERVAL s; build $BUILD (${BUILD_TYPE:-?})"
out "# echo load: ${LOADGEN:-python3 fallback}; http: wrk -t1 -c16 keep-alive + wrk -t1 -c4 Connection: close; ipc: ipc-parent --count 3 runs"
out "$(printf '%6s %8s %10s %8s %10s %8s %10s %7s %9s' time echo_fds echo_rss_kb http_fds http_rss_kb ipc_fds ipc_rss_kb errors ipc_msgs)"

START=$SECONDS
LAST_IPC_MSGS=0
while ((SECONDS - START < DURATION)); do
  round_start=$SECONDS
  echo_load &
  LOAD_PIDS=($!)
  http_load wrk-keepalive -c16 &
  LOAD_PIDS+=($!)
  http_load wrk-close -c4 -H "Connection: close" &
  LOAD_PIDS+=($!)
  ipc_load &
  LOAD_PIDS+=($!)
  wait "${LOAD_PIDS[@]}"
  LOAD_PIDS=()
  # The rest of the round is idle: the clients' connections close, then the sample.
  rest=$((INTERVAL - (SECONDS - round_start)))
  ((rest > 0)) && sleep "$rest"

  for n in "${NAMES[@]}"; do
    pid_var=${n^^}_PID
    if ! proc_alive "${!pid_var}"; then
      count_errors "$n-died" 1
    fi
  done
  ipc_msgs=$(grep -c '^message from child: hello$' "$TMP_DIR/ipc.log")
  ((ipc_msgs > LAST_IPC_MSGS)) || count_errors ipc-stalled 1
  LAST_IPC_MSGS=$ipc_msgs
  t=$((SECONDS - START))
  S_T+=("$t")
  for n in "${NAMES[@]}"; do
    pid_var=${n^^}_PID
    fd=$(fd_count "${!pid_var}")
    rss=$(rss_kb "${!pid_var}")
    eval "S_FD_$n+=(\"${fd:-0}\") S_RSS_$n+=(\"${rss:-0}\")"
  done
  errs=$(total_errors)
  S_ERR+=("$errs")
  out "$(printf '%6d %8s %10s %8s %10s %8s %10s %7s %9s' "$t" "${S_FD_echo[-1]}" "${S_RSS_echo[-1]}" \
    "${S_FD_http[-1]}" "${S_RSS_http[-1]}" "${S_FD_ipc[-1]}" "${S_RSS_ipc[-1]}" "$errs" "$ipc_msgs")"
done

# --- the end ----------------------------------------------------------------

for n in "${NAMES[@]}"; do
  pid_var=${n^^}_PID
  pid=${!pid_var}
  kill -TERM "$pid" 2>/dev/null
  for ((i = 0; i < 500; i++)); do proc_alive "$pid" || break; sleep 0.01; done
  if proc_alive "$pid"; then
    count_errors "$n-no-exit" 1
    kill -KILL "$pid" 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  status=$?
  # ipc-parent ends its child and exits 0 on SIGTERM like the servers.
  ((status == 0)) || { count_errors "$n-exit-$status" 1; show_log "$TMP_DIR/$n.log" "$n"; }
  printf -v "$pid_var" '%s' ""
done

# Max over samples [from, to).
max_of() { # from to values...
  local from=$1 to=$2 i m=0
  shift 2
  local -a v=("$@")
  for ((i = from; i < to; i++)); do ((v[i] > m)) && m=${v[i]}; done
  echo "$m"
}

COUNT=${#S_T[@]}
THIRD=$((COUNT / 3))
VERDICT=0
out ""
out "# totals: $(awk '{ t[$1] += $2 } END { for (k in t) printf "%s=%d ", k, t[k] }' "$TMP_DIR/totals")"
ERRORS=$(total_errors)
if ((ERRORS > 0)); then
  out "# errors: $ERRORS ($(awk '{ t[$1] += $2 } END { for (k in t) printf "%s=%d ", k, t[k] }' "$TMP_DIR/errors"))"
  VERDICT=1
else
  out "# errors: 0"
fi
if ((THIRD == 0)); then
  out "# growth: too few samples ($COUNT) to compare thirds"
  VERDICT=1
else
  for n in "${NAMES[@]}"; do
    fds_ref="S_FD_${n}[@]" rss_ref="S_RSS_${n}[@]"
    fds=("${!fds_ref}") rss=("${!rss_ref}")
    f1=$(max_of 0 "$THIRD" "${fds[@]}")
    f3=$(max_of $((COUNT - THIRD)) "$COUNT" "${fds[@]}")
    r1=$(max_of 0 "$THIRD" "${rss[@]}")
    r3=$(max_of $((COUNT - THIRD)) "$COUNT" "${rss[@]}")
    verdict=ok
    if ((f3 > f1 + FD_SLACK || r3 > r1 + RSS_SLACK_KB)); then
      verdict=GREW
      VERDICT=1
    fi
    out "# $n: fds max $f1 (first third) -> $f3 (last third); RSS max $r1 -> $r3 kB: $verdict"
  done
fi
out "# verdict: $([[ $VERDICT == 0 ]] && echo pass || echo FAIL) (bounds: +$FD_SLACK fds, +$RSS_SLACK_KB kB)"
exit "$VERDICT"
