#!/bin/sh
# soak.sh - gongmock held under load and under abuse for a few minutes, each part against a
# fresh server on the built-in fixtures:
#   load    a minute of 1000 wrk connections on the first page, with the server's memory and
#           its rate every 5 s, and whether memory stays flat once warm;
#   slow    5000 connections that send the start of a request head and then one byte every
#           few seconds, never finishing it, first from one loopback address and then spread
#           over many; how many the server keeps or closes, and what they do to the latency of
#           normal requests, beside a run without them;
#   params  5000 requests whose query holds 2000 parameters, each on a new connection; what
#           the server answers, and its memory before and after.
#
# Usage, from the repository root: sh bench/soak.sh [BINARY] [load] [slow] [params]
# (BINARY defaults to build/gongmock; with no part named, all three run, in that order).
#
# Environment (defaults in brackets):
#   SOAK_SECONDS          length of the load [60]
#   SOAK_CONNS            connections of the load [1000]
#   SOAK_SLOW_CONNS       slow connections [5000]
#   SOAK_SLOW_INTERVAL    seconds between the bytes of a slow connection [3]
#   SOAK_SLOW_SECONDS     how long each round holds them, at least 24 [30]
#   SOAK_SLOW_SOURCES     addresses the second round spreads them over, from 127.0.0.2 on;
#                         0 skips that round [49]
#   SOAK_SLOW_REOPEN      seconds after which a slow connection the server closed is opened
#                         again, as a determined client would; "no" leaves it closed [1]
#   SOAK_PARAMS_COUNT     requests of the many-parameters flood [5000]
#   SOAK_PARAMS_SECONDS   the flood stops after this long at most [60]
#   SOAK_PARAMS_N         parameters in each request [2000]
#   SOAK_PARAMS_AUTH      credentials in those requests: none, basic, or both (every other
#                         one, so that some stop at the credential check and the rest reach
#                         the query) [both]
#   SOAK_PARAMS_MAX_MB    RSS growth over the flood past which it fails [20]
#   SOAK_SERVER_ARGS      more gongmock flags, e.g. "--threads 4" []
#
# Everything goes to 127.0.0.1 (the slow connections come from 127.0.0.2 and up, so that a
# limit per client address leaves the timed requests alone). wrk runs with one thread. The
# slow and params parts need python3 (bench/soak.py). Every run is bounded in count and time;
# the script stops the server and clients it started, and nothing else. Raw output goes under
# build/soak/. It exits 0 when every part ran and every verdict passed, else 1. The functions
# it shares with bench/run.sh and bench/compare.sh are in bench/lib.sh.
set -u

if [ ! -f bench/lib.sh ]; then
	echo "soak: run me from the repository root: sh bench/soak.sh [BINARY]" >&2
	exit 1
fi
BIN=build/gongmock
PARTS=
for a in "$@"; do
	case $a in
	load | slow | params) PARTS="$PARTS $a" ;;
	*) BIN=$a ;;
	esac
done
[ -n "$PARTS" ] || PARTS="load slow params"
# shellcheck source=bench/lib.sh
. bench/lib.sh

SECS=${SOAK_SECONDS:-60}
LOAD_CONNS=${SOAK_CONNS:-1000}
SLOW_CONNS=${SOAK_SLOW_CONNS:-5000}
SLOW_INTERVAL=${SOAK_SLOW_INTERVAL:-3}
SLOW_SECS=${SOAK_SLOW_SECONDS:-30}
SLOW_SOURCES=${SOAK_SLOW_SOURCES:-49}
SLOW_REOPEN=${SOAK_SLOW_REOPEN:-1}
PARAMS_COUNT=${SOAK_PARAMS_COUNT:-5000}
PARAMS_SECS=${SOAK_PARAMS_SECONDS:-60}
PARAMS_N=${SOAK_PARAMS_N:-2000}
PARAMS_MAX_MB=${SOAK_PARAMS_MAX_MB:-20}
PARAMS_AUTH=${SOAK_PARAMS_AUTH:-both}

