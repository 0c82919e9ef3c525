#!/usr/bin/env bash
# bench/booking/bench.sh: the appointment booking benchmarks of BENCHMARKS.md (issue 6).
#
#   1. sustained  open-loop POST /api/v1/appointments at a fixed rate (bench/booking/loadgen.c)
#                 against sessions with room to spare; bookings/s, attempts/s, p50/p90/p99
#   2. rush       5,000 places of 50 doctors released at the next whole minute; 200+ clients
#                 start at that instant and retry on 409 (another session) until --rush-attempts
#                 answers; time to sell out, p99 of rejections
#   3. crash      the sustained run with the server SIGKILLed at half time and restarted on
#                 the same port; every confirmation a client received must be in the database
#   After each: the database is checked (no bucket over capacity, booked = live appointments,
#   no slot twice, no person twice in a session), and the machine's fsync rate is printed.
set -euo pipefail

usage() {
  cat <<'EOF'
Usage: bench/booking/bench.sh [--steps sustained,rush,crash] [--db postgresql://…]
                              [--rate R] [--duration S] [--connections C] [--desks K]
                              [--rush-attempts N] [--rush-clients C] [--residents N]
                              [--idempotency-key on|off] [--keep DIR]

  --steps LIST        which steps, comma-separated (default: sustained,rush,crash)
  --db URL            PostgreSQL database to use (emptied objects are not dropped: give a
                      fresh one). Without it: a SQLite file in a temp dir.
  --rate R            sustained and crash: requests per second, open loop (default 5000)
  --duration S        sustained and crash: seconds of arrivals (default 20)
  --connections C     sustained and crash: keep-alive connections (default 256)
  --desks K           registration-desk accounts (facility_staff, channel onsite) the
                      requests are spread over, round robin (default 64)
  --rush-attempts N   rush: answers to collect (default 100000)
  --rush-clients C    rush: clients, one connection each (default 256)
  --residents N       persons of the demo city (default 60000)
  --idempotency-key V on (default) or off: send an Idempotency-Key with every booking
  --keep DIR          keep the files (database, ids, logs) in DIR
  -h, --help          this text

The server is the release build (./weijian, copied so a rebuild does not swap it) with its
default settings: 4 worker threads, SQLite synchronous=FULL or PostgreSQL fsync on, the
default per-day limits (persons are chosen so that none books twice on one day). Release
builds have no test clock, so the sustained sessions are released already (release_days 90)
and the rush's release time is the next whole minute, Asia/Shanghai.
Figures go to stdout, progress to stderr. Builds the load client (cc, -Werror) itself; run
`make weijian` first. PostgreSQL:
  tests/pg/with-cluster.sh bash -c 'bench/booking/bench.sh --db "$WEIJIAN_TEST_PG"'
EOF
}

log() { echo "bench: $*" >&2; }
die() { log "error: $*"; exit 1; }

steps="sustained,rush,crash" db="" rate=5000 duration=20 conns=256 desks=64 rush_attempts=100000
rush_clients=256 residents=60000 idem=on keep=""
need_arg() { [ $# -ge 2 ] || die "$1 needs a value (see --help)"; }
while [ $# -gt 0 ]; do
  case "$1" in
    -h | --help) usage; exit 0 ;;
    --steps) need_arg "$@"; steps=$2; shift 2 ;;
    --db) need_arg "$@"; db=$2; shift 2 ;;
    --rate) need_arg "$@"; rate=$2; shift 2 ;;
    --duration) need_arg "$@"; duration=$2; shift 2 ;;
    --connections) need_arg "$@"; conns=$2; shift 2 ;;
    --desks) need_arg "$@"; desks=$2; shift 2 ;;
    --rush-attempts) need_arg "$@"; rush_attempts=$2; shift 2 ;;
    --rush-clients) need_arg "$@"; rush_clients=$2; shift 2 ;;
    --residents) need_arg "$@"; residents=$2; shift 2 ;;
    --idempotency-key) need_arg "$@"; idem=$2; shift 2 ;;
    --keep) need_arg "$@"; keep=$2; shift 2 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
cd "$(dirname "$0")/../.."
[ -x ./weijian ] || die "./weijian not found: run make weijian"
has_step() { [[ ",$steps," == *",$1,"* ]]; }

