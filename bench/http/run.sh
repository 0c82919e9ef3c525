#!/usr/bin/env bash
# bench/http/run.sh: compare the Weijian server's throughput and tail latency with nginx
# serving the same response body as a static file, and report Weijian's memory use.
#
# Steps: fetch URL once (with the bearer token) into a temp dir; start a private nginx
# serving those exact bytes; run wrk against Weijian, then against nginx, with the same
# settings; parse req/s and p99 latency; read VmRSS/VmHWM of the Weijian process; print a
# summary. nginx is stopped and the temp dir removed on exit (trap).
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/http/run.sh --url URL --token TOKEN --pid PID
                         [--duration 10s] [--connections 32] [--threads 2]

Benchmarks a running Weijian server against nginx serving the same bytes.

  --url URL          Weijian endpoint to hit (GET), e.g. http://127.0.0.1:8080/api/v1/...
  --token TOKEN      bearer token, sent as "Authorization: Bearer TOKEN" (also to nginx)
  --pid PID          pid of the Weijian server process (for VmRSS / VmHWM)
  --duration D       wrk duration per run (default 10s; wrk units: 10s, 1m, ...)
  --connections N    wrk open connections (default 32)
  --threads N        wrk threads (default 2; must be <= connections)
  -h, --help         this text

The body of URL is fetched once with curl and served by a private nginx
(/usr/sbin/nginx, worker_processes 2, keepalive, access log on, default_type
application/json) on a free 127.0.0.1 port at the same path. wrk runs with
--latency against Weijian first, then nginx. wrk's full output goes to stderr;
the summary goes to stdout:

  weijian  req/s=... p99=...ms
  nginx    req/s=... p99=...ms
  ratio    weijian/nginx=0.xx (target >= 0.5)
  rss      weijian VmRSS=.. MiB VmHWM=.. MiB (target < 64 MiB)

Needs: curl, wrk, nginx (/usr/sbin/nginx or NGINX=path), awk.
EOF
}

log() { echo "bench: $*" >&2; }
die() { log "error: $*"; exit 1; }

# ---------------------------------------------------------------------------------------
# Arguments
# ---------------------------------------------------------------------------------------
URL="" TOKEN="" PID="" DURATION="10s" CONNECTIONS=32 THREADS=2
need_arg() { [ $# -ge 2 ] || die "$1 needs a value (see --help)"; }
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --url) need_arg "$@"; URL="$2"; shift 2 ;;
    --token) need_arg "$@"; TOKEN="$2"; shift 2 ;;
    --pid) need_arg "$@"; PID="$2"; shift 2 ;;
    --duration) need_arg "$@"; DURATION="$2"; shift 2 ;;
    --connections) need_arg "$@"; CONNECTIONS="$2"; shift 2 ;;
    --threads) need_arg "$@"; THREADS="$2"; shift 2 ;;
    --url=*) URL="${1#*=}"; shift ;;
    --token=*) TOKEN="${1#*=}"; shift ;;
    --pid=*) PID="${1#*=}"; shift ;;
    --duration=*) DURATION="${1#*=}"; shift ;;
    --connections=*) CONNECTIONS="${1#*=}"; shift ;;
    --threads=*) THREADS="${1#*=}"; shift ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

if [ -z "$URL" ] || [ -z "$TOKEN" ] || [ -z "$PID" ]; then
  usage >&2; die "--url, --token and --pid are required"
