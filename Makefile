# Weijian — build, run and test. See README.md.
#
#   make              build ./weijian (release)
#   make run          install deps, build, create var/weijian.db with the demo city, serve :8080
#   make check        the whole suite: unit + API tests on SQLite and PostgreSQL under
#                     AddressSanitizer + UndefinedBehaviorSanitizer, fuzzing, browser tests
#   make check-fast   unit + API tests on SQLite, no sanitizers (the inner loop)
#   make valgrind     unit tests under valgrind
#   make bench        benchmarks (see BENCHMARKS.md)

CC      ?= gcc
CSTD    := -std=c17 -D_GNU_SOURCE
# Truncating snprintf into fixed buffers (error paths, log fields) is deliberate: no -Wformat-truncation.
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers -Wno-format-truncation
PKGS    := libmicrohttpd jansson sqlite3 libpq libsodium xlsxwriter readosm opencc icu-uc icu-i18n
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm

CORE_SRC    := $(wildcard src/core/*.c)
MODULE_SRC  := $(wildcard src/modules/*.c)
CLI_SRC     := $(wildcard src/cli/*.c)
MIGRATIONS  := $(sort $(wildcard db/migrations/*.sql))
WEB_DIRS    := $(shell find web -type d 2>/dev/null)
WEB_FILES   := $(shell find web -type f ! -name '.*' 2>/dev/null)
MIG_GEN     := build/gen/migrations.c
WEB_GEN     := build/gen/web_assets.c
GEN_SRC     := $(MIG_GEN) $(WEB_GEN)
LIB_SRC     := $(CORE_SRC) $(MODULE_SRC) $(GEN_SRC)
UNIT_SRC    := $(wildcard tests/unit/test_*.c)

# Variants: release (what users run), test (test clock, no sanitizers), asan (sanitizers).
release_CFLAGS := -O2 -g
test_CFLAGS    := -O1 -g -DWJ_TESTING
asan_CFLAGS    := -O1 -g -DWJ_TESTING -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
release_LDFLAGS :=
test_LDFLAGS    :=
asan_LDFLAGS    := -fsanitize=address,undefined

.PHONY: all run check check-fast valgrind fuzz bench clean deps unit-test unit-asan api-sqlite api-pg format-check
all: weijian

deps:
	@scripts/install-deps

$(MIG_GEN): $(MIGRATIONS) scripts/embed-migrations.sh
	@mkdir -p $(dir $@)
	scripts/embed-migrations.sh $@ $(MIGRATIONS)

# The console: web/ and the vendored npm files (node_modules/, from package-lock.json).
$(WEB_GEN): $(WEB_DIRS) $(WEB_FILES) package-lock.json scripts/embed-web.sh
	@mkdir -p $(dir $@)
	scripts/embed-web.sh $@

define variant
build/$(1)/%.o: %.c $$(wildcard src/core/*.h src/modules/*.h src/cli/*.h)
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CSTD) $$(WARN) $$($(1)_CFLAGS) $$(PKG_CFLAGS) -Isrc/core -c $$< -o $$@

build/$(1)/lib.a: $$(patsubst %.c,build/$(1)/%.o,$$(LIB_SRC))
	@rm -f $$@
	ar rcs $$@ $$^

build/$(1)/weijian: $$(patsubst %.c,build/$(1)/%.o,$$(CLI_SRC)) build/$(1)/lib.a
	$$(CC) $$($(1)_LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)

build/$(1)/unit: $$(patsubst %.c,build/$(1)/%.o,$$(UNIT_SRC)) build/$(1)/lib.a
	$$(CC) $$($(1)_LDFLAGS) -o $$@ $$^ $$(PKG_LIBS) -lcmocka
endef
$(eval $(call variant,release))
$(eval $(call variant,test))
$(eval $(call variant,asan))

# The generated file lives in build/gen; its objects go under build/<variant>/build/gen.
weijian: build/release/weijian
	rm -f $@ && cp $< $@  # rm first: a running ./weijian must not block the copy

run: deps
	@$(MAKE) --no-print-directory weijian
	@scripts/run-demo

check: deps
	@$(MAKE) --no-print-directory build/asan/weijian build/asan/unit build/release/weijian
	@scripts/check --full

check-fast:
	@$(MAKE) --no-print-directory build/test/weijian build/test/unit
	@scripts/check --fast

valgrind: build/test/unit
	valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite ./build/test/unit

fuzz:
	@scripts/fuzz 30

bench: weijian
	bench/http/bench.sh
	bench/mpi/bench.sh
	bench/booking/bench.sh

format-check:
	clang-format --dry-run -Werror $(CORE_SRC) $(MODULE_SRC) $(CLI_SRC) src/core/*.h src/modules/*.h

clean:
	rm -rf build weijian
