#!/usr/bin/env bash
# Run dockershim in the foreground as the unprivileged user, on a fresh Debian 12 machine (root).
# Daemonless by default: this runs the activator (`dockershim activate`), which holds the socket
# with a few MB and starts the API service when a client connects; the service exits after
# --idle-timeout seconds without clients (default 120) while containers keep running.
# Prints the DOCKER_HOST line for other shells. Extra arguments go to `dockershim activate`
# (--socket, --idle-timeout, --podman, --podman-timeout, --log-level).
set -euo pipefail
# Root sets up the host, then drops to the unprivileged user; there may be no sudo (Debian as root).
[ "$(id -u)" = 0 ] || { echo "${0##*/}: run as root (as a normal user: sudo $0)" >&2; exit 1; }
REPO=$(cd "$(dirname "$0")/.." && pwd)
USER_NAME=${DOCKERSHIM_USER:-${DOCKERSHIM_TEST_USER:-dockertest}}
VENV=${DOCKERSHIM_VENV:-/opt/dockershim/venv}
DOCKERSHIM_TEST_USER=$USER_NAME "$REPO/scripts/bootstrap.sh"
uid=$(id -u "$USER_NAME")
home=$(getent passwd "$USER_NAME" | cut -d: -f6)
echo "export DOCKER_HOST=unix:///run/user/$uid/docker.sock" >&2
cd /
exec runuser -u "$USER_NAME" -- env -i HOME="$home" USER="$USER_NAME" LOGNAME="$USER_NAME" \
  PATH="$VENV/bin:/usr/local/bin:/usr/bin:/bin" XDG_RUNTIME_DIR="/run/user/$uid" \
  PYTHONPATH="$REPO" "$VENV/bin/python" -m dockershim activate "$@"
