#!/bin/sh
# run.sh - gongmock's benchmarks: start-up time, memory, and wrk throughput and latency, for
# the built-in fixtures and for a generated dataset of a million calls; then nginx serving the
# same first page as a static file, as the ceiling to compare with; then, on the built-in
# fixtures, what fault rules and the rate limiter cost a request they do not touch, whether a
# thousand delayed requests in flight slow the others (all held alike, then held for spread
# times), and what a proxy gongmock in front of another costs a request, beside nginx as a
# reverse proxy in the same place. bench/compare.sh measures two builds side by side; the
# functions both use are in bench/lib.sh.
#
# Usage, from the repository root: sh bench/run.sh build/gongmock
#
# Environment (defaults in brackets):
#   BENCH_SECONDS     length of each wrk run [10]
#   BENCH_CALLS       calls in the generated dataset [1000000]
#   BENCH_SEED        seed of the generated dataset [1]
#   BENCH_EXT_CALLS   calls in the generated dataset with every block and transcripts [100000]
#   BENCH_WALK_PAGES  at most this many pages collected for a cursor walk [200]
#   BENCH_ROUNDS      rounds of each alternating comparison (against nginx; with rules;
#                     through the proxy) [3]
#   BENCH_FROM        start of the benchmarked date range [2025-01-01T00:00:00Z]
#   BENCH_TO          end of the benchmarked date range [2025-07-01T00:00:00Z]
#   BENCH_THREADS     gongmock --threads [its default: one per core]; not given to the proxy,
#                     whose own default (4 per core) is measured, beside --threads 2 and 16
#   BENCH_NGINX_PORT  first port tried for nginx [18480]
#   BENCH_ONLY        run one part alone: https (HTTPS beside nginx over TLS), gzip or family
#
# wrk runs with one thread and 32 connections (-t1 -c32), always against 127.0.0.1; only the
# background load of the delayed-requests part opens 1000 (with its open-file limit raised).
# The script prints figures and asserts nothing about them: it exits 0 when everything ran,
# and non-zero only when some part could not run at all. Everything it writes goes under
# build/bench/: the generated dataset (kept and reused), raw wrk output under logs/, and
# summary.md.
set -u

if [ ! -f bench/lib.sh ]; then
	echo "bench: run me from the repository root: sh bench/run.sh build/gongmock" >&2
	exit 1
fi
BIN=${1:-build/gongmock}
# shellcheck source=bench/lib.sh
. bench/lib.sh

WALK_PAGES=${BENCH_WALK_PAGES:-200}
EXT_CALLS=${BENCH_EXT_CALLS:-100000}
TARGET=0.70       # gongmock/nginx ratio aimed at
NEVER_RULES=20    # rules that never match, in the cost of rules
RULES_TARGET=0.90 # with rules (and the limiter) / plain, aimed at
LIMITER=1000000/s # a rate limit that never refuses at these rates
DELAY_MS=2000     # how long the delayed requests are held, all alike (lockstep)
DELAY_SPREAD=1000,3000 # the range they are held for, drawn uniformly, in the spread load
DELAY_CONNS=1000  # connections of the delayed load
DELAY_WS=999      # the workspaceId whose requests are delayed (no calls: a 404 after the delay)
DELAY_TARGET=5    # p99 in ms of the other requests, aimed at, with the delayed load
PROXY_TARGET=0.60 # proxy/direct req/s, aimed at
PROXY_ADDED=1     # ms the proxy adds to p50, aimed at (under)
PROXY_THREADS="1 4" # proxy --threads tried in one extra round each, beside its default
SLOW_MS=100       # how long the slow upstream holds each answer, as a remote API would
SLOW_CONNS=256    # connections of the run against the slow upstream

LOGS=$OUT/logs
RESULTS=$OUT/results.tsv

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

# ---- rules and delays --------------------------------------------------------------------

# met FIGURE OP TARGET: "met" or "not met", OP being >= or <.
met() {
	awk -v f="$1" -v op="$2" -v t="$3" 'BEGIN {
		ok = op == ">=" ? f + 0 >= t + 0 : f + 0 < t + 0
		print (f ~ /^-?[0-9.]+$/ && ok) ? "met" : "not met"
	}'
}

# bench_field LOG NAME: a figure of the BENCH line of a wrk log, or n/a.
bench_field() {
	v=$(sed -n "s/^BENCH.* $2=\([0-9.]*\).*/\1/p" "$1" 2>/dev/null)
	echo "${v:-n/a}"
}

# add_rules PORT JSON: loads fault rules through the control API of the server on PORT.
add_rules() {
	code=$(curl -s -o "$OUT/faults.json" -w '%{http_code}' --max-time 5 -X POST -d "$2" \
		"http://127.0.0.1:$1/__admin/faults")
	[ "$code" = 201 ] && return 0
	echo "bench: POST /__admin/faults answered $code: $(cat "$OUT/faults.json")" >&2
	return 1
}

# rule_count PORT FIELD: FIELD (matched or fired) summed over the rules of the server on PORT.
rule_count() {
	curl -s --max-time 5 "http://127.0.0.1:$1/__admin/faults" |
		grep -o "\"$2\": *[0-9]*" | awk -F: '{ n += $2 } END { print NR ? n : "n/a" }'
}

# never_rules: NEVER_RULES rules for workspaceId 1, 2, ... and one for another path, none of
# which the first page's request fits. Each answers 500, so that one fitting by mistake would
# show as non-2xx answers.
never_rules() {
	printf '{"rules":['
	i=1
	while [ "$i" -le "$NEVER_RULES" ]; do
		printf '{"name":"never %d","match":{"query":{"workspaceId":"%d"}},' "$i" "$i"
		printf '"respond":{"status":500}},'
		i=$((i + 1))
	done
	printf '{"name":"never: another path","match":{"path":"/v2/users"},'
	printf '"respond":{"status":500}}]}'
}

