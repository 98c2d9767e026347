"""`dockershim doctor`: check the rootless setup; print each problem with the exact fix.

Checks: not root; podman present and >= 4; subordinate uid/gid ranges; newuidmap/newgidmap
installed and privileged; /dev/net/tun usable and slirp4netns present (rootless networking);
$XDG_RUNTIME_DIR private and ours; the OCI runtime podman uses works with this host's cgroup
mode (crun refuses cgroup v1 hybrid hosts: runc needed); the storage driver (vfs where overlay
would work: doctor_storage.py); the socket path (a socket, ours, 0600, and who answers on it);
lingering where systemd runs. Parsing is done by
the pure functions here (tested with captured data); `gather()` does the I/O.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import os
import shutil
import socket
import stat
import subprocess
from collections.abc import Callable, Iterable
from typing import Any

from dockershim import doctor_storage
from dockershim.doctor_findings import Finding, note, ok, problem
from dockershim.engine.dns_watch import dns_networks
from dockershim.podman.libpod_state import StateUnreadable, snapshot
from dockershim.server.listener import default_socket_path

SUBID_COUNT = 65536


# pure checks ---------------------------------------------------------------------------------
def subid_ranges(text: str, user: str, uid: int) -> list[tuple[int, int]]:
    ranges = []
    for line in text.splitlines():
        parts = line.strip().split(":")
        if len(parts) == 3 and parts[0] in (user, str(uid)) and parts[1].isdigit():
            ranges.append((int(parts[1]), int(parts[2]) if parts[2].isdigit() else 0))
    return ranges


def free_subid_start(*texts: str) -> int:
    end = 100000
    for text in texts:
        for line in text.splitlines():
            parts = line.strip().split(":")
            if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
                end = max(end, int(parts[1]) + int(parts[2]))
    return end


def check_subids(kind: str, text: str, user: str, uid: int, start: int) -> Finding:
    total = sum(count for _, count in subid_ranges(text, user, uid))
    if total >= SUBID_COUNT:
        return ok(f"/etc/{kind}: {total} subordinate ids for {user}")
    rng = f"{start}-{start + SUBID_COUNT - 1}"
    fix = f"sudo usermod --add-subuids {rng} --add-subgids {rng} {user} && podman system migrate"
    return problem(f"/etc/{kind}: {user} has {total} subordinate ids (needs {SUBID_COUNT})", fix)


def cgroup_mode(mountinfo: str) -> str:
    """ "unified" (v2), "hybrid" (v1 with a v2 tree beside it) or "legacy" (v1 only)."""
    mounts = {}
    for line in mountinfo.splitlines():
        fields = line.split()
        if " - " in line and len(fields) > 4:
            mounts[fields[4]] = line.split(" - ", 1)[1].split()[0]
    if mounts.get("/sys/fs/cgroup") == "cgroup2":
        return "unified"
    if mounts.get("/sys/fs/cgroup/unified") == "cgroup2":
        return "hybrid"
    return "legacy"


def runc_fix(conf: str, text: str) -> str:
    """The command that makes podman use runc, given the user's containers.conf (path, text)."""
    lines = [line.strip() for line in text.splitlines()]
    if any(line.replace(" ", "").startswith("runtime=") for line in lines):
        return f"sed -i 's/^[[:space:]]*runtime[[:space:]]*=.*/runtime = \"runc\"/' {conf}"
    if "[engine]" in lines:
        return f"sed -i '/^\\[engine\\]/a runtime = \"runc\"' {conf}"
    if text.strip():
        return f"printf '\\n[engine]\\nruntime = \"runc\"\\n' >> {conf}"
    folder = os.path.dirname(conf)
    return f"mkdir -p {folder} && printf '[engine]\\nruntime = \"runc\"\\n' > {conf}"


