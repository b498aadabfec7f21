#!/usr/bin/env bash
# mk/deb.sh OUTDIR -- build the Debian packages of certauthz with
# dpkg-buildpackage and dh-sequence-nginx (from nginx-dev), against the
# system nginx, into OUTDIR, then run lintian on them.
#
# It says what it is doing, step by step, and where the whole output is:
# dpkg-buildpackage's in OUTDIR/build.log, lintian's in OUTDIR/lintian.log
# (lintian's findings are shown as well).
#
# The version comes from the file VERSION: debian/changelog is written
# from it in the copy of the source that is built (the source tree keeps
# no second copy of the number).

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
version=$(cat "$top/VERSION")
src=$out/certauthz-$version
log=$out/build.log
lintlog=$out/lintian.log

say() { echo "certauthz: deb: $*"; }

nginx_version=$(/usr/sbin/nginx -v 2>&1 | sed -n 's|^nginx version: nginx/||p' || true)
say "building libnginx-mod-http-certauthz and libnginx-mod-stream-certauthz" \
    "$version for the system nginx ${nginx_version:-(not found)}" \
    "(/usr/share/nginx/src, nginx-dev) into $out"

rm -rf "$out"
mkdir -p "$src"

# the source: what git tracks, or the tree as it is without build output
if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -C "$top" ls-files -z | (cd "$top" && xargs -0 tar -cf - --) \
        | tar -xf - -C "$src"
else
    tar -C "$top" --exclude=./build --exclude=./t/servroot \
        --exclude=./t/pki -cf - . | tar -xf - -C "$src"
fi

cat > "$src/debian/changelog" <<EOC
certauthz ($version) unstable; urgency=medium

  * certauthz $version, built from its source tree.

 -- certauthz developers <certauthz@example.org>  $(date -R)
EOC

if git -C "$top" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    what="the files git tracks"
else
    what="the source tree"
fi
say "1/3 source ($what) copied to $src, debian/changelog from VERSION"
say "2/3 dpkg-buildpackage -b -us -uc; its whole output: $log"

# each step of debian/rules as it starts, the rest into the log
step() {
    case $1 in
    *'debian/rules clean'*)                 echo "clean" ;;
    *'override_dh_auto_configure'*)         echo "configure against /usr/share/nginx/src with the system nginx's flags" ;;
    *'override_dh_auto_build'*)             echo "compile ngx_http_certauthz_module.so and ngx_stream_certauthz_module.so" ;;
    *'override_dh_auto_test'*)              echo "test: the system nginx -t loads both modules" ;;
    *'override_dh_auto_install'*)           echo "install into debian/tmp" ;;
    *'   dh_nginx'*)                        echo "dh_nginx: nginx ABI dependency, modules-available and modules-enabled" ;;
    *'   dh_installdocs'*)                  echo "docs into /usr/share/doc/<package>/" ;;
    *'   dh_builddeb'*)                     echo "write the .deb files" ;;
    esac
}

set +e
(cd "$src" && exec dpkg-buildpackage -b -us -uc) 2>&1 | {
    : > "$log"
    while IFS= read -r line; do
        printf '%s\n' "$line" >> "$log"
        s=$(step "$line")
        [ -z "$s" ] || say "    $s"
    done
}
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" != 0 ]; then
    tail -40 "$log" >&2
    echo "certauthz: deb: dpkg-buildpackage failed (exit $rc); the whole" \
         "output is in $log" >&2
    exit 1
fi

rm -rf "$src"

say "built:"
for f in "$out"/*.deb; do
    echo "    $f"
done

# errors fail the build; warnings and notes are shown (lintian's default);
# as root, --allow-root only drops lintian's remark that it runs as root
# (the packages are only read, never installed, by lintian)
lintian_opts=(--fail-on error)
[ "$(id -u)" != 0 ] || lintian_opts+=(--allow-root)
say "3/3 lintian ${lintian_opts[*]} $(basename "$out"/*.changes); its output: $lintlog"
set +e
lintian "${lintian_opts[@]}" "$out"/*.changes > "$lintlog" 2>&1
rc=$?
set -e
if [ -s "$lintlog" ]; then
    sed 's/^/    /' "$lintlog"
fi
if [ "$rc" != 0 ]; then
    echo "certauthz: deb: lintian found errors (exit $rc), see above and" \
         "$lintlog" >&2
    exit 1
fi
if [ -s "$lintlog" ]; then
    say "lintian: no errors; the warnings and notes above are its findings"
else
    say "lintian: clean (no errors, no warnings)"
fi
