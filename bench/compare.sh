#!/bin/sh
# compare.sh - two builds of gongmock measured side by side, so that what a change does to
# speed shows beside the noise of the machine: in each round OLD, then NEW, then nginx, and
# each figure the median of its rounds.
#   1. mock mode, built-in data, the first page of the range: req/s, p50 and p99 of OLD, NEW,
#      and nginx serving the same bytes (NEW's page) as a static file;
#   2. mock mode, the 404 of an empty range: req/s of OLD and NEW;
#   3. the generated dataset (the one bench/run.sh makes and keeps under build/bench/), loaded
#      by OLD and NEW in turn, each BENCH_ROUNDS times: start-up (spawn to the "listening on"
#      line), load time (from the server's log), VmRSS once loaded and VmHWM;
#   4. proxy mode: a proxy gongmock, OLD and then NEW, in front of one upstream gongmock (NEW,
#      on the built-in data, so that only the proxy differs), and nginx as a reverse proxy in
#      front of the same upstream: the first page's req/s, p50 and p99.
# The summary gives each median with the ratios NEW/OLD and NEW/nginx.
#
# Usage, from the repository root: sh bench/compare.sh OLD_BINARY NEW_BINARY
# (make bench-compare BASELINE=OLD_BINARY compares OLD_BINARY with the tree's own build).
#
# Environment (defaults in brackets), as for bench/run.sh:
#   BENCH_SECONDS     length of each wrk run [10]
#   BENCH_ROUNDS      rounds of each comparison, and loads of the dataset by each binary [3]
#   BENCH_CALLS       calls in the generated dataset [1000000]
#   BENCH_SEED        seed of the generated dataset [1]
#   BENCH_FROM        start of the benchmarked date range [2025-01-01T00:00:00Z]
#   BENCH_TO          end of the benchmarked date range [2025-07-01T00:00:00Z]
#   BENCH_THREADS     gongmock --threads [its default]; not given to the proxies, whose own
#                     default is measured
#   BENCH_NGINX_PORT  first port tried for nginx [18480]
#
# wrk runs with one thread and 32 connections (-t1 -c32), always against 127.0.0.1. The script
# prints figures and asserts nothing about them: it exits 0 when everything ran, and non-zero
# only when some part could not run. Everything it writes goes under build/bench/: compare.md
# (the summary), compare.tsv (every figure of every round), raw wrk output under
# compare-logs/, and the dataset, made by NEW when it is not there yet.
set -u

if [ ! -f bench/lib.sh ]; then
	echo "bench: run me from the repository root: sh bench/compare.sh OLD_BINARY NEW_BINARY" >&2
	exit 1
fi
if [ $# -ne 2 ]; then
	echo "usage: sh bench/compare.sh OLD_BINARY NEW_BINARY" >&2
	exit 2
fi
# A name without a slash would be looked up in PATH.
OLD=$1
NEW=$2
case $OLD in */*) ;; *) OLD=./$OLD ;; esac
case $NEW in */*) ;; *) NEW=./$NEW ;; esac
BIN=$NEW
# shellcheck source=bench/lib.sh
. bench/lib.sh

LOGS=$OUT/compare-logs
RESULTS=$OUT/compare.tsv
SUMMARY=$OUT/compare.md

# record FIGURE SIDE ROUND VALUE: one figure of one round; SIDE is old, new or nginx.
record() {
	printf 'V\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >>"$RESULTS"
}

# side_name SIDE: OLD, NEW or nginx, as printed.
side_name() {
	case $1 in
	old) echo OLD ;;
	new) echo NEW ;;
	upstream) echo "the upstream" ;;
	*) echo "$1" ;;
	esac
}