if [ -n "$keep" ]; then mkdir -p "$keep"; work=$(cd "$keep" && pwd); else work=$(mktemp -d "${TMPDIR:-/tmp}/bench-booking.XXXXXX"); fi
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
}
cleanup() {
  stop_server
  [ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT

cp ./weijian "$work/weijian"
wj="$work/weijian"
lg="$work/loadgen"
${CC:-cc} -std=c17 -D_GNU_SOURCE -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
  -Wno-missing-field-initializers -o "$lg" bench/booking/loadgen.c || die "cannot build the load client"

dbu="${db:-$work/booking.db}"
case "$dbu" in postgresql*) backend=PostgreSQL ;; *) backend=SQLite ;; esac
# q SQL: rows of a query, fields separated by one space.
q() {
  case "$dbu" in
    postgresql*) psql -X -q -At -F ' ' -v ON_ERROR_STOP=1 "$dbu" -c "$1" ;;
    *) sqlite3 -separator ' ' "$dbu" "$1" ;;
  esac
}

echo "== booking benchmark ($backend, $(nproc) cores, $(date -u +%FT%TZ))"
fsync_rate=$("$lg" fsync "$work" 3 | awk '{ print $2 }')
echo "   fsync rate: $fsync_rate/s (pwrite 4 KiB + fdatasync, one file in $work; the reference)"

log "demo city with $residents residents on $backend"
case "$dbu" in postgresql*) ;; *) rm -f "$dbu" "$dbu-wal" "$dbu-shm" ;; esac
"$wj" demo --residents "$residents" --db "$dbu" >/dev/null 2>"$work/demo.log" || { cat "$work/demo.log" >&2; die "demo failed"; }
facility=$(q "SELECT g.facility_id FROM grants g JOIN users u ON u.id = g.user_id WHERE u.username = 'hospital_staff'")
mapfile -t depts < <(q "SELECT id FROM facility_departments WHERE facility_id = $facility ORDER BY id")
[ "${#depts[@]}" -gt 0 ] || die "no departments at facility $facility"
# Persons without any appointment, in three disjoint slices (sustained, crash, rush): each
# step's persons book at most once a day, so the default per-day limits always hold.
q "SELECT id FROM persons WHERE merged_into IS NULL AND deceased_date IS NULL
   AND id NOT IN (SELECT person_id FROM appointments) ORDER BY id" >"$work/persons.txt"
np=$(wc -l <"$work/persons.txt")
third=$((np / 3))
sed -n "1,${third}p" "$work/persons.txt" >"$work/persons-sustained.txt"
sed -n "$((third + 1)),$((2 * third))p" "$work/persons.txt" >"$work/persons-crash.txt"
sed -n "$((2 * third + 1)),\$p" "$work/persons.txt" >"$work/persons-rush.txt"

log "$desks desk accounts and 50 doctors at facility $facility"
for k in $(seq "$desks"); do
  echo 'bench-desk-password' | "$wj" user add --username "bench_desk_$k" --role facility_staff \
    --facility "$facility" --password-stdin --db "$dbu" >/dev/null
done
for k in $(seq 50); do
  echo 'bench-doctor-password' | "$wj" user add --username "bench_dr_$k" --name "医生$k" --role clinician \
    --facility "$facility" --password-stdin --db "$dbu" >/dev/null
done

port=""
start_server() { # [PORT]
  local listen="127.0.0.1:${1:-0}"
  "$wj" serve --db "$dbu" --listen "$listen" 2>>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 200); do
    if [ -z "${1:-}" ]; then
      port=$(sed -n 's/.*"msg":"listening".*"port":\([0-9]*\).*/\1/p' "$work/server.log" | tail -1)
    fi
    [ -n "$port" ] && curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return 0
    sleep 0.05
  done
  tail -5 "$work/server.log" >&2
  die "server did not start"
}
login() { # USER PASSWORD: the token, one line
  local t
  t=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'Content-Type: application/json' \
    -d "{\"username\":\"$1\",\"password\":\"$2\"}" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
  [ -n "$t" ] || die "cannot log in as $1"
  printf '%s\n' "$t"
}
start_server
admin=$(login hospital_admin weijian-demo)
[ -n "$admin" ] || die "cannot log in as hospital_admin"
for k in $(seq "$desks"); do login "bench_desk_$k" bench-desk-password; done >"$work/tokens.txt"

