# shellcheck shell=bash
# What the benchmark scripts (echo.sh, http.sh, https.sh, idle.sh, bulk.sh) share: argument checks, CPU
# pinning, reading a process's CPU time from /proc, harness-error bookkeeping, and starting,
# probing and stopping the echo servers. Sourced after the script defines note() (its messages
# carry the script's name).

is_uint() { [[ $1 =~ ^[0-9]+$ ]]; }

expand_cpu_list() { # "0-2,5" -> "0 1 2 5"
  local part lo hi out=()
  local -a parts
  IFS=, read -ra parts <<<"$1"
  for part in "${parts[@]}"; do
    if [[ $part =~ ^([0-9]+)-([0-9]+)$ ]]; then
      for ((lo = BASH_REMATCH[1], hi = BASH_REMATCH[2]; lo <= hi; lo++)); do out+=("$lo"); done
    elif [[ $part =~ ^[0-9]+$ ]]; then
      out+=("$part")
    fi
  done
  echo "${out[*]}"
}

# Sets CLK_TCK (clock ticks per second of /proc/PID/stat times) or exits.
require_clk_tck() {
  CLK_TCK=$(getconf CLK_TCK 2>/dev/null) || CLK_TCK=
  if ! is_uint "$CLK_TCK" || ((CLK_TCK == 0)); then
    note "error: cannot determine CLK_TCK"
    exit 1
  fi
}

# Sets BUILD_TYPE from the build in directory $1 and warns unless it is optimized; $2 says whose
# numbers that concerns.
# shellcheck disable=SC2034 # BUILD_TYPE is for the sourcing script
warn_unless_optimized() { # build_dir subject
  BUILD_TYPE=
  if [[ -f $1/CMakeCache.txt ]]; then
    BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$1/CMakeCache.txt")
  fi
  case $BUILD_TYPE in
    Release | RelWithDebInfo | MinSizeRel) ;;
    *) note "warning: build type is '${BUILD_TYPE:-<none>}'; $2 only meaningful for an optimized build (-DCMAKE_BUILD_TYPE=Release)" ;;
  esac
}

# CPU placement: the server on the first allowed CPU, the load on the second. Sets SERVER_PIN
# and LOAD_PIN (command prefixes, empty when unpinned) and PIN_NOTE.
# shellcheck disable=SC2034 # the variables are for the sourcing script
pin_two_cpus() { # load_name server_pinned_as load_pinned_as
  SERVER_PIN=()
  LOAD_PIN=()
  local -a allowed=()
  if [[ -r /proc/self/status ]]; then
    read -ra allowed <<<"$(expand_cpu_list "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)")"
  fi
  if ! command -v taskset >/dev/null 2>&1; then
    PIN_NOTE="taskset not found: server and $1 run unpinned"
  elif ((${#allowed[@]} >= 2)); then
    SERVER_PIN=(taskset -c "${allowed[0]}")
    LOAD_PIN=(taskset -c "${allowed[1]}")
    PIN_NOTE="$2 pinned to CPU ${allowed[0]}, $3 pinned to CPU ${allowed[1]}"
  else
    PIN_NOTE="only $(nproc) CPU available: server and $1 run unpinned and share it"
  fi
}

proc_alive() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) }
  [[ ${stat:0:1} != Z ]]
}

