# Sourced by the bench scripts, first thing: `. "$(dirname "$0")/common.sh"`. Strict
# mode, the repository as the working folder, and `needs`.
set -euo pipefail
cd "$(dirname "$0")/.."

# needs TOOL...: stops (exit 2) at the first tool that is not installed, naming the
# Debian package that has it.
needs() {
  local tool package
  for tool in "$@"; do
    command -v "$tool" >/dev/null && continue
    case $tool in
      nginx) package=nginx-light ;;
      *) package=$tool ;;
    esac
    echo "$(basename "$0"): needs $tool (apt-get install $package)"
    exit 2
  done
}

# median: the median of the numbers on stdin, one a line (the mean of the middle two of
# an even count).
median() { sort -n | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

# median_of FILE KEY_FIELD KEY FIELD: the median of FIELD over the tab-separated rows of
# FILE whose KEY_FIELD is KEY.
median_of() { awk -F'\t' -v kf="$2" -v key="$3" -v f="$4" '$kf == key { print $f }' "$1" | median; }

# cpu_ticks PID: the CPU time (user + system, in clock ticks) of PID and of its child
# processes so far: nginx answers from the workers its master started.
cpu_ticks() {
  local total=0 process
  for process in "$1" $(pgrep -P "$1"); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$process/stat")))
  done
  echo "$total"
}

# wrk_cpu PID WRK_ARGUMENTS...: one wrk run against the server PID; prints "requests/s
# CPU-µs-per-request", the second from the server's own CPU time (/proc), which other
# load on the machine does not inflate as much as it moves the rate.
wrk_cpu() {
  local pid=$1 before report after
  shift
  before=$(cpu_ticks "$pid")
  report=$(wrk "$@")
  after=$(cpu_ticks "$pid")
  awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" \
    '/requests in/ {n = $1} /Requests\/sec/ {r = $2} END {printf "%s %.2f\n", r, ticks / hz * 1e6 / n}' <<< "$report"
}

# connections_per_thread PID: how many established TCP connections each serving thread of
# wbt-site (PID) holds, most first, as "33/31": the sockets each epoll instance of PID
# watches (/proc/PID/fdinfo; a duplicated epoll descriptor counted once). With its
# listeners tagged by CPU, a client that opens every connection from one CPU gives "64/0".
connections_per_thread() {
  python3 - "$1" <<'PY'
import os, re, sys
pid = sys.argv[1]
established = set()
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    if os.path.exists(table):
        for line in open(table).readlines()[1:]:
            fields = line.split()
            if fields[3] == "01":
                established.add(fields[9])
seen, counts = set(), []
for fd in os.listdir(f"/proc/{pid}/fd"):
    try:
        if os.readlink(f"/proc/{pid}/fd/{fd}") != "anon_inode:[eventpoll]":
            continue
        watched = tuple(sorted(re.findall(r"^tfd:\s+(\d+)", open(f"/proc/{pid}/fdinfo/{fd}").read(), re.M)))
    except OSError:
        continue
    if watched in seen:
        continue
    seen.add(watched)
    count = 0
    for target in watched:
        try:
            inode = re.fullmatch(r"socket:\[(\d+)\]", os.readlink(f"/proc/{pid}/fd/{target}"))
        except OSError:
            continue
        count += bool(inode and inode.group(1) in established)
    counts.append(count)
print("/".join(str(c) for c in sorted(counts, reverse=True)))
PY
}

# split_halfway FILE SECONDS [PID]: empties FILE; with a PID, waits half of SECONDS (a
# run's length) and writes connections_per_thread PID to it. Run it in the background
# beside the measured run, then wait for it (a python3 start, about 30 ms of CPU).
split_halfway() {
  : > "$1"
  [ -n "${3:-}" ] || return 0
  sleep $(($2 / 2))
  connections_per_thread "$3" > "$1"
}

# stop_servers PID...: stops each server and waits for it: wbt-site drains for 5 s after
# SIGTERM, still listening, and a bench started meanwhile could not take its port.
stop_servers() {
  local pid
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for pid in "$@"; do wait "$pid" 2>/dev/null || true; done
}

# write_h2o_conf WORK PORT [same-headers]: WORK/h2o.conf, for h2o serving the export in
# WORK/public on 127.0.0.1:PORT with its precompressed files and two threads, as the benches
# compare. With `same-headers`, h2o also sends what wbt-site sends with a page: the headers
# the export's `_headers` file gives every route (`/*`) and the home page (`/`: its
# Cache-Control, the same as every page's), and `text/html; charset=utf-8`.
write_h2o_conf() {
  cat > "$1/h2o.conf" <<H2O
user: nobody
error-log: $1/h2o-error.log
num-threads: 2
listen:
  host: 127.0.0.1
  port: $2
hosts:
  default:
    paths:
      /:
        file.dir: $1/public
        file.send-compressed: ON
H2O
  if [ "${3:-}" = same-headers ]; then
    awk '/^\/\*$/ || /^\/$/ {take = 1; next} /^[^ ]/ {take = 0}
         take && /^  / {sub(/^  /, ""); print "        header.add: \"" $0 "\""}' \
      "$1/public/_headers" >> "$1/h2o.conf"
    printf '        file.mime.settypes:\n          "text/html; charset=utf-8": [".html"]\n' >> "$1/h2o.conf"
  fi
}