# bench_rules_cost: the first page from three servers side by side, (a) plain, (b) with rules
# that never fit it, (c) with those rules and a rate limiter that never refuses, run in
# alternating rounds so that all three see the same machine.
bench_rules_cost() {
	echo
	echo "== Cost of rules and the limiter on the normal path"
	rules=$(never_rules)
	if ! start_side rules-plain; then
		fail "cost of rules: the plain gongmock did not start"
		return 1
	fi
	port_a=$SIDE_PORT
	if ! start_side rules || ! add_rules "$SIDE_PORT" "$rules"; then
		fail "cost of rules: no gongmock with rules"
		stop_side
		return 1
	fi
	port_b=$SIDE_PORT
	if ! start_side rules-limiter --rate-limit "$LIMITER" || ! add_rules "$SIDE_PORT" "$rules"; then
		fail "cost of rules: no gongmock with rules and the limiter"
		stop_side
		return 1
	fi
	port_c=$SIDE_PORT
	echo "  the built-in first page from three servers: (a) plain, (b) $NEVER_RULES rules for" \
		"other workspaces and one for another path, (c) the same rules and --rate-limit $LIMITER;"
	echo "  $ROUNDS rounds of ${SECS}s each, alternating a, b, c"
	for p in "a $port_a" "b $port_b" "c $port_c"; do
		warm_up "rules-${p% *}" "http://127.0.0.1:${p#* }/v2/calls?$RANGE"
	done

	bad=0
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		figures=
		for p in "a $port_a" "b $port_b" "c $port_c"; do
			if run_wrk "rules-$r-${p% *}" "http://127.0.0.1:${p#* }/v2/calls?$RANGE"; then
				figures="$figures $RPS $P99"
				bad=$((bad + NON2XX + ERRORS))
			else
				figures=
				break
			fi
		done
		if [ -n "$figures" ]; then
			# shellcheck disable=SC2086 # six figures, split on purpose
			set -- $figures
			rb=$(ratio "$3" "$1")
			rc=$(ratio "$5" "$1")
			printf '  round %d: a %10s req/s (p99 %s ms)   b %10s req/s (p99 %s ms)   c %10s req/s (p99 %s ms)   b/a %s   c/a %s\n' \
				"$r" "$1" "$2" "$3" "$4" "$5" "$6" "$rb" "$rc"
			printf 'R\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$1" "$2" "$3" "$4" "$5" \
				"$6" "$rb" "$rc" >>"$RESULTS"
		else
			fail "cost of rules: round $r could not run"
		fi
		r=$((r + 1))
	done

	matched_b=$(rule_count "$port_b" matched)
	matched_c=$(rule_count "$port_c" matched)
	echo "  requests the rules fitted: $matched_b in b, $matched_c in c;" \
		"non-2xx answers and socket errors: $bad"
	if [ "$matched_b" != 0 ] || [ "$matched_c" != 0 ] || [ "$bad" != 0 ]; then
		note "cost of rules: rules fitted $matched_b (b) and $matched_c (c) requests;" \
			"$bad non-2xx answers or socket errors"
	fi
	mb=$(awk -F'\t' '$1 == "R" { print $9 }' "$RESULTS" | median)
	mc=$(awk -F'\t' '$1 == "R" { print $10 }' "$RESULTS" | median)
	echo "  median b/a $mb, c/a $mc (target >= $RULES_TARGET, rules and limiter cost no more" \
		"than 10%: b $(met "$mb" '>=' "$RULES_TARGET"), c $(met "$mc" '>=' "$RULES_TARGET"))"
	stop_side
	return 0
}

# start_load SECONDS URL: the delayed load in the background, DELAY_CONNS connections for
# SECONDS; its output goes to logs/delayed-load.txt. Sets LOAD_PID.
start_load() {
	(
		# Each connection is a descriptor: raise the soft limit where it is lower.
		# shellcheck disable=SC3045 # ulimit -n: dash, bash, busybox and ksh all have it
		n=$(ulimit -n)
		if [ "$n" != unlimited ] && [ "$n" -lt $((DELAY_CONNS + 1024)) ]; then
			# shellcheck disable=SC3045
			ulimit -n 4096 2>/dev/null || ulimit -n "$(ulimit -Hn)"
		fi
		exec timeout -k 5 $(($1 + 30)) wrk -t1 -c"$DELAY_CONNS" -d"${1}s" --timeout 10s \
			-H "$AUTH" -s bench/wrk.lua "$2"
	) >"$LOGS/delayed-load.txt" 2>&1 &
	LOAD_PID=$!
}

# delayed_row KIND LABEL: prints and records the figures of the last run_wrk.
delayed_row() {
	printf '  %-58s %10s req/s   p50 %7s ms   p99 %7s ms   non-2xx %s   errors %s\n' \
		"$2" "$RPS" "$P50" "$P99" "$NON2XX" "$ERRORS"
	printf 'D\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$RPS" "$P50" "$P99" "$NON2XX" \
		"$ERRORS" >>"$RESULTS"
}

# delay_rule DELAY: the rule that holds the requests for workspaceId DELAY_WS for DELAY ms
# (a number, or "[min,max]" for a uniform draw).
delay_rule() {
	printf '{"name":"hold workspace %s",' "$DELAY_WS"
	printf '"match":{"query":{"workspaceId":"%s"}},' "$DELAY_WS"
	printf '"respond":{"delayMs":%s}}' "$1"
}

