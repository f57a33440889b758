"""The suite's own guard (tests/conftest.py): a test process may connect only to this machine."""

import socket

import pytest


def test_connections_outside_this_machine_are_refused():
    with socket.socket() as sock, pytest.raises(OSError, match="never touch the network"):
        sock.connect(("192.0.2.1", 80))  # TEST-NET-1: refused before any packet is sent


def test_loopback_connections_are_allowed():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket() as client:
            client.connect(server.getsockname())
