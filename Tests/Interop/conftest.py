"""Fixtures for interop tests: a real third-party provider (llmock) on loopback and our CLI binary."""
import importlib.util
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# llmock's launcher and the fault cells live in scripts/reliability.py, which makes RELIABILITY.md;
# loaded once here, it is `import reliability` for the tests.
_spec = importlib.util.spec_from_file_location("reliability", REPO / "scripts" / "reliability.py")
reliability = importlib.util.module_from_spec(_spec)
sys.modules["reliability"] = reliability  # dataclasses look their module up there
_spec.loader.exec_module(reliability)


@pytest.fixture(scope="session")
def llmock():
    mock = reliability.LLMock()
    yield mock
    mock.stop()


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
