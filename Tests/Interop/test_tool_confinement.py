"""The built-in tools stay in their folder (issue #23, rows 3, 9, 12, 13, 14), through the official
Python SDK 1.0.27: what the model (llmock) asks a tool to do, what the app's permission handler is
asked, and what the tool answers.

- 3: `create` through a dangling symlink named the link inside and wrote its target outside.
- 9: `web_fetch` followed a redirect to another host without asking.
- 12: `edit`/`create` told the model about a file outside the folder before asking.
- 13: `grep` read an outside file through a symlink under the folder's `read` permission.
- 14: a tool shell saw the runtime's keys and tokens."""
import http.server
import json
import os
import threading

from copilot import CopilotClient, RuntimeConnection
from copilot.generated.rpc import PermissionDecisionReject
from copilot.session import PermissionHandler

from test_python_sdk import provider, run


def session_turn(mock, cli_binary, workdir, calls, tools, answer=PermissionHandler.approve_all, env=None):
    """One turn in which the model makes `calls`; returns (permission requests as JSON, tool results)."""
    mock.reset()
    mock.scenario([{"type": "reply", "tool_calls": calls}, {"type": "reply", "text": "Done.", "times": None}])
    asked = []

    def handler(request, invocation):
        asked.append(json.dumps(request.to_dict()))
        return answer(request, invocation)

    async def main():
        connection = RuntimeConnection.for_stdio(path=str(cli_binary))
        async with CopilotClient(connection=connection, env=env) as client:
            session = await client.create_session(
                on_permission_request=handler, model="gpt-4o-mini", provider=provider(mock),
                working_directory=str(workdir), available_tools=tools)
            results = []
            session.on(lambda event: results.append(json.dumps(event.data.to_dict()))
                       if event.type.value == "tool.execution_complete" else None)
            await session.send_and_wait("Do it.", timeout=60)
            return asked, results

    return run(main())


def reject(request, invocation):
    return PermissionDecisionReject(feedback="no")


def folders(tmp_path):
    work, outside = tmp_path / "work", tmp_path / "outside"
    work.mkdir()
    outside.mkdir()
    return work, outside


def test_create_through_a_dangling_link_asks_for_the_real_target(fresh_llmock, cli_binary, tmp_path):
    work, outside = folders(tmp_path)
    os.symlink(outside / "planted.txt", work / "dang")
    asked, results = session_turn(fresh_llmock, cli_binary, work,
                                  [{"name": "create", "arguments": {"path": "dang", "file_text": "payload"}}], ["create"],
                                  answer=reject)
    assert len(asked) == 1 and str(outside / "planted.txt") in asked[0], asked
    assert not (outside / "planted.txt").exists()


def test_edit_and_create_of_outside_files_reveal_nothing_before_asking(fresh_llmock, cli_binary, tmp_path):
    work, outside = folders(tmp_path)
    (outside / "notes.txt").write_text("secret content")
    asked, results = session_turn(fresh_llmock, cli_binary, work, [
        {"name": "edit", "arguments": {"path": str(outside / "notes.txt"), "old_str": "absent", "new_str": "x"}},
        {"name": "create", "arguments": {"path": str(outside / "notes.txt"), "file_text": "x"}},
    ], ["edit", "create"], answer=reject)
    assert len(asked) == 2, asked
    for result in results:
        assert "No match" not in result and "already exists" not in result, result
    assert (outside / "notes.txt").read_text() == "secret content"


def test_grep_does_not_read_through_a_link_to_an_outside_file(fresh_llmock, cli_binary, tmp_path):
    work, outside = folders(tmp_path)
    (outside / "keys.txt").write_text("TOKEN=outside-secret-77\n")
    os.symlink(outside / "keys.txt", work / "innocent.txt")
    (work / "plain.txt").write_text("nothing here\n")

    def inside_only(request, invocation):
        # A read of the folder is granted; anything naming the outside is not.
        return reject(request, invocation) if str(outside) in json.dumps(request.to_dict()) else \
            PermissionHandler.approve_all(request, invocation)

    asked, results = session_turn(fresh_llmock, cli_binary, work, [
        {"name": "grep", "arguments": {"pattern": "TOKEN", "path": "."}},
        {"name": "grep", "arguments": {"pattern": "TOKEN", "path": "innocent.txt"}},
    ], ["grep"], answer=inside_only)
    # The default output lists matching files: listing innocent.txt means its outside target was read.
    assert len(results) == 2, results
    assert all("outside-secret-77" not in result and "innocent.txt" not in result for result in results), results


def test_the_tool_shell_sees_no_secrets(fresh_llmock, cli_binary, tmp_path):
    work, _ = folders(tmp_path)
    env = dict(os.environ, OPENAI_API_KEY="sk-runtime-secret-55", COPILOT_CONNECTION_TOKEN="token-runtime-secret-55")
    # What a command inherits, and what `view` shows of the runtime's own environment. (A command run
    # as the same user can still read /proc/<runtime>/environ: that is the kernel's rule, not a tool's.)
    asked, results = session_turn(fresh_llmock, cli_binary, work, [
        {"name": "bash", "arguments": {"command": "env", "description": "env"}},
        {"name": "view", "arguments": {"path": "/proc/self/environ"}},
    ], ["bash", "view"], env=env)
    assert len(results) == 2 and any("PATH=" in result for result in results), results
    assert all("runtime-secret-55" not in result for result in results), results


class Redirector(http.server.BaseHTTPRequestHandler):
    """`/start` redirects to another origin's `/_admin`; `/_admin` answers a page the model must not see unasked."""
    target = ""

    def do_GET(self):
        if self.path == "/start":
            self.send_response(302)
            self.send_header("Location", self.target)
            self.end_headers()
        else:
            body = b"admin page: internal-only-88"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_web_fetch_asks_before_a_redirect_to_another_host(fresh_llmock, cli_binary, tmp_path):
    work, _ = folders(tmp_path)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirector)
    port = server.server_address[1]
    # The same server under another name: `localhost` is another origin than `127.0.0.1`.
    Redirector.target = f"http://localhost:{port}/_admin"
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def first_only(request, invocation):
        return PermissionHandler.approve_all(request, invocation) if len(asked_urls) == 1 else reject(request, invocation)

    asked_urls = []

    def recording(request, invocation):
        asked_urls.append(json.dumps(request.to_dict()))
        return first_only(request, invocation)

    try:
        asked, results = session_turn(fresh_llmock, cli_binary, work,
                                      [{"name": "web_fetch", "arguments": {"url": f"http://127.0.0.1:{port}/start"}}],
                                      ["web_fetch"], answer=recording)
    finally:
        server.shutdown()
    assert len(asked) == 2 and "localhost" in asked[1], asked
    assert results and all("internal-only-88" not in result for result in results), results