def check_runtime(
    info: dict[str, object], mode: str, has_runc: bool, conf: tuple[str, str]
) -> Finding:
    host = info.get("host")
    runtime = ""
    if isinstance(host, dict) and isinstance(host.get("ociRuntime"), dict):
        runtime = str(host["ociRuntime"].get("name", ""))
    if runtime == "crun" and mode != "unified":
        install = "" if has_runc else "sudo apt-get install runc && "
        return problem(
            f"OCI runtime crun on a cgroup v1 {mode} host: crun refuses to start containers here",
            install + runc_fix(*conf),
        )
    return ok(f"OCI runtime {runtime or 'unknown'} (cgroups: {mode})")


def check_version(output: str) -> Finding:
    version = output.strip().rsplit(" ", 1)[-1]
    try:
        major = int(version.split(".")[0])
    except ValueError:
        return problem(f"cannot read podman's version from {output.strip()!r}", "podman --version")
    if major < 4:
        return problem(f"podman {version} is too old (needs 4.x)", "sudo apt-get install podman")
    return ok(f"podman {version}")


def check_socket_mode(path: str, st: os.stat_result, uid: int) -> Finding:
    if not stat.S_ISSOCK(st.st_mode):
        return problem(f"{path} exists and is not a socket", f"rm {path}")
    if st.st_uid != uid:
        return problem(f"{path} belongs to uid {st.st_uid}, not to you", f"sudo rm {path}")
    if stat.S_IMODE(st.st_mode) & 0o077:
        mode = oct(stat.S_IMODE(st.st_mode))
        return problem(
            f"{path} has mode {mode}: other users reach your podman", f"chmod 0600 {path}"
        )
    return ok(f"{path}: socket, yours, mode 0600")


# checks that look at the host ------------------------------------------------------------------
def _read(path: str) -> str:
    try:
        with open(path) as f:
            return f.read()
    except OSError:
        return ""


def check_idmap_tools() -> Iterable[Finding]:
    for tool in ("newuidmap", "newgidmap"):
        path = shutil.which(tool) or f"/usr/bin/{tool}"
        if not os.path.exists(path):
            yield problem(f"{tool} is missing", "sudo apt-get install uidmap")
            continue
        privileged = bool(os.stat(path).st_mode & stat.S_ISUID)
        with contextlib.suppress(OSError):
            privileged = privileged or bool(os.getxattr(path, "security.capability"))
        if privileged:
            yield ok(f"{path} is privileged (setuid or file capabilities)")
        else:
            yield problem(
                f"{path} is neither setuid nor has capabilities", f"sudo chmod u+s {path}"
            )


def check_network() -> Iterable[Finding]:
    if not shutil.which("slirp4netns"):
        yield problem(
            "slirp4netns is missing (rootless networking)", "sudo apt-get install slirp4netns"
        )
    if os.access("/dev/net/tun", os.R_OK | os.W_OK):
        yield ok("/dev/net/tun is usable (slirp4netns)")
    elif os.path.exists("/dev/net/tun"):
        yield problem(
            "/dev/net/tun is not usable by you: slirp4netns fails", "sudo chmod 0666 /dev/net/tun"
        )
    else:
        fix = "sudo mkdir -p /dev/net && sudo mknod -m 0666 /dev/net/tun c 10 200"
        yield problem("/dev/net/tun does not exist: slirp4netns fails", fix)


def check_runtime_dir(env: dict[str, str], user: str, uid: int) -> Finding:
    path = env.get("XDG_RUNTIME_DIR", "")
    create = f"sudo install -d -m 0700 -o {user} -g $(id -gn {user}) /run/user/{uid}"
    if not path:
        return problem(
            "XDG_RUNTIME_DIR is not set", f"{create} && export XDG_RUNTIME_DIR=/run/user/{uid}"
        )
    try:
        st = os.stat(path)
    except OSError:
        return problem(f"XDG_RUNTIME_DIR {path} does not exist", create)
    if st.st_uid != uid:
        return problem(f"XDG_RUNTIME_DIR {path} is not yours", f"sudo chown {user} {path}")
    if stat.S_IMODE(st.st_mode) != 0o700:
        return problem(
            f"XDG_RUNTIME_DIR {path} has mode {oct(stat.S_IMODE(st.st_mode))}", f"chmod 0700 {path}"
        )
    return ok(f"XDG_RUNTIME_DIR {path}: yours, mode 0700")


