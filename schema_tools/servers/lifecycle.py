"""What a local server and a docker one share: each is a context manager that starts the
server on entry and stops it on exit."""

from __future__ import annotations

from typing_extensions import Self


class Startable:
    """A server that :meth:`start` starts (returning itself) and :meth:`stop` stops; used
    in a ``with`` block, it runs for the block."""

    def start(self) -> Self:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