# delayed_load KIND LABEL DELAY: replaces the server's rules with delay_rule DELAY, then runs
# the first page while DELAY_CONNS connections wait on held requests; prints and records it.
delayed_load() {
	kind=$1
	label=$2
	url="http://127.0.0.1:$SRV_PORT/v2/calls?$RANGE"
	load_secs=$((SECS + 4))
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X DELETE \
		"http://127.0.0.1:$SRV_PORT/__admin/faults")
	if [ "$code" != 200 ] || ! add_rules "$SRV_PORT" "$(delay_rule "$3")"; then
		fail "delayed requests ($kind): the rule could not be set"
		return 1
	fi
	start_load "$load_secs" "$url&workspaceId=$DELAY_WS"
	sleep 2
	socks=$(find "/proc/$SRV_PID/fd" -lname 'socket:*' 2>/dev/null | wc -l | tr -d ' ')
	if run_wrk "delayed-$kind" "$url"; then
		p99=$P99
		delayed_row "$kind" "first page, $DELAY_CONNS delayed in flight ($label)"
	else
		p99=n/a
		fail "delayed requests: the first page under the $label load could not run"
	fi
	# The load ends by itself; timeout bounds it.
	wait "$LOAD_PID"
	LOAD_PID=
	log=$LOGS/delayed-load-$kind.txt
	mv "$LOGS/delayed-load.txt" "$log"
	done_n=$(bench_field "$log" requests)
	held=$(bench_field "$log" p50_us)
	case $held in
	*[!0-9]* | '') ;;
	*) held=$(awk -v u="$held" 'BEGIN { printf "%.0f", u / 1000 }') ;;
	esac
	load_err=$(bench_field "$log" errors)
	fired=$(rule_count "$SRV_PORT" fired)
	echo "    held requests completed in ${load_secs}s: $done_n (p50 $held ms, socket errors" \
		"$load_err; the rule fired $fired times); sockets open in gongmock 2 s in: $socks" \
		"(the listener included)"
	echo "    p99 with the $label load: $p99 ms (target under $DELAY_TARGET ms:" \
		"$(met "$p99" '<' "$DELAY_TARGET"))"
	printf 'L\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$label" "$DELAY_CONNS" \
		"$3" "$load_secs" "$done_n" "$held" "$load_err" "$fired" "$socks" >>"$RESULTS"
	return 0
}

# bench_delayed: the first page, alone and then while DELAY_CONNS connections wait on requests
# that a rule holds, on one server: first all for DELAY_MS, so that the connections move in
# lockstep and their requests all come back in the same millisecond (the worst case), then each
# for a time drawn from DELAY_SPREAD, as on a slow network.
bench_delayed() {
	echo
	echo "== Delayed requests do not slow the others"
	if ! start_server delayed; then
		fail "delayed requests: gongmock did not start"
		return 1
	fi
	if ! add_rules "$SRV_PORT" "$(delay_rule "$DELAY_MS")"; then
		fail "delayed requests: the rule could not be added"
		stop_server
		return 1
	fi
	url="http://127.0.0.1:$SRV_PORT/v2/calls?$RANGE"
	spread_lo=${DELAY_SPREAD%,*}
	spread_hi=${DELAY_SPREAD#*,}
	echo "  one server; a rule holds the requests for workspaceId=$DELAY_WS (no calls: a 404)"
	echo "  lockstep, worst case: each held for $DELAY_MS ms, so that the $DELAY_CONNS connections" \
		"wait, and are answered, together"
	echo "  spread: each held for $spread_lo..$spread_hi ms drawn uniformly, as on a slow network"
	echo "  the built-in first page for ${SECS}s alone, then with $DELAY_CONNS connections waiting" \
		"on held requests (wrk -t1 -c$DELAY_CONNS -d$((SECS + 4))s --timeout 10s in the" \
		"background, started 2 s before)"
	warm_up delayed "$url"
	if run_wrk delayed-alone "$url"; then
		delayed_row alone "first page, alone"
	else
		fail "delayed requests: the first page alone could not run"
	fi
	delayed_load lockstep "lockstep, worst case" "$DELAY_MS"
	# Requests still held when the load's connections closed end within the delay; let them,
	# so that the next load starts on an idle server.
	sleep $((DELAY_MS / 1000 + 1))
	delayed_load spread "spread, $spread_lo..$spread_hi ms" "[$DELAY_SPREAD]"
	stop_server
	return 0
}

# ---- the proxy ---------------------------------------------------------------------------

# proxy_pair KIND ROUND THREADS PROXY_PORT: the same request directly from the upstream and
# then through the proxy on PROXY_PORT: the built-in first page (KIND page) or the empty
# range's 404 (KIND 404). Printed and recorded; PROXY_BAD counts what went wrong (non-2xx
# answers to the page, socket errors).
proxy_pair() {
	case $1 in
	page) q=$RANGE ;;
	*) q=$EMPTY ;;
	esac
	set -- "$1" "$2" "$3" "$4" "/v2/calls?$q"
	if [ "$3" = default ]; then
		slug=proxy-$2-$1
		shown="round $2"
	else
		slug=proxy-threads-$3-$1
		shown="--threads $3"
	fi
	if ! run_wrk "$slug-direct" "http://127.0.0.1:$PROXY_UP$5"; then
		fail "cost of the proxy: round $2 ($1) could not run directly"
		return 1
	fi
	d_rps=$RPS
	d_p50=$P50
	d_p99=$P99
	PROXY_BAD=$((PROXY_BAD + ERRORS))
	[ "$1" = page ] && PROXY_BAD=$((PROXY_BAD + NON2XX))
	if ! run_wrk "$slug-proxy" "http://127.0.0.1:$4$5"; then
		fail "cost of the proxy: round $2 ($1) could not run through the proxy"
		return 1
	fi
	PROXY_BAD=$((PROXY_BAD + ERRORS))
	[ "$1" = page ] && PROXY_BAD=$((PROXY_BAD + NON2XX))
	rt=$(ratio "$RPS" "$d_rps")
	added=$(awk -v a="$P50" -v b="$d_p50" 'BEGIN { printf "%.2f", a - b }')
	printf '  %-12s %-4s  direct %9s req/s p50 %5s p99 %6s   proxy %9s req/s p50 %5s p99 %6s   ratio %s   p50 %+.2f ms\n' \
		"$shown" "$1" "$d_rps" "$d_p50" "$d_p99" "$RPS" "$P50" "$P99" "$rt" "$added"
	printf 'P\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$d_rps" "$d_p50" \
		"$d_p99" "$RPS" "$P50" "$P99" "$rt" "$added" >>"$RESULTS"
	# The reference: nginx as a reverse proxy in the same place, in the rounds of the default.
	if [ "$3" = default ] && [ -n "$NGX_PROXY_PORT" ]; then
		g_rps=$RPS
		if ! run_wrk "$slug-nginx" "http://127.0.0.1:$NGX_PROXY_PORT$5"; then
			fail "cost of the proxy: round $2 ($1) could not run through nginx"
			return 1
		fi
		nrt=$(ratio "$RPS" "$d_rps")
		nadded=$(awk -v a="$P50" -v b="$d_p50" 'BEGIN { printf "%.2f", a - b }')
		grt=$(ratio "$g_rps" "$RPS")
		printf '  %-12s %-4s  nginx as a proxy %9s req/s p50 %5s p99 %6s   ratio %s   p50 %+.2f ms   gongmock/nginx %s\n' \
			"$shown" "$1" "$RPS" "$P50" "$P99" "$nrt" "$nadded" "$grt"
		printf 'Q\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$RPS" "$P50" "$P99" "$nrt" \
			"$nadded" "$grt" >>"$RESULTS"
	fi
	return 0
}

