"""The suite's own guard rails: unit tests cannot reach the network, engine tests must say they do."""
from __future__ import annotations

import socket

import pytest
from pytest_socket import SocketBlockedError

from tests.conftest import ROOT

pytest_plugins = ["pytester"]


def test_a_unit_test_cannot_open_a_socket():
    with pytest.warns(UserWarning, match="socket"), pytest.raises(SocketBlockedError):
        socket.create_connection(("127.0.0.1", 9200), timeout=0.5)


def test_an_engine_fixture_without_its_marker_fails_the_test(pytester, monkeypatch):
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest("""
import pytest
pytest_plugins = ["tests.conftest"]
""")
    pytester.makepyfile(test_unmarked="""
def test_reads_the_engine(es):
    pass
""")
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "--disable-socket")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*uses es but is not marked es, browser, node or cluster*"])
