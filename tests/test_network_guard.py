"""The suite's network guard holds in the test process and in the processes it starts."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

TEST_NET = "203.0.113.1"  # TEST-NET-3 (RFC 5737): never routed; refused before any packet


def test_a_connection_off_this_machine_is_refused_here():
    with pytest.raises(OSError, match="tests never touch the network"):
        socket.create_connection((TEST_NET, 80), timeout=1)


def test_loopback_stays_open():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=1):
            pass


def test_a_python_child_process_is_guarded_too():
    code = f"import socket; socket.create_connection(({TEST_NET!r}, 80), timeout=1)"
    done = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True)
    assert done.returncode != 0
    assert "tests never touch the network" in done.stderr, done.stderr


def test_a_crawl_child_cannot_reach_a_real_source(runner, tmp_path, monkeypatch):
    import os

    from exportkit.cli import main

    log = tmp_path / "refused.log"
    monkeypatch.setenv("EXPORTKIT_TEST_NETGUARD_LOG", str(log))
    result = runner.invoke(
        main,
        ["crawl", "worldbank", "--countries", "THA", "--years", "2023",
         "--indicators", "SP.POP.TOTL", "--source-url", f"worldbank=http://{TEST_NET}",
         "-s", "RETRY_TIMES=0", "--db", str(tmp_path / "m.duckdb")],
    )  # fmt: skip
    assert result.exit_code != 0
    assert "0 stored" in result.output, result.output
    pid, host = log.read_text().split("\n")[0].split()
    assert host == TEST_NET and int(pid) != os.getpid()  # refused in the crawl's own process