AUTH="Authorization: Basic a2V5OnNlY3JldA=="
FIRST="/v2/calls?fromDateTime=2025-01-01T00:00:00Z&toDateTime=2025-04-01T00:00:00Z"
SAMPLE=5          # seconds between samples
WARM_AT=15        # the sample that RSS is compared with, once warm
FLAT_PCT=10       # how far the last sample may be from it, in percent
TIMED_SECS=10     # the wrk run timed beside the slow connections
TIMED_CONNS=32
TIMED_AT=8        # seconds into a slow round when it starts
CURLS=5           # single requests timed with curl after it

START_TIMEOUT=30 # seconds the server may take to listen, on the built-in fixtures
THREADS=         # its threads come from SOAK_SERVER_ARGS alone

PROG=soak
OUT=build/soak
LOGS=$OUT
# The rows of the closing summary, and (as fail writes them) its notes.
RESULTS=$OUT/summary.tsv

ALIVE=

# row PART FIGURE VALUE: a line of the closing summary.
row() {
	printf '%s\t%s\t%s\n' "$1" "$2" "$3" >>"$RESULTS"
}

now_ms() {
	echo $(($(now_ns) / 1000000))
}

# sleep_until MS: sleeps until now_ms reaches MS.
sleep_until() {
	d=$(($1 - $(now_ms)))
	[ "$d" -gt 0 ] && sleep "$(awk -v d="$d" 'BEGIN { printf "%.3f", d / 1000 }')"
	return 0
}

# sockets PID: the sockets a process holds open.
sockets() {
	find "/proc/$1/fd" -lname 'socket:*' 2>/dev/null | wc -l | tr -d ' '
}

# ---- the server --------------------------------------------------------------------------

# start_part PART [python3]: a fresh server for PART, with SOAK_SERVER_ARGS; when it cannot
# start, or python3 is asked for and missing, fails the part and returns 1.
start_part() {
	if [ "${2:-}" = python3 ] && ! command -v python3 >/dev/null 2>&1; then
		fail "$1: python3 is not installed (apt-get install python3)"
		return 1
	fi
	# shellcheck disable=SC2086 # flags, split on purpose
	if ! start_server "$1" ${SOAK_SERVER_ARGS:-}; then
		fail "$1: the server did not start"
		return 1
	fi
	return 0
}

# server_alive NAME: 0 when the server answers its health check; else says how it ended
# (and forgets it, so that the part stops there). Sets ALIVE to what the summary says.
server_alive() {
	[ -n "$SRV_PID" ] || return 1
	if kill -0 "$SRV_PID" 2>/dev/null &&
		[ "$(awk '/^State:/ { print $2 }' "/proc/$SRV_PID/status" 2>/dev/null)" != Z ]; then
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 \
			"http://127.0.0.1:$SRV_PORT/__admin/health")
		ALIVE=alive
		[ "$code" = 200 ] && return 0
		ALIVE="NOT ANSWERING (health check: $code)"
		echo "  the server is running but its health check answered $code"
		return 1
	fi
	wait "$SRV_PID"
	rc=$?
	SRV_PID=
	if [ "$rc" -gt 128 ]; then
		ALIVE="DIED (signal $((rc - 128)), $(kill -l $((rc - 128)) 2>/dev/null))"
	else
		ALIVE="DIED (exit status $rc)"
	fi
	echo "  THE SERVER $ALIVE"
	echo "  the end of its stderr ($OUT/$1.stderr):"
	tail -n 5 "$OUT/$1.stderr" | sed 's/^/    /'
	return 1
}

# ---- clients -----------------------------------------------------------------------------

# timed_wrk NAME: run_wrk on URL, TIMED_CONNS connections for TIMED_SECS, into OUT/NAME.txt.
timed_wrk() {
	CONNS=$TIMED_CONNS
	WRK_SECS=$TIMED_SECS
	run_wrk "$1" "$URL" || return 1
	whole_rps
}

# whole_rps: RPS without decimals, as the figures here give it.
whole_rps() {
	RPS=$(awk -v r="$RPS" 'BEGIN { printf "%.0f", r }')
}

