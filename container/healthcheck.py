#!/usr/bin/python3
"""HEALTHCHECK: the API answers GET /_ping with OK on the socket (and so podman's facts load)."""

import os
import socket
import sys

path = os.environ.get("DOCKER_HOST", "unix:///run/dockershim/docker.sock").removeprefix("unix://")
try:
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.settimeout(15)
    conn.connect(path)
    conn.sendall(b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
    answer = b""
    while chunk := conn.recv(4096):
        answer += chunk
except OSError as exc:
    sys.exit(f"unhealthy: {path}: {exc}")
sys.exit(0 if answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"OK") else 1)
