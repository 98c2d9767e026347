#!/usr/bin/env bash
# Build the dockershim container image (top-level Dockerfile) through dockershim itself: the
# docker CLI with the classic builder, against the dockershim that DOCKER_HOST points at. Run
# as that dockershim's user (not root). Needs mmdebstrap (scripts/bootstrap.sh installs it).
#   scripts/build-image.sh [TAG]          default TAG: dockershim:latest
# The base image is Debian 12 made by mmdebstrap (unshare mode, as you) from the Debian mirror
# apt uses, imported as dockershim-base:bookworm-KEY; the rootfs tarball is kept in
# ~/.cache/dockershim and the image in your store, so later builds start from the cache.
# Variables: DOCKER (the CLI), DOCKERSHIM_PYTHON (a Python >= 3.11 that has dockershim's
# dependencies installed; default python3), DEBIAN_MIRROR.
set -euo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
TAG=${1:-dockershim:latest}
DOCKER=${DOCKER:-docker}
PYTHON=${DOCKERSHIM_PYTHON:-python3}
[ "$(id -u)" != 0 ] || { echo "build-image.sh: run it as the user dockershim serves" >&2; exit 1; }

mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk '/^URIs:/ {print $2; exit}' /etc/apt/sources.list.d/debian.sources)
fi
mirror=${mirror:-http://deb.debian.org/debian}
packages=podman,runc,conmon,uidmap,slirp4netns,fuse-overlayfs,catatonit,netavark,aardvark-dns
packages=$packages,iptables,python3,ca-certificates
key=$(printf '%s %s v1' "$packages" "$mirror" | sha256sum | cut -c1-12)
base=dockershim-base:bookworm-$key
cache=${XDG_CACHE_HOME:-$HOME/.cache}/dockershim

if ! "$DOCKER" image inspect "$base" >/dev/null 2>&1; then
  tarball=$cache/base-$key.tar
  if [ ! -s "$tarball" ]; then
    mkdir -p "$cache"
    echo "build-image: making the Debian base with mmdebstrap from $mirror" >&2
    # No docs, man pages or translations: the image stays smaller; copyrights stay.
    mmdebstrap --quiet --mode=unshare --variant=minbase --include="$packages" \
      --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' \
      --dpkgopt='path-include=/usr/share/doc/*/copyright' \
      --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
      --customize-hook='rm -rf "$1"/var/cache/apt/* "$1"/var/lib/apt/lists/*' \
      bookworm "$tarball.partial.tar" "$mirror"
    mv "$tarball.partial.tar" "$tarball"
  fi
  echo "build-image: importing $base" >&2
  "$DOCKER" import "$tarball" "$base" >/dev/null
fi

context=$(mktemp -d)
trap 'rm -rf "$context"' EXIT
cp "$REPO/Dockerfile" "$context/"
cp -r "$REPO/container" "$context/"
tar -C "$REPO" --exclude=__pycache__ -cf - dockershim | tar -C "$context" -xf -
# dockershim's runtime dependencies (pyproject's `dependencies`, recursively), as installed for
# DOCKERSHIM_PYTHON: the image's python3 is the same Debian 3.11.
"$PYTHON" - "$REPO/pyproject.toml" "$context/site-packages" <<'PY'
import importlib.metadata as md, re, shutil, sys, tomllib
from pathlib import Path

todo = list(tomllib.load(open(sys.argv[1], "rb"))["project"]["dependencies"])
out, seen = Path(sys.argv[2]), set()
while todo:
    req = todo.pop()
    if ";" in req and "extra" in req.split(";", 1)[1]:
        continue  # an optional extra of a dependency
    name = re.match(r"[A-Za-z0-9_.-]+", req).group(0)
    key = re.sub(r"[-_.]+", "-", name).lower()
    if key in seen:
        continue
    try:
        dist = md.distribution(name)
    except md.PackageNotFoundError:
        continue  # a marker that excludes it for this Python
    seen.add(key)
    for file in dist.files or []:
        if file.parts[0] == ".." or "__pycache__" in file.parts:
            continue  # console scripts live outside site-packages
        target = out / file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(dist.locate_file(file), target)
    todo += dist.requires or []
print(f"build-image: {len(seen)} Python distributions: {' '.join(sorted(seen))}", file=sys.stderr)
PY
DOCKER_BUILDKIT=0 "$DOCKER" build --build-arg "BASE=$base" -t "$TAG" "$context"
