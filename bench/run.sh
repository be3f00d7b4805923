#!/bin/sh
# run.sh - gongmock's benchmarks: start-up time, memory, and wrk throughput and latency, for
# the built-in fixtures and for a generated dataset of a million calls; then nginx serving the
# same first page as a static file, as the ceiling to compare with.
#
# Usage, from the repository root: sh bench/run.sh build/gongmock
#
# Environment (defaults in brackets):
#   BENCH_SECONDS     length of each wrk run [10]
#   BENCH_CALLS       calls in the generated dataset [1000000]
#   BENCH_SEED        seed of the generated dataset [1]
#   BENCH_WALK_PAGES  at most this many pages collected for a cursor walk [200]
#   BENCH_ROUNDS      rounds of gongmock against nginx [3]
#   BENCH_FROM        start of the benchmarked date range [2025-01-01T00:00:00Z]
#   BENCH_TO          end of the benchmarked date range [2025-07-01T00:00:00Z]
#   BENCH_THREADS     gongmock --threads [its default: one per core]
#   BENCH_NGINX_PORT  first port tried for nginx [18480]
#
# wrk runs with one thread and 32 connections (-t1 -c32), always against 127.0.0.1. The script
# prints figures and asserts nothing about them: it exits 0 when everything ran, and non-zero
# only when some part could not run at all. Everything it writes goes under build/bench/: the
# generated dataset (kept and reused), raw wrk output under logs/, and summary.md.
set -u

LC_ALL=C
export LC_ALL

BIN=${1:-build/gongmock}
SECS=${BENCH_SECONDS:-10}
WRK_SECS=$SECS
WARM_SECS=2
CALLS=${BENCH_CALLS:-1000000}
SEED=${BENCH_SEED:-1}
WALK_PAGES=${BENCH_WALK_PAGES:-200}
ROUNDS=${BENCH_ROUNDS:-3}
FROM=${BENCH_FROM:-2025-01-01T00:00:00Z}
TO=${BENCH_TO:-2025-07-01T00:00:00Z}
THREADS=${BENCH_THREADS:-}

CONNS=32
AUTH="Authorization: Basic azpz"
RANGE="fromDateTime=$FROM&toDateTime=$TO"
EMPTY="fromDateTime=2035-01-01T00:00:00Z&toDateTime=2036-01-01T00:00:00Z"
START_TIMEOUT=300 # seconds a server may take to load its data
TARGET=0.70       # gongmock/nginx ratio aimed at

OUT=build/bench
LOGS=$OUT/logs
RESULTS=$OUT/results.tsv

SRV_PID=
READER_PID=
NGX_PID=
GEN_TMP=
FAILED=0

die() {
	echo "bench: $*" >&2
	exit 1
}

