#!/usr/bin/env bash
# The test command (as root on a fresh Debian 12 machine): bootstrap the test bed, then run the
# whole suite as the unprivileged user against real rootless podman. Extra arguments go to pytest.
set -euo pipefail
# Root sets up the host, then drops to the unprivileged user; there may be no sudo (Debian as root).
[ "$(id -u)" = 0 ] || { echo "${0##*/}: run as root (as a normal user: sudo $0)" >&2; exit 1; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
TEST_USER=${DOCKERSHIM_TEST_USER:-dockertest}
VENV=${DOCKERSHIM_VENV:-/opt/dockershim/venv}

"$REPO/scripts/bootstrap.sh"

uid=$(id -u "$TEST_USER")
home=$(getent passwd "$TEST_USER" | cut -d: -f6)
cd "$REPO"
exec runuser -u "$TEST_USER" -- env -i \
  HOME="$home" USER="$TEST_USER" LOGNAME="$TEST_USER" \
  PATH="$VENV/bin:/usr/local/bin:/usr/bin:/bin" \
  XDG_RUNTIME_DIR="/run/user/$uid" \
  PYTHONPATH="$REPO" PYTHONDONTWRITEBYTECODE=1 LANG=C.UTF-8 \
  "$VENV/bin/python" -m pytest -p no:cacheprovider "$@"
