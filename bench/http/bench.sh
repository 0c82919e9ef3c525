#!/usr/bin/env bash
# `make bench`: the HTTP benchmark of BENCHMARKS.md. Builds a fresh demo database, starts
# ./weijian on it, logs in as the demo hospital administrator, and runs bench/http/run.sh
# (wrk against an authenticated GET /api/v1/facilities/{id}, and nginx serving the same
# bytes) in the same run.
# Usage: bench/http/bench.sh [--db postgresql://…] [run.sh options such as --duration 10s]
set -euo pipefail
if [ "${1:-}" = "--help" ]; then sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0; fi
cd "$(dirname "$0")/../.."

db=""
if [ "${1:-}" = "--db" ]; then db=$2; shift 2; fi
work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

[ -n "$db" ] || db="$work/bench.db"
./weijian demo --db "$db" >/dev/null
# Port 0: the kernel picks a free port and the server logs which.
./weijian serve --db "$db" --listen 127.0.0.1:0 2>"$work/server.log" &
server_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*"msg":"listening".*"port":\([0-9]*\).*/\1/p' "$work/server.log" | head -1)
  [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done
[ -n "$port" ] || { cat "$work/server.log" >&2; echo "bench: server did not start" >&2; exit 1; }

token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
  -d '{"username":"hospital_admin","password":"weijian-demo"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')
fid=$(curl -sf -H "Authorization: Bearer $token" "http://127.0.0.1:$port/api/v1/facilities?limit=1&type=general_hospital" \
  | sed 's/^{"items":\[{"id":"\([0-9]*\)".*/\1/')
echo "weijian on $(case "$db" in postgresql*) echo PostgreSQL;; *) echo SQLite;; esac), GET /api/v1/facilities/$fid"
bench/http/run.sh --url "http://127.0.0.1:$port/api/v1/facilities/$fid" --token "$token" --pid "$server_pid" "$@"
