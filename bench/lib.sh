# lib.sh - what bench/run.sh, bench/compare.sh and bench/soak.sh share: the settings the first
# two take from the environment (each script's header lists them), starting and stopping
# gongmock and nginx, one wrk run and its figures, the generated dataset, and the medians and
# ratios of figures.
#
# Sourced from the repository root, once the script has set BIN (the gongmock that
# start_server and make_dataset run); the script then sets LOGS (where wrk's output goes) and
# RESULTS (the file fail writes its notes to), and may set over any other setting here: soak.sh
# sets its own OUT, PROG, AUTH, SECS, CONNS, WRK_SECS and START_TIMEOUT, and no THREADS. Sourcing
# it sets the trap that stops, on exit, every process started through these functions.
# shellcheck shell=sh
# shellcheck disable=SC2034 # what is set here is read by the scripts that source it

LC_ALL=C
export LC_ALL

SECS=${BENCH_SECONDS:-10}
WRK_SECS=$SECS
WARM_SECS=2
CALLS=${BENCH_CALLS:-1000000}
SEED=${BENCH_SEED:-1}
ROUNDS=${BENCH_ROUNDS:-3}
FROM=${BENCH_FROM:-2025-01-01T00:00:00Z}
TO=${BENCH_TO:-2025-07-01T00:00:00Z}
THREADS=${BENCH_THREADS:-}

CONNS=32
AUTH="Authorization: Basic azpz"
RANGE="fromDateTime=$FROM&toDateTime=$TO"
EMPTY="fromDateTime=2035-01-01T00:00:00Z&toDateTime=2036-01-01T00:00:00Z"
START_TIMEOUT=300 # seconds a server may take to load its data

OUT=build/bench
PROG=bench # the word the messages on stderr start with

SRV_PID=
READER_PID=
NGX_PID=
SIDE_PIDS=
LOAD_PID=
GEN_TMP=
FAILED=0

die() {
	echo "$PROG: $*" >&2
	exit 1
}

# Notes what could not run; the run goes on, and the exit status becomes 1.
fail() {
	echo "$PROG: $*" >&2
	printf 'N\t%s\n' "$*" >>"$RESULTS"
	FAILED=1
}

note() {
	printf 'N\t%s\n' "$*" >>"$RESULTS"
}

is_count() {
	case $1 in
	'' | *[!0-9]*) return 1 ;;
	esac
	[ "$1" -gt 0 ]
}

now_ns() {
	date +%s%N
}

# Sleeps a tenth of a second (or a whole one where sleep takes only integers).
nap() {
	sleep 0.1 2>/dev/null || sleep 1
}

# The figure with one decimal, or n/a.
ms_of_ns() {
	awk -v n="$1" 'BEGIN { printf "%.1f", n / 1e6 }'
}

mb_of_kb() {
	case $1 in
	'' | *[!0-9]*) echo n/a ;;
	*) awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }' ;;
	esac
}

# proc_kb PID FIELD: a field of /proc/PID/status, in kB.
proc_kb() {
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status" 2>/dev/null
}

# ---- processes ---------------------------------------------------------------------------

