"""The classic builder: `POST /build` query -> `podman build` argv, podman's output -> Docker's
`{"stream": ...}` lines.

Translated: dockerfile, t (repeatable), buildargs, labels, target, nocache, pull, forcerm,
networkmode, platform, extrahosts, shmsize, cachefrom, squash, ulimits, q. Intermediate
containers are always removed (`rm=0` is accepted and ignored, see docs/images.md). Images are
built in Docker format (`--format docker`) so HEALTHCHECK, SHELL, STOPSIGNAL and ONBUILD are
kept.
Refused with 400: `remote` contexts, BuildKit (`version=2`), and resource limits (memory, cpu*)
that rootless podman on cgroup v1 cannot apply.
"""

from __future__ import annotations

import contextlib
import json
import posixpath
import re
from collections.abc import Callable
from typing import Any

from dockershim.errors import InvalidParameter
from dockershim.secret import Secret
from dockershim.translate.references import docker_name, parse_reference
from dockershim.translate.validate import digits, loads

GetList = Callable[[str], list[str]]

_LIMITS = ("memory", "memswap", "cpushares", "cpusetcpus", "cpusetmems", "cpuperiod", "cpuquota")
_STEP = re.compile(r"^(?:\[\d+/\d+\] )?STEP \d+/\d+: (?P<instr>.*)$")
_COMMIT = re.compile(r"^(?:\[\d+/\d+\] )?COMMIT\b")
_ARROW = re.compile(r"^--> (?P<id>[0-9a-f]+|Using cache [0-9a-f]+|Pushing cache.*)$")
_RUN_FAILED = re.compile(r'building at STEP "(?P<instr>.*)": .*exit status (?P<code>\d+)', re.S)


def _json_map(raw: str, name: str) -> dict[str, Any]:
    if not raw:
        return {}
    data = loads(raw, name)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise InvalidParameter(f"invalid {name}: expected a JSON object")
    return data


def _true(value: str | None) -> bool:
    return value is not None and value.strip().lower() not in ("", "0", "false", "no")


def user_network(mode: str) -> str | None:
    """The user-defined network a build's `networkmode` names, if it names one (its steps then
    run in a namespace the engine joins to it: engine/build_network.py)."""
    if mode in ("", "default", "bridge", "host", "none") or mode.startswith("container:"):
        return None
    return mode


def dockerfile_path(raw: str | None) -> str:
    """The Dockerfile's path inside the context (refuses paths that leave it)."""
    name = raw or "Dockerfile"
    if re.match(r"^[a-z]+://", name):
        raise InvalidParameter("dockerfile must be a path inside the build context")
    clean = posixpath.normpath(name.lstrip("/"))
    if clean == ".." or clean.startswith("../"):
        raise InvalidParameter(f"the Dockerfile ({name}) must be within the build context")
    return clean


def tags(get: GetList) -> list[str]:
    return [parse_reference(t).full() for t in get("t") if t]


def last_value(get: GetList, key: str) -> str:
    """A build query parameter as dockerd reads it: its last value ("" when absent)."""
    return (get(key) or [""])[-1]


def build_args(get: GetList, dockerfile: str, iidfile: str) -> list[str]:
    """Query parameters -> `podman build` argv (without the context directory); `dockerfile`
    is the path of the (rewritten) Dockerfile podman reads."""

    def one(key: str) -> str:
        return last_value(get, key)

    _refuse_unsupported(one)
    argv = [
        "build",
        "--format",
        "docker",
        "--identity-label=false",
        "--file",
        dockerfile,
        "--iidfile",
        iidfile,
    ]
    for tag in tags(get):
        argv += ["--tag", tag]
    for key, value in _json_map(one("buildargs"), "buildargs").items():
        if value is not None:
            argv += ["--build-arg", Secret(f"{key}={value}")]
    for key, value in _json_map(one("labels"), "labels").items():
        argv += ["--label", f"{key}={value}"]
    if one("target"):
        argv += ["--target", one("target")]
    if _true(one("nocache")):
        argv.append("--no-cache")
    if _true(one("pull")):
        argv.append("--pull=always")
    # `rm=0` (docker-py's default) is not passed on: podman would keep the intermediate
    # containers as hidden storage containers no Docker command can list or remove.
    # podman leaves the working container of a failed step behind as invisible storage
    # (holding its image): always remove it; dockerd's `forcerm` asks for the same.
    argv.append("--force-rm")
    if _true(one("squash")):
        argv.append("--squash")
    argv += _step_flags(get, one)
    for ref in _cache_from(one("cachefrom")):
        argv += ["--cache-from", ref]
    return argv + _ulimit_flags(one("ulimits"))