# proxy_medians KIND NAME: the medians of the default proxy's rounds of KIND, printed against
# the targets.
proxy_medians() {
	mr=$(awk -F'\t' -v k="$1" '$1 == "P" && $2 == k && $4 == "default" { print $11 }' \
		"$RESULTS" | median)
	ma=$(awk -F'\t' -v k="$1" '$1 == "P" && $2 == k && $4 == "default" { print $12 }' \
		"$RESULTS" | median)
	echo "  $2: median proxy/direct $mr (target >= $PROXY_TARGET: $(met "$mr" '>=' \
		"$PROXY_TARGET")), median p50 added $ma ms (target under $PROXY_ADDED ms:" \
		"$(met "$ma" '<' "$PROXY_ADDED"))"
	nr=$(awk -F'\t' -v k="$1" '$1 == "Q" && $2 == k { print $7 }' "$RESULTS" | median)
	gr=$(awk -F'\t' -v k="$1" '$1 == "Q" && $2 == k { print $9 }' "$RESULTS" | median)
	[ -n "$NGX_PROXY_PORT" ] &&
		echo "  $2: nginx as a proxy, median proxy/direct $nr; gongmock/nginx $gr"
	return 0
}

# proxy_slow PROXY_PORT: the upstream made slow, as a remote API is (a rule holds every answer
# SLOW_MS), and SLOW_CONNS connections: directly, through the proxy, and through nginx. What
# counts here is how many requests the proxy keeps in flight, not its cost per request.
proxy_slow() {
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 -X POST \
		-H 'Content-Type: application/json' \
		-d "{\"rules\":[{\"name\":\"slow\",\"match\":{\"method\":\"GET\"},\"respond\":{\"delayMs\":$SLOW_MS}}]}" \
		"http://127.0.0.1:$PROXY_UP/__admin/faults")
	if [ "$code" != 201 ]; then
		fail "cost of the proxy: the slow upstream's rule was refused ($code)"
		return 1
	fi
	echo "  a slow upstream: every answer held ${SLOW_MS} ms, $SLOW_CONNS connections, the empty range"
	saved_conns=$CONNS
	CONNS=$SLOW_CONNS
	s_rps=
	for side in direct:$PROXY_UP proxy:$1 nginx:$NGX_PROXY_PORT; do
		name=${side%%:*}
		sport=${side#*:}
		[ -n "$sport" ] || continue
		if run_wrk "proxy-slow-$name" "http://127.0.0.1:$sport/v2/calls?$EMPTY"; then
			[ "$name" = direct ] && s_rps=$RPS
			rt=$(ratio "$RPS" "$s_rps")
			printf '  slow upstream, %-6s %9s req/s   p50 %7s ms   p99 %7s ms   of direct %s   socket errors %s\n' \
				"$name" "$RPS" "$P50" "$P99" "$rt" "$ERRORS"
			printf 'W\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$RPS" "$P50" "$P99" "$rt" "$ERRORS" \
				>>"$RESULTS"
		else
			fail "cost of the proxy: the slow upstream could not be measured ($name)"
		fi
	done
	CONNS=$saved_conns
	return 0
}

