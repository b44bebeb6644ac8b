"""Children end with their session (issue #23, row 8), through the official Python SDK 1.0.27.

The model (llmock) has the `bash` tool start three sleepers that try to outlive it: one in the
background of the shell (`&`, so it stays in the shell's group after the shell exits), one in a new
session (`setsid`, out of the group) and one under `nohup`. Each test then ends the runtime the way
users do — the client stops (stdio runtime: its input ends), the server gets SIGTERM, or the runtime
is SIGKILLed and started again — and no sleeper may be left."""
import asyncio
import os
import random
import signal
import subprocess
import time

import pytest

from copilot import CopilotClient, RuntimeConnection
from copilot.session import PermissionHandler

from test_python_sdk import provider, run, sdk_env, start_server  # noqa: F401  (sdk_env is a fixture)


def sleepers(seconds: int) -> list[int]:
    """Process ids of `sleep SECONDS` processes of this user."""
    found = subprocess.run(["pgrep", "-f", f"^sleep {seconds}$"], capture_output=True, text=True).stdout.split()
    return [int(pid) for pid in found]


def wait_until_gone(seconds: int, within: float) -> list[int]:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not sleepers(seconds):
            return []
        time.sleep(0.1)
    return sleepers(seconds)


def script_escaping_commands(mock, seconds: int):
    command = (f"sleep {seconds} & setsid sleep {seconds} >/dev/null 2>&1 < /dev/null & "
               f"nohup sleep {seconds} >/dev/null 2>&1 < /dev/null & echo started")
    mock.reset()
    mock.scenario([
        {"type": "reply", "tool_calls": [{"name": "bash", "arguments": {"command": command, "description": "start sleepers"}}]},
        {"type": "reply", "text": "They run.", "times": None},
    ])


async def start_sleepers(client, mock, tmp_path):
    session = await client.create_session(
        on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(mock),
        working_directory=str(tmp_path), available_tools=["bash"])
    reply = await session.send_and_wait("Start the sleepers.", timeout=60)
    assert reply is not None and reply.data.content == "They run."
    return session


@pytest.fixture()
def seconds():
    """A sleep length no other test or program uses, so pgrep finds only this test's sleepers."""
    value = random.randrange(700_000, 900_000)
    yield value
    for pid in sleepers(value):
        os.kill(pid, signal.SIGKILL)


def test_a_stopped_client_ends_what_its_stdio_runtime_started(fresh_llmock, sdk_env, tmp_path, seconds):
    script_escaping_commands(fresh_llmock, seconds)

    async def main():
        client = CopilotClient()
        await client.start()
        await start_sleepers(client, fresh_llmock, tmp_path)
        assert len(sleepers(seconds)) == 3
        await client.stop()

    run(main())
    assert wait_until_gone(seconds, within=10) == []


def test_sigterm_ends_what_the_servers_sessions_started(fresh_llmock, cli_binary, tmp_path, seconds):
    script_escaping_commands(fresh_llmock, seconds)
    process, port = start_server(cli_binary, env=dict(os.environ, COPILOT_SWIFT_HOME=str(tmp_path / "home")))
    try:
        async def main():
            client = CopilotClient(connection=RuntimeConnection.for_uri(f"127.0.0.1:{port}", connection_token="interop-token-123"))
            await client.start()
            await start_sleepers(client, fresh_llmock, tmp_path)
            assert len(sleepers(seconds)) == 3
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=15) is not None
            await client.force_stop()  # the server is gone; there is nobody to say goodbye to

        run(main())
        assert wait_until_gone(seconds, within=5) == []
    finally:
        if process.poll() is None:
            process.kill()


def test_a_runtime_started_after_a_crash_ends_what_the_dead_one_left(fresh_llmock, cli_binary, tmp_path, seconds):
    script_escaping_commands(fresh_llmock, seconds)
    home = str(tmp_path / "home")
    process, port = start_server(cli_binary, env=dict(os.environ, COPILOT_SWIFT_HOME=home))
    try:
        async def main():
            client = CopilotClient(connection=RuntimeConnection.for_uri(f"127.0.0.1:{port}", connection_token="interop-token-123"))
            await client.start()
            await start_sleepers(client, fresh_llmock, tmp_path)
            process.kill()
            process.wait(timeout=10)
            await client.force_stop()

        run(main())
        # SIGKILL gives a runtime no chance: its children live on…
        assert len(sleepers(seconds)) == 3
        # …until a runtime starts again and finds them marked with an owner that is gone.
        again, _ = start_server(cli_binary, env=dict(os.environ, COPILOT_SWIFT_HOME=home))
        try:
            assert wait_until_gone(seconds, within=10) == []
        finally:
            again.terminate()
            again.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
