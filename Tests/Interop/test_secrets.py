"""No secret leaves the process: a key, a bearer token, a custom header value and the base URL's
password go through `copilot-swift run` (trace logging, events on stdout, a file store) and through
`copilot-swift server` driven by the official SDK, then every output, log, stored file and event is
searched for them. llmock is the provider; a 500 makes the retry and error paths run too."""
import asyncio
import os
import re
import subprocess
from pathlib import Path

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


def test_run_never_shows_a_secret(fresh_llmock, cli_binary, tmp_path):
    base = f"{fresh_llmock.base}/v1"
    with_password = base.replace("http://", f"http://alice:{PASSWORD}@")
    environment = dict(os.environ, SECRET_KEY=KEY, SECRET_TOKEN=TOKEN, SECRET_HEADER=HEADER)
    variants = [
        ["--base-url", base, "--api-key-env", "SECRET_KEY"],
        ["--base-url", base, "--bearer-token-env", "SECRET_TOKEN"],
        ["--base-url", with_password],
    ]
    for index, variant in enumerate(variants):
        label = " ".join(variant[2:]) or "credentials in the URL"
        fresh_llmock.reset()
        fresh_llmock.scenario([{"type": "fail", "status": 500, "times": 1}])
        state = tmp_path / f"state-{index}"
        result = subprocess.run(
            [str(cli_binary), "run", *variant, "--header-env", "X-Custom-Auth=SECRET_HEADER", "--model", "gpt-4o-mini",
             "--log-level", "trace", "--events", "jsonl", "--state-dir", str(state), "Hello"],
            capture_output=True, text=True, timeout=60, env=environment, stdin=subprocess.DEVNULL)
        assert result.returncode == 0, result.stderr
        assert "session.idle" in result.stdout
        assert_clean(result.stdout, f"run stdout ({label})")
        assert_clean(result.stderr, f"run stderr ({label})")
        assert_clean(stored_text(state), f"run's store ({label})")
        # Retried after the 500, then answered (that the header and credentials reach the provider is
        # shown by the Swift tests, whose scripted server records request headers).
        assert len([r for r in fresh_llmock.requests() if r["path"].endswith("/chat/completions")]) == 2


def test_server_never_shows_a_secret(fresh_llmock, cli_binary, tmp_path):
    home = tmp_path / "home"
    log = tmp_path / "server.log"
    env = dict(os.environ, COPILOT_CONNECTION_TOKEN="secrets-test-token", COPILOT_SWIFT_HOME=str(home))
    with open(log, "w") as stderr:
        process = subprocess.Popen([str(cli_binary), "server", "--port", "0", "--log-level", "all"], stdout=subprocess.PIPE,
                                   stderr=stderr, env=env, text=True)
        port = int(re.search(r"port (\d+)", process.stdout.readline()).group(1))
        fresh_llmock.scenario([{"type": "fail", "status": 500, "times": 1}])

        async def main():
            client = CopilotClient(connection=RuntimeConnection.for_uri(f"127.0.0.1:{port}", connection_token="secrets-test-token"))
            await client.start()
            session = await client.create_session(
                on_permission_request=PermissionHandler.approve_all, model="gpt-4o-mini",
                provider={"type": "openai", "base_url": f"{fresh_llmock.base}/v1", "api_key": KEY,
                          "headers": {"X-Custom-Auth": HEADER}})
            events = []
            session.on(lambda event: events.append(str(event)))
            await session.send_and_wait("Hello", timeout=30)
            messages = await session.get_events()
            await session.disconnect()
            await client.stop()
            return events, messages

        events, messages = asyncio.run(asyncio.wait_for(main(), 60))
        process.terminate()
        process.wait(timeout=10)
    assert_clean("\n".join(events), "the events the SDK received")
    assert_clean("\n".join(str(m) for m in messages), "getMessages")
    assert_clean(log.read_text(), "the server's log")
    assert_clean(stored_text(home), "the server's store")
