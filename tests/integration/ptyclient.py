"""Drive a command (the docker CLI) through a real pseudo-terminal, as a user at a terminal.

The child gets the pty slave as its controlling terminal, so `docker run -it` puts it in raw
mode, reads its size, and gets SIGWINCH from the kernel when `resize()` changes it.
"""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import subprocess
import termios
import time


def _controlling_tty() -> None:  # pragma: no cover - runs in the child
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


class PtyClient:
    def __init__(
        self, argv: list[str], env: dict[str, str], rows: int = 24, cols: int = 80
    ) -> None:
        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        self.proc = subprocess.Popen(
            argv,
            stdin=slave,
            stdout=slave,
            stderr=slave,
            env=env,
            preexec_fn=_controlling_tty,
            close_fds=True,
        )
        os.close(slave)
        self.output = b""

    def send(self, data: bytes) -> None:
        os.write(self.master, data)

    def resize(self, rows: int, cols: int) -> None:
        # the kernel signals the terminal's foreground process group (the CLI) with SIGWINCH
        fcntl.ioctl(self.master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))

    def _read_some(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.master], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.master, 65536)
        except OSError:
            return False
        if not data:
            return False
        self.output += data
        return True

    def expect(self, needle: bytes, timeout: float = 30.0) -> bytes:
        """Read until `needle` appears after what earlier expects consumed."""
        deadline = time.monotonic() + timeout
        while needle not in self.output:
            left = deadline - time.monotonic()
            if left <= 0 or not self._read_some(min(left, 0.5)):
                if needle in self.output:
                    break
                raise AssertionError(f"{needle!r} not seen; output so far: {self.output!r}")
        before, _, after = self.output.partition(needle)
        self.output = after
        return before + needle

    def wait(self, timeout: float = 30.0) -> int:
        deadline = time.monotonic() + timeout
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read_some(0.2)
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError(f"command did not end; output: {self.output!r}")
        while self._read_some(0.05) and select.select([self.master], [], [], 0)[0]:
            pass
        return self.proc.returncode

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)
