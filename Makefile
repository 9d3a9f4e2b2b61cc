# oidc-auth - top-level build. Every artifact goes under $(BUILD).
#
#   make                 core library, CLI (build/oidc-auth)
#   make check           every test; ends with "N passed, N failed"
#   make check SANITIZE=1  the same under ASan + UBSan (in build/asan)
#   make check-tsan      the tests that share a context between threads, under
#                        ThreadSanitizer (in build/tsan; same as make check TSAN=1)
#   make bench           benchmarks (BENCH lines)
#   make fuzz            libFuzzer harnesses (clang), FUZZ_SECONDS each
#   make WERROR=1        warnings are errors (CI)
#   make install         DESTDIR, PREFIX (/usr) honoured; Debian multiarch paths
#   make demo            end-to-end demo: provider, Dovecot, Postfix (root)

# The core and the plugins link no JSON library (jdoc parses, jwrite.c
# writes): a host exporting jansson's generic names (postgres exports
# json_object) must not reach into them. The CLI and the tests use jansson.
PKGS := openssl libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS))
PKG_LIBS := $(shell pkg-config --libs $(PKGS))
JANSSON_CFLAGS := $(shell pkg-config --cflags jansson)
JANSSON_LIBS := $(shell pkg-config --libs jansson)
PAM_LIBS := $(shell pkg-config --libs pam)
SASL_CFLAGS := $(shell pkg-config --cflags libsasl2)
SASL_LIBS := $(shell pkg-config --libs libsasl2)
QR_CFLAGS := $(shell pkg-config --cflags libqrencode)
QR_LIBS := $(shell pkg-config --libs libqrencode)

CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif

WARN := -Wall -Wextra -Wformat=2 -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wwrite-strings -Wimplicit-fallthrough
HARDEN := -D_FORTIFY_SOURCE=2 -fstack-protector-strong
OPT ?= -O2 -g
CSTD := -std=c11 -D_GNU_SOURCE

BUILD := build
ifeq ($(SANITIZE),1)
BUILD := build/asan
SAN := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
HARDEN := -fstack-protector-strong
OPT := -O1 -g
endif
ifeq ($(TSAN),1)
ifeq ($(SANITIZE),1)
$(error TSAN=1 and SANITIZE=1 exclude each other: run them one after the other)
endif
BUILD := build/tsan
SAN := -fsanitize=thread -fno-omit-frame-pointer
HARDEN := -fstack-protector-strong
OPT := -O1 -g
endif
ifeq ($(WERROR),1)
WARN += -Werror
endif

CFLAGS_ALL := $(CSTD) $(OPT) $(WARN) $(HARDEN) $(SAN) -fPIC -fvisibility=hidden \
	-Icommon $(PKG_CFLAGS) $(JANSSON_CFLAGS) $(QR_CFLAGS) $(CFLAGS)
LDFLAGS_ALL := $(SAN) -Wl,-z,relro,-z,now $(LDFLAGS)

