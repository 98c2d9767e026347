# dockershim in a container: the Docker API on a unix socket, served by a non-root user over
# rootless podman nested in the container. One `docker run` / `podman run` gives a job a Docker.
#
# Build it with scripts/build-image.sh (through dockershim itself, classic builder): it makes
# the base image from Debian 12 packages (mmdebstrap: podman, runc, uidmap, python3, ...),
# imports it as BASE, and prepares the build context (this file, dockershim/, container/, and
# site-packages/ holding dockershim's Python dependencies). Run it as docs/container-image.md
# says: nested rootless podman needs --privileged (confined to the outer user namespace when
# the outer engine is rootless) and, on a rootless outer podman, --userns keep-id:uid=1000,gid=1000
# so that the socket's owner is you.
ARG BASE=dockershim-base:bookworm
FROM ${BASE}

# The user: uid 1000, with the subordinate ids the nested podman maps its containers onto
# (all of the container's other ids; an outer container has 65536).
RUN useradd --uid 1000 --user-group --create-home --shell /bin/sh dockershim \
 && printf 'dockershim:1:999\ndockershim:1001:64535\n' > /etc/subuid \
 && cp /etc/subuid /etc/subgid \
 && install -d -m 0755 -o dockershim -g dockershim /run/dockershim \
 && install -d -m 0700 -o dockershim -g dockershim /run/user/1000

COPY container/containers.conf container/storage.conf /home/dockershim/.config/containers/
COPY container/registries.conf /etc/containers/registries.conf.d/50-dockershim.conf
COPY container/entrypoint.sh container/healthcheck.py /usr/local/bin/
COPY site-packages/ /usr/local/lib/python3.11/dist-packages/
COPY dockershim/ /usr/local/lib/python3.11/dist-packages/dockershim/
RUN chown -R dockershim:dockershim /home/dockershim/.config \
 && printf '#!/usr/bin/python3\nimport sys\nfrom dockershim.cli import main\nsys.exit(main())\n' \
      > /usr/local/bin/dockershim \
 && chmod 0755 /usr/local/bin/dockershim /usr/local/bin/entrypoint.sh /usr/local/bin/healthcheck.py \
 && python3 -m compileall -q /usr/local/lib/python3.11/dist-packages

# The nested store lives in a volume: overlay cannot stack on the container's own overlay.
VOLUME /home/dockershim/.local/share/containers
USER dockershim
ENV XDG_RUNTIME_DIR=/run/user/1000 \
    DOCKER_HOST=unix:///run/dockershim/docker.sock
HEALTHCHECK --interval=30s --timeout=20s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/healthcheck.py"]
# catatonit as PID 1 reaps what conmon leaves behind when nested containers exit.
ENTRYPOINT ["/usr/bin/catatonit", "--", "/usr/local/bin/entrypoint.sh"]
