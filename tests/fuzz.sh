#!/bin/sh
# Builds each tests/fuzz/fuzz_*.c as a libFuzzer target (with ASan and UBSan) against the
# server's modules and runs it for FUZZ_SECONDS (default 60). Exits 1 on the first crash.
set -eu
seconds=${FUZZ_SECONDS:-60}
out=build/fuzz
mkdir -p "$out"
command -v clang >/dev/null 2>&1 || sh tests/deps.sh clang
flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -std=c17 \
-D_POSIX_C_SOURCE=200809L -Iserver $(pkg-config --cflags libmicrohttpd jansson libcurl gnutls)"
libs="$(pkg-config --libs libmicrohttpd jansson libcurl gnutls) -pthread -lm"
srcs=$(ls server/*.c | grep -v 'server/main.c')
clang -c -DGONGMOCK_FIXTURE='"fixtures/calls.json"' -o "$out/embed.o" server/embed.S
for f in tests/fuzz/fuzz_*.c; do
	name=$(basename "$f" .c)
	echo "== $name ($seconds s)"
	# shellcheck disable=SC2086
	clang $flags -o "$out/$name" "$f" $srcs "$out/embed.o" $libs
	mkdir -p "$out/corpus-$name"
	"$out/$name" -max_total_time="$seconds" -max_len=9000 "$out/corpus-$name"
done
echo "fuzz: no crash"
