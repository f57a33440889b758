"""Tests never touch the network: every connection that is not to this machine is refused.

Python imports ``sitecustomize`` at start-up from its path, and the test suite puts this
folder on ``PYTHONPATH``, so the guard also holds in every Python process the tests start
(the crawl runner, Scrapyd and its jobs), not only in the test process itself.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket

REFUSED = "tests never touch the network: refused a connection to"
LOG_ENV = "EXPORTKIT_TEST_NETGUARD_LOG"  # a file each refusal is appended to (for the tests)


def _loopback_only(address: object) -> None:
    if not isinstance(address, tuple):
        return  # AF_UNIX path
    host = str(address[0])
    if host == "localhost":
        return
    try:
        if ipaddress.ip_address(host.split("%")[0]).is_loopback:
            return
    except ValueError:
        pass
    log = os.environ.get(LOG_ENV)
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{os.getpid()} {host}\n")
    # With an errno, as a real refusal has: Twisted reads args[0] as one.
    raise OSError(errno.ENETUNREACH, f"{REFUSED} {host}")


def install() -> None:
    """Guard ``socket.connect``/``connect_ex`` of this process (once)."""
    if getattr(socket.socket.connect, "_loopback_only", False):
        return
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex

    def connect(self, address):
        _loopback_only(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        _loopback_only(address)
        return real_connect_ex(self, address)

    connect._loopback_only = True
    socket.socket.connect, socket.socket.connect_ex = connect, connect_ex


install()
