# certauthz: build, test and demo.
#
#   make demo      installs what is missing, builds, runs a demo on 127.0.0.1
#   make test      installs what is missing, builds, runs the t/ suite
#   make           builds build/ngx_http_certauthz_module.so
#   make bench     the benchmark suite (docs/benchmarks.md)
#   make test-asan the suite with an ASan+UBSan module, then a short fuzz run
#   make test-valgrind  the suite under valgrind memcheck
#   make fuzz      libFuzzer harnesses in fuzz/ (FUZZ_SECONDS=N each)
#   make soak      five minutes of traffic, reloads, CRL swaps and kills
#
# NGINX_SRC is the nginx source tree to build against: by default the one
# Debian's nginx-dev ships for the system nginx; any full nginx source tree
# works too (make NGINX_SRC=/path/to/nginx-1.x.y), and then that tree's own
# nginx binary is built and used by the tests.

SHELL       := /bin/bash
NGINX_SRC   ?= /usr/share/nginx/src
CC          ?= cc

BUILD       := $(CURDIR)/build
TREE        := $(BUILD)/nginx
MODULE      := $(BUILD)/ngx_http_certauthz_module.so
STAMP        = $(TREE)/.certauthz-configured-$(BUILD_GOAL)

# Debian's tree holds headers and conf_flags only: build just the module
# with the flags the system nginx was built with.  A full tree builds its
# own nginx too.
DEBIAN_TREE := $(wildcard $(NGINX_SRC)/conf_flags)

ifneq ($(DEBIAN_TREE),)
NGINX_BIN   ?= /usr/sbin/nginx
BUILD_GOAL  := modules
else
NGINX_BIN   ?= $(TREE)/objs/nginx
BUILD_GOAL  := build
endif

# what our own sources are held to; nginx's own flags come first
WARN        := -Wall -Wextra -Werror -Wno-unused-parameter

CC_OPT      := -g -O2 -fstack-protector-strong -Wformat \
               -Werror=format-security -fPIC -D_FORTIFY_SOURCE=2
LD_OPT      := -Wl,-z,relro -Wl,-z,now -fPIC
# make SANITIZE=1: the module with AddressSanitizer and UBSan (test-asan);
# any finding stops the process that makes it
ifeq ($(SANITIZE),1)
CC_OPT      += -fsanitize=address,undefined -fno-sanitize-recover=all \
               -fno-omit-frame-pointer
LD_OPT      += -fsanitize=address,undefined
endif

FULL_FLAGS  := --with-compat --with-debug --with-threads --with-pcre-jit \
               --with-http_ssl_module --with-http_v2_module \
               --with-http_dav_module