CORE_SRC := $(sort $(wildcard common/*.c))
CORE_OBJ := $(CORE_SRC:%.c=$(BUILD)/obj/%.o)
CORE_LIB := $(BUILD)/liboidc-core.a

CLI_SRC := $(sort $(wildcard tools/*.c))
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
CLI := $(BUILD)/oidc-auth

UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
VEC_SRC := $(sort $(wildcard tests/vectors/vec_*.c))
VEC_BIN := $(VEC_SRC:tests/vectors/%.c=$(BUILD)/tests/%)
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/tests/replay_%)
FUZZ_BIN := $(FUZZ_SRC:tests/fuzz/%.c=$(BUILD)/fuzz/%)
BENCH_BIN := $(BUILD)/bench/bench
BENCH_IS_BIN := $(BUILD)/bench/introspect_cached
BENCH_FLOOR_BIN := $(BUILD)/bench/openssl_floor

# Adapters: thin shared objects around the core (only pam_sm_* and
# sasl_*_plug_init exported, by version script and -fvisibility=hidden).
PAM_SRC := $(sort $(wildcard pam_oidc/*.c))
PAM_OBJ := $(PAM_SRC:%.c=$(BUILD)/obj/%.o)
PAM_SO := $(BUILD)/pam_oidc.so
SASL_SRC := $(sort $(wildcard sasl_xoauth2/*.c))
SASL_OBJ := $(SASL_SRC:%.c=$(BUILD)/obj/%.o)
SASL_SO := $(BUILD)/sasl2/libsasl_xoauth2.so
ADAPTERS := $(if $(PAM_SRC),$(PAM_SO)) $(if $(SASL_SRC),$(SASL_SO))
SO_LDFLAGS := -shared -Wl,--no-undefined $(LDFLAGS_ALL)
# Each adapter links the table of the library functions it calls
# (build/gen/guard_*.c); its first link uses this empty one.
GUARD_EMPTY_OBJ := $(BUILD)/obj/gen/guard_empty.o

TEST_BINS = $(UNIT_BIN) $(VEC_BIN) $(REPLAY_BIN) $(PAM_DRIVER)
TEST_HDRS := $(wildcard tests/unit/*.h) $(wildcard tests/vectors/*.h) $(wildcard common/*.h)

.PHONY: all check check-tsan bench fuzz clean format install uninstall demo
all: $(CORE_LIB) $(CLI) $(ADAPTERS)

$(BUILD)/obj/%.o: %.c common/oidc.h common/internal.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(CORE_LIB): $(CORE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(CLI): $(CLI_OBJ) $(CORE_LIB)
	$(CC) $(LDFLAGS_ALL) -o $@ $(CLI_OBJ) $(CORE_LIB) $(PKG_LIBS) $(JANSSON_LIBS) $(QR_LIBS)

# ---- pam_oidc ------------------------------------------------------------
$(BUILD)/obj/pam_oidc/%.o: pam_oidc/%.c common/oidc.h $(wildcard pam_oidc/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(QR_CFLAGS) -MMD -MP -c $< -o $@

# tests/pam driver: a real libpam transaction from a private service folder
PAM_DRIVER := $(if $(PAM_SRC),$(BUILD)/tests/pam_driver)
$(BUILD)/tests/pam_driver: tests/pam/pam_driver.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(PAM_LIBS) $(LDFLAGS_ALL)

PAM_LINK = $(CC) $(SO_LDFLAGS) -Wl,-z,nodelete -Wl,--version-script=pam_oidc/pam_oidc.map \
	-o $@ $(PAM_OBJ) $< $(CORE_LIB) $(PKG_LIBS) $(QR_LIBS) $(PAM_LIBS)

# Linked twice: first with an empty symbol guard table, to read which
# library functions the module calls; then with the table of those
# (common/gen_guard_table.sh, oidc_guard_check).
$(BUILD)/stage1/pam_oidc.so: $(GUARD_EMPTY_OBJ) $(PAM_OBJ) $(CORE_LIB) pam_oidc/pam_oidc.map
	@mkdir -p $(dir $@)
	$(PAM_LINK)

$(PAM_SO): $(BUILD)/obj/gen/guard_pam.o $(PAM_OBJ) $(CORE_LIB) pam_oidc/pam_oidc.map
	@mkdir -p $(dir $@)
	$(PAM_LINK)

# ---- sasl_xoauth2 --------------------------------------------------------
$(BUILD)/obj/sasl_xoauth2/%.o: sasl_xoauth2/%.c common/oidc.h $(wildcard sasl_xoauth2/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) $(SASL_CFLAGS) -MMD -MP -c $< -o $@

SASL_LINK = $(CC) $(SO_LDFLAGS) -Wl,--version-script=sasl_xoauth2/sasl_xoauth2.map -o $@ \
	$(SASL_OBJ) $< $(CORE_LIB) $(PKG_LIBS) $(SASL_LIBS)

$(BUILD)/stage1/libsasl_xoauth2.so: $(GUARD_EMPTY_OBJ) $(SASL_OBJ) $(CORE_LIB) \
		sasl_xoauth2/sasl_xoauth2.map
	@mkdir -p $(dir $@)
	$(SASL_LINK)

$(SASL_SO): $(BUILD)/obj/gen/guard_sasl.o $(SASL_OBJ) $(CORE_LIB) sasl_xoauth2/sasl_xoauth2.map
	@mkdir -p $(dir $@)
	$(SASL_LINK)

# ---- symbol guard tables (oidc.h oidc_guard_check) -----------------------
GUARD_GEN := CC="$(CC)" sh common/gen_guard_table.sh

$(BUILD)/gen/guard_empty.c: common/gen_guard_table.sh
	@mkdir -p $(dir $@)
	$(GUARD_GEN) --empty >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/guard_pam.c: $(BUILD)/stage1/pam_oidc.so common/gen_guard_table.sh
	@mkdir -p $(dir $@)
	$(GUARD_GEN) $< >$@.tmp && mv $@.tmp $@

$(BUILD)/gen/guard_sasl.c: $(BUILD)/stage1/libsasl_xoauth2.so common/gen_guard_table.sh
	@mkdir -p $(dir $@)
	$(GUARD_GEN) $< >$@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c common/guard_table.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/tests/test_%: tests/unit/test_%.c $(TEST_HDRS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(CORE_LIB) $(PKG_LIBS) $(JANSSON_LIBS) \
		$(LDFLAGS_ALL)

# Unit tests of the SASL wire parser link its object (no SASL dependency).
SASL_WIRE_OBJ := $(BUILD)/obj/sasl_xoauth2/wire.o
$(BUILD)/tests/test_sasl_%: tests/unit/test_sasl_%.c $(TEST_HDRS) $(SASL_WIRE_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(SASL_WIRE_OBJ) $(CORE_LIB) $(PKG_LIBS) \
		$(JANSSON_LIBS) $(LDFLAGS_ALL)

$(BUILD)/tests/vec_%: tests/vectors/vec_%.c $(TEST_HDRS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(CORE_LIB) $(PKG_LIBS) $(JANSSON_LIBS) \
		$(LDFLAGS_ALL)

# Corpus replay: the libFuzzer harness linked with a small main, built with
# the normal compiler so make check needs no clang.
$(BUILD)/tests/replay_fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay_main.c $(TEST_HDRS) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< tests/fuzz/replay_main.c $(CORE_LIB) $(PKG_LIBS) \
		$(JANSSON_LIBS) $(LDFLAGS_ALL)

$(BUILD)/tests/replay_fuzz_sasl_%: tests/fuzz/fuzz_sasl_%.c tests/fuzz/replay_main.c $(TEST_HDRS) \
		$(SASL_WIRE_OBJ) $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< tests/fuzz/replay_main.c $(SASL_WIRE_OBJ) $(CORE_LIB) \
		$(PKG_LIBS) $(JANSSON_LIBS) $(LDFLAGS_ALL)

# ThreadSanitizer: the tests whose threads share a context or a cache (the
# whole suite would mostly test the hosts: slapd, Postfix... are not built
# with it). t_introspect runs build/tsan's test_introspect against the real
# provider, and some of its checks run build/tsan/oidc-auth. A report makes
# the program exit 66, which run.sh counts as a failure; tests/tsan.supp is
# for third-party false positives (none so far).
TSAN_TESTS := test_ctx_threads test_flight test_keysource test_tokencache \
	test_introspect t_introspect
TSAN_OPTS := halt_on_error=0 exitcode=66 second_deadlock_stack=1 \
	suppressions=$(CURDIR)/tests/tsan.supp
ifeq ($(TSAN),1)
CHECK_DEPS := $(CORE_LIB) $(CLI) $(filter $(TSAN_TESTS:%=$(BUILD)/tests/%),$(UNIT_BIN))
CHECK_ENV := RUN_ONLY="$(TSAN_TESTS)" TSAN_OPTIONS="$(TSAN_OPTS)"
else
CHECK_DEPS = all $(TEST_BINS)
CHECK_ENV :=
endif

check: $(CHECK_DEPS)
	@BUILD_DIR=$(BUILD) SANITIZE=$(SANITIZE) $(CHECK_ENV) tests/run.sh

check-tsan:
	@$(MAKE) --no-print-directory TSAN=1 check

# ---- benchmarks ----------------------------------------------------------
$(BENCH_BIN): tests/bench/bench.c tests/bench/benchutil.h $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -Itests/unit -o $@ $< $(CORE_LIB) $(PKG_LIBS) $(JANSSON_LIBS) \
		$(LDFLAGS_ALL)

$(BENCH_IS_BIN): tests/bench/introspect_cached.c tests/bench/benchutil.h $(CORE_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< $(CORE_LIB) $(PKG_LIBS) -lpthread $(LDFLAGS_ALL)

# Linked like the CLI (same libraries), for cold_process.sh.
$(BENCH_FLOOR_BIN): tests/bench/openssl_floor.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_ALL) -o $@ $< -Wl,--no-as-needed $(PKG_LIBS) $(JANSSON_LIBS) $(LDFLAGS_ALL)

bench: all $(BENCH_BIN) $(BENCH_IS_BIN) $(BENCH_FLOOR_BIN)
	@BUILD_DIR=$(BUILD) tests/bench/run.sh

# ---- fuzzing (clang + libFuzzer) -----------------------------------------
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
	-Icommon $(PKG_CFLAGS) $(JANSSON_CFLAGS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(CORE_SRC) common/oidc.h common/internal.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(CORE_SRC) $(PKG_LIBS) $(JANSSON_LIBS) $(QR_LIBS)

$(BUILD)/fuzz/fuzz_sasl_%: tests/fuzz/fuzz_sasl_%.c sasl_xoauth2/wire.c sasl_xoauth2/wire.h \
		$(CORE_SRC) common/oidc.h
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< sasl_xoauth2/wire.c $(CORE_SRC) $(PKG_LIBS) \
		$(JANSSON_LIBS) $(QR_LIBS)

fuzz: $(FUZZ_BIN)
	@set -e; for f in $(FUZZ_BIN); do \
		n=$$(basename $$f); mkdir -p $(BUILD)/fuzz/corpus-$$n; \
		echo "fuzzing $$n for $(FUZZ_SECONDS)s"; \
		$$f -max_total_time=$(FUZZ_SECONDS) -max_len=20000 \
			-artifact_prefix=$(BUILD)/fuzz/$$n- \
			$(BUILD)/fuzz/corpus-$$n tests/fuzz/corpus/$${n#fuzz_}; \
	done

# ---- install -------------------------------------------------------------
# Debian multiarch layout. Debian 12 keeps PAM modules in /lib/<triplet>/security
# (where libpam-modules puts them; with usrmerge /usr/lib/... is the same
# directory), SASL plugins in /usr/lib/<triplet>/sasl2. With another PREFIX
# the module goes to PREFIX/lib/<triplet>/security: name it by absolute path.
# The example configuration is installed only when none exists yet. Docs keep
# their paths (README.md, docs/...) so relative links between them still work.
# The cache directory is 0755: the cache of root services and the parent of
# each service user's own 0700 directory (cache_dir in oidc-auth.conf(5)).
PREFIX ?= /usr
SYSCONFDIR ?= /etc
LOCALSTATEDIR ?= /var
MULTIARCH ?= $(shell dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || \
	$(CC) -print-multiarch 2>/dev/null)
ARCHLIB := lib$(if $(MULTIARCH),/$(MULTIARCH))
BINDIR ?= $(PREFIX)/bin
LIBDIR ?= $(PREFIX)/$(ARCHLIB)
PAMDIR ?= $(if $(filter /usr,$(PREFIX)),,$(PREFIX))/$(ARCHLIB)/security
SASLDIR ?= $(LIBDIR)/sasl2
MANDIR ?= $(PREFIX)/share/man
DOCDIR ?= $(PREFIX)/share/doc/oidc-auth
CONFDIR ?= $(SYSCONFDIR)/oidc-auth
CACHEDIR ?= $(LOCALSTATEDIR)/cache/oidc-auth
INSTALL ?= install
MAN_PAGES := $(wildcard docs/man/*.1 docs/man/*.5 docs/man/*.8)
DOC_FILES := README.md examples/oidc-auth.conf $(wildcard docs/*.md docs/*/*.md)

install: all
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(CONFDIR) $(DESTDIR)$(DOCDIR)
	$(INSTALL) -m 0755 $(CLI) $(DESTDIR)$(BINDIR)/oidc-auth
ifneq ($(PAM_SRC),)
	$(INSTALL) -d $(DESTDIR)$(PAMDIR)
	$(INSTALL) -m 0644 $(PAM_SO) $(DESTDIR)$(PAMDIR)/pam_oidc.so
endif
ifneq ($(SASL_SRC),)
	$(INSTALL) -d $(DESTDIR)$(SASLDIR)
	$(INSTALL) -m 0644 $(SASL_SO) $(DESTDIR)$(SASLDIR)/libsasl_xoauth2.so
endif
	@set -e; for f in $(MAN_PAGES); do \
		d=$(DESTDIR)$(MANDIR)/man$${f##*.}; \
		echo "$(INSTALL) -m 0644 $$f $$d/"; \
		$(INSTALL) -d $$d; $(INSTALL) -m 0644 $$f $$d/; \
	done
	@set -e; for f in $(DOC_FILES); do \
		d=$(DESTDIR)$(DOCDIR)/$$(dirname $$f); \
		$(INSTALL) -d $$d; $(INSTALL) -m 0644 $$f $$d/; \
	done
	@if [ -e $(DESTDIR)$(CONFDIR)/oidc-auth.conf ]; then \
		echo "keeping existing $(DESTDIR)$(CONFDIR)/oidc-auth.conf"; \
	else \
		echo "$(INSTALL) -m 0644 examples/oidc-auth.conf $(DESTDIR)$(CONFDIR)/"; \
		$(INSTALL) -m 0644 examples/oidc-auth.conf $(DESTDIR)$(CONFDIR)/; \
	fi
	$(INSTALL) -d -m 0755 $(DESTDIR)$(CACHEDIR)

# Leaves the configuration and the cache directory alone.
uninstall:
	rm -f $(DESTDIR)$(BINDIR)/oidc-auth $(DESTDIR)$(PAMDIR)/pam_oidc.so \
		$(DESTDIR)$(SASLDIR)/libsasl_xoauth2.so
	@for f in $(notdir $(MAN_PAGES)); do \
		echo "rm -f $(DESTDIR)$(MANDIR)/man$${f##*.}/$$f"; \
		rm -f $(DESTDIR)$(MANDIR)/man$${f##*.}/$$f; \
	done
	rm -rf $(DESTDIR)$(DOCDIR)

# ---- demo: installs what is missing (root), builds, runs the flow --------
demo:
	@MAKE="$(MAKE)" examples/demo/demo.sh

format:
	clang-format -i common/*.c common/*.h tools/*.c tests/unit/*.c tests/unit/*.h

clean:
	rm -rf build

-include $(CORE_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(PAM_OBJ:.o=.d) $(SASL_OBJ:.o=.d)
