"""No secret leaves the process: a key, a bearer token, a custom header value and the base URL's
password go through `copilot-swift run` (trace logging, events on stdout) and through
`copilot-swift server` driven by the official SDK (over TCP and over stdio, log level all), each with
the file store and with the PostgreSQL store; then every output, log, event, stored file and stored
row is searched for them. llmock is the provider; a 500 makes the retry and error paths run too."""
import asyncio
import os
import re
import shutil
import subprocess
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from copilot import CopilotClient, RuntimeConnection
from copilot.session import PermissionHandler

KEY = "sk-secret-key-1122334455"
TOKEN = "bearer-secret-token-667788"
HEADER = "custom-header-secret-990011"
PASSWORD = "url-password-secret-445566"
SECRETS = [KEY, TOKEN, HEADER, PASSWORD]


def stored_text(folder: Path) -> str:
    return "".join(path.read_text(errors="replace") for path in folder.rglob("*") if path.is_file())


def assert_clean(text: str, where: str):
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} found in {where}"


POSTGRES = os.environ.get("COPILOT_TEST_POSTGRES_URL")
STORES = ["file", pytest.param("postgres", marks=pytest.mark.skipif(
    not POSTGRES, reason="needs COPILOT_TEST_POSTGRES_URL (scripts/test.sh)"))]