# bench_proxy: an upstream gongmock on the built-in data and a proxy gongmock in front of it;
# in alternating rounds, each request directly from the upstream and then through the proxy,
# with the proxy's default threads, and then one round for each of PROXY_THREADS.
bench_proxy() {
	echo
	echo "== Cost of the proxy"
	if ! start_side proxy-upstream; then
		fail "cost of the proxy: the upstream gongmock did not start"
		return 1
	fi
	PROXY_UP=$SIDE_PORT
	up_nt=$(awk '$1 == "Threads:" { print $2 }' "/proc/${SIDE_PIDS##* }/status" 2>/dev/null)
	if ! start_proxy proxy "$PROXY_UP"; then
		fail "cost of the proxy: the proxy gongmock did not start"
		stop_side
		return 1
	fi
	proxies="default:$SIDE_PORT"
	nts="$PROXY_NT (default)"
	for n in $PROXY_THREADS; do
		if start_proxy "proxy-threads-$n" "$PROXY_UP" --threads "$n"; then
			proxies="$proxies $n:$SIDE_PORT"
			nts="$nts, $PROXY_NT (--threads $n)"
		else
			fail "cost of the proxy: the proxy with --threads $n did not start"
		fi
	done
	# The proxy must pass the upstream's answers on: 200 for the page, 404 for the empty range.
	port=${proxies%% *}
	port=${port#*:}
	for q in "$EMPTY 404" "$RANGE 200"; do
		code=$(curl -s -o "$OUT/proxy.json" -w '%{http_code}' --max-time 10 -H "$AUTH" \
			"http://127.0.0.1:$port/v2/calls?${q% *}")
		if [ "$code" != "${q#* }" ]; then
			fail "cost of the proxy: the proxy answered $code, not ${q#* }, for ${q% *}"
			stop_side
			return 1
		fi
	done
	psize=$(json_num "$OUT/proxy.json" currentPageSize)
	cores=$(nproc)
	NGX_PROXY_PORT=
	if ! command -v nginx >/dev/null 2>&1; then
		note "cost of the proxy: nginx is not installed: no reference proxy"
	elif start_nginx "$OUT/proxy.json" "$PROXY_UP"; then
		NGX_PROXY_PORT=$NGX_PORT
	else
		note "cost of the proxy: nginx did not start as a proxy: no reference"
	fi
	echo "  an upstream gongmock (built-in data) and a proxy gongmock in front of it; the same URL" \
		"directly from the upstream, then through"
	echo "  the proxy: the built-in first page and the empty range's 404 (the smallest answer:" \
		"the per-request cost shows best)"
	echo "  threads in each process (the workers and the rest): upstream ${up_nt:-n/a};" \
		"proxy $nts; the default of the proxy is one event loop per core"
	echo "  the reference: nginx ($(nproc) workers) as a reverse proxy to the same upstream," \
		"kept-alive upstream connections, in each round after the proxy gongmock"
	echo "  note: wrk, the proxy and the upstream are 3 busy processes on $cores cores: through" \
		"the proxy the three compete for them, directly only"
	echo "  two do, so the ratio includes that contention as well as the proxy's own work"
	echo "  $ROUNDS rounds of ${SECS}s runs, alternating direct and proxy; then one round with each" \
		"of --threads $PROXY_THREADS for the proxy"
	for p in $proxies; do
		warm_up "proxy-${p%%:*}" "http://127.0.0.1:${p#*:}/v2/calls?$RANGE"
	done
	warm_up proxy-upstream "http://127.0.0.1:$PROXY_UP/v2/calls?$RANGE"
	[ -n "$NGX_PROXY_PORT" ] &&
		warm_up proxy-nginx "http://127.0.0.1:$NGX_PROXY_PORT/v2/calls?$RANGE"

	PROXY_BAD=0
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		proxy_pair page "$r" default "$port"
		proxy_pair 404 "$r" default "$port"
		r=$((r + 1))
	done
	for p in $proxies; do
		n=${p%%:*}
		[ "$n" = default ] && continue
		proxy_pair page extra "$n" "${p#*:}"
		proxy_pair 404 extra "$n" "${p#*:}"
	done
	proxy_medians page "first page (${psize:-n/a} calls)"
	proxy_medians 404 "404 (empty range)"
	proxy_slow "$port"
	echo "  non-2xx answers to the page and socket errors: $PROXY_BAD"
	[ "$PROXY_BAD" = 0 ] ||
		note "cost of the proxy: $PROXY_BAD non-2xx answers to the page or socket errors"
	printf 'X\t%s\t%s\t%s\n' "$cores" "${up_nt:-n/a}" "$nts" >>"$RESULTS"
	stop_nginx
	stop_side
	return 0
}

# ---- the run -----------------------------------------------------------------------------

[ -x "$BIN" ] || die "$BIN: no such executable (build it with make)"
check_settings WALK_PAGES
is_count "$WALK_PAGES" || die "BENCH_WALK_PAGES must be at least 1"

describe_machine
version=$("$BIN" --version 2>/dev/null)
echo "$version; $WRKV; ${NGXV:-no nginx}; wrk -t1 -c$CONNS -d${SECS}s against 127.0.0.1"
case ${BENCH_ONLY:-} in
'' | https | family | gzip) ;;
*) die "BENCH_ONLY is https, gzip or family, not '$BENCH_ONLY'" ;;
esac
[ -z "${BENCH_ONLY:-}" ] && make_dataset

# The built-in fixtures, and the nginx ceiling while that server is up.
builtin_size=n/a
[ -f fixtures/calls.json ] && builtin_size=$(wc -c <fixtures/calls.json)
if [ -z "${BENCH_ONLY:-}" ] && bench_dataset built-in "$builtin_size"; then
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

# bench_gzip: the built-in first page for a client that takes gzip, beside the same page
# plain, in alternating rounds; and a page filtered by workspace (its calls are not neighbours
# in the store, so each is compressed per answer).
bench_gzip() {
	echo
	echo "== gzip: the built-in first page plain and gzipped (Accept-Encoding: gzip)"
	if ! start_server gzip; then
		fail "gzip: gongmock did not start"
		return 1
	fi
	gz_url="http://127.0.0.1:$SRV_PORT/v2/calls"
	ws=$(curl -s -H "$AUTH" "http://127.0.0.1:$SRV_PORT/v2/workspaces" |
		sed -n 's/.*"workspaces":\[{"id":"\([0-9]*\)".*/\1/p')
	plain_b=$(curl -s -H "$AUTH" "$gz_url" | wc -c)
	gz_b=$(curl -s -H "$AUTH" -H 'Accept-Encoding: gzip' "$gz_url" | wc -c)
	echo "  $plain_b bytes plain, $gz_b gzipped; $ROUNDS rounds of ${SECS}s each, alternating"
	warm_up gzip-plain "$gz_url"
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		run_wrk "gzip-$r-plain" "$gz_url" && p=$RPS || p=
		# run_wrk sets url and log of its own: this part keeps its URL in gz_url.
		WRK_HEADER="Accept-Encoding: gzip"
		run_wrk "gzip-$r-gzip" "$gz_url" && g=$RPS || g=
		run_wrk "gzip-$r-ws" "$gz_url?workspaceId=$ws" && w=$RPS || w=
		WRK_HEADER=
		if [ -n "$p" ] && [ -n "$g" ] && [ -n "$w" ]; then
			printf '  round %d: plain %10s req/s   gzipped %10s (%s)   gzipped, one workspace %10s\n' \
				"$r" "$p" "$g" "$(ratio "$g" "$p")" "$w"
			printf 'G\t%s\t%s\t%s\t%s\n' "$r" "$p" "$g" "$w" >>"$RESULTS"
		else
			fail "gzip round $r could not run"
		fi
		r=$((r + 1))
	done
	mp=$(awk -F'\t' '$1 == "G" { print $3 }' "$RESULTS" | median_as %.0f)
	mg=$(awk -F'\t' '$1 == "G" { print $4 }' "$RESULTS" | median_as %.0f)
	mw=$(awk -F'\t' '$1 == "G" { print $5 }' "$RESULTS" | median_as %.0f)
	echo "  medians: plain $mp req/s, gzipped $mg ($(ratio "$mg" "$mp")x), one workspace gzipped $mw"
	note "gzip, built-in first page: plain $mp req/s, gzipped $mg req/s" \
		"($(ratio "$mg" "$mp")x; $plain_b bytes to $gz_b); a workspace's page gzipped $mw req/s"
	stop_server
	return 0
}

