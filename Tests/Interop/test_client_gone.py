"""A runtime ends when its client is gone (issue #23, row 15), through the official Python SDK 1.0.27.

An app (a Python process using the SDK) starts the runtime over stdio, and the model (llmock) asks
to run a command; the app's permission handler never answers — the app is killed, or the runtime is
told to stop, while the request is pending. The probe found such a runtime alive 49 minutes later,
ignoring SIGTERM. Here the runtime must exit within seconds either way, and end what it started."""
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest

APP = textwrap.dedent("""
    import asyncio, sys
    from copilot import CopilotClient, RuntimeConnection

    async def main():
        runtime, base, workdir, waiting_in = sys.argv[1:5]

        async def never_answers(*_):
            print("asked", flush=True)
            await asyncio.Event().wait()

        async def approve(*_):
            return {"kind": "approve-once"}

        client = CopilotClient(connection=RuntimeConnection.for_stdio(path=runtime))
        await client.start()
        session = await client.create_session(
            on_permission_request=never_answers if waiting_in == "permission" else approve, model="gpt-4o-mini",
            hooks={"on_pre_tool_use": never_answers} if waiting_in == "hook" else None,
            provider={"type": "openai", "base_url": base + "/v1", "api_key": "sk-gone-test"},
            working_directory=workdir, available_tools=["bash"])
        await session.send("Run the command.")
        await asyncio.Event().wait()

    asyncio.run(main())
""")


def start_app(tmp_path, cli_binary, mock, waiting_in):
    """The app, with the runtime behind a wrapper that notes its process id."""
    pid_file = tmp_path / "runtime.pid"
    wrapper = tmp_path / "runtime.sh"
    extra = os.environ.get("GONE_EXTRA", "")  # e.g. "--log-level all 2>/tmp/runtime.log" to see what it did
    wrapper.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec {cli_binary} \"$@\" {extra}\n")
    wrapper.chmod(0o755)
    mock.reset()
    mock.scenario([
        {"type": "reply", "tool_calls": [{"name": "bash", "arguments": {"command": "sleep 1234567", "description": "wait"}}]},
        {"type": "reply", "text": "Done.", "times": None},
    ])
    env = dict(os.environ, COPILOT_SWIFT_HOME=str(tmp_path / "home"))
    app = subprocess.Popen([sys.executable, "-c", APP, str(wrapper), mock.base, str(tmp_path), waiting_in],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert app.stdout.readline().strip() == "asked", f"the {waiting_in} request never reached the app"
    return app, int(pid_file.read_text())


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def wait_for_end(pid: int, within: float) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("waiting_in", ["permission", "hook"])
def test_the_runtime_ends_when_its_app_dies_with_a_request_to_it_pending(fresh_llmock, cli_binary, tmp_path, waiting_in):
    app, runtime = start_app(tmp_path, cli_binary, fresh_llmock, waiting_in)
    try:
        app.kill()
        app.wait(timeout=10)
        assert wait_for_end(runtime, within=10), "the runtime outlived its client by 10 s"
    finally:
        if alive(runtime):
            os.kill(runtime, signal.SIGKILL)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("waiting_in", ["permission", "hook"])
def test_sigterm_ends_the_runtime_with_a_request_to_it_pending(fresh_llmock, cli_binary, tmp_path, waiting_in):
    app, runtime = start_app(tmp_path, cli_binary, fresh_llmock, waiting_in)
    try:
        os.kill(runtime, signal.SIGTERM)
        assert wait_for_end(runtime, within=10), "SIGTERM left the runtime running for 10 s"
    finally:
        app.kill()
        app.wait(timeout=10)
        if alive(runtime):
            os.kill(runtime, signal.SIGKILL)
