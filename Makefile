# Kinglet: build, private dev stack, tests. See README.md.
#   make run | start | stop   private MariaDB + $(SERVER) (lighttpd, apache, nginx) under $(VAR) on 127.0.0.1:$(PORT)
#   make test                 unit tests + integration tests through lighttpd and Apache mod_fcgid (ASan)
#   make test-nginx           the integration tests through nginx + spawn-fcgi
#   make install | uninstall  under $(DESTDIR)$(PREFIX) (default /usr/local) and $(DESTDIR)/etc/kinglet
#   make check | asan         -Werror + lint + format check | tests under ASan/UBSan

VAR    ?= var
PORT   ?= 8080
SET    ?=
SERVER ?= lighttpd
BUILD  ?= build
TEST_VAR  ?= var/test
TEST_PORT ?= 18080
# The web servers make test runs the integration tests through (make test-nginx: nginx).
TEST_SERVERS ?= lighttpd,apache
# make install: programs, SQL and server configurations under $(DESTDIR)$(PREFIX), the example
# configuration under $(DESTDIR)/etc/kinglet.
PREFIX  ?= /usr/local
DESTDIR ?=
KINGLET_LIB   = $(PREFIX)/lib/kinglet
KINGLET_SHARE = $(PREFIX)/share/kinglet
SERVER_CONFS  = conf/apache-kinglet.conf conf/apache-kinglet-fcgid.conf conf/apache-kinglet-body.lua conf/nginx-kinglet.conf \
                conf/kinglet-fcgi@.service conf/kinglet-webhookd.service

# Build on every core (the sub-makes share the top one's jobs).
ifeq ($(MAKELEVEL),0)
MAKEFLAGS += --jobs=$(shell nproc)
endif

CC      ?= cc
PKGS     = fcgi json-c libmariadb libcrypto
WARN     = -std=c11 -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wvla -fno-common
CFLAGS  ?= -O2 -g
ALL_CFLAGS = $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -D_GNU_SOURCE -Ilib \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -MMD -MP
LDLIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lscrypt -lm
ALL_LDFLAGS = $(LDFLAGS) $(EXTRA_LDFLAGS)