# bench_https: the built-in first page over HTTPS with keep-alive, gongmock's listener beside
# nginx serving the same bytes over TLS, both with the same ECDSA P-256 certificate and key.
# Alternating rounds, as the ceiling.
bench_https() {
	echo
	echo "== HTTPS: the built-in first page, keep-alive, beside nginx over TLS (same key)"
	if ! command -v nginx >/dev/null 2>&1 || ! command -v openssl >/dev/null 2>&1; then
		fail "https: nginx or openssl is not installed"
		return 1
	fi
	tls=$PWD/$OUT/tls
	mkdir -p "$tls"
	if ! openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
		-keyout "$tls/key.pem" -out "$tls/cert.pem" >/dev/null 2>&1; then
		fail "https: openssl could not make a key"
		return 1
	fi
	hport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	if ! start_server https --https-port "$hport" --tls-cert "$tls/cert.pem" \
		--tls-key "$tls/key.pem"; then
		fail "https: gongmock did not start"
		return 1
	fi
	curl -s -H "$AUTH" "http://127.0.0.1:$SRV_PORT/v2/calls" >"$OUT/https.first.json"
	if ! start_nginx "$OUT/https.first.json" "" "$tls"; then
		stop_server
		fail "https: nginx did not start"
		return 1
	fi
	url_gm="https://127.0.0.1:$hport/v2/calls"
	url_ngx="https://127.0.0.1:$NGX_PORT/v2/calls"
	echo "  $(wc -c <"$OUT/https.first.json") bytes, $(nproc) nginx workers, $(nproc) gongmock" \
		"threads; $ROUNDS rounds of ${SECS}s each, alternating"
	warm_up https-gongmock "$url_gm"
	warm_up https-nginx "$url_ngx"
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		run_wrk "https-$r-gongmock" "$url_gm" && gm=$RPS && gp=$P99 || gm=
		run_wrk "https-$r-nginx" "$url_ngx" && ngx=$RPS && np=$P99 || ngx=
		if [ -n "$gm" ] && [ -n "$ngx" ]; then
			printf '  round %d: gongmock %10s req/s (p99 %s ms)   nginx %10s req/s (p99 %s ms)   ratio %s\n' \
				"$r" "$gm" "$gp" "$ngx" "$np" "$(ratio "$gm" "$ngx")"
			printf 'H\t%s\t%s\t%s\t%s\t%s\n' "$r" "$gm" "$gp" "$ngx" "$np" >>"$RESULTS"
		else
			fail "https round $r could not run"
		fi
		r=$((r + 1))
	done
	mg=$(awk -F'\t' '$1 == "H" { print $3 }' "$RESULTS" | median_as %.0f)
	mn=$(awk -F'\t' '$1 == "H" { print $5 }' "$RESULTS" | median_as %.0f)
	echo "  medians: gongmock $mg req/s, nginx $mn req/s, ratio $(ratio "$mg" "$mn") (target >= 0.8)"
	note "HTTPS, built-in first page with keep-alive, same ECDSA P-256 key: gongmock $mg req/s," \
		"nginx $mn req/s, ratio $(ratio "$mg" "$mn") (target >= 0.8)"
	stop_nginx
	stop_server
	return 0
}

# bench_family: the POST operations on the built-in data beside nginx serving each first page
# as a static file: a page of 100 extensive calls with every block (Extended context for both
# timings, media links), and a page of 100 transcripts. Alternating rounds, as the ceiling.
bench_family() {
	echo
	echo "== the calls family: POST pages beside nginx serving the same bytes"
	if ! command -v nginx >/dev/null 2>&1; then
		fail "calls family: nginx is not installed: no ceiling"
		return 1
	fi
	if ! start_server family; then
		fail "calls family: gongmock did not start"
		return 1
	fi
	x_body=$PWD/$OUT/extensive.body.json
	t_body=$PWD/$OUT/transcript.body.json
	cat >"$x_body" <<'BODY'
{"filter":{},"contentSelector":{"context":"Extended","contextTiming":["Now","TimeOfCall"],
"exposedFields":{"parties":true,"media":true,
"content":{"structure":true,"topics":true,"trackers":true,"trackerOccurrences":true,
"pointsOfInterest":true,"brief":true,"outline":true,"highlights":true,"callOutcome":true,
"keyPoints":true},
"interaction":{"speakers":true,"video":true,"personInteractionStats":true,"questions":true},
"collaboration":{"publicComments":true}}}}
BODY
	printf '{"filter":{}}\n' >"$t_body"
	for kind in extensive transcript; do
		body=$x_body
		[ "$kind" = transcript ] && body=$t_body
		page=$OUT/family.$kind.json
		code=$(curl -s -o "$page" -w '%{http_code}' --max-time 30 -H "$AUTH" \
			-H 'Content-Type: application/json' --data-binary "@$body" \
			"http://127.0.0.1:$SRV_PORT/v2/calls/$kind")
		if [ "$code" != 200 ]; then
			fail "calls family: the first $kind page answered $code"
			continue
		fi
		if ! start_nginx "$page"; then
			fail "calls family: nginx did not start"
			continue
		fi
		url_gm="http://127.0.0.1:$SRV_PORT/v2/calls/$kind"
		url_ngx="http://127.0.0.1:$NGX_PORT/v2/calls"
		echo "  POST /v2/calls/$kind: first page $(json_num "$page" currentPageSize) calls," \
			"$(wc -c <"$page") bytes; $ROUNDS rounds of ${SECS}s each, alternating"
		WRK_SECS=$WARM_SECS
		run_wrk "family-$kind-warm-up" "$url_gm" "POST:$body" >/dev/null 2>&1
		run_wrk "family-$kind-warm-up-nginx" "$url_ngx" "POST:$body" >/dev/null 2>&1
		WRK_SECS=$SECS
		r=1
		while [ "$r" -le "$ROUNDS" ]; do
			gm=
			ngx=
			run_wrk "family-$kind-$r-gongmock" "$url_gm" "POST:$body" &&
				gm=$RPS && gm_p99=$P99 && gm_bad=$NON2XX
			run_wrk "family-$kind-$r-nginx" "$url_ngx" "POST:$body" &&
				ngx=$RPS && ngx_p99=$P99
			if [ -n "$gm" ] && [ -n "$ngx" ]; then
				ratio=$(awk -v a="$gm" -v b="$ngx" 'BEGIN { printf "%.2f", a / b }')
				printf '  round %d: gongmock %10s req/s (p99 %s ms, non-2xx %s)   nginx %10s req/s (p99 %s ms)   ratio %s\n' \
					"$r" "$gm" "$gm_p99" "$gm_bad" "$ngx" "$ngx_p99" "$ratio"
				printf 'F\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$kind" "$r" "$gm" "$gm_p99" \
					"$ngx" "$ngx_p99" "$ratio" >>"$RESULTS"
			else
				fail "calls family: $kind round $r could not run"
			fi
			r=$((r + 1))
		done
		stop_nginx
	done
	stop_server
}

