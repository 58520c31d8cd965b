#!/usr/bin/env bash
# bench/http.sh: HTTP/1.1 keep-alive benchmark, coronet vs. nginx vs.
# Boost.Beast vs. Node.js, driven by wrk.
#
# For every server, one after another: start it pinned to one CPU on a free
# port, wait until it answers GET /hello, then for every connection count run
# a short wrk warmup and a measured wrk run pinned to another CPU, sampling
# the server's CPU time (utime+stime from /proc/PID/stat, all threads and
# child processes) just before and after the measured run; stop the server.
# Then print a Markdown table and coronet-vs-peer ratios.  --tsv also writes
# the rows as tab-separated values (bench/run-all.sh reads those).  See
# bench/README.md.
#
# Exit status: 0 when every selected run completed or was skipped (whatever
# the numbers), 1 on harness errors (wrk or curl missing, a server that does
# not start or dies, wrk failure), 2 on bad flags.

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

BUILD=build
CONNECTIONS=1,50
DURATION=5
WARMUP=1
SERVERS=coronet,nginx,beast,node
BASE_PORT=18080
TSV=
ALL_SERVERS=(coronet nginx beast node)

usage() {
  cat <<EOF
usage: bench/http.sh [options]

  --build-dir DIR      CMake build directory (default: build; relative paths
                       are tried in the current directory, then the repo root)
  --connections LIST   comma list of wrk connection counts (default: 1,50)
  --duration T         measured whole seconds per run (default: 5)
  --warmup W           warmup whole seconds per run, 0 for none (default: 1)
  --servers LIST       comma list of coronet,nginx,beast,node (default: all four)
  --base-port P        first TCP port to try (default: 18080)
  --tsv FILE           also write the results as tab-separated values to FILE
  -h, --help           show this help

Servers: DIR/samples/http-server (coronet), DIR/bench/beast-http-server,
nginx from PATH or /usr/sbin/nginx (apt-get install nginx-light), and
node bench/peers/node_http_server.js.  Missing servers are skipped with a
note.  Needs wrk and curl.
EOF
}

usage_error() {
  echo "http.sh: $*" >&2
  usage >&2
  exit 2
}

note() { echo "http.sh: $*" >&2; }
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
    --duration) DURATION=$val ;;
    --warmup) WARMUP=$val ;;
    --servers) SERVERS=$val ;;
    --base-port) BASE_PORT=$val ;;
    --tsv) TSV=$val ;;
    *) usage_error "unknown option '$opt'" ;;
  esac
done

