#!/bin/sh
# docker.sh - the container's cost: the first page of the built-in data served by the image's
# own binary run directly on the host, and by the same image through its published port, one
# wrk run each, alternating for BENCH_ROUNDS rounds; and, for the reason of any gap, through
# the container's bridge address (no published port in between). Also the image's size over
# its base, and the time from `docker run` to the first answer and to "healthy".
#
# Usage, from the repository root: sh bench/docker.sh [IMAGE]   (make bench-docker)
#
# Environment: BENCH_SECONDS [10], BENCH_ROUNDS [3], as bench/run.sh. Builds the image when
# missing; starts a Docker daemon when none answers, and stops only that one. Prints figures
# and asserts nothing about them; exits non-zero only when something could not run.
set -u

if [ ! -f bench/lib.sh ]; then
	echo "bench: run me from the repository root: sh bench/docker.sh" >&2
	exit 1
fi
IMAGE=${1:-gongmock}
BIN=build/bench/docker/gongmock
# shellcheck source=bench/lib.sh
. bench/lib.sh
PROG=bench-docker
OUT=build/bench/docker
LOGS=$OUT/logs
RESULTS=$OUT/results.tsv
DOCKER_LIB_ROOT=$PWD
# shellcheck source=docker/lib.sh
. docker/lib.sh
mkdir -p "$LOGS"
: >"$RESULTS"
CID=

bench_docker_cleanup() {
	[ -n "$CID" ] && docker rm -f "$CID" >/dev/null 2>&1
	cleanup
	docker_daemon_down
}
trap bench_docker_cleanup EXIT
trap 'exit 1' INT TERM

# Seconds since t0 (now_ns), two decimals.
secs_since() {
	awk -v a="$(now_ns)" -v b="$1" 'BEGIN { printf "%.2f", (a - b) / 1e9 }'
}

docker_daemon_up || die "no Docker daemon"
if ! docker image inspect "$IMAGE" >/dev/null 2>&1; then
	echo "building $IMAGE"
	docker_build_image "$IMAGE" || die "the image did not build"
fi
describe_machine
echo "$(docker version -f 'Docker {{.Server.Version}}' 2>/dev/null); $WRKV;" \
	"wrk -t1 -c$CONNS -d${SECS}s"

# The image's binary, copied out, so that both sides run the same bytes.
cid=$(docker create "$IMAGE") || die "docker create failed"
docker cp "$cid:/usr/local/bin/gongmock" "$BIN" >/dev/null || die "docker cp failed"
docker rm "$cid" >/dev/null
if ldd "$BIN" | grep -q 'not found'; then
	die "the image's binary lacks libraries on this host: $(ldd "$BIN" | grep 'not found' | tr -s ' \t' ' ')"
fi

base=$(docker image inspect -f '{{.Size}}' debian:bookworm-slim)
size=$(docker image inspect -f '{{.Size}}' "$IMAGE")
echo
echo "== image"
echo "  $IMAGE: $(awk -v s="$size" 'BEGIN { printf "%.1f", s / 1e6 }') MB," \
	"$(awk -v s="$size" -v b="$base" 'BEGIN { printf "%.1f", (s - b) / 1e6 }') MB over debian:bookworm-slim"

# From docker run to the first 200 through the published port, and to healthy.
echo
echo "== start-up (docker run -d, then polling every 10 ms)"
t0=$(now_ns)
CID=$(docker run -d -p 127.0.0.1::8080 "$IMAGE" --quiet) || die "docker run failed"
port=$(docker port "$CID" 8080/tcp | head -n 1 | sed 's/.*://')
i=0
until curl -sf -o /dev/null -H "$AUTH" "http://127.0.0.1:$port/v2/calls"; do
	i=$((i + 1))
	[ "$i" -lt 3000 ] || die "the container never answered"
	sleep 0.01
done
first=$(secs_since "$t0")
until [ "$(docker inspect -f '{{.State.Health.Status}}' "$CID")" = healthy ]; do
	i=$((i + 1))
	[ "$i" -lt 3000 ] || die "the container never turned healthy"
	sleep 0.01
done
healthy=$(secs_since "$t0")
probe=$(docker inspect -f '{{with index .State.Health.Log 0}}{{.Start.UnixNano}} {{.End.UnixNano}}{{end}}' "$CID" |
	awk '{ printf "%.0f", ($2 - $1) / 1e6 }')
echo "  first answer through the published port: ${first} s after docker run"
echo "  healthy: ${healthy} s after docker run (the first probe comes one HEALTHCHECK" \
	"interval after the start, and took ${probe} ms)"
if pgrep -x docker-proxy >/dev/null 2>&1; then
	via="Docker's userland proxy (docker-proxy)"
else
	via="the kernel's NAT (no userland proxy)"
fi
echo "  published port served by $via"

bridge=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$CID")
start_server direct || die "the image's binary did not start on the host"
url_direct="http://127.0.0.1:$SRV_PORT/v2/calls"
url_port="http://127.0.0.1:$port/v2/calls"
url_bridge="http://$bridge:8080/v2/calls"
warm_up direct "$url_direct"
warm_up published "$url_port"

echo
echo "== first page of the built-in data: the same binary, $ROUNDS rounds of ${SECS}s, alternating"
r=1
while [ "$r" -le "$ROUNDS" ]; do
	run_wrk "direct-$r" "$url_direct" && d=$RPS || d=
	run_wrk "published-$r" "$url_port" && p=$RPS || p=
	run_wrk "bridge-$r" "$url_bridge" && b=$RPS || b=
	if [ -n "$d" ] && [ -n "$p" ] && [ -n "$b" ]; then
		printf '  round %d: direct %9s req/s   published port %9s (%s)   bridge %9s (%s)\n' \
			"$r" "$d" "$p" "$(ratio "$p" "$d")" "$b" "$(ratio "$b" "$d")"
		printf 'D\t%s\t%s\t%s\t%s\n' "$r" "$d" "$p" "$b" >>"$RESULTS"
	else
		fail "round $r could not run"
	fi
	r=$((r + 1))
done
md=$(awk -F '\t' '$1 == "D" { print $3 }' "$RESULTS" | median_as %.0f)
mp=$(awk -F '\t' '$1 == "D" { print $4 }' "$RESULTS" | median_as %.0f)
mb=$(awk -F '\t' '$1 == "D" { print $5 }' "$RESULTS" | median_as %.0f)
echo "  medians: direct $md req/s; published port $mp ($(ratio "$mp" "$md")x);" \
	"bridge $mb ($(ratio "$mb" "$md")x)"
stop_server
exit "$FAILED"