# measure KIND SIDE ROUND URL: one wrk run, printed and recorded as KIND_rps, KIND_p50 and
# KIND_p99. BAD counts socket errors, and non-2xx answers unless KIND is 404.
measure() {
	if ! run_wrk "$1-$3-$2" "$4"; then
		fail "$1: round $3 of $(side_name "$2") could not run"
		return 1
	fi
	record "$1_rps" "$2" "$3" "$RPS"
	record "$1_p50" "$2" "$3" "$P50"
	record "$1_p99" "$2" "$3" "$P99"
	printf '  round %s  %-5s %-5s %10s req/s   p50 %7s ms   p99 %7s ms   non-2xx %s   errors %s\n' \
		"$3" "$1" "$(side_name "$2")" "$RPS" "$P50" "$P99" "$NON2XX" "$ERRORS"
	BAD=$((BAD + ERRORS))
	[ "$1" = 404 ] || BAD=$((BAD + NON2XX))
	return 0
}

# fetch PORT QUERY FILE: the answer of the server on PORT to /v2/calls?QUERY, into FILE;
# prints the status.
fetch() {
	SRV_PORT=$1
	get "/v2/calls?$2" "$3"
}

# start_pair PART HOW NAME [ARGS...]: OLD and NEW side by side, started by HOW (start_side or
# start_proxy) as NAME-old and NAME-new. Sets PORT_OLD and PORT_NEW, and PID_OLD and PID_NEW;
# both empty for one that did not start, which is reported as failed, so that the other is
# still measured. Returns 1 when neither started.
start_pair() {
	part=$1
	how=$2
	pair_name=$3
	shift 3
	PORT_OLD=
	PORT_NEW=
	PID_OLD=
	PID_NEW=
	for side in old new; do
		if [ "$side" = old ]; then BIN=$OLD; else BIN=$NEW; fi
		if ! "$how" "$pair_name-$side" "$@"; then
			fail "$part: $(side_name "$side") did not start"
			continue
		fi
		if [ "$side" = old ]; then
			PORT_OLD=$SIDE_PORT
			PID_OLD=${SIDE_PIDS##* }
		else
			PORT_NEW=$SIDE_PORT
			PID_NEW=${SIDE_PIDS##* }
		fi
	done
	[ -n "$PORT_OLD" ] || [ -n "$PORT_NEW" ]
}

# check_page PART SIDE PORT FILE: the first page from the server on PORT (none when PORT is
# empty), into FILE. Returns 1, reporting the side as failed, unless it answered 200.
check_page() {
	[ -n "$3" ] || return 1
	code=$(fetch "$3" "$RANGE" "$4")
	[ "$code" = 200 ] && return 0
	fail "$1: $(side_name "$2") answered $code to the first page"
	return 1
}

# bench_mock: parts 1 and 2, OLD and NEW side by side on the built-in data, and nginx serving
# NEW's first page (OLD's when NEW did not start).
bench_mock() {
	echo
	echo "== 1, 2. mock mode, built-in data: the first page, and the 404 of an empty range"
	if ! start_pair "mock mode" start_side cmp; then
		return 1
	fi
	port_old=$PORT_OLD
	port_new=$PORT_NEW
	check_page "mock mode" old "$port_old" "$OUT/cmp-old.first.json" || port_old=
	check_page "mock mode" new "$port_new" "$OUT/cmp-new.first.json" || port_new=
	page=
	sizes=
	for s in old:$port_old new:$port_new; do
		side=${s%%:*}
		[ -n "${s#*:}" ] || continue
		page=$OUT/cmp-$side.first.json
		sizes="$sizes, $(wc -c <"$page" | tr -d ' ') bytes from $(side_name "$side")"
		code=$(fetch "${s#*:}" "$EMPTY" "$OUT/cmp-$side.404.json")
		[ "$code" = 404 ] ||
			note "mock mode: the empty range from $(side_name "$side") answered $code, not 404"
	done
	if [ -z "$page" ]; then
		stop_side
		return 1
	fi
	# The cursors differ from one process to the next; only a change of size is worth a note.
	if [ -n "$port_old" ] && [ -n "$port_new" ] &&
		[ "$(wc -c <"$OUT/cmp-old.first.json")" != "$(wc -c <"$OUT/cmp-new.first.json")" ]; then
		note "mock mode: the first pages of OLD and NEW differ in size${sizes};" \
			"nginx serves NEW's"
	fi
	psize=$(json_num "$page" currentPageSize)

	ngx_port=
	if ! command -v nginx >/dev/null 2>&1; then
		fail "mock mode: nginx is not installed: no ceiling"
	elif start_nginx "$page"; then
		ngx_port=$NGX_PORT
	else
		fail "mock mode: nginx did not start: no ceiling"
	fi
	url_page="/v2/calls?$RANGE"
	url_404="/v2/calls?$EMPTY"
	echo "  the first page of $FROM .. $TO (${psize:-n/a} calls${sizes}), nginx ($(nproc)" \
		"workers) serving $page as a static file;"
	echo "  then the empty range's 404; $ROUNDS rounds of ${SECS}s runs, alternating OLD, NEW," \
		"nginx"
	for s in old:$port_old new:$port_new nginx:$ngx_port; do
		[ -n "${s#*:}" ] && warm_up "cmp-${s%%:*}" "http://127.0.0.1:${s#*:}$url_page"
	done

	BAD=0
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		for s in old:$port_old new:$port_new nginx:$ngx_port; do
			[ -n "${s#*:}" ] && measure page "${s%%:*}" "$r" "http://127.0.0.1:${s#*:}$url_page"
		done
		for s in old:$port_old new:$port_new; do
			[ -n "${s#*:}" ] && measure 404 "${s%%:*}" "$r" "http://127.0.0.1:${s#*:}$url_404"
		done
		r=$((r + 1))
	done
	[ "$BAD" = 0 ] ||
		note "mock mode: $BAD non-2xx answers to the first page, or socket errors"
	stop_nginx
	stop_side
	return 0
}

# bench_load: part 3, the generated dataset loaded by OLD and NEW in turn, ROUNDS times each.
bench_load() {
	echo
	echo "== 3. loading the generated dataset"
	if [ -z "$DATA" ]; then
		fail "loading: no dataset"
		return 1
	fi
	echo "  $DATA: $CALLS calls, $(wc -c <"$DATA" | tr -d ' ') bytes; OLD then NEW, each" \
		"started $ROUNDS times; start-up from the spawn to the listening line, load from the" \
		"server's log"
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		for side in old new; do
			if [ "$side" = old ]; then BIN=$OLD; else BIN=$NEW; fi
			if ! start_server "cmp-load-$side" --fixtures "$DATA"; then
				fail "loading: $(side_name "$side") did not start (round $r)"
				continue
			fi
			rss=$(mb_of_kb "$(proc_kb "$SRV_PID" VmRSS)")
			hwm=$(mb_of_kb "$(proc_kb "$SRV_PID" VmHWM)")
			start_ms=$(ms_of_ns "$START_NS")
			record load_start "$side" "$r" "$start_ms"
			record load_ms "$side" "$r" "$LOAD_MS"
			record load_rss "$side" "$r" "$rss"
			record load_hwm "$side" "$r" "$hwm"
			printf '  round %s  %-5s start-up %8s ms   load %6s ms   VmRSS %7s MB   VmHWM %7s MB   %s calls\n' \
				"$r" "$(side_name "$side")" "$start_ms" "$LOAD_MS" "$rss" "$hwm" "$LOADED_CALLS"
			[ "$LOADED_CALLS" = "$CALLS" ] ||
				note "loading: $(side_name "$side") served $LOADED_CALLS calls, not $CALLS"
			stop_server
		done
		r=$((r + 1))
	done
	return 0
}

# threads_of PID: the threads of a process, or n/a.
threads_of() {
	n=
	[ -n "$1" ] && n=$(awk '$1 == "Threads:" { print $2 }' "/proc/$1/status" 2>/dev/null)
	echo "${n:-n/a}"
}

# bench_proxies: part 4, the proxy of OLD and of NEW in front of one upstream (NEW), beside
# nginx as a reverse proxy in front of the same upstream.
bench_proxies() {
	echo
	echo "== 4. proxy mode: OLD, NEW and nginx in front of the same upstream gongmock (NEW)"
	BIN=$NEW
	if ! start_side cmp-upstream; then
		fail "proxy mode: the upstream gongmock (NEW) did not start"
		return 1
	fi
	up=$SIDE_PORT
	if ! check_page "proxy mode" upstream "$up" "$OUT/cmp-upstream.json"; then
		stop_side
		return 1
	fi
	if ! start_pair "proxy mode" start_proxy cmp-proxy "$up"; then
		stop_side
		return 1
	fi
	port_old=$PORT_OLD
	port_new=$PORT_NEW
	check_page "proxy mode" old "$port_old" "$OUT/cmp-proxy-old.json" || port_old=
	check_page "proxy mode" new "$port_new" "$OUT/cmp-proxy-new.json" || port_new=
	if [ -z "$port_old" ] && [ -z "$port_new" ]; then
		stop_side
		return 1
	fi
	ngx_port=
	if ! command -v nginx >/dev/null 2>&1; then
		fail "proxy mode: nginx is not installed: no reference proxy"
	elif start_nginx "$OUT/cmp-upstream.json" "$up"; then
		ngx_port=$NGX_PORT
	else
		fail "proxy mode: nginx did not start as a proxy: no reference"
	fi
	url_page="/v2/calls?$RANGE"
	echo "  the first page through each proxy; threads in each (the workers and the rest):" \
		"OLD $(threads_of "$PID_OLD"), NEW $(threads_of "$PID_NEW"), their default; nginx with" \
		"$(nproc) workers and kept-alive"
	echo "  upstream connections; $ROUNDS rounds of ${SECS}s runs, alternating OLD, NEW, nginx"
	for s in old:$port_old new:$port_new nginx:$ngx_port; do
		[ -n "${s#*:}" ] && warm_up "cmp-proxy-${s%%:*}" "http://127.0.0.1:${s#*:}$url_page"
	done

	BAD=0
	r=1
	while [ "$r" -le "$ROUNDS" ]; do
		for s in old:$port_old new:$port_new nginx:$ngx_port; do
			[ -n "${s#*:}" ] && measure proxy "${s%%:*}" "$r" "http://127.0.0.1:${s#*:}$url_page"
		done
		r=$((r + 1))
	done
	[ "$BAD" = 0 ] ||
		note "proxy mode: $BAD non-2xx answers to the first page, or socket errors"
	stop_nginx
	stop_side
	return 0
}

# ---- the run -----------------------------------------------------------------------------

[ -x "$OLD" ] || die "$OLD: no such executable"
[ -x "$NEW" ] || die "$NEW: no such executable (build it with make)"
# shellcheck disable=SC2119 # no settings of its own to check
check_settings
is_count "$ROUNDS" || die "BENCH_ROUNDS must be at least 1"

describe_machine
v_old=$("$OLD" --version 2>/dev/null | head -n 1)
v_new=$("$NEW" --version 2>/dev/null | head -n 1)
echo "OLD: $OLD (${v_old:-no version}); NEW: $NEW (${v_new:-no version})"
echo "$WRKV; ${NGXV:-no nginx}; wrk -t1 -c$CONNS -d${SECS}s against 127.0.0.1"
cmp -s "$OLD" "$NEW" && note "OLD and NEW are the same file: the differences are the noise"
make_dataset

bench_mock
bench_load
bench_proxies

# ---- summary -----------------------------------------------------------------------------

awk -F'\t' -v machine="$MACHINE" -v tools="$WRKV, ${NGXV:-no nginx}" -v secs="$SECS" \
	-v conns="$CONNS" -v rounds="$ROUNDS" -v range="$FROM .. $TO" -v calls="$CALLS" \
	-v old="$OLD" -v new="$NEW" -v vold="${v_old:-no version}" -v vnew="${v_new:-no version}" '
function num(f) { return f ~ /^-?[0-9]+(\.[0-9]+)?$/ }
# The median of v[1..n], sorting v by insertion.
function median(v, n,    i, j, x) {
	for (i = 2; i <= n; i++) {
		x = v[i]
		for (j = i - 1; j >= 1 && v[j] + 0 > x + 0; j--) v[j + 1] = v[j]
		v[j + 1] = x
	}
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
# The median of the rounds of figure f on side s, formatted, or n/a.
function med(f, s,    i, n, v) {
	n = cnt[f, s] + 0
	if (n == 0) return "n/a"
	for (i = 1; i <= n; i++) v[i] = val[f, s, i]
	return sprintf(fmt[f], median(v, n))
}
function ratio(a, b) { return num(a) && num(b) && b + 0 > 0 ? sprintf("%.2f", a / b) : "n/a" }
function add(id, label, format, better) {
	order[++nf] = id
	name[id] = label
	fmt[id] = format
	dir[id] = better
}
BEGIN {
	add("page_rps", "mock, first page: req/s", "%.0f", "higher")
	add("page_p50", "mock, first page: p50 ms", "%.2f", "lower")
	add("page_p99", "mock, first page: p99 ms", "%.2f", "lower")
	add("404_rps", "mock, 404 (empty range): req/s", "%.0f", "higher")
	add("load_start", "dataset: start-up ms (spawn to listening)", "%.1f", "lower")
	add("load_ms", "dataset: load ms (server log)", "%.0f", "lower")
	add("load_rss", "dataset: VmRSS MB once loaded", "%.1f", "lower")
	add("load_hwm", "dataset: VmHWM MB", "%.1f", "lower")
	add("proxy_rps", "proxy, first page: req/s", "%.0f", "higher")
	add("proxy_p50", "proxy, first page: p50 ms", "%.2f", "lower")
	add("proxy_p99", "proxy, first page: p99 ms", "%.2f", "lower")
}
$1 == "V" && num($5) { val[$2, $3, ++cnt[$2, $3]] = $5; seen[$2] = 1 }
$1 == "N" { notes[++nn] = $2 }
END {
	print "## gongmock: OLD against NEW"
	print ""
	print "Machine: " machine "."
	print "OLD: `" old "` (" vold "). NEW: `" new "` (" vnew ")."
	print tools "; wrk -t1 -c" conns " -d" secs "s --latency, against 127.0.0.1; " rounds " rounds,"
	print "alternating OLD, NEW, nginx. Range " range "; the dataset: " calls " generated calls."
	print ""
	print "Each figure is the median of its rounds. A ratio above 1 means NEW'\''s figure is the higher"
	print "one: better for req/s, worse for ms and MB (the last column says which way is better)."
	print "nginx serves NEW'\''s first page as a static file in mock mode, and is a reverse proxy in"
	print "front of the same upstream (NEW) as both proxies in proxy mode."
	print ""
	print "| figure | OLD | NEW | nginx | NEW/OLD | NEW/nginx | better |"
	print "|---|---:|---:|---:|---:|---:|---|"
	for (i = 1; i <= nf; i++) {
		f = order[i]
		o = med(f, "old")
		n_ = med(f, "new")
		g = med(f, "nginx")
		hasng = f ~ /^(page|proxy)_/
		printf "| %s | %s | %s | %s | %s | %s | %s |\n", name[f], o, n_, hasng ? g : "-",
			ratio(n_, o), hasng ? ratio(n_, g) : "-", dir[f]
	}
	print ""
	print "Every round, in order:"
	print ""
	print "| figure | OLD | NEW | nginx |"
	print "|---|---|---|---|"
	for (i = 1; i <= nf; i++) {
		f = order[i]
		if (!seen[f]) continue
		printf "| %s", name[f]
		split("old new nginx", sides, " ")
		for (k = 1; k <= 3; k++) {
			s = sides[k]
			line = ""
			for (j = 1; j <= cnt[f, s] + 0; j++)
				line = line (j > 1 ? ", " : "") sprintf(fmt[f], val[f, s, j])
			printf " | %s", line == "" ? "-" : line
		}
		print " |"
	}
	if (nn > 0) {
		print ""
		print "Notes:"
		for (i = 1; i <= nn; i++) print "- " notes[i]
	}
}' "$RESULTS" >"$SUMMARY"

echo
cat "$SUMMARY"
echo
echo "(saved in $SUMMARY; every round in $RESULTS, raw wrk output in $LOGS/)"
exit "$FAILED"
