"""Every official SDK starts `copilot-swift` as it starts the Copilot CLI: each SDK's exact argument list
(read from the SDK repository's launch code: Node `client.ts`, Python `client.py`, Go `client.go`, .NET
`Client.cs`, Java `CliServerManager.java`, Rust `lib.rs`), over stdio and TCP, completes a turn against
llmock. And what a user can get wrong at launch (an unset key variable, standard input on /dev/null, a
malformed base URL) is one clear line and a non-zero exit status, never a signal."""
import json
import os
import re
import select
import socket
import subprocess
import time

import pytest

AUTH = ["--auth-token-env", "COPILOT_SDK_AUTH_TOKEN"]
# What an app adds through the SDK (`cli_args`, `args`, `setCliArgs`, `extra_args`): the e2e suites' --yolo.
USER = ["--yolo"]

# (sdk, transport) -> argv after the binary; "PORT" is replaced by a free port.
LAUNCHES = {
    ("node", "stdio"): USER + ["--headless", "--no-auto-update", "--log-level", "info", "--stdio", *AUTH, "--no-auto-login"],
    ("node", "tcp"): USER + ["--headless", "--no-auto-update", "--log-level", "info", "--port", "PORT", "--no-auto-login", "--remote"],
    ("python", "stdio"): USER + ["--headless", "--no-auto-update", "--log-level", "info", *AUTH, "--no-auto-login",
                                 "--session-idle-timeout", "300", "--stdio"],
    ("python", "tcp"): USER + ["--headless", "--no-auto-update", "--log-level", "info", "--no-auto-login", "--remote", "--port", "PORT"],
    ("go", "stdio"): USER + ["--headless", "--no-auto-update", "--stdio", "--no-auto-login", "--session-idle-timeout", "60"],
    ("go", "tcp"): USER + ["--headless", "--no-auto-update", "--log-level", "debug", "--no-auto-login"],
    ("dotnet", "stdio"): USER + ["--headless", "--no-auto-update", "--log-level", "warning", "--stdio", *AUTH, "--remote"],
    ("dotnet", "tcp"): USER + ["--headless", "--no-auto-update", "--port", "PORT", "--no-auto-login"],
    ("java", "stdio"): USER + ["--server", "--no-auto-update", "--log-level", "info", "--stdio", "--no-auto-login"],
    ("java", "tcp"): USER + ["--server", "--no-auto-update", "--log-level", "info", "--port", "PORT", *AUTH, "--remote"],
    ("rust", "stdio"): ["--server", "--stdio", "--no-auto-update", "--log-level", "info", *AUTH, "--no-auto-login", "--remote", *USER],
    ("rust", "tcp"): ["--server", "--port", "0", "--no-auto-update", "--no-auto-login", *USER],
}


