"""What the CLI prints goes to a place that may fail: standard output on a full disk (/dev/full), a
closed descriptor, or a pipe whose reader left. Each is one line on stderr and exit status 74
(EX_IOERR) — never a crash (it was SIGILL in `FileHandle.write`), a signal, or a silent exit 0."""
import os
import subprocess


def run_with_stdout(binary, args, stdout, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
    env["COPILOT_SWIFT_HOME"] = str(tmp_path / "home")
    return subprocess.run([str(binary), *args], stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.PIPE,
                          env=env, timeout=60)


def commands(mock):
    base = f"{mock.base}/v1"
    return [["run", "--base-url", base, "--model", "gpt-4o-mini", "Hello"],
            ["run", "--base-url", base, "--model", "gpt-4o-mini", "--events", "jsonl", "Hello"],
            ["models", "--base-url", base],
            ["models", "--base-url", base, "--json"],
            ["sessions", "list"]]


def assert_output_failure(result):
    stderr = result.stderr.decode()
    assert result.returncode == 74, f"exit status {result.returncode}: {stderr}"
    assert "could not write to standard output" in stderr, stderr


def test_a_full_disk_is_exit_status_74(fresh_llmock, cli_binary, tmp_path):
    for args in commands(fresh_llmock):
        with open("/dev/full", "wb") as full:
            assert_output_failure(run_with_stdout(cli_binary, args, full, tmp_path))


def test_a_closed_standard_output_is_exit_status_74(fresh_llmock, cli_binary, tmp_path):
    for args in commands(fresh_llmock):
        env = {k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")}
        env["COPILOT_SWIFT_HOME"] = str(tmp_path / "home")
        # The shell closes descriptor 1 before starting the binary (`>&-`).
        result = subprocess.run(["sh", "-c", 'exec "$0" "$@" >&-', str(cli_binary), *args], stdin=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env=env, timeout=60)
        assert_output_failure(result)


def test_a_reader_that_left_is_exit_status_74_not_sigpipe(fresh_llmock, cli_binary, tmp_path):
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = run_with_stdout(cli_binary, commands(fresh_llmock)[0], write_end, tmp_path)
    finally:
        os.close(write_end)
    assert_output_failure(result)
