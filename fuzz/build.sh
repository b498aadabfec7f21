#!/bin/bash
# certauthz fuzzing: builds nginx 1.22.1 (Debian's source package) with
# clang and the sanitizers, then the engine and the harnesses against it.
# Called by fuzz/run.sh; everything goes under build/fuzz/ and is rebuilt
# only when its inputs change.

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
OUT=$ROOT/build/fuzz
NGX_VER=1.22.1
NGX_TGZ=nginx_$NGX_VER.orig.tar.gz
# the upstream nginx-1.22.1.tar.gz, which Debian ships as its orig tarball
NGX_SHA256=9ebb333a9e82b952acd3e2b4aeb1d4ff6406f72491bab6cd9fe69f0dea737f31
NGX=$OUT/nginx-$NGX_VER
JOBS=${FUZZ_JOBS:-$(nproc)}

CC=${FUZZ_CC:-clang}
SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined"
# every pool allocation its own malloc(), so that ASan sees its bounds
CFLAGS_NGX="-g -O1 -fno-omit-frame-pointer $SAN -fsanitize=fuzzer-no-link"
CFLAGS_NGX="$CFLAGS_NGX -DNGX_DEBUG_PALLOC=1"
CFLAGS_NGX="$CFLAGS_NGX -fsanitize-ignorelist=$ROOT/fuzz/ubsan.ignore"
NGX_CONF=(--with-cc="$CC" --with-cc-opt="$CFLAGS_NGX"
          --with-ld-opt="$SAN" --with-debug --with-pcre
          --without-http --with-stream --with-stream_ssl_module
          --without-stream_limit_conn_module --without-stream_access_module
          --without-stream_geo_module --without-stream_map_module
          --without-stream_split_clients_module
          --without-stream_return_module --without-stream_set_module
          --without-stream_upstream_hash_module
          --without-stream_upstream_least_conn_module
          --without-stream_upstream_random_module
          --without-stream_upstream_zone_module)

HARNESSES="cert cond list crl"
# the engine: the files that the addon's config builds into both modules,
# as paths under src/ (crl/ngx_certauthz_crl_load, ngx_certauthz_cert ...)
ENGINE=$(sed -n 's|.*/src/\(\([a-z]*/\)*ngx_certauthz_[a-z_]*\)\.c.*|\1|p' \
         "$ROOT/config" | tr '\n' ' ')

mkdir -p "$OUT/src" "$OUT/bin" "$OUT/obj"


# the nginx source: Debian's source package, from the Debian mirror

fetch_nginx() {
    local d=$OUT/apt

    if [ -f "$OUT/src/$NGX_TGZ" ]; then
        return
    fi

    echo "fuzz: fetching the nginx $NGX_VER source package (Debian)"

    mkdir -p "$d/etc" "$d/lists/partial" "$d/cache/archives/partial"
    cat >"$d/etc/debian-src.sources" <<SOURCES
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SOURCES

    local opts=(-qq -o Dir::Etc::SourceList=/dev/null
                -o Dir::Etc::SourceParts="$d/etc"
                -o Dir::State::Lists="$d/lists"
                -o Dir::Cache="$d/cache"
                -o APT::Sandbox::User=root)

    apt-get "${opts[@]}" update
    (cd "$OUT/src" && apt-get "${opts[@]}" source --download-only \
        "nginx=$NGX_VER-*" >/dev/null 2>&1 \
        || apt-get "${opts[@]}" source --download-only nginx >/dev/null)
}


build_nginx() {
    local stamp=$NGX/.fuzz-built want

    want=$( (printf '%s\n' "$CC" "${NGX_CONF[@]}";
             cat "$ROOT/fuzz/ubsan.ignore") | sha256sum | cut -c1-16)

    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return
    fi

    fetch_nginx

    echo "$NGX_SHA256  $OUT/src/$NGX_TGZ" | sha256sum -c --quiet - || {
        echo "fuzz: $NGX_TGZ does not have the expected checksum" >&2
        exit 1
    }

    echo "fuzz: building nginx $NGX_VER with $CC and the sanitizers"

    rm -rf "$NGX"
    tar -C "$OUT" -xzf "$OUT/src/$NGX_TGZ"

    (cd "$NGX" && ./configure "${NGX_CONF[@]}" >"$OUT/configure.log" 2>&1) \
        || { tail -20 "$OUT/configure.log"; exit 1; }

    # the objects are what the harnesses need; the binary proves they link
    make -s -C "$NGX" -f objs/Makefile -j"$JOBS" >"$OUT/make.log" 2>&1 \
        || { tail -30 "$OUT/make.log"; exit 1; }

    echo "$want" >"$stamp"
}


build_harnesses() {
    local stamp=$OUT/bin/.stamp want f h objs inc cflags

    inc="-I $NGX/src/core -I $NGX/src/event -I $NGX/src/event/modules
         -I $NGX/src/os/unix -I $NGX/objs -I $ROOT/src -I $ROOT/src/crl
         -I $ROOT/fuzz"
    # the addon's config defines the version for a module build
    cflags="$CFLAGS_NGX -Wall -Wextra -Werror -Wno-unused-parameter
            -DNGX_CERTAUTHZ_VERSION=\"$(cat "$ROOT/VERSION")\"
            -DNGX_HAVE_MEMFD_CREATE=1"

    want=$( (cat "$NGX/.fuzz-built"; echo "$CC $cflags";
             cat "$ROOT"/fuzz/*.[ch] "$ROOT"/src/ngx_certauthz_*.[ch] \
                 "$ROOT"/src/crl/*.[ch]) \
           | sha256sum | cut -c1-16)

    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        for h in $HARNESSES; do
            [ -x "$OUT/bin/fuzz_$h" ] || rm -f "$stamp"
        done
        [ -f "$stamp" ] && return
    fi

    echo "fuzz: building the engine and the harnesses"

    rm -f "$OUT"/obj/*.o

    for f in $ENGINE; do
        $CC -c $cflags $inc -o "$OUT/obj/$(basename "$f").o" \
            "$ROOT/src/$f.c" &
    done
    $CC -c $cflags $inc -o "$OUT/obj/fuzz_common.o" \
        "$ROOT/fuzz/fuzz_common.c" &
    for h in $HARNESSES; do
        $CC -c $cflags $inc -o "$OUT/obj/fuzz_$h.o" "$ROOT/fuzz/fuzz_$h.c" &
    done
    wait_all

    # nginx's objects but its main(), as an archive: the linker takes
    # only what the engine needs, not the process cycle that nginx.c serves
    objs=$OUT/obj/libnginx.a
    rm -f "$objs"
    find "$NGX/objs/src" "$NGX/objs/ngx_modules.o" -name '*.o' \
        ! -name nginx.o | sort | xargs ar rcs "$objs"

    for h in $HARNESSES; do
        $CC -fsanitize=fuzzer,address,undefined -o "$OUT/bin/fuzz_$h" \
            "$OUT/obj/fuzz_$h.o" "$OUT/obj/fuzz_common.o" \
            "$OUT"/obj/ngx_certauthz_*.o $objs \
            -lssl -lcrypto -lpcre2-8 -lcurl -lcrypt -lpthread &
    done
    wait_all

    echo "$want" >"$stamp"
}


# wait for every background job, failing if any failed
wait_all() {
    local pid rc=0

    for pid in $(jobs -p); do
        wait "$pid" || rc=1
    done

    if [ $rc != 0 ]; then
        echo "fuzz: build failed" >&2
        exit 1
    fi
}


build_nginx

if [ "${1:-}" != nginx ]; then
    build_harnesses
fi