# curl_times URL: CURLS single requests, one after another. Sets CURL_LIST (each in ms, with
# its status when not 200), CURL_MED and CURL_MAX.
curl_times() {
	CURL_LIST=
	f=$OUT/curl.times
	: >"$f"
	n=0
	while [ "$n" -lt "$CURLS" ]; do
		r=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' --max-time 10 -H "$AUTH" "$1")
		code=${r% *}
		ms=$(awk -v s="${r#* }" 'BEGIN { printf "%.1f", s * 1000 }')
		echo "$ms" >>"$f"
		if [ "$code" = 200 ]; then
			CURL_LIST="$CURL_LIST $ms"
		else
			CURL_LIST="$CURL_LIST $ms($code)"
		fi
		n=$((n + 1))
	done
	CURL_MED=$(median_as %s <"$f")
	CURL_MAX=$(sort -n "$f" | tail -n 1)
}

# metrics: the requests the server has answered, and how many of them were not 2xx.
metrics() {
	curl -s --max-time 3 "http://127.0.0.1:$SRV_PORT/metrics" | awk '
		/^gongmock_requests_total/ { n += $2; if ($0 !~ /code="2/) bad += $2 }
		/^# / { seen = 1 }
		END { if (seen) print n + 0, bad + 0; else print "n/a n/a" }'
}

# ---- load --------------------------------------------------------------------------------

part_load() {
	echo
	echo "== load: $LOAD_CONNS connections for ${SECS}s on the first page (wrk -t1 -c$LOAD_CONNS)"
	start_part load || return 1
	url="http://127.0.0.1:$SRV_PORT$FIRST"
	rss0=$(proc_kb "$SRV_PID" VmRSS)
	echo "  before: RSS $(mb_of_kb "$rss0") MB"
	samples=$OUT/load.rss
	: >"$samples"
	CONNS=$LOAD_CONNS
	WRK_SECS=$SECS
	start_wrk load.wrk "$url"
	t0=$(now_ms)
	m=$(metrics)
	prev_n=${m% *}
	prev_t=$t0
	printf '  %6s %16s %12s %10s %9s\n' "t" "req/s (server)" "non-2xx" "RSS MB" "sockets"
	t=$SAMPLE
	while [ "$t" -le "$SECS" ]; do
		sleep_until $((t0 + t * 1000))
		if ! kill -0 "$SRV_PID" 2>/dev/null; then
			printf '  %5ss the server is gone\n' "$t"
			break
		fi
		rss=$(proc_kb "$SRV_PID" VmRSS)
		socks=$(sockets "$SRV_PID")
		now=$(now_ms)
		m=$(metrics)
		n=${m% *}
		rate=n/a
		case "$n$prev_n" in
		*n/a*) ;;
		*) rate=$(awk -v a="$n" -v b="$prev_n" -v ms=$((now - prev_t)) \
			'BEGIN { printf "%.0f", (a - b) * 1000 / ms }') ;;
		esac
		printf '  %5ss %16s %12s %10s %9s\n' "$t" "$rate" "${m#* }" "$(mb_of_kb "$rss")" "$socks"
		printf '%s %s\n' "$t" "$rss" >>"$samples"
		prev_n=$n
		prev_t=$now
		t=$((t + SAMPLE))
	done
	wait "$LOAD_PID"
	LOAD_PID=
	if wrk_figures "$LOGS/load.wrk.txt"; then
		whole_rps
		echo "  wrk: $REQS requests, $RPS req/s, p50 $P50 ms, p99 $P99 ms;" \
			"non-2xx $NON2XX; socket errors $ERRORS ($ERRDETAIL)"
		row load "req/s (wrk, $LOAD_CONNS connections)" "$RPS"
		row load "p50 / p99 ms" "$P50 / $P99"
		row load "non-2xx / socket errors" "$NON2XX / $ERRORS"
	else
		fail "load: wrk gave no figures"
	fi
	rss1=$(proc_kb "$SRV_PID" VmRSS)
	echo "  after: RSS $(mb_of_kb "$rss1") MB, VmHWM $(mb_of_kb "$(proc_kb "$SRV_PID" VmHWM)") MB"

	# Flat once warm: the last sample within FLAT_PCT of the one at WARM_AT s (or of the first,
	# in runs too short for that).
	flat=$(awk -v at="$WARM_AT" -v pct="$FLAT_PCT" '
		NR == 1 { ref = $2; rt = $1 }
		$1 == at { ref = $2; rt = $1 }
		{ last = $2; lt = $1 }
		END {
			if (NR < 2 || ref + 0 == 0) { print "n/a: too few samples"; exit }
			d = (last - ref) * 100 / ref
			printf "%s: %.1f MB at %ds, %.1f MB at %ds (%+.1f%%, limit %d%%)\n",
				(d <= pct && d >= -pct) ? "PASS" : "FAIL", ref / 1024, rt, last / 1024, lt, d, pct
		}' "$samples")
	echo "  RSS flat after warm-up: $flat"
	row load "RSS flat after warm-up" "$flat"
	case $flat in
	FAIL*) FAILED=1 ;;
	esac
	server_alive load || FAILED=1
	row load "server after" "$ALIVE"
	stop_server
	return 0
}

