"""The activator's resident loop: poll the listening socket, start the service, wait, re-arm.

This is what stays in memory all year, so it imports only os, select, signal, sys and time (no
socket module, no argparse, no site): `activator.py` sets up the socket and then re-executes
Python with `-S` straight into `lean_main()` here.

It does what systemd's `.socket` unit does with `Accept=no`: wait until a client connects
(poll() for readability, never accept()), start `dockershim serve` with the socket on fd 3
(LISTEN_FDS=1, LISTEN_PID=the service), wait for the service to exit (its idle exit), re-arm.
A client that connects while the service is exiting waits in the kernel's backlog and wakes the
next activation: nobody is refused, nobody reset.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import time

TYPE_CHECKING = False  # not `from typing import`: typing alone costs 1 MB resident here
if TYPE_CHECKING:
    from collections.abc import Sequence

LISTEN_FD = 3  # SD_LISTEN_FDS_START
_FAST_FAILURE = 5.0  # a service that fails sooner than this counts towards the back-off
_MAX_BACKOFF = 30.0
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def say(message: str) -> None:
    sys.stderr.write(f"dockershim activate: {message}\n")
    sys.stderr.flush()


class Activator:
    def __init__(
        self, fd: int, command: Sequence[str], path: str | None = None, inode: int = 0
    ) -> None:
        self.fd = fd
        self.command = list(command)
        self.path = path  # unlinked on exit when it is still the file we bound
        self.inode = inode
        self.child: int | None = None
        self.stopping = False
        self.activations = 0
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)

    def install_signals(self) -> None:
        signal.set_wakeup_fd(self._wake_w, warn_on_full_buffer=False)
        for signum in _STOP_SIGNALS:
            signal.signal(signum, self._on_signal)

    def _on_signal(self, signum: int, _frame: object) -> None:
        self.stopping = True
        if self.child is not None:
            try:  # noqa: SIM105 - contextlib would cost resident memory for nothing
                os.kill(self.child, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def wait_for_client(self) -> bool:
        """Block until a connection waits in the backlog (True) or we are told to stop."""
        poller = select.poll()
        poller.register(self.fd, select.POLLIN)
        poller.register(self._wake_r, select.POLLIN)
        while not self.stopping:
            for fd, _event in poller.poll():
                if fd == self._wake_r:
                    os.read(self._wake_r, 512)
                elif not self.stopping:
                    return True
        return False

    def spawn(self) -> int:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LISTEN_")}
        env["LISTEN_FDS"] = "1"
        env["LISTEN_FDNAMES"] = "docker"
        pid = os.fork()
        if pid == 0:  # the child: only system calls until exec
            try:
                signal.set_wakeup_fd(-1)
                for signum in _STOP_SIGNALS:
                    signal.signal(signum, signal.SIG_DFL)
                if self.fd != LISTEN_FD:
                    os.dup2(self.fd, LISTEN_FD)
                os.set_inheritable(LISTEN_FD, True)
                null = os.open(os.devnull, os.O_RDONLY)
                os.dup2(null, 0)
                env["LISTEN_PID"] = str(os.getpid())
                os.execve(self.command[0], self.command, env)
            except BaseException as exc:  # nothing may unwind past a fork
                os.write(2, f"dockershim activate: cannot start service: {exc}\n".encode())
            os._exit(127)
        return pid

    def run_once(self) -> int:
        """Start the service and wait for it to exit; its exit code."""
        self.activations += 1
        self.child = self.spawn()
        if self.stopping:  # a signal arrived between fork and here
            os.kill(self.child, signal.SIGTERM)
        _, status = os.waitpid(self.child, 0)
        self.child = None
        return os.waitstatus_to_exitcode(status)

    def run(self) -> int:
        failures = 0
        while self.wait_for_client():
            started = time.monotonic()
            code = self.run_once()
            if self.stopping:
                break
            if code == 0 or time.monotonic() - started >= _FAST_FAILURE:
                failures = 0
                continue
            failures += 1
            delay = min(0.5 * 2 ** (failures - 1), _MAX_BACKOFF)
            say(f"service exited with {code}; next start in {delay:g}s")
            self._sleep(delay)
        self.close()
        return 0

    def _sleep(self, seconds: float) -> None:
        poller = select.poll()
        poller.register(self._wake_r, select.POLLIN)
        deadline = time.monotonic() + seconds
        while not self.stopping and (left := deadline - time.monotonic()) > 0:
            poller.poll(int(left * 1000) + 1)

    def close(self) -> None:
        if self.path:
            try:
                if os.stat(self.path).st_ino == self.inode:
                    os.unlink(self.path)
            except OSError:
                pass
        os.close(self.fd)


def lean_main(argv: Sequence[str]) -> int:
    """Entry after the re-exec: FD PATH INODE COMMAND..."""
    fd, path, inode, *command = argv
    os.set_inheritable(int(fd), False)
    activator = Activator(int(fd), command, path or None, int(inode))
    activator.install_signals()
    return activator.run()
