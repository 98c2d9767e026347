#!/usr/bin/env bash
# Run a benchmark script from bench/ as the unprivileged user (as root, after bootstrap).
#   scripts/bench.sh compare.py --rounds 15
set -euo pipefail
# Root sets up the host, then drops to the unprivileged user; there may be no sudo (Debian as root).
[ "$(id -u)" = 0 ] || { echo "${0##*/}: run as root (as a normal user: sudo $0)" >&2; exit 1; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
TEST_USER=${DOCKERSHIM_TEST_USER:-dockertest}
VENV=${DOCKERSHIM_VENV:-/opt/dockershim/venv}
"$REPO/scripts/bootstrap.sh" >/dev/null
script=$1; shift
uid=$(id -u "$TEST_USER")
cd /tmp
exec runuser -u "$TEST_USER" -- env -i HOME="$(getent passwd "$TEST_USER" | cut -d: -f6)" \
  USER="$TEST_USER" PATH="$VENV/bin:/usr/local/bin:/usr/bin:/bin" XDG_RUNTIME_DIR="/run/user/$uid" \
  PYTHONPATH="$REPO" "$VENV/bin/python" "$REPO/bench/$script" "$@"