# Notes what could not run; the run goes on, and the exit status becomes 1.
fail() {
	echo "bench: $*" >&2
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

# shellcheck disable=SC2317 # called through the trap
cleanup() {
	trap - EXIT INT TERM HUP
	if [ -n "$READER_PID" ]; then
		kill "$READER_PID" 2>/dev/null
		READER_PID=
	fi
	stop_server
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

# start_server NAME [ARGS...]: starts gongmock on a free port and times it from the spawn to
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
	"$BIN" --quiet --port 0 "$@" >"$fifo" 2>"$OUT/$name.stderr" &
	SRV_PID=$!
	wait "$READER_PID"
	t1=$(now_ns)
	READER_PID=
	rm -f "$fifo"
	line=$(cat "$OUT/$name.listen")
	case $line in
	"listening on http://127.0.0.1:"[0-9]*) ;;
	*)
		echo "bench: gongmock did not start for $name; its stderr:" >&2
		sed 's/^/  /' "$OUT/$name.stderr" >&2
		stop_server
		return 1
		;;
	esac
	SRV_PORT=${line##*:}
	START_NS=$((t1 - t0))

	# The "serving N calls from ... (loaded in X ms)" line follows the listening line.
	LOAD_MS=n/a
	LOADED_CALLS=n/a
	i=0
	while [ "$i" -lt 20 ] && ! grep -q 'serving [0-9]* calls' "$OUT/$name.stderr"; do
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
	[ "$code" = 200 ] || echo "bench: /__admin/health answered $code" >&2
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

# collect_walk QUERY FILE: follows records.cursor from the first page of QUERY, writing each
# page's path to FILE, for at most WALK_PAGES pages. Sets WALK_N and WALK_DONE (yes when the
# last page was reached) and WALK_TOTAL (totalRecords).
collect_walk() {
	: >"$2"
	path="/v2/calls?$1"
	page=$OUT/page.json
	WALK_N=0
	WALK_DONE=no
	WALK_TOTAL=n/a
	while [ "$WALK_N" -lt "$WALK_PAGES" ]; do
		code=$(get "$path" "$page")
		if [ "$code" != 200 ]; then
			echo "bench: page $WALK_N of the walk answered $code" >&2
			return 1
		fi
		printf '%s\n' "$path" >>"$2"
		WALK_N=$((WALK_N + 1))
		[ "$WALK_N" = 1 ] && WALK_TOTAL=$(json_num "$page" totalRecords)
		cursor=$(json_str "$page" cursor)
		if [ -z "$cursor" ]; then
			WALK_DONE=yes
			break
		fi
		# Gong's cursor is URL-safe; escape the three characters that would not be.
		cursor=$(printf '%s\n' "$cursor" | sed 's/+/%2B/g; s|/|%2F|g; s/=/%3D/g')
		path="/v2/calls?$1&cursor=$cursor"
	done
	return 0
}

# ---- wrk ---------------------------------------------------------------------------------

# run_wrk LOG URL [PATHS_FILE]: one wrk run of WRK_SECS seconds; sets RPS, P50, P99 (ms),
# NON2XX, ERRORS and RESP_BYTES (per response, headers included). Returns 1 when wrk gave no
# figures.
run_wrk() {
	log=$LOGS/$1.txt
	url=$2
	shift 2
	timeout --foreground -k 5 $((WRK_SECS + 60)) \
		wrk -t1 -c"$CONNS" -d"${WRK_SECS}s" --latency --timeout 5s -H "$AUTH" \
		-s bench/wrk.lua "$url" "$@" >"$log" 2>&1
	res=$(sed -n 's/^BENCH //p' "$log")
	if [ -z "$res" ]; then
		echo "bench: wrk gave no figures for $url; see $log" >&2
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
		NON2XX=$b_non2xx
		ERRORS=$b_errors
		RESP_BYTES=$(awk -v b="$b_bytes" -v n="$b_requests" \
			'BEGIN { if (n > 0) printf "%d", b / n; else print "n/a" }')
	}
	return 0
}

# warm_up NAME URL: a short unrecorded run, so that no figure includes a cold start.
warm_up() {
	WRK_SECS=$WARM_SECS
	run_wrk "$1-warm-up" "$2" >/dev/null 2>&1
	WRK_SECS=$SECS
}

# bench_one DATASET LABEL URL_PATH [PATHS_FILE]: a wrk run against gongmock, printed and
# recorded.
bench_one() {
	ds=$1
	label=$2
	path=$3
	shift 3
	slug=$(printf '%s-%s' "$ds" "$label" | tr -c 'a-zA-Z0-9\n' '-' | tr -s '-' | sed 's/-$//')
	if run_wrk "$slug" "http://127.0.0.1:$SRV_PORT$path" "$@"; then
		printf '  %-34s %10s req/s   p50 %7s ms   p99 %7s ms   %s B/resp   non-2xx %s   errors %s\n' \
			"$label" "$RPS" "$P50" "$P99" "$RESP_BYTES" "$NON2XX" "$ERRORS"
		printf 'T\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ds" "$label" "$RPS" "$P50" "$P99" \
			"$RESP_BYTES" "$NON2XX" "$ERRORS" >>"$RESULTS"
	else
		fail "$ds: wrk could not run: $label"
	fi
}

