#!/bin/sh
# make docker-test: builds the image $1 (default gongmock) and tests running containers of it
# over their published ports, as a CI job would use them: health turning healthy, a paged walk
# of the built-in data, a mounted cassette replayed, a mounted scenario applied, configuration
# from the environment, a non-root process, `docker stop` (time and exit code), the image's
# size, HTTPS through a CONNECT tunnel and on its own port, and the compose file (gongmock
# beside clients reaching it by service name, and as https://api.gong.io).
#
# Starts a Docker daemon when none answers, and makes debian:bookworm-slim when it is missing
# (docker/base.sh); removes the containers it started and stops only the daemon it started.
# Figures (size, start and stop times) are printed; the checks fail on behaviour, and on the
# size target, which does not depend on the machine.
set -eu
DOCKER_LIB_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$DOCKER_LIB_ROOT/docker/lib.sh"
image=${1:-gongmock}
client_image=gongmock-example-client
tag=gongmock-test-$$
size_target_mb=15
failed=0
containers=""
work=$(mktemp -d /tmp/gongmock-docker-test.XXXXXX)

cleanup() {
	for c in $containers; do
		docker rm -f "$c" >/dev/null 2>&1 || true
	done
	if [ -n "${compose:-}" ]; then
		$compose -p "$tag" -f "$DOCKER_LIB_ROOT/docker/compose.yaml" down -v >/dev/null 2>&1 || true
	fi
	rm -rf "$work"
	docker_daemon_down
}
trap cleanup EXIT
trap 'exit 1' INT TERM

