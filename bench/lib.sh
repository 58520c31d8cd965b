# shellcheck shell=bash
# What the benchmark scripts (echo.sh, http.sh) share: argument checks, CPU pinning, reading a
# process's CPU time from /proc, and harness-error bookkeeping. Sourced after the script defines
# note() (its messages carry the script's name).

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