PROGRAMS  = service users messages replies threads lists webhooks
LIB_SRC   = $(wildcard lib/*.c)
LIB_OBJ   = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIB_A     = $(BUILD)/lib/libkinglet.a
BINS      = $(PROGRAMS:%=$(BUILD)/cgi-bin/%)
UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRC:%.c=$(BUILD)/%)

# kinglet-webhookd (webhookd/): the webhook delivery daemon, not a FastCGI program (libcurl's
# multi interface; API.md §11).
WEBHOOKD  = $(BUILD)/webhookd/kinglet-webhookd

# npm packages of openapi/package.json (the OpenAPI validator, Scalar's bundle for /scalar, the
# browser driver): installed from the npm registry once, again only when the pins change. Shared
# by every $(BUILD), so make check and make asan do not install them again.
NODE_DIR  ?= build/node
NODE_STAMP = $(NODE_DIR)/.installed
SCALAR_JS  = $(NODE_DIR)/node_modules/@scalar/api-reference/dist/browser/standalone.js
SCALAR     = $(BUILD)/scalar/index.html $(BUILD)/scalar/scalar.js

# make test runs the $(ASAN_SERVER) suite with the programs of $(ASAN_BUILD), built with ASan and
# UBSan: a leak or memory error in any request of the suite fails its file (tests/run).
ASAN_BUILD  ?= build-asan
ASAN_SERVER ?= apache
ASAN_MAKE    = $(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) CFLAGS='-O1 -g -fno-omit-frame-pointer' \
  EXTRA_CFLAGS='-fsanitize=address,undefined -fno-sanitize-recover=all' \
  EXTRA_LDFLAGS='-fsanitize=address,undefined'

# The programs again with -DKINGLET_FAULTS (tests/integration/t0800-faults.sh): a request header
# can fail the N-th database call. Never installed; beside $(BUILD), with its sanitizers.
FAULT_BUILD = $(BUILD)-faults

# Fuzzing: the libFuzzer targets tests/fuzz/fuzz_*.c, built with clang (ASan + UBSan) into
# $(FUZZ_BUILD). make test replays each one's corpus (tests/fuzz/corpus/NAME/) and mutates for a
# few seconds; make fuzz runs each for FUZZ_SECONDS, keeping what it finds in $(FUZZ_BUILD)/corpus.
FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_BINS     = $(patsubst %.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))

# make bench: throughput and latency against the ceiling programs (bench/README.md); not part of
# make test. BENCH_SECONDS, BENCH_10M=1 and the rest: see bench/run --help.
BENCH_BINS = $(BUILD)/bench/ceiling_static $(BUILD)/bench/ceiling_db $(BUILD)/bench/scrypt_rate \
             $(BUILD)/bench/stmt_cost $(BUILD)/bench/webhook_seal
# The messages program without the webhooks outbox statement, beside the real one in make bench
# (POST /messages with no hooks against POST /messages as before webhooks).
BENCH_NO_OUTBOX = $(MAKE) --no-print-directory BUILD=$(BUILD)/bench/no-outbox \
  EXTRA_CFLAGS='$(EXTRA_CFLAGS) -DKINGLET_BENCH_NO_OUTBOX' $(BUILD)/bench/no-outbox/cgi-bin/messages

export VAR PORT SET SERVER BUILD TEST_VAR TEST_PORT TEST_SERVERS NODE_DIR
export ASAN_BUILD ASAN_SERVER FAULT_BUILD FUZZ_BUILD

.PHONY: all deps node scalar webhookd \
	unit-bins unit fuzz fuzz-bins fuzz-merge \
	test integration test-nginx faults \
	run start stop status cluster-deps cluster-start cluster-stop cluster-status test-cluster \
	install uninstall \
	bench bench-cluster \
	check lint format format-check asan \
	clean clean-fuzz

# ---- build: the library, the programs, the OpenAPI reference page --------------------------

all: $(BINS) $(WEBHOOKD)

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

$(BUILD)/webhookd/%.o: ALL_CFLAGS += $(shell pkg-config --cflags libcurl 2>/dev/null)
$(WEBHOOKD): $(BUILD)/webhookd/webhookd.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) $(shell pkg-config --libs libcurl libssl 2>/dev/null)
webhookd: $(WEBHOOKD)

$(NODE_STAMP): openapi/package.json
	@mkdir -p $(NODE_DIR)
	cp openapi/package.json $(NODE_DIR)/package.json
	npm install --prefix $(NODE_DIR) --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@
node: $(NODE_STAMP)

# /scalar: the API reference page lighttpd serves from $(BUILD)/scalar.
$(BUILD)/scalar/index.html: openapi/scalar.html
	@mkdir -p $(dir $@)
	cp $< $@
$(BUILD)/scalar/scalar.js: $(NODE_STAMP)
	@mkdir -p $(dir $@)
	cp $(SCALAR_JS) $@
scalar: $(SCALAR)

# ---- unit and fuzz: the cmocka binaries, the libFuzzer targets ---------------------------------

$(BUILD)/tests/unit/%: $(BUILD)/tests/unit/%.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka
unit-bins: $(UNIT_BINS)
unit: unit-bins
	@tests/run --unit-only

fuzz-bins: deps
	@$(MAKE) --no-print-directory BUILD=$(FUZZ_BUILD) CC=clang CFLAGS='-O1 -g -fno-omit-frame-pointer' \
	  EXTRA_CFLAGS='-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all' \
	  EXTRA_LDFLAGS='-fsanitize=fuzzer,address,undefined' $(FUZZ_BINS)
.SECONDARY: $(FUZZ_BINS:=.o)
$(FUZZ_BUILD)/tests/fuzz/%: $(FUZZ_BUILD)/tests/fuzz/%.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
# fuzz_head routes with the programs' own tables: their objects, with main() made local so that
# libFuzzer's runs.
FUZZ_TABLES = $(PROGRAMS:%=$(FUZZ_BUILD)/cgi-bin/%.table.o)
.SECONDARY: $(FUZZ_TABLES) $(PROGRAMS:%=$(FUZZ_BUILD)/cgi-bin/%.o)
$(FUZZ_BUILD)/cgi-bin/%.table.o: $(FUZZ_BUILD)/cgi-bin/%.o
	objcopy --localize-symbol=main $< $@
$(FUZZ_BUILD)/tests/fuzz/fuzz_head: $(FUZZ_BUILD)/tests/fuzz/fuzz_head.o $(FUZZ_TABLES) $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
fuzz: fuzz-bins
	@FUZZ_SECONDS=$(FUZZ_SECONDS) tests/run --fuzz-only
# Into the committed corpora, what make fuzz found that adds coverage (libFuzzer's -merge=1).
fuzz-merge: fuzz-bins
	@for bin in $(FUZZ_BINS); do name=$${bin##*/fuzz_}; mkdir -p $(FUZZ_BUILD)/corpus/$$name; \
	  $$bin -merge=1 tests/fuzz/corpus/$$name $(FUZZ_BUILD)/corpus/$$name 2>/dev/null || exit 1; \
	  echo "$$name: $$(ls tests/fuzz/corpus/$$name | wc -l) inputs"; done