class Store:
    """Where a test's sessions are kept, and everything kept there as text."""

    def __init__(self, kind: str, folder: Path):
        self.kind, self.folder = kind, folder
        self.schema = f"secrets_{uuid.uuid4().hex[:10]}"

    def run_arguments(self):
        if self.kind == "file":
            return ["--state-dir", str(self.folder)]
        return ["--store", self.url()]

    def server_arguments(self):
        return self.run_arguments()

    def url(self):
        separator = "&" if "?" in POSTGRES else "?"
        return f"{POSTGRES}{separator}schema={self.schema}"

    def text(self) -> str:
        if self.kind == "file":
            return stored_text(self.folder)
        # Every row of the schema's tables, as pg_dump writes them.
        pg_dump = shutil.which("pg_dump") or next(iter(sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_dump"))), None)
        assert pg_dump, "pg_dump not found"
        dump = subprocess.run([str(pg_dump), "--data-only", f"--schema={self.schema}", POSTGRES],
                              capture_output=True, text=True, timeout=60)
        assert dump.returncode == 0, dump.stderr
        assert "COPY " in dump.stdout, "the schema holds the sessions' tables"
        return dump.stdout


@pytest.mark.parametrize("store_kind", STORES)
def test_run_never_shows_a_secret(fresh_llmock, cli_binary, tmp_path, store_kind):
    base = f"{fresh_llmock.base}/v1"
    with_password = base.replace("http://", f"http://alice:{PASSWORD}@")
    environment = dict(os.environ, SECRET_KEY=KEY, SECRET_TOKEN=TOKEN, SECRET_HEADER=HEADER)
    variants = [
        ["--base-url", base, "--api-key-env", "SECRET_KEY"],
        ["--base-url", base, "--bearer-token-env", "SECRET_TOKEN"],
        ["--base-url", with_password],
    ]
    store = Store(store_kind, tmp_path / "state")
    for variant in variants:
        label = " ".join(variant[2:]) or "credentials in the URL"
        fresh_llmock.reset()
        fresh_llmock.scenario([{"type": "fail", "status": 500, "times": 1}])
        result = subprocess.run(
            [str(cli_binary), "run", *variant, "--header-env", "X-Custom-Auth=SECRET_HEADER", "--model", "gpt-4o-mini",
             "--log-level", "trace", "--events", "jsonl", *store.run_arguments(), "Hello"],
            capture_output=True, text=True, timeout=60, env=environment, stdin=subprocess.DEVNULL)
        assert result.returncode == 0, result.stderr
        assert "session.idle" in result.stdout
        assert_clean(result.stdout, f"run stdout ({label})")
        assert_clean(result.stderr, f"run stderr ({label})")
        # Retried after the 500, then answered (that the header and credentials reach the provider is
        # shown by the Swift tests, whose scripted server records request headers).
        assert len([r for r in fresh_llmock.requests() if r["path"].endswith("/chat/completions")]) == 2
    assert_clean(store.text(), f"run's {store_kind} store")


def providers(mock):
    """The same secrets as run's, the way an SDK passes them."""
    base = f"{mock.base}/v1"
    headers = {"X-Custom-Auth": HEADER}
    return [
        {"type": "openai", "base_url": base, "api_key": KEY, "headers": headers},
        {"type": "openai", "base_url": base, "bearer_token": TOKEN, "headers": headers},
        {"type": "openai", "base_url": base.replace("http://", f"http://alice:{PASSWORD}@"), "headers": headers},
    ]


async def drive(client, mock):
    """One session per provider, each with a message that is retried after a 500; returns what the SDK saw."""
    seen = []
    await client.start()
    for provider in providers(mock):
        mock.reset()
        mock.scenario([{"type": "fail", "status": 500, "times": 1}])
        session = await client.create_session(on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini",
                                              provider=provider)
        session.on(lambda event: seen.append(str(event)))
        reply = await session.send_and_wait("Hello", timeout=30)
        assert reply is not None and reply.data.content
        seen += [str(m) for m in await session.get_events()]
        await session.disconnect()
    await client.stop()
    return seen


@pytest.mark.parametrize("store_kind", STORES)
@pytest.mark.parametrize("transport", ["tcp", "stdio"])
def test_server_never_shows_a_secret(fresh_llmock, cli_binary, tmp_path, transport, store_kind):
    home = tmp_path / "home"
    log = tmp_path / "server.log"
    store = Store(store_kind, tmp_path / "state")
    env = dict(os.environ, COPILOT_SWIFT_HOME=str(home))
    if transport == "tcp":
        env["COPILOT_CONNECTION_TOKEN"] = "secrets-test-token"
        with open(log, "w") as stderr:
            process = subprocess.Popen([str(cli_binary), "server", "--port", "0", "--log-level", "all", *store.server_arguments()],
                                       stdout=subprocess.PIPE, stderr=stderr, env=env, text=True)
            try:
                port = int(re.search(r"port (\d+)", process.stdout.readline()).group(1))
                client = CopilotClient(connection=RuntimeConnection.for_uri(f"127.0.0.1:{port}", connection_token="secrets-test-token"))
                seen = asyncio.run(asyncio.wait_for(drive(client, fresh_llmock), 120))
            finally:
                process.terminate()
                process.wait(timeout=10)
    else:
        # The SDK spawns the runtime itself (with --log-level all, as asked); a wrapper keeps its stderr.
        wrapper = tmp_path / "copilot-swift-logged"
        arguments = " ".join(f"'{a}'" for a in store.server_arguments())
        wrapper.write_text(f"#!/bin/sh\nexec '{cli_binary}' \"$@\" {arguments} 2>>'{log}'\n")
        wrapper.chmod(0o755)
        client = CopilotClient(connection=RuntimeConnection.for_stdio(path=str(wrapper)), log_level="all", env=env)
        seen = asyncio.run(asyncio.wait_for(drive(client, fresh_llmock), 120))
    assert_clean("\n".join(seen), "the events and messages the SDK received")
    server_log = log.read_text()
    assert "model call" in server_log, "the log holds the debug lines of each model call"
    assert_clean(server_log, "the server's log")
    assert_clean(stored_text(home), "the server's state folder")
    assert_clean(store.text(), f"the server's {store_kind} store")


@pytest.mark.parametrize("variable", ["--api-key-env", "--bearer-token-env", "--header-env"])
def test_a_secret_with_a_line_break_is_refused_by_name_never_printed(fresh_llmock, cli_binary, tmp_path, variable):
    """A key copied with its newline (or a CR) would split the request; AsyncHTTPClient's own error
    printed the value. It is refused before anything is sent, naming the header only, and not retried."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    env.update({"COPILOT_SWIFT_HOME": str(tmp_path / "home"), "BROKEN_SECRET": KEY + "\r\n"})
    flag = ["--header-env", "X-Team-Token=BROKEN_SECRET"] if variable == "--header-env" else [variable, "BROKEN_SECRET"]
    result = subprocess.run([str(cli_binary), "run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini",
                             *flag, "--state-dir", str(tmp_path / "state"), "--events", "jsonl", "--log-level", "all", "Hello"],
                            capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL, env=env)
    assert result.returncode == 1, result.stderr
    assert "line break or another control character" in result.stdout + result.stderr
    assert ("X-Team-Token" if variable == "--header-env" else "Authorization") in result.stderr
    assert "Retrying" not in result.stdout + result.stderr
    assert_clean(result.stdout + result.stderr + stored_text(tmp_path / "state"), "output, events and the stored session")
    assert fresh_llmock.requests() == []
