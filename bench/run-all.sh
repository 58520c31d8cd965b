#!/usr/bin/env bash
# bench/run-all.sh: every benchmark in one command, with a report.
#
# Builds what is missing (Release, bench targets on), then runs, one after another: the echo
# matrix (bench/echo.sh over connections x message sizes, TCP and unix sockets, coronet against
# Asio, the two raw liburing peers and Node), HTTP (bench/http.sh), HTTPS (bench/https.sh),
# WebSocket (bench/websocket.sh), IPC (bench/ipc.sh), bulk
# transfer (bench/bulk.sh), idle-connection memory (bench/idle.sh) and, when another script
# provides it, scaling (bench/scaling.sh). Each script writes tab-separated rows (--tsv) that
# this one turns into Markdown tables and gnuplot plots; nothing is scraped from their pretty
# output. Everything lands in OUT/<UTC date-time>/ (OUT defaults to bench/results):
#
#   results.md        the tables, ratios, exact commands and the machine
#   *.png             the plots (gnuplot, pngcairo)
#   raw/              each script's own output (.txt) and rows (.tsv)
#   plots/            the data and gnuplot scripts behind the plots
#
# and OUT/latest points at the newest run. A benchmark that fails is reported and the others
# still run. Not part of CI or CTest: numbers need a quiet machine and minutes.
#
# Exit status: 0 when every benchmark completed, 1 when one failed (or the build did), 2 on bad
# flags.

set -uo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$SCRIPT_DIR/.." && pwd)

BUILD=build
QUICK=0
OUT=$SCRIPT_DIR/results
ONLY=echo,http,https,websocket,ipc,bulk,idle,scaling
ALL_BENCHMARKS=(echo http https websocket ipc bulk idle scaling)

usage() {
  cat <<EOF
usage: bench/run-all.sh [--build-dir DIR] [--quick] [--out DIR] [--only LIST]

  --build-dir DIR   CMake build directory (default: build; relative paths are
                    tried in the current directory, then the repo root). Made
                    and built (Release, -DCORONET_BUILD_BENCH=ON) when the
                    benchmark binaries are missing.
  --quick           short runs (about 1 s each) and a reduced echo matrix:
                    a smoke test of the whole harness in about 4 minutes
                    (the full run takes about 14)
  --out DIR         where the run directories go (default: bench/results);
                    this run writes DIR/<UTC date-time>/, DIR/latest points at it
  --only LIST       comma list of echo,http,https,websocket,ipc,bulk,idle,scaling
                    (default: all)
  -h, --help        show this help

Needs wrk and curl for HTTP (and openssl for HTTPS), node for the Node peers
(skipped without; the WebSocket one needs node-ws too), gnuplot for the plots
(installed with apt-get as root when missing, otherwise skipped), nginx for the
nginx HTTP and HTTPS peers (skipped without).
EOF
}

usage_error() {
  echo "run-all.sh: $*" >&2
  usage >&2
  exit 2
}

note() { echo "run-all.sh: $*" >&2; }
# shellcheck source=bench/lib.sh
. "$SCRIPT_DIR/lib.sh"

while (($#)); do
  case $1 in
    -h | --help)
      usage
      exit 0
      ;;
    --quick)
      QUICK=1
      shift
      ;;
    --build-dir | --out | --only)
      (($# >= 2)) || usage_error "option $1 requires a value"
      case $1 in
        --build-dir) BUILD=$2 ;;
        --out) OUT=$2 ;;
        --only) ONLY=$2 ;;
      esac
      shift 2
      ;;
    --build-dir=* | --out=* | --only=*)
      case $1 in
        --build-dir=*) BUILD=${1#*=} ;;
        --out=*) OUT=${1#*=} ;;
        --only=*) ONLY=${1#*=} ;;
      esac
      shift
      ;;
    *) usage_error "unknown argument '$1'" ;;
  esac
