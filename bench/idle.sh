#!/usr/bin/env bash
# bench/idle.sh: what an idle connection costs an echo server in memory.
#
# For every server, one after another: start it pinned to one CPU, read its
# VmRSS (and VmData) from /proc/PID/status once it has settled, open N
# connections to it with `echo-loadgen --idle N` (pinned to another CPU),
# which does one round trip of --size bytes on each connection (so the
# server has accepted and served every one) and then holds them all open,
# idle; wait until the server's RSS stops changing, read it again, let the
# connections go and stop the server.  Reports (after - before) / N, in
# bytes per connection.  --tsv also writes the rows as tab-separated values
# (bench/run-all.sh reads those).  See bench/README.md.
#
# Exit status: 0 when every selected run completed (whatever the numbers),
# 1 on harness errors (missing load generator, a server that does not start
# or dies, too few descriptors), 2 on bad flags.

set -uo pipefail

BUILD=build
CONNECTIONS=10000
SIZE=64
TRANSPORT=tcp
SERVERS=coronet,coronet-asio,asio,uring-plain,uring-multishot
BASE_PORT=18988
TSV=
# The io_uring backend's goal for an idle connection (bench/README.md).
TARGET_BYTES=2048

usage() {
  cat <<EOF
usage: bench/idle.sh [options]

  --build-dir DIR      CMake build directory (default: build; relative paths
                       are tried in the current directory, then the repo root)
  --connections N      idle connections to open (default: 10000)
  --size S             bytes of the one round trip on each (default: 64)
  --transport T        tcp | unix | both (default: tcp)
  --servers LIST       comma list of coronet, coronet-asio, asio, uring-plain,
                       uring-multishot, node (default: all but node)
  --base-port P        first TCP port to try (default: 18988)
  --tsv FILE           also write the results as tab-separated values to FILE
  -h, --help           show this help

Binaries as for bench/echo.sh (DIR/bench/echo-loadgen and the servers);
missing servers are skipped with a note.  The script, the servers and the
load generator need N + 64 open files each: it raises 'ulimit -n' (as far as
the hard limit allows, or further as root with CAP_SYS_RESOURCE).
EOF
}

usage_error() {
  echo "idle.sh: $*" >&2
  usage >&2
  exit 2
}

note() { echo "idle.sh: $*" >&2; }
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
    --transport) TRANSPORT=$val ;;
    --servers) SERVERS=$val ;;
    --base-port) BASE_PORT=$val ;;
    --tsv) TSV=$val ;;
    *) usage_error "unknown option '$opt'" ;;
  esac
done