# Ends a process started here: SIGTERM, up to 10 s to finish, then SIGKILL.
stop_pid() {
	pid=$1
	kill -TERM "$pid" 2>/dev/null || {
		wait "$pid" 2>/dev/null
		return 0
	}
	i=0
	while [ "$i" -lt 100 ] && kill -0 "$pid" 2>/dev/null; do
		# A zombie child is gone for our purpose; wait reaps it below.
		case $(awk '/^State:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) in
		Z | '') break ;;
		esac
		nap
		i=$((i + 1))
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

stop_server() {
	if [ -n "$SRV_PID" ]; then
		stop_pid "$SRV_PID"
		SRV_PID=
	fi
}

stop_nginx() {
	if [ -n "$NGX_PID" ]; then
		stop_pid "$NGX_PID"
		NGX_PID=
	fi
}

# The servers started side by side (start_side).
stop_side() {
	for pid in $SIDE_PIDS; do
		stop_pid "$pid"
	done
	SIDE_PIDS=
}

# A client started in the background (start_wrk, run.sh's delayed load, soak.sh's slow
# clients), when it must end early.
# shellcheck disable=SC2317 # called through the trap
stop_load() {
	if [ -n "$LOAD_PID" ]; then
		stop_pid "$LOAD_PID"
		LOAD_PID=
	fi
}

# shellcheck disable=SC2317 # called through the trap
cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$READER_PID" ]; then
		kill "$READER_PID" 2>/dev/null
		READER_PID=
	fi
	stop_load
	stop_server
	stop_side
	stop_nginx
	if [ -n "$GEN_TMP" ]; then
		rm -f "$GEN_TMP"
	fi
	rm -f "$OUT/listen.fifo"
}

trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# ---- gongmock ----------------------------------------------------------------------------

# start_server NAME [ARGS...]: starts BIN on a free port and times it from the spawn to
# its "listening on" line. The line is read through a FIFO by a reader started beforehand, so
# polling adds nothing to the figure (the two `date` calls around it add about a millisecond).
# Sets SRV_PID, SRV_PORT, START_NS, LOAD_MS, LOADED_CALLS.
start_server() {
	name=$1
	shift
	fifo=$OUT/listen.fifo
	rm -f "$fifo"
	mkfifo "$fifo" || return 1
	if [ -n "$THREADS" ]; then
		set -- --threads "$THREADS" "$@"
	fi
	timeout "$START_TIMEOUT" head -n 1 "$fifo" >"$OUT/$name.listen" &
	READER_PID=$!
	t0=$(now_ns)
	"$BIN" --log-level info --port 0 "$@" >"$fifo" 2>"$OUT/$name.stderr" &
	SRV_PID=$!
	wait "$READER_PID"
	t1=$(now_ns)
	READER_PID=
	rm -f "$fifo"
	line=$(cat "$OUT/$name.listen")
	case $line in
	"listening on http://127.0.0.1:"[0-9]*) ;;
	*)
		echo "$PROG: gongmock did not start for $name; its stderr:" >&2
		sed 's/^/  /' "$OUT/$name.stderr" >&2
		stop_server
		return 1
		;;
	esac
	SRV_PORT=${line##*:}
	START_NS=$((t1 - t0))

	# The "mock mode: serving N calls from ... (loaded in X ms)" line follows the listening
	# line; in proxy and replay modes a "... mode:" line says where requests go instead.
	LOAD_MS=n/a
	LOADED_CALLS=n/a
	i=0
	while [ "$i" -lt 20 ] && ! grep -q ' mode: ' "$OUT/$name.stderr"; do
		nap
		i=$((i + 1))
	done
	serving=$(grep -m 1 'serving [0-9]* calls' "$OUT/$name.stderr")
	v=$(printf '%s\n' "$serving" | sed -n 's/.*(loaded in \([0-9][0-9]*\) ms).*/\1/p')
	[ -n "$v" ] && LOAD_MS=$v
	v=$(printf '%s\n' "$serving" | sed -n 's/.*serving \([0-9][0-9]*\) calls.*/\1/p')
	[ -n "$v" ] && LOADED_CALLS=$v

	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 \
		"http://127.0.0.1:$SRV_PORT/__admin/health")
	[ "$code" = 200 ] || echo "$PROG: /__admin/health answered $code" >&2
	return 0
}

# start_side NAME [ARGS...]: start_server, for a server kept running beside others (stopped by
# stop_side). Sets SIDE_PORT.
start_side() {
	start_server "$@" || return 1
	SIDE_PIDS="$SIDE_PIDS $SRV_PID"
	SRV_PID=
	SIDE_PORT=$SRV_PORT
}

