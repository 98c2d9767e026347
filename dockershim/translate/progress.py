"""Docker's JSON-progress lines, made from podman's pull/push/load output.

podman prints one line per blob when it starts copying it (`Copying blob sha256:...`, or
`... skipped: already exists`), then `Copying config`, `Writing manifest to image destination`,
`Storing signatures`. On a terminal (pull and push run podman on a pty for this) it redraws
per-blob bars instead, `Copying blob ID [==>--] 7.0MiB / 11.4MiB` then `... done`
(translate/terminal.py turns them into lines). Docker clients expect per layer: `Pulling fs
layer`, `Downloading` (progressDetail current/total, moving), `Verifying Checksum`, `Download
complete`, `Extracting`, `Pull complete` (or `Already exists`), then `Digest:` and the final
`Status:` line; for push `Preparing`, `Pushing` (moving), `Pushed` or `Layer already exists`.
Layer sizes come from the manifest when the caller knows it (exact; podman's are rounded).
"""

from __future__ import annotations

import re
from typing import Any

from dockershim.translate.terminal import byte_counts

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


def _skipped(rest: str) -> bool:
    return "skipped" in rest or "already exists" in rest


def _undecided(rest: str) -> bool:
    """A bar's first frame (`.`): podman has not yet checked whether the blob exists."""
    return bool(rest) and not rest.strip(". ")


def _moving(busy: str, ident: str, current: int, total: int) -> Line:
    detail = {"current": current, "total": total}
    return status(busy, ident, progressDetail=detail, progress=progress_bar(current, total))


class PullProgress:
    """Feed podman pull output lines; get Docker progress lines back."""

    def __init__(self, sizes: dict[str, int] | None = None) -> None:
        self.sizes = {short(k): v for k, v in (sizes or {}).items()}
        self.layers: list[str] = []
        self.existing: set[str] = set()
        self.downloaded: set[str] = set()
        self.extracted: set[str] = set()
        self.current: dict[str, int] = {}

    def feed(self, line: str) -> list[Line]:
        line = line.strip()
        blob = _BLOB.match(line)
        if blob:
            return self._blob(short(blob["digest"]), blob["rest"].strip())
        if _CONFIG.match(line):
            return self._downloads()
        if _MANIFEST.match(line):
            return self._downloads() + self._extracts()
        return []

    def _blob(self, ident: str, rest: str) -> list[Line]:
        out: list[Line] = []
        if _undecided(rest):
            return out
        if ident not in self.layers:
            self.layers.append(ident)
            if not _skipped(rest):
                out.append(status("Pulling fs layer", ident))
        if ident in self.existing or ident in self.downloaded:
            return out
        if _skipped(rest):
            self.existing.add(ident)
            return [*out, status("Already exists", ident)]
        if rest == "done":
            return out + self._phase_one(ident, self.downloaded, "Downloading", _DOWNLOADED)
        counts = byte_counts(rest)
        if counts:
            total = self.sizes.get(ident) or counts[1]
            current = min(counts[0], total)
            if current != self.current.get(ident):
                self.current[ident] = current
                out.append(_moving("Downloading", ident, current, total))
        return out

    def finish(self) -> list[Line]:
        return self._downloads() + self._extracts()

    def _downloads(self) -> list[Line]:
        return self._phase(self.downloaded, "Downloading", _DOWNLOADED)

    def _extracts(self) -> list[Line]:
        return self._phase(self.extracted, "Extracting", ("Pull complete",))

    def _phase(self, done: set[str], busy: str, finals: tuple[str, ...]) -> list[Line]:
        out: list[Line] = []
        for ident in self.layers:
            if ident not in self.existing and ident not in done:
                out += self._phase_one(ident, done, busy, finals)
        return out

    def _phase_one(
        self, ident: str, done: set[str], busy: str, finals: tuple[str, ...]
    ) -> list[Line]:
        """A layer through this phase: its bar full (when the size is known), then finals."""
        done.add(ident)
        total = self.sizes.get(ident)
        out = [_moving(busy, ident, total, total)] if total else []
        return out + [status(text, ident) for text in finals]


_DOWNLOADED = ("Verifying Checksum", "Download complete")


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
        self.layers: list[str] = []  # being pushed, in order
        self.seen: set[str] = set()
        self.pushed: set[str] = set()
        self.current: dict[str, int] = {}

    def feed(self, line: str) -> list[Line]:
        blob = _BLOB.match(line.strip())
        if not blob:
            if _MANIFEST.match(line.strip()):
                return self._pushed([i for i in self.layers if i not in self.pushed])
            return []
        ident, rest = short(blob["digest"]), blob["rest"].strip()
        out: list[Line] = []
        if _undecided(rest):
            return out
        if ident not in self.seen:
            self.seen.add(ident)
            out.append(status("Preparing", ident))
            if _skipped(rest):
                return [*out, status("Layer already exists", ident)]
            self.layers.append(ident)
            out.append(status("Pushing", ident))
        if ident not in self.layers or ident in self.pushed:
            return out
        if _skipped(rest):  # podman's first frame had not decided yet
            self.layers.remove(ident)
            return [*out, status("Layer already exists", ident)]
        if rest == "done":
            return out + self._pushed([ident])
        counts = byte_counts(rest)
        if counts and counts[0] != self.current.get(ident):
            self.current[ident] = counts[0]
            out.append(_moving("Pushing", ident, min(counts), counts[1]))
        return out

    def _pushed(self, idents: list[str]) -> list[Line]:
        self.pushed.update(idents)
        return [status("Pushed", ident) for ident in idents]


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