if ! is_uint "$CONNECTIONS" || ((10#$CONNECTIONS == 0 || 10#$CONNECTIONS > 100000)); then
  usage_error "invalid --connections '$CONNECTIONS' (1 .. 100000)"
fi
if ! is_uint "$SIZE" || ((10#$SIZE == 0 || 10#$SIZE > 65536)); then usage_error "invalid --size '$SIZE' (1 .. 65536)"; fi
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
warn_unless_optimized "$BUILD" "numbers are"
pin_two_cpus "load generator" "server" "load generator"
# N connections are N descriptors in the server and N in the load generator (each process has
# its own limit, inherited from here).
raise_nofile $((CONNECTIONS + 64)) || exit 1

TMP_DIR=$(mktemp -d /tmp/coronet-idle-bench.XXXXXX) || { note "error: mktemp failed"; exit 1; }
SERVER_PID=
LOADGEN_PID=
SOCK_PATHS=()

# shellcheck disable=SC2317  # invoked via trap
cleanup() {
  local pid p
  for pid in "$LOADGEN_PID" "$SERVER_PID"; do
    if [[ -n $pid ]]; then
      disown "$pid" 2>/dev/null # no "Killed" job notice
      kill -KILL "$pid" 2>/dev/null
    fi
  done
  for p in "${SOCK_PATHS[@]}"; do rm -f "$p"; done
  rm -rf "$TMP_DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- helpers ----------------------------------------------------------------

status_kb() { # pid field -> the field of /proc/PID/status in kB (VmRSS, VmData)
  local key value
  while read -r key value _; do
    if [[ $key == "$2:" ]]; then
      echo "$value"
      return 0
    fi
  done 2>/dev/null <"/proc/$1/status"
  return 1
}

# Waits until the server's VmRSS has not changed for 3 samples 100 ms apart (at most ~TIMEOUT
# seconds; the last reading is used either way). Sets RSS_KB.
settle_rss() { # timeout_s
  local i same=0 last=-1 rss
  for ((i = 0; i < $1 * 10; i++)); do
    rss=$(status_kb "$SERVER_PID" VmRSS) || return 1
    if ((rss == last)); then
      ((++same >= 3)) && break
    else
      same=0
    fi
    last=$rss
    sleep 0.1
  done
  RSS_KB=$rss
}

# io_uring or epoll, from the server's descriptors (looked at before the connections exist).
backend_of() { # pid
  local fd link seen=unknown
  for fd in /proc/"$1"/fd/*; do
    link=$(readlink "$fd" 2>/dev/null) || continue
    case $link in
      *'[io_uring]'*) echo io_uring; return ;;
      *'[eventpoll]'*) seen=epoll ;;
    esac
  done
  echo "$seen"
}

NEXT_PORT=$BASE_PORT

# Results, one entry per completed run.
R_SERVER=() R_TRANSPORT=() R_BACKEND=() R_RSS0=() R_RSS1=() R_RSS_PER=() R_DATA_PER=() R_FDS=()
SKIPPED=()

run_one() { # server transport
  local server=$1 transport=$2 endpoint label="$1/$2"

  if [[ $transport == tcp ]]; then
    pick_port || { harness_error "$label: no free TCP port found from $BASE_PORT"; return; }
    endpoint=$PORT
  else
    endpoint=/tmp/coronet-idle-$$-$server.sock
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
  SERVER_PID=$! # taskset and env exec the server, so this is the server's PID
  if ! wait_until_accepting "$transport" "$endpoint"; then
    harness_error "$label: server did not start accepting connections at $endpoint"
    show_log "$server_log" "$server"
    stop_server
    return
  fi

  local backend rss0 rss1 data0 data1 fds
  backend=$(backend_of "$SERVER_PID")
  if ! settle_rss 2 || ! data0=$(status_kb "$SERVER_PID" VmData); then
    harness_error "$label: server died before the connections"
    show_log "$server_log" "$server"
    stop_server
    return
  fi
  rss0=$RSS_KB

  # shellcheck disable=SC2046
  "${LOAD_PIN[@]}" "$LOADGEN" $(loadgen_target "$transport" "$endpoint") --idle "$CONNECTIONS" \
    --size "$SIZE" </dev/null >"$lg_out" 2>"$lg_err" &
  LOADGEN_PID=$!

  local ok=1
  if ! wait_for_line "$lg_out" ready $((30 + CONNECTIONS / 500)) "$LOADGEN_PID"; then
    harness_error "$label: load generator did not get its $CONNECTIONS connections through a round trip"
    ok=0
  elif ! settle_rss 5 || ! data1=$(status_kb "$SERVER_PID" VmData); then
    harness_error "$label: server died with the connections open"
    ok=0
  else
    rss1=$RSS_KB
    fds=$(find "/proc/$SERVER_PID/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  fi

  local lg_status=0
  kill -USR1 "$LOADGEN_PID" 2>/dev/null
  wait "$LOADGEN_PID"
  lg_status=$?
  LOADGEN_PID=
  stop_server
  if ((ok && lg_status != 0)); then
    harness_error "$label: load generator exited with status $lg_status"
    ok=0
  fi
  if ((!ok)); then
    show_log "$lg_err" loadgen
    show_log "$server_log" "$server"
    return
  fi

  echo "   $(head -n1 "$lg_out") backend=$backend VmRSS_kB=$rss0->$rss1 VmData_kB=$data0->$data1 server_fds=$fds"
  R_SERVER+=("$server")
  R_TRANSPORT+=("$transport")
  R_BACKEND+=("$backend")
  R_RSS0+=("$rss0")
  R_RSS1+=("$rss1")
  R_RSS_PER+=("$(((rss1 - rss0) * 1024 / CONNECTIONS))")
  R_DATA_PER+=("$(((data1 - data0) * 1024 / CONNECTIONS))")
  R_FDS+=("$fds")
}

# --- main -------------------------------------------------------------------

echo "idle-connection memory: connections=$CONNECTIONS, one round trip of $SIZE B on each, then idle"
echo "  build: $BUILD (${BUILD_TYPE:-no build type})"
echo "  $PIN_NOTE; memory from /proc/PID/status (VmRSS: resident; VmData: heap and private mappings)"
echo "  descriptor limit: $(ulimit -Sn) (hard $(ulimit -Hn))"
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
  fmt="%-15s %-9s %-8s %12s %12s %11s %12s %10s\n"
  # shellcheck disable=SC2059
  printf "$fmt" server transport backend "RSS before" "RSS after" "RSS B/conn" "VmData B/conn" "server fds"
  for i in "${!R_SERVER[@]}"; do
    # shellcheck disable=SC2059
    printf "$fmt" "${R_SERVER[$i]}" "${R_TRANSPORT[$i]}" "${R_BACKEND[$i]}" "${R_RSS0[$i]} kB" \
      "${R_RSS1[$i]} kB" "${R_RSS_PER[$i]}" "${R_DATA_PER[$i]}" "${R_FDS[$i]}"
  done
  echo
  echo "RSS B/conn: (VmRSS after - before) / connections: the memory the idle connections keep"
  echo "resident.  VmData B/conn: the same for heap and private mappings, resident or not (a buffer"
  echo "allocated but never touched counts here only).  Kernel socket memory is in neither."
  for i in "${!R_SERVER[@]}"; do
    [[ ${R_SERVER[$i]} == coronet && ${R_BACKEND[$i]} == io_uring ]] || continue
    verdict=met
    ((R_RSS_PER[i] <= TARGET_BYTES)) || verdict="not met"
    echo "coronet (io_uring), ${R_TRANSPORT[$i]}: ${R_RSS_PER[$i]} B/conn resident; target <= $TARGET_BYTES B: $verdict"
  done
  # coronet against the limit: the liburing peer that keeps the least resident per connection.
  for transport in "${TRANSPORTS[@]}"; do
    c="" limit=""
    for i in "${!R_SERVER[@]}"; do
      [[ ${R_TRANSPORT[$i]} == "$transport" ]] || continue
      [[ ${R_SERVER[$i]} == coronet ]] && c=$i
      if [[ ${R_SERVER[$i]} == uring-* ]] && { [[ -z $limit ]] || ((R_RSS_PER[i] < R_RSS_PER[limit])); }; then
        limit=$i
      fi
    done
    [[ -n $c && -n $limit ]] || continue
    awk -v tr="$transport" -v peer="${R_SERVER[$limit]}" -v c="${R_RSS_PER[$c]}" -v l="${R_RSS_PER[$limit]}" 'BEGIN {
      printf "%s: coronet / the limit (%s), RSS per connection: %s\n", tr, peer, (l > 0 ? sprintf("%.2f", c / l) : "n/a")
    }'
  done
fi

if [[ -n $TSV ]]; then
  {
    printf 'transport\tserver\tbackend\tconnections\trss_before_kb\trss_after_kb\trss_bytes_per_conn\tdata_bytes_per_conn\tserver_fds\n'
    for i in "${!R_SERVER[@]}"; do
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "${R_TRANSPORT[$i]}" "${R_SERVER[$i]}" \
        "${R_BACKEND[$i]}" "$CONNECTIONS" "${R_RSS0[$i]}" "${R_RSS1[$i]}" "${R_RSS_PER[$i]}" \
        "${R_DATA_PER[$i]}" "${R_FDS[$i]}"
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