def _refuse_unsupported(one: Callable[[str], str]) -> None:
    if one("remote"):
        raise InvalidParameter(
            "remote build contexts are not supported: send the context as a tar body"
        )
    if one("version") == "2":
        raise InvalidParameter(
            "BuildKit is not supported by dockershim: use the classic builder (DOCKER_BUILDKIT=0)"
        )
    for key in _LIMITS:
        if one(key) not in ("", "0", "-1"):
            raise InvalidParameter(
                f"build option {key} is not supported (rootless podman cannot apply it)"
            )


def _step_flags(get: GetList, one: Callable[[str], str]) -> list[str]:
    """Where the RUN steps run: network, platform, /etc/hosts entries, /dev/shm."""
    argv: list[str] = []
    mode = one("networkmode")
    if mode and mode != "default" and not user_network(mode):
        argv += ["--network", "private" if mode == "bridge" else mode]
    if one("platform"):
        argv += ["--platform", one("platform")]
    for hosts in get("extrahosts"):
        for host in hosts.split(","):
            if host.strip():
                name, sep, address = host.strip().partition("=")
                # Docker 25+ also writes `host=ip`; podman 4.3 takes `host:ip`.
                argv += ["--add-host", f"{name}:{address}" if sep else host.strip()]
    if one("shmsize") not in ("", "0"):
        if not digits(one("shmsize")):
            raise InvalidParameter(f"invalid shmsize: {one('shmsize')!r}")
        argv += ["--shm-size", f"{int(one('shmsize'))}b"]
    return argv


def _ulimit_flags(raw: str) -> list[str]:
    argv: list[str] = []
    for limit in _json_list(raw, "ulimits"):
        if not isinstance(limit, dict) or not {"Name", "Soft", "Hard"} <= limit.keys():
            raise InvalidParameter("invalid ulimits: expected [{Name, Soft, Hard}]")
        argv += ["--ulimit", f"{limit['Name']}={limit['Soft']}:{limit['Hard']}"]
    return argv


def _json_list(raw: str, name: str) -> list[Any]:
    if not raw:
        return []
    data = loads(raw, name)
    if data is None:
        return []
    if not isinstance(data, list):
        raise InvalidParameter(f"invalid {name}: expected a JSON list")
    return data


def _cache_from(raw: str) -> list[str]:
    # Docker's classic builder uses cachefrom images as cache sources; podman's --cache-from
    # wants a repository. Local images need no flag: podman reuses local layers anyway.
    return [
        str(x)
        for x in _json_list(raw, "cachefrom")
        if "/" in str(x) and ":" in str(x).split("/")[0]
    ]


def instructions(dockerfile: str) -> list[str]:
    """The Dockerfile's instructions, continuation lines joined, comments dropped."""
    escape = "\\"
    first = dockerfile.lstrip().splitlines()[:1]
    if first and re.match(r"^#\s*escape\s*=\s*`", first[0]):
        escape = "`"
    out: list[str] = []
    continued = False
    for raw in dockerfile.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        part = line[:-1].rstrip() if line.endswith(escape) else line
        if continued:
            out[-1] += " " + part
        else:
            out.append(part)
        continued = line.endswith(escape)
    return out


def count_steps(dockerfile: str) -> int:
    """Instructions in a Dockerfile, as the classic builder numbers its steps."""
    return len(instructions(dockerfile))


def base_images(dockerfile: str) -> list[str]:
    """Images named in FROM lines (not earlier stages, `scratch`, or ARG-dependent names)."""
    stages: set[str] = set()
    out: list[str] = []
    for line in instructions(dockerfile):
        words = line.split()
        if words[0].upper() != "FROM":
            continue
        args = [w for w in words[1:] if not w.startswith("--")]
        if not args:
            continue
        image = args[0]
        if len(args) >= 3 and args[1].upper() == "AS":
            stages.add(args[2].lower())
        if image.lower() in stages or image == "scratch" or "$" in image or image in out:
            continue
        out.append(image)
    return out


_FROM_LINE = re.compile(
    r"^(?P<head>\s*FROM\s+(?:--\S+\s+)*)(?P<image>[^\s$]+)(?P<tail>(?:\s+AS\s+\S+)?\s*)$", re.I
)