# ---- slow heads --------------------------------------------------------------------------

# slow_round NAME SHORT LABEL SOURCES: SLOW_CONNS slow connections from SOURCES for SLOW_SECS,
# with normal requests timed TIMED_AT s in; prints the timeline and the comparison.
slow_round() {
	name=$1
	short=$2
	label=$3
	tool_log=$OUT/slow-$name.txt
	echo
	echo "  -- $SLOW_CONNS slow connections from $label, held ${SLOW_SECS}s;" \
		"normal requests timed from ${TIMED_AT}s in"
	socks0=$(sockets "$SRV_PID")
	timeout -k 5 $((SLOW_SECS + 30)) python3 bench/soak.py slow --port "$SRV_PORT" \
		--pid "$SRV_PID" --conns "$SLOW_CONNS" --sources "$4" --interval "$SLOW_INTERVAL" \
		--seconds "$SLOW_SECS" --reopen-after "$REOPEN_ARG" --report "$SAMPLE" >"$tool_log" 2>&1 &
	LOAD_PID=$!
	t0=$(now_ms)
	sleep_until $((t0 + TIMED_AT * 1000))
	socks1=$(sockets "$SRV_PID")
	if timed_wrk "slow-$name.wrk"; then
		w_rps=$RPS w_p50=$P50 w_p99=$P99 w_err="$NON2XX non-2xx, $ERRORS socket errors ($ERRDETAIL)"
	else
		w_rps=n/a w_p50=n/a w_p99=n/a w_err="wrk gave no figures"
	fi
	curl_times "$URL"
	t1=$(now_ms)
	wait "$LOAD_PID"
	LOAD_PID=
	sed -n '/^RESULT /!s/^/    /p' "$tool_log"
	res=$(sed -n 's/^RESULT //p' "$tool_log")
	if [ -z "$res" ]; then
		fail "slow ($label): the slow clients gave no figures; see $tool_log"
		return 1
	fi
	# Only name=value pairs of plain characters become variables (s_open_end, ...).
	eval "$(printf '%s\n' "$res" | awk '{
		for (i = 1; i <= NF; i++)
			if ($i ~ /^[a-z0-9_]+=[A-Za-z0-9_.\/:;-]+$/) {
				j = index($i, "=")
				print "s_" substr($i, 1, j) "\047" substr($i, j + 1) "\047"
			}
	}')"
	echo "    server sockets: $socks0 before, $socks1 at ${TIMED_AT}s (slow ones connected)"
	echo "    normal requests beside them (from $((TIMED_AT))s to $(((t1 - t0) / 1000))s in):"
	echo "      wrk -c$TIMED_CONNS ${TIMED_SECS}s: $w_rps req/s, p50 $w_p50 ms, p99 $w_p99 ms" \
		"(without them: $B_RPS req/s, p50 $B_P50 ms, p99 $B_P99 ms); $w_err"
	echo "      curl x$CURLS ms:$CURL_LIST (without them:$B_CURLS)"
	# shellcheck disable=SC2154 # the s_ variables are set by the eval
	{
		row "slow, $short" "server sockets at ${TIMED_AT}s / at the end" "$socks1 / $s_server_sockets"
		row "slow, $short" "client-side open: end / at most / of" "$s_open_end / $s_max_open / $SLOW_CONNS"
		life=
		[ "$s_closed" = 0 ] || life=" (open for $s_life_p50_s s median)"
		row "slow, $short" "closed by server / opened again" "$s_closed / $s_reopened$life"
		row "slow, $short" "connect failures / answers" "$s_failed / $s_answered"
	}
	row "slow, $short" "req/s, p50, p99 ms beside them" "$w_rps, $w_p50, $w_p99 (without: $B_RPS, $B_P50, $B_P99)"
	row "slow, $short" "curl median / max ms" "$CURL_MED / $CURL_MAX (without: $B_CURL_MED / $B_CURL_MAX)"
	return 0
}

