# gongmock - a mock of Gong's public REST API (calls, users, workspaces).
# `make help` lists the targets.

CC      ?= cc
# The libraries, each as pkg-config module:Debian package; the tests also need check.
LIBS      := libmicrohttpd:libmicrohttpd-dev jansson:libjansson-dev \
             libcurl:libcurl4-openssl-dev gnutls:libgnutls28-dev zlib:zlib1g-dev
TEST_LIBS := check:check
DEBS    := build-essential pkg-config groff-base man-db python3-requests nodejs node-undici jq \
           $(foreach l,$(LIBS) $(TEST_LIBS),$(lastword $(subst :, ,$(l))))
BENCH_DEBS := wrk nginx-light curl
BUILD   ?= build
FIXTURE := fixtures/calls.json
# make install: $(DESTDIR)$(PREFIX)/bin/gongmock and its manual page.
PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DOCKER_IMAGE ?= gongmock

WARN    := -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wformat=2 -Wvla
# Warnings stop the project's own test builds (make test, make asan, CI), with gcc or clang;
# a user's `make` or `make run` with another compiler only shows them. WERROR= turns it off.
ifneq ($(filter test asan,$(MAKECMDGOALS)),)
WERROR  ?= -Werror
endif
WERROR  ?=
# One line per step; V=1 shows the whole commands.
V       ?= 0
ifeq ($(V),1)
Q       :=
say     := @:
else
Q       := @
say     := @printf '  %-6s %s\n'
endif
STD     := -std=c17 -D_POSIX_C_SOURCE=200809L
OPT     ?= -O2 -g
SAN     ?=

# pkg-config is asked once, at the first compile: after `libs` has found the packages (and,
# for the goals that install, after `deps` has installed them).
MODULES = $(foreach l,$(LIBS),$(firstword $(subst :, ,$(l))))
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell pkg-config --cflags $(MODULES) 2>/dev/null))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(shell pkg-config --libs $(MODULES) 2>/dev/null))$(PKG_LIBS)
CHECK_CFLAGS = $(eval CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null))$(CHECK_CFLAGS)
CHECK_LIBS   = $(eval CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null))$(CHECK_LIBS)

