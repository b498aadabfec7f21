# certauthz: build, test, install, package.
#
#   make demo      installs what is missing (Debian), builds, runs a demo on
#                  127.0.0.1
#   make test      installs what is missing (Debian), builds, runs the t/ suite
#   make           only builds build/ngx_http_certauthz_module.so and
#                  build/ngx_stream_certauthz_module.so (no dpkg, no apt:
#                  any machine with a compiler and the headers)
#   make install   into the modules path of the nginx on PATH (NGINX=...,
#                  DESTDIR=...)
#   make deb       installs what is missing (Debian: debhelper, lintian,
#                  nginx-dev, ...), then the Debian packages with
#                  dh-sequence-nginx, into build/deb, checked by lintian
#   make deb-check make deb, then both packages installed into the system
#                  nginx, their docs, nginx -t, purged (root)
#   make matrix NGINX_TREES="dir ..."  the suite against each nginx tree
#   make bench     the benchmark suite (docs/benchmarks.md)
#   make bench-stream  the stream module's cost per TLS connection
#   make test-asan the suite with an ASan+UBSan module, then a short fuzz run
#   make test-valgrind  the suite under valgrind memcheck
#   make fuzz      libFuzzer harnesses in fuzz/ (FUZZ_SECONDS=N each)
#   make soak      five minutes of traffic, reloads, CRL swaps and kills,
#                  and live stream sessions revoked and restored
#
# NGINX_SRC is the nginx source tree to build against: by default the one
# Debian's nginx-dev ships for the system nginx; any full nginx source tree
# works too (make NGINX_SRC=/path/to/nginx-1.x.y), and then that tree's own
# nginx binary is built and used by the tests.
#
# A module loads only into an nginx of the same version configured with
# compatible arguments (--with-threads in one and not the other: dlopen()
# ... undefined symbol).  A full tree is configured with FULL_FLAGS below,
# or with those of the nginx that will load the module:
#   make NGINX_SRC=/path/to/nginx-1.x.y \
#        NGINX_CONFIGURE_ARGS="$(nginx -V 2>&1 | sed -n 's/^configure arguments: //p')"
# (other modules' --add-module/--add-dynamic-module and nginx's own
# =dynamic modules but stream are left out; they do not change what the
# module links against).  make compat NGINX=/path/to/nginx says in words
# what differs between the build and that nginx, and lets it load the
# modules; make install does the same first.
#
# Targets that install Debian packages first (demo, test, deb, deb-check,
# test-asan, test-valgrind, fuzz, bench*, soak, matrix; each says which
# packages and where apt-get's output goes, build/apt-get.log) run the
# build in a sub-make, so that what the packages bring (nginx-dev's tree)
# is looked at after they are installed, never before.

SHELL       := /bin/bash
NGINX_SRC   ?= /usr/share/nginx/src
CC          ?= cc
VERSION     := $(shell cat $(CURDIR)/VERSION)

# the nginx that "make install" installs for
NGINX       ?= nginx

# a full tree's configure arguments instead of FULL_FLAGS (see above)
NGINX_CONFIGURE_ARGS ?=
export NGINX_CONFIGURE_ARGS

BUILD       := $(CURDIR)/build
TREE        := $(BUILD)/nginx
MODULE      := $(BUILD)/ngx_http_certauthz_module.so
STREAM_MODULE := $(BUILD)/ngx_stream_certauthz_module.so
STAMP        = $(TREE)/.certauthz-configured-$(BUILD_KIND)
# NGINX_CONFIGURE_ARGS as the tree was last configured with: a change
# configures it again
ARGS_FILE    = $(BUILD)/.nginx-configure-args

# Debian's tree holds headers and conf_flags only: build just the module
# with the flags the system nginx was built with.  A full tree builds its
# own nginx too.
DEBIAN_TREE := $(wildcard $(NGINX_SRC)/conf_flags)

