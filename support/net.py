"""Waiting for things, and ports to serve them on: for the tests and the benchmarks."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def free_port() -> int:
    """A loopback TCP port nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    check: Callable[[], T],
    what: str,
    timeout: float = 10.0,
    interval: float = 0.05,
    ignoring: tuple[type[BaseException], ...] = (),
) -> T:
    """Call ``check`` until it returns something true (returned), for ``timeout`` seconds
    at most (then TimeoutError, naming ``what``); exceptions in ``ignoring`` count as
    not yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except ignoring:
            result = None  # type: ignore[assignment]
        if result:
            return result
        if time.monotonic() >= deadline:
            raise TimeoutError(f"waited {timeout:g} s for {what}")
        time.sleep(interval)