done
IFS=, read -ra ONLY_LIST <<<"$ONLY"
((${#ONLY_LIST[@]} > 0)) || usage_error "empty --only"
for b in "${ONLY_LIST[@]}"; do
  [[ " ${ALL_BENCHMARKS[*]} " == *" $b "* ]] || usage_error "unknown benchmark '$b' in --only (${ALL_BENCHMARKS[*]})"
done
selected() { [[ ",$ONLY," == *",$1,"* ]]; }

# --- the plan ---------------------------------------------------------------

# Echo matrix cells, CONNECTIONS:SIZE:TRANSPORT (echo.sh runs every server on each).
if ((QUICK)); then
  ECHO_CELLS=(1:64:tcp 50:64:both 500:4096:tcp)
  ECHO_TIME=(--duration 1 --warmup 0.5)
  HTTP_TIME=(--duration 1 --warmup 1)
  HTTPS_TIME=(--duration 1 --warmup 1)
  WEBSOCKET_ARGS=(--quick)
  IPC_ARGS=(--messages 20000 --pipelined-messages 100000 --warmup 2000 --repeat 1)
  BULK_ARGS=(--duration 1 --repeat 1)
  IDLE_SERVERS=coronet,coronet-asio,asio,uring-plain,uring-multishot
else
  ECHO_CELLS=()
  for c in 1 50 500; do for s in 64 4096; do ECHO_CELLS+=("$c:$s:both"); done; done
  ECHO_TIME=(--duration 5 --warmup 1)
  HTTP_TIME=(--duration 5 --warmup 1)
  HTTPS_TIME=(--duration 5 --warmup 1)
  WEBSOCKET_ARGS=(--duration 5 --warmup 1)
  IPC_ARGS=(--mixed)
  BULK_ARGS=(--duration 5 --repeat 3)
  IDLE_SERVERS=coronet,coronet-asio,asio,uring-plain,uring-multishot,node
fi
ECHO_SERVERS_RUN=coronet,asio,uring-plain,uring-multishot,node
# The order of servers in tables and plots.
ECHO_ORDER="coronet coronet-asio asio uring-plain uring-multishot node"
HTTP_ORDER="coronet nginx beast node"
HTTPS_ORDER="coronet nginx node"
WEBSOCKET_ORDER="coronet beast node"

# --- build ------------------------------------------------------------------

# As in the other scripts, a relative directory is looked up in the current directory, then in
# the repository root; a new one is made in the repository root.
[[ -d $BUILD || $BUILD == /* ]] || BUILD=$REPO/$BUILD
mkdir -p "$BUILD" || { note "error: cannot create build directory '$BUILD'"; exit 1; }
BUILD=$(cd "$BUILD" && pwd)

# What each selected benchmark runs (https: see below; scaling.sh runs the echo server and
# load generator), so that --only builds no more than it needs.
NEEDED_TARGETS=()
NEEDED_SAMPLES=()
if selected echo || selected idle || selected scaling; then
  NEEDED_TARGETS+=(echo-loadgen)
  NEEDED_SAMPLES+=(tcp-echo-server)
fi
if selected echo || selected idle; then
  NEEDED_TARGETS+=(asio-echo-server uring-echo-plain uring-echo-multishot)
fi
selected echo && NEEDED_SAMPLES+=(pipe-echo-server)
selected http && NEEDED_TARGETS+=(beast-http-server) && NEEDED_SAMPLES+=(http-server)
selected websocket && NEEDED_TARGETS+=(ws-load)
selected ipc && NEEDED_TARGETS+=(ipc-bench ipc-socketpair)
selected bulk && NEEDED_TARGETS+=(bulk-pair bulk-coronet)
missing_targets() {
  local t
  for t in "${NEEDED_TARGETS[@]}"; do [[ -x $BUILD/bench/$t ]] || echo "$t"; done
  for t in "${NEEDED_SAMPLES[@]}"; do [[ -x $BUILD/samples/$t ]] || echo "$t"; done
}
configure=(cmake -S "$REPO" -B "$BUILD" -DCORONET_BUILD_BENCH=ON -DCORONET_BUILD_SAMPLES=ON)
# A new build directory gets an optimized build without the tests; an existing one keeps its
# generator and build type (warn_unless_optimized says when that is not Release).
if [[ ! -f $BUILD/CMakeCache.txt ]]; then
  configure+=(-DCMAKE_BUILD_TYPE=Release -DCORONET_BUILD_TESTS=OFF)
  command -v ninja >/dev/null 2>&1 && configure+=(-G Ninja)
fi
BUILD_LOG=
mapfile -t MISSING < <(missing_targets)
if ((${#MISSING[@]} > 0)); then
  BUILD_LOG=$(mktemp /tmp/coronet-run-all-build.XXXXXX.log)
  note "building ${MISSING[*]} in $BUILD (log: $BUILD_LOG)"
  if ! "${configure[@]}" >"$BUILD_LOG" 2>&1 ||
    ! cmake --build "$BUILD" --target "${MISSING[@]}" >>"$BUILD_LOG" 2>&1; then
    note "error: the build failed; the end of $BUILD_LOG:"
    tail -n 30 "$BUILD_LOG" >&2
    exit 1
  fi
fi
# coronet's HTTPS sample comes with the tls module, which a build without OpenSSL 3 (or a
# checkout from before the sample) does not have: it is built when it can be, and https.sh
# otherwise runs the peers alone and says why coronet is missing.
HTTPS_BUILD_LOG=
if selected https && [[ ! -x $BUILD/bench/https-coronet ]]; then
  HTTPS_BUILD_LOG=$(mktemp /tmp/coronet-run-all-https-build.XXXXXX.log)
  note "building https-coronet in $BUILD (log: $HTTPS_BUILD_LOG)"
  if ! { [[ -f $BUILD/CMakeCache.txt ]] || "${configure[@]}"; } >"$HTTPS_BUILD_LOG" 2>&1 ||
    ! cmake --build "$BUILD" --target https-coronet >>"$HTTPS_BUILD_LOG" 2>&1; then
    note "https-coronet could not be built (no such target here, or no OpenSSL 3): the HTTPS benchmark runs without coronet"
  fi
fi
# The WebSocket peers other than the load generator are built when they can be: coronet's come
# with the websocket module (not in a checkout from before it), ws-beast with Boost.Beast's
# headers; websocket.sh runs the peers it finds and says why the others are missing.
WEBSOCKET_BUILD_LOG=
if selected websocket; then
  ws_optional=()
  [[ -x $BUILD/bench/ws-coronet ]] || ws_optional+=(ws-coronet)
  [[ -x $BUILD/bench/ws-beast ]] || ws_optional+=(ws-beast)
  if ((${#ws_optional[@]} > 0)); then
    WEBSOCKET_BUILD_LOG=$(mktemp /tmp/coronet-run-all-websocket-build.XXXXXX.log)
    note "building ${ws_optional[*]} in $BUILD where they exist (log: $WEBSOCKET_BUILD_LOG)"
    for t in "${ws_optional[@]}"; do
      cmake --build "$BUILD" --target "$t" >>"$WEBSOCKET_BUILD_LOG" 2>&1 ||
        note "$t could not be built (no such target here): the WebSocket benchmark runs without it"
    done
  fi
fi
warn_unless_optimized "$BUILD" "the numbers are"

# --- the run directory ------------------------------------------------------

mkdir -p "$OUT" || { note "error: cannot create '$OUT'"; exit 1; }
OUT=$(cd "$OUT" && pwd)
RUN_ID=$(date -u +%Y-%m-%dT%H-%M-%SZ)
RUN=$OUT/$RUN_ID
mkdir -p "$RUN/raw" "$RUN/plots" || { note "error: cannot create '$RUN'"; exit 1; }
[[ -n $BUILD_LOG ]] && mv "$BUILD_LOG" "$RUN/raw/build.log"
[[ -n $HTTPS_BUILD_LOG ]] && mv "$HTTPS_BUILD_LOG" "$RUN/raw/build-https.log"
[[ -n $WEBSOCKET_BUILD_LOG ]] && mv "$WEBSOCKET_BUILD_LOG" "$RUN/raw/build-websocket.log"
START_SECONDS=$SECONDS
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

# What happened to each benchmark, for the report: ok, "failed (exit N)" or "skipped: why".
declare -A STATUS=()
declare -A COMMANDS=()
FAILED=0

# A command line as it can be pasted: words quoted only where the shell needs it, paths inside
# the repository relative to its root.
command_line() { # words...
  local w out=()
  for w in "$@"; do
    w=${w#"$REPO"/}
    if [[ $w =~ ^[A-Za-z0-9_./:,=+@%-]+$ ]]; then out+=("$w"); else out+=("$(printf '%q' "$w")"); fi
  done
  echo "${out[*]}"
}

# Runs one benchmark command with its output in raw/NAME.txt; records the command and status
# under the benchmark's name (NAME up to its first '-': the echo cells are echo-c50-s64 ...).
run_step() { # name command...
  local name=$1 status t=$SECONDS
  shift
  COMMANDS[${name%%-*}]+="$(command_line "$@")"$'\n'
  echo "== $name: $(command_line "$@")" >&2
  "$@" </dev/null >>"$RUN/raw/$name.txt" 2>&1
  status=$?
  if ((status == 0)); then
    echo "   ok ($((SECONDS - t)) s)" >&2
  else
    echo "   exit $status ($((SECONDS - t)) s); see raw/$name.txt" >&2
    STATUS[${name%%-*}]="failed (exit $status; see raw/$name.txt)"
    FAILED=1
  fi
  return "$status"
}

# Concatenates TSV files with one header.
merge_tsv() { # dest files...
  local dest=$1 f first=1
  shift
  : >"$dest"
  for f in "$@"; do
    [[ -s $f ]] || continue
    if ((first)); then cat "$f" >>"$dest"; else tail -n +2 "$f" >>"$dest"; fi
    first=0
  done
}

# --- run the benchmarks -----------------------------------------------------

if ((QUICK)); then KIND=quick; else KIND=full; fi
echo "run-all: $KIND run into $RUN" >&2

if selected echo; then
  STATUS[echo]=ok
  echo_tsvs=()
  for cell in "${ECHO_CELLS[@]}"; do
    IFS=: read -r conns size transport <<<"$cell"
    tsv=$RUN/raw/echo-c$conns-s$size.tsv
    run_step "echo-c$conns-s$size" "$SCRIPT_DIR/echo.sh" --build-dir "$BUILD" --connections "$conns" \
      --size "$size" --transport "$transport" --servers "$ECHO_SERVERS_RUN" "${ECHO_TIME[@]}" --tsv "$tsv"
    echo_tsvs+=("$tsv")
  done
  merge_tsv "$RUN/raw/echo.tsv" "${echo_tsvs[@]}"
fi

if selected http; then
  STATUS[http]=ok
  run_step http "$SCRIPT_DIR/http.sh" --build-dir "$BUILD" --connections 1,50 "${HTTP_TIME[@]}" \
    --tsv "$RUN/raw/http.tsv"
fi

if selected https; then
  STATUS[https]=ok
  run_step https "$SCRIPT_DIR/https.sh" --build-dir "$BUILD" --connections 1,50 "${HTTPS_TIME[@]}" \
    --tsv "$RUN/raw/https.tsv"
fi

if selected websocket; then
  STATUS[websocket]=ok
  run_step websocket "$SCRIPT_DIR/websocket.sh" --build-dir "$BUILD" "${WEBSOCKET_ARGS[@]}" \
    --tsv "$RUN/raw/websocket.tsv"
fi

if selected ipc; then
  STATUS[ipc]=ok
  run_step ipc "$SCRIPT_DIR/ipc.sh" --build-dir "$BUILD" "${IPC_ARGS[@]}" --tsv "$RUN/raw/ipc.tsv"
fi

if selected bulk; then
  STATUS[bulk]=ok
  run_step bulk "$SCRIPT_DIR/bulk.sh" --build-dir "$BUILD" "${BULK_ARGS[@]}" --tsv "$RUN/raw/bulk.tsv"
fi

if selected idle; then
  STATUS[idle]=ok
  run_step idle "$SCRIPT_DIR/idle.sh" --build-dir "$BUILD" --connections 10000 \
    --servers "$IDLE_SERVERS" --tsv "$RUN/raw/idle.tsv"
fi

# scaling.sh is another benchmark's; it prints a Markdown table on stdout, which goes into the
# report as it is. It is given --quick or a short --duration when its --help offers them.
if selected scaling; then
  if [[ ! -f $SCRIPT_DIR/scaling.sh ]]; then
    STATUS[scaling]="skipped: bench/scaling.sh does not exist"
  else
    scaling_args=(--build-dir "$BUILD")
    if ((QUICK)); then
      scaling_help=$(bash "$SCRIPT_DIR/scaling.sh" --help 2>&1 || true)
      if [[ $scaling_help == *--quick* ]]; then
        scaling_args+=(--quick)
      elif [[ $scaling_help == *--duration* ]]; then
        scaling_args+=(--duration 1)
      fi
    fi
    COMMANDS[scaling]="$(command_line bench/scaling.sh "${scaling_args[@]}")"
    echo "== scaling: ${COMMANDS[scaling]}" >&2
    t=$SECONDS
    bash "$SCRIPT_DIR/scaling.sh" "${scaling_args[@]}" </dev/null >"$RUN/raw/scaling.md" 2>"$RUN/raw/scaling.err"
    status=$?
    if ((status == 0)); then
      STATUS[scaling]=ok
      echo "   ok ($((SECONDS - t)) s)" >&2
    else
      # Its binaries may simply not be built yet: reported, but not a failure of this run.
      STATUS[scaling]="not run: bench/scaling.sh exited $status (see raw/scaling.err)"
      echo "   exit $status; see raw/scaling.err" >&2
    fi
  fi
fi

# --- plots ------------------------------------------------------------------

PLOT_NOTE=
if ! command -v gnuplot >/dev/null 2>&1; then
  if ((EUID == 0)) && command -v apt-get >/dev/null 2>&1; then
    note "installing gnuplot-nox for the plots"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gnuplot-nox \
      >"$RUN/raw/apt-gnuplot.log" 2>&1 || true
  fi
  command -v gnuplot >/dev/null 2>&1 ||
    PLOT_NOTE="No plots: gnuplot is not installed (apt-get install gnuplot-nox, as root)."
fi

# Writes a gnuplot data file: a label column and one column per server of ORDER that has data,
# "-" where a cell has none, from the TSV rows for which FILTER holds. LABEL and FILTER are awk
# expressions over the columns by header name, $col["name"].
pivot_dat() { # tsv order label_expr value_column out [filter_expr]
  awk -F'\t' -v order="$2" -v vcol="$4" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    !('"${6:-1}"') { next }
    {
      label = '"$3"'
      if (!(label in seen)) { seen[label] = 1; labels[++nl] = label }
      val[label, $col["server"]] = $col[vcol]
      has[$col["server"]] = 1
    }
    END {
      n = split(order, o, " ")
      line = "label"
      for (i = 1; i <= n; i++) if (o[i] in has) line = line "\t" o[i]
      print line
      for (l = 1; l <= nl; l++) {
        line = labels[l]
        for (i = 1; i <= n; i++) if (o[i] in has) {
          v = ((labels[l], o[i]) in val) ? val[labels[l], o[i]] : "-"
          if (v == "" || v == "n/a") v = "-"
          line = line "\t" v
        }
        print line
      }
    }' "$1" >"$5"
}

# Clustered bar charts of pivot_dat files, side by side in one PNG (one panel per file; panels
# keep their own y scale, so a slow cell does not flatten the others). The gnuplot script is
# kept beside the data in plots/ and names files relative to it, so it can be rerun there.
bar_chart() { # png title ylabel extra_commands panel_title dat [panel_title dat ...]
  local png=$1 title=$2 ylabel=$3 extra=$4 gp
  gp=$RUN/plots/$(basename "${1%.png}").gp
  shift 4
  local panels=$(($# / 2)) width=$((500 + 400 * ($# / 2))) first=1 columns
  ((panels > 0)) || return 0
  {
    echo "set terminal pngcairo size $((width > 1500 ? 1500 : width)),660 noenhanced font \"sans,10\""
    echo "set output \"../$(basename "$png")\""
    cat <<'EOF'
set datafile separator "\t"
set datafile missing "-"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set grid ytics
set yrange [0:*]
set offsets 0, 0, graph 0.1, 0
set xtics rotate by 20 right scale 0
EOF
    if ((panels > 1)); then
      # One key for all panels, below them: room for it under every panel keeps them aligned.
      echo "set bmargin 7"
      echo "set multiplot layout 1,$panels title \"$title\""
    else
      echo "set title \"$title\""
      echo "set key outside right top"
    fi
    echo "$extra" # after the defaults, which it may override
    while (($# >= 2)); do
      columns=$(head -n1 "$2" | awk -F'\t' '{ print NF }')
      if ((panels > 1)); then
        echo "set title \"$1\""
        if ((first)); then
          echo "set ylabel \"$ylabel\"; set key at screen 0.5, 0.01 center bottom horizontal"
        else
          echo "unset ylabel; unset key"
        fi
      else
        echo "set ylabel \"$ylabel\""
      fi
      echo "plot for [i=2:$columns] \"$(basename "$2")\" using i:xtic(1) title columnheader(i)"
      first=0
      shift 2
    done
    ((panels > 1)) && echo "unset multiplot"
  } >"$gp"
  (cd "$RUN/plots" && gnuplot "$(basename "$gp")") 2>>"$RUN/raw/gnuplot.log" || PLOT_NOTE+="gnuplot failed on $(basename "$png") (see raw/gnuplot.log). "
}

if [[ -z $PLOT_NOTE ]]; then
  P=$RUN/plots
  if [[ -s $RUN/raw/echo.tsv ]]; then
    # One panel per connection count, bars grouped by transport and message size.
    mapfile -t echo_conns < <(awk -F'\t' 'NR > 1 && !seen[$3]++ { print $3 }' "$RUN/raw/echo.tsv")
    for metric in cpu_us_per_msg msgs_per_sec; do
      panels=()
      for c in "${echo_conns[@]}"; do
        # shellcheck disable=SC2016 # awk, not shell
        pivot_dat "$RUN/raw/echo.tsv" "$ECHO_ORDER" '$col["transport"] " " $col["size"] " B"' "$metric" \
          "$P/echo_${metric}_c$c.dat" '$col["connections"] == '"$c"
        panels+=("$c connection$( ((c == 1)) || echo s)" "$P/echo_${metric}_c$c.dat")
      done
      if [[ $metric == cpu_us_per_msg ]]; then
        bar_chart "$RUN/echo_cpu.png" "Echo: server CPU per message (lower is better)" "CPU µs / message" "" "${panels[@]}"
      else
        bar_chart "$RUN/echo_rate.png" "Echo: round trips per second, closed loop (higher is better)" "messages / s" "" "${panels[@]}"
      fi
    done
  fi
  if [[ -s $RUN/raw/http.tsv ]]; then
    # shellcheck disable=SC2016 # awk, not shell
    label='$col["connections"] " connection" ($col["connections"] == 1 ? "" : "s")'
    pivot_dat "$RUN/raw/http.tsv" "$HTTP_ORDER" "$label" req_per_sec "$P/http_rate.dat"
    pivot_dat "$RUN/raw/http.tsv" "$HTTP_ORDER" "$label" cpu_us_per_req "$P/http_cpu.dat"
    bar_chart "$RUN/http.png" "HTTP keep-alive GET /hello, wrk -t1" "" "" \
      "requests per second (higher is better)" "$P/http_rate.dat" \
      "server CPU µs per request (lower is better)" "$P/http_cpu.dat"
  fi
  if [[ -s $RUN/raw/https.tsv ]]; then
    # One bar group per scenario (and connection count), as http.png; the 1 MiB case's req/s
    # is its MiB/s.
    # shellcheck disable=SC2016 # awk, not shell
    label='$col["scenario"] " c" $col["connections"]'
    pivot_dat "$RUN/raw/https.tsv" "$HTTPS_ORDER" "$label" req_per_sec "$P/https_rate.dat"
    pivot_dat "$RUN/raw/https.tsv" "$HTTPS_ORDER" "$label" cpu_us_per_req "$P/https_cpu.dat"
    bar_chart "$RUN/https.png" "HTTPS (TLS 1.3): keep-alive, full and resumed handshakes, 1 MiB body" "" \
      "set logscale y; set yrange [*:*]; set offsets 0, 0, 0, 0" \
      "requests (handshakes, MiB) per second (higher is better)" "$P/https_rate.dat" \
      "server CPU µs per request (lower is better)" "$P/https_cpu.dat"
  fi
  if [[ -s $RUN/raw/websocket.tsv ]]; then
    # One bar group per case (echo size and compression, broadcast); log scale: a compressed 4 KiB
    # echo costs twenty times an uncompressed one. Broadcast's rate is broadcasts/s, its CPU per
    # broadcast.
    # shellcheck disable=SC2016 # awk, not shell
    label='($col["case"] == "echo" ? "echo " $col["size"] " B deflate " $col["deflate"] : "broadcast to " $col["connections"])'
    pivot_dat "$RUN/raw/websocket.tsv" "$WEBSOCKET_ORDER" "$label" rate "$P/websocket_rate.dat"
    pivot_dat "$RUN/raw/websocket.tsv" "$WEBSOCKET_ORDER" "$label" cpu_us "$P/websocket_cpu.dat"
    bar_chart "$RUN/websocket.png" "WebSocket: echo over 50 connections, broadcast to 1,000" "" \
      "set logscale y; set yrange [*:*]; set offsets 0, 0, 0, 0" \
      "messages (broadcasts) per second (higher is better)" "$P/websocket_rate.dat" \
      "server CPU µs per message (broadcast) (lower is better)" "$P/websocket_cpu.dat"
  fi
  if [[ -s $RUN/raw/bulk.tsv ]]; then
    awk -F'\t' 'NR == 1 { print "label\tMiB/s"; next } { print $1 "\t" $2 }' "$RUN/raw/bulk.tsv" >"$P/bulk.dat"
    bar_chart "$RUN/bulk.png" "Bulk transfer over one TCP loopback connection, sender -> receiver (higher is better)" \
      "MiB / s" "set key off" "" "$P/bulk.dat"
  fi
  if [[ -s $RUN/raw/idle.tsv ]]; then
    awk -F'\t' 'NR == 1 { print "label\tresident (VmRSS)\tallocated (VmData)"; next }
      { print $2 " (" $3 ")\t" $7 "\t" $8 }' "$RUN/raw/idle.tsv" >"$P/idle.dat"
    bar_chart "$RUN/idle.png" "Memory per idle connection, $(awk -F'\t' 'NR == 2 { print $4 }' "$RUN/raw/idle.tsv") connections (lower is better; dashed: the 2048 B target for coronet on io_uring)" \
      "bytes / connection" "set arrow from graph 0, first 2048 to graph 1, first 2048 nohead dt 2 lw 2 lc rgb 'red'" \
      "" "$P/idle.dat"
  fi
fi

# --- the report -------------------------------------------------------------

# Echo: a pivot per metric, rows = cells, columns = servers, with coronet's ratios to Asio, Node
# and the limit (the liburing peer with the lower CPU/msg in that cell).
echo_pivot_md() { # tsv metric
  awk -F'\t' -v order="$ECHO_ORDER" -v metric="$2" '
    NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
    {
      key = $col["transport"] SUBSEP $col["connections"] SUBSEP $col["size"]
      if (!(key in seen)) { seen[key] = 1; keys[++nk] = key }
      s = $col["server"]
      has[s] = 1
      v[key, s] = $col[metric]
      cpu[key, s] = $col["cpu_us_per_msg"]
    }
    function ratio(a, b) { return (a != "" && b + 0 > 0 && a != "n/a") ? sprintf("%.2f", a / b) : "–" }
    END {
      n = split(order, o, " ")
      head = "| transport | conns | size |"; rule = "|---|---:|---:|"
      for (i = 1; i <= n; i++) if (o[i] in has) { head = head " " o[i] " |"; rule = rule "---:|" }
      head = head " coronet / asio | coronet / node | coronet / limit | limit |"
      rule = rule "---:|---:|---:|---|"
      print head; print rule
      for (k = 1; k <= nk; k++) {
        split(keys[k], p, SUBSEP)
        line = "| " p[1] " | " p[2] " | " p[3] " B |"
        for (i = 1; i <= n; i++) if (o[i] in has) {
          x = ((keys[k], o[i]) in v) ? v[keys[k], o[i]] : "–"
          line = line " " x " |"
        }
        limit = ""
        for (i = 1; i <= n; i++) {
          if (o[i] !~ /^uring-/ || !((keys[k], o[i]) in cpu) || cpu[keys[k], o[i]] == "n/a") continue
          if (limit == "" || cpu[keys[k], o[i]] + 0 < cpu[keys[k], limit] + 0) limit = o[i]
        }
        c = v[keys[k], "coronet"]
        line = line " " ratio(c, v[keys[k], "asio"]) " | " ratio(c, v[keys[k], "node"]) " | " \
          (limit == "" ? "–" : ratio(c, v[keys[k], limit])) " | " (limit == "" ? "–" : limit) " |"
        print line
      }
    }' "$1"
}

# Any TSV as a Markdown table (all columns).
tsv_md() { # tsv
  awk -F'\t' '
    NR == 1 { line = "|"; rule = "|"; for (i = 1; i <= NF; i++) { line = line " " $i " |"; rule = rule "---|" }
              print line; print rule; next }
    { line = "|"; for (i = 1; i <= NF; i++) line = line " " $i " |"; print line }' "$1"
}

commands_md() { # name
  [[ -n ${COMMANDS[$1]:-} ]] || return 0
  echo
  echo '```sh'
  printf '%s\n' "${COMMANDS[$1]}" | sed '/^$/d'
  echo '```'
}

status_md() { # name
  local s=${STATUS[$1]:-not selected}
  [[ $s == ok ]] || { echo; echo "**$1: $s**"; }
}

image_md() { # png alt
  [[ -f $RUN/$1 ]] && { echo; echo "![$2]($1)"; }
  return 0
}

CPU_MODEL=$(sed -n 's/^model name[[:space:]]*:[[:space:]]*//p' /proc/cpuinfo 2>/dev/null | head -n1)
MEM_TOTAL=$(awk '/^MemTotal:/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
GIT_REV=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')
[[ -n $(git -C "$REPO" status --porcelain 2>/dev/null) ]] && GIT_REV+=" (with uncommitted changes)"
COMPILER=$(sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null)
[[ -n $COMPILER ]] && COMPILER="$("$COMPILER" --version 2>/dev/null | head -n1)"

{
  echo "# coronet benchmarks, $RUN_ID"
  echo
  if ((QUICK)); then
    echo "**Quick run** (\`--quick\`: ~1 s runs, reduced echo matrix): a smoke test of the harness; do not quote these numbers."
  else
    echo "Full run."
  fi
  echo "Servers are pinned to CPU 0 and load generators to CPU 1 (bulk: sender CPU 0, receiver CPU 1)."
  echo "See bench/README.md for what each benchmark measures."
  echo
  echo "## Machine"
  echo
  echo "| | |"
  echo "|---|---|"
  echo "| CPUs (\`nproc\`) | $(nproc) |"
  echo "| CPU model | ${CPU_MODEL:-?} |"
  echo "| memory | ${MEM_TOTAL:-?} |"
  echo "| kernel | $(uname -sr) |"
  echo "| load average at start | $LOAD_AT_START |"
  echo "| coronet | $GIT_REV |"
  echo "| build | \`${BUILD#"$REPO"/}\`, ${BUILD_TYPE:-no build type}, ${COMPILER:-?} |"
  echo "| liburing | $(pkg-config --modversion liburing 2>/dev/null || echo '?') |"
  echo "| node | $(node --version 2>/dev/null || echo 'not installed') |"
  echo "| wall time | $((SECONDS - START_SECONDS)) s |"

  if selected echo; then
    echo
    echo "## Echo"
    echo
    echo "Closed loop, one message in flight per connection; \`CPU µs/msg\` is the server's CPU time"
    echo "(user+system, from /proc) per echoed message. *The limit* is the cheaper (lower CPU/msg) of the"
    echo "two raw liburing peers in each row. Ratios are coronet / peer: below 1 in the CPU table and above"
    echo "1 in the msgs/s table favour coronet."
    status_md echo
    commands_md echo
    if [[ -s $RUN/raw/echo.tsv ]]; then
      echo
      echo "### Server CPU µs per message (lower is better)"
      echo
      echo_pivot_md "$RUN/raw/echo.tsv" cpu_us_per_msg
      image_md echo_cpu.png "echo CPU per message"
      echo
      echo "### Messages per second (higher is better; bounded by the one-thread load generator)"
      echo
      echo_pivot_md "$RUN/raw/echo.tsv" msgs_per_sec
      image_md echo_rate.png "echo messages per second"
      echo
      echo "<details><summary>All echo rows (latency, CPU%, errors)</summary>"
      echo
      tsv_md "$RUN/raw/echo.tsv"
      echo
      echo "</details>"
    fi
  fi

  if selected http; then
    echo
    echo "## HTTP"
    echo
    echo "wrk, one thread, keep-alive \`GET /hello\`; every server single-threaded."
    status_md http
    commands_md http
    if [[ -s $RUN/raw/http.tsv ]]; then
      echo
      tsv_md "$RUN/raw/http.tsv"
      echo
      echo "Ratios, coronet / peer at the same connection count (req/s > 1 and CPU/req < 1 favour coronet):"
      echo
      awk -F'\t' '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        { s = $col["server"]; c = $col["connections"]; rate[s, c] = $col["req_per_sec"]; cpu[s, c] = $col["cpu_us_per_req"]
          if (!(c in seen)) { seen[c] = 1; conns[++nc] = c }
          if (!(s in sseen)) { sseen[s] = 1; servers[++ns] = s } }
        END {
          print "| conns | pair | req/s ratio | CPU/req ratio |"; print "|---:|---|---:|---:|"
          for (k = 1; k <= nc; k++) for (j = 1; j <= ns; j++) {
            c = conns[k]; s = servers[j]
            if (s == "coronet" || !((s, c) in rate) || !(("coronet", c) in rate)) continue
            printf "| %s | coronet vs %s | %s | %s |\n", c, s,
              (rate[s, c] > 0 ? sprintf("%.2f", rate["coronet", c] / rate[s, c]) : "–"),
              (cpu[s, c] > 0 ? sprintf("%.2f", cpu["coronet", c] / cpu[s, c]) : "–")
          }
        }' "$RUN/raw/http.tsv"
      image_md http.png "HTTP requests per second and CPU per request"
    fi
  fi

  if selected https; then
    echo
    echo "## HTTPS"
    echo
    echo "TLS 1.3, one ECDSA P-256 certificate for every server, each single-threaded. keepalive: wrk -t1"
    echo "keep-alive \`GET /hello\`; full: a full handshake per request (parallel \`openssl s_time -new\`);"
    echo "resumed: wrk with \`Connection: close\` (wrk resumes its TLS session on each new connection"
    echo "when the server lets it); 1m: a 1 MiB body on one keep-alive connection. In full and resumed"
    echo "rows req/s is handshakes/s; in the 1m row CPU µs/req is per MiB."
    status_md https
    commands_md https
    if [[ -s $RUN/raw/https.tsv ]]; then
      echo
      tsv_md "$RUN/raw/https.tsv"
      echo
      echo "Ratios, coronet / peer in the same scenario, and the issue's targets:"
      echo
      awk -F'\t' '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        { k = $col["scenario"] " c" $col["connections"]; s = $col["server"]
          rate[s, k] = $col["req_per_sec"]; mib[s, k] = $col["mib_per_sec"]; cpu[s, k] = $col["cpu_us_per_req"]
          if (!(k in seen)) { seen[k] = 1; keys[++nk] = k; sc[k] = $col["scenario"]; cn[k] = $col["connections"] }
          if (!(s in sseen)) { sseen[s] = 1; servers[++ns] = s } }
        function r(a, b) { return (a != "" && a != "n/a" && b + 0 > 0) ? sprintf("%.2f", a / b) : "–" }
        function target(what, k, peer, v, op, bound,   x) {
          if (!(("coronet", k) in rate) || !((peer, k) in rate)) { printf "| %s | – | %s %s | no result |\n", what, op, bound; return }
          x = r(v["coronet", k], v[peer, k])
          printf "| %s | %s | %s %s | %s |\n", what, x, op, bound,
            (x == "–" ? "–" : ((op == "<=" ? x + 0 <= bound : x + 0 >= bound) ? "met" : "not met"))
        }
        END {
          if (!("coronet" in sseen)) print "(no ratios: no coronet result)"
          else { print "| scenario | pair | req/s ratio | CPU/req ratio |"; print "|---|---|---:|---:|" }
          for (k = 1; k <= nk; k++) for (j = 1; j <= ns; j++) {
            key = keys[k]; s = servers[j]
            if (s == "coronet" || !((s, key) in rate) || !(("coronet", key) in rate)) continue
            printf "| %s | coronet vs %s | %s | %s |\n", key, s, r(rate["coronet", key], rate[s, key]), r(cpu["coronet", key], cpu[s, key])
          }
          full = ""; for (k = 1; k <= nk; k++) if (sc[keys[k]] == "full") full = keys[k]
          print ""
          print "| target | coronet / peer | bound | |"; print "|---|---:|---|---|"
          target("keep-alive c50: CPU/req vs nginx", "keepalive c50", "nginx", cpu, "<=", 1)
          target("keep-alive c50: CPU/req vs node", "keepalive c50", "node", cpu, "<=", 0.5)
          target("full handshakes/s vs nginx", full, "nginx", rate, ">=", 0.9)
          target("1 MiB body MiB/s vs nginx", "1m c1", "nginx", mib, ">=", 0.9)
        }' "$RUN/raw/https.tsv"
      image_md https.png "HTTPS requests per second and CPU per request"
    fi
    # What https.sh skipped and why (coronet before its sample exists, its 1 MiB case).
    if [[ -s $RUN/raw/https.txt ]] && grep -qx 'skipped:' "$RUN/raw/https.txt"; then
      echo
      echo "Skipped:"
      echo
      sed -n '/^skipped:$/,/^$/{/^  /s/^  /* /p}' "$RUN/raw/https.txt"
    fi
  fi

  if selected websocket; then
    echo
    echo "## WebSocket"
    echo
    echo "ws-load, one thread: echo over 50 connections (one message in flight on each), 64 B and 4 KiB"
    echo "JSON-like text, without and with permessage-deflate; broadcast of a 64-byte message from one"
    echo "client to 1,000, one at a time. Every server single-threaded. In broadcast rows the rate is"
    echo "broadcasts/s and CPU µs is per broadcast."
    status_md websocket
    commands_md websocket
    if [[ -s $RUN/raw/websocket.tsv ]]; then
      echo
      tsv_md "$RUN/raw/websocket.tsv"
      echo
      echo "Ratios, coronet / peer in the same case, and the issue's targets:"
      echo
      awk -F'\t' '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        { k = ($col["case"] == "echo" ? "echo " $col["size"] " B deflate " $col["deflate"] : "broadcast to " $col["connections"])
          s = $col["server"]; rate[s, k] = $col["rate"]; cpu[s, k] = $col["cpu_us"]
          if (!(k in seen)) { seen[k] = 1; keys[++nk] = k }
          if (!(s in sseen)) { sseen[s] = 1; servers[++ns] = s } }
        function r(a, b) { return (a != "" && a != "n/a" && b + 0 > 0) ? sprintf("%.2f", a / b) : "–" }
        function target(what, k, peer, v, op, bound,   x) {
          if (!(("coronet", k) in rate) || !((peer, k) in rate)) { printf "| %s | – | %s %s | no result |\n", what, op, bound; return }
          x = r(v["coronet", k], v[peer, k])
          printf "| %s | %s | %s %s | %s |\n", what, x, op, bound,
            (x == "–" ? "–" : ((op == "<=" ? x + 0 <= bound : x + 0 >= bound) ? "met" : "not met"))
        }
        END {
          if (!("coronet" in sseen)) print "(no ratios: no coronet result)"
          else { print "| case | pair | rate ratio | CPU ratio |"; print "|---|---|---:|---:|" }
          for (k = 1; k <= nk; k++) for (j = 1; j <= ns; j++) {
            key = keys[k]; s = servers[j]
            if (s == "coronet" || !((s, key) in rate) || !(("coronet", key) in rate)) continue
            printf "| %s | coronet vs %s | %s | %s |\n", key, s, r(rate["coronet", key], rate[s, key]), r(cpu["coronet", key], cpu[s, key])
          }
          print ""
          print "| target | coronet / peer | bound | |"; print "|---|---:|---|---|"
          for (k = 1; k <= nk; k++) {
            if (keys[k] !~ /^echo/) continue
            target(keys[k] ": CPU/msg vs beast", keys[k], "beast", cpu, "<=", 1)
            target(keys[k] ": CPU/msg vs node", keys[k], "node", cpu, "<=", 0.5)
          }
          for (k = 1; k <= nk; k++) if (keys[k] ~ /^broadcast/) target(keys[k] ": broadcasts/s vs beast", keys[k], "beast", rate, ">=", 1)
        }' "$RUN/raw/websocket.tsv"
      image_md websocket.png "WebSocket messages per second and CPU per message"
    fi
    # What websocket.sh skipped and why (coronet before its peers exist).
    if [[ -s $RUN/raw/websocket.txt ]] && grep -qx 'skipped:' "$RUN/raw/websocket.txt"; then
      echo
      echo "Skipped:"
      echo
      sed -n '/^skipped:$/,/^$/{/^  /s/^  /* /p}' "$RUN/raw/websocket.txt"
    fi
  fi

  if selected ipc; then
    echo
    echo "## IPC"
    echo
    echo "Parent/child over Node's channel (one JSON value per line); median messages per second."
    status_md ipc
    commands_md ipc
    if [[ -s $RUN/raw/ipc.tsv ]]; then
      echo
      tsv_md "$RUN/raw/ipc.tsv"
      echo
      awk -F'\t' 'NR > 1 { rt[$1] = $2; pl[$1] = $3 }
        function r(a, b) { return (a != "" && a != "-" && b + 0 > 0) ? sprintf("%.2f", a / b) : "–" }
        END {
          print "| ratio | value | target |"; print "|---|---:|---|"
          print "| coronet roundtrip / floor roundtrip | " r(rt["coronet"], rt["floor"]) " | >= 0.90 |"
          print "| coronet pipelined / floor pipelined | " r(pl["coronet"], pl["floor"]) " | |"
          if ("node" in rt) {
            print "| coronet roundtrip / node roundtrip | " r(rt["coronet"], rt["node"]) " | |"
            print "| coronet pipelined / node pipelined | " r(pl["coronet"], pl["node"]) " | >= 5 |"
          }
        }' "$RUN/raw/ipc.tsv"
    fi
  fi

  if selected bulk; then
    echo
    echo "## Bulk transfer"
    echo
    echo "One TCP loopback connection, 1 MiB writes and reads; throughput as the receiver sees it (median"
    echo "run). \`c\` is bare blocking send/recv, \`coronet\` is write_all / read_some under coronet::run;"
    echo "the mixed pairs show which side costs. CPU ms/GiB is each side's CPU time per GiB moved."
    status_md bulk
    commands_md bulk
    if [[ -s $RUN/raw/bulk.tsv ]]; then
      echo
      tsv_md "$RUN/raw/bulk.tsv"
      echo
      awk -F'\t' 'NR > 1 { m[$1] = $2; order[++n] = $1 }
        END {
          if (!("c->c" in m) || m["c->c"] <= 0) exit
          print "| pair | throughput / c->c |"; print "|---|---:|"
          for (i = 1; i <= n; i++) if (order[i] != "c->c") printf "| %s | %.2f |\n", order[i], m[order[i]] / m["c->c"]
        }' "$RUN/raw/bulk.tsv"
      image_md bulk.png "bulk throughput"
    fi
  fi

  if selected idle; then
    echo
    echo "## Idle connections"
    echo
    echo "10,000 connections, one 64-byte round trip on each, then held idle. Resident: (VmRSS after −"
    echo "before) / connections; allocated: the same for VmData (heap and private mappings, touched or"
    echo "not). Kernel socket buffers are in neither. Target: ≤ 2048 B resident per idle connection for"
    echo "coronet on io_uring."
    status_md idle
    commands_md idle
    if [[ -s $RUN/raw/idle.tsv ]]; then
      echo
      tsv_md "$RUN/raw/idle.tsv"
      echo
      awk -F'\t' '
        NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
        { s = $col["server"]; per[s] = $col["rss_bytes_per_conn"]; be[s] = $col["backend"]
          if (s ~ /^uring-/ && (limit == "" || per[s] + 0 < per[limit] + 0)) limit = s }
        END {
          if (!("coronet" in per)) exit
          printf "coronet (%s): %s B resident per idle connection; target <= 2048 B (io_uring): %s.\n",
            be["coronet"], per["coronet"],
            (be["coronet"] != "io_uring" ? "not applicable" : (per["coronet"] + 0 <= 2048 ? "met" : "not met"))
          if (limit != "" && per[limit] > 0)
            printf "coronet / the limit (%s): %.2f.\n", limit, per["coronet"] / per[limit]
        }' "$RUN/raw/idle.tsv"
      image_md idle.png "memory per idle connection"
    fi
  fi

  if selected scaling; then
    echo
    echo "## Scaling"
    echo
    if [[ ${STATUS[scaling]} == ok ]]; then
      commands_md scaling
      echo
      cat "$RUN/raw/scaling.md"
    else
      echo "${STATUS[scaling]}."
      [[ -n ${COMMANDS[scaling]:-} ]] && commands_md scaling
    fi
  fi

  echo
  echo "## Files"
  echo
  echo "\`raw/\` holds each script's full output (\`*.txt\`) and its rows (\`*.tsv\`); \`plots/\` the data and"
  echo "gnuplot scripts behind the PNGs."
  [[ -n $PLOT_NOTE ]] && { echo; echo "$PLOT_NOTE"; }
} >"$RUN/results.md"

# latest -> this run (a relative link, so the results directory can move).
ln -sfn "$RUN_ID" "$OUT/latest.tmp.$$" && mv -Tf "$OUT/latest.tmp.$$" "$OUT/latest"

echo "run-all: done in $((SECONDS - START_SECONDS)) s: $RUN/results.md" >&2
[[ -n $PLOT_NOTE ]] && note "$PLOT_NOTE"
for b in "${ALL_BENCHMARKS[@]}"; do
  selected "$b" && [[ ${STATUS[$b]:-} != ok ]] && note "$b: ${STATUS[$b]:-?}"
done
exit "$FAILED"