# Debian's stream is a dynamic module of its own (libnginx-mod-stream),
# which the conf_flags do not name: the build adds it, and the tests load
# it before certauthz's stream module
STREAM_FLAGS := --with-stream=dynamic --with-stream_ssl_module

ifneq ($(DEBIAN_TREE),)
NGINX_BIN   ?= /usr/sbin/nginx
BUILD_KIND  := modules
BUILD_GOAL  := objs/ngx_http_certauthz_module.so \
               objs/ngx_stream_certauthz_module.so
SYSTEM_STREAM := /usr/lib/nginx/modules/ngx_stream_module.so
else
NGINX_BIN   ?= $(TREE)/objs/nginx
BUILD_KIND  := full
BUILD_GOAL  := build
endif

# what our own sources are held to; nginx's own flags come first
WARN        := -Wall -Wextra -Werror -Wno-unused-parameter
# a module's functions are not replaced by another object's at run time:
# calls between its files may be direct, and small ones inlined (-fPIC
# alone makes each such call go through the PLT)
OPT         := -fno-semantic-interposition

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

FULL_TREE   := $(if $(DEBIAN_TREE),,full)

FULL_FLAGS  := --with-compat --with-debug --with-threads --with-pcre-jit \
               --with-http_ssl_module --with-http_v2_module \
               --with-http_dav_module --with-stream --with-stream_ssl_module \
               --with-stream_ssl_preread_module

# nginx before 1.20.2 (1.21.2 mainline) does not yet define
# OPENSSL_SUPPRESS_DEPRECATED itself, and its own -Werror stops on OpenSSL
# 3.0's deprecations in its own code: define it for such a tree, as later
# nginx does in ngx_event_openssl.h (defining it twice would be an error)
FULL_CC_OPT := $(strip -fPIC $(if $(shell grep -s OPENSSL_SUPPRESS_DEPRECATED \
               $(NGINX_SRC)/src/event/ngx_event_openssl.h),,\
               -DOPENSSL_SUPPRESS_DEPRECATED))