# wrk takes whole seconds.
if ! is_uint "$DURATION" || ((10#$DURATION == 0)); then usage_error "invalid --duration '$DURATION' (whole seconds > 0)"; fi
if ! is_uint "$WARMUP"; then usage_error "invalid --warmup '$WARMUP' (whole seconds)"; fi
if ! is_uint "$BASE_PORT" || ((10#$BASE_PORT == 0 || 10#$BASE_PORT >= 65000)); then
  usage_error "invalid --base-port '$BASE_PORT'"
fi
DURATION=$((10#$DURATION)) WARMUP=$((10#$WARMUP)) BASE_PORT=$((10#$BASE_PORT))

IFS=, read -ra CONN_LIST <<<"$CONNECTIONS"
((${#CONN_LIST[@]} > 0)) || usage_error "empty --connections"
for i in "${!CONN_LIST[@]}"; do
  c=${CONN_LIST[$i]}
  if ! is_uint "$c" || ((10#$c == 0 || 10#$c > 10000)); then
    usage_error "invalid connection count '$c' in --connections"
  fi
  CONN_LIST[i]=$((10#$c))
done

IFS=, read -ra SERVER_LIST <<<"$SERVERS"
((${#SERVER_LIST[@]} > 0)) || usage_error "empty --servers"
for s in "${SERVER_LIST[@]}"; do
  case $s in
    coronet | nginx | beast | node) ;;
    *) usage_error "unknown server '$s' in --servers (${ALL_SERVERS[*]})" ;;
  esac
done
[[ -z $TSV ]] || touch "$TSV" 2>/dev/null || usage_error "cannot write --tsv file '$TSV'"

# --- environment ------------------------------------------------------------

# A relative build directory is looked up in the current directory, then in
# the repository root.
if [[ ! -d $BUILD && $BUILD != /* && -d $SCRIPT_DIR/../$BUILD ]]; then
  BUILD=$SCRIPT_DIR/../$BUILD
fi
[[ -d $BUILD ]] || { note "error: build directory '$BUILD' not found (use --build-dir)"; exit 1; }
BUILD=$(cd "$BUILD" && pwd)

CORONET_SERVER=$BUILD/samples/http-server
BEAST_SERVER=$BUILD/bench/beast-http-server
NODE_SERVER=$SCRIPT_DIR/peers/node_http_server.js
NGINX=$(command -v nginx 2>/dev/null || true)
[[ -z $NGINX && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx

command -v wrk >/dev/null 2>&1 || { note "error: wrk not found (apt-get install wrk, or .ci/install-deps)"; exit 1; }
command -v curl >/dev/null 2>&1 || { note "error: curl not found (apt-get install curl, or .ci/install-deps)"; exit 1; }

require_clk_tck
warn_unless_optimized "$BUILD" "coronet and Beast numbers are"

pin_two_cpus "wrk" "server (all its threads and processes)" "wrk (-t1)"

TMP_DIR=$(mktemp -d /tmp/coronet-http-bench.XXXXXX) || { note "error: mktemp failed"; exit 1; }
SERVER_PID=
SERVER_LOG=
WRK_PID=

# --- process helpers --------------------------------------------------------

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
  set +e
  if [[ -n $WRK_PID ]]; then
    disown "$WRK_PID" 2>/dev/null # no "Killed" job notice
    kill -KILL "$WRK_PID" 2>/dev/null
  fi
  if [[ -n $SERVER_PID ]]; then
    disown "$SERVER_PID" 2>/dev/null
    local -a tree
    mapfile -t tree < <(process_tree "$SERVER_PID")
    kill -TERM "${tree[@]}" 2>/dev/null
    local i p alive
    for ((i = 0; i < 200; i++)); do # up to 2 s for a clean exit
      alive=0
      for p in "${tree[@]}"; do proc_alive "$p" && alive=1; done
      ((alive)) || break
      sleep 0.01
    done
    kill -KILL "${tree[@]}" 2>/dev/null
  fi
  rm -rf "$TMP_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- servers ----------------------------------------------------------------

NGINX_VERSION=
write_nginx_conf() { # dir port
  local dir=$1 port=$2
  local temp_paths
  temp_paths=$(nginx_temp_paths "$NGINX" "$dir")
  cat >"$dir/nginx.conf" <<EOF
# Generated by bench/http.sh: one worker, a fixed 6-byte body, keep-alive.
worker_processes 1;
master_process on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;

events {
    worker_connections 1024;
}

http {
    access_log off;
    keepalive_requests 1000000;
    keepalive_timeout 65s;
$temp_paths

    server {
        listen 127.0.0.1:$port;
        location / {
            default_type text/plain;
            return 200 "/hello";
        }
    }
}
EOF
}

# Sets SERVER_CMD for server/port, or SKIP_REASON and returns 1.
server_command() {
  local server=$1 port=$2
  SERVER_CMD=()
  SKIP_REASON=
  case $server in
    coronet)
      [[ -x $CORONET_SERVER ]] || { SKIP_REASON="$CORONET_SERVER not built (cmake --build $BUILD --target http-server)"; return 1; }
      SERVER_CMD=("$CORONET_SERVER" --host 127.0.0.1 --port "$port" --quiet)
      ;;
    beast)
      [[ -x $BEAST_SERVER ]] || { SKIP_REASON="$BEAST_SERVER not built (cmake --build $BUILD --target beast-http-server)"; return 1; }
      SERVER_CMD=("$BEAST_SERVER" --port "$port")
      ;;
    node)
      command -v node >/dev/null 2>&1 || { SKIP_REASON="node not found in PATH"; return 1; }
      [[ -f $NODE_SERVER ]] || { SKIP_REASON="$NODE_SERVER missing"; return 1; }
      SERVER_CMD=(node "$NODE_SERVER" --port "$port")
      ;;
    nginx)
      [[ -n $NGINX ]] || { SKIP_REASON="nginx not installed (apt-get install nginx-light)"; return 1; }
      local dir=$TMP_DIR/nginx
      mkdir -p "$dir"
      write_nginx_conf "$dir" "$port"
      NGINX_VERSION=$("$NGINX" -v 2>&1 || true)
      SERVER_CMD=("$NGINX" -p "$dir/" -c "$dir/nginx.conf" -e "$dir/error.log" -g 'daemon off;')
      ;;
  esac
}

server_version() {
  case $1 in
    nginx) echo "${NGINX_VERSION#nginx version: }" ;;
    node) echo "node $(node --version 2>/dev/null || echo '?')" ;;
    *) echo "${BUILD_TYPE:-?} build" ;;
  esac
}

# GET /hello once; sets PROBE_CODE and PROBE_BODY.  Fails if nothing answers.
probe() { # port
  local body_file=$TMP_DIR/probe.body
  rm -f "$body_file"
  PROBE_CODE=$(curl -s -o "$body_file" -w '%{http_code}' --max-time 2 "http://127.0.0.1:$1/hello") || return 1
  PROBE_BODY=$(cat "$body_file" 2>/dev/null || true) # no file for an empty body
}

NEXT_PORT=$BASE_PORT

# Results, one entry per completed run.
R_SERVER=() R_CONNS=() R_RATE=() R_AVG=() R_P50=() R_P99=() R_CPU_PER_REQ=() R_CPU_PCT=() R_WRK_PCT=() R_BYTES=() R_ERRORS=()
SKIPPED=()
WARNINGS=()

# wrk prints one machine-readable line at the end (latencies in us).  Only
# done() is defined, so wrk keeps its static, pre-built request.
WRK_SCRIPT=$TMP_DIR/report.lua
write_wrk_report_script "$WRK_SCRIPT"

# Runs wrk in the background (so a signal reaches our trap at once) and waits.
run_wrk() { # out conns seconds [extra wrk args...]
  local out_file=$1 conns=$2 seconds=$3 status=0
  shift 3
  "${LOAD_PIN[@]}" wrk -t1 -c"$conns" -d"${seconds}s" "$@" "http://127.0.0.1:$PORT/hello" \
    </dev/null >"$out_file" 2>&1 &
  WRK_PID=$!
  wait "$WRK_PID" || status=$?
  WRK_PID=
  return "$status"
}

measure() { # server conns
  local server=$1 conns=$2 label="$1/c$2"
  local wrk_out=$TMP_DIR/$server-c$conns.wrk

  if ((WARMUP > 0)); then
    if ! run_wrk "$TMP_DIR/warmup.out" "$conns" "$WARMUP"; then
      harness_error "$label: wrk warmup failed"
      show_log "$TMP_DIR/warmup.out" wrk
      return
    fi
  fi

  # The warmup's connections are closed and the server is idle here.
  local cpu0 cpu1 w0 w1 wrk_status=0
  cpu0=$(tree_cpu_ticks "$SERVER_PID") || { harness_error "$label: server died during warmup"; show_log "$SERVER_LOG" "$server"; return; }
  w0=$(reaped_child_ticks)
  run_wrk "$wrk_out" "$conns" "$DURATION" --latency -s "$WRK_SCRIPT" || wrk_status=$?
  w1=$(reaped_child_ticks)
  cpu1=$(tree_cpu_ticks "$SERVER_PID") || {
    harness_error "$label: server died during the run"
    show_log "$wrk_out" wrk
    show_log "$SERVER_LOG" "$server"
    return
  }

  if ((wrk_status != 0)); then
    harness_error "$label: wrk exited with status $wrk_status"
    show_log "$wrk_out" wrk
    return
  fi
  local result
  result=$(grep -m1 '^wrk_result ' "$wrk_out" || true)
  if [[ -z $result ]]; then
    harness_error "$label: wrk printed no result"
    show_log "$wrk_out" wrk
    return
  fi
  local -A kv=()
  local pair
  for pair in ${result#wrk_result }; do kv[${pair%%=*}]=${pair#*=}; done
  local requests=${kv[requests]:-0} dur_us=${kv[duration_us]:-0}
  local errors=$((${kv[err_connect]:-0} + ${kv[err_read]:-0} + ${kv[err_write]:-0} + ${kv[err_status]:-0} + ${kv[err_timeout]:-0}))
  local srv_ticks=$((cpu1 - cpu0)) wrk_ticks=$((w1 - w0))
  echo "   $(grep -m1 'requests in' "$wrk_out" | sed 's/^ *//') server_cpu_ticks=$srv_ticks wrk_cpu_ticks=$wrk_ticks"
  # A server that stops answering leaves wrk waiting, not failing.
  if ((requests < 10 * DURATION)); then
    harness_error "$label: only $requests requests completed in ${DURATION}s: the server stalled (not recorded)"
    show_log "$SERVER_LOG" "$server"
    return
  fi
  if ((errors > 0)); then
    echo "   errors: connect=${kv[err_connect]} read=${kv[err_read]} write=${kv[err_write]} status=${kv[err_status]} timeout=${kv[err_timeout]}"
    WARNINGS+=("$label: $errors wrk errors (connect/read/write/non-2xx/timeout)")
  fi

  R_SERVER+=("$server")
  R_CONNS+=("$conns")
  R_RATE+=("$(awk -v r="$requests" -v d="$dur_us" 'BEGIN { if (d > 0) printf "%.0f", r * 1e6 / d; else print 0 }')")
  R_AVG+=("${kv[avg_us]:-0}")
  R_P50+=("${kv[p50_us]:-0}")
  R_P99+=("${kv[p99_us]:-0}")
  R_CPU_PER_REQ+=("$(awk -v t="$srv_ticks" -v hz="$CLK_TCK" -v r="$requests" \
    'BEGIN { if (r > 0) printf "%.2f", t * 1e6 / hz / r; else print "n/a" }')")
  R_CPU_PCT+=("$(awk -v t="$srv_ticks" -v hz="$CLK_TCK" -v d="$dur_us" 'BEGIN { if (d > 0) printf "%.0f", 100 * t / hz / (d / 1e6); else print "n/a" }')")
  R_WRK_PCT+=("$(awk -v t="$wrk_ticks" -v hz="$CLK_TCK" -v d="$dur_us" 'BEGIN { if (d > 0) printf "%.0f", 100 * t / hz / (d / 1e6); else print "n/a" }')")
  R_BYTES+=("$(awk -v b="${kv[bytes]:-0}" -v r="$requests" 'BEGIN { if (r > 0) printf "%.0f", b / r; else print "n/a" }')")
  R_ERRORS+=("$errors")
}

run_server() { # server
  local server=$1

  if ! pick_refused_port; then
    harness_error "$server: no free TCP port found from $BASE_PORT"
    return
  fi
  if ! server_command "$server" "$PORT"; then
    echo "== $server: skipped ($SKIP_REASON)"
    SKIPPED+=("$server: $SKIP_REASON")
    return
  fi

  SERVER_LOG=$TMP_DIR/$server.server.log
  echo "== $server ($(server_version "$server")): starting ${SERVER_CMD[*]}"
  "${SERVER_PIN[@]}" "${SERVER_CMD[@]}" </dev/null >"$SERVER_LOG" 2>&1 &
  SERVER_PID=$! # taskset execs the server, so this is the server's PID
  if ! wait_until_answering "$PORT"; then
    harness_error "$server: server did not answer HTTP on 127.0.0.1:$PORT"
    show_log "$SERVER_LOG" "$server"
    [[ $server == nginx ]] && show_log "$TMP_DIR/nginx/error.log" nginx
    stop_server_tree
    return
  fi
  if [[ $PROBE_CODE != 200 || $PROBE_BODY != /hello ]]; then
    note "warning: $server answered GET /hello with $PROBE_CODE '$PROBE_BODY', expected 200 '/hello'"
    WARNINGS+=("$server: GET /hello answered $PROBE_CODE '$PROBE_BODY' (expected 200 '/hello')")
  fi

  local conns
  for conns in "${CONN_LIST[@]}"; do
    measure "$server" "$conns"
    proc_alive "$SERVER_PID" || break # measure reported it (or stop_server will)
  done
  stop_server_tree
}

# --- main -------------------------------------------------------------------

echo "HTTP benchmark: wrk -t1, keep-alive, GET /hello, connections=${CONN_LIST[*]} duration=${DURATION}s warmup=${WARMUP}s"
echo "  build: $BUILD (${BUILD_TYPE:-no build type}); $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2 || true)"
echo "  $PIN_NOTE; CPU time from /proc/PID/stat, CLK_TCK=$CLK_TCK"
[[ -r /proc/loadavg ]] && echo "  load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (other load skews the numbers)"
echo

for server in "${SERVER_LIST[@]}"; do
  run_server "$server"
done

echo
if ((${#R_SERVER[@]} == 0)); then
  echo "no results"
else
  echo "| server | conns | req/s | avg µs | p50 µs | p99 µs | CPU µs/req | srv CPU% | wrk CPU% | resp B | errors |"
  echo "|--------|------:|------:|-------:|-------:|-------:|-----------:|---------:|---------:|-------:|-------:|"
  for i in "${!R_SERVER[@]}"; do
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" \
      "${R_SERVER[$i]}" "${R_CONNS[$i]}" "${R_RATE[$i]}" "${R_AVG[$i]}" "${R_P50[$i]}" \
      "${R_P99[$i]}" "${R_CPU_PER_REQ[$i]}" "${R_CPU_PCT[$i]}" "${R_WRK_PCT[$i]}" \
      "${R_BYTES[$i]}" "${R_ERRORS[$i]}"
  done

  saturated=0
  for i in "${!R_SERVER[@]}"; do
    if [[ ${R_WRK_PCT[$i]} =~ ^[0-9]+$ ]] && ((R_WRK_PCT[i] >= 90)); then saturated=1; fi
  done
  starved=0
  for i in "${!R_SERVER[@]}"; do
    if ((R_CONNS[i] > 1)) && [[ ${R_CPU_PCT[$i]} =~ ^[0-9]+$ && ${R_WRK_PCT[$i]} =~ ^[0-9]+$ ]] &&
      ((R_CPU_PCT[i] < 70 && R_WRK_PCT[i] < 70)); then
      starved=1
    fi
  done
  echo
  echo "resp B: average bytes per response, headers included (every body is the 6 bytes '/hello')."
  if ((starved)); then
    echo "srv CPU% and wrk CPU% both well below 100 with several connections: other processes"
    echo "took the CPUs during those runs; their numbers are not trustworthy, rerun on an idle machine."
  fi
  if ((saturated)); then
    echo "wrk CPU% near 100: wrk, not the server, limited req/s in those rows;"
    echo "CPU µs/req is the server-side cost and stays comparable."
  fi

  echo
  echo "Ratios, coronet / peer (req/s > 1: coronet serves more; CPU/req < 1: coronet uses less CPU per request):"
  echo
  ratio_rows=()
  for conns in "${CONN_LIST[@]}"; do
    c=
    for i in "${!R_SERVER[@]}"; do
      [[ ${R_SERVER[$i]} == coronet && ${R_CONNS[$i]} == "$conns" ]] && c=$i
    done
    [[ -n $c ]] || continue
    for i in "${!R_SERVER[@]}"; do
      [[ ${R_SERVER[$i]} != coronet && ${R_CONNS[$i]} == "$conns" ]] || continue
      ratio_rows+=("$(awk -v peer="${R_SERVER[$i]}" -v n="$conns" \
        -v cc="${R_CPU_PER_REQ[$c]}" -v pc="${R_CPU_PER_REQ[$i]}" \
        -v cr="${R_RATE[$c]}" -v pr="${R_RATE[$i]}" 'BEGIN {
          cpu = (pc + 0 > 0 && cc != "n/a") ? sprintf("%.2f", cc / pc) : "n/a"
          rate = (pr + 0 > 0) ? sprintf("%.2f", cr / pr) : "n/a"
          printf "| %s | coronet vs %s | %s | %s |", n, peer, rate, cpu
        }')")
    done
  done
  if ((${#ratio_rows[@]} > 0)); then
    echo "| conns | pair | req/s ratio | CPU/req ratio |"
    echo "|------:|------|------------:|--------------:|"
    printf '%s\n' "${ratio_rows[@]}"
  else
    echo "(none: needs a coronet result and a peer result at the same connection count)"
  fi
fi

# One row per completed run, for bench/run-all.sh.
if [[ -n $TSV ]]; then
  {
    printf 'server\tconnections\treq_per_sec\tavg_us\tp50_us\tp99_us\tcpu_us_per_req\tsrv_cpu_pct\twrk_cpu_pct\tresp_bytes\terrors\n'
    for i in "${!R_SERVER[@]}"; do
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${R_SERVER[$i]}" "${R_CONNS[$i]}" \
        "${R_RATE[$i]}" "${R_AVG[$i]}" "${R_P50[$i]}" "${R_P99[$i]}" "${R_CPU_PER_REQ[$i]}" \
        "${R_CPU_PCT[$i]}" "${R_WRK_PCT[$i]}" "${R_BYTES[$i]}" "${R_ERRORS[$i]}"
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
