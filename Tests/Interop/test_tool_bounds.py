"""What a model or a provider can make the runtime hold (issue #23, rows 2 and 7), through the official
Python SDK 1.0.27 on a shared `copilot-swift server`, measured on the server process.

- Row 2: `view` of a FIFO waited for a writer for ever, on the runtime's own threads; two at once
  froze the whole server. Now a FIFO is refused at once and the server stays responsive.
- Row 7: `view`, `grep` and `edit` read a whole file before any size check (a 400 MB sparse file took
  460–870 MB), and one SSE event that never ends grew without cap. Now both stay bounded."""
import asyncio
import os
import socket
import threading
import time

import pytest

from copilot import CopilotClient, RuntimeConnection
from copilot.session import PermissionHandler

from test_python_sdk import provider, run, start_server


def peak_rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise AssertionError("no VmHWM")


@pytest.fixture()
def server(cli_binary, tmp_path):
    process, port = start_server(cli_binary, "--no-store", env=dict(os.environ, COPILOT_SWIFT_HOME=str(tmp_path / "home")))
    yield process, port
    process.terminate()
    try:
        process.wait(timeout=10)
    except Exception:
        process.kill()  # a frozen server (as the FIFO froze it) ignores SIGTERM
        process.wait(timeout=10)


def client_for(port):
    return CopilotClient(connection=RuntimeConnection.for_uri(f"127.0.0.1:{port}", connection_token="interop-token-123"))


def script_tools(mock, calls):
    mock.reset()
    mock.scenario([{"type": "reply", "tool_calls": calls}, {"type": "reply", "text": "Looked.", "times": None}])


async def turn(client, mock, workdir, tools, prompt="Look at the files."):
    session = await client.create_session(
        on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini", provider=provider(mock),
        working_directory=str(workdir), available_tools=tools)
    results = []
    session.on(lambda event: results.append(event.data.result.content)
               if event.type.value == "tool.execution_complete" and event.data.result else None)
    started = time.monotonic()
    reply = await session.send_and_wait(prompt, timeout=60)
    return reply, results, time.monotonic() - started


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_view_of_a_fifo_is_refused_at_once_and_the_server_stays_responsive(fresh_llmock, server, tmp_path):
    process, port = server
    os.mkfifo(tmp_path / "pipe")
    # As many at once as the machine has cores, and then some: these froze the server.
    calls = [{"name": "view", "arguments": {"path": "pipe"}} for _ in range((os.cpu_count() or 2) + 1)]
    script_tools(fresh_llmock, calls)

    async def main():
        client, other = client_for(port), client_for(port)
        try:
            await client.start()
            reply, results, seconds = await asyncio.wait_for(turn(client, fresh_llmock, tmp_path, ["view"]), 30)
            await asyncio.wait_for(other.start(), 5)
            pinged = time.monotonic()
            await asyncio.wait_for(other.ping("still there?"), 5)
            return reply, results, seconds, time.monotonic() - pinged
        finally:
            # Not stop(): against a frozen server it would wait for ever.
            await client.force_stop()
            await other.force_stop()

    reply, results, seconds, ping_seconds = run(main())
    assert reply is not None and reply.data.content == "Looked."
    assert seconds < 20 and ping_seconds < 5
    assert len(results) == len(calls)
    assert all("not a regular file" in result for result in results), results


def test_view_grep_and_edit_of_a_huge_file_stay_small(fresh_llmock, server, tmp_path):
    process, port = server
    huge = tmp_path / "huge.log"
    with open(huge, "wb") as handle:  # 400 MB, sparse: takes no disk, reads as zeros
        handle.truncate(400 * 1024 * 1024)
    script_tools(fresh_llmock, [
        {"name": "view", "arguments": {"path": "huge.log"}},
        {"name": "grep", "arguments": {"pattern": "needle", "path": "huge.log"}},
        {"name": "edit", "arguments": {"path": "huge.log", "old_str": "needle", "new_str": "pin"}},
    ])
    before = peak_rss_mb(process.pid)

    async def main():
        async with client_for(port) as client:
            return await turn(client, fresh_llmock, tmp_path, ["view", "grep", "edit"])

    reply, results, seconds = run(main())
    grown = peak_rss_mb(process.pid) - before
    assert reply is not None and reply.data.content == "Looked."
    assert len(results) == 3
    assert grown < 100, f"the server's peak memory grew {grown:.0f} MB reading a 400 MB file"
    assert seconds < 30


class EndlessEvent:
    """A provider whose streamed answer is one SSE event that never ends (a scripted peer)."""

    def __init__(self, megabytes: int):
        self.megabytes = megabytes
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sent = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            threading.Thread(target=self.answer, args=(connection,), daemon=True).start()

    def answer(self, connection):
        with connection:
            connection.recv(65536)
            connection.sendall(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\nconnection: close\r\n\r\n")
            connection.sendall(b'data: {"choices":[{"delta":{"content":"')
            chunk = b"x" * (1 << 20)
            try:
                for _ in range(self.megabytes):
                    connection.sendall(chunk)
                    self.sent += len(chunk)
            except OSError:
                pass  # the runtime gave up on it: that is the point

    def close(self):
        self.listener.close()


def test_one_sse_event_that_never_ends_is_cut_off(server, tmp_path):
    process, port = server
    peer = EndlessEvent(megabytes=200)
    before = peak_rss_mb(process.pid)

    async def main():
        async with client_for(port) as client:
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="m",
                provider={"type": "openai", "base_url": f"http://127.0.0.1:{peer.port}/v1", "api_key": "sk-x"},
                working_directory=str(tmp_path), available_tools=[])
            with pytest.raises(Exception) as failed:
                await session.send_and_wait("Answer.", timeout=60)
            return str(failed.value)

    try:
        error = run(main(), timeout=90)
    finally:
        peer.close()
    grown = peak_rss_mb(process.pid) - before
    assert "16 MB" in error or "too large" in error.lower() or "limit" in error.lower(), error
    assert grown < 150, f"the server's peak memory grew {grown:.0f} MB on one endless event"
    assert peer.sent < 200 * (1 << 20), "the runtime read the whole endless event"


def test_a_port_beyond_65535_is_an_error_not_a_crash(fresh_llmock, server, tmp_path):
    """Row 1: a provider `base_url` or a `web_fetch` URL with port 99999 brought the whole server down
    (SIGILL in the HTTP client), ending every client's sessions. Now each is one clear error."""
    process, port = server
    script_tools(fresh_llmock, [{"name": "web_fetch", "arguments": {"url": "http://127.0.0.1:99999/"}}])

    async def main():
        client = client_for(port)
        try:
            await client.start()
            reply, results, _ = await asyncio.wait_for(turn(client, fresh_llmock, tmp_path, ["web_fetch"]), 30)
            with pytest.raises(Exception) as failed:
                bad = await client.create_session(
                    on_permission_request=PermissionHandler.approve_all, model="m",
                    provider={"type": "openai", "base_url": "http://127.0.0.1:99999/v1", "api_key": "sk-x"},
                    working_directory=str(tmp_path), available_tools=[])
                await asyncio.wait_for(bad.send_and_wait("Hi.", timeout=30), 30)
            await asyncio.wait_for(client.ping("alive?"), 5)
            return reply, results, str(failed.value)
        finally:
            await client.force_stop()

    reply, results, error = run(main(), timeout=90)
    assert process.poll() is None, "the server died"
    assert reply is not None and reply.data.content == "Looked."
    assert results and "65535" in results[0], results
    assert "65535" in error, error