# A schedule at the facility; prints its id. BODY is the JSON without the braces' end.
new_schedule() {
  local out
  out=$(curl -s -X POST "http://127.0.0.1:$port/api/v1/schedules" -H "Authorization: Bearer $admin" \
    -H 'Content-Type: application/json' -d "$1")
  [[ "$out" == '{"id":"'* ]] || die "schedule refused: ${out:0:300}"
  sed 's/^{"id":"\([0-9]*\)".*/\1/' <<<"$out"
}
shanghai() { TZ=Asia/Shanghai date "$@"; }

# Sustained and crash: schedules of every day and period (morning, afternoon, evening) from
# tomorrow, 500 places each (general, onsite: the desks' bucket), already released; enough
# of them that the run fills under half of the places.
make_sustained_sessions() { # OUT
  local tomorrow tpl n want i ids=""
  tomorrow=$(shanghai -d tomorrow +%F)
  tpl=$(for w in 1 2 3 4 5 6 7; do for p in "morning 08:00 12:00" "afternoon 13:30 17:30" "evening 18:00 21:00"; do
    set -- $p
    printf '{"weekday":%d,"period":"%s","start":"%s","end":"%s","slot_minutes":5,"buckets":[{"pool":"general","channel":"onsite","places":500}]},' "$w" "$1" "$2" "$3"
  done; done)
  tpl="[${tpl%,}]"
  want=$(awk -v r="$rate" -v d="$duration" 'BEGIN { n = int(2 * r * d / 40000) + 1; print (n < 2 ? 2 : n) }')
  for i in $(seq "$want"); do
    n=$(new_schedule "{\"owner\":\"department\",\"department_id\":\"${depts[$(((i - 1) % ${#depts[@]}))]}\",\"name\":\"bench $i\",\"fee_class\":\"general\",\"template\":$tpl,\"release_days\":90,\"valid_from\":\"$tomorrow\"}")
    ids="$ids${ids:+,}$n"
  done
  q "SELECT id, date FROM appt_sessions WHERE schedule_id IN ($ids) ORDER BY date, starts_at, id" >"$1"
  echo "$ids"
}

# The database's word on the sessions of these schedules (comma-separated ids); prints the
# figures and fails the step when any is not 0. IDS_FILE: confirmations received.
check_db() { # SCHEDULE_IDS [IDS_FILE]
  local s="SELECT id FROM appt_sessions WHERE schedule_id IN ($1)" live="status IN ('booked', 'offered')"
  local over mism slot2 pers2 range total missing=0 got=0
  over=$(q "SELECT count(*) FROM appt_buckets WHERE session_id IN ($s) AND booked > capacity")
  mism=$(q "SELECT count(*) FROM appt_buckets b WHERE b.session_id IN ($s) AND b.booked <> (SELECT count(*)
            FROM appointments a WHERE a.session_id = b.session_id AND a.pool = b.pool AND a.channel = b.channel AND a.$live)")
  slot2=$(q "SELECT count(*) FROM (SELECT session_id, slot FROM appointments WHERE session_id IN ($s) AND $live
             GROUP BY session_id, slot HAVING count(*) > 1) x")
  pers2=$(q "SELECT count(*) FROM (SELECT session_id, person_id FROM appointments WHERE session_id IN ($s) AND $live
             GROUP BY session_id, person_id HAVING count(*) > 1) x")
  range=$(q "SELECT count(*) FROM appointments a JOIN appt_sessions t ON t.id = a.session_id
             WHERE t.id IN ($s) AND a.$live AND (a.slot < 0 OR a.slot >= t.places)")
  total=$(q "SELECT count(*) FROM appointments WHERE session_id IN ($s) AND $live")
  if [ -n "${2:-}" ]; then
    sort -u "$2" >"$2.sorted"
    got=$(wc -l <"$2.sorted")
    case "$dbu" in
      postgresql*)
        missing=$(psql -X -q -At -v ON_ERROR_STOP=1 "$dbu" <<EOF
CREATE TEMP TABLE got (id BIGINT);
\copy got FROM '$2.sorted'
SELECT count(*) FROM got WHERE NOT EXISTS (SELECT 1 FROM appointments a WHERE a.id = got.id AND a.status = 'booked');
EOF
        ) ;;
      *)
        missing=$(sqlite3 "$dbu" "CREATE TEMP TABLE got (id INTEGER);" ".import $2.sorted got" \
          "SELECT count(*) FROM got WHERE NOT EXISTS (SELECT 1 FROM appointments a WHERE a.id = got.id AND a.status = 'booked');") ;;
    esac
  fi
  echo "   database: $total appointments; buckets over capacity $over, buckets whose booked differs from their appointments $mism, slots held twice $slot2, persons twice in a session $pers2, slots out of range $range"
  [ -n "${2:-}" ] && echo "   confirmations received $got (distinct ids), missing from the database $missing"
  [ "$over$mism$slot2$pers2$range$missing" = "000000" ] || { echo "   ** NO-OVERSELL / DURABILITY CHECK FAILED **"; return 1; }
}