cpu_ticks() {
  local stat
  read -r stat 2>/dev/null <"/proc/$1/stat" || return 1
  stat=${stat##*) } # drop "pid (comm) ", comm may contain spaces
  local -a f
  read -ra f <<<"$stat"
  # f[0] is field 3 (state); utime/stime are fields 14/15.
  echo $((f[11] + f[12]))
}

HARNESS_ERRORS=0
harness_error() {
  note "error: $*"
  HARNESS_ERRORS=$((HARNESS_ERRORS + 1))
}

show_log() { # file label
  if [[ -s $1 ]]; then
    sed "s/^/    [$2] /" "$1" | tail -n 20 >&2
  fi
}

BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# Sets BUILD to the absolute path of build directory $1 or exits 1. A relative path is looked up
# in the current directory, then in the repository root.
resolve_build_dir() { # dir
  BUILD=$1
  if [[ ! -d $BUILD && $BUILD != /* && -d $BENCH_DIR/../$BUILD ]]; then
    BUILD=$BENCH_DIR/../$BUILD
  fi
  [[ -d $BUILD ]] || { note "error: build directory '$BUILD' not found (use --build-dir)"; exit 1; }
  BUILD=$(cd "$BUILD" && pwd)
}

# Raises this shell's descriptor limit (inherited by the servers and load generators it starts)
# to at least N. Root without CAP_SYS_RESOURCE (a container) cannot go past the hard limit.
raise_nofile() { # n
  local soft hard
  soft=$(ulimit -Sn) hard=$(ulimit -Hn)
  if [[ $soft == unlimited ]] || (($1 <= soft)); then return 0; fi
  if [[ $hard == unlimited ]] || (($1 <= hard)); then
    ulimit -Sn "$1" 2>/dev/null && return 0
  fi
  ulimit -n "$1" 2>/dev/null && return 0
  note "error: need $1 open files but the limit is $soft (hard $hard) and cannot be raised"
  return 1
}

# --- HTTP servers (http.sh, https.sh) -----------------------------------------
# A server here may be a process tree (nginx's master and worker): its CPU time is the tree's, and
# stopping it waits for the whole tree. Files under /proc are read with `read`: a failing
# $(<file) would end a script running under set -e.

# Direct children of PID (nginx's worker), from /proc (no procps needed).
child_pids() {
  local f stat pid
  local -a fields
  for f in /proc/[0-9]*/stat; do
    read -r stat 2>/dev/null <"$f" || continue
    pid=${stat%% *}
    stat=${stat##*) }
    read -ra fields <<<"$stat"
    [[ ${fields[1]} == "$1" ]] && echo "$pid"
  done
  return 0
}

# PID and its direct children.
process_tree() { echo "$1"; child_pids "$1"; }

# utime+stime of PID and its child processes (nginx master + worker).
tree_cpu_ticks() {
  local total=0 p t
  cpu_ticks "$1" >/dev/null || return 1
  for p in $(process_tree "$1"); do
    t=$(cpu_ticks "$p") || t=0
    total=$((total + t))
  done
  echo "$total"
}

# cutime+cstime of this shell: CPU time of the children it has waited for
# (used for wrk, which is gone by the time we could read its own stat).
reaped_child_ticks() {
  local stat
  read -r stat <"/proc/$$/stat"
  stat=${stat##*) }
  local -a f
  read -ra f <<<"$stat"
  # cutime/cstime are fields 16/17.
  echo $((f[13] + f[14]))
}

# SIGTERM to SERVER_PID (nginx: fast shutdown, the master stops its worker), up to 5 s for the
# whole tree to exit, then SIGKILL; notes an exit status other than 0.
stop_server_tree() {
  local pid=$SERVER_PID i status=0 p alive
  [[ -n $pid ]] || return 0
  local -a tree
  mapfile -t tree < <(process_tree "$pid")
  kill -TERM "$pid" 2>/dev/null || true # nginx: fast shutdown, the master stops its worker
  for ((i = 0; i < 500; i++)); do
    alive=0
    for p in "${tree[@]}"; do
      if proc_alive "$p"; then alive=1; fi
    done
    ((alive)) || break
    sleep 0.01
  done
  if ((alive)); then
    note "warning: server did not exit within 5 s of SIGTERM; killing it"
    kill -KILL "${tree[@]}" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || status=$?
  SERVER_PID=
  if ((status != 0)); then
    note "note: server exited with status $status (expected 0 after SIGTERM)"
  fi
}

# Picks a TCP port from NEXT_PORT up that refuses connections (so the probe cannot be fooled);
# sets PORT. curl's exit status 7 is "connection refused".
# shellcheck disable=SC2034 # PORT is for the sourcing script
pick_refused_port() {
  local tries port rc
  for ((tries = 0; tries < 100; tries++)); do
    port=$NEXT_PORT
    NEXT_PORT=$((NEXT_PORT + 1))
    rc=0
    curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/" || rc=$?
    if ((rc == 7)); then # connection refused: free
      PORT=$port
      return 0
    fi
  done
  return 1
}

# Polls until SERVER_PID answers: the sourcing script's probe PORT succeeds; at most ~10 s.
wait_until_answering() { # port
  local i
  for ((i = 0; i < 400; i++)); do
    proc_alive "$SERVER_PID" || return 1
    probe "$1" && return 0
    sleep 0.025
  done
  return 1
}

# The temp-path directives for the modules this nginx ($1) has, inside directory $2, so that
# nothing touches /var/lib/nginx (one per line, indented for the http block).
nginx_temp_paths() { # nginx dir
  local m v
  printf '    client_body_temp_path %s/client_body;\n' "$2"
  v=$("$1" -V 2>&1 || true)
  for m in proxy fastcgi uwsgi scgi; do
    [[ $v == *--without-http_${m}_module* ]] && continue
    printf '    %s_temp_path %s/%s;\n' "$m" "$2" "$m"
  done
}

# Writes a wrk script to FILE that prints one machine-readable line at the end (latencies in
# us). Only done() is defined, so wrk keeps its static, pre-built request.
write_wrk_report_script() { # file
  cat >"$1" <<'EOF'
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "wrk_result requests=%d duration_us=%d bytes=%d avg_us=%.1f p50_us=%d p99_us=%d " ..
    "max_us=%d err_connect=%d err_read=%d err_write=%d err_status=%d err_timeout=%d\n",
    summary.requests, summary.duration, summary.bytes, latency.mean,
    latency:percentile(50), latency:percentile(99), latency.max,
    e.connect, e.read, e.write, e.status, e.timeout))
end
EOF
}

# --- echo servers (echo.sh, idle.sh) -----------------------------------------
# The sourcing script sets BUILD and LOADGEN (echo-loadgen); SERVER_PID is the running server.

# shellcheck disable=SC2034 # for the sourcing scripts' --servers checks
ECHO_SERVERS=(coronet coronet-asio asio uring-plain uring-multishot node)

# Sets SERVER_CMD for server/transport/endpoint (a TCP port or a socket path), or SKIP_REASON
# and returns 1. `coronet` runs with its default backend (io_uring where the kernel allows it),
# `coronet-asio` with the Boost.Asio (epoll) one.
# shellcheck disable=SC2034 # SKIP_REASON is for the sourcing script
echo_server_command() { # server transport endpoint
  local server=$1 transport=$2 endpoint=$3 bin addr_flag=--port
  SERVER_CMD=()
  SKIP_REASON=
  [[ $transport == unix ]] && addr_flag=--unix
  case $server in
    coronet | coronet-asio)
      bin=$BUILD/samples/tcp-echo-server
      [[ $transport == unix ]] && bin=$BUILD/samples/pipe-echo-server
      [[ -x $bin ]] || { SKIP_REASON="$bin not built"; return 1; }
      [[ $server == coronet-asio ]] && SERVER_CMD=(env CORONET_BACKEND=asio)
      if [[ $transport == tcp ]]; then
        SERVER_CMD+=("$bin" --quiet --host 127.0.0.1 --port "$endpoint")
      else
        SERVER_CMD+=("$bin" --quiet --path "$endpoint")
      fi
      ;;
    asio | uring-plain | uring-multishot)
      bin=$BUILD/bench/asio-echo-server
      [[ $server == uring-* ]] && bin=$BUILD/bench/uring-echo-${server#uring-}
      [[ -x $bin ]] || { SKIP_REASON="$bin not built"; return 1; }
      SERVER_CMD=("$bin" "$addr_flag" "$endpoint")
      ;;
    node)
      command -v node >/dev/null 2>&1 || { SKIP_REASON="node not found in PATH"; return 1; }
      [[ -f $BENCH_DIR/peers/node_echo_server.js ]] || { SKIP_REASON="node_echo_server.js missing"; return 1; }
      SERVER_CMD=(node "$BENCH_DIR/peers/node_echo_server.js" "$addr_flag" "$endpoint")
      ;;
    *)
      SKIP_REASON="unknown server $server"
      return 1
      ;;
  esac
}

