"""A child process that cannot outlive the upgrade that started it.

pt-online-schema-change keeps copying rows, then swaps the tables, for as long as it
runs: left on its own (the upgrade killed), it would finish a change nobody follows up.
So it runs

* in a process group of its own: a Ctrl-C on the terminal reaches the upgrade only, which
  stops the child itself and reports what it left;
* with a parent-death signal (Linux ``prctl(PR_SET_PDEATHSIG, SIGTERM)``): when the upgrade
  dies, even by ``SIGKILL``, the kernel sends the child ``SIGTERM``; pt-osc then stops
  (it does not drop its triggers or ``_<table>_new``: the next upgrade does);
* holding a copy of the file descriptor of the upgrade's advisory-lock connection: the
  server keeps that connection, and the lock, until the last process holding it exits.
  A copy that outlives the upgrade therefore keeps the next upgrade out until it is over.

The parent-death signal comes from the thread that started the child: start it from the
thread that lives as long as the run (the main thread, in the command line).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

from ..processes import bound_to


def _bound_to(parent: int, death_signal: int):
    """preexec_fn: the kernel sends ``death_signal`` when ``parent`` dies (Linux)."""
    return bound_to(parent, death_signal)


def spawn(argv: Sequence[str], *, keep_open: Sequence[int] = (), env: dict | None = None,
          death_signal: int = signal.SIGTERM) -> subprocess.Popen:
    """Start ``argv`` bound to this process: its own process group, ``death_signal`` when
    this process dies, ``keep_open`` descriptors inherited.  Its output (stdout and stderr)
    is a text pipe, read line by line."""
    return subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            stdin=subprocess.DEVNULL, env=env, start_new_session=True,
                            pass_fds=tuple(keep_open), preexec_fn=_bound_to(os.getpid(), death_signal))


def terminate(proc: subprocess.Popen) -> None:
    """``SIGTERM`` to the child's process group (it exits in its own time)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)


def exit_words(status: int) -> str:
    """``exit 1``, or ``killed by SIGKILL``."""
    if status < 0:
        try:
            name = signal.Signals(-status).name
        except ValueError:
            name = f"signal {-status}"
        return f"killed by {name}"
    return f"exit {status}"


def signal_name(signum: int) -> str:
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def host() -> str:
    return socket.gethostname()


def start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (tells a reused pid apart); None when it is not
    running (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def running(pid: int | None, started: str | None = None, on_host: str | None = None) -> bool | None:
    """Whether process ``pid`` (started at kernel time ``started``, on ``on_host``) still
    runs; None when this host cannot tell (another host, no /proc)."""
    if pid is None or (on_host is not None and on_host != host()) or not os.path.isdir("/proc"):
        return None
    now = start_time(pid)
    return now is not None and (started is None or now == started)


def wait_gone(pid: int, timeout: float) -> bool:
    """Until ``pid`` is gone (True) or ``timeout`` seconds have passed (False)."""
    deadline = time.monotonic() + timeout
    while start_time(pid) is not None:
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


# ---------------------------------------------------------------------------------------
# the upgrade's own signals


class Interrupted(KeyboardInterrupt):
    """A signal asked the upgrade to stop (``SIGINT``, ``SIGTERM``, ``SIGHUP``)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal_name(signum))
        self.signum = signum


@contextlib.contextmanager
def interruptible(signums: Sequence[int] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)):
    """While active, the signals raise :class:`Interrupted` where the program is, so that
    it stops what it runs (pt-osc included) and says where it stopped, instead of dying
    silently.  Only in the main thread (elsewhere, nothing changes)."""
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def raise_it(signum, frame):
        raise Interrupted(signum)

    previous = {}
    for signum in signums:
        with contextlib.suppress(ValueError, OSError):
            previous[signum] = signal.signal(signum, raise_it)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            with contextlib.suppress(ValueError, OSError):
                signal.signal(signum, signal.SIG_DFL if handler is None else handler)
