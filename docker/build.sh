#!/bin/sh
# make docker: builds the image $1 (default gongmock) from docker/Dockerfile. Starts a Docker
# daemon when none answers and leaves it running, since the image is there to be run next.
set -eu
DOCKER_LIB_ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$DOCKER_LIB_ROOT/docker/lib.sh"
image=${1:-gongmock}
docker_daemon_up
if [ -n "$docker_started_pid" ]; then
	echo "dockerd (pid $docker_started_pid) keeps running for the image; stop it with: kill $docker_started_pid"
fi
docker_build_image "$image"
docker image inspect -f '{{.Size}}' "$image" |
	awk -v i="$image" '{printf "built %s: %.1f MB; run it with: docker run --rm -p 8080:8080 %s\n", i, $1/1e6, i}'