SOURCES     := config ngx_http_certauthz_module.c $(wildcard src/*.[ch]) \
               $(wildcard src/crl/*.[ch])

# a Debian-family machine: packages are installed with apt
HAVE_APT    := $(shell command -v dpkg-query >/dev/null 2>&1 \
                 && command -v apt-get >/dev/null 2>&1 && echo yes)

# Debian packages the build, the tests and the demo need (apache2 and
# haproxy: the migration guide's equivalence tests run them, python3-yaml
# checks the docs' YAML, procps: pgrep in t/147, python3-cryptography:
# the crafted CRLs of t/136 (t/lib/mkscope.py), python3-websockets and
# python3-grpcio: the WebSocket and gRPC servers and clients of t/196;
# installing starts no service, see policy-rc.d in "install")
PACKAGES    := nginx nginx-dev libnginx-mod-stream libpcre2-dev mosquitto \
               mosquitto-clients libssl-dev zlib1g-dev gcc make \
               libc6-dev openssl curl perl libtest-base-perl \
               libtest-longstring-perl liblist-moreutils-perl \
               libtext-diff-perl libwww-perl libipc-run-perl \
               libhttp-message-perl apache2 haproxy python3-yaml procps \
               python3-cryptography libcurl4-openssl-dev python3-websockets \
               python3-grpcio

# and what "make bench" needs besides
BENCH_PACKAGES := wrk valgrind libnginx-mod-http-lua nghttp2-client procps \
                  util-linux python3

# and what "make matrix" needs besides: nginx before 1.21.5 takes only PCRE1
MATRIX_PACKAGES := libpcre3-dev

# and what "make deb" needs
DEB_PACKAGES := debhelper dpkg-dev nginx-dev libnginx-mod-stream lintian \
                libpcre2-dev \
                libssl-dev zlib1g-dev libcurl4-openssl-dev

# and what the sanitizer builds and the fuzzers need
FUZZ_PACKAGES := clang libclang-rt-14-dev llvm libasan8 libubsan1 valgrind \
                 dpkg-dev xz-utils
FUZZ_SECONDS  ?= 60

PROVE       ?= prove
PROVE_FLAGS ?= -r

export TEST_NGINX_BINARY       ?= $(NGINX_BIN)
export TEST_NGINX_LOAD_MODULES ?= $(SYSTEM_STREAM) $(MODULE) $(STREAM_MODULE)

.PHONY: all check deps bench-deps fuzz-deps deb-deps build run-tests test \
        test-asan asan-suite test-valgrind demo run-demo demo-stop install \
        compat FORCE \
        deb deb-check matrix bench bench-crl bench-stream bench-metrics fuzz \
        soak clean promtool

all: build

# install the Debian packages of $(1) that are missing; elsewhere, say
# that the equivalents are needed and go on (make only builds needs none).
# A policy-rc.d that refuses, while apt runs, keeps the packages' services
# (nginx, apache2, haproxy, mosquitto) from starting on ports of their own
define install
	@if [ "$(HAVE_APT)" != yes ]; then \
	    echo "certauthz: no dpkg/apt here: install yourself what" \
	         "these Debian packages provide: $(strip $(1))"; \
	    exit 0; \
	fi; \
	missing=; \
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
	    if [ ! -e /usr/sbin/policy-rc.d ]; then \
	        trap 'rm -f /usr/sbin/policy-rc.d' EXIT; \
	        printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d; \
	        chmod 755 /usr/sbin/policy-rc.d; \
	    fi; \
	    mkdir -p $(BUILD); log=$(BUILD)/apt-get.log; \
	    echo "certauthz: apt-get update; apt's output: $$log"; \
	    apt-get update -qq >$$log 2>&1 || { tail -20 $$log >&2; exit 1; }; \
	    n=$$(apt-get install -s --no-install-recommends $$missing 2>/dev/null \
	         | grep -c '^Inst '); \
	    [ "$$n" = 1 ] && n="1 package" || n="$$n packages"; \
	    echo "certauthz: apt-get install:$$missing ($$n in all, with" \
	         "what they depend on; this can take minutes)"; \
	    apt-get install -y -qq --no-install-recommends $$missing \
	        >>$$log 2>&1 || { tail -20 $$log >&2; \
	        echo "certauthz: apt-get install failed, see $$log" >&2; exit 1; }; \
	fi
endef

# promtool, for t/200-metrics.t: Debian's prometheus package unpacked into
# build/tools rather than installed (installing it starts a Prometheus
# server); none there: that test says so and skips its promtool check
PROMTOOL := $(CURDIR)/build/tools/usr/bin/promtool

promtool:
	@if command -v promtool >/dev/null 2>&1 || [ -x $(PROMTOOL) ] \
	    || [ "$(HAVE_APT)" != yes ]; then exit 0; fi; \
	echo "certauthz: unpacking promtool (Debian package prometheus) into build/tools"; \
	rm -rf $(CURDIR)/build/tools/deb && mkdir -p $(CURDIR)/build/tools/deb && \
	cd $(CURDIR)/build/tools/deb && \
	{ apt-get download prometheus >/dev/null 2>&1 \
	  || { apt-get update -qq && apt-get download prometheus >/dev/null 2>&1; }; } && \
	dpkg-deb -x prometheus_*.deb $(CURDIR)/build/tools && \
	rm -rf $(CURDIR)/build/tools/deb \
	|| echo "certauthz: cannot fetch the prometheus package: t/200-metrics.t skips its promtool check"

deps:
	$(call install,$(PACKAGES))

bench-deps:
	$(call install,$(BENCH_PACKAGES))

fuzz-deps:
	$(call install,$(FUZZ_PACKAGES))

deb-deps:
	$(call install,$(DEB_PACKAGES))

# what a build needs, each missing piece named with its package
check:
	@bash mk/check-build.sh "$(NGINX_SRC)" "$(CC)" $(FULL_TREE)

$(ARGS_FILE): FORCE
	@mkdir -p $(BUILD); \
	printf '%s\n' "$$NGINX_CONFIGURE_ARGS" | cmp -s - $@ \
	    || printf '%s\n' "$$NGINX_CONFIGURE_ARGS" > $@

$(STAMP): config Makefile $(ARGS_FILE) | check
	rm -rf $(TREE)
	mkdir -p $(BUILD)
	cp -a $(NGINX_SRC) $(TREE)
	rm -rf $(TREE)/objs $(TREE)/Makefile
	cd $(TREE) && \
	if [ -f conf_flags ]; then \
	    if [ -n "$$NGINX_CONFIGURE_ARGS" ]; then \
	        echo "certauthz: NGINX_CONFIGURE_ARGS left aside: $(NGINX_SRC)" \
	             "is nginx-dev's tree, configured with the system nginx's" \
	             "own arguments (conf_flags)"; \
	    fi; \
	    . ./conf_flags && \
	    CC="$(CC)" ./configure "$${NGX_CONF_FLAGS[@]}" $(STREAM_FLAGS) \
	        --with-cc-opt="$(CC_OPT)" --with-ld-opt="$(LD_OPT)" \
	        --add-dynamic-module=$(CURDIR) >$(BUILD)/configure.log; \
	elif [ -n "$$NGINX_CONFIGURE_ARGS" ]; then \
	    conf=./configure; [ -x $$conf ] || conf=./auto/configure; \
	    eval "given=($$NGINX_CONFIGURE_ARGS)" && args=() && ccopt= && \
	    for a in "$${given[@]}"; do \
	        case $$a in \
	        --with-stream=dynamic) args+=("$$a");; \
	        --add-module=*|--add-dynamic-module=*) \
	            echo "certauthz: configure: leaving out $$a (another" \
	                 "module's source)";; \
	        --with-*=dynamic) \
	            echo "certauthz: configure: leaving out $$a (a dynamic" \
	                 "module of nginx's own; certauthz does not link" \
	                 "against it)";; \
	        --with-cc-opt=*) ccopt="$${a#--with-cc-opt=}";; \
	        *) args+=("$$a");; \
	        esac; \
	    done && \
	    for w in $(FULL_CC_OPT); do \
	        case " $$ccopt " in *" $$w "*) ;; *) ccopt="$${ccopt:+$$ccopt }$$w";; esac; \
	    done && \
	    echo "certauthz: configure $(NGINX_SRC) with NGINX_CONFIGURE_ARGS:" \
	         "$${args[*]@Q} --with-cc-opt='$$ccopt'" && \
	    CC="$(CC)" $$conf "$${args[@]}" --with-cc-opt="$$ccopt" \
	        --add-dynamic-module=$(CURDIR) >$(BUILD)/configure.log; \
	else \
	    conf=./configure; [ -x $$conf ] || conf=./auto/configure; \
	    CC="$(CC)" $$conf $(FULL_FLAGS) --with-cc-opt="$(FULL_CC_OPT)" \
	        --add-dynamic-module=$(CURDIR) >$(BUILD)/configure.log; \
	fi || { tail -20 $(BUILD)/configure.log; exit 1; }
	touch $@

$(MODULE): $(STAMP) $(SOURCES)
	cd $(TREE) && $(MAKE) -s -f objs/Makefile $(BUILD_GOAL) \
	    CFLAGS="$$(sed -n 's/^CFLAGS = //p' objs/Makefile) $(WARN) $(OPT)"
	cp $(TREE)/objs/ngx_http_certauthz_module.so $@.tmp
	mv -f $@.tmp $@    # a running nginx keeps the file it loaded
	if [ -f $(TREE)/objs/ngx_stream_certauthz_module.so ]; then \
	    cp $(TREE)/objs/ngx_stream_certauthz_module.so $(STREAM_MODULE).tmp \
	    && mv -f $(STREAM_MODULE).tmp $(STREAM_MODULE); \
	else \
	    rm -f $(STREAM_MODULE); \
	    echo "certauthz: no stream module: nginx is configured without" \
	         "--with-stream and --with-stream_ssl_module"; \
	fi

build: check $(MODULE)

run-tests: build
	CERTAUTHZ_PROMTOOL="$$([ -x $(PROMTOOL) ] && echo $(PROMTOOL))" \
	$(PROVE) $(PROVE_FLAGS) t

test: deps promtool
	@$(MAKE) --no-print-directory run-tests

# The whole suite against a module built with ASan and UBSan, loaded by the
# system nginx with the ASan runtime preloaded (t/lib/nginx-sanitized),
# then 30 seconds of each fuzzer.  Reports land in build/asan/reports and
# fail the target; leaks are left to test-valgrind (docs/security.md).
ASAN_BUILD  := $(CURDIR)/build/asan
# detect_odr_violation=1: only globals of one name and different sizes.
# Every nginx dynamic module defines ngx_modules, ngx_module_names and
# ngx_module_order (nginx reads them per module with dlsym()), so two
# instrumented modules in one nginx always share those names, by design.
ASAN_OPTS    = log_path=$(BUILD)/reports/asan:detect_leaks=0:halt_on_error=1:detect_odr_violation=1
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
test-valgrind: deps
	$(call install,valgrind)
	@$(MAKE) --no-print-directory build
	TEST_NGINX_USE_VALGRIND=1 TEST_NGINX_TIMEOUT=20 $(PROVE) $(PROVE_FLAGS) t

demo: deps
	@$(MAKE) --no-print-directory run-demo

run-demo: build
	bash demo/run.sh "$(NGINX_BIN)" "$(MODULE)"

demo-stop:
	bash demo/run.sh --stop "$(NGINX_BIN)"

# into the modules path of $(NGINX) ("nginx -V"), under $(DESTDIR); on a
# Debian layout also modules-available and a modules-enabled link.  First
# mk/compat.sh: an nginx that would not load the modules stops it
# (COMPAT=no installs anyway, e.g. into a DESTDIR for another machine)
install: build
	COMPAT="$(COMPAT)" bash mk/install.sh "$(NGINX)" "$(TREE)" "$(MODULE)" \
	    $(wildcard $(STREAM_MODULE))

# what differs between the build and $(NGINX) ("nginx -V"), in words, and
# whether $(NGINX) loads the modules (nginx -t)
compat: build
	@bash mk/compat.sh "$(NGINX)" "$(TREE)" "$(MODULE)" \
	    $(wildcard $(STREAM_MODULE))

# libnginx-mod-{http,stream}-certauthz_$(VERSION)_*.deb into build/deb,
# lintian-clean
deb: deb-deps
	@bash mk/deb.sh "$(BUILD)/deb"

# install the package into the system nginx, nginx -t, purge (root)
deb-check: deb
	@bash mk/deb-check.sh "$(BUILD)/deb"

# the suite against each nginx source tree of NGINX_TREES, each built in
# build/matrix/<its directory name>; a line per tree at the end
matrix: deps
	$(call install,$(MATRIX_PACKAGES))
	@test -n "$(NGINX_TREES)" || { \
	    echo "certauthz: make matrix NGINX_TREES=\"/path/to/nginx-1.x.y ...\"" >&2; \
	    exit 1; }
	@rc=0; results=; \
	for tree in $(NGINX_TREES); do \
	    name=$$(basename "$$tree"); \
	    log=$(BUILD)/matrix/$$name.log; \
	    mkdir -p $(BUILD)/matrix; \
	    echo "certauthz: matrix: $$tree (log: $$log)"; \
	    if env -u TEST_NGINX_BINARY -u TEST_NGINX_LOAD_MODULES \
	        $(MAKE) --no-print-directory NGINX_SRC="$$tree" \
	            BUILD=$(BUILD)/matrix/$$name run-tests >"$$log" 2>&1; \
	    then res=pass; else res=FAIL; rc=1; fi; \
	    results="$$results$$name: $$res ($$(grep -E '^(Files=|Result)' "$$log" | tr '\n' ' '))\n"; \
	done; \
	printf "$$results"; exit $$rc

# BENCH_QUICK=1 for a two-minute smoke run; see docs/benchmarks.md
bench: deps bench-deps
	@$(MAKE) --no-print-directory build
	bash bench/run.sh "$(NGINX_BIN)" "$(MODULE)"
	@$(MAKE) --no-print-directory bench-crl

# a 1,000,000-entry CRL: load time and memory in a worker, then on a host
# of four workers swapped under load, then fetched from a URL under load
# (docs/benchmarks.md, "Large CRLs")
bench-crl: deps bench-deps
	@$(MAKE) --no-print-directory build
	@[ -e t/pki/crl/.stamp ] || { bash t/lib/mkpki.sh t/pki \
	    && bash t/lib/mkcrl.sh t/pki && touch t/pki/crl/.stamp; }
	bash bench/crl-load.sh "$(NGINX_BIN)" "$(MODULE)" "$(CURDIR)/t/pki"
	bash bench/crl-host.sh "$(NGINX_BIN)" "$(MODULE)" "$(CURDIR)/t/pki"
	bash bench/crl-fetch.sh "$(NGINX_BIN)" "$(MODULE)" "$(CURDIR)/t/pki"

# connections/s and instructions per connection of a stream server with
# and without certauthz (docs/benchmarks.md)
bench-stream: deps bench-deps
	@$(MAKE) --no-print-directory build
	bash bench/stream.sh "$(NGINX_BIN)" "$(MODULE)" "$(STREAM_MODULE)"

# 10,000 idle keep-alive connections and a CRL swap: the time and CPU to
# decide them again, and their memory (docs/benchmarks.md, "Live
# connections (issue 24)")
.PHONY: bench-live
bench-live: deps bench-deps
	@$(MAKE) --no-print-directory build
	@[ -e t/pki/crl/.stamp ] || { bash t/lib/mkpki.sh t/pki \
	    && bash t/lib/mkcrl.sh t/pki && touch t/pki/crl/.stamp; }
	bash bench/live.sh "$(NGINX_BIN)" "$(MODULE)" "$(CURDIR)/t/pki"

# certauthz_metrics under load: the decision counters equal the requests
# answered, across two workers (docs/benchmarks.md)
bench-metrics: deps bench-deps
	@$(MAKE) --no-print-directory build
	@[ -e t/pki/.stamp ] || bash t/lib/mkpki.sh t/pki
	bash bench/metrics-exact.sh "$(NGINX_BIN)" "$(MODULE)" "$(CURDIR)/t/pki"

# libFuzzer harnesses against a clang build of nginx 1.22.1 (docs/security.md)
fuzz: deps fuzz-deps
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash fuzz/run.sh

# bounded, loopback only, stops by itself (docs/security.md)
soak: deps bench-deps
	@$(MAKE) --no-print-directory build
	SOAK_STREAM_MODULE="$(STREAM_MODULE)" SOAK_SYSTEM_STREAM="$(SYSTEM_STREAM)" \
	    bash soak/run.sh "$(NGINX_BIN)" "$(MODULE)"

# build/demo may be a link to the demo's files under /tmp (demo/run.sh)
clean:
	@if [ -L $(BUILD)/demo ]; then \
	    case $$(readlink $(BUILD)/demo) in \
	    /tmp/certauthz-demo.*) rm -rf -- "$$(readlink $(BUILD)/demo)" ;; \
	    esac; \
	fi
	rm -rf $(BUILD) t/servroot t/pki
