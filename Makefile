# SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
# xdpcast build: BPF objects and skeletons, the userspace library and tools,
# the tests, the benchmarks, the demo. `make help` lists the targets.

CLANG ?= clang-19
BPFTOOL ?= bpftool
CC ?= gcc
# SANITIZE=1: the userspace (tools, library, tests) built with ASan and UBSan,
# into build-sanitize unless BUILD is given; the BPF object is unchanged.
SANITIZE ?=
ifeq ($(SANITIZE),1)
BUILD ?= build-sanitize
SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
endif
BUILD ?= build

ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
# -mcpu=v3: 32-bit ALU and jumps (kernel 5.1+), fewer instructions than the v1 default
BPF_CFLAGS := -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
	-Ivmlinux -Iinclude
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Iuser/lib -Iuser/agent -I$(BUILD)
CFLAGS += $(SAN_FLAGS)
LDFLAGS += $(SAN_FLAGS)
LDLIBS := -lxdp -lbpf -lelf -lz -lxxhash
AGENT_LDLIBS := -lyaml -lev -lmnl -lldns -lcurl -ljson-c -lcap-ng -lsystemd

BPF_HDRS := $(wildcard bpf/lib/*.h include/xdpcast/*.h)
LIB_SRCS := $(wildcard user/lib/*.c)
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/%.o)
AGENT_SRCS := $(wildcard user/agent/*.c)
AGENT_OBJS := $(AGENT_SRCS:%.c=$(BUILD)/%.o)
TEST_LIB_SRCS := $(wildcard tests/lib/*.c)
TEST_SRCS := $(wildcard tests/unit/*.c tests/bpf/*.c tests/agent/*.c) $(TEST_LIB_SRCS)
BENCH_BPF := floor bench_paths
# dnsload, the DNS load client of the netns tests and the soak; its message
# codec is unit-tested in the Criterion binary
DNSLOAD_SRCS := $(wildcard tests/tools/dnsload*.c)
TEST_SRCS += tests/tools/dnsload_msg.c

# a recipe that fails midway (bpftool gen skeleton > $@) must not leave a
# target that make takes as up to date next time
.DELETE_ON_ERROR:

.PHONY: FORCE all deps test check format bench demo lab-up lab-down install clean update-vmlinux help

all: $(BUILD)/xdpcast.skel.h $(BUILD)/xdpcast.bpf.o $(BUILD)/xdpcast-dp $(BUILD)/xdpcastd \
	$(BUILD)/xdpcastctl

help:
	@echo "make            build the XDP program, its skeleton, library and tools"
	@echo "make lab-up     the two-site lab (HQ, branch, core; xdpcastd on both site routers) left running; ROUTING=bird,"
	@echo "                VARIANT=bgp (an upstream over eBGP) or VARIANT=two-hq (two HQ routers)"
	@echo "make lab-down   removes it: processes, namespaces, mounts, files"
	@echo "make demo       the two-site lab under DNS load: who answers, failovers measured (docs/lab.md);"
	@echo "                KEEP=1 leaves the lab running (make lab-down), ROUTING=bird for BIRD"
	@echo "make test       every test (unit, BPF packet tests, netns end to end); needs root"
	@echo "make test SANITIZE=1  the same with the userspace built with ASan and UBSan (into"
	@echo "                build-sanitize unless BUILD= is given); SANITIZE=1 works with any target"
	@echo "make bench      per-packet cost of each path (BPF_PROG_TEST_RUN), table rebuild, check"
	@echo "                CPU, withdrawal time to an OSPF neighbour (FRR), collateral moves"
	@echo "                against kernel ECMP and resilient groups, failover time, forwarding"
	@echo "                Mpps against the kernel (scripts/bench-pps.sh), branch failover to HQ"
	@echo "                in the two-site lab (scripts/bench-branch-failover.sh)"
	@echo "make fuzz       each libFuzzer harness of tests/fuzz (clang-19, ASan+UBSan) for"
	@echo "                FUZZ_SECONDS (60) s; new inputs go to \$$(BUILD)/fuzz/new, not the corpus"
	@echo "make difftest   FRAMES=N SEED=S: N random and mutated frames (default 100000) through"
	@echo "                the program and its reference model, 0 mismatches expected; needs root"
	@echo "make check      clang-format, cppcheck, shellcheck, no include cycle in user/"
	@echo "make graph      the include graph of user/ (docs/graph/user.dot; .svg with graphviz)"
	@echo "make soak MINUTES=N  the netns lab for N minutes (default 10) under DNS load, flaps,"
	@echo "                reloads and control floods; SOAK_SECONDS=S for a short run (docs/soak.md)"
	@echo "make install    the tools (stripped; INSTALL_STRIP=0 keeps symbols), man pages, systemd"
	@echo "                unit, example config and rt_protos.d entry under PREFIX (/usr/local),"
	@echo "                SYSCONFDIR, DESTDIR... (README.md, Install); make uninstall removes them"
	@echo "make update-vmlinux  regenerate vmlinux/vmlinux.h from this kernel's BTF"

deps:
	@scripts/install-deps.sh

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/bench/%.bpf.o: bpf/bench/%.bpf.c $(BPF_HDRS) | $(BUILD)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -Ibpf -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(notdir $*) > $@

$(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(notdir $*) > $@

# What SAN_FLAGS the objects of $(BUILD) were built with: a change (SANITIZE=1
# given or not for the same BUILD) rebuilds them all instead of mixing
# sanitized and plain objects. A missing one is taken as plain (an old mtime).
$(BUILD)/sanitize.flags: FORCE | $(BUILD)
	@if [ ! -e $@ ] && [ -z '$(SAN_FLAGS)' ]; then echo > $@ && touch -d @0 $@; \
	elif [ "$$(cat $@ 2>/dev/null)" != '$(SAN_FLAGS)' ]; then echo '$(SAN_FLAGS)' > $@; fi

FORCE:

# The version (scripts/version.sh: git describe, else VERSION, else 0.0.0-unknown;
# XDPCAST_VERSION=... overrides), rewritten only when it changes: then only
# version.o is rebuilt, and a build with nothing changed rebuilds nothing.
$(BUILD)/xdpcast_version.h: FORCE | $(BUILD)
	@t="#define XDPCAST_VERSION_TEXT \"$$(scripts/version.sh)\""; \
	if [ "$$(cat $@ 2>/dev/null)" != "$$t" ]; then echo "$$t" > $@; fi

$(BUILD)/user/lib/version.o: $(BUILD)/xdpcast_version.h

$(BUILD)/user/%.o: user/%.c $(BUILD)/xdpcast.skel.h $(BUILD)/sanitize.flags $(wildcard user/lib/*.h user/agent/*.h include/xdpcast/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

# rebuilt whole: `ar rcs` alone keeps the members of sources since renamed or removed
$(BUILD)/libxdpcast.a: $(LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/libxdpcast-agent.a: $(AGENT_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/xdpcast-dp: $(BUILD)/user/xdpcast_dp.o $(BUILD)/user/xdpcast_dp_dump.o \
		     $(BUILD)/user/xdpcast_dp_decode.o $(BUILD)/libxdpcast.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -ljson-c -o $@

$(BUILD)/xdpcastd: $(BUILD)/user/xdpcastd.o $(BUILD)/libxdpcast-agent.a $(BUILD)/libxdpcast.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(AGENT_LDLIBS) $(LDLIBS) -lm -o $@

$(BUILD)/xdpcastctl: $(BUILD)/user/xdpcastctl.o $(BUILD)/user/lib/control_proto.o \
		$(BUILD)/user/lib/version.o
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -ljson-c -o $@

$(BUILD)/tests/%.o: tests/%.c $(BUILD)/xdpcast.skel.h $(BUILD)/sanitize.flags $(wildcard tests/lib/*.h user/lib/*.h user/agent/*.h include/xdpcast/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/lib -c $< -o $@

$(BUILD)/xdpcast-tests: $(TEST_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/libxdpcast-agent.a $(BUILD)/libxdpcast.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -lcriterion $(AGENT_LDLIBS) $(LDLIBS) -lpthread -lm -o $@

all: $(BUILD)/dnsload
$(DNSLOAD_SRCS:%.c=$(BUILD)/%.o): tests/tools/dnsload.h
$(BUILD)/dnsload: $(DNSLOAD_SRCS:%.c=$(BUILD)/%.o)
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -lev -lldns -ljson-c -o $@

$(BUILD)/xdpcast-bench: $(BUILD)/tests/bench/bench.o $(BUILD)/libxdpcast.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -lm -o $@

$(BUILD)/tests/bench/bench.o: $(BENCH_BPF:%=$(BUILD)/bench/%.skel.h)

$(BUILD)/xdpcast-bench-rebuild: $(BUILD)/tests/bench/bench_rebuild.o $(BUILD)/libxdpcast.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/xdpcast-bench-collateral: $(BUILD)/tests/bench/bench_collateral.o $(BUILD)/libxdpcast.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/xdpcast-failover-watch: $(BUILD)/tests/bench/failover_watch.o $(BUILD)/libxdpcast.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/xdpcast-bench-reconcile: $(BUILD)/tests/bench/bench_reconcile.o $(BUILD)/user/agent/fib.o \
		$(BUILD)/user/agent/nl.o $(BUILD)/libxdpcast.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -lmnl -o $@

# scripts/bench-pps.sh: the live-frames generator and the loader of the sink and floor forwarder
$(BUILD)/tests/bench/pps_%.o: CFLAGS += -Ibpf
$(BUILD)/tests/bench/pps_gen.o: $(BUILD)/bench/pps_gen.skel.h bpf/bench/pps.h
$(BUILD)/tests/bench/pps_load.o: $(BUILD)/bench/pps_sink.skel.h $(BUILD)/bench/pps_floor.skel.h \
	bpf/bench/pps.h

$(BUILD)/xdpcast-pps-gen: $(BUILD)/tests/bench/pps_gen.o $(BUILD)/libxdpcast.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/xdpcast-pps-load: $(BUILD)/tests/bench/pps_load.o $(BUILD)/libxdpcast.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(BUILD)/tcp-sink: $(BUILD)/tests/bench/tcp_sink.o
	$(CC) $(CFLAGS) $(LDFLAGS) $^ -lev -o $@

$(BUILD):
	@mkdir -p $@

test: deps
	@$(MAKE) --no-print-directory all $(BUILD)/xdpcast-tests
	@scripts/run-tests.sh $(BUILD)

bench: deps
	@$(MAKE) --no-print-directory all $(BUILD)/xdpcast-bench $(BUILD)/xdpcast-bench-rebuild \
		$(BUILD)/tcp-sink $(BUILD)/xdpcast-bench-reconcile $(BUILD)/xdpcast-bench-collateral \
		$(BUILD)/xdpcast-failover-watch $(BUILD)/xdpcast-pps-gen $(BUILD)/xdpcast-pps-load \
		$(BUILD)/dnsload
	@$(BUILD)/xdpcast-bench
	@$(BUILD)/xdpcast-bench-collateral
	@$(BUILD)/xdpcast-bench-rebuild
	@scripts/bench-checks.sh $(BUILD)
	@$(BUILD)/xdpcast-bench-reconcile
	@scripts/bench-withdraw.sh $(BUILD)
	@scripts/bench-failover.sh $(BUILD)
	@scripts/bench-pps.sh $(BUILD)
	@scripts/bench-branch-failover.sh $(BUILD)

.PHONY: soak
soak: deps
	@$(MAKE) --no-print-directory all
	@SOAK_MINUTES='$(MINUTES)' scripts/soak.sh $(BUILD)

# the design's story on the two-site lab (docs/lab.md); KEEP=1 leaves it up, ROUTING=bird
demo: deps
	@$(MAKE) --no-print-directory all
	@$(if $(ROUTING),SITES_ROUTING=$(ROUTING)) scripts/demo.sh $(BUILD)

# the two-site lab left running (docs/lab.md); ROUTING=bird for BIRD,
# VARIANT=bgp (an upstream over eBGP) or VARIANT=two-hq (a second HQ router)
lab-up: deps
	@$(MAKE) --no-print-directory all
	@scripts/lab-sites.sh up $(if $(filter bird,$(ROUTING)),--bird) \
		$(if $(filter-out bgp two-hq,$(VARIANT)),$(error VARIANT=$(VARIANT): bgp or two-hq)) \
		$(if $(filter bgp,$(VARIANT)),--bgp) $(if $(filter two-hq,$(VARIANT)),--two-hq) $(BUILD)

lab-down:
	@scripts/lab-sites.sh down

# ---- install, uninstall (README.md "Install"; tested by tests/install/test_install.sh) ----
# PREFIX /usr/local. SYSCONFDIR: /etc for PREFIX /usr or /usr/local, where
# xdpcastd (its default -c) and iproute2 look; else $(PREFIX)/etc, so that a
# self-contained tree (PREFIX=/opt/xdpcast) writes nothing outside it.
# DESTDIR prefixes every path (staging, packages). Binaries are stripped
# unless INSTALL_STRIP=0 or STRIP= (empty). The example configuration and the
# rt_protos.d entry are the administrator's files: never overwritten, and
# removed by uninstall only while unchanged.
PREFIX ?= /usr/local
DESTDIR ?=
ifneq ($(filter /usr /usr/local,$(PREFIX)),)
SYSCONFDIR ?= /etc
else
SYSCONFDIR ?= $(PREFIX)/etc
endif
SBINDIR ?= $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSTEMDUNITDIR ?= $(PREFIX)/lib/systemd/system
STRIP ?= strip
INSTALL_STRIP ?= 1
INSTALL ?= install
INSTALL_PROGS := xdpcastd xdpcastctl xdpcast-dp
MAN_PAGES := $(wildcard man/*.[0-9])
CONF_FILES := $(SYSCONFDIR)/xdpcast/xdpcast.yaml:docs/xdpcast.example.yaml \
	$(SYSCONFDIR)/iproute2/rt_protos.d/xdpcast.conf:scripts/rt_protos.d/xdpcast.conf
INSTALL_STRIP_FLAGS := $(if $(and $(filter-out 0,$(INSTALL_STRIP)),$(STRIP)),-s --strip-program=$(STRIP))
# the unit names /usr/sbin and /etc/xdpcast: made to name where they are installed
UNIT_SED := -e 's|/usr/sbin/xdpcast|$(SBINDIR)/xdpcast|g' -e 's|/etc/xdpcast/|$(SYSCONFDIR)/xdpcast/|g'

.PHONY: uninstall
install: all
	$(INSTALL) -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(SYSTEMDUNITDIR) \
		$(sort $(foreach p,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))))
	$(INSTALL) -m 0755 $(INSTALL_STRIP_FLAGS) $(INSTALL_PROGS:%=$(BUILD)/%) $(DESTDIR)$(SBINDIR)/
	$(foreach p,$(MAN_PAGES),$(INSTALL) -m 0644 $(p) \
		$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)) &&) true
	sed $(UNIT_SED) dist/xdpcastd.service > $(DESTDIR)$(SYSTEMDUNITDIR)/xdpcastd.service
	chmod 0644 $(DESTDIR)$(SYSTEMDUNITDIR)/xdpcastd.service
	@for c in $(CONF_FILES); do \
		dst=$(DESTDIR)$${c%%:*}; src=$${c#*:}; \
		if [ -e "$$dst" ] || [ -L "$$dst" ]; then \
			cmp -s "$$src" "$$dst" || echo "install: kept $$dst (yours; the new one is $$src)"; \
		else \
			$(INSTALL) -d "$${dst%/*}" && $(INSTALL) -m 0644 "$$src" "$$dst" && \
			echo "install: $$dst"; \
		fi || exit 1; \
	done

uninstall:
	rm -f $(INSTALL_PROGS:%=$(DESTDIR)$(SBINDIR)/%) $(DESTDIR)$(SYSTEMDUNITDIR)/xdpcastd.service \
		$(foreach p,$(MAN_PAGES),$(DESTDIR)$(MANDIR)/man$(subst .,,$(suffix $(p)))/$(notdir $(p)))
	@for c in $(CONF_FILES); do \
		dst=$(DESTDIR)$${c%%:*}; src=$${c#*:}; \
		if [ -f "$$dst" ] && [ ! -L "$$dst" ] && cmp -s "$$src" "$$dst"; then \
			rm -f "$$dst" && echo "uninstall: removed $$dst"; \
		elif [ -e "$$dst" ] || [ -L "$$dst" ]; then \
			echo "uninstall: kept $$dst (changed since install: yours)"; \
		fi; \
	done
	@rmdir $(DESTDIR)$(SYSCONFDIR)/xdpcast 2>/dev/null || true

# ---- fuzzing: tests/fuzz/, docs/testing.md "Fuzzing" ----
# libFuzzer harnesses built with clang-19, ASan and UBSan into $(FUZZ_BUILD),
# with their own objects of the library and the agent (-fsanitize=fuzzer-no-link):
# the gcc build is untouched. `make fuzz FUZZ_SECONDS=N` runs each for N
# seconds (scripts/fuzz.sh); `make test` replays the corpus and fuzzes each 20 s.
FUZZ_BUILD := $(BUILD)/fuzz
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -O1 -g -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude -Iuser/lib \
	-Iuser/agent -I$(BUILD) -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer -Wno-gnu-variable-sized-type-not-at-end # nl.c's rtvia + address
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(FUZZ_BUILD)/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJS := $(LIB_SRCS:%.c=$(FUZZ_BUILD)/%.o) $(AGENT_SRCS:%.c=$(FUZZ_BUILD)/%.o)

.PHONY: fuzz fuzz-build

$(FUZZ_BUILD)/user/%.o: user/%.c $(BUILD)/xdpcast.skel.h $(wildcard user/lib/*.h user/agent/*.h include/xdpcast/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_BUILD)/user/lib/version.o: $(BUILD)/xdpcast_version.h

$(FUZZ_BUILD)/libxdpcast-fuzz.a: $(FUZZ_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(wildcard tests/fuzz/*.h) $(FUZZ_BUILD)/libxdpcast-fuzz.a
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_BUILD)/libxdpcast-fuzz.a \
		$(AGENT_LDLIBS) $(LDLIBS) -lm -o $@

fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@scripts/fuzz.sh $(BUILD) run $(FUZZ_SECONDS)

# make test runs them too (scripts/run-tests.sh)
test: fuzz-build
# ---- end of fuzzing ----

C_SRCS = $(shell git ls-files '*.c' '*.h' 2>/dev/null | grep -v '^vmlinux/')

format:
	clang-format -i $(C_SRCS)

check:
	@BUILD='$(BUILD)' scripts/check.sh

update-vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

clean:
	rm -rf $(BUILD)

# --- differential packet test (tests/diff/): the program against a plain-C model ---
# `make difftest FRAMES=1000000 SEED=123`; `make test` runs 100,000 frames of it
# (scripts/run-tests.sh). Its model is built from the ABI header only, never bpf/.
FRAMES ?= 100000
SEED ?=
DIFF_SRCS := $(wildcard tests/diff/*.c)

.PHONY: difftest

$(BUILD)/tests/diff/%.o: tests/diff/%.c $(BUILD)/xdpcast.skel.h $(BUILD)/sanitize.flags \
		$(wildcard tests/diff/*.h user/lib/*.h include/xdpcast/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests/diff -c $< -o $@

$(BUILD)/xdpcast-difftest: $(DIFF_SRCS:%.c=$(BUILD)/%.o) $(BUILD)/libxdpcast.a
	$(CC) $(CFLAGS) $(LDFLAGS) $^ $(LDLIBS) -o $@

difftest: deps
	@$(MAKE) --no-print-directory $(BUILD)/xdpcast-difftest
	@$(BUILD)/xdpcast-difftest --frames $(FRAMES) $(if $(SEED),--seed $(SEED))

test: $(BUILD)/xdpcast-difftest

# The include graph of user/ (scripts/graph.sh): docs/graph/user.dot, and
# user.svg when graphviz is installed; `make check` fails on a cycle in it.
.PHONY: graph
graph:
	@scripts/graph.sh