loadgen_target() { # transport endpoint -> echo-loadgen address flags
  if [[ $1 == tcp ]]; then echo "--tcp 127.0.0.1:$2"; else echo "--unix $2"; fi
}

echo_probe() { # transport endpoint
  # shellcheck disable=SC2046
  "$LOADGEN" --probe $(loadgen_target "$1" "$2") >/dev/null 2>&1
}

# Picks a TCP port from NEXT_PORT up that nothing accepts on (so the probe cannot be fooled);
# sets PORT.
# shellcheck disable=SC2034 # PORT is for the sourcing script
pick_port() {
  local tries port
  for ((tries = 0; tries < 100; tries++)); do
    port=$NEXT_PORT
    NEXT_PORT=$((NEXT_PORT + 1))
    if ! echo_probe tcp "$port"; then
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
    echo_probe "$1" "$2" && return 0
    sleep 0.025
  done
  return 1
}

# SIGTERM, up to 5 s for the server to exit, then SIGKILL; notes an exit status other than 0.
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

# Polls FILE for a line equal to WORD while PID lives; fails after TIMEOUT seconds.
wait_for_line() { # file word timeout_s pid
  local limit i
  limit=$(awk -v t="$3" 'BEGIN { printf "%d", t * 100 + 1 }')
  for ((i = 0; i < limit; i++)); do
    grep -qx "$2" "$1" 2>/dev/null && return 0
    proc_alive "$4" || { grep -qx "$2" "$1" 2>/dev/null; return; }
    sleep 0.01
  done
  return 1
}