fi
[[ "$URL" =~ ^http://[^/]+(/.*)?$ ]] || die "--url must be an http:// URL"
if ! [[ "$PID" =~ ^[0-9]+$ ]] || ! [ -r "/proc/$PID/status" ]; then die "no process with pid $PID"; fi
[[ "$CONNECTIONS" =~ ^[1-9][0-9]*$ ]] || die "--connections must be a positive integer"
[[ "$THREADS" =~ ^[1-9][0-9]*$ ]] || die "--threads must be a positive integer"
[ "$THREADS" -le "$CONNECTIONS" ] || die "--threads ($THREADS) must be <= --connections ($CONNECTIONS)"

NGINX="${NGINX:-/usr/sbin/nginx}"
[ -x "$NGINX" ] || die "$NGINX not found (install nginx-light)"
command -v wrk >/dev/null || die "wrk not found"
command -v curl >/dev/null || die "curl not found"

AUTH_HEADER="Authorization: Bearer $TOKEN"
# Path and query of URL (nginx is asked for the same request line): everything after host[:port].
URL_PATH="/${URL#http://*/}"
[[ "$URL" == http://*/* ]] || URL_PATH="/"

# ---------------------------------------------------------------------------------------
# Temp dir and cleanup
# ---------------------------------------------------------------------------------------
TMP=""
NGINX_PID=""
# shellcheck disable=SC2317  # invoked from the EXIT trap
cleanup() {
  trap '' INT TERM HUP
  if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
    # SIGQUIT = graceful shutdown; fall back to SIGTERM (fast) and then SIGKILL.
    kill -QUIT "$NGINX_PID" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$NGINX_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$NGINX_PID" 2>/dev/null; then
      kill -TERM "$NGINX_PID" 2>/dev/null || true
      sleep 1
      kill -KILL "$NGINX_PID" 2>/dev/null || true
    fi
    wait "$NGINX_PID" 2>/dev/null || true
  fi
  if [ -n "$TMP" ] && [ -d "$TMP" ]; then rm -rf -- "$TMP"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

TMP="$(mktemp -d "${TMPDIR:-/tmp}/weijian-bench.XXXXXX")"
# nginx workers run as an unprivileged user when we are root: they must read the body.
chmod 0755 "$TMP"
mkdir -m 0755 "$TMP/www"

# ---------------------------------------------------------------------------------------
# (a) Fetch the body once, exact bytes (no --compressed, no transformations).
# ---------------------------------------------------------------------------------------
BODY="$TMP/www/body"
http_code="$(curl -sS -o "$BODY" -w '%{http_code}' -H "$AUTH_HEADER" "$URL")" \
  || die "curl $URL failed"
[[ "$http_code" == 2?? ]] || die "GET $URL returned HTTP $http_code (wrong token?); not benchmarking an error page"
chmod 0644 "$BODY"
log "fetched $(wc -c <"$BODY") bytes from $URL (HTTP $http_code)"

# ---------------------------------------------------------------------------------------
# (b) Private nginx on a free 127.0.0.1 port.
# ---------------------------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
pick_port() {
  local p=$(( 20000 + (RANDOM * 32768 + RANDOM) % 20001 )) i
  for ((i = 0; i < 200; i++)); do
    if ! port_in_use "$p"; then echo "$p"; return 0; fi
    p=$(( p >= 40000 ? 20000 : p + 1 ))
  done
  return 1
}

# Temp-path directives only for modules compiled into this nginx (unknown directives are fatal).
temp_paths="    client_body_temp_path $TMP/client_body;"
nginx_v="$("$NGINX" -V 2>&1)"
for m in proxy fastcgi uwsgi scgi; do
  [[ "$nginx_v" == *"--without-http_${m}_module"* ]] || temp_paths+=$'\n'"    ${m}_temp_path $TMP/$m;"
done
user_line=""
[ "$(id -u)" -ne 0 ] || user_line="user nobody nogroup;"

start_nginx() {
  local port="$1"
  cat >"$TMP/nginx.conf" <<EOF
# Generated by bench/http/run.sh
$user_line
worker_processes 2;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/error.log warn;

events {
    # Room for all wrk connections in one worker, without exceeding the usual 1024 fd limit.
    worker_connections $(( CONNECTIONS + 100 > 1000 ? CONNECTIONS + 100 : 1000 ));
}

http {
    types { }
    default_type application/json;
    access_log $TMP/access.log;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 65;
    keepalive_requests 1000000;   # do not close benchmark connections every 1000 requests
$temp_paths

    server {
        listen 127.0.0.1:$port;
        root $TMP/www;
        # Every path returns the fetched body, so the same request path as Weijian's works.
        location / {
            try_files /body =404;
        }
    }
}
EOF
  # -p: prefix for relative paths; -e: error log before the config is read.
  "$NGINX" -p "$TMP/" -e "$TMP/error.log" -c "$TMP/nginx.conf" &
  NGINX_PID=$!
  # Ready when it answers with the body.
  local i
  for ((i = 0; i < 100; i++)); do
    kill -0 "$NGINX_PID" 2>/dev/null || { NGINX_PID=""; return 1; }
    if curl -s -o /dev/null -f "http://127.0.0.1:$port/" 2>/dev/null; then return 0; fi
    sleep 0.05
  done
  return 1
}

NGINX_PORT=""
for attempt in 1 2 3 4 5; do
  NGINX_PORT="$(pick_port)" || die "no free TCP port found"
  if start_nginx "$NGINX_PORT"; then break; fi
  log "nginx failed on port $NGINX_PORT (attempt $attempt):"
  tail -n 5 "$TMP/error.log" >&2 || true
  [ -z "$NGINX_PID" ] || { kill -TERM "$NGINX_PID" 2>/dev/null || true; wait "$NGINX_PID" 2>/dev/null || true; NGINX_PID=""; }
  NGINX_PORT=""
done
[ -n "$NGINX_PORT" ] || die "could not start nginx"
NGINX_URL="http://127.0.0.1:$NGINX_PORT$URL_PATH"
cmp -s "$BODY" <(curl -s -H "$AUTH_HEADER" "$NGINX_URL") || die "nginx does not serve the same bytes at $NGINX_URL"
log "nginx (pid $NGINX_PID) serving the body at $NGINX_URL"

# ---------------------------------------------------------------------------------------
# (c) wrk runs, (d) parsing
# ---------------------------------------------------------------------------------------
run_wrk() {   # run_wrk NAME URL -> wrk output in $TMP/wrk-NAME.txt, copied to stderr
  local name="$1" url="$2" out="$TMP/wrk-$1.txt"
  log "wrk -t$THREADS -c$CONNECTIONS -d$DURATION --latency $url"
  wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" --latency -H "$AUTH_HEADER" "$url" >"$out" 2>&1 \
    || { cat "$out" >&2; die "wrk against $name failed"; }
  sed "s/^/[$name] /" "$out" >&2
}

# Requests/sec from "Requests/sec:  12345.67".
parse_rps() { awk '/^Requests\/sec:/ { print $2; found=1 } END { exit !found }' "$1"; }

# p99 in ms from the "Latency Distribution" line "     99%    1.23ms". wrk prints
# latencies with units us, ms, s, m (minutes) or h.
parse_p99_ms() {
  awk '
    $1 == "99%" {
      v = $2
      if      (v ~ /us$/) { sub(/us$/, "", v); ms = v / 1000 }
      else if (v ~ /ms$/) { sub(/ms$/, "", v); ms = v }
      else if (v ~ /s$/)  { sub(/s$/,  "", v); ms = v * 1000 }
      else if (v ~ /m$/)  { sub(/m$/,  "", v); ms = v * 60000 }
      else if (v ~ /h$/)  { sub(/h$/,  "", v); ms = v * 3600000 }
      else                { ms = v / 1000 }   # bare number: wrk measures in us
      printf "%.3f\n", ms; found = 1; exit
    }
    END { exit !found }' "$1"
}

# Warn about responses that make the numbers meaningless (errors are fast to serve).
check_errors() {
  local name="$1" f="$TMP/wrk-$1.txt"
  if grep -q 'Non-2xx or 3xx responses' "$f"; then
    log "WARNING: $name: $(grep 'Non-2xx or 3xx responses' "$f" | sed 's/^ *//')"
  fi
  if grep -q 'Socket errors' "$f"; then
    log "WARNING: $name: $(grep 'Socket errors' "$f" | sed 's/^ *//')"
  fi
}

run_wrk weijian "$URL"
run_wrk nginx "$NGINX_URL"

W_RPS="$(parse_rps "$TMP/wrk-weijian.txt")" || die "could not parse req/s from wrk output (weijian)"
W_P99="$(parse_p99_ms "$TMP/wrk-weijian.txt")" || die "could not parse p99 from wrk output (weijian)"
N_RPS="$(parse_rps "$TMP/wrk-nginx.txt")" || die "could not parse req/s from wrk output (nginx)"
N_P99="$(parse_p99_ms "$TMP/wrk-nginx.txt")" || die "could not parse p99 from wrk output (nginx)"
check_errors weijian
check_errors nginx
# Sanity check that nginx really served the requests (access log is on).
log "nginx access log: $(wc -l <"$TMP/access.log") requests"

# ---------------------------------------------------------------------------------------
# (e) Weijian memory after the run: VmRSS (current) and VmHWM (peak RSS), in kB.
# ---------------------------------------------------------------------------------------
[ -r "/proc/$PID/status" ] || die "process $PID is gone after the run (crashed?)"
RSS_KB="$(awk '/^VmRSS:/ { print $2 }' "/proc/$PID/status")"
HWM_KB="$(awk '/^VmHWM:/ { print $2 }' "/proc/$PID/status")"
if [ -z "$RSS_KB" ] || [ -z "$HWM_KB" ]; then
  die "no VmRSS/VmHWM in /proc/$PID/status (kernel thread or zombie?)"
fi

# ---------------------------------------------------------------------------------------
# (f) Summary
# ---------------------------------------------------------------------------------------
awk -v wr="$W_RPS" -v wp="$W_P99" -v nr="$N_RPS" -v np="$N_P99" -v rss="$RSS_KB" -v hwm="$HWM_KB" '
  BEGIN {
    ratio = (nr > 0) ? wr / nr : 0
    rss_mib = rss / 1024; hwm_mib = hwm / 1024
    printf "weijian  req/s=%.2f p99=%.3fms\n", wr, wp
    printf "nginx    req/s=%.2f p99=%.3fms\n", nr, np
    printf "ratio    weijian/nginx=%.2f (target >= 0.5) %s\n", ratio, (ratio >= 0.5 ? "ok" : "BELOW TARGET")
    printf "rss      weijian VmRSS=%.1f MiB VmHWM=%.1f MiB (target < 64 MiB) %s\n", rss_mib, hwm_mib, \
      (hwm_mib < 64 ? "ok" : "ABOVE TARGET")
  }'