# Fault rules, the rate limiter, delays and the proxy, on the built-in fixtures.
# One part alone, for a quick figure: BENCH_ONLY=https, gzip or family.
if [ -n "${BENCH_ONLY:-}" ]; then
	"bench_${BENCH_ONLY}"
	exit "$FAILED"
fi
bench_family
bench_https
bench_gzip
bench_rules_cost
bench_delayed
bench_proxy

if [ -n "$DATA" ]; then
	bench_dataset "generated-$CALLS" "$(wc -c <"$DATA")" --fixtures "$DATA"
	stop_server
fi

# A generated dataset with every block and transcripts: what loading them costs.
make_dataset extensive "$EXT_CALLS"
if [ -n "$DATA" ]; then
	bench_dataset "generated-extensive-$EXT_CALLS" "$(wc -c <"$DATA")" --fixtures "$DATA"
	stop_server
fi

# ---- summary -----------------------------------------------------------------------------

summary=$OUT/summary.md
awk -F'\t' -v machine="$MACHINE" -v tools="$version, $WRKV, $NGXV" -v secs="$SECS" \
	-v conns="$CONNS" -v range="$FROM .. $TO" -v target="$TARGET" -v rtarget="$RULES_TARGET" \
	-v nrules="$NEVER_RULES" -v limiter="$LIMITER" -v dtarget="$DELAY_TARGET" -v dws="$DELAY_WS" \
	-v ptarget="$PROXY_TARGET" -v padded="$PROXY_ADDED" -v dconns="$DELAY_CONNS" \
	-v slowms="$SLOW_MS" -v slowconns="$SLOW_CONNS" '