ok() { echo "ok   $*"; }
bad() {
	echo "FAIL $*"
	failed=$((failed + 1))
}
# check DESCRIPTION COMMAND...: ok when the command succeeds.
check() {
	what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
# has TEXT PATTERN: the text has a line matching the (basic) pattern; lacks: none does.
has() { printf '%s\n' "$1" | grep -q -- "$2"; }
lacks() { ! has "$1" "$2"; }
logs() { docker logs "$tag-$1" 2>&1; }
now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{printf "%.2f", $1 - $2}'; }

# Starts a container (name $1, then docker run's arguments and the image's); prints nothing.
start() {
	name=$tag-$1
	shift
	containers="$containers $name"
	docker run -d --name "$name" -p 127.0.0.1::8080 "$@" >/dev/null
}
port_of() { docker port "$tag-$1" 8080/tcp | head -n 1 | sed 's/.*://'; }
health_of() { docker inspect -f '{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$tag-$1"; }
# Waits up to 30 s for the container to be healthy; prints the seconds it took.
wait_healthy() {
	t0=$1
	name=$2
	i=0
	while [ "$(health_of "$name")" != healthy ]; do
		i=$((i + 1))
		if [ "$i" -gt 1500 ] || [ "$(docker inspect -f '{{.State.Running}}' "$tag-$name")" != true ]; then
			docker logs "$tag-$name" 2>&1 | tail -n 20 >&2
			return 1
		fi
		sleep 0.02
	done
	since "$t0"
}
# GET with the example credentials; prints the body, fails on a status other than 200.
get() { curl -sf -u example-key:example-secret "http://127.0.0.1:$1$2"; }

command -v curl >/dev/null 2>&1 || sh "$DOCKER_LIB_ROOT/tests/deps.sh" curl
command -v python3 >/dev/null 2>&1 || sh "$DOCKER_LIB_ROOT/tests/deps.sh" python3
docker_daemon_up
t0=$(now)
docker_build_image "$image"
echo "built $image in $(since "$t0") s"

# The image's size over its base.
base=$(docker image inspect -f '{{.Size}}' debian:bookworm-slim)
size=$(docker image inspect -f '{{.Size}}' "$image")
added=$(echo "$size $base" | awk '{printf "%.1f", ($1 - $2) / 1e6}')
echo "image: $(echo "$size" | awk '{printf "%.1f", $1 / 1e6}') MB, $added MB over debian:bookworm-slim"
check "the image adds at most $size_target_mb MB to its base ($added MB)" \
	awk -v a="$added" -v t="$size_target_mb" 'BEGIN { exit !(a <= t) }'

# The built-in data: healthy, a whole paged walk, who runs it, and a clean stop.
t0=$(now)
start plain "$image"
port=$(port_of plain)
i=0
until curl -sf -o /dev/null -u k:s "http://127.0.0.1:$port/v2/calls"; do
	i=$((i + 1))
	[ "$i" -lt 3000 ] || break
	sleep 0.01
done
echo "first answer through the published port $(since "$t0") s after docker run"
if took=$(wait_healthy "$t0" plain); then
	ok "healthy ${took} s after docker run"
else
	bad "never turned healthy"
fi
if walk=$(python3 - "$port" <<'EOF'
import base64, json, sys, urllib.parse, urllib.request
base = "http://127.0.0.1:%s/v2/calls" % sys.argv[1]
auth = "Basic " + base64.b64encode(b"k:s").decode()
ids, pages, url = [], 0, base
while True:
    with urllib.request.urlopen(urllib.request.Request(url, headers={"Authorization": auth})) as r:
        page = json.load(r)
    pages += 1
    ids += [c["id"] for c in page["calls"]]
    if page["records"]["currentPageNumber"] != pages - 1:
        sys.exit("page %d says it is page %d" % (pages - 1, page["records"]["currentPageNumber"]))
    cursor = page["records"].get("cursor")
    if not cursor:
        break
    url = base + "?" + urllib.parse.urlencode({"cursor": cursor})
total = page["records"]["totalRecords"]
if len(ids) != total or len(set(ids)) != total:
    sys.exit("walked %d calls (%d distinct) of %d" % (len(ids), len(set(ids)), total))
print("%d calls in %d pages" % (total, pages))
EOF
); then
	check "a paged walk of the built-in data: $walk" test "$walk" = "400 calls in 4 pages"
else
	bad "a paged walk of the built-in data"
fi
check "no access-log line for the health probes" lacks "$(logs plain)" 'GET /__admin/health'
check "the access log has the walk" has "$(logs plain)" 'GET /v2/calls?cursor='
check "the process runs as gongmock (uid 10001), not root" \
	test "$(docker exec "$tag-plain" sh -c 'id -u; id -g; awk "/^Uid:/ {print \$2}" /proc/1/status')" = "10001
10001
10001"
check "PID 1 is gongmock itself" \
	test "$(docker exec "$tag-plain" cat /proc/1/comm)" = gongmock
check "it listens on every interface inside the container" \
	has "$(logs plain)" '^listening on http://0\.0\.0\.0:8080$'
# A client with https://api.gong.io in its code, through its proxy setting, trusting the CA.
docker exec "$tag-plain" gongmock ca --pem >"$work/ca.pem" 2>/dev/null || true
check "gongmock ca --pem gives the CA certificate" has "$(cat "$work/ca.pem")" 'BEGIN CERTIFICATE'
out=$(HTTPS_PROXY=http://127.0.0.1:$port curl -sf --cacert "$work/ca.pem" -u k:s \
	https://api.gong.io/v2/calls 2>&1) || out="curl failed: $out"
check "a CONNECT to api.gong.io through the published port serves the built-in data" \
	has "$out" '"totalRecords":400'
check "the CA is kept in /data/ca, its key readable by its owner only" \
	test "$(docker exec "$tag-plain" stat -c '%a %U' /data/ca/ca-key.pem)" = "600 gongmock"
t0=$(now)
docker stop "$tag-plain" >/dev/null
took=$(since "$t0")
code=$(docker inspect -f '{{.State.ExitCode}}' "$tag-plain")
echo "docker stop: ${took} s, exit code $code"
check "docker stop ends it with exit 0 ($code)" test "$code" = 0
check "docker stop ends it on SIGTERM, well before docker's 10 s kill (${took} s)" \
	awk -v t="$took" 'BEGIN { exit !(t < 5) }'
check "it said it was shutting down" has "$(logs plain)" 'shutting down'

# A mounted cassette, replayed, and a mounted scenario, both given by variables.
cp "$DOCKER_LIB_ROOT/docker/example/session.jsonl" "$DOCKER_LIB_ROOT/docker/example/scenario.json" "$work/"
chmod a+r "$work"/*
chmod a+rx "$work"
t0=$(now)
start replay -v "$work:/data:ro" -e GONGMOCK_REPLAY=/data/session.jsonl \
	-e GONGMOCK_SCENARIO=/data/scenario.json "$image"
wait_healthy "$t0" replay >/dev/null || bad "the replaying container never turned healthy"
port=$(port_of replay)
out=$(GONG_BASE_URL=http://127.0.0.1:$port python3 "$DOCKER_LIB_ROOT/docker/example/client.py" 2>&1) || true
check "the mounted scenario applied: the first transcript request got 429 + Retry-After" \
	has "$out" '^429 on /v2/calls/transcript: retrying after 1 s$'
check "the mounted cassette replayed the recorded walk" \
	has "$out" '^calls: 197 in 2 pages; transcripts: 3; call 444231005047021000'
health=$(get "$port" /__admin/health) || health=""
check "health reports replay mode" has "$health" '"mode":"replay"'
check "health reports the cassette's 5 exchanges" has "$health" '"exchanges":5'
miss=$(curl -s -o /dev/null -w '%{http_code}' -u k:s "http://127.0.0.1:$port/v2/workspaces")
check "a request the cassette lacks gets 501 ($miss)" test "$miss" = 501

# Configuration from the environment, and a flag that wins over its variable.
start env -e GONGMOCK_PAGE_SIZE=7 -e GONGMOCK_RATE_LIMIT=2/s -e GONGMOCK_LOG_FORMAT=json "$image"
start flag -e GONGMOCK_PAGE_SIZE=7 "$image" --page-size 9
wait_healthy "$(now)" env >/dev/null || bad "the configured container never turned healthy"
wait_healthy "$(now)" flag >/dev/null || bad "the flagged container never turned healthy"
port=$(port_of env)
n=$(get "$port" /v2/calls | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["calls"]))')
check "GONGMOCK_PAGE_SIZE=7 gives pages of 7 ($n)" test "$n" = 7
codes=""
for i in 1 2 3 4; do
	codes="$codes $(curl -s -o /dev/null -w '%{http_code}' -u k:s "http://127.0.0.1:$port/v2/calls")"
done
check "GONGMOCK_RATE_LIMIT=2/s limits (statuses:$codes)" has "$codes" 429
check "GONGMOCK_LOG_FORMAT=json logs JSON" has "$(logs env)" '^{.*"path":"/v2/calls"'
n=$(get "$(port_of flag)" /v2/calls | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["calls"]))')
check "--page-size 9 wins over GONGMOCK_PAGE_SIZE=7 ($n)" test "$n" = 9
bad_env=$(docker run --rm -e GONGMOCK_PORT=http "$image" 2>&1) && code=0 || code=$?
check "a bad variable stops the start with exit 2 ($code)" test "$code" = 2
check "... and says which: $bad_env" has "$bad_env" "GONGMOCK_PORT: 'http' is not a port"

# The compose file: gongmock and a client reaching it by service name.
if command -v docker-compose >/dev/null 2>&1 || sh "$DOCKER_LIB_ROOT/tests/deps.sh" docker-compose; then
	compose=docker-compose
	docker_build "$client_image" docker/example/client.Dockerfile docker/example
	hostport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	cf="$DOCKER_LIB_ROOT/docker/compose.yaml"
	export GONGMOCK_HOST_PORT=127.0.0.1:$hostport
	# run starts gongmock first and waits for it to be healthy, as depends_on says.
	out=$($compose -p "$tag" -f "$cf" run --rm client 2>&1) && code=0 || code=$?
	check "compose: the client exited 0 ($code)" test "$code" = 0
	check "compose: the client reached gongmock by service name and walked the cassette" \
		has "$out" 'calls: 197 in 2 pages'
	check "compose: the scenario rate-limited the client once" \
		has "$out" '429 on /v2/calls/transcript: retrying after 1 s'
	[ "$code" = 0 ] || echo "$out" | tail -n 20
	out=$($compose -p "$tag" -f "$cf" run --rm client-https 2>&1) && code=0 || code=$?
	check "compose: client-https exited 0 ($code)" test "$code" = 0
	check "compose: client-https reached https://api.gong.io, trusting the CA in the volume" \
		has "$out" 'calls: 197 in 2 pages'
	[ "$code" = 0 ] || echo "$out" | tail -n 20
	check "compose: the published port serves the host too" \
		sh -c "curl -sf -o /dev/null -u k:s http://127.0.0.1:$hostport/__admin/health"
	$compose -p "$tag" -f "$cf" down -v >/dev/null 2>&1 || true
	unset GONGMOCK_HOST_PORT
else
	bad "compose: docker-compose could not be installed"
fi

if [ "$failed" -gt 0 ]; then
	echo "docker-test: $failed check(s) failed"
	exit 1
fi
echo "docker-test: every check passed"
