#!/usr/bin/env bash
# mk/deb.sh OUTDIR -- build the Debian package(s) of certauthz with
# dpkg-buildpackage and dh-sequence-nginx (from nginx-dev), against the
# system nginx, into OUTDIR, then run lintian on them.
#
# The version comes from the file VERSION: debian/changelog is written
# from it in the copy of the source that is built (the source tree keeps
# no second copy of the number).

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
out=$1
version=$(cat "$top/VERSION")
src=$out/certauthz-$version

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

(cd "$src" && dpkg-buildpackage -b -us -uc) > "$out/build.log" 2>&1 || {
    tail -40 "$out/build.log" >&2
    echo "certauthz: dpkg-buildpackage failed, see $out/build.log" >&2
    exit 1
}

rm -rf "$src"

echo "certauthz: built in $out:"
ls -1 "$out"/*.deb

# errors fail the build; warnings and notes are shown
lintian --fail-on error "$out"/*.changes