def qualify_from(dockerfile: str, names: dict[str, str]) -> str:
    """Rewrite single-line `FROM image` instructions whose image is in `names` (a client's name
    -> the exact name podman must use), so podman never resolves a short name itself."""
    out = []
    for line in dockerfile.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        match = _FROM_LINE.match(body)
        if match and match["image"] in names:
            body = f"{match['head']}{names[match['image']]}{match['tail']}"
            line = body + line[len(line.rstrip("\r\n")) :]
        out.append(line)
    return "".join(out)


_RED, _RESET = "\x1b[91m", "\x1b[0m"  # dockerd's classic builder marks a step's stderr so


# podman's own progress on stderr while it pulls a base image: shown plain, as before
_PULL_PROGRESS = (
    "Trying to pull ", "Getting image source signatures", "Copying blob ", "Copying config ",
    "Writing manifest to image destination", "Storing signatures", "Resolved ",
)  # fmt: skip


def _podman_message(line: str) -> bool:
    return line.startswith(("Error: ", "WARN[", "ERRO[")) or (
        line.startswith("time=") and "level=" in line
    )


class BuildStream:
    """Feed `podman build` output lines; get Docker's classic builder stream lines back."""

    def __init__(
        self, total: int, quiet: bool = False, originals: dict[str, str] | None = None
    ) -> None:
        self.originals = originals or {}
        self.total = max(total, 1)
        self.quiet = quiet
        self.step = 0
        self.last_instruction = ""

    def feed(self, line: str, stderr: bool = False) -> list[dict[str, Any]]:
        """One line of podman's stdout, or of its stderr (a step's own stderr, which dockerd
        wraps in red colour codes, or podman's messages, which are not shown)."""
        if stderr and not line.startswith(_PULL_PROGRESS):
            if _podman_message(line):
                return []
            return self._out(f"{_RED}{line}\n{_RESET}")
        step = _STEP.match(line)
        if step:
            self.step += 1
            instruction = self._original(step["instr"])
            self.last_instruction = instruction
            self.total = max(self.total, self.step)
            return self._out(f"Step {self.step}/{self.total} : {instruction}\n")
        arrow = _ARROW.match(line)
        if arrow:
            ident = arrow["id"]
            if ident.startswith("Using cache "):
                return self._out(" ---> Using cache\n")
            return self._out(f" ---> {ident[:12]}\n")
        if (
            _COMMIT.match(line)
            or line.startswith("Successfully tagged ")
            or re.fullmatch(r"[0-9a-f]{64}", line)
            or _podman_message(line)
        ):
            return []
        return self._out(line + "\n")

    def _original(self, instruction: str) -> str:
        """Show FROM lines as the client wrote them, not as qualified for podman."""
        words = instruction.split()
        if len(words) >= 2 and words[0].upper() == "FROM":
            for i, word in enumerate(words[1:], 1):
                if word in self.originals:
                    words[i] = self.originals[word]
                    return " ".join(words)
        return instruction

    def _out(self, text: str) -> list[dict[str, Any]]:
        return [] if self.quiet else [{"stream": text}]


def failure(output: str) -> tuple[str, int]:
    """podman build's error -> (dockerd's message, exit code)."""
    match = _RUN_FAILED.search(output)
    if match and match["instr"].upper().startswith("RUN "):
        command = match["instr"][4:].strip()
        if command.startswith("["):
            with contextlib.suppress(json.JSONDecodeError):
                command = " ".join(json.loads(command))
        else:
            command = f"/bin/sh -c {command}"
        code = int(match["code"])
        return f"The command '{command}' returned a non-zero code: {code}", code
    lines = [ln for ln in output.splitlines() if ln.startswith("Error: ")]
    text = (
        lines[-1].removeprefix("Error: ")
        if lines
        else (output.strip().splitlines() or ["build failed"])[-1]
    )
    return text, 1


def success(image_id: str, tag_names: list[str]) -> list[dict[str, Any]]:
    full = image_id if image_id.startswith("sha256:") else f"sha256:{image_id}"
    out: list[dict[str, Any]] = [{"aux": {"ID": full}}]
    out.append({"stream": f"Successfully built {full.removeprefix('sha256:')[:12]}\n"})
    for tag in tag_names:
        out.append({"stream": f"Successfully tagged {docker_name(parse_reference(tag))}\n"})
    return out