# start_proxy NAME UPSTREAM_PORT [ARGS...]: start_side for a proxy gongmock in front of the
# server on UPSTREAM_PORT. BENCH_THREADS is not passed on: the proxy's own default is what is
# measured. Sets SIDE_PORT and PROXY_NT (threads in the process, or n/a).
start_proxy() {
	pname=$1
	pup=$2
	shift 2
	saved_threads=$THREADS
	THREADS=
	start_side "$pname" --upstream "http://127.0.0.1:$pup" "$@"
	started=$?
	THREADS=$saved_threads
	[ "$started" = 0 ] || return 1
	PROXY_NT=$(awk '$1 == "Threads:" { print $2 }' "/proc/${SIDE_PIDS##* }/status" 2>/dev/null)
	PROXY_NT=${PROXY_NT:-n/a}
	return 0
}

# get URL_PATH FILE: fetches from the server under test into FILE; prints the status.
get() {
	curl -s -o "$2" -w '%{http_code}' --max-time 30 -H "$AUTH" "http://127.0.0.1:$SRV_PORT$1"
}

# json_str FILE KEY / json_num FILE KEY: the first value of KEY in a response. The envelope's
# records object comes before the calls, and a key inside a string value would be escaped.
json_str() {
	grep -o "\"$2\": *\"[^\"]*\"" "$1" | head -n 1 | sed 's/^[^:]*: *"//; s/"$//'
}

json_num() {
	grep -o "\"$2\": *[0-9]*" "$1" | head -n 1 | sed 's/^[^:]*: *//'
}

# ---- wrk ---------------------------------------------------------------------------------

# run_wrk LOG URL [PATHS_FILE]: one wrk run of WRK_SECS seconds with CONNS connections, its
# output in LOGS/LOG.txt; sets the figures of wrk_figures. Returns 1 when wrk gave no figures.
run_wrk() {
	log=$LOGS/$1.txt
	url=$2
	(exec_wrk "$@")
	wrk_figures "$log" "$url"
}

# start_wrk LOG URL [PATHS_FILE]: the wrk of run_wrk in the background; once it has ended,
# wrk_figures LOGS/LOG.txt gives its figures. Sets LOAD_PID.
start_wrk() {
	(exec_wrk "$@") &
	LOAD_PID=$!
}

# exec_wrk LOG URL [PATHS_FILE]: becomes that wrk, bounded in time (so it runs in a subshell).
exec_wrk() {
	w_log=$LOGS/$1.txt
	w_url=$2
	shift 2
	# WRK_HEADER: one more request header, for the runs that need it (Accept-Encoding).
	if [ -n "${WRK_HEADER:-}" ]; then
		exec timeout --foreground -k 5 $((WRK_SECS + 60)) \
			wrk -t1 -c"$CONNS" -d"${WRK_SECS}s" --latency --timeout 5s -H "$AUTH" \
			-H "$WRK_HEADER" -s bench/wrk.lua "$w_url" "$@" >"$w_log" 2>&1
	fi
	exec timeout --foreground -k 5 $((WRK_SECS + 60)) \
		wrk -t1 -c"$CONNS" -d"${WRK_SECS}s" --latency --timeout 5s -H "$AUTH" \
		-s bench/wrk.lua "$w_url" "$@" >"$w_log" 2>&1
}