# bench_dataset NAME FILE_SIZE [ARGS...]: start-up, memory and the four request kinds.
bench_dataset() {
	ds=$1
	size=$2
	shift 2
	echo
	echo "== $ds"
	if ! start_server "$ds" "$@"; then
		fail "$ds: gongmock did not start"
		return 1
	fi
	rss=$(proc_kb "$SRV_PID" VmRSS)
	hwm=$(proc_kb "$SRV_PID" VmHWM)
	start_ms=$(ms_of_ns "$START_NS")
	echo "  start-up ${start_ms} ms (spawn to listening line), load ${LOAD_MS} ms (its log)," \
		"$LOADED_CALLS calls, VmRSS $(mb_of_kb "$rss") MB, VmHWM $(mb_of_kb "$hwm") MB"

	first=$OUT/$ds.first.json
	code=$(get "/v2/calls?$RANGE" "$first")
	if [ "$code" != 200 ]; then
		fail "$ds: the first page of $RANGE answered $code"
		stop_server
		return 1
	fi
	psize=$(json_num "$first" currentPageSize)
	total=$(json_num "$first" totalRecords)
	echo "  range $FROM .. $TO: $total calls, first page $psize calls, $(wc -c <"$first") bytes"
	ws=$(json_str "$first" workspaceId)
	code=$(get "/v2/calls?$EMPTY" "$OUT/$ds.404.json")
	[ "$code" = 404 ] || note "$ds: the empty range answered $code, not 404"

	walk=$OUT/$ds.walk.txt
	if collect_walk "$RANGE" "$walk"; then
		if [ "$WALK_DONE" = yes ]; then
			walk_label="cursor walk ($WALK_N pages, all)"
		else
			walk_label="cursor walk (first $WALK_N pages)"
			pages=n/a
			is_count "$WALK_TOTAL" && is_count "$psize" &&
				pages=$(((WALK_TOTAL + psize - 1) / psize))
			note "$ds: the cursor walk is bounded to its first $WALK_N pages" \
				"of $pages ($WALK_TOTAL calls in the range)"
		fi
		echo "  $walk_label collected"
	else
		walk_label=
		fail "$ds: could not collect the cursor walk"
	fi

	warm_up "$ds" "http://127.0.0.1:$SRV_PORT/v2/calls?$RANGE"

	bench_one "$ds" "first page ($psize calls)" "/v2/calls?$RANGE"
	if [ -n "$ws" ]; then
		wtotal=$(get "/v2/calls?$RANGE&workspaceId=$ws" "$OUT/page.json" >/dev/null &&
			json_num "$OUT/page.json" totalRecords)
		bench_one "$ds" "first page, one workspace ($wtotal)" \
			"/v2/calls?$RANGE&workspaceId=$ws"
	else
		fail "$ds: no workspaceId in the first page"
	fi
	if [ -n "$walk_label" ]; then
		bench_one "$ds" "$walk_label" "/v2/calls?$RANGE" "$PWD/$walk"
	fi
	bench_one "$ds" "404 (no calls in range)" "/v2/calls?$EMPTY"

	hwm_after=$(proc_kb "$SRV_PID" VmHWM)
	printf 'S\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$ds" "$LOADED_CALLS" "$size" "$start_ms" \
		"$LOAD_MS" "$(mb_of_kb "$rss")" "$(mb_of_kb "$hwm")" "$(mb_of_kb "$hwm_after")" \
		>>"$RESULTS"
	return 0
}

# ---- nginx -------------------------------------------------------------------------------

# start_nginx PAGE_FILE: nginx on 127.0.0.1, serving PAGE_FILE at /v2/calls. Sets NGX_PORT.
start_nginx() {
	dir=$PWD/$OUT/nginx
	rm -rf "$dir"
	mkdir -p "$dir/www/v2" "$dir/tmp" || return 1
	cp "$1" "$dir/www/v2/calls" || return 1
	user=
	[ "$(id -u)" = 0 ] && user="user root;"
	workers=$(nproc)
	port=${BENCH_NGINX_PORT:-18480}
	tries=0
	while [ "$tries" -lt 10 ]; do
		sed -e "s|@USER@|$user|" -e "s|@WORKERS@|$workers|" -e "s|@DIR@|$dir|g" \
			-e "s|@PORT@|$port|" bench/nginx.conf.in >"$dir/nginx.conf"
		nginx -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" >>"$dir/stdout.log" 2>&1 &
		NGX_PID=$!
		i=0
		while [ "$i" -lt 50 ] && kill -0 "$NGX_PID" 2>/dev/null; do
			code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
				"http://127.0.0.1:$port/v2/calls")
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
	echo "bench: nginx did not start; its error log:" >&2
	sed 's/^/  /' "$dir/error.log" >&2
	return 1
}

