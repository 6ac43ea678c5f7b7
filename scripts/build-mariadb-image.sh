#!/usr/bin/env bash
# Build a MariaDB server image from the Debian packages of this machine's apt sources,
# for Docker daemons that reach no image registry (the docker backend's tests use it):
#
#   bash scripts/build-mariadb-image.sh [--if-missing] [TAG]
#
# TAG defaults to $SCHEMA_TOOLS_TEST_IMAGE or schema-tools/mariadb:10.11-local; with
# --if-missing nothing is done when the image exists.  The suite and the mirror are read
# from /etc/apt (scripts/apt_sources.py); mmdebstrap builds the root file system (~25 s),
# `docker import` turns it into the image, and scripts/mariadb-entrypoint.sh is its
# entrypoint (the official image's variables, plus a port and bind address from the
# environment for host networking).  Needs root, docker, mmdebstrap and python3.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

die() { echo "build-mariadb-image: $*" >&2; exit 2; }

if_missing=""
if [ "${1:-}" = "--if-missing" ]; then if_missing=yes; shift; fi
tag="${1:-${SCHEMA_TOOLS_TEST_IMAGE:-schema-tools/mariadb:10.11-local}}"

for tool in docker mmdebstrap python3; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool not found (apt-get install docker.io mmdebstrap python3)"
done
if [ -n "$if_missing" ] && docker image inspect "$tag" >/dev/null 2>&1; then
  echo "image $tag exists"
  exit 0
fi

mapfile -t sources < <(python3 "$here/apt_sources.py")
[ "${#sources[@]}" -ge 2 ] || die "no Debian archive found in the apt sources"
suite="${sources[0]}"
mirrors=("${sources[@]:1}")

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# read by the hooks below, which mmdebstrap runs with this environment
export ST_ENTRYPOINT="$here/mariadb-entrypoint.sh" ST_VERSION_FILE="$work/version"

echo "building $tag from Debian $suite (${#mirrors[@]} archive entries)..."
start=$SECONDS
# The hooks: the entrypoint; an empty datadir (the entrypoint initialises it with the
# container's variables); the official image's name-resolution settings; the version.
mmdebstrap --quiet --variant=apt --include=mariadb-server,mariadb-client \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --customize-hook='install -m 0755 "$ST_ENTRYPOINT" "$1/usr/local/bin/docker-entrypoint.sh"' \
    --customize-hook='mkdir -p "$1/docker-entrypoint-initdb.d"' \
    --customize-hook='rm -rf "$1"/var/lib/mysql/* "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin' \
    --customize-hook='printf "[mariadbd]\nskip-name-resolve\nhost-cache-size=0\n" > "$1/etc/mysql/mariadb.conf.d/90-container.cnf"' \
    --customize-hook='chroot "$1" dpkg-query -W -f "\${Version}" mariadb-server > "$ST_VERSION_FILE"' \
    "$suite" - "${mirrors[@]}" \
  | docker import \
      -c 'ENTRYPOINT ["/usr/local/bin/docker-entrypoint.sh"]' \
      -c 'CMD ["mariadbd"]' \
      -c 'EXPOSE 3306' \
      -c 'ENV LANG=C.UTF-8' \
      - "$tag" >/dev/null

version="$(cat "$ST_VERSION_FILE" 2>/dev/null || true)"
echo "built $tag (mariadb-server ${version:-?}) in $((SECONDS - start)) s"
wanted="${tag##*:}"; wanted="${wanted%%-*}"
case "${version#*:}" in
  "$wanted".*) ;;
  *) echo "warning: $tag holds mariadb-server ${version:-?}, not $wanted" >&2 ;;
esac
