#!/usr/bin/env bash
# mk/check-build.sh NGINX_SRC CC [full]
#
# What a build needs, checked before nginx's configure runs, each missing
# piece named in one line with the package that provides it on Debian and
# Ubuntu, RHEL and Fedora, and Alpine.  Needs neither dpkg nor apt.
# "full": the tree is a full nginx source tree, whose nginx is built too
# (then zlib is needed for its gzip module).

set -u

src=$1 cc=$2 full=${3:-}
missing=0

need() {
    # need WHAT DEBIAN RHEL ALPINE
    echo "certauthz: missing $1 (Debian/Ubuntu: $2; RHEL/Fedora: $3;" \
         "Alpine: $4)" >&2
    missing=1
}

header() {
    # header FILE DEBIAN RHEL ALPINE
    printf '#define PCRE2_CODE_UNIT_WIDTH 8\n#include <%s>\n' "$1" \
        | "$cc" -E -x c - >/dev/null 2>&1 \
        || need "the C header <$1>" "$2" "$3" "$4"
}

if [ ! -d "$src/src/http" ]; then
    if [ "$src" = /usr/share/nginx/src ]; then
        echo "certauthz: no nginx source tree at $src: on Debian or Ubuntu," \
             "'make deps' (or apt-get install nginx-dev) installs the system" \
             "nginx's; elsewhere name the source tree of the nginx you run" \
             "(nginx -v): make NGINX_SRC=/path/to/nginx-x.y.z" >&2
    else
        echo "certauthz: $src is not an nginx source tree (no src/http in" \
             "it): make NGINX_SRC=/path/to/nginx-x.y.z" >&2
    fi
    exit 1
fi

command -v "$cc" >/dev/null 2>&1 \
    || need "the C compiler '$cc'" "gcc" "gcc" "gcc musl-dev"
command -v make >/dev/null 2>&1 || need "make" "make" "make" "make"

if command -v "$cc" >/dev/null 2>&1; then
    header stdio.h "libc6-dev" "glibc-devel" "musl-dev"
    header openssl/ssl.h "libssl-dev" "openssl-devel" "openssl-dev"
    # libcurl: certauthz_crl with a URL
    header curl/curl.h "libcurl4-openssl-dev" "libcurl-devel" "curl-dev"

    # nginx 1.21.5 and later take PCRE2 (or PCRE1); older ones only PCRE1
    if grep -q 'pcre2' "$src/auto/lib/pcre/conf" 2>/dev/null; then
        printf '#include <pcre.h>\n' | "$cc" -E -x c - >/dev/null 2>&1 \
            || header pcre2.h "libpcre2-dev" "pcre2-devel" "pcre2-dev"
    else
        header pcre.h "libpcre3-dev" "pcre-devel" "pcre-dev"
    fi

    if [ "$full" = full ]; then
        header zlib.h "zlib1g-dev" "zlib-devel" "zlib-dev"
    fi
fi

exit $missing
