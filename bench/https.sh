#!/usr/bin/env bash
# bench/https.sh: HTTPS (TLS 1.3) benchmark, coronet vs. nginx vs. Node.js.
#
# One certificate (ECDSA P-256, self-signed, made at run time in the temp
# directory) serves every peer. For every server, one after another: start it
# pinned to one CPU on a free port, wait until it answers GET /hello over TLS,
# then run each scenario with the load pinned to another CPU, sampling the
# server's CPU time (utime+stime from /proc/PID/stat, all threads and child
# processes) just before and after each measured run; stop the server. Then
# print a Markdown table, coronet-vs-peer ratios and the issue's targets.
# --tsv also writes the rows as tab-separated values (bench/run-all.sh reads
# those). See bench/README.md ("HTTPS benchmark").
#
# Scenarios:
#   keepalive  wrk -t1 -cN, keep-alive GET /hello, for each N of --connections
#   full       a full TLS handshake per request: --clients parallel
#              `openssl s_time -new -www /hello` (a new session every time);
#              wrk cannot do this, see `resumed`
#   resumed    wrk -t1 -c<clients> -H 'Connection: close': a new TCP and TLS
#              connection per request, but wrk keeps its SSL object across
#              reconnections, so every handshake after the first resumes the
#              session from a ticket (TLS 1.3 PSK with ECDHE)
#   1m         wrk -t1 -c1, keep-alive GET /1m: a 1 MiB body, MiB/s
#
# Exit status: 0 when every selected run completed or was skipped (whatever
# the numbers), 1 on harness errors (wrk, curl or openssl missing, a server
# that does not start or dies, load generator failure), 2 on bad flags.

set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

BUILD=build
CONNECTIONS=1,50
CLIENTS=8
DURATION=5
WARMUP=1
SERVERS=coronet,nginx,node
SCENARIOS=keepalive,full,resumed,1m
BASE_PORT=18443
TSV=
ALL_SERVERS=(coronet nginx node)
ALL_SCENARIOS=(keepalive full resumed 1m)

usage() {
  cat <<EOF
usage: bench/https.sh [options]

  --build-dir DIR      CMake build directory (default: build; relative paths
                       are tried in the current directory, then the repo root)
  --connections LIST   comma list of wrk keep-alive connection counts
                       (default: 1,50)
  --clients N          concurrent clients of the full and resumed handshake
                       runs (default: 8)
  --duration T         measured whole seconds per run (default: 5)
  --warmup W           warmup whole seconds per run, 0 for none (default: 1)
  --servers LIST       comma list of coronet,nginx,node (default: all three)
  --scenarios LIST     comma list of keepalive,full,resumed,1m (default: all)
  --base-port P        first TCP port to try (default: 18443)
  --tsv FILE           also write the results as tab-separated values to FILE
  -h, --help           show this help

Servers: DIR/bench/https-coronet (coronet: the https-server sample's answer
plus GET /1m), nginx from PATH or
/usr/sbin/nginx (apt-get install nginx-light: it has the ssl module), and
node bench/peers/node_http_server.js --cert --key.  Missing servers are
skipped with a note.  Needs wrk, curl and openssl.
EOF
}

usage_error() {
  echo "https.sh: $*" >&2
  usage >&2
  exit 2
}

note() { echo "https.sh: $*" >&2; }
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
    --clients) CLIENTS=$val ;;
    --duration) DURATION=$val ;;
    --warmup) WARMUP=$val ;;
    --servers) SERVERS=$val ;;
    --scenarios) SCENARIOS=$val ;;
    --base-port) BASE_PORT=$val ;;
    --tsv) TSV=$val ;;
    *) usage_error "unknown option '$opt'" ;;
  esac
done