part_slow() {
	echo
	echo "== slow: request heads that never end ($SLOW_CONNS connections, a byte every" \
		"${SLOW_INTERVAL}s)"
	start_part slow python3 || return 1
	URL="http://127.0.0.1:$SRV_PORT$FIRST"
	if timed_wrk slow-baseline.wrk; then
		B_RPS=$RPS B_P50=$P50 B_P99=$P99
	else
		B_RPS=n/a B_P50=n/a B_P99=n/a
	fi
	curl_times "$URL"
	B_CURLS=$CURL_LIST B_CURL_MED=$CURL_MED B_CURL_MAX=$CURL_MAX
	echo "  without them: wrk -c$TIMED_CONNS ${TIMED_SECS}s: $B_RPS req/s, p50 $B_P50 ms," \
		"p99 $B_P99 ms; non-2xx $NON2XX, socket errors $ERRORS; curl x$CURLS ms:$B_CURLS"
	rss0=$(proc_kb "$SRV_PID" VmRSS)

	slow_round one "1 address" "one address (127.0.0.2)" 127.0.0.2
	if [ "$SLOW_SOURCES" -gt 0 ] && server_alive slow; then
		sleep 2
		last=127.0.0.$((1 + SLOW_SOURCES))
		slow_round spread "$SLOW_SOURCES addresses" \
			"$SLOW_SOURCES addresses (127.0.0.2 .. $last)" "127.0.0.2-$last"
	fi
	if server_alive slow; then
		sleep 2
		rss1=$(proc_kb "$SRV_PID" VmRSS)
		echo
		echo "  after: RSS $(mb_of_kb "$rss0") MB before the slow clients," \
			"$(mb_of_kb "$rss1") MB 2 s after the last left; $(sockets "$SRV_PID") sockets open"
		row slow "RSS before / after MB" "$(mb_of_kb "$rss0") / $(mb_of_kb "$rss1")"
	else
		FAILED=1
	fi
	row slow "server after" "$ALIVE"
	stop_server
	return 0
}

# ---- many parameters ---------------------------------------------------------------------

part_params() {
	echo
	echo "== params: $PARAMS_COUNT requests of $PARAMS_N query parameters each, a new" \
		"connection each, for at most ${PARAMS_SECS}s"
	start_part params python3 || return 1
	url="http://127.0.0.1:$SRV_PORT$FIRST"
	# A few normal pages first, so that the figure before is that of a server in use.
	curl_times "$url"
	sleep 1
	rss0=$(proc_kb "$SRV_PID" VmRSS)
	log=$OUT/params.txt
	timeout --foreground -k 5 $((PARAMS_SECS + 30)) python3 bench/soak.py params \
		--port "$SRV_PORT" --pid "$SRV_PID" --count "$PARAMS_COUNT" --seconds "$PARAMS_SECS" \
		--params "$PARAMS_N" --auth "$PARAMS_AUTH" --report "$SAMPLE" >"$log" 2>&1
	sed -n '/^RESULT /!s/^/  /p' "$log"
	res=$(sed -n 's/^RESULT //p' "$log")
	sleep 1
	if ! server_alive params; then
		row params "sent / answered" "$(printf '%s\n' "$res" | sed -n 's/.*sent=\([0-9]*\) answered=\([0-9]*\).*/\1 \/ \2/p')"
		row params "server after" "$ALIVE"
		row params "RSS growth" "FAIL: the server is not answering"
		echo "  RSS growth: FAIL (the server is not answering)"
		FAILED=1
		return 0
	fi
	rss1=$(proc_kb "$SRV_PID" VmRSS)
	hwm=$(proc_kb "$SRV_PID" VmHWM)
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 -H "$AUTH" "$url")
	verdict=$(awk -v a="$rss0" -v b="$rss1" -v max="$PARAMS_MAX_MB" 'BEGIN {
		d = (b - a) / 1024
		printf "%s: %.1f MB before, %.1f MB after (%+.1f MB, limit +%d MB)\n",
			(d > max) ? "FAIL" : "PASS", a / 1024, b / 1024, d, max }')
	echo "  RSS: $verdict; VmHWM $(mb_of_kb "$hwm") MB"
	echo "  a normal request afterwards: $code"
	if [ -n "$res" ]; then
		row params "sent / answered" "$(printf '%s\n' "$res" | sed -n 's/.*sent=\([0-9]*\) answered=\([0-9]*\).*/\1 \/ \2/p')"
		row params "answers seen" "$(sed -n 's/^ *\([0-9][0-9]*\) x HTTP\/[0-9.]* /\1 x /p' "$log" |
			awk '{ printf "%s%s", (NR > 1) ? "; " : "", $0 } END { if (NR == 0) printf "none" }')"
	else
		fail "params: the flood gave no figures; see $log"
	fi
	row params "RSS growth" "$verdict"
	row params "server after" "alive, a normal request: $code"
	case $verdict in
	PASS*) ;;
	*) FAILED=1 ;;
	esac
	stop_server
	return 0
}

