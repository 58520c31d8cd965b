#!/usr/bin/env bash
# bench/websocket.sh: WebSocket benchmark, coronet vs. Boost.Beast vs. Node's `ws`.
#
# Echo: for every server, one after another: start it pinned to one CPU on a free port, then for
# each message size (64 B, 4 KiB) and compression (off, on) drive it with ws-load pinned to
# another CPU (50 connections, closed loop, one message in flight per connection), sampling the
# server's CPU time (utime+stime from /proc/PID/stat, all its threads) exactly at the edges of
# the measured window; stop the server. Broadcast: each server again, in its broadcast mode, with
# 1,000 connections; one of them sends a message, all must receive it, one broadcast at a time.
# Then print Markdown tables, coronet-vs-peer ratios and the targets of issue 18. --tsv also
# writes the rows as tab-separated values (bench/run-all.sh reads those). The script builds
# nothing. See bench/README.md ("WebSocket benchmark").
#
# Exit status: 0 when every selected run completed or was skipped (whatever the numbers), 1 on
# harness errors (ws-load missing, a server that does not start or dies, a load failure), 2 on bad
# flags.

set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

BUILD=build
CONNECTIONS=50
SIZES=64,4096
COMPRESSION=off,on
DURATION=5
WARMUP=1
CLIENTS=1000
ROUNDS=500
WARMUP_ROUNDS=50
SERVERS=coronet,beast,node
CASES=echo,broadcast
BASE_PORT=18700
TSV=
QUICK=0
ALL_SERVERS=(coronet beast node)

usage() {
  cat <<EOF
usage: bench/websocket.sh [options]

  --build-dir DIR      CMake build directory (default: build; relative paths
                       are tried in the current directory, then the repo root)
  --duration T         echo: measured seconds per run (default: 5)
  --warmup W           echo: warmup seconds per run, not measured (default: 1)
  --quick              short runs: --duration 1 --warmup 0.5 --rounds 100
                       --warmup-rounds 10 (a smoke test; flags after it win)
  --connections N      echo connections (default: 50)
  --sizes LIST         echo message sizes in bytes (default: 64,4096)
  --compression LIST   off, on or both (default: off,on)
  --clients N          broadcast connections (default: 1000)
  --rounds R           measured broadcasts (default: 500)
  --warmup-rounds R    broadcasts before them (default: 50)
  --cases LIST         echo, broadcast or both (default: echo,broadcast)
  --servers LIST       comma list of coronet,beast,node (default: all three)
  --base-port P        first TCP port to try (default: 18700)
  --tsv FILE           also write the results as tab-separated values to FILE
  -h, --help           show this help

Load: DIR/bench/ws-load. Servers:
DIR/bench/ws-coronet (coronet), DIR/bench/ws-beast (Boost.Beast),
node bench/peers/ws_echo.js (Node's ws: apt-get install node-ws, or npm).
Missing servers are skipped with a note.
EOF
}

usage_error() {
  echo "websocket.sh: $*" >&2
  usage >&2
  exit 2
}

note() { echo "websocket.sh: $*" >&2; }
# shellcheck source=bench/lib.sh
. "$SCRIPT_DIR/lib.sh"

# --- command line -----------------------------------------------------------

while (($#)); do
  case $1 in
    -h | --help)
      usage
      exit 0
      ;;
    --quick)
      QUICK=1 DURATION=1 WARMUP=0.5 ROUNDS=100 WARMUP_ROUNDS=10
      shift
      continue
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
    --warmup) WARMUP=$val ;;
    --connections) CONNECTIONS=$val ;;
    --sizes) SIZES=$val ;;
    --compression) COMPRESSION=$val ;;
    --clients) CLIENTS=$val ;;
    --rounds) ROUNDS=$val ;;
    --warmup-rounds) WARMUP_ROUNDS=$val ;;
    --cases) CASES=$val ;;
    --servers) SERVERS=$val ;;
    --base-port) BASE_PORT=$val ;;
    --tsv) TSV=$val ;;
    *) usage_error "unknown option '$opt'" ;;
  esac
done

is_seconds() { [[ $1 =~ ^[0-9]+([.][0-9]+)?$|^[.][0-9]+$ ]]; }