def who_answers(path: str) -> str:
    """The server's component name behind the socket, "" when nobody answers."""
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    probe.settimeout(30)
    try:
        probe.connect(path)
        probe.sendall(b"GET /version HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := probe.recv(65536):
            data += chunk
    except OSError:
        return ""
    finally:
        probe.close()
    try:
        body = json.loads(data.split(b"\r\n\r\n", 1)[1])
        return str((body.get("Platform") or {}).get("Name") or "a Docker API")
    except (ValueError, IndexError, AttributeError):
        return "something that is not the Docker API"


def check_socket(path: str, uid: int, env: dict[str, str]) -> Iterable[Finding]:
    try:
        st = os.lstat(path)
    except OSError:
        yield ok(f"{path}: free (the activator or systemd creates it)")
    else:
        yield check_socket_mode(path, st, uid)
        if stat.S_ISSOCK(st.st_mode):
            server = who_answers(path)
            if not server:
                yield ok(f"{path}: stale socket nobody listens on (dockershim replaces it)")
            elif server.startswith("dockershim"):
                yield ok(f"{path}: answered by {server}")
            else:
                yield problem(f"{path} is answered by {server}, not dockershim", "stop it first")
    host = env.get("DOCKER_HOST", "")
    if host and host != f"unix://{path}":
        yield note(f"DOCKER_HOST is {host}, not unix://{path}", f"export DOCKER_HOST=unix://{path}")


def check_linger(user: str) -> Finding:
    if not os.path.isdir("/run/systemd/system"):
        return note(
            "no systemd here: start the activator from your login script",
            "dockershim activate &  (or: dockershim install, which prints the exact line)",
        )
    if os.path.exists(f"/var/lib/systemd/linger/{user}"):
        return ok(f"lingering enabled for {user}")
    return problem(
        f"lingering is off for {user}: the socket and service stop when you log out",
        f"sudo loginctl enable-linger {user}",
    )


def check_podman(podman: str, mountinfo: str) -> Iterable[Finding]:
    path = shutil.which(podman)
    if not path:
        yield problem(f"{podman} not found", "sudo apt-get install podman")
        return
    version = _run([path, "--version"])
    yield check_version(version.stdout if version.returncode == 0 else "")
    info = _run([path, "info", "--format", "json"])
    if info.returncode != 0:
        first = (info.stderr.strip().splitlines() or ["no output"])[-1]
        yield problem(f"`podman info` fails: {first}", "podman system migrate; then podman info")
        return
    data = json.loads(info.stdout)
    conf = os.environ.get("CONTAINERS_CONF") or os.path.join(
        os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"),
        "containers",
        "containers.conf",
    )
    mode = cgroup_mode(mountinfo)
    yield check_runtime(data, mode, bool(shutil.which("runc")), (conf, _read(conf)))
    storage_conf = doctor_storage.storage_conf_path(dict(os.environ), os.path.expanduser("~"))
    overlay = doctor_storage.overlay_support()
    yield doctor_storage.check_storage(data, overlay, (storage_conf, _read(storage_conf)))
    yield check_state_reads(data, _readable_state)
    yield from _dns_entries(data, path)


def _readable_state(path: str) -> str | None:
    """None when the engine can read podman's state database at `path`; else why not."""
    try:
        snapshot(path)
    except StateUnreadable as exc:
        return str(exc) or "unreadable"
    return None


def check_state_reads(info: dict[str, Any], readable: Callable[[str], str | None]) -> Finding:
    """Whether dockershim answers reads from podman's state files or must ask its CLI."""
    host = info.get("host") or {}
    store = info.get("store") or {}
    backend = str(host.get("databaseBackend") or "boltdb") if isinstance(host, dict) else ""
    root = str(store.get("graphRoot") or "") if isinstance(store, dict) else ""
    fix = (
        "dockershim reads podman 4.x's BoltDB state; with another backend every `docker ps` "
        "and `docker inspect` runs podman (slower, but complete)"
    )
    if backend.lower() != "boltdb" or not root:
        return note(
            f"podman keeps its state in {backend or 'an unknown backend'}: reads use "
            "the podman CLI",
            fix,
        )
    why = readable(os.path.join(root, "libpod", "bolt_state.db"))
    if why is not None:
        return note(
            f"podman's state database cannot be read directly ({why}): reads use the podman CLI",
            fix,
        )
    return ok("podman's state is read directly: lists and inspects start no podman process")


def check_dns_leftovers(folder: str, files: dict[str, str], networks: set[str]) -> Finding:
    """netavark's aardvark-dns entries (`files`: network name -> its file) of networks that no
    longer exist. netavark leaves them when a teardown fails ("aardvark pid not found"); a new
    network given the same gateway then resolves no names, as aardvark-dns binds the address
    for the old one."""
    gateways = {
        name: set(text.split("\n", 1)[0].replace(",", " ").split()) for name, text in files.items()
    }
    gone = sorted(name for name in files if name not in networks)
    if not gone:
        return ok("aardvark-dns holds entries of existing networks only")
    live = set().union(*(gateways[n] for n in files if n in networks))
    clash = sorted(n for n in gone if gateways[n] & live)
    paths = " ".join(os.path.join(folder, name) for name in gone)
    text = f"aardvark-dns keeps the entries of removed networks ({', '.join(gone)})"
    fix = f"rm {paths}"
    if clash:
        return problem(
            text + f"; {', '.join(clash)} shares a gateway with a network in use, whose "
            "container names do not resolve",
            fix + "; then restart the containers of that network",
        )
    return note(text + ": a network created later with the same gateway resolves no names", fix)


def _dns_entries(info: dict[str, Any], podman: str) -> Iterable[Finding]:
    store = info.get("store") or {}
    run_root = str(store.get("runRoot") or "") if isinstance(store, dict) else ""
    folder = os.path.join(run_root, "networks", "aardvark-dns")
    if not os.path.isdir(folder):
        return  # CNI, or no network with DNS used yet
    names = dns_networks(folder)
    listed = _run([podman, "network", "ls", "--format", "{{.Name}}"])
    if listed.returncode != 0:
        return
    files = {name: _read(os.path.join(folder, name)) for name in names}
    yield check_dns_leftovers(folder, files, set(listed.stdout.split()))


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return subprocess.CompletedProcess(argv, 1, "", str(exc))


def gather(socket_path: str, podman: str) -> list[Finding]:
    uid = os.getuid()
    user = getpass.getuser()
    env = dict(os.environ)
    findings = [
        problem("running as root: dockershim serves rootless podman", "run it as your own user")
        if uid == 0
        else ok(f"running as {user} (uid {uid})")
    ]
    subuid, subgid = _read("/etc/subuid"), _read("/etc/subgid")
    start = free_subid_start(subuid, subgid)
    findings.append(check_subids("subuid", subuid, user, uid, start))
    findings.append(check_subids("subgid", subgid, user, uid, start))
    findings += check_idmap_tools()
    findings += check_network()
    findings.append(check_runtime_dir(env, user, uid))
    findings += check_podman(podman, _read("/proc/self/mountinfo"))
    findings += check_socket(socket_path, uid, env)
    findings.append(check_linger(user))
    return findings


def report(findings: Iterable[Finding], write: Callable[[str], None] = print) -> int:
    problems = 0
    for finding in findings:
        label = {"ok": "ok", "note": "note", "problem": "PROBLEM"}[finding.level]
        write(f"{label:8} {finding.text}")
        if finding.fix:
            write(f"{'  fix:':8} {finding.fix}")
        problems += finding.level == "problem"
    write(f"{problems} problem(s) found" if problems else "no problems found")
    return 1 if problems else 0


def main(args: argparse.Namespace) -> int:
    return report(gather(args.socket or default_socket_path(), args.podman))
