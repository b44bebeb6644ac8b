"""Fixtures for interop tests: a real third-party provider (llmock) on loopback and our CLI binary."""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LLMock:
    """A running `llmock serve`, with helpers for its control endpoints."""

    def __init__(self, port: int):
        self.port = port
        self.base = f"http://127.0.0.1:{port}"

    def _call(self, method: str, path: str, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def reset(self):
        self._call("POST", "/_llmock/reset")

    def scenario(self, behaviors):
        self._call("POST", "/_llmock/scenario", {"behaviors": behaviors})

    def verdict(self):
        return self._call("GET", "/_llmock/verdict")

    def requests(self):
        return self._call("GET", "/_llmock/requests")["requests"]


@pytest.fixture(scope="session")
def llmock():
    port = free_port()
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "llmock"), "serve", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    mock = LLMock(port)
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(mock.base + "/v1/models", timeout=1).read()
            break
        except OSError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                pytest.fail("llmock did not start")
            time.sleep(0.1)
    yield mock
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture()
def fresh_llmock(llmock):
    llmock.reset()
    return llmock


@pytest.fixture(scope="session")
def cli_binary():
    binary = Path(os.environ.get("COPILOT_SWIFT_BIN", REPO / ".build" / "debug" / "copilot-swift"))
    if not binary.exists():
        pytest.fail(f"copilot-swift binary not found at {binary}; build it first (swift build)")
    return binary


@pytest.fixture(scope="session")
def cli(cli_binary):
    binary = cli_binary

    def run(*args, timeout=60):
        return subprocess.run([str(binary), *args], capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    return run