# wrk and s_time take whole seconds.
if ! is_uint "$DURATION" || ((10#$DURATION == 0)); then usage_error "invalid --duration '$DURATION' (whole seconds > 0)"; fi
if ! is_uint "$WARMUP"; then usage_error "invalid --warmup '$WARMUP' (whole seconds)"; fi
if ! is_uint "$CLIENTS" || ((10#$CLIENTS == 0 || 10#$CLIENTS > 1000)); then usage_error "invalid --clients '$CLIENTS' (1 to 1000)"; fi
if ! is_uint "$BASE_PORT" || ((10#$BASE_PORT == 0 || 10#$BASE_PORT >= 65000)); then
  usage_error "invalid --base-port '$BASE_PORT'"
fi
DURATION=$((10#$DURATION)) WARMUP=$((10#$WARMUP)) CLIENTS=$((10#$CLIENTS)) BASE_PORT=$((10#$BASE_PORT))

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
  [[ " ${ALL_SERVERS[*]} " == *" $s "* ]] || usage_error "unknown server '$s' in --servers (${ALL_SERVERS[*]})"
done
IFS=, read -ra SCENARIO_LIST <<<"$SCENARIOS"
((${#SCENARIO_LIST[@]} > 0)) || usage_error "empty --scenarios"
for s in "${SCENARIO_LIST[@]}"; do
  [[ " ${ALL_SCENARIOS[*]} " == *" $s "* ]] || usage_error "unknown scenario '$s' in --scenarios (${ALL_SCENARIOS[*]})"
done
[[ -z $TSV ]] || touch "$TSV" 2>/dev/null || usage_error "cannot write --tsv file '$TSV'"

# --- environment ------------------------------------------------------------

resolve_build_dir "$BUILD"
CORONET_SERVER=$BUILD/bench/https-coronet
NODE_SERVER=$SCRIPT_DIR/peers/node_http_server.js
NGINX=$(command -v nginx 2>/dev/null || true)
[[ -z $NGINX && -x /usr/sbin/nginx ]] && NGINX=/usr/sbin/nginx

for tool in wrk curl openssl; do
  command -v "$tool" >/dev/null 2>&1 || { note "error: $tool not found (apt-get install $tool)"; exit 1; }
done

require_clk_tck
warn_unless_optimized "$BUILD" "coronet's numbers are"

pin_two_cpus "the load" "server (all its threads and processes)" "wrk (-t1) and s_time"

TMP_DIR=$(mktemp -d /tmp/coronet-https-bench.XXXXXX) || { note "error: mktemp failed"; exit 1; }
SERVER_PID=
SERVER_LOG=
LOAD_PIDS=()

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
  set +e
  local p
  for p in "${LOAD_PIDS[@]}"; do
    disown "$p" 2>/dev/null # no "Killed" job notice
    kill -KILL "$p" 2>/dev/null
  done
  if [[ -n $SERVER_PID ]]; then
    disown "$SERVER_PID" 2>/dev/null
    local -a tree
    mapfile -t tree < <(process_tree "$SERVER_PID")
    kill -TERM "${tree[@]}" 2>/dev/null
    local i alive
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

# The certificate every peer serves: ECDSA P-256, for localhost and 127.0.0.1.
CERT=$TMP_DIR/cert.pem
KEY=$TMP_DIR/key.pem
if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
  -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
  -keyout "$KEY" -out "$CERT" >"$TMP_DIR/openssl-req.log" 2>&1; then
  note "error: openssl req could not make the certificate"
  show_log "$TMP_DIR/openssl-req.log" openssl
  exit 1
fi

# The 1 MiB body nginx serves from a file (Node's peer makes its own). nginx's worker runs as
# nobody when the script runs as root: it must be able to reach the file through mktemp's
# private directory (search permission only; nothing else in it becomes readable).
BIG_FILE=$TMP_DIR/www/1m.bin
mkdir -m 755 "$TMP_DIR/www" && chmod 711 "$TMP_DIR"
head -c 1048576 /dev/zero | tr '\0' x >"$BIG_FILE"
chmod 644 "$BIG_FILE"

# --- servers ----------------------------------------------------------------

NGINX_VERSION=
write_nginx_conf() { # dir port
  local dir=$1 port=$2 temp_paths
  temp_paths=$(nginx_temp_paths "$NGINX" "$dir")
  cat >"$dir/nginx.conf" <<EOF
# Generated by bench/https.sh: one worker, TLS 1.3 only, session tickets on,
# keep-alive, a fixed 6-byte body and a 1 MiB file.
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
        listen 127.0.0.1:$port ssl;
        ssl_certificate $CERT;
        ssl_certificate_key $KEY;
        ssl_protocols TLSv1.3;
        ssl_session_tickets on;
        location / {
            default_type text/plain;
            return 200 "/hello";
        }
        location = /1m {
            default_type application/octet-stream;
            alias $BIG_FILE;
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
      [[ -x $CORONET_SERVER ]] || { SKIP_REASON="$CORONET_SERVER not built (cmake --build $BUILD --target https-coronet)"; return 1; }
      SERVER_CMD=("$CORONET_SERVER" --host 127.0.0.1 --port "$port" --cert "$CERT" --key "$KEY" --quiet)
      ;;
    node)
      command -v node >/dev/null 2>&1 || { SKIP_REASON="node not found in PATH"; return 1; }
      [[ -f $NODE_SERVER ]] || { SKIP_REASON="$NODE_SERVER missing"; return 1; }
      SERVER_CMD=(node "$NODE_SERVER" --port "$port" --cert "$CERT" --key "$KEY")
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

# Whether SERVER can run SCENARIO; sets SKIP_REASON when not.
supports() { # server scenario
  SKIP_REASON=
  return 0
}

server_version() {
  case $1 in
    nginx) echo "${NGINX_VERSION#nginx version: }, $(openssl version 2>/dev/null | cut -d' ' -f1-2)" ;;
    node) echo "node $(node --version 2>/dev/null || echo '?'), OpenSSL $(node -p process.versions.openssl 2>/dev/null || echo '?')" ;;
    *) echo "${BUILD_TYPE:-?} build" ;;
  esac
}

# GET /hello once over TLS, checking the certificate; sets PROBE_CODE and PROBE_BODY. Fails if
# nothing answers.
probe() { # port
  local body_file=$TMP_DIR/probe.body
  rm -f "$body_file"
  PROBE_CODE=$(curl -s --cacert "$CERT" -o "$body_file" -w '%{http_code}' --max-time 2 \
    "https://127.0.0.1:$1/hello") || return 1
  PROBE_BODY=$(cat "$body_file" 2>/dev/null || true) # no file for an empty body
}

# GET /1m's status and body size ("200 1048576"), or "" when it fails.
big_body_check() { # port
  curl -s --cacert "$CERT" -o /dev/null -w '%{http_code} %{size_download}' --max-time 5 \
    "https://127.0.0.1:$1/1m" || true
}

NEXT_PORT=$BASE_PORT

# --- load -------------------------------------------------------------------

# Results, one entry per completed run.
R_SERVER=() R_SCENARIO=() R_CONNS=() R_RATE=() R_MIBS=() R_P50=() R_P99=() R_CPU_PER_REQ=() R_CPU_PCT=() R_LOAD_PCT=() R_ERRORS=()
SKIPPED=()
WARNINGS=()

WRK_SCRIPT=$TMP_DIR/report.lua
write_wrk_report_script "$WRK_SCRIPT"

# Runs the load (in the background, so that a signal reaches our trap at once) and waits for it.
run_wrk() { # out conns seconds path [extra wrk args...]
  local out_file=$1 conns=$2 seconds=$3 path=$4 status=0
  shift 4
  "${LOAD_PIN[@]}" wrk -t1 -c"$conns" -d"${seconds}s" "$@" "https://127.0.0.1:$PORT$path" \
    </dev/null >"$out_file" 2>&1 &
  LOAD_PIDS=($!)
  wait "${LOAD_PIDS[0]}" || status=$?
  LOAD_PIDS=()
  return "$status"
}

# CLIENTS parallel `openssl s_time -new`: each connects, does a full handshake (no session is
# reused: -new), sends GET /hello HTTP/1.0, reads the answer to the end, closes, and again, for
# SECONDS. Their outputs go to PREFIX.N.
run_s_time() { # prefix clients seconds
  local i status=0 p
  LOAD_PIDS=()
  for ((i = 0; i < $2; i++)); do
    "${LOAD_PIN[@]}" openssl s_time -connect "127.0.0.1:$PORT" -CAfile "$CERT" -new -www /hello \
      -time "$3" </dev/null >"$1.$i" 2>&1 &
    LOAD_PIDS+=($!)
  done
  for p in "${LOAD_PIDS[@]}"; do
    wait "$p" || status=$?
  done
  LOAD_PIDS=()
  return "$status"
}

ratio_of() { # numerator denominator -> "%.2f" or n/a
  awk -v a="$1" -v b="$2" 'BEGIN { if (a != "n/a" && a != "" && b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'
}

record() { # server scenario conns requests seconds bytes srv_ticks load_ticks p50 p99 errors
  R_SERVER+=("$1") R_SCENARIO+=("$2") R_CONNS+=("$3")
  R_RATE+=("$(awk -v r="$4" -v d="$5" 'BEGIN { if (d > 0) printf "%.0f", r / d; else print 0 }')")
  R_MIBS+=("$(awk -v b="$6" -v d="$5" 'BEGIN { if (d > 0) printf "%.1f", b / 1048576 / d; else print 0 }')")
  R_CPU_PER_REQ+=("$(awk -v t="$7" -v hz="$CLK_TCK" -v r="$4" \
    'BEGIN { if (r > 0) printf "%.2f", t * 1e6 / hz / r; else print "n/a" }')")
  R_CPU_PCT+=("$(awk -v t="$7" -v hz="$CLK_TCK" -v d="$5" 'BEGIN { if (d > 0) printf "%.0f", 100 * t / hz / d; else print "n/a" }')")
  R_LOAD_PCT+=("$(awk -v t="$8" -v hz="$CLK_TCK" -v d="$5" 'BEGIN { if (d > 0) printf "%.0f", 100 * t / hz / d; else print "n/a" }')")
  R_P50+=("$9") R_P99+=("${10}") R_ERRORS+=("${11}")
}

# One wrk run (keepalive, resumed, 1m): warmup, then the measured run between two CPU samples.
measure_wrk() { # server scenario conns path [extra wrk args...]
  local server=$1 scenario=$2 conns=$3 path=$4 label="$1/$2/c$3"
  shift 4
  local wrk_out=$TMP_DIR/$server-$scenario-c$conns.wrk

  if ((WARMUP > 0)); then
    if ! run_wrk "$TMP_DIR/warmup.out" "$conns" "$WARMUP" "$path" "$@"; then
      harness_error "$label: wrk warmup failed"
      show_log "$TMP_DIR/warmup.out" wrk
      return
    fi
  fi

  # The warmup's connections are closed and the server is idle here.
  local cpu0 cpu1 w0 w1 wrk_status=0
  cpu0=$(tree_cpu_ticks "$SERVER_PID") || { harness_error "$label: server died during warmup"; show_log "$SERVER_LOG" "$server"; return; }
  w0=$(reaped_child_ticks)
  run_wrk "$wrk_out" "$conns" "$DURATION" "$path" "$@" --latency -s "$WRK_SCRIPT" || wrk_status=$?
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
  local requests=${kv[requests]:-0} seconds
  seconds=$(awk -v d="${kv[duration_us]:-0}" 'BEGIN { printf "%.6f", d / 1e6 }')
  local errors=$((${kv[err_connect]:-0} + ${kv[err_read]:-0} + ${kv[err_write]:-0} + ${kv[err_status]:-0} + ${kv[err_timeout]:-0}))
  echo "   $label: $(grep -m1 'requests in' "$wrk_out" | sed 's/^ *//') server_cpu_ticks=$((cpu1 - cpu0)) wrk_cpu_ticks=$((w1 - w0))"
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
  record "$server" "$scenario" "$conns" "$requests" "$seconds" "${kv[bytes]:-0}" $((cpu1 - cpu0)) $((w1 - w0)) \
    "${kv[p50_us]:-0}" "${kv[p99_us]:-0}" "$errors"
}

# The full-handshake run: CLIENTS s_time processes; the window is from their start to the last
# one's exit (each runs for DURATION seconds and then finishes the connection it is on).
measure_full() { # server
  local server=$1 label="$1/full/c$CLIENTS" prefix=$TMP_DIR/$1-full.s_time
  if ((WARMUP > 0)); then
    if ! run_s_time "$TMP_DIR/warmup.s_time" 1 "$WARMUP"; then
      harness_error "$label: s_time warmup failed"
      show_log "$TMP_DIR/warmup.s_time.0" s_time
      return
    fi
  fi
  local cpu0 cpu1 w0 w1 t0 t1 status=0
  cpu0=$(tree_cpu_ticks "$SERVER_PID") || { harness_error "$label: server died during warmup"; show_log "$SERVER_LOG" "$server"; return; }
  w0=$(reaped_child_ticks)
  t0=$EPOCHREALTIME
  run_s_time "$prefix" "$CLIENTS" "$DURATION" || status=$?
  t1=$EPOCHREALTIME
  w1=$(reaped_child_ticks)
  cpu1=$(tree_cpu_ticks "$SERVER_PID") || {
    harness_error "$label: server died during the run"
    show_log "$SERVER_LOG" "$server"
    return
  }
  if ((status != 0)); then
    harness_error "$label: openssl s_time exited with status $status"
    show_log "$prefix.0" s_time
    return
  fi
  # "N connections in Xs; R connections/user sec, bytes read B" per client.
  local i line conns=0 bytes=0 n b
  for ((i = 0; i < CLIENTS; i++)); do
    line=$(grep -m1 'connections/user sec' "$prefix.$i" || true)
    if [[ ! $line =~ ^([0-9]+)\ connections.*bytes\ read\ ([0-9]+) ]]; then
      harness_error "$label: s_time client $i printed no result"
      show_log "$prefix.$i" s_time
      return
    fi
    n=${BASH_REMATCH[1]} b=${BASH_REMATCH[2]}
    conns=$((conns + n)) bytes=$((bytes + b))
  done
  local seconds
  seconds=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", b - a }')
  echo "   $label: $conns handshakes in ${seconds}s, $bytes bytes read server_cpu_ticks=$((cpu1 - cpu0)) s_time_cpu_ticks=$((w1 - w0))"
  if ((conns < 10 * DURATION)); then
    harness_error "$label: only $conns handshakes completed in ${DURATION}s: the server stalled (not recorded)"
    show_log "$SERVER_LOG" "$server"
    return
  fi
  # Each answer is at least a status line and the 6-byte body; less means requests failed.
  local errors=0
  if ((bytes < conns * 20)); then
    errors=$conns
    WARNINGS+=("$label: $bytes bytes read for $conns requests: the server did not answer them")
  fi
  record "$server" full "$CLIENTS" "$conns" "$seconds" "$bytes" $((cpu1 - cpu0)) $((w1 - w0)) n/a n/a "$errors"
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
    harness_error "$server: server did not answer HTTPS on 127.0.0.1:$PORT"
    show_log "$SERVER_LOG" "$server"
    [[ $server == nginx ]] && show_log "$TMP_DIR/nginx/error.log" nginx
    stop_server_tree
    return
  fi
  if [[ $PROBE_CODE != 200 || $PROBE_BODY != /hello ]]; then
    note "warning: $server answered GET /hello with $PROBE_CODE '$PROBE_BODY', expected 200 '/hello'"
    WARNINGS+=("$server: GET /hello answered $PROBE_CODE '$PROBE_BODY' (expected 200 '/hello')")
  fi

  local scenario conns size
  for scenario in "${SCENARIO_LIST[@]}"; do
    proc_alive "$SERVER_PID" || break # a measurement reported it (or stop_server_tree will)
    if ! supports "$server" "$scenario"; then
      echo "   $server/$scenario: skipped ($SKIP_REASON)"
      SKIPPED+=("$server/$scenario: $SKIP_REASON")
      continue
    fi
    case $scenario in
      keepalive)
        for conns in "${CONN_LIST[@]}"; do
          measure_wrk "$server" keepalive "$conns" /hello
          proc_alive "$SERVER_PID" || break
        done
        ;;
      full) measure_full "$server" ;;
      resumed) measure_wrk "$server" resumed "$CLIENTS" /hello -H 'Connection: close' ;;
      1m)
        size=$(big_body_check "$PORT")
        if [[ $size != "200 1048576" ]]; then
          harness_error "$server: GET /1m answered '${size:-nothing}' (status, bytes), expected '200 1048576'"
          [[ $server == nginx ]] && show_log "$TMP_DIR/nginx/error.log" nginx
          continue
        fi
        measure_wrk "$server" 1m 1 /1m
        ;;
    esac
  done
  stop_server_tree
}

# --- main -------------------------------------------------------------------

echo "HTTPS benchmark: TLS 1.3, ECDSA P-256 certificate; scenarios ${SCENARIO_LIST[*]}"
echo "  keepalive: wrk -t1, connections=${CONN_LIST[*]}; full: $CLIENTS x openssl s_time -new;" \
  "resumed: wrk -t1 -c$CLIENTS Connection: close; 1m: wrk -t1 -c1 GET /1m"
echo "  duration=${DURATION}s warmup=${WARMUP}s; build: $BUILD (${BUILD_TYPE:-no build type})"
echo "  $(wrk --version 2>&1 | head -n1 | cut -d' ' -f1-2 || true); $(openssl version)"
echo "  $PIN_NOTE; CPU time from /proc/PID/stat, CLK_TCK=$CLK_TCK"
[[ -r /proc/loadavg ]] && echo "  load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg) (other load skews the numbers)"
echo

for server in "${SERVER_LIST[@]}"; do
  run_server "$server"
done

# The index of the result for server/scenario/conns, or "".
find_result() { # server scenario conns
  local i
  for i in "${!R_SERVER[@]}"; do
    if [[ ${R_SERVER[$i]} == "$1" && ${R_SCENARIO[$i]} == "$2" && ${R_CONNS[$i]} == "$3" ]]; then
      echo "$i"
      return
    fi
  done
}

# One line of the issue's targets: coronet's value over the peer's against a bound.
target_line() { # what scenario conns peer metric(rate|mibs|cpu) op(<=|>=) bound
  local c p v r met
  c=$(find_result coronet "$2" "$3") p=$(find_result "$4" "$2" "$3")
  if [[ -z $c || -z $p ]]; then
    printf '| %s | n/a | %s %s | no %s result |\n' "$1" "$6" "$7" "$([[ -z $c ]] && echo coronet || echo "$4")"
    return
  fi
  case $5 in
    rate) r=$(ratio_of "${R_RATE[$c]}" "${R_RATE[$p]}") ;;
    mibs) r=$(ratio_of "${R_MIBS[$c]}" "${R_MIBS[$p]}") ;;
    cpu) r=$(ratio_of "${R_CPU_PER_REQ[$c]}" "${R_CPU_PER_REQ[$p]}") ;;
  esac
  met=$(awk -v r="$r" -v op="$6" -v b="$7" 'BEGIN {
    if (r == "n/a") print "n/a"; else if ((op == "<=" && r + 0 <= b) || (op == ">=" && r + 0 >= b)) print "met"; else print "not met" }')
  v=$r
  printf '| %s | %s | %s %s | %s |\n' "$1" "$v" "$6" "$7" "$met"
}

echo
if ((${#R_SERVER[@]} == 0)); then
  echo "no results"
else
  echo "| server | scenario | conns | req/s | MiB/s | p50 µs | p99 µs | CPU µs/req | srv CPU% | load CPU% | errors |"
  echo "|--------|----------|------:|------:|------:|-------:|-------:|-----------:|---------:|----------:|-------:|"
  for i in "${!R_SERVER[@]}"; do
    printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n" \
      "${R_SERVER[$i]}" "${R_SCENARIO[$i]}" "${R_CONNS[$i]}" "${R_RATE[$i]}" "${R_MIBS[$i]}" \
      "${R_P50[$i]}" "${R_P99[$i]}" "${R_CPU_PER_REQ[$i]}" "${R_CPU_PCT[$i]}" "${R_LOAD_PCT[$i]}" \
      "${R_ERRORS[$i]}"
  done
  echo
  echo "req/s: requests per second; in the full and resumed rows one request per TLS connection,"
  echo "so handshakes per second. MiB/s: response bytes, headers included. CPU µs/req: server CPU"
  echo "per request (per handshake in full/resumed, per MiB in 1m). load CPU% near 100: the load"
  echo "generator, not the server, limited req/s; CPU µs/req stays comparable."
  for i in "${!R_SERVER[@]}"; do
    if [[ ${R_SCENARIO[$i]} != 1m && ${R_CPU_PCT[$i]} =~ ^[0-9]+$ && ${R_LOAD_PCT[$i]} =~ ^[0-9]+$ ]] &&
      ((R_CONNS[i] > 1 && R_CPU_PCT[i] < 70 && R_LOAD_PCT[i] < 70)); then
      echo "srv CPU% and load CPU% both well below 100 with several connections: other processes"
      echo "took the CPUs during those runs; their numbers are not trustworthy, rerun on an idle machine."
      break
    fi
  done

  echo
  echo "Ratios, coronet / peer (req/s > 1: coronet serves more; CPU/req < 1: coronet uses less CPU per request):"
  echo
  ratio_rows=()
  for c in "${!R_SERVER[@]}"; do
    [[ ${R_SERVER[$c]} == coronet ]] || continue
    for i in "${!R_SERVER[@]}"; do
      [[ ${R_SERVER[$i]} != coronet && ${R_SCENARIO[$i]} == "${R_SCENARIO[$c]}" && ${R_CONNS[$i]} == "${R_CONNS[$c]}" ]] || continue
      ratio_rows+=("| ${R_SCENARIO[$c]} | ${R_CONNS[$c]} | coronet vs ${R_SERVER[$i]} | $(ratio_of "${R_RATE[$c]}" "${R_RATE[$i]}") | $(ratio_of "${R_CPU_PER_REQ[$c]}" "${R_CPU_PER_REQ[$i]}") |")
    done
  done
  if ((${#ratio_rows[@]} > 0)); then
    echo "| scenario | conns | pair | req/s ratio | CPU/req ratio |"
    echo "|----------|------:|------|------------:|--------------:|"
    printf '%s\n' "${ratio_rows[@]}"
  else
    echo "(none: needs a coronet result and a peer result in the same scenario)"
  fi

  echo
  echo "Targets (issue 17):"
  echo
  echo "| target | coronet / peer | bound | |"
  echo "|--------|---------------:|-------|---|"
  target_line "keep-alive c50: CPU/req vs nginx" keepalive 50 nginx cpu "<=" 1
  target_line "keep-alive c50: CPU/req vs node" keepalive 50 node cpu "<=" 0.5
  target_line "full handshakes/s vs nginx" full "$CLIENTS" nginx rate ">=" 0.9
  target_line "1 MiB body MiB/s vs nginx" 1m 1 nginx mibs ">=" 0.9
fi

# One row per completed run, for bench/run-all.sh.
if [[ -n $TSV ]]; then
  {
    printf 'server\tscenario\tconnections\treq_per_sec\tmib_per_sec\tp50_us\tp99_us\tcpu_us_per_req\tsrv_cpu_pct\tload_cpu_pct\terrors\n'
    for i in "${!R_SERVER[@]}"; do
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${R_SERVER[$i]}" "${R_SCENARIO[$i]}" \
        "${R_CONNS[$i]}" "${R_RATE[$i]}" "${R_MIBS[$i]}" "${R_P50[$i]}" "${R_P99[$i]}" \
        "${R_CPU_PER_REQ[$i]}" "${R_CPU_PCT[$i]}" "${R_LOAD_PCT[$i]}" "${R_ERRORS[$i]}"
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