# wrk_figures LOG [URL]: the figures of a wrk log: RPS, P50, P99 (ms), REQS, NON2XX, ERRORS,
# ERRDETAIL (connect/read/write/timeout) and RESP_BYTES (per response, headers included).
# Returns 1, with each figure n/a, when the log has none.
wrk_figures() {
	RPS=n/a P50=n/a P99=n/a REQS=n/a NON2XX=n/a ERRORS=n/a RESP_BYTES=n/a ERRDETAIL=
	res=$(sed -n 's/^BENCH //p' "$1")
	if [ -z "$res" ]; then
		echo "$PROG: wrk gave no figures${2:+ for $2}; see $1" >&2
		return 1
	fi
	# Only name=number pairs become variables (b_rps, b_p50_us, ...).
	eval "$(printf '%s\n' "$res" | awk '{
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[a-z0-9_]+=[0-9.]+$/)
				print "b_" $i
	}')"
	# shellcheck disable=SC2154 # the b_ variables are set by the eval
	{
		RPS=$b_rps
		P50=$(awk -v u="$b_p50_us" 'BEGIN { printf "%.2f", u / 1000 }')
		P99=$(awk -v u="$b_p99_us" 'BEGIN { printf "%.2f", u / 1000 }')
		REQS=$b_requests
		NON2XX=$b_non2xx
		ERRORS=$b_errors
		RESP_BYTES=$(awk -v b="$b_bytes" -v n="$b_requests" \
			'BEGIN { if (n > 0) printf "%d", b / n; else print "n/a" }')
	}
	ERRDETAIL=$(sed -n 's/^ *Socket errors: *//p' "$1")
	[ -n "$ERRDETAIL" ] || ERRDETAIL="connect 0, read 0, write 0, timeout 0"
	return 0
}

# warm_up NAME URL: a short unrecorded run, so that no figure includes a cold start.
warm_up() {
	WRK_SECS=$WARM_SECS
	run_wrk "$1-warm-up" "$2" >/dev/null 2>&1
	WRK_SECS=$SECS
}

# ---- nginx -------------------------------------------------------------------------------

# start_nginx PAGE_FILE [UPSTREAM_PORT [TLS_DIR]]: nginx on 127.0.0.1, serving PAGE_FILE at
# /v2/calls; with UPSTREAM_PORT, nginx as a reverse proxy to the server there instead
# (PAGE_FILE is then only what the health check fetches); with TLS_DIR (and an empty
# UPSTREAM_PORT), over TLS with TLS_DIR's cert.pem and key.pem. Sets NGX_PORT.
start_nginx() {
	dir=$PWD/$OUT/nginx
	conf=bench/nginx.conf.in
	upstream=${2:-}
	tlsdir=${3:-}
	scheme=http
	[ -n "$upstream" ] && conf=bench/nginx-proxy.conf.in
	rm -rf "$dir"
	mkdir -p "$dir/www/v2" "$dir/tmp" || return 1
	cp "$1" "$dir/www/v2/calls" || return 1
	if [ -n "$tlsdir" ]; then
		conf=bench/nginx-tls.conf.in
		scheme=https
		mkdir -p "$dir/tls" && cp "$tlsdir/cert.pem" "$tlsdir/key.pem" "$dir/tls/" || return 1
	fi
	user=
	[ "$(id -u)" = 0 ] && user="user root;"
	workers=$(nproc)
	port=${BENCH_NGINX_PORT:-18480}
	tries=0
	while [ "$tries" -lt 10 ]; do
		sed -e "s|@USER@|$user|" -e "s|@WORKERS@|$workers|" -e "s|@DIR@|$dir|g" \
			-e "s|@PORT@|$port|" -e "s|@UPSTREAM@|$upstream|" "$conf" >"$dir/nginx.conf"
		nginx -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" >>"$dir/stdout.log" 2>&1 &
		NGX_PID=$!
		i=0
		while [ "$i" -lt 50 ] && kill -0 "$NGX_PID" 2>/dev/null; do
			code=$(curl -sk -o /dev/null -w '%{http_code}' --max-time 2 -H "$AUTH" \
				"$scheme://127.0.0.1:$port/v2/calls")
			if [ "$code" = 200 ]; then
				NGX_PORT=$port
				return 0
			fi
			nap
			i=$((i + 1))
		done
		stop_nginx
		# Another port only when this one was taken.
		grep -q 'Address already in use' "$dir/error.log" 2>/dev/null || break
		: >"$dir/error.log"
		port=$((port + 1))
		tries=$((tries + 1))
	done
	echo "$PROG: nginx did not start; its error log:" >&2
	sed 's/^/  /' "$dir/error.log" >&2
	return 1
}

