#!/usr/bin/env bash
# bench/mpi/bench.sh: the person index benchmarks of BENCHMARKS.md.
#
#   1. quality  generate 100,000 people (seed 20261124), import them with --report into a
#               fresh demo city, and score the automatic links against the ground truth
#               (bench/mpi/quality.mjs: precision, recall, F1, share sent to review);
#   2. import   bulk import of 1,000,000 generated people with matching, timed;
#   3. resolve  the server on that database, wrk (2 threads, 32 connections) going through
#               the file's ID numbers in a random order (seeded): GET
#               /api/v1/persons?identifier=id_card|N as the demo commission admin; p50 and
#               p99, first with every client sending its next request as soon as it has an
#               answer (saturation: the latency is the queue, 32 / throughput), then with
#               each client pausing --pause ms between requests (a stated load); last,
#               nginx serving one answer as a static file to the same wrk (bench/http),
#               the floor of this machine at that concurrency.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/mpi/bench.sh [--steps quality,import,resolve] [--db postgresql://…]
                          [--count N] [--quality-count N] [--seed S] [--today DATE]
                          [--batch N] [--duration 8s] [--pause MS] [--keep DIR]

  --steps LIST      which steps to run, comma-separated (default: all three)
  --db URL          run import and resolve on this PostgreSQL database (it must be empty;
                    quality always runs on SQLite). Without it: SQLite files in a temp dir.
  --count N         people for import and resolve (default 1000000)
  --quality-count N people for quality (default 100000)
  --seed S          generator seed (default 20261124; the weights were tuned on others)
  --today DATE      the generator's today (default 2026-11-24): with the seed, the same files
  --batch N         rows per import transaction (default: the import's, a tenth of the file
                    within 10,000..100,000)
  --duration D      wrk duration of each resolve run (default 8s)
  --pause MS        the paced resolve run: each of the 32 clients waits MS milliseconds
                    after an answer before its next request (default 3; 0 skips the run)
  --keep DIR        keep the files (CSV, truth, reports, databases) in DIR
  -h, --help        this text

Builds nothing: run `make weijian` first. Figures go to stdout, progress to stderr.
PostgreSQL:
  tests/pg/with-cluster.sh bash -c 'bench/mpi/bench.sh --steps import,resolve --db "$WEIJIAN_TEST_PG"'
EOF
}

log() { echo "bench: $*" >&2; }
die() { log "error: $*"; exit 1; }

steps="quality,import,resolve" db="" count=1000000 qcount=100000 seed=20261124 today=2026-11-24 batch="" duration="8s" pause=3 keep=""
need_arg() { [ $# -ge 2 ] || die "$1 needs a value (see --help)"; }
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --steps) need_arg "$@"; steps=$2; shift 2 ;;
    --db) need_arg "$@"; db=$2; shift 2 ;;
    --count) need_arg "$@"; count=$2; shift 2 ;;
    --quality-count) need_arg "$@"; qcount=$2; shift 2 ;;
    --seed) need_arg "$@"; seed=$2; shift 2 ;;
    --today) need_arg "$@"; today=$2; shift 2 ;;
    --batch) need_arg "$@"; batch=$2; shift 2 ;;
    --duration) need_arg "$@"; duration=$2; shift 2 ;;
    --pause) need_arg "$@"; pause=$2; shift 2 ;;
    --keep) need_arg "$@"; keep=$2; shift 2 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
cd "$(dirname "$0")/../.."
[ -x ./weijian ] || die "./weijian not found: run make weijian"
has_step() { [[ ",$steps," == *",$1,"* ]]; }

if [ -n "$keep" ]; then mkdir -p "$keep"; work=$(cd "$keep" && pwd); else work=$(mktemp -d); fi
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  [ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT

batch_flag=()
[ -n "$batch" ] && batch_flag=(--batch "$batch")
backend() { case "$1" in postgresql*) echo PostgreSQL ;; *) echo SQLite ;; esac; }

# A fresh demo city without generated residents.
demo_db() {
  local target=$1
  case "$target" in postgresql*) ;; *) rm -f "$target" "$target-wal" "$target-shm" ;; esac
  ./weijian demo --residents 0 --db "$target" >/dev/null
}

# Seconds, with milliseconds, of a command's run; its stdout goes to $2.
timed() {
  local out=$1; shift
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >"$out"
  t1=$(date +%s.%N)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }'
}

# ---- 1. quality ----
if has_step quality; then
  qdb="$work/quality.db"
  log "quality: $qcount people, seed $seed"
  demo_db "$qdb"
  ./weijian generate persons --count "$qcount" --seed "$seed" --today "$today" --db "$qdb" \
    --out "$work/quality.csv" --truth "$work/quality-truth.csv" 2>"$work/quality-generate.txt"
  ./weijian import persons --db "$qdb" "${batch_flag[@]}" --report "$work/quality-report.csv" \
    "$work/quality.csv" >"$work/quality-import.txt" 2>/dev/null || true
  echo "== quality (SQLite, $qcount people, seed $seed)"
  sed 's/^/   /' "$work/quality-generate.txt"
  sed 's/^/   /' "$work/quality-import.txt"
  node bench/mpi/quality.mjs --csv "$work/quality.csv" --truth "$work/quality-truth.csv" \
    --report "$work/quality-report.csv" | sed 's/^/   /'