function mb(b) { return b ~ /^[0-9]+$/ ? sprintf("%.1f MB", b / 1048576) : b }
# The median of v[1..n], sorting v by insertion.
function median(v, n,    i, j, x) {
	for (i = 2; i <= n; i++) {
		x = v[i]
		for (j = i - 1; j >= 1 && v[j] + 0 > x + 0; j--) v[j + 1] = v[j]
		v[j + 1] = x
	}
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
function verdict(ok) { return ok ? "met" : "not met" }
function num(f) { return f ~ /^-?[0-9.]+$/ }
$1 == "S" { s[++ns] = sprintf("| %s | %s | %s | %s | %s | %s | %s | %s |", $2, $3, mb($4), $5, $6, $7, $8, $9) }
$1 == "T" { t[++nt] = sprintf("| %s | %s | %.0f | %s | %s | %s | %s | %s |", $2, $3, $4, $5, $6, $7, $8, $9) }
$1 == "F" { f[++nf] = sprintf("| %s | %s | %.0f | %s | %.0f | %s | %s |", $2, $3, $4, $5, $6, $7, $8); fk[nf] = $2; fr[nf] = $8 }
$1 == "C" { c[++nc] = sprintf("| %s | %.0f | %s | %.0f | %s | %s |", $2, $3, $4, $5, $6, $7); ratio[nc] = $7 }
$1 == "R" {
	r[++nr] = sprintf("| %s | %.0f | %s | %.0f | %s | %.0f | %s | %s | %s |", $2, $3, $4, $5, $6, $7, $8, $9, $10)
	rb[nr] = $9
	rc[nr] = $10
}
$1 == "D" {
	d[++nd] = sprintf("| %s | %.0f | %s | %s | %s | %s |", $3, $4, $5, $6, $7, $8)
	if ($2 != "alone") dp99[$2] = $6
}
$1 == "L" { lk[++nl] = $2; load[nl] = $0 }
$1 == "P" {
	p[++np] = sprintf("| %s | %s | %s | %.0f | %s | %s | %.0f | %s | %s | %s | %+.2f |", $2 == "page" ? "first page" : "404",
		$3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
	if ($4 == "default") {
		pr[$2, ++npk[$2]] = $11
		pa[$2, npk[$2]] = $12
	}
}
$1 == "Q" {
	q[++nq] = sprintf("| %s | %s | %.0f | %s | %s | %s | %+.2f | %s |", $2 == "page" ? "first page" : "404",
		$3, $4, $5, $6, $7, $8, $9)
	qr[$2, ++nqk[$2]] = $7
	qg[$2, nqk[$2]] = $9
}
$1 == "W" { w[++nw] = sprintf("| %s | %.0f | %s | %s | %s | %s |", $2, $3, $4, $5, $6, $7) }
$1 == "X" { pcores = $2; pup = $3; pnts = $4 }
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
	print ""
	print "### The calls family: POST pages beside nginx serving the same bytes"
	print ""
	if (nf == 0) {
		print "Not measured."
	} else {
		print "A page of 100 extensive calls with every block (Extended context, both timings, media"
		print "links), and a page of 100 transcripts, from the built-in data; nginx answers the POST"
		print "with the same bytes as a static file."
		print ""
		print "| operation | round | gongmock req/s | gongmock p99 ms | nginx req/s | nginx p99 ms | ratio |"
		print "|---|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= nf; i++) print f[i]
		split("extensive transcript", fkinds, " ")
		for (fki = 1; fki <= 2; fki++) {
			fn = 0
			for (i = 1; i <= nf; i++) if (fk[i] == fkinds[fki]) fvals[++fn] = fr[i]
			if (fn > 0) {
				fm = median(fvals, fn)
				printf "\nMedian ratio for %s: %.2f (target >= 0.80: %s).\n", fkinds[fki],
					fm, (fm + 0 >= 0.8 ? "met" : "not met")
			}
		}
	}
	print ""
	print "### Cost of rules and the limiter on the normal path"
	print ""
	if (nr == 0) {
		print "Not measured."
	} else {
		print "The built-in first page from three servers side by side, in alternating rounds: (a) plain,"
		print "(b) with " nrules " fault rules for other workspaces and one for another path, none of which"
		print "fits the request, (c) with the same rules and `--rate-limit " limiter "`."
		print ""
		print "| round | a req/s | a p99 ms | b req/s | b p99 ms | c req/s | c p99 ms | b/a | c/a |"
		print "|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= nr; i++) print r[i]
		mb_ = median(rb, nr)
		mc_ = median(rc, nr)
		print ""
		printf "Median ratios: b/a %.2f, c/a %.2f (target >= %s, rules and limiter cost no more than 10%%: b %s, c %s).\n",
			mb_, mc_, rtarget, verdict(mb_ + 0 >= rtarget + 0), verdict(mc_ + 0 >= rtarget + 0)
	}
	print ""
	print "### Delayed requests do not slow the others"
	print ""
	if (nd == 0) {
		print "Not measured."
	} else {
		printf "One server; a rule holds the requests for workspaceId %s (no calls: a 404 after the hold).\n", dws
		printf "The built-in first page alone, then while %s connections wait on held requests: first\n", dconns
		print "each held for the same time, so that they wait and are answered together (lockstep, the"
		print "worst case), then each for a time drawn uniformly (spread, as on a slow network)."
		print ""
		print "| request | req/s | p50 ms | p99 ms | non-2xx | socket errors |"
		print "|---|---:|---:|---:|---:|---:|"
		for (i = 1; i <= nd; i++) print d[i]
		print ""
		print "| held load | connections | delay ms | load s | held completed | held p50 ms | socket errors | rule fired | sockets 2 s in | first page p99 ms | target under " dtarget " ms |"
		print "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|"
		for (i = 1; i <= nl; i++) {
			split(load[i], l, "\t")
			x = dp99[l[2]]
			gsub(/[][]/, "", l[5])
			sub(/,/, "..", l[5])
			printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", l[3], l[4], l[5], l[6],
				l[7], l[8], l[9], l[10], l[11], x == "" ? "n/a" : x, verdict(num(x) && x + 0 < dtarget + 0)
		}
	}
	print ""
	print "### Cost of the proxy"
	print ""
	if (np == 0) {
		print "Not measured."
	} else {
		print "An upstream gongmock (built-in data) and a proxy gongmock in front of it (`--upstream`);"
		print "the same URL directly from the upstream, then through the proxy, in alternating rounds,"
		print "with the default threads of the proxy (one event loop per core), then one round each with"
		print "other `--threads`."
		printf "Threads in each process (the workers and the rest): upstream %s; proxy %s.\n", pup, pnts
		printf "wrk, the proxy and the upstream are three busy processes on %s cores: through the proxy\n", pcores
		print "all three compete for them, directly only two do, so the ratio includes that contention"
		print "as well as the work of the proxy."
		print ""
		print "| answer | round | proxy threads | direct req/s | direct p50 ms | direct p99 ms | proxy req/s | proxy p50 ms | proxy p99 ms | proxy/direct | p50 added ms |"
		print "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"
		for (i = 1; i <= np; i++) print p[i]
		print ""
		split("page 404", kinds, " ")
		for (k = 1; k <= 2; k++) {
			kk = kinds[k]
			n_ = npk[kk] + 0
			if (n_ == 0) continue
			for (i = 1; i <= n_; i++) { vr[i] = pr[kk, i]; va[i] = pa[kk, i] }
			mr = median(vr, n_)
			ma = median(va, n_)
			printf "%s, medians with the default threads: proxy/direct %.2f (target >= %s: %s), p50 added %+.2f ms (target under %s ms: %s).\n",
				kk == "page" ? "First page" : "404", mr, ptarget, verdict(mr + 0 >= ptarget + 0), ma, padded,
				verdict(ma + 0 < padded + 0)
			if (k == 1) print ""
		}
		if (nq > 0) {
			print ""
			print "The reference: nginx as a reverse proxy to the same upstream (kept-alive upstream"
			print "connections, one worker per core), in each round right after the proxy gongmock."
			print ""
			print "| answer | round | nginx req/s | nginx p50 ms | nginx p99 ms | nginx/direct | p50 added ms | gongmock/nginx |"
			print "|---|---|---:|---:|---:|---:|---:|---:|"
			for (i = 1; i <= nq; i++) print q[i]
			print ""
			for (k = 1; k <= 2; k++) {
				kk = kinds[k]
				n_ = nqk[kk] + 0
				if (n_ == 0) continue
				for (i = 1; i <= n_; i++) { vr[i] = qr[kk, i]; va[i] = qg[kk, i] }
				printf "%s, medians: nginx/direct %.2f; the proxy gongmock against nginx %.2f.\n",
					kk == "page" ? "First page" : "404", median(vr, n_), median(va, n_)
				if (k == 1) print ""
			}
		}
		if (nw > 0) {
			print ""
			printf "A slow upstream, as a remote API is: a rule holds every answer %s ms; %s connections\n", slowms, slowconns
			print "ask for the empty range, directly, through the proxy gongmock and through nginx. This"
			print "measures how many requests a proxy keeps in flight rather than its cost per request."
			print ""
			print "| through | req/s | p50 ms | p99 ms | of direct | socket errors |"
			print "|---|---:|---:|---:|---:|---:|"
			for (i = 1; i <= nw; i++) print w[i]
		}
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