# Loadgen figures as "key value" lines → one summary line.
summary() { # FILE
  awk '
    { v[$1] = $2; if ($1 ~ /^latency_/) l[$1] = $0 }
    END {
      printf "   attempts %d, answered %d: 201 %d, 409 full %d, 409 other %d, 422 %d, other %d, lost %d; resent after a lost connection %d\n",
        v["requests"], v["answered"], v["created"], v["full"], v["conflict_other"], v["unprocessable"], v["other"], v["lost"], v["resent"]
      printf "   over %.2f s: %d attempts/s, %d bookings/s\n", v["span_s"], v["attempts_per_s"], v["bookings_per_s"]
      for (k in l) { split(l[k], f, " "); if (f[3] > 0) printf "   %-17s n %d  p50 %s ms  p90 %s ms  p99 %s ms  max %s ms\n", substr(k, 9), f[3], f[5], f[7], f[9], f[11] }
    }' "$1"
}

status=0
# ---- 1. sustained, 3. crash ----
run_open() { # NAME PERSONS CRASH(0/1)
  local name=$1 persons=$2 crash=$3 ids
  log "$name: schedules"
  ids=$(make_sustained_sessions "$work/sessions-$name.txt")
  local ns places
  ns=$(wc -l <"$work/sessions-$name.txt")
  places=$((ns * 500))
  log "$name: $rate/s for $duration s over $conns connections, $ns sessions ($places places)"
  local before_c before_j
  before_c=$(curl -s "http://127.0.0.1:$port/metrics" | awk '$1 == "weijian_group_commits_total" { print $2 }')
  before_j=$(curl -s "http://127.0.0.1:$port/metrics" | awk '$1 == "weijian_group_commit_jobs_total" { print $2 }')
  "$lg" book --port "$port" --tokens "$work/tokens.txt" --sessions "$work/sessions-$name.txt" --persons "$persons" \
    --rate "$rate" --duration "$duration" --connections "$conns" --idempotency-key "$idem" \
    --key "$name-$$" --ids "$work/ids-$name.txt" >"$work/loadgen-$name.txt" 2>"$work/loadgen-$name.log" &
  local lg_pid=$! killed_at=""
  if [ "$crash" = 1 ]; then
    sleep "$(awk -v d="$duration" 'BEGIN { print d / 2 }')"
    kill -KILL "$server_pid"
    wait "$server_pid" 2>/dev/null || true
    killed_at=$(date +%s.%N)
    log "$name: server SIGKILLed, restarting on port $port"
    start_server "$port"
    killed_at=$(awk -v a="$killed_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')
  fi
  wait "$lg_pid" || die "load client failed: $(tail -3 "$work/loadgen-$name.log")"
  echo "== $name ($backend): open loop $rate/s for $duration s, $conns connections, $desks desk accounts, Idempotency-Key $idem, $ns sessions × 500 places"
  [ -n "$killed_at" ] && echo "   server SIGKILLed at $(awk -v d="$duration" 'BEGIN { print d / 2 }') s, listening again $killed_at s later"
  summary "$work/loadgen-$name.txt"
  local after_c after_j
  after_c=$(curl -s "http://127.0.0.1:$port/metrics" | awk '$1 == "weijian_group_commits_total" { print $2 }')
  after_j=$(curl -s "http://127.0.0.1:$port/metrics" | awk '$1 == "weijian_group_commit_jobs_total" { print $2 }')
  [ "$crash" = 1 ] || awk -v c=$((after_c - before_c)) -v j=$((after_j - before_j)) \
    'BEGIN { if (c > 0) printf "   group commits %d for %d jobs: %.1f per commit\n", c, j, j / c }'
  check_db "$ids" "$work/ids-$name.txt" || status=1
}

has_step sustained && run_open sustained "$work/persons-sustained.txt" 0

# ---- 2. rush ----
if has_step rush; then
  # 50 doctors, one session each on the day after the release, 100 places (general, onsite),
  # released at the next whole minute at least 20 s away (Asia/Shanghai).
  now=$(date +%s)
  rel=$(((now + 20 + 59) / 60 * 60))
  rel_date=$(shanghai -d "@$rel" +%F)
  rel_time=$(shanghai -d "@$rel" +%H:%M)
  day=$(shanghai -d "$rel_date + 1 day" +%F)
  wd=$(shanghai -d "$day" +%u)
  log "rush: 50 doctor schedules on $day, released $rel_date $rel_time Asia/Shanghai"
  ids=""
  for k in $(seq 50); do
    dr=$(q "SELECT id FROM users WHERE username = 'bench_dr_$k'")
    n=$(new_schedule "{\"owner\":\"doctor\",\"department_id\":\"${depts[$(((k - 1) % ${#depts[@]}))]}\",\"doctor_id\":\"$dr\",\"name\":\"医生$k 专家门诊\",\"fee_class\":\"expert\",\"template\":[{\"weekday\":$wd,\"period\":\"morning\",\"start\":\"08:00\",\"end\":\"12:00\",\"slot_minutes\":5,\"buckets\":[{\"pool\":\"general\",\"channel\":\"onsite\",\"places\":100}]}],\"release_days\":1,\"release_time\":\"$rel_time\",\"valid_from\":\"$day\",\"valid_to\":\"$day\"}")
    ids="$ids${ids:+,}$n"
  done
  q "SELECT id FROM appt_sessions WHERE schedule_id IN ($ids) ORDER BY id" >"$work/sessions-rush.txt"
  ns=$(wc -l <"$work/sessions-rush.txt")
  places=$(q "SELECT sum(capacity) FROM appt_buckets WHERE session_id IN (SELECT id FROM appt_sessions WHERE schedule_id IN ($ids))")
  early=$(curl -s -o /dev/null -w '%{http_code}' -X POST "http://127.0.0.1:$port/api/v1/appointments" \
    -H "Authorization: Bearer $(head -1 "$work/tokens.txt")" -H 'Content-Type: application/json' \
    -d "{\"session_id\":\"$(head -1 "$work/sessions-rush.txt")\",\"person_id\":\"$(head -1 "$work/persons-rush.txt")\",\"pool\":\"general\"}")
  log "rush: $ns sessions, $places places; a booking before the release answers $early; $rush_clients clients wait for $rel_time"
  "$lg" book --mode rush --port "$port" --tokens "$work/tokens.txt" --sessions "$work/sessions-rush.txt" \
    --persons "$work/persons-rush.txt" --attempts "$rush_attempts" --places "$places" --connections "$rush_clients" \
    --idempotency-key "$idem" --key "rush-$$" --ids "$work/ids-rush.txt" --start-at "$((rel * 1000))" \
    >"$work/loadgen-rush.txt" 2>"$work/loadgen-rush.log" || die "load client failed: $(tail -3 "$work/loadgen-rush.log")"
  echo "== rush ($backend): $places places in $ns sessions of 50 doctors released at $rel_time; $rush_clients clients, $rush_attempts attempts, a 409 retried on another session"
  echo "   before the release a booking answered $early"
  summary "$work/loadgen-rush.txt"
  awk '{ v[$1] = $2 } END { printf "   first confirmation %.0f ms after the release, sold out (%s-th 201) at %.0f ms, last 201 at %.0f ms\n", v["first_201_ms"], "'"$places"'", v["sellout_ms"], v["last_201_ms"] }' "$work/loadgen-rush.txt"
  check_db "$ids" "$work/ids-rush.txt" || status=1
fi

has_step crash && run_open crash "$work/persons-crash.txt" 1
stop_server
exit "$status"