# ---- test: every tier (unit, integration through each server, ASan programs, fuzz replay) ------

test: deps fuzz-bins
	@$(MAKE) --no-print-directory all unit-bins scalar faults
	@$(ASAN_MAKE) all scalar faults
	@tests/run

faults:
	@$(MAKE) --no-print-directory BUILD=$(FAULT_BUILD) EXTRA_CFLAGS='$(EXTRA_CFLAGS) -DKINGLET_FAULTS' all

integration: all scalar
	@tests/run --integration-only
test-nginx: deps
	@$(MAKE) --no-print-directory all scalar
	@tests/run --integration-only --server nginx

# ---- stacks: the private dev stack under $(VAR) --------------------------------------------

run: deps
	@$(MAKE) --no-print-directory all scalar
	@scripts/stack.sh run
start: deps
	@$(MAKE) --no-print-directory all scalar
	@scripts/stack.sh start
stop:
	@scripts/stack.sh stop
status:
	@scripts/stack.sh status

# ---- install -------------------------------------------------------------------------------
# The recipe's last line (the static error pages) is its only use of scripts/stack-lib.sh, the
# dev stack's shell library: it goes when the programs write those pages themselves.

# The server configurations name $(PREFIX) where they say /usr/local; lighttpd's is made from
# conf/lighttpd.conf.in. The static JSON error pages (Apache's answer to requests it cannot read)
# are written by a program, from the error table in lib/err.h.
install: all
	install -d $(DESTDIR)$(KINGLET_LIB)/cgi-bin $(DESTDIR)$(KINGLET_SHARE)/sql \
	  $(DESTDIR)$(KINGLET_SHARE)/conf $(DESTDIR)/etc/kinglet
	install -m 755 $(BINS) $(DESTDIR)$(KINGLET_LIB)/cgi-bin/
	install -m 755 $(WEBHOOKD) $(DESTDIR)$(KINGLET_LIB)/kinglet-webhookd
	install -m 644 sql/*.sql $(DESTDIR)$(KINGLET_SHARE)/sql/
	install -m 755 scripts/migrate.sh $(DESTDIR)$(KINGLET_SHARE)/sql/migrate.sh
	install -m 644 conf/kinglet.conf.example $(DESTDIR)/etc/kinglet/kinglet.conf.example
	for f in $(SERVER_CONFS); do \
	  sed 's|/usr/local/|$(PREFIX)/|g' $$f >$(DESTDIR)$(KINGLET_SHARE)/conf/$${f##*/} && \
	  chmod 644 $(DESTDIR)$(KINGLET_SHARE)/conf/$${f##*/} || exit 1; \
	done
	scripts/lighttpd-kinglet.sh $(PREFIX) >$(DESTDIR)$(KINGLET_SHARE)/conf/lighttpd-kinglet.conf
	$(BUILD)/cgi-bin/service --error-pages $(DESTDIR)$(KINGLET_SHARE)/errors
uninstall:
	rm -f $(PROGRAMS:%=$(DESTDIR)$(KINGLET_LIB)/cgi-bin/%) $(DESTDIR)$(KINGLET_LIB)/kinglet-webhookd \
	  $(DESTDIR)/etc/kinglet/kinglet.conf.example
	rm -rf $(DESTDIR)$(KINGLET_SHARE)
	-rmdir $(DESTDIR)$(KINGLET_LIB)/cgi-bin $(DESTDIR)$(KINGLET_LIB) $(DESTDIR)/etc/kinglet 2>/dev/null

# ---- cluster: on loopback (README "Past one machine"), three MariaDB Galera nodes, two web
# nodes (lighttpd), HAProxy on $(PORT); under $(VAR), like make start (the web nodes on PORT+1 and
# PORT+2, the Galera nodes from PORT+11). Its packages are installed only when it is asked for.
# make test-cluster: the core integration files through HAProxy, then failover, rejoin (IST), a
# web node's death and a rolling restart under load (tests/cluster/run; not part of make test).
CLUSTER_TEST_PORT ?= 19580
cluster-deps:
	@scripts/deps.sh cluster
cluster-start: cluster-deps
	@$(MAKE) --no-print-directory all
	@scripts/cluster.sh start
cluster-stop:
	@scripts/cluster.sh stop
cluster-status:
	@scripts/cluster.sh status
test-cluster: cluster-deps
	@$(MAKE) --no-print-directory all
	@TEST_PORT=$(CLUSTER_TEST_PORT) tests/cluster/run

# ---- bench ---------------------------------------------------------------------------------

$(BUILD)/bench/%: $(BUILD)/bench/%.o $(LIB_A)
	$(CC) $(ALL_LDFLAGS) -o $@ $^ $(LDLIBS)
bench: deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@$(BENCH_NO_OUTBOX)
	@bench/run
# make bench-cluster: the stream page and POST /messages on the single stack and through HAProxy,
# two web nodes and three Galera nodes; the writer's failover time; what Galera adds to a write
# (bench/README.md "The cluster"). BENCH_SECONDS and the rest: see bench/cluster --help.
bench-cluster: deps cluster-deps
	@$(MAKE) --no-print-directory all $(BENCH_BINS)
	@bench/cluster

# ---- check: -Werror, lint (include cycles and file sizes too), format; ASan -----------------

lint:
	@scripts/lint.sh
format:
	clang-format -i lib/*.[ch] cgi-bin/*.c tests/unit/*.[ch] bench/*.c
format-check:
	clang-format --dry-run --Werror lib/*.[ch] cgi-bin/*.c tests/unit/*.[ch] bench/*.c

check: deps
	@$(MAKE) --no-print-directory BUILD=build-check EXTRA_CFLAGS=-Werror all unit-bins
	@$(MAKE) --no-print-directory lint format-check
	@$(MAKE) --no-print-directory BUILD=build-check test

# Every suite and the unit tests under ASan and UBSan.
asan: deps
	@$(ASAN_MAKE) TEST_VAR=var/test-asan test

# ---- clean ---------------------------------------------------------------------------------

clean: clean-fuzz
	rm -rf build build-*
clean-fuzz:
	rm -rf $(FUZZ_BUILD)

-include $(LIB_OBJ:.o=.d) $(BINS:=.d) $(UNIT_BINS:=.d) $(BENCH_BINS:=.d) $(FUZZ_BINS:=.d)
