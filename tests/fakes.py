"""A fake podman runner for HTTP-layer tests of pure translation: canned answers by argv prefix.

Never the proof that a feature works; integration tests drive real podman for that.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from dockershim.podman import Completed, PodmanRunner
from dockershim.podman.errors import classify
from dockershim.podman.lanes import Kind

FIXTURES = Path(__file__).parent / "fixtures" / "podman"


def fixture_json(name: str) -> Any:
    return json.loads((FIXTURES / name).read_text())


class FakePodman(PodmanRunner):
    def __init__(self) -> None:
        super().__init__("podman-fake")
        self.answers: list[tuple[list[str], Completed]] = []
        self.calls: list[list[str]] = []

    def answer(
        self, prefix: Sequence[str], stdout: Any = "", *, stderr: str = "", rc: int = 0
    ) -> None:
        out = stdout if isinstance(stdout, (str, bytes)) else json.dumps(stdout)
        data = out.encode() if isinstance(out, str) else out
        self.answers.insert(
            0, (list(prefix), Completed(["podman", *prefix], rc, data, stderr.encode()))
        )

    async def run(
        self,
        args: Sequence[str],
        *,
        timeout: float | None = None,
        stdin: bytes | None = None,
        check: bool = True,
        kind: Kind | None = None,
    ) -> Completed:
        self.calls.append(list(args))
        for prefix, result in self.answers:
            if list(args[: len(prefix)]) == prefix:
                if check and result.returncode != 0:
                    raise classify(result.err_text, result.returncode)
                return result
        raise AssertionError(f"unexpected podman call: {list(args)}")