# ---- the run -----------------------------------------------------------------------------

[ -f bench/run.sh ] || die "run me from the repository root: sh bench/run.sh build/gongmock"
[ -x "$BIN" ] || die "$BIN: no such executable (build it with make)"
for tool in wrk curl timeout head awk; do
	command -v "$tool" >/dev/null 2>&1 || die "$tool is needed (make bench installs it)"
done
for v in SECS CALLS SEED WALK_PAGES ROUNDS; do
	eval "val=\$$v"
	# shellcheck disable=SC2154 # val is set by the eval
	case $val in
	'' | *[!0-9]*) die "BENCH_$v must be a whole number, not '$val'" ;;
	esac
done
is_count "$SECS" || die "BENCH_SECONDS must be at least 1"
is_count "$CALLS" || die "BENCH_CALLS must be at least 1"
is_count "$WALK_PAGES" || die "BENCH_WALK_PAGES must be at least 1"
[ -z "$THREADS" ] || is_count "$THREADS" || die "BENCH_THREADS must be a whole number"
case $(date +%N) in
*[!0-9]* | '') die "date +%N does not give nanoseconds here (GNU date is needed)" ;;
esac

mkdir -p "$LOGS" || die "cannot create $LOGS"
: >"$RESULTS"

cpu=$(awk -F': *' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
[ -n "$cpu" ] || cpu=$(uname -m)
cores=$(nproc)
mem=$(awk '/^MemTotal:/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo 2>/dev/null)
version=$("$BIN" --version 2>/dev/null)
wrkv=$(wrk -v 2>&1 | head -n 1 | awk '{ print $1, $2 }')
ngxv=$(nginx -v 2>&1 | sed 's/^nginx version: //')
machine="$cores cores, $cpu, $mem RAM, $(uname -sr)"
echo "machine: $machine"
echo "$version; $wrkv; ${ngxv:-no nginx}; wrk -t1 -c$CONNS -d${SECS}s against 127.0.0.1"

# The generated dataset, made once and kept for later runs.
data=$OUT/calls-$CALLS-seed$SEED.jsonl
if [ -s "$data" ] && [ "$(wc -l <"$data" | tr -d ' ')" = "$CALLS" ]; then
	echo "dataset: reusing $data"
else
	echo "dataset: generating $CALLS calls into $data"
	GEN_TMP=$data.tmp
	t0=$(now_ns)
	if timeout --foreground 900 "$BIN" generate --calls "$CALLS" --format jsonl \
		--seed "$SEED" >"$GEN_TMP" && [ -s "$GEN_TMP" ]; then
		mv "$GEN_TMP" "$data"
		t1=$(now_ns)
		echo "dataset: generated in $(ms_of_ns $((t1 - t0))) ms"
	else
		rm -f "$GEN_TMP"
		fail "could not generate the dataset"
		data=
	fi
	GEN_TMP=
fi

# The built-in fixtures, and the nginx ceiling while that server is up.
builtin_size=n/a
[ -f fixtures/calls.json ] && builtin_size=$(wc -c <fixtures/calls.json)
if bench_dataset built-in "$builtin_size"; then
	echo
	echo "== ceiling: nginx serving the built-in first page as a static file"
	if ! command -v nginx >/dev/null 2>&1; then
		fail "nginx is not installed: no ceiling"
	elif ! start_nginx "$OUT/built-in.first.json"; then
		fail "nginx did not start: no ceiling"
	else
		url_gm="http://127.0.0.1:$SRV_PORT/v2/calls?$RANGE"
		url_ngx="http://127.0.0.1:$NGX_PORT/v2/calls?$RANGE"
		echo "  $(wc -c <"$OUT/nginx/www/v2/calls") bytes, $(nproc) nginx workers;" \
			"$ROUNDS rounds of ${SECS}s each, alternating"
		warm_up nginx "$url_ngx"
		r=1
		while [ "$r" -le "$ROUNDS" ]; do
			if run_wrk "ceiling-$r-gongmock" "$url_gm"; then
				gm=$RPS
				gm_p99=$P99
			else
				gm=
			fi
			if run_wrk "ceiling-$r-nginx" "$url_ngx"; then
				ngx=$RPS
				ngx_p99=$P99
			else
				ngx=
			fi
			if [ -n "$gm" ] && [ -n "$ngx" ]; then
				ratio=$(awk -v a="$gm" -v b="$ngx" 'BEGIN { printf "%.2f", a / b }')
				printf '  round %d: gongmock %10s req/s (p99 %s ms)   nginx %10s req/s (p99 %s ms)   ratio %s\n' \
					"$r" "$gm" "$gm_p99" "$ngx" "$ngx_p99" "$ratio"
				printf 'C\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$gm" "$gm_p99" "$ngx" \
					"$ngx_p99" "$ratio" >>"$RESULTS"
			else
				fail "ceiling round $r could not run"
			fi
			r=$((r + 1))
		done
		stop_nginx
	fi
	stop_server
fi

if [ -n "$data" ]; then
	bench_dataset "generated-$CALLS" "$(wc -c <"$data")" --fixtures "$data"
	stop_server
fi

# ---- summary -----------------------------------------------------------------------------

summary=$OUT/summary.md
awk -F'\t' -v machine="$machine" -v tools="$version, $wrkv, $ngxv" -v secs="$SECS" \
	-v conns="$CONNS" -v range="$FROM .. $TO" -v target="$TARGET" '
function mb(b) { return b ~ /^[0-9]+$/ ? sprintf("%.1f MB", b / 1048576) : b }
$1 == "S" { s[++ns] = sprintf("| %s | %s | %s | %s | %s | %s | %s | %s |", $2, $3, mb($4), $5, $6, $7, $8, $9) }
$1 == "T" { t[++nt] = sprintf("| %s | %s | %.0f | %s | %s | %s | %s | %s |", $2, $3, $4, $5, $6, $7, $8, $9) }
$1 == "C" { c[++nc] = sprintf("| %s | %.0f | %s | %.0f | %s | %s |", $2, $3, $4, $5, $6, $7); ratio[nc] = $7 }
$1 == "N" { n[++nn] = $2 }
END {
	print "## gongmock benchmark"
	print ""
	print "Machine: " machine "."
	print tools "; wrk -t1 -c" conns " -d" secs "s --latency, against 127.0.0.1. Range " range "."
	print ""
	print "### Start-up and memory"
	print ""
	print "| dataset | calls | file | start-up ms | load ms | VmRSS MB | VmHWM MB | VmHWM after runs MB |"
	print "|---|---:|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= ns; i++) print s[i]
	print ""
	print "Start-up: from spawn to the \"listening on\" line, timed by the shell. Load: from the server log."
	print ""
	print "### Throughput and latency"
	print ""
	print "| dataset | request | req/s | p50 ms | p99 ms | bytes/resp | non-2xx | socket errors |"
	print "|---|---|---:|---:|---:|---:|---:|---:|"
	for (i = 1; i <= nt; i++) print t[i]
	print ""
	print "### Ceiling: nginx serving the same first page as a static file"
	print ""
	if (nc == 0) {
		print "Not measured."
	} else {
		print "| round | gongmock req/s | gongmock p99 ms | nginx req/s | nginx p99 ms | ratio |"
		print "|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= nc; i++) print c[i]
		# Median of the ratios, by insertion sort.
		for (i = 2; i <= nc; i++) {
			v = ratio[i]
			for (j = i - 1; j >= 1 && ratio[j] + 0 > v + 0; j--) ratio[j + 1] = ratio[j]
			ratio[j + 1] = v
		}
		m = nc % 2 ? ratio[(nc + 1) / 2] : (ratio[nc / 2] + ratio[nc / 2 + 1]) / 2
		print ""
		printf "Median ratio gongmock/nginx: %.2f (target >= %s: %s).\n", m, target,
			(m + 0 >= target + 0 ? "met" : "not met")
	}
	if (nn > 0) {
		print ""
		print "Notes:"
		for (i = 1; i <= nn; i++) print "- " n[i]
	}
}' "$RESULTS" >"$summary"

echo
cat "$summary"
echo
echo "(saved in $summary; raw wrk output in $LOGS/)"
exit "$FAILED"
