#!/bin/sh
# Builds each tests/fuzz/fuzz_*.c as a libFuzzer target (with ASan and UBSan) against the
# server's modules and runs it for FUZZ_SECONDS (default 60). Each target starts from a working
# corpus, build/fuzz/corpus-<target>, seeded with the inputs in tests/fuzz/corpus/<target>/,
# and uses tests/fuzz/<target>.dict when there is one. Stops with a failure at the first
# crash; the input that crashed is saved as build/fuzz/<target>-crash-<sha1>, and running
# the target on that file alone reproduces it.
#
#   FUZZ_SECONDS=600 sh tests/fuzz.sh              every target, ten minutes each
#   FUZZ_RUNS=10000000 sh tests/fuzz.sh fuzz_rules a number of executions instead
#   sh tests/fuzz.sh fuzz_request fuzz_cassette    only these targets
#   FUZZ_OUT=build/fuzz2 sh tests/fuzz.sh ...       another build and corpus directory, to
#                                                  run two sets of targets side by side
set -eu
seconds=${FUZZ_SECONDS:-60}
runs=${FUZZ_RUNS:-}
out=${FUZZ_OUT:-build/fuzz}
mkdir -p "$out/obj"
command -v clang >/dev/null 2>&1 || sh tests/deps.sh clang
pkgs="libmicrohttpd jansson libcurl gnutls zlib"
# shellcheck disable=SC2086
common="-g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -std=c17 \
-D_POSIX_C_SOURCE=200809L -Iserver $(pkg-config --cflags $pkgs)"
# shellcheck disable=SC2086
libs="$(pkg-config --libs $pkgs) -pthread -lm"
# The targets themselves are held to the project's warnings.
warn="-Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
-Wformat=2 -Wvla"

# The server's modules are built once, instrumented for coverage, and linked into each target.
objs="$out/obj/embed.o"
gzip -9 -n -c fixtures/calls.json >"$out/obj/fixture.json.gz"
clang -c -DGONGMOCK_FIXTURE="\"$out/obj/fixture.json.gz\"" -o "$out/obj/embed.o" server/embed.S
for f in server/*.c; do
	[ "$f" = server/main.c ] && continue
	o="$out/obj/$(basename "$f" .c).o"
	# shellcheck disable=SC2086
	clang $common -fsanitize=fuzzer-no-link -c -o "$o" "$f"
	objs="$objs $o"
done

if [ $# -gt 0 ]; then
	targets="$*"
else
	targets=$(for f in tests/fuzz/fuzz_*.c; do basename "$f" .c; done)
fi
for name in $targets; do
	src=tests/fuzz/$name.c
	[ -f "$src" ] || { echo "fuzz: no $src" >&2; exit 2; }
	# shellcheck disable=SC2086
	clang $common $warn -fsanitize=fuzzer -o "$out/$name" "$src" $objs $libs
	corpus=$out/corpus-$name
	mkdir -p "$corpus"
	for seed in tests/fuzz/corpus/"$name"/*; do
		if [ -f "$seed" ]; then cp "$seed" "$corpus"/; fi
	done
	set -- -max_len=9000 -timeout=10 -print_final_stats=1 -artifact_prefix="$out/$name-"
	if [ -f "tests/fuzz/$name.dict" ]; then
		set -- "$@" -dict="tests/fuzz/$name.dict"
	fi
	if [ -n "$runs" ]; then
		echo "== $name ($runs runs)"
		set -- "$@" -runs="$runs"
	else
		echo "== $name ($seconds s)"
		set -- "$@" -max_total_time="$seconds"
	fi
	"$out/$name" "$@" "$corpus"
done
echo "fuzz: no crash"