# ---- main --------------------------------------------------------------------------------

for v in SECS LOAD_CONNS SLOW_CONNS SLOW_INTERVAL SLOW_SECS PARAMS_COUNT PARAMS_SECS PARAMS_N \
	PARAMS_MAX_MB; do
	eval "x=\$$v"
	# shellcheck disable=SC2154 # x is set by the eval
	is_count "$x" || die "$v must be a positive whole number, not '$x'"
done
is_count "$SLOW_SOURCES" || [ "$SLOW_SOURCES" = 0 ] || die "SOAK_SLOW_SOURCES: a number"
[ "$SLOW_SOURCES" -le 200 ] || die "SOAK_SLOW_SOURCES: at most 200"
[ "$SECS" -le 3600 ] || die "SOAK_SECONDS: at most 3600"
[ "$SLOW_SECS" -ge 24 ] || SLOW_SECS=24
[ "$SLOW_SECS" -le 600 ] || die "SOAK_SLOW_SECONDS: at most 600"
[ "$PARAMS_SECS" -le 600 ] || die "SOAK_PARAMS_SECONDS: at most 600"
case $PARAMS_AUTH in
none | basic | both) ;;
*) die "SOAK_PARAMS_AUTH: none, basic or both" ;;
esac
case $SLOW_REOPEN in
no) REOPEN_ARG=-1 ;;
*[!0-9.]* | '') die "SOAK_SLOW_REOPEN: seconds, or no" ;;
*) REOPEN_ARG=$SLOW_REOPEN ;;
esac

[ -x "$BIN" ] || die "no executable at $BIN (build it with make)"
command -v curl >/dev/null 2>&1 || die "curl is not installed (make bench-deps)"
case $PARTS in
*load* | *slow*) command -v wrk >/dev/null 2>&1 || die "wrk is not installed (make bench-deps)" ;;
esac
mkdir -p "$OUT" || die "cannot create $OUT"
: >"$RESULTS"

# Every connection is a descriptor, in wrk, in the slow clients and in the server.
# shellcheck disable=SC3045 # ulimit -n: dash, bash, busybox and ksh all have it
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null
# shellcheck disable=SC3045
echo "soak: $BIN ($("$BIN" --version 2>/dev/null | head -n 1)); parts:$PARTS;" \
	"$(nproc) cores; open files $(ulimit -n)"
start=$(now_ms)
for p in $PARTS; do
	case $p in
	load) part_load ;;
	slow) part_slow ;;
	params) part_params ;;
	esac
done
secs=$((($(now_ms) - start) / 1000))

echo
echo "== summary ($BIN, ${secs}s)"
awk -F'\t' '
	$1 == "N" { notes[++nn] = $2; next }
	{ part[++n] = $1; fig[n] = $2; val[n] = $3
	  if (length($1) > w1) w1 = length($1)
	  if (length($2) > w2) w2 = length($2) }
	END {
		f = sprintf("  %%-%ds  %%-%ds  %%s\n", w1, w2)
		for (i = 1; i <= n; i++)
			printf f, (part[i] == part[i - 1] ? "" : part[i]), fig[i], val[i]
		for (i = 1; i <= nn; i++) print "  note: " notes[i]
	}' "$RESULTS"
echo "(raw output in $OUT/)"
exit "$FAILED"