if ! is_seconds "$DURATION" || ! awk -v d="$DURATION" 'BEGIN { exit !(d > 0) }'; then
  usage_error "invalid --duration '$DURATION'"
fi
is_seconds "$WARMUP" || usage_error "invalid --warmup '$WARMUP'"
for v in CONNECTIONS CLIENTS ROUNDS; do
  if ! is_uint "${!v}" || ((10#${!v} == 0 || 10#${!v} > 100000)); then usage_error "invalid value '${!v}' for --${v,,}"; fi
done
is_uint "$WARMUP_ROUNDS" || usage_error "invalid --warmup-rounds '$WARMUP_ROUNDS'"
if ! is_uint "$BASE_PORT" || ((10#$BASE_PORT == 0 || 10#$BASE_PORT >= 65000)); then
  usage_error "invalid --base-port '$BASE_PORT'"
fi
CONNECTIONS=$((10#$CONNECTIONS)) CLIENTS=$((10#$CLIENTS)) ROUNDS=$((10#$ROUNDS))
WARMUP_ROUNDS=$((10#$WARMUP_ROUNDS)) BASE_PORT=$((10#$BASE_PORT))

IFS=, read -ra SIZE_LIST <<<"$SIZES"
((${#SIZE_LIST[@]} > 0)) || usage_error "empty --sizes"
for i in "${!SIZE_LIST[@]}"; do
  s=${SIZE_LIST[$i]}
  if ! is_uint "$s" || ((10#$s == 0 || 10#$s > 16777216)); then usage_error "invalid size '$s' in --sizes"; fi
  SIZE_LIST[i]=$((10#$s))
done
IFS=, read -ra COMPRESSION_LIST <<<"$COMPRESSION"
((${#COMPRESSION_LIST[@]} > 0)) || usage_error "empty --compression"
for c in "${COMPRESSION_LIST[@]}"; do
  [[ $c == off || $c == on ]] || usage_error "invalid '$c' in --compression (off, on)"
done
IFS=, read -ra CASE_LIST <<<"$CASES"
((${#CASE_LIST[@]} > 0)) || usage_error "empty --cases"
for c in "${CASE_LIST[@]}"; do
  [[ $c == echo || $c == broadcast ]] || usage_error "invalid '$c' in --cases (echo, broadcast)"
done
IFS=, read -ra SERVER_LIST <<<"$SERVERS"
((${#SERVER_LIST[@]} > 0)) || usage_error "empty --servers"
for s in "${SERVER_LIST[@]}"; do
  [[ " ${ALL_SERVERS[*]} " == *" $s "* ]] || usage_error "unknown server '$s' in --servers (${ALL_SERVERS[*]})"
done
[[ -z $TSV ]] || touch "$TSV" 2>/dev/null || usage_error "cannot write --tsv file '$TSV'"
has_case() { [[ ",$CASES," == *",$1,"* ]]; }

# --- environment ------------------------------------------------------------

resolve_build_dir "$BUILD"
WSLOAD=$BUILD/bench/ws-load
# coronet's peer (bench/ws_coronet.cpp): the echo, or with --broadcast the chat-style server
# (each message to every client, its sender included); with --deflate it accepts permessage-deflate
# and compresses every message, as Beast and ws do.
CORONET_SERVER=$BUILD/bench/ws-coronet
BEAST_SERVER=$BUILD/bench/ws-beast
NODE_SERVER=$SCRIPT_DIR/peers/ws_echo.js
# Debian's node-ws lives outside Node's default search path.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}

[[ -x $WSLOAD ]] || { note "error: $WSLOAD not found; configure with -DCORONET_BUILD_BENCH=ON and build target ws-load"; exit 1; }

require_clk_tck
warn_unless_optimized "$BUILD" "coronet and Beast numbers are"
pin_two_cpus "ws-load" "server (all its threads)" "ws-load"
# Every connection is a descriptor in the server and one in ws-load.
MAX_CONNS=$CONNECTIONS
has_case broadcast && ((CLIENTS > MAX_CONNS)) && MAX_CONNS=$CLIENTS
raise_nofile $((MAX_CONNS + 64)) || exit 1

TMP_DIR=$(mktemp -d /tmp/coronet-ws-bench.XXXXXX) || { note "error: mktemp failed"; exit 1; }
SERVER_PID=
LOAD_PID=

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
  local pid
  for pid in "$LOAD_PID" "$SERVER_PID"; do
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

# --- servers ----------------------------------------------------------------

# Sets SERVER_CMD for server/mode (echo or broadcast) on port, or SKIP_REASON and returns 1.
# Beast and Node run with --deflate: they accept the extension when ws-load offers it and run
# without it when it does not, as coronet's sample does.
server_command() { # server mode port
  local server=$1 mode=$2 port=$3
  SERVER_CMD=()
  SKIP_REASON=
  case $server in
    coronet)
      [[ -x $CORONET_SERVER ]] || { SKIP_REASON="$CORONET_SERVER not built (cmake --build $BUILD --target ws-coronet)"; return 1; }
      SERVER_CMD=("$CORONET_SERVER" --host 127.0.0.1 --port "$port" --deflate)
      if [[ $mode == broadcast ]]; then SERVER_CMD+=(--broadcast); fi
      ;;
    beast)
      [[ -x $BEAST_SERVER ]] || { SKIP_REASON="$BEAST_SERVER not built (cmake --build $BUILD --target ws-beast; needs Boost.Beast)"; return 1; }
      SERVER_CMD=("$BEAST_SERVER" --port "$port" --deflate)
      if [[ $mode == broadcast ]]; then SERVER_CMD+=(--broadcast); fi
      ;;
    node)
      command -v node >/dev/null 2>&1 || { SKIP_REASON="node not found in PATH"; return 1; }
      node -e 'require("ws")' >/dev/null 2>&1 || { SKIP_REASON="Node's ws package not found (apt-get install node-ws)"; return 1; }
      SERVER_CMD=(node "$NODE_SERVER" --port "$port" --deflate)
      if [[ $mode == broadcast ]]; then SERVER_CMD+=(--broadcast); fi
      ;;
  esac
}

server_version() {
  case $1 in
    node) echo "node $(node --version 2>/dev/null || echo '?'), ws $(node -p 'require("ws/package.json").version' 2>/dev/null || echo '?')" ;;
    beast) echo "Boost $(sed -n 's/^#define BOOST_LIB_VERSION "\(.*\)"/\1/p' /usr/include/boost/version.hpp 2>/dev/null | tr _ .), ${BUILD_TYPE:-?} build" ;;
    *) echo "${BUILD_TYPE:-?} build" ;;
  esac
}

# A WebSocket handshake with the server on PORT (lib.sh's wait_until_answering calls it).
# shellcheck disable=SC2317
probe() { "$WSLOAD" --probe --port "$1" >/dev/null 2>&1; }

# Sets PORT to one from NEXT_PORT up that nothing listens on.
NEXT_PORT=$BASE_PORT
pick_free_port() {
  local tries
  for ((tries = 0; tries < 100; tries++)); do
    PORT=$NEXT_PORT
    NEXT_PORT=$((NEXT_PORT + 1))
    (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null || return 0
  done
  return 1
}

start_server() { # server mode -> SERVER_PID, SERVER_LOG; 1 when skipped or failed
  local server=$1 mode=$2
  pick_free_port || { harness_error "$server: no free TCP port found from $BASE_PORT"; return 1; }
  if ! server_command "$server" "$mode" "$PORT"; then
    echo "== $server ($mode): skipped ($SKIP_REASON)"
    SKIPPED+=("$server ($mode): $SKIP_REASON")
    return 1
  fi
  SERVER_LOG=$TMP_DIR/$server-$mode.server.log
  echo "== $server $mode ($(server_version "$server")): starting ${SERVER_CMD[*]}"
  "${SERVER_PIN[@]}" "${SERVER_CMD[@]}" </dev/null >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$! # taskset execs the server, so this is the server's PID
  if ! wait_until_answering "$PORT"; then
    harness_error "$server: no WebSocket handshake on 127.0.0.1:$PORT"
    show_log "$SERVER_LOG" "$server"
    stop_server_tree
    return 1
  fi
}

# --- load -------------------------------------------------------------------

cpu_percent() { # ticks seconds
  awk -v t="$1" -v hz="$CLK_TCK" -v s="$2" 'BEGIN { if (s > 0) printf "%.0f", 100 * t / hz / s; else print "n/a" }'
}

# Runs ws-load --sync with ARGS against the server on PORT; the server's and ws-load's CPU ticks
# are read while ws-load waits at the window's edges (the server is idle then). Sets RESULT (the
# result line), SRV_TICKS and LOAD_TICKS, or fails after reporting.
measure() { # label ready_timeout done_timeout args...
  local label=$1 ready_timeout=$2 done_timeout=$3
  shift 3
  # Files of their own, made empty here: a word left by an earlier run would be taken for this
  # run's, and its SIGUSR1 would reach ws-load before it blocks the signal.
  local load_out=$TMP_DIR/${label//\//-}.load.out load_err=$TMP_DIR/${label//\//-}.load.err
  : >"$load_out"
  : >"$load_err"
  "${LOAD_PIN[@]}" "$WSLOAD" --port "$PORT" --sync "$@" </dev/null >"$load_out" 2>"$load_err" &
  LOAD_PID=$!
  local cpu0 cpu1 l0 l1 ok=1 status=0
  if ! wait_for_line "$load_out" "ready" "$ready_timeout" "$LOAD_PID"; then
    harness_error "$label: ws-load did not finish connecting and warming up"
    ok=0
  else
    cpu0=$(cpu_ticks "$SERVER_PID") || { harness_error "$label: server died during warmup"; ok=0; }
    l0=$(cpu_ticks "$LOAD_PID") || l0=0
    kill -USR1 "$LOAD_PID" 2>/dev/null
  fi
  if ((ok)); then
    if ! wait_for_line "$load_out" "done" "$done_timeout" "$LOAD_PID"; then
      harness_error "$label: ws-load did not complete the measured window"
      ok=0
    else
      cpu1=$(cpu_ticks "$SERVER_PID") || { harness_error "$label: server died during the run"; ok=0; }
      l1=$(cpu_ticks "$LOAD_PID") || l1=$l0
      kill -USR1 "$LOAD_PID" 2>/dev/null
    fi
  fi
  if ((ok)); then
    wait "$LOAD_PID"
    status=$?
  else
    kill -KILL "$LOAD_PID" 2>/dev/null
    wait "$LOAD_PID" 2>/dev/null
  fi
  LOAD_PID=
  if ((ok && status != 0)); then
    harness_error "$label: ws-load exited with status $status"
    ok=0
  fi
  RESULT=$(grep -m1 -E '^(messages|broadcasts)=' "$load_out")
  if ((ok)) && [[ -z $RESULT ]]; then
    harness_error "$label: ws-load printed no result"
    ok=0
  fi
  if ((!ok)); then
    show_log "$load_err" ws-load
    show_log "$SERVER_LOG" server
    return 1
  fi
  [[ -s $load_err ]] && show_log "$load_err" ws-load
  SRV_TICKS=$((cpu1 - cpu0)) LOAD_TICKS=$((l1 - l0))
  echo "   $label: $RESULT server_cpu_ticks=$SRV_TICKS ws_load_cpu_ticks=$LOAD_TICKS"
}

# Results, one entry per completed run. Echo rows: RATE is msgs/s, CPU is µs per message;
# broadcast rows: RATE is broadcasts/s, CPU is µs per broadcast.
R_SERVER=() R_CASE=() R_CONNS=() R_SIZE=() R_DEFLATE=() R_RATE=() R_P50=() R_P99=() R_CPU=()
R_SRV_PCT=() R_LOAD_PCT=() R_COMPRESSED=() R_ERRORS=()
SKIPPED=()
WARNINGS=()

record() { # server case conns size deflate count seconds rate p50 p99 compressed_pct errors
  R_SERVER+=("$1") R_CASE+=("$2") R_CONNS+=("$3") R_SIZE+=("$4") R_DEFLATE+=("$5")
  R_RATE+=("$8") R_P50+=("$9") R_P99+=("${10}") R_COMPRESSED+=("${11}") R_ERRORS+=("${12}")
  R_CPU+=("$(awk -v t="$SRV_TICKS" -v hz="$CLK_TCK" -v n="$6" 'BEGIN { if (n > 0) printf "%.2f", t * 1e6 / hz / n; else print "n/a" }')")
  R_SRV_PCT+=("$(cpu_percent "$SRV_TICKS" "$7")")
  R_LOAD_PCT+=("$(cpu_percent "$LOAD_TICKS" "$7")")
}

parse_result() { # -> KV
  KV=()
  local pair
  for pair in $RESULT; do KV[${pair%%=*}]=${pair#*=}; done
}

run_echo() { # server
  local server=$1 size deflate label
  start_server "$server" echo || return
  for size in "${SIZE_LIST[@]}"; do
    for deflate in "${COMPRESSION_LIST[@]}"; do
      proc_alive "$SERVER_PID" || break 2
      label="$server/echo/${size}B/deflate-$deflate"
      local -a args=(--connections "$CONNECTIONS" --size "$size" --duration "$DURATION" --warmup "$WARMUP")
      [[ $deflate == on ]] && args+=(--deflate)
      measure "$label" "$(awk -v w="$WARMUP" 'BEGIN { print w + 30 }')" \
        "$(awk -v d="$DURATION" 'BEGIN { print d + 30 }')" "${args[@]}" || continue
      local -A KV=()
      parse_result
      if [[ $deflate == on && ${KV[deflate]} != on ]]; then
        WARNINGS+=("$label: the server refused permessage-deflate; the row is uncompressed")
      fi
      local compressed
      compressed=$(awk -v c="${KV[compressed_echoes]:-0}" -v m="${KV[messages]:-0}" 'BEGIN { if (m > 0) printf "%.0f", 100 * c / m; else print 0 }')
      ((${KV[errors]:-0} > 0)) && WARNINGS+=("$label: ${KV[errors]} connection errors")
      record "$server" echo "$CONNECTIONS" "$size" "${KV[deflate]:-?}" "${KV[messages]:-0}" "${KV[seconds]:-0}" \
        "${KV[msgs_per_sec]:-0}" "${KV[p50_us]:-0}" "${KV[p99_us]:-0}" "$compressed" "${KV[errors]:-0}"
    done
  done
  stop_server_tree
}

run_broadcast() { # server
  local server=$1 label="$1/broadcast/c$CLIENTS"
  start_server "$server" broadcast || return
  # Connecting 1,000 clients one handshake at a time takes a second or two; a round a few ms.
  measure "$label" 120 300 --broadcast --connections "$CLIENTS" --size 64 \
    --rounds "$ROUNDS" --warmup-rounds "$WARMUP_ROUNDS" || { stop_server_tree; return; }
  local -A KV=()
  parse_result
  ((${KV[errors]:-0} > 0)) && WARNINGS+=("$label: ${KV[errors]} connection errors")
  record "$server" broadcast "$CLIENTS" 64 off "${KV[broadcasts]:-0}" "${KV[seconds]:-0}" \
    "${KV[broadcasts_per_sec]:-0}" "${KV[p50_us]:-0}" "${KV[p99_us]:-0}" 0 "${KV[errors]:-0}"
  stop_server_tree
}

# --- main -------------------------------------------------------------------

echo "WebSocket benchmark: echo ${CONNECTIONS} connections, sizes ${SIZE_LIST[*]} B, compression ${COMPRESSION_LIST[*]}," \
  "duration=${DURATION}s warmup=${WARMUP}s; broadcast to $CLIENTS clients, $ROUNDS rounds after $WARMUP_ROUNDS"
echo "  build: $BUILD (${BUILD_TYPE:-no build type})$( ((QUICK)) && echo '; --quick: a smoke test, do not quote these numbers')"
echo "  $PIN_NOTE; CPU time from /proc/PID/stat, CLK_TCK=$CLK_TCK"
[[ -r /proc/loadavg ]] && echo "  load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (other load skews the numbers)"
echo

if has_case echo; then
  for server in "${SERVER_LIST[@]}"; do run_echo "$server"; done
fi
if has_case broadcast; then
  for server in "${SERVER_LIST[@]}"; do run_broadcast "$server"; done
fi

# The index of the result for server/case/size/deflate, or "".
find_result() { # server case size deflate
  local i
  for i in "${!R_SERVER[@]}"; do
    if [[ ${R_SERVER[$i]} == "$1" && ${R_CASE[$i]} == "$2" && ${R_SIZE[$i]} == "$3" && ${R_DEFLATE[$i]} == "$4" ]]; then
      echo "$i"
      return
    fi
  done
}

ratio_of() { # numerator denominator -> "%.2f" or n/a
  awk -v a="$1" -v b="$2" 'BEGIN { if (a != "n/a" && a != "" && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'
}

# One target line: coronet's value over the peer's against a bound.
target_line() { # what case size deflate peer metric(rate|cpu) op bound
  local c p r met
  c=$(find_result coronet "$2" "$3" "$4") p=$(find_result "$5" "$2" "$3" "$4")
  if [[ -z $c || -z $p ]]; then
    printf '| %s | n/a | %s %s | no %s result |\n' "$1" "$7" "$8" "$([[ -z $c ]] && echo coronet || echo "$5")"
    return
  fi
  if [[ $6 == rate ]]; then r=$(ratio_of "${R_RATE[$c]}" "${R_RATE[$p]}"); else r=$(ratio_of "${R_CPU[$c]}" "${R_CPU[$p]}"); fi
  met=$(awk -v r="$r" -v op="$7" -v b="$8" 'BEGIN {
    if (r == "n/a") print "n/a"; else if ((op == "<=" && r + 0 <= b) || (op == ">=" && r + 0 >= b)) print "met"; else print "not met" }')
  printf '| %s | %s | %s %s | %s |\n' "$1" "$r" "$7" "$8" "$met"
}

echo
if ((${#R_SERVER[@]} == 0)); then
  echo "no results"
else
  printed=0
  for i in "${!R_SERVER[@]}"; do
    [[ ${R_CASE[$i]} == echo ]] || continue
    if ((!printed)); then
      echo "Echo, $CONNECTIONS connections, one message in flight on each:"
      echo
      echo "| server | size B | deflate | msgs/s | p50 µs | p99 µs | CPU µs/msg | srv CPU% | load CPU% | compressed % | errors |"
      echo "|--------|-------:|---------|-------:|-------:|-------:|-----------:|---------:|----------:|-------------:|-------:|"
      printed=1
    fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${R_SERVER[$i]}" "${R_SIZE[$i]}" \
      "${R_DEFLATE[$i]}" "${R_RATE[$i]}" "${R_P50[$i]}" "${R_P99[$i]}" "${R_CPU[$i]}" "${R_SRV_PCT[$i]}" \
      "${R_LOAD_PCT[$i]}" "${R_COMPRESSED[$i]}" "${R_ERRORS[$i]}"
  done
  if ((printed)); then
    echo
    echo "CPU µs/msg: the server's CPU time (user+system, all threads) in the window per echoed message."
    echo "compressed %: the echoes that came back compressed (permessage-deflate, RSV1)."
  fi
  printed=0
  for i in "${!R_SERVER[@]}"; do
    [[ ${R_CASE[$i]} == broadcast ]] || continue
    if ((!printed)); then
      echo
      echo "Broadcast, one 64-byte message from one client to all $CLIENTS (the sender included), one at a time:"
      echo
      echo "| server | clients | broadcasts/s | p50 µs | p99 µs | CPU µs/broadcast | srv CPU% | load CPU% | errors |"
      echo "|--------|--------:|-------------:|-------:|-------:|-----------------:|---------:|----------:|-------:|"
      printed=1
    fi
    printf '| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n' "${R_SERVER[$i]}" "${R_CONNS[$i]}" "${R_RATE[$i]}" \
      "${R_P50[$i]}" "${R_P99[$i]}" "${R_CPU[$i]}" "${R_SRV_PCT[$i]}" "${R_LOAD_PCT[$i]}" "${R_ERRORS[$i]}"
  done
  if ((printed)); then
    echo
    echo "p50/p99: from the send to the last client's receipt."
  fi

  for i in "${!R_SERVER[@]}"; do
    if [[ ${R_LOAD_PCT[$i]} =~ ^[0-9]+$ ]] && ((R_LOAD_PCT[i] >= 90)); then
      echo "load CPU% near 100 in some rows: ws-load, not the server, limited the rate there;"
      echo "CPU µs per message (or broadcast) is the server's cost and stays comparable."
      break
    fi
  done
  # A CPU% pair both well below 100 means other processes took the CPUs.
  for i in "${!R_SERVER[@]}"; do
    if [[ ${R_SRV_PCT[$i]} =~ ^[0-9]+$ && ${R_LOAD_PCT[$i]} =~ ^[0-9]+$ ]] && ((R_SRV_PCT[i] < 70 && R_LOAD_PCT[i] < 70)); then
      echo "srv CPU% and load CPU% both well below 100 in some rows: other processes took the CPUs"
      echo "during those runs; compare CPU µs per message (or broadcast) rather than rates, or rerun on an idle machine."
      break
    fi
  done

  echo
  echo "Ratios, coronet / peer (rate > 1: coronet is faster; CPU < 1: coronet uses less CPU per message or broadcast):"
  echo
  ratio_rows=()
  for c in "${!R_SERVER[@]}"; do
    [[ ${R_SERVER[$c]} == coronet ]] || continue
    for i in "${!R_SERVER[@]}"; do
      [[ ${R_SERVER[$i]} != coronet && ${R_CASE[$i]} == "${R_CASE[$c]}" && ${R_SIZE[$i]} == "${R_SIZE[$c]}" && ${R_DEFLATE[$i]} == "${R_DEFLATE[$c]}" ]] || continue
      ratio_rows+=("| ${R_CASE[$c]} | ${R_SIZE[$c]} | ${R_DEFLATE[$c]} | coronet vs ${R_SERVER[$i]} | $(ratio_of "${R_RATE[$c]}" "${R_RATE[$i]}") | $(ratio_of "${R_CPU[$c]}" "${R_CPU[$i]}") |")
    done
  done
  if ((${#ratio_rows[@]} > 0)); then
    echo "| case | size B | deflate | pair | rate ratio | CPU ratio |"
    echo "|------|-------:|---------|------|-----------:|----------:|"
    printf '%s\n' "${ratio_rows[@]}"
  else
    echo "(none: needs a coronet result and a peer result in the same case)"
  fi

  echo
  echo "Targets (issue 18):"
  echo
  echo "| target | coronet / peer | bound | |"
  echo "|--------|---------------:|-------|---|"
  if has_case echo; then
    for size in "${SIZE_LIST[@]}"; do
      for deflate in "${COMPRESSION_LIST[@]}"; do
        target_line "echo ${size} B deflate $deflate: CPU/msg vs beast" echo "$size" "$deflate" beast cpu "<=" 1
        target_line "echo ${size} B deflate $deflate: CPU/msg vs node" echo "$size" "$deflate" node cpu "<=" 0.5
      done
    done
  fi
  if has_case broadcast; then
    target_line "broadcast to $CLIENTS: broadcasts/s vs beast" broadcast 64 off beast rate ">=" 1
  fi
fi

# One row per completed run, for bench/run-all.sh.
if [[ -n $TSV ]]; then
  {
    printf 'server\tcase\tconnections\tsize\tdeflate\trate\tp50_us\tp99_us\tcpu_us\tsrv_cpu_pct\tload_cpu_pct\tcompressed_pct\terrors\n'
    for i in "${!R_SERVER[@]}"; do
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${R_SERVER[$i]}" "${R_CASE[$i]}" \
        "${R_CONNS[$i]}" "${R_SIZE[$i]}" "${R_DEFLATE[$i]}" "${R_RATE[$i]}" "${R_P50[$i]}" "${R_P99[$i]}" \
        "${R_CPU[$i]}" "${R_SRV_PCT[$i]}" "${R_LOAD_PCT[$i]}" "${R_COMPRESSED[$i]}" "${R_ERRORS[$i]}"
    done
  } >"$TSV"
fi

if ((${#WARNINGS[@]} > 0)); then
  echo
  echo "warnings:"
  printf '  %s\n' "${WARNINGS[@]}"
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
