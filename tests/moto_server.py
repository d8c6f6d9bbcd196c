"""A moto server on 127.0.0.1 for the tests that run the CLI (or a CI recipe) in a subprocess, which in-process
``mock_aws`` cannot reach. botocore finds it through ``AWS_ENDPOINT_URL``; moto keeps process-wide state, so the
server is wiped before and after each use and a test starts from nothing."""

from __future__ import annotations

import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from moto.server import ThreadedMotoServer


def reset_moto(endpoint: str) -> None:
    urllib.request.urlopen(urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST"), timeout=10).close()


@contextmanager
def running_moto_server(monkeypatch: pytest.MonkeyPatch | None = None) -> Iterator[str]:
    """The endpoint of a fresh server. With ``monkeypatch`` the environment points at it, and one attempt per call:
    moto's 500s for what it does not implement are not worth botocore's retries."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    try:
        reset_moto(endpoint)
        if monkeypatch is not None:
            monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
            monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
        yield endpoint
    finally:
        reset_moto(endpoint)
        server.stop()
