"""Child processes bound to the process that starts them (Linux).

A throwaway server, or pt-online-schema-change, must not outlive schema-tools: the kernel's
parent-death signal (``prctl(PR_SET_PDEATHSIG)``) ends the child when its parent dies, even
by ``SIGKILL``.  Elsewhere it is not available, and callers rely on their other guards.
"""

from __future__ import annotations

import ctypes
import os
import sys

_PR_SET_PDEATHSIG = 1


def _load_libc():
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True)
    except OSError:
        return None


_LIBC = _load_libc()  # loaded before any fork: the child only calls into it


def bound_to(parent: int, death_signal: int, exit_code: int | None = None):
    """A ``preexec_fn``: the kernel sends ``death_signal`` to the child when ``parent``
    dies; a child whose parent died before that took effect exits at once (with
    ``exit_code``, default ``128 + death_signal``)."""
    def setup() -> None:
        if _LIBC is not None:
            _LIBC.prctl(_PR_SET_PDEATHSIG, death_signal, 0, 0, 0)
        if os.getppid() != parent:
            os._exit(128 + death_signal if exit_code is None else exit_code)
    return setup
