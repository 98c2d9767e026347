#!/bin/sh
# Serve the Docker API on /run/dockershim/docker.sock (mount a host folder there to reach it).
# Never idle-exits: in a container the service is the point. Arguments go to `dockershim serve`.
set -e
install -d -m 0700 "$XDG_RUNTIME_DIR"
socket=${DOCKER_HOST#unix://}
mkdir -p "$(dirname "$socket")"
exec dockershim serve --socket "$socket" --idle-timeout 0 "$@"
