"""Docker's JSON-progress lines, made from podman's pull/push/load output.

podman (not on a terminal) prints one line per blob when it starts copying it
(`Copying blob sha256:...`, or `... skipped: already exists`), then `Copying config`,
`Writing manifest to image destination`, `Storing signatures`. Docker clients expect per layer:
`Pulling fs layer`, `Downloading` (progressDetail current/total), `Verifying Checksum`,
`Download complete`, `Extracting`, `Pull complete` (or `Already exists`), then `Digest:` and
the final `Status:` line. Layer sizes come from the manifest when the caller knows it.
"""

from __future__ import annotations

import re
from typing import Any

Line = dict[str, Any]

_BLOB = re.compile(r"^Copying blob (?:sha256:)?(?P<digest>[0-9a-f]{12,64})(?P<rest>.*)$")
_CONFIG = re.compile(r"^Copying config ")
_MANIFEST = re.compile(r"^Writing manifest to image destination")


def short(digest: str) -> str:
    return digest.removeprefix("sha256:")[:12]


def progress_bar(current: int, total: int) -> str:
    width = 50
    filled = min(width, int(width * current / total)) if total else 0
    bar = "=" * filled + (">" if filled < width else "") + " " * max(0, width - filled - 1)
    return f"[{bar}]  {_size(current)}/{_size(total)}"


def _size(n: int) -> str:
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= scale:
            return f"{n / scale:.4g}{unit}"
    return f"{n}B"


def status(text: str, ident: str | None = None, **extra: Any) -> Line:
    line: Line = {"status": text}
    if ident is not None:
        line["progressDetail"] = extra.pop("progressDetail", {})
        line["id"] = ident
    line.update(extra)
    return line


def error(message: str) -> Line:
    return {"errorDetail": {"message": message}, "error": message}


class PullProgress:
    """Feed podman pull output lines; get Docker progress lines back."""

    def __init__(self, sizes: dict[str, int] | None = None) -> None:
        self.sizes = {short(k): v for k, v in (sizes or {}).items()}
        self.layers: list[str] = []
        self.existing: set[str] = set()
        self.downloaded: set[str] = set()
        self.extracted: set[str] = set()

    def feed(self, line: str) -> list[Line]:
        line = line.strip()
        blob = _BLOB.match(line)
        if blob:
            ident = short(blob["digest"])
            if ident in self.layers:
                return []
            self.layers.append(ident)
            if "skipped" in blob["rest"] or "already exists" in blob["rest"]:
                self.existing.add(ident)
                return [status("Already exists", ident)]
            return [status("Pulling fs layer", ident)]
        if _CONFIG.match(line):
            return self._downloads()
        if _MANIFEST.match(line):
            return self._downloads() + self._extracts()
        return []

    def finish(self) -> list[Line]:
        return self._downloads() + self._extracts()

    def _downloads(self) -> list[Line]:
        return self._phase(
            self.downloaded, "Downloading", ("Verifying Checksum", "Download complete")
        )

    def _extracts(self) -> list[Line]:
        return self._phase(self.extracted, "Extracting", ("Pull complete",))

    def _phase(self, done: set[str], busy: str, finals: tuple[str, ...]) -> list[Line]:
        """Each layer not yet through this phase: a full progress bar (size known), then finals."""
        out: list[Line] = []
        for ident in self.layers:
            if ident in self.existing or ident in done:
                continue
            done.add(ident)
            total = self.sizes.get(ident)
            if total:
                detail = {"current": total, "total": total}
                out.append(
                    status(busy, ident, progressDetail=detail, progress=progress_bar(total, total))
                )
            out += [status(text, ident) for text in finals]
        return out


def pull_header(path: str, tag_or_digest: str) -> Line:
    """`Pulling from library/busybox` with the tag (or digest) as id, as dockerd sends it."""
    return status(f"Pulling from {path}", tag_or_digest)


def pull_footer(digest: str | None, name: str, newer: bool) -> list[Line]:
    out: list[Line] = []
    if digest:
        out.append(status(f"Digest: {digest}"))
    word = "Downloaded newer image for" if newer else "Image is up to date for"
    out.append(status(f"Status: {word} {name}"))
    return out


def _repo_digests(info: dict[str, Any], repository: str) -> list[str]:
    out = []
    for entry in info.get("RepoDigests") or []:
        repo, _, digest = str(entry).partition("@")
        if repo == repository and digest not in out:
            out.append(digest)
    return out


def pulled_digest(before: dict[str, Any], after: dict[str, Any], repository: str) -> str | None:
    """The manifest digest a pull fetched: the one the pull added to the image, else the only
    one known for the repository, else podman's primary digest."""
    new = [
        d for d in _repo_digests(after, repository) if d not in _repo_digests(before, repository)
    ]
    if len(new) == 1:
        return new[0]
    known = _repo_digests(after, repository)
    if len(known) == 1:
        return known[0]
    digest = after.get("Digest")
    return str(digest) if digest else None


def manifest_sizes(manifest: Any) -> dict[str, int]:
    """Layer digest -> compressed size from a (single-image) registry manifest."""
    sizes: dict[str, int] = {}
    if isinstance(manifest, dict):
        for layer in manifest.get("layers") or []:
            if isinstance(layer, dict) and layer.get("digest"):
                sizes[str(layer["digest"])] = int(layer.get("size") or 0)
    return sizes


class PushProgress:
    """Feed podman push output lines; get dockerd's push lines back."""

    def __init__(self) -> None:
        self.layers: list[str] = []

    def feed(self, line: str) -> list[Line]:
        blob = _BLOB.match(line.strip())
        if not blob:
            if _MANIFEST.match(line.strip()):
                return [status("Pushed", ident) for ident in self.layers]
            return []
        ident = short(blob["digest"])
        if ident in self.layers:
            return []
        if "skipped" in blob["rest"] or "already exists" in blob["rest"]:
            return [status("Preparing", ident), status("Layer already exists", ident)]
        self.layers.append(ident)
        return [status("Preparing", ident), status("Pushing", ident)]


def push_footer(tag: str, digest: str, size: int | None) -> list[Line]:
    text = f"{tag}: digest: {digest}"
    if size:
        text += f" size: {size}"
    aux: dict[str, Any] = {"Tag": tag, "Digest": digest}
    if size:
        aux["Size"] = size
    return [status(text), {"progressDetail": {}, "aux": aux}]


_LOADED = re.compile(r"^Loaded image(?:\(s\))?: (?P<names>.+)$")


def loaded_names(output: str) -> list[str]:
    """`podman load` stdout -> the names it loaded (comma separated on one line)."""
    names: list[str] = []
    for line in output.splitlines():
        match = _LOADED.match(line.strip())
        if match:
            names += [n.strip() for n in match["names"].split(",") if n.strip()]
    return names