fi

# ---- 2. import ----
idb="${db:-$work/import.db}"
if has_step import; then
  log "import: $count people on $(backend "$idb")"
  demo_db "$idb"
  ./weijian generate persons --count "$count" --seed "$seed" --today "$today" --db "$idb" \
    --out "$work/import.csv" --truth "$work/import-truth.csv" 2>"$work/import-generate.txt"
  rows=$(($(wc -l <"$work/import.csv") - 1))
  secs=$(timed "$work/import-import.txt" ./weijian import persons --db "$idb" "${batch_flag[@]}" \
    --report "$work/import-report.csv" "$work/import.csv")
  echo "== import ($(backend "$idb"), $count people, $rows rows, seed $seed)"
  sed 's/^/   /' "$work/import-import.txt"
  awk -v r="$rows" -v s="$secs" 'BEGIN { printf "   wall time %.1f s, %.0f rows/s (target: 1,000,000 rows < 60 s on SQLite)\n", s, r / s }'
  case "$idb" in postgresql*) ;; *) echo "   database $(du -h "$idb" | cut -f1)" ;; esac
fi

# ---- 3. resolve ----
if has_step resolve; then
  [ -f "$work/import.csv" ] || die "resolve needs the import step's file (run it, or --keep a DIR that has it)"
  command -v wrk >/dev/null || die "wrk not found"
  # A random order, as a city's clients ask: in file order, neighbouring lookups would
  # share database pages and flatter the figures. Seeded, so runs ask the same sequence.
  awk -F, 'NR > 1 && $8 != "" { print $8 }' "$work/import.csv" \
    | shuf --random-source=<(yes "$seed") >"$work/ids.txt"
  # This host pages out file pages nobody touched for a minute (DAMON, `pageout` scheme),
  # so a database imported a while ago would be read back from disk during the run. A
  # server that has been answering for a minute has its pages in memory: read the files
  # once, as that server would have.
  case "$idb" in postgresql*) ;; *) cat "$idb" "$idb-wal" >/dev/null 2>&1 || true ;; esac
  ./weijian serve --db "$idb" --listen 127.0.0.1:0 2>"$work/server.log" &
  server_pid=$!
  port=""
  for _ in $(seq 100); do
    port=$(sed -n 's/.*"msg":"listening".*"port":\([0-9]*\).*/\1/p' "$work/server.log" | head -1)
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
    sleep 0.1
  done
  [ -n "$port" ] || { cat "$work/server.log" >&2; die "server did not start"; }
  token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d '{"username":"admin","password":"weijian-demo"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
  first=$(head -1 "$work/ids.txt")
  curl -sf -H "Authorization: Bearer $token" \
    "http://127.0.0.1:$port/api/v1/persons?identifier=id_card%7C$first" | grep -q '"items":\[{' \
    || die "GET /api/v1/persons?identifier=id_card|$first did not find the person"
  resolve_run() { # $1 pause ms, $2 label
    log "resolve: wrk 2 threads, 32 connections, $duration, pause $1 ms ($2)"
    IDS_FILE="$work/ids.txt" TOKEN="$token" PAUSE_MS="$1" wrk -t2 -c32 -d"$duration" --latency \
      -s bench/mpi/resolve.lua "http://127.0.0.1:$port" >"$work/wrk-$1.txt"
    echo "   $2:"
    sed -n 's/^resolve: /     /p' "$work/wrk-$1.txt"
  }
  echo "== resolve by identifier ($(backend "$idb"), $(wc -l <"$work/ids.txt") ID numbers in random order, 32 connections, $duration each)"
  resolve_run 0 "saturation (each client sends again at once)"
  [ "$pause" = 0 ] || resolve_run "$pause" "paced (each client pauses $pause ms between requests)"
  # The machine's floor, in the same run: nginx serving one answer's bytes as a static file
  # to the same wrk (2 threads, 32 connections that never pause), after this server
  # answering that one lookup again and again. What no server here can beat.
  if command -v nginx >/dev/null || [ -x /usr/sbin/nginx ]; then
    echo "   reference, one ID number asked again and again, saturation (bench/http/run.sh):"
    bench/http/run.sh --url "http://127.0.0.1:$port/api/v1/persons?identifier=id_card%7C$first" \
      --token "$token" --pid "$server_pid" --duration "$duration" 2>"$work/reference.txt" \
      | grep -E '^(weijian|nginx) ' | sed 's/^/     /'
  fi
fi
