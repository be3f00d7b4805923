# gongmock - a mock of Gong's GET /v2/calls.
# `make help` lists the targets.

CC      ?= cc
PKGS    := libmicrohttpd jansson libcurl gnutls check
DEBS    := build-essential pkg-config libmicrohttpd-dev libjansson-dev libcurl4-openssl-dev \
           check libgnutls28-dev
BENCH_DEBS := wrk nginx-light curl
BUILD   ?= build
FIXTURE := fixtures/calls.json

WARN    := -Wall -Wextra -Wpedantic -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla
STD     := -std=c17 -D_POSIX_C_SOURCE=200809L
OPT     ?= -O2 -g
SAN     ?=

# pkg-config is asked only once the packages are there (see `deps`).
PKG_CFLAGS = $(shell pkg-config --cflags libmicrohttpd jansson libcurl gnutls 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs libmicrohttpd jansson libcurl gnutls 2>/dev/null)
CHECK_CFLAGS = $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   = $(shell pkg-config --libs check 2>/dev/null)

CFLAGS_ALL = $(STD) $(WARN) $(OPT) $(SAN) $(PKG_CFLAGS) -Iserver -pthread $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -pthread -lm $(LDLIBS)

SRCS      := $(filter-out server/main.c,$(wildcard server/*.c))
OBJS      := $(SRCS:server/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/embed.o
UNIT      := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
INTEG     := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(wildcard tests/integration/test_*.c))
TESTHELP  := $(wildcard tests/support/*.c)

.PHONY: all run test asan fuzz bench soak format clean help deps bench-deps check-run

all: deps $(BUILD)/gongmock

help:
	@echo "make          build $(BUILD)/gongmock (installs missing Debian packages first)"
	@echo "make run      build and serve the built-in fixtures on 127.0.0.1:8080"
	@echo "make test     build and run every test (unit, integration, black-box)"
	@echo "make asan     the whole test suite again under AddressSanitizer + UBSan"
	@echo "make fuzz     fuzz the query, date and cursor parsers (FUZZ_SECONDS=60)"
	@echo "make bench    wrk benchmarks against 127.0.0.1, nginx as the ceiling"
	@echo "make soak     a few minutes of load, slow clients and huge queries (not in CI)"
	@echo "make format   clang-format every C file"
	@echo "make clean    remove $(BUILD)/"

# Installs whatever Debian packages are missing: as root, else through sudo, else it stops
# with the exact command to run.
deps:
	@sh tests/deps.sh $(DEBS)

bench-deps:
	@sh tests/deps.sh $(DEBS) $(BENCH_DEBS)

$(BUILD)/obj/%.o: server/%.c $(wildcard server/*.h) | $(BUILD)/obj
	$(CC) $(CFLAGS_ALL) -MMD -c -o $@ $<

$(BUILD)/obj/embed.o: server/embed.S $(FIXTURE) | $(BUILD)/obj
	$(CC) -c -DGONGMOCK_FIXTURE='"$(FIXTURE)"' -o $@ $<

$(BUILD)/libgongmock.a: $(OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/gongmock: $(BUILD)/obj/main.o $(BUILD)/libgongmock.a
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(TESTHELP) $(BUILD)/libgongmock.a | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -Itests/support -o $@ $< $(TESTHELP) \
		$(BUILD)/libgongmock.a $(CHECK_LIBS) $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/integration/%.c $(TESTHELP) $(BUILD)/libgongmock.a | $(BUILD)/tests
	$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -Itests/support -o $@ $< $(TESTHELP) \
		$(BUILD)/libgongmock.a $(CHECK_LIBS) $(LDLIBS_ALL)

$(BUILD)/obj $(BUILD)/tests:
	mkdir -p $@

run: all
	$(BUILD)/gongmock

# Each test program prints check's summary; the script adds up the totals and fails on any.
test: deps $(BUILD)/gongmock $(UNIT) $(INTEG)
	@GONGMOCK_BIN=$(BUILD)/gongmock sh tests/run.sh $(UNIT) $(INTEG)

asan: deps
	$(MAKE) BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" test

fuzz: deps
	@sh tests/fuzz.sh

bench: bench-deps $(BUILD)/gongmock
	@sh bench/run.sh $(BUILD)/gongmock

soak: bench-deps $(BUILD)/gongmock
	@sh bench/soak.sh $(BUILD)/gongmock

format:
	clang-format -i server/*.c server/*.h tests/unit/*.c tests/integration/*.c tests/support/*.[ch]

clean:
	rm -rf build

-include $(wildcard $(BUILD)/obj/*.d)
