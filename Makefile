# Kinglet: build, private dev stack, tests. See README.md.
#   make run | start | stop   private MariaDB + lighttpd under $(VAR) on 127.0.0.1:$(PORT)
#   make test                 unit tests + integration tests through real servers
#   make check | asan         -Werror + lint + format check | tests under ASan/UBSan

VAR    ?= var
PORT   ?= 8080
SET    ?=
SERVER ?= lighttpd
BUILD  ?= build
TEST_VAR  ?= var/test
TEST_PORT ?= 18080

CC      ?= cc
PKGS     = fcgi json-c libmariadb
WARN     = -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -fno-common
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -D_GNU_SOURCE -Ilib \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -MMD -MP
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lscrypt -lm
ALL_LDFLAGS = $(LDFLAGS) $(EXTRA_LDFLAGS)

PROGRAMS  = service users messages replies threads lists
LIB_SRC   = $(wildcard lib/*.c)
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB_A     = $(BUILD)/lib/libkinglet.a
BINS      = $(PROGRAMS:%=$(BUILD)/cgi-bin/%)
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRC:%.c=$(BUILD)/%)

export VAR PORT SET SERVER BUILD TEST_VAR TEST_PORT

.PHONY: all deps run start stop status test unit integration check lint format format-check asan clean \
	faults
all: $(BINS)

deps:
	@scripts/deps.sh

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(LIB_A): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/cgi-bin/%: $(BUILD)/cgi-bin/%.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/stack.sh run
start: deps
	@$(MAKE) --no-print-directory all
	@scripts/stack.sh start
stop:
	@scripts/stack.sh stop
status:
	@scripts/stack.sh status

test: deps
	@$(MAKE) --no-print-directory all unit-bins faults
	@tests/run

# The programs again with -DKINGLET_FAULTS (tests/integration/t0800-faults.sh): a request header
# can fail the N-th database call. Never installed; beside $(BUILD), with its sanitizers.
FAULT_BUILD = $(BUILD)-faults
export FAULT_BUILD
faults:
	@$(MAKE) --no-print-directory BUILD=$(FAULT_BUILD) EXTRA_CFLAGS='$(EXTRA_CFLAGS) -DKINGLET_FAULTS' all

unit-bins: $(UNIT_BINS)
unit: unit-bins
	@tests/run --unit-only
integration: all
	@tests/run --integration-only

lint:
	@scripts/lint.sh
format:
	clang-format -i lib/*.[ch] cgi-bin/*.c tests/unit/*.[ch]
format-check:
	clang-format --dry-run --Werror lib/*.[ch] cgi-bin/*.c tests/unit/*.[ch]

check: deps
	@$(MAKE) --no-print-directory BUILD=build-check EXTRA_CFLAGS=-Werror all unit-bins
	@$(MAKE) --no-print-directory lint format-check
	@$(MAKE) --no-print-directory BUILD=build-check test

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan CFLAGS='-O1 -g -fno-omit-frame-pointer' \
	  EXTRA_CFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all' \
	  EXTRA_LDFLAGS='-fsanitize=address,undefined' TEST_VAR=var/test-asan test

clean:
	rm -rf build build-check build-asan

-include $(LIB_OBJ:.o=.d) $(BINS:=.d) $(UNIT_BINS:=.d)