SOURCES     := config ngx_http_certauthz_module.c $(wildcard src/*.[ch])

# Debian packages the build, the tests and the demo need
PACKAGES    := nginx nginx-dev libpcre2-dev libssl-dev zlib1g-dev gcc make \
               libc6-dev openssl curl perl libtest-base-perl \
               libtest-longstring-perl liblist-moreutils-perl \
               libtext-diff-perl libwww-perl libipc-run-perl \
               libhttp-message-perl

# and what "make bench" needs besides
BENCH_PACKAGES := wrk valgrind libnginx-mod-http-lua procps util-linux python3

# and what the sanitizer builds and the fuzzers need
FUZZ_PACKAGES := clang libclang-rt-14-dev llvm libasan8 libubsan1 valgrind \
                 dpkg-dev xz-utils
FUZZ_SECONDS  ?= 60

PROVE       ?= prove
PROVE_FLAGS ?= -r

export TEST_NGINX_BINARY       ?= $(NGINX_BIN)
export TEST_NGINX_LOAD_MODULES ?= $(MODULE)

.PHONY: all deps bench-deps fuzz-deps build test test-asan asan-suite \
        test-valgrind demo demo-stop bench fuzz soak clean

all: build

# install the Debian packages of $(1) that are missing
define install
	@missing=; \
	for p in $(1); do \
	    dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null \
	        | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "certauthz: installing Debian packages:$$missing"; \
	    if [ "$$(id -u)" != 0 ]; then \
	        echo "certauthz: run as root, or install them yourself" >&2; \
	        exit 1; \
	    fi; \
	    export DEBIAN_FRONTEND=noninteractive; \
	    apt-get update -qq && \
	    apt-get install -y -qq --no-install-recommends $$missing \
	        >/dev/null || exit 1; \
	fi
endef

deps:
	$(call install,$(PACKAGES))

bench-deps:
	$(call install,$(BENCH_PACKAGES))

fuzz-deps:
	$(call install,$(FUZZ_PACKAGES))

$(STAMP): config Makefile
	@test -d "$(NGINX_SRC)/src/http" || { \
	    echo "certauthz: no nginx source tree at $(NGINX_SRC)" >&2; \
	    exit 1; }
	rm -rf $(TREE)
	mkdir -p $(BUILD)
	cp -a $(NGINX_SRC) $(TREE)
	rm -rf $(TREE)/objs $(TREE)/Makefile
	cd $(TREE) && \
	if [ -f conf_flags ]; then \
	    . ./conf_flags && \
	    CC="$(CC)" ./configure "$${NGX_CONF_FLAGS[@]}" \
	        --with-cc-opt="$(CC_OPT)" --with-ld-opt="$(LD_OPT)" \
	        --add-dynamic-module=$(CURDIR) >$(BUILD)/configure.log; \
	else \
	    conf=./configure; [ -x $$conf ] || conf=./auto/configure; \
	    CC="$(CC)" $$conf $(FULL_FLAGS) --with-cc-opt="-fPIC" \
	        --add-dynamic-module=$(CURDIR) >$(BUILD)/configure.log; \
	fi || { tail -20 $(BUILD)/configure.log; exit 1; }
	touch $@

$(MODULE): $(STAMP) $(SOURCES)
	cd $(TREE) && $(MAKE) -s -f objs/Makefile $(BUILD_GOAL) \
	    CFLAGS="$$(sed -n 's/^CFLAGS = //p' objs/Makefile) $(WARN)"
	cp $(TREE)/objs/ngx_http_certauthz_module.so $@.tmp
	mv -f $@.tmp $@    # a running nginx keeps the file it loaded

# a sub-make: what deps installed (nginx-dev's tree) is looked at afresh
build: deps
	@$(MAKE) --no-print-directory $(MODULE)

test: build
	$(PROVE) $(PROVE_FLAGS) t

# The whole suite against a module built with ASan and UBSan, loaded by the
# system nginx with the ASan runtime preloaded (t/lib/nginx-sanitized),
# then 30 seconds of each fuzzer.  Reports land in build/asan/reports and
# fail the target; leaks are left to test-valgrind (docs/security.md).
ASAN_BUILD  := $(CURDIR)/build/asan
ASAN_OPTS    = log_path=$(BUILD)/reports/asan:detect_leaks=0:halt_on_error=1
UBSAN_OPTS   = log_path=$(BUILD)/reports/ubsan:print_stacktrace=1:halt_on_error=1

test-asan: deps fuzz-deps
	$(MAKE) --no-print-directory BUILD=$(ASAN_BUILD) SANITIZE=1 asan-suite
	FUZZ_SECONDS=30 bash fuzz/run.sh

asan-suite: $(MODULE)
	rm -rf $(BUILD)/reports
	mkdir -p -m 1777 $(BUILD)/reports    # workers run as nobody
	CERTAUTHZ_NGINX="$(NGINX_BIN)" \
	CERTAUTHZ_PRELOAD="$$($(CC) -print-file-name=libasan.so)" \
	ASAN_OPTIONS="$(ASAN_OPTS)" UBSAN_OPTIONS="$(UBSAN_OPTS)" \
	TEST_NGINX_BINARY="$(CURDIR)/t/lib/nginx-sanitized" \
	$(PROVE) $(PROVE_FLAGS) t; rc=$$?; \
	bash t/lib/sanitizer-reports.sh $(BUILD)/reports || rc=1; exit $$rc

# The suite with nginx under valgrind memcheck (TEST_NGINX_USE_VALGRIND, as
# in Test::Nginx): the project runner fails a block on any error or definite
# leak; slow (about half an hour)
test-valgrind: build
	$(call install,valgrind)
	TEST_NGINX_USE_VALGRIND=1 TEST_NGINX_TIMEOUT=20 $(PROVE) $(PROVE_FLAGS) t

demo: build
	bash demo/run.sh "$(NGINX_BIN)" "$(MODULE)"

demo-stop:
	bash demo/run.sh --stop "$(NGINX_BIN)"

# BENCH_QUICK=1 for a two-minute smoke run; see docs/benchmarks.md
bench: build bench-deps
	bash bench/run.sh "$(NGINX_BIN)" "$(MODULE)"

# libFuzzer harnesses against a clang build of nginx 1.22.1 (docs/security.md)
fuzz: deps fuzz-deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash fuzz/run.sh

# bounded, loopback only, stops by itself (docs/security.md)
soak: build bench-deps
	bash soak/run.sh "$(NGINX_BIN)" "$(MODULE)"

clean:
	rm -rf $(BUILD) t/servroot t/pki
