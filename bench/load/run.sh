#!/usr/bin/env bash
# run.sh: the load benchmark of issue 7 (BENCHMARKS.md, "Load").
#
# Starts `gatehouse serve` on a fresh SQLite data directory, fills it
# through the API (10,000 users, 100,000 policies, a key per user, 200
# channels), touches every principal once, then for each scenario signs
# fresh requests (valid five minutes) and replays them with
# `wrk -t2 -c64 -d$DURATION --latency`, $RUNS times. The same again on
# PostgreSQL in a fresh schema (holding a copy of the SQLite store, or
# populated through the API when SQLite is not run), and against a bare
# net/http handler (the ceiling). Prints a Markdown table of the medians; the raw wrk outputs,
# server logs and memory figures stay in $OUT.
#
#   bench/load/run.sh                          # everything (about 25 minutes)
#   BACKENDS=sqlite RUNS=1 DURATION=5s USERS=1000 bench/load/run.sh   # a quick try
#
# Environment: BACKENDS ("ceiling sqlite postgres"), RUNS (3), DURATION
# (20s), PERF (1: record the server with `perf` during the first run of
# sts-caller and ivs-get-allow, summarized in $OUT/perf-*.txt), PAIRED (1:
# precede every server run by a ceiling run, the share of the ceiling
# being the median of the pairs' ratios), WARMUP (5s: an unrecorded run
# of each scenario before the recorded ones; 0 for none), USERS (10000), MANAGED (1000), CHANNELS (200), GROW (2000: users
# added to measure memory per principal), SCENARIOS (all), PG_URL
# (postgres://postgres@127.0.0.1:5432/test?sslmode=disable), GATEHOUSE_BIN
# (default: built from this checkout), OUT (default: a new directory in
# /tmp), PORT (4590), CEILING_PORT (4599).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)

BACKENDS=${BACKENDS:-ceiling sqlite postgres}
RUNS=${RUNS:-3}
DURATION=${DURATION:-20s}
USERS=${USERS:-10000}
MANAGED=${MANAGED:-1000}
CHANNELS=${CHANNELS:-200}
GROW=${GROW:-2000}
SCENARIOS=${SCENARIOS:-sts-caller ivs-get-allow ivs-get-deny ivs-list-allow ivs-list-deny iam-getuser mix}
PG_URL=${PG_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}
PORT=${PORT:-4590}
CEILING_PORT=${CEILING_PORT:-4599}
PERF=${PERF:-0}
PAIRED=${PAIRED:-1}
WARMUP=${WARMUP:-5s}
OUT=${OUT:-$(mktemp -d /tmp/gatehouse-load.XXXXXX)}
mkdir -p "$OUT"
chmod 700 "$OUT" # the state file holds secret keys

# A root key of our choosing, so that populate can sign as root.
export GATEHOUSE_ROOT_ACCESS_KEY_ID=AKIALOADBENCHROOT001
export GATEHOUSE_ROOT_SECRET_ACCESS_KEY=load-benchmark-root-secret-0123456789
export PGOPTIONS='-c client_min_messages=warning' # psql: no NOTICE of DROP … CASCADE

log() { printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

if ! command -v wrk >/dev/null || { [[ $PERF == 1 ]] && ! command -v perf >/dev/null; }; then
	log "installing wrk and perf"
	apt-get update -qq && apt-get install -y -qq wrk linux-perf >/dev/null
fi

# A server left listening on one of the ports (an earlier run's, or one
# started by hand) would be measured instead of this checkout's.
for p in "$PORT" "$CEILING_PORT"; do
	if (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		log "something already listens on port $p; stop it, or set PORT and CEILING_PORT"
		exit 1
	fi
done

log "building into $OUT"
bin=${GATEHOUSE_BIN:-}
if [[ -z $bin ]]; then
	(cd "$repo" && go build -o "$OUT/gatehouse" ./cmd/gatehouse)
	bin=$OUT/gatehouse
fi
(cd "$repo/bench" && go build -o "$OUT/loadgen" ./cmd/loadgen && go build -o "$OUT/ceiling" ./cmd/ceiling)
loadgen=$OUT/loadgen

pid=
schema=
ceiling_pid=
cleanup() {
	if [[ -n $pid ]]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	if [[ -n $ceiling_pid ]]; then kill "$ceiling_pid" 2>/dev/null || true; wait "$ceiling_pid" 2>/dev/null || true; fi
	if [[ -n $schema ]]; then psql "$PG_URL" -qc "DROP SCHEMA IF EXISTS $schema CASCADE" >/dev/null 2>&1 || true; fi
}
trap cleanup EXIT

wait_port() {
	for _ in $(seq 100); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; then return 0; fi
		sleep 0.1
	done
	log "nothing listens on port $1"; return 1
}

rss_kb() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }

# live_heap LOG FROM: the live heap at the end of the last of the server's
# GCs logged (gctrace) from line FROM on, and the largest: "last (max
# MAX, N GCs) MB". A warm-up fills the caches, so the last is the fullest.
live_heap() {
	tail -n +"$2" "$1" | grep -o '[0-9]*->[0-9]*->[0-9]* MB' | sed 's/.*->\([0-9]*\) MB/\1/' |
		awk '{if ($1 > m) m = $1; last = $1} END {if (NR) printf "%d (max %d, %d GCs) MB\n", last, m, NR}'
}

# warm_measure LABEL: touch every principal, then note the resident size
# and the live heap at the end of the warm-up.
warm_measure() {
	local from
	from=$(($(wc -l <"$dir/server.log") + 1))
	"$loadgen" warm -state "$dir/state.json"
	sleep 2
	echo "rss_kb_$1 $(rss_kb)" >>"$dir/memory.txt"
	echo "live_heap_$1 $(live_heap "$dir/server.log" "$from")" >>"$dir/memory.txt"
}

# The functions whose inclusive share of the server's CPU time perf_summary
# reports: the request's stages, and the runtime's garbage collection.
perf_symbols=(
	'net/http.(*conn).serve'
	'net/http.(*conn).readRequest'
	'net/http.(*response).finishRequest'
	'github.com/gatehouse-iam/gatehouse/server.(*Server).serveHTTP'
	'github.com/gatehouse-iam/gatehouse/sigv4.(*Verifier).Parse'
	'github.com/gatehouse-iam/gatehouse/sigv4.(*Verifier).Verify'
	'github.com/gatehouse-iam/gatehouse/sigv4.deriveSigningKey'
	'github.com/gatehouse-iam/gatehouse/server.(*authenticator).lookup'
	'github.com/gatehouse-iam/gatehouse/server.(*authenticator).recordUse'
	'github.com/gatehouse-iam/gatehouse/server.fillContext'
	'github.com/gatehouse-iam/gatehouse/authz.(*Authorizer).Authorize'
	'github.com/gatehouse-iam/gatehouse/policy.(*Set).Evaluate'
	'github.com/gatehouse-iam/gatehouse/store/sqlite.(*DB).View'
	'github.com/gatehouse-iam/gatehouse/store/postgres.(*DB).View'
	'modernc.org/sqlite/lib.Xsqlite3_prepare_v2'
	'encoding/json.Unmarshal'
	'github.com/gatehouse-iam/gatehouse/protocol/awsquery.WriteResult'
	'encoding/json.Marshal'
	'github.com/gatehouse-iam/gatehouse/server.(*Server).finish'
	'log/slog.(*Logger).logAttrs'
	'github.com/gatehouse-iam/gatehouse/server.(*Server).record'
	'github.com/gatehouse-iam/gatehouse/audit.(*Recorder).Record'
	'github.com/gatehouse-iam/gatehouse/audit.(*Recorder).move'
	'github.com/gatehouse-iam/gatehouse/seal.(*Box).Open'
	'github.com/gatehouse-iam/gatehouse/store/sqlite.(*DB).Update'
	'github.com/gatehouse-iam/gatehouse/store/postgres.(*DB).Update'
	'syscall.write'
	'syscall.read'
	'runtime.gcBgMarkWorker'
	'runtime.gcAssistAlloc'
	'runtime.bgsweep'
	'runtime.mallocgc'
)

# perf_summary DATA: the inclusive share of each of perf_symbols.
perf_summary() {
	local report
	report=$(perf report -i "$1" --children --sort symbol --stdio -g none 2>/dev/null)
	echo "# inclusive share of the server's CPU samples (perf record -F 499 -g; $(perf report -i "$1" --stdio 2>/dev/null | grep -m1 '^# Samples' | tr -d '#'))"
	for sym in "${perf_symbols[@]}"; do
		awk -v s="$sym" '$1 ~ /%$/ && $4 == s {printf "%8s  %s\n", $1, s; found=1; exit} END {if (!found) printf "%8s  %s\n", "-", s}' <<<"$report"
	done
}

# ceiling_requests STATE: sign the requests the paired and warm-up ceiling
# runs replay, once.
ceiling_requests() {
	[[ -f $OUT/ceiling.bin ]] || "$loadgen" sign -state "$1" -scenario sts-caller -check 0 -o "$OUT/ceiling.bin" >/dev/null
}

# paired_ceiling STATE BACKEND SCENARIO RUN: a ceiling run just before a
# server run, so that the share of the ceiling compares runs made minutes
# apart at most: this machine's speed drifts by 15% and more over a
# session, more than most changes measured here.
paired_ceiling() {
	[[ $PAIRED == 1 && -n $ceiling_pid ]] || return 0
	ceiling_requests "$1"
	mkdir -p "$OUT/paired"
	{
		echo "# load average before: $(cat /proc/loadavg)"
		wrk -t2 -c64 -d"$DURATION" --latency -s "$here/replay.lua" "http://127.0.0.1:$CEILING_PORT" -- "$OUT/ceiling.bin"
	} >"$OUT/paired/$2.$3.$4.txt"
}

# load BACKEND URL SCENARIO...: RUNS wrk runs of each scenario, each after
# its paired ceiling run, after an unrecorded warm-up run of each (WARMUP):
# the first seconds of load grow the server's heap to the size the
# collector lets it reach, faulting in new pages (about 5% of the server's
# CPU in a first run, BENCHMARKS.md), which a server that has been up for
# a while does not pay again.
load() {
	local backend=$1 url=$2 state=$3
	shift 3
	if [[ $WARMUP != 0 ]]; then
		for sc in "$@"; do
			"$loadgen" sign -state "$state" -scenario "$sc" -check 0 -o "$OUT/$sc.bin" >/dev/null
			log "$backend $sc warm-up ($WARMUP, not recorded)"
			wrk -t2 -c64 -d"$WARMUP" -s "$here/replay.lua" "$url" -- "$OUT/$sc.bin" >/dev/null
		done
		if [[ $PAIRED == 1 && -n $ceiling_pid && $backend != ceiling ]]; then
			ceiling_requests "$state"
			wrk -t2 -c64 -d"$WARMUP" -s "$here/replay.lua" "http://127.0.0.1:$CEILING_PORT" -- "$OUT/ceiling.bin" >/dev/null
		fi
	fi
	for run in $(seq "$RUNS"); do
		for sc in "$@"; do
			paired_ceiling "$state" "$backend" "$sc" "$run"
			"$loadgen" sign -state "$state" -scenario "$sc" -o "$OUT/$sc.bin" >/dev/null
			log "$backend $sc run $run (load: $(cut -d' ' -f1-3 /proc/loadavg))"
			local perfpid=
			if [[ $PERF == 1 && $run == 1 && $backend != ceiling && ($sc == sts-caller || $sc == ivs-get-allow) ]]; then
				(sleep 2 && exec perf record -q -F 499 -g -p "$pid" -o "$OUT/perf-$backend-$sc.data" -- sleep $((${DURATION%s} - 4))) &
				perfpid=$!
			fi
			{
				echo "# load average before: $(cat /proc/loadavg)"
				wrk -t2 -c64 -d"$DURATION" --latency -s "$here/replay.lua" "$url" -- "$OUT/$sc.bin"
			} >"$OUT/$backend.$sc.$run.txt"
			grep -E 'Requests/sec' "$OUT/$backend.$sc.$run.txt" >&2
			if [[ -n $perfpid ]]; then
				wait "$perfpid" || true
				perf_summary "$OUT/perf-$backend-$sc.data" >"$OUT/perf-$backend-$sc.txt"
			fi
		done
	done
}

# pg_url_of SCHEMA: PG_URL with the schema as its search path.
pg_url_of() {
	local sep='?'
	[[ $PG_URL == *\?* ]] && sep='&'
	echo "$PG_URL${sep}search_path=$1"
}

# seed_postgres: copy the (idle) SQLite server's store into a new schema,
# with the state and master key that go with it, for the postgres phase.
# Populating PostgreSQL through the API takes about 16 minutes here: each
# write waits for its own commit (BENCHMARKS.md).
seed_postgres() {
	schema=load_$(date +%s)_$$
	psql "$PG_URL" -qc "CREATE SCHEMA $schema" >/dev/null
	log "postgres: copying the SQLite store into schema $schema"
	"$loadgen" copy -from "$OUT/sqlite/data/gatehouse.db" -to "$(pg_url_of "$schema")" 2>>"$OUT/sqlite/populate.log"
	mkdir -p "$OUT/postgres-seed"
	cp "$OUT/sqlite/state.json" "$OUT/postgres-seed/state.json"
	cp "$OUT/sqlite/data/master.key" "$OUT/postgres-seed/master.key"
}

# server BACKEND: start gatehouse on BACKEND, fill it, warm it, load it.
server() {
	local backend=$1 dir=$OUT/$1 flags=() seeded=
	rm -rf "$dir"
	mkdir -p "$dir"
	if [[ $backend == postgres ]]; then
		if [[ -n $schema && -f $OUT/postgres-seed/state.json ]]; then
			seeded=1
			mkdir -m 700 "$dir/data"
			cp "$OUT/postgres-seed/master.key" "$dir/data/master.key"
			cp "$OUT/postgres-seed/state.json" "$dir/state.json"
		else
			schema=load_$(date +%s)_$$
			psql "$PG_URL" -qc "CREATE SCHEMA $schema" >/dev/null
		fi
		flags=(--store "$(pg_url_of "$schema")")
	fi
	# As the README starts it (`gatehouse serve`), on a port of its own,
	# without RTMP ingest; the log at its default level goes to a file.
	GODEBUG=gctrace=1 "$bin" serve --addr "127.0.0.1:$PORT" --rtmp-addr off --data-dir "$dir/data" "${flags[@]}" \
		>"$dir/stdout.log" 2>"$dir/server.log" &
	pid=$!
	wait_port "$PORT"
	echo "rss_kb_empty $(rss_kb)" >"$dir/memory.txt"
	if [[ -z $seeded ]]; then
		log "$backend: populating $USERS users"
		local start=$SECONDS
		"$loadgen" populate -endpoint "http://127.0.0.1:$PORT" -state "$dir/state.json" \
			-users "$USERS" -managed "$MANAGED" -channels "$CHANNELS" 2>"$dir/populate.log"
		echo "populate_seconds $((SECONDS - start))" >>"$dir/memory.txt"
	fi
	log "$backend: touching every principal"
	warm_measure populated
	if [[ $backend == sqlite && " $BACKENDS " == *" postgres "* ]]; then
		seed_postgres
	fi
	load "$backend" "http://127.0.0.1:$PORT" "$dir/state.json" $SCENARIOS
	if [[ $backend == sqlite && $GROW -gt 0 ]]; then
		log "$backend: memory per principal: $GROW more users"
		warm_measure after_load
		"$loadgen" grow -state "$dir/state.json" -users "$GROW" 2>>"$dir/populate.log"
		warm_measure "grown_by_$GROW"
	fi
	kill "$pid"
	wait "$pid" || true
	pid=
	if [[ $backend == postgres ]]; then
		psql "$PG_URL" -qc "DROP SCHEMA $schema CASCADE" >/dev/null
		schema=
	fi
	log "$backend memory:"
	cat "$dir/memory.txt" >&2
}

ceiling() {
	# The ceiling replays the same GetCallerIdentity requests (the handler
	# reads and ignores them) with the same Lua script, and plain GETs.
	local state=$OUT/ceiling-state.json
	[[ -f $OUT/sqlite/state.json ]] && state=$OUT/sqlite/state.json
	for run in $(seq "$RUNS"); do
		{
			echo "# load average before: $(cat /proc/loadavg)"
			wrk -t2 -c64 -d"$DURATION" --latency "http://127.0.0.1:$CEILING_PORT/"
		} >"$OUT/ceiling.plain.$run.txt"
		grep -E 'Requests/sec' "$OUT/ceiling.plain.$run.txt" >&2
	done
	if [[ -f $state ]]; then
		for run in $(seq "$RUNS"); do
			# sign checks requests against the real server; the file is
			# replayed against the ceiling.
			"$loadgen" sign -state "$state" -scenario sts-caller -check 0 -o "$OUT/ceiling.bin" >/dev/null
			{
				echo "# load average before: $(cat /proc/loadavg)"
				wrk -t2 -c64 -d"$DURATION" --latency -s "$here/replay.lua" "http://127.0.0.1:$CEILING_PORT" -- "$OUT/ceiling.bin"
			} >"$OUT/ceiling.replay.$run.txt"
			grep -E 'Requests/sec' "$OUT/ceiling.replay.$run.txt" >&2
		done
	fi
}

# The ceiling runs from the start, idle but for its own runs and those
# paired with the server's (PAIRED=1, the default).
if [[ " $BACKENDS " == *" ceiling "* ]]; then
	"$OUT/ceiling" -addr "127.0.0.1:$CEILING_PORT" &
	ceiling_pid=$!
	wait_port "$CEILING_PORT"
fi

for b in $BACKENDS; do
	case $b in
	sqlite | postgres) server "$b" ;;
	ceiling) ;; # last, once a state file exists to sign its requests
	*) log "unknown backend $b"; exit 2 ;;
	esac
done
if [[ " $BACKENDS " == *" ceiling "* ]]; then
	if [[ ! -f $OUT/sqlite/state.json && ! -f $OUT/postgres/state.json ]]; then
		log "ceiling: no state file; replaying plain GETs only"
	fi
	[[ -f $OUT/sqlite/state.json ]] || { [[ -f $OUT/postgres/state.json ]] && cp "$OUT/postgres/state.json" "$OUT/ceiling-state.json"; }
	log "ceiling"
	ceiling
fi

echo "uptime: $(uptime)"
echo
"$loadgen" table "$OUT"
echo
for b in sqlite postgres; do
	[[ -f $OUT/$b/memory.txt ]] && { echo "$b:"; sed 's/^/  /' "$OUT/$b/memory.txt"; }
done
for f in "$OUT"/perf-*.txt; do
	[[ -f $f ]] && { echo; echo "$(basename "$f" .txt):"; cat "$f"; }
done
echo "raw outputs: $OUT"