class Peer:
    """A JSON-RPC 2.0 peer with the protocol's Content-Length framing, over a pipe pair or a socket."""

    def __init__(self, read, write):
        self._read, self._write = read, write
        self._buffer = b""
        self._next = 0
        self.notifications = []

    def _frame(self, deadline):
        while True:
            header_end = self._buffer.find(b"\r\n\r\n")
            if header_end >= 0:
                length = int(re.search(rb"Content-Length: *(\d+)", self._buffer[:header_end], re.I).group(1))
                end = header_end + 4 + length
                if len(self._buffer) >= end:
                    body, self._buffer = self._buffer[header_end + 4:end], self._buffer[end:]
                    return json.loads(body)
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError("no frame from the runtime in time")
            chunk = self._read(remaining)
            if not chunk:
                raise EOFError("the runtime closed the connection")
            self._buffer += chunk

    def send(self, message):
        body = json.dumps(message).encode()
        self._write(b"Content-Length: %d\r\n\r\n" % len(body) + body)

    def call(self, method, params, timeout=30):
        self._next += 1
        request_id = self._next
        self.send({"jsonrpc": "2.0", "id": request_id, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            message = self._frame(deadline)
            if message.get("id") == request_id and "method" not in message:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message["result"]
            self._answer_or_keep(message)

    def _answer_or_keep(self, message):
        if "method" in message and "id" in message:
            # A request from the runtime (none is expected in these sessions): say it is not handled.
            self.send({"jsonrpc": "2.0", "id": message["id"], "error": {"code": -32601, "message": "Method not found"}})
        else:
            self.notifications.append(message)

    def events_until_idle(self, session_id, timeout=60):
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            for message in self.notifications:
                if message.get("method") == "session.event" and message["params"]["sessionId"] == session_id:
                    seen.append(message["params"]["event"])
            self.notifications = []
            if any(event["type"] == "session.idle" for event in seen):
                return seen
            self._answer_or_keep(self._frame(deadline))


def pipe_peer(process):
    def read(timeout):
        ready, _, _ = select.select([process.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError("no frame from the runtime in time")
        return os.read(process.stdout.fileno(), 65536)

    def write(data):
        process.stdin.write(data)
        process.stdin.flush()

    return Peer(read, write)


def socket_peer(port):
    sock = socket.create_connection(("127.0.0.1", port), timeout=10)

    def read(timeout):
        sock.settimeout(max(timeout, 0.01))
        try:
            return sock.recv(65536)
        except socket.timeout:
            raise TimeoutError("no frame from the runtime in time") from None

    return Peer(read, sock.sendall), sock


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def spawn(binary, argv, tmp_path, extra_env=None):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    env.update({"COPILOT_SWIFT_HOME": str(tmp_path / "home"), "COPILOT_SDK_AUTH_TOKEN": "gho-not-used-by-byok"})
    env.update(extra_env or {})
    return subprocess.Popen([str(binary), *argv], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=tmp_path)


def turn(peer, mock, tmp_path, token=None):
    hello = peer.call("connect", {"token": token} if token else {})
    assert hello["ok"] is True and hello["protocolVersion"] == 3
    created = peer.call("session.create", {
        "model": "gpt-4o-mini", "provider": {"type": "openai", "baseUrl": f"{mock.base}/v1", "apiKey": "sk-launch-test"},
        "availableTools": ["custom:*"], "workingDirectory": str(tmp_path)})
    session_id = created["sessionId"]
    peer.call("session.send", {"sessionId": session_id, "prompt": "What is 2+2?"})
    events = peer.events_until_idle(session_id)
    answers = [event["data"]["content"] for event in events if event["type"] == "assistant.message"]
    assert answers and answers[-1], [event["type"] for event in events]
    return session_id


@pytest.mark.parametrize("sdk,transport", sorted(LAUNCHES), ids=lambda value: value)
def test_each_sdk_launch_completes_a_turn(cli_binary, fresh_llmock, tmp_path, sdk, transport):
    argv = [str(free_port()) if arg == "PORT" else arg for arg in LAUNCHES[(sdk, transport)]]
    token = "launch-token-0123456789" if transport == "tcp" else None
    process = spawn(cli_binary, argv, tmp_path, {"COPILOT_CONNECTION_TOKEN": token} if token else None)
    try:
        if transport == "stdio":
            turn(pipe_peer(process), fresh_llmock, tmp_path)
        else:
            # Every SDK waits for this line on stdout and dials the port it names (Go and Rust match it case-sensitively).
            ready, _, _ = select.select([process.stdout], [], [], 20)
            assert ready, "no port announcement"
            line = process.stdout.readline().decode()
            port = int(re.search(r"listening on port (\d+)", line).group(1))
            peer, sock = socket_peer(port)
            with sock:
                turn(peer, fresh_llmock, tmp_path, token)
        assert process.poll() is None, process.stderr.read().decode()
    finally:
        process.terminate()
        process.wait(10)
    assert process.returncode in (0, -15), process.stderr.read().decode()
    assert any(r["path"].endswith("/chat/completions") for r in fresh_llmock.requests())


def run_cli(binary, args, tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, env=None):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    environment.update({"COPILOT_SWIFT_HOME": str(tmp_path / "home")})
    environment.update(env or {})
    environment.pop("UNSET_KEY_FOR_TEST", None)
    return subprocess.run([str(binary), *args], stdin=stdin, stdout=stdout, stderr=subprocess.PIPE, env=environment,
                          cwd=tmp_path, timeout=30)


def assert_clear_failure(result, *words):
    """A non-zero exit status (not a signal) and a stderr that says what is wrong in one line."""
    stderr = result.stderr.decode()
    assert result.returncode > 0, f"exit status {result.returncode} (a negative status is a signal): {stderr}"
    assert "Fatal error" not in stderr and "Stack dump" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert any(all(word in line for word in words) for line in lines), stderr


def test_unset_key_variable_is_one_line_and_an_exit_status(cli_binary, tmp_path):
    for args in (["server", "--base-url", "http://127.0.0.1:9/v1", "--api-key-env", "UNSET_KEY_FOR_TEST", "--stdio"],
                 ["--headless", "--stdio", "--base-url", "http://127.0.0.1:9/v1", "--api-key-env", "UNSET_KEY_FOR_TEST"],
                 ["run", "--base-url", "http://127.0.0.1:9/v1", "--api-key-env", "UNSET_KEY_FOR_TEST", "--model", "m", "hi"]):
        result = run_cli(cli_binary, args, tmp_path, stdin=subprocess.PIPE)
        assert_clear_failure(result, "UNSET_KEY_FOR_TEST", "not set")


def test_stdio_on_dev_null_is_one_line_and_an_exit_status(cli_binary, tmp_path):
    with open(os.devnull, "rb") as null_in, open(os.devnull, "wb") as null_out:
        result = run_cli(cli_binary, ["--headless", "--no-auto-update", "--stdio"], tmp_path, stdin=null_in)
        assert_clear_failure(result, "standard input", "pipe")
        read_end, write_end = os.pipe()
        try:
            result = run_cli(cli_binary, ["--server", "--stdio"], tmp_path, stdin=read_end, stdout=null_out)
        finally:
            os.close(read_end)
            os.close(write_end)
        assert_clear_failure(result, "standard output", "pipe")


@pytest.mark.parametrize("url", ["http://127.0.0.1:99999/v1", "http://127.0.0.1:-1/v1", "localhost:11434", "ftp://example.com/v1"])
def test_malformed_base_url_is_one_line_and_an_exit_status(cli_binary, tmp_path, url):
    for args in (["run", "--base-url", url, "--model", "m", "hi"], ["models", "--base-url", url],
                 ["server", "--base-url", url, "--stdio"]):
        result = run_cli(cli_binary, args, tmp_path, stdin=subprocess.PIPE)
        assert_clear_failure(result, "base URL")


def test_unknown_flag_is_one_line_and_an_exit_status(cli_binary, tmp_path):
    result = run_cli(cli_binary, ["--headless", "--stdio", "--nonexistent-flag-for-testing"], tmp_path, stdin=subprocess.PIPE)
    assert_clear_failure(result, "invalid arguments")


@pytest.mark.parametrize("args,words", [
    (["server", "--port", "-1"], ["--port", "between 0 and 65535"]),
    (["--headless", "--log-level", "bogus", "--stdio"], ["bogus", "--log-level"]),
    (["run", "--log-level", "bogus", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "hi"], ["bogus", "--log-level"]),
    (["run", "--reasoning-effort", "extreme", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "hi"], ["--reasoning-effort", "extreme"]),
    (["run", "--resume", "x", "--session-id", "y", "--base-url", "http://127.0.0.1:9/v1", "--model", "m", "hi"], ["--resume", "--session-id"]),
    (["run", "--base-url", "http://127.0.0.1:9/v 1", "--model", "m", "hi"], ["base URL", "space"]),
    (["--headless", "--stdio", "--allow-tool", "shell(git"], ["--allow-tool", "shell(git"]),
    (["--headless", "--stdio", "--add-dir", "/nonexistent-directory-for-test"], ["--add-dir", "not a directory"]),
])
def test_values_no_command_can_use_are_refused_by_name(cli_binary, tmp_path, args, words):
    assert_clear_failure(run_cli(cli_binary, args, tmp_path, stdin=subprocess.PIPE), *words)
