# Shell functions for the image's scripts (sourced): a Docker daemon when none answers, and the
# base image when it is missing. A daemon started here is stopped by docker_daemon_down, and
# only such a daemon.

docker_started_pid=""

# Makes sure `docker` reaches a daemon: installs Debian's docker.io when there is no dockerd,
# and starts dockerd (as root) when none answers. Sets docker_started_pid when it started one.
docker_daemon_up() {
	if docker info >/dev/null 2>&1; then
		return 0
	fi
	if ! command -v dockerd >/dev/null 2>&1 || ! command -v docker >/dev/null 2>&1; then
		sh "$DOCKER_LIB_ROOT/tests/deps.sh" docker.io || return 1
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "no Docker daemon answers, and starting one needs root: start dockerd, or run as root" >&2
		return 1
	fi
	mkdir -p "$DOCKER_LIB_ROOT/build/docker"
	log="$DOCKER_LIB_ROOT/build/docker/dockerd.log"
	echo "no Docker daemon answers: starting dockerd (log: build/docker/dockerd.log)"
	# Without the userland proxy a published port is the kernel's NAT, not a process copying
	# every byte: on loopback that proxy halves what any server in a container can serve.
	dockerd --userland-proxy=false >"$log" 2>&1 &
	docker_started_pid=$!
	i=0
	while ! docker info >/dev/null 2>&1; do
		i=$((i + 1))
		if [ "$i" -gt 300 ] || ! kill -0 "$docker_started_pid" 2>/dev/null; then
			tail -n 20 "$log" >&2
			echo "dockerd did not come up (log: build/docker/dockerd.log)" >&2
			docker_started_pid=""
			return 1
		fi
		sleep 0.1
	done
}

# Stops the daemon docker_daemon_up started, if it started one.
docker_daemon_down() {
	[ -n "$docker_started_pid" ] || return 0
	kill "$docker_started_pid" 2>/dev/null || true
	i=0
	while kill -0 "$docker_started_pid" 2>/dev/null && [ "$i" -lt 200 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	echo "stopped the dockerd started for this run"
	docker_started_pid=""
}

# Builds an image: docker_build_image TAG DOCKERFILE CONTEXT (paths from the repository's
# root), the build stage reaching Debian's mirror through the host's network. BuildKit when
# the client has it (buildx), else the classic builder. The output goes to
# build/docker/build.log, and its end to stderr when the build fails.
docker_build() {
	docker_base_image || return 1
	mkdir -p "$DOCKER_LIB_ROOT/build/docker"
	blog="$DOCKER_LIB_ROOT/build/docker/build.log"
	if docker buildx version >/dev/null 2>&1; then
		kit=1
	else
		kit=0
	fi
	if ! (cd "$DOCKER_LIB_ROOT" && DOCKER_BUILDKIT=$kit docker build --network host \
		-f "$2" -t "$1" "$3") >"$blog" 2>&1; then
		tail -n 30 "$blog" >&2
		echo "docker build of $1 failed (log: build/docker/build.log)" >&2
		return 1
	fi
}

# The image $1 from docker/Dockerfile.
docker_build_image() {
	docker_build "$1" docker/Dockerfile .
}

# debian:bookworm-slim, made locally when missing (docker/base.sh says when it does).
docker_base_image() {
	sh "$DOCKER_LIB_ROOT/docker/base.sh"
}