# ---- the figures -------------------------------------------------------------------------

# ratio A B: A / B with two decimals.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "n/a" }'
}

# median: the median of the numbers on stdin, with two decimals, or n/a.
median() {
	median_as %.2f
}

# median_as FORMAT: the same in the printf FORMAT (%s keeps the middle number as written).
median_as() {
	sort -n | awk -v f="$1" '{ v[NR] = $1 } END {
		if (NR == 0) print "n/a"
		else if (NR % 2) printf f "\n", v[(NR + 1) / 2]
		else printf f "\n", (v[NR / 2] + v[NR / 2 + 1]) / 2
	}'
}

# ---- the run -----------------------------------------------------------------------------

# check_settings [NAME...]: stops unless the tools are there and the shared settings, and the
# calling script's own NAMEs, are whole numbers; then makes LOGS and empties RESULTS.
check_settings() {
	for tool in wrk curl timeout head awk; do
		command -v "$tool" >/dev/null 2>&1 || die "$tool is needed (make bench installs it)"
	done
	for v in SECS CALLS SEED ROUNDS "$@"; do
		eval "val=\$$v"
		[ "$v" = SECS ] && v=SECONDS
		# shellcheck disable=SC2154 # val is set by the eval
		case $val in
		'' | *[!0-9]*) die "BENCH_$v must be a whole number, not '$val'" ;;
		esac
	done
	is_count "$SECS" || die "BENCH_SECONDS must be at least 1"
	is_count "$CALLS" || die "BENCH_CALLS must be at least 1"
	[ -z "$THREADS" ] || is_count "$THREADS" || die "BENCH_THREADS must be a whole number"
	case $(date +%N) in
	*[!0-9]* | '') die "date +%N does not give nanoseconds here (GNU date is needed)" ;;
	esac
	mkdir -p "$LOGS" || die "cannot create $LOGS"
	: >"$RESULTS"
}

# describe_machine: prints the machine; sets MACHINE, and WRKV and NGXV (the versions of wrk
# and nginx, NGXV empty without nginx).
describe_machine() {
	cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
	[ -n "$cpu" ] || cpu=$(uname -m)
	mem=$(awk '/^MemTotal:/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
	WRKV=$(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }')
	NGXV=$(nginx -v 2>&1 | sed 's/^nginx version: //')
	MACHINE="$(nproc) cores, $cpu, $mem RAM, $(uname -sr)"
	echo "machine: $MACHINE"
}

# make_dataset [SHAPE [N]]: the generated dataset of N (default CALLS) calls in SHAPE (basic, the
# default: the 20 fields of GET /v2/calls; or extensive: every block and a transcript), made
# once by BIN and kept for later runs. Sets DATA to its file, or to nothing when it could not
# be made.
make_dataset() {
	shape=${1:-basic}
	n=${2:-$CALLS}
	DATA=$OUT/calls-$n-seed$SEED-$shape.jsonl
	if [ -s "$DATA" ] && [ "$(wc -l <"$DATA" | tr -d ' ')" = "$n" ]; then
		echo "dataset: reusing $DATA"
		return 0
	fi
	echo "dataset: generating $n calls ($shape) into $DATA"
	GEN_TMP=$DATA.tmp
	t0=$(now_ns)
	if timeout --foreground 900 "$BIN" generate --calls "$n" --format jsonl \
		--seed "$SEED" --shape "$shape" >"$GEN_TMP" && [ -s "$GEN_TMP" ]; then
		mv "$GEN_TMP" "$DATA"
		t1=$(now_ns)
		echo "dataset: generated in $(ms_of_ns $((t1 - t0))) ms"
	else
		rm -f "$GEN_TMP"
		fail "could not generate the dataset"
		DATA=
	fi
	GEN_TMP=
}