CFLAGS_ALL = $(STD) $(WARN) $(WERROR) $(OPT) $(SAN) $(PKG_CFLAGS) -Iserver -pthread $(CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -pthread -lm $(LDLIBS)

SRCS      := $(filter-out server/main.c,$(wildcard server/*.c))
OBJS      := $(SRCS:server/%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/embed.o
UNIT      := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
INTEG     := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(wildcard tests/integration/test_*.c))
TESTHELP  := $(wildcard tests/support/*.c)
TESTHEADERS := $(wildcard tests/support/*.h)

.PHONY: all run test asan fuzz bench bench-compare soak format clean help deps bench-deps check-run
.PHONY: libs test-libs install uninstall docker docker-test bench-docker

# Builds with what is installed; `libs` stops first, naming what is missing.
all: $(BUILD)/gongmock

help:
	@echo "make          build $(BUILD)/gongmock with the libraries installed (see make deps)"
	@echo "make deps     install the missing Debian packages (as root or through sudo)"
	@echo "make run      build and serve the built-in fixtures on 127.0.0.1:8080"
	@echo "make test     build and run every test (unit, integration, black-box)"
	@echo "make asan     the whole test suite again under AddressSanitizer + UBSan"
	@echo "make fuzz     fuzz the query, date and cursor parsers (FUZZ_SECONDS=60)"
	@echo "make bench    wrk benchmarks against 127.0.0.1, nginx as the ceiling"
	@echo "make bench-compare BASELINE=path   the gongmock at path against $(BUILD)/gongmock"
	@echo "make soak     a few minutes of load, slow clients and huge queries (not in CI)"
	@echo "make install  install gongmock and gongmock(1) under PREFIX=$(PREFIX) (DESTDIR too)"
	@echo "make uninstall  remove what make install put there"
	@echo "make docker   build the image $(DOCKER_IMAGE) (docker/Dockerfile)"
	@echo "make docker-test  build the image and test the running container"
	@echo "make bench-docker  the image through its published port against its binary run directly"
	@echo "make format   clang-format every C file"
	@echo "make clean    remove $(BUILD)/"

# Installs whatever Debian packages are missing: as root, else through sudo, else it stops
# with the exact command to run.
deps:
	@sh tests/deps.sh $(DEBS)

bench-deps:
	@sh tests/deps.sh $(DEBS) $(BENCH_DEBS)

# Stops when pkg-config, or a library it is asked for, is missing, naming the Debian packages
# and the command that installs them. $(1): module:package pairs.
define need_libs
	@missing=""; \
	if command -v pkg-config >/dev/null 2>&1; then \
		for l in $(1); do \
			pkg-config --exists "$${l%%:*}" || missing="$$missing $${l#*:}"; \
		done; \
	else \
		missing=" pkg-config $(foreach l,$(1),$(lastword $(subst :, ,$(l))))"; \
	fi; \
	if [ -n "$$missing" ]; then \
		echo "gongmock needs these Debian packages:$$missing" >&2; \
		echo "install them with 'make deps' (as root or through sudo), or run:" >&2; \
		echo "  sudo apt-get install -y$$missing" >&2; \
		exit 1; \
	fi
endef

libs:
	$(call need_libs,$(LIBS))

test-libs: libs
	$(call need_libs,$(TEST_LIBS))

# The goals that install what is missing do so before the libraries are looked for.
ifneq ($(filter run test asan deps,$(MAKECMDGOALS)),)
libs: deps
endif
ifneq ($(filter bench bench-compare bench-docker,$(MAKECMDGOALS)),)
libs: bench-deps
endif
ifneq ($(filter bench-compare,$(MAKECMDGOALS)),)
ifeq ($(BASELINE),)
$(error make bench-compare needs BASELINE=path/to/the/older/gongmock)
endif
endif

# Each object depends on the headers it includes, as the compiler found them (-MMD, in the .d
# files included at the end); -MP keeps a deleted header from stopping the build.
$(BUILD)/obj/%.o: server/%.c | $(BUILD)/obj libs
	$(say) CC $<
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c -o $@ $<

# The built-in fixtures go in gzipped (-n: no name or time, the same bytes every build).
$(BUILD)/obj/fixture.json.gz: $(FIXTURE) | $(BUILD)/obj
	$(say) GZIP $<
	$(Q)gzip -9 -n -c $< > $@

$(BUILD)/obj/embed.o: server/embed.S $(BUILD)/obj/fixture.json.gz | $(BUILD)/obj
	$(say) AS $<
	$(Q)$(CC) -c -DGONGMOCK_FIXTURE='"$(BUILD)/obj/fixture.json.gz"' -o $@ $<

$(BUILD)/libgongmock.a: $(OBJS)
	$(say) AR $@
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/gongmock: $(BUILD)/obj/main.o $(BUILD)/libgongmock.a
	$(say) LINK $@
	$(Q)$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/unit/%.c $(TESTHELP) $(TESTHEADERS) $(BUILD)/libgongmock.a \
		| $(BUILD)/tests test-libs
	$(say) TEST $<
	$(Q)$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -Itests/support -o $@ $< $(TESTHELP) \
		$(BUILD)/libgongmock.a $(CHECK_LIBS) $(LDLIBS_ALL)

$(BUILD)/tests/%: tests/integration/%.c $(TESTHELP) $(TESTHEADERS) $(BUILD)/libgongmock.a \
		| $(BUILD)/tests test-libs
	$(say) TEST $<
	$(Q)$(CC) $(CFLAGS_ALL) $(CHECK_CFLAGS) -Itests/support -o $@ $< $(TESTHELP) \
		$(BUILD)/libgongmock.a $(CHECK_LIBS) $(LDLIBS_ALL)

$(BUILD)/obj $(BUILD)/tests:
	$(Q)mkdir -p $@

run: deps $(BUILD)/gongmock
	@echo "  RUN    $(BUILD)/gongmock (Ctrl-C stops it)"
	$(Q)$(BUILD)/gongmock

# Each test program prints check's summary; the script adds up the totals and fails on any.
test: deps $(BUILD)/gongmock $(UNIT) $(INTEG)
	@TEST_GONGMOCK_BIN=$(BUILD)/gongmock sh tests/run.sh $(UNIT) $(INTEG)

asan: deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan OPT="-O1 -g -fno-omit-frame-pointer" \
		SAN="-fsanitize=address,undefined -fno-sanitize-recover=all" test

fuzz: deps
	@sh tests/fuzz.sh

bench: bench-deps $(BUILD)/gongmock
	@sh bench/run.sh $(BUILD)/gongmock

bench-compare: bench-deps $(BUILD)/gongmock
	@sh bench/compare.sh "$(BASELINE)" $(BUILD)/gongmock

soak: bench-deps $(BUILD)/gongmock
	@sh bench/soak.sh $(BUILD)/gongmock

install: $(BUILD)/gongmock
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1
	install -m 755 $(BUILD)/gongmock $(DESTDIR)$(BINDIR)/gongmock
	install -m 644 docs/gongmock.1 $(DESTDIR)$(MANDIR)/man1/gongmock.1

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/gongmock $(DESTDIR)$(MANDIR)/man1/gongmock.1

# The image; docker-test also makes debian:bookworm-slim and starts a daemon when missing.
docker:
	@sh docker/build.sh $(DOCKER_IMAGE)

docker-test:
	@sh docker/test.sh $(DOCKER_IMAGE)

bench-docker: bench-deps
	@sh bench/docker.sh $(DOCKER_IMAGE)

format:
	clang-format -i server/*.c server/*.h tests/unit/*.c tests/integration/*.c tests/support/*.[ch]

clean:
	rm -rf build

-include $(wildcard $(BUILD)/obj/*.d)
