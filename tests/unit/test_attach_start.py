"""How an ended `podman start --attach` child is read (engine/attach.py): podman's own start
failure becomes the start request's error; a container's own exit 125 keeps its output."""

from __future__ import annotations

from dockershim.engine.attach import _start_error
from dockershim.podman import PodmanRunner

FAILED = (
    "Error: unable to start container " + "f" * 64 + ": runc: runc create failed: exec: "
    '"nosuchcmd": executable file not found in $PATH'
)


async def test_podmans_failure_is_the_start_error() -> None:
    child = await PodmanRunner("/bin/sh").spawn(["-c", f"echo '{FAILED}' >&2; exit 125"])
    await child.wait()
    error = await _start_error(child, certain=False)
    assert error is not None
    assert error.message.startswith("runc: runc create failed")  # without podman's preamble
    assert "executable file not found" in error.message
    await child.close()


async def test_a_containers_own_125_keeps_its_output() -> None:
    child = await PodmanRunner("/bin/sh").spawn(["-c", "echo out; echo err >&2; exit 125"])
    await child.wait()
    assert await _start_error(child, certain=False) is None
    assert child.process.stderr is not None and child.process.stdout is not None
    assert await child.process.stderr.read() == b"err\n"  # handed back for the pump
    assert await child.process.stdout.read() == b"out\n"
    await child.close()


async def test_a_start_that_never_happened_is_podmans_error_whatever_it_says() -> None:
    child = await PodmanRunner("/bin/sh").spawn(["-c", "echo 'Error: some failure' >&2; exit 126"])
    await child.wait()
    error = await _start_error(child, certain=True)
    assert error is not None and error.message == "some failure"
    await child.close()


async def test_a_clean_exit_is_no_error() -> None:
    child = await PodmanRunner("/bin/sh").spawn(["-c", "exit 0"])
    await child.wait()
    assert await _start_error(child, certain=True) is None
    await child.close()
