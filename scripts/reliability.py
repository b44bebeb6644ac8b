#!/usr/bin/env python3
"""llmock's fault list against `copilot-swift run`, on each of the three wire formats.

    .venv/bin/python scripts/reliability.py [--binary PATH] [--write RELIABILITY.md]

Each cell starts a fresh llmock scenario (a third-party mock of the OpenAI and Anthropic APIs that
breaks its answers on demand and grades how the client coped), runs one prompt through
`copilot-swift run` with stdout a pipe, and records three things:

- llmock's verdict on what the client did (PASS, or each finding's code: WARN for a warning,
  FAIL for an error);
- whether stdout held exactly one answer: the scripted reply, once, and nothing else, when the
  call can succeed; nothing at all when it cannot (the error goes to stderr);
- the number of model calls llmock saw, and the time the run took.

With --write, the table replaces the one between the markers in the given file. Tests/Interop/
test_reliability.py runs the same cells and fails on any cell that differs from its expectation.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# Long enough that a cut after three chunks leaves most of it unsaid.
ANSWER = "The quick brown fox jumps over the lazy dog, and the answer you asked for is forty-two."
WIRES = {
    "Chat Completions": lambda base: ["--base-url", f"{base}/v1", "--model", "gpt-4o-mini"],
    "Responses": lambda base: ["--base-url", f"{base}/v1", "--wire-api", "responses", "--model", "gpt-4o-mini"],
    "Anthropic Messages": lambda base: ["--provider-type", "anthropic", "--base-url", f"{base}/anthropic",
                                        "--model", "claude-sonnet-4-5"],
}
MODEL_PATHS = ("/v1/chat/completions", "/v1/responses", "/anthropic/v1/messages")
CHUNK_DELAY_MS = 10
BEGIN, END = "<!-- reliability table: begin -->", "<!-- reliability table: end -->"


@dataclass(frozen=True)
class Cell:
    name: str
    behaviors: list
    succeeds: bool
    calls: int
    """How many model calls the run should make."""
    args: list = field(default_factory=list)
    verdict: str = "PASS"
    """llmock's expected verdict: PASS, or the finding codes a deliberate choice earns."""
    why: str = ""


CELLS = [
    Cell("429, Retry-After 1 s, twice", [{"type": "fail", "status": 429, "retry_after": 1, "times": 2}], True, 3,
         why="Waits as long as asked, then succeeds."),
    Cell("429, Retry-After 120 s", [{"type": "fail", "status": 429, "retry_after": 120, "times": 1}], False, 1,
         verdict="WARN gave_up",
         why="Deliberate: the provider asks for a wait beyond the 60 s this client allows (RetryPolicy."
             "maxServerDelay); it fails at once and says so, rather than hang or retry early into the same "
             "rate-limit window (which llmock would grade retry_after_ignored)."),
    Cell("429 on every attempt", [{"type": "fail", "status": 429, "times": None}], False, 3,
         why="Three attempts with backoff, then one error that says so."),
    Cell("500 once", [{"type": "fail", "status": 500, "times": 1}], True, 2),
    Cell("503 once", [{"type": "fail", "status": 503, "times": 1}], True, 2),
    Cell("529 once (overloaded)", [{"type": "fail", "status": 529, "times": 1}], True, 2),
    Cell("400", [{"type": "fail", "status": 400, "times": 1}], False, 1, why="Not retried: it cannot succeed."),
    Cell("401", [{"type": "fail", "status": 401, "times": 1}], False, 1, why="Not retried: it cannot succeed."),
    Cell("404", [{"type": "fail", "status": 404, "times": 1}], False, 1, why="Not retried: it cannot succeed."),
    Cell("stream truncated after 3 chunks", [{"type": "stream_fault", "kind": "truncate", "after_chunks": 3}], True, 2,
         why="A stream without its end is a failure: retried under a new message."),
    Cell("connection dropped after 3 chunks", [{"type": "stream_fault", "kind": "disconnect", "after_chunks": 3}],
         True, 2),
    Cell("malformed chunk after 3 chunks", [{"type": "stream_fault", "kind": "malformed", "after_chunks": 3}], True, 2,
         why="An unreadable event is a cut stream: retried."),
    Cell("stall of 30 s after 3 chunks, idle timeout 2 s",
         [{"type": "stream_fault", "kind": "stall", "after_chunks": 3, "stall_seconds": 30}], True, 2,
         args=["--idle-timeout", "2"], why="Silence past --idle-timeout ends the attempt; the retry succeeds."),
    Cell("first byte after 3 s", [{"type": "slow_first_token", "seconds": 3}], True, 1,
         why="A slow start within the idle timeout is waited for, not retried."),
    Cell("malformed tool-call arguments", [{"type": "tool_fault", "kind": "malformed_arguments"}], True, 2,
         args=["--yes", "--tool", "get_time=echo 12:34"],
         why="The tool is not run; the model is told its arguments were not valid JSON and answers."),
]


@dataclass
class Outcome:
    verdict: str
    one_answer: bool
    calls: int
    seconds: float
    exit_code: int
    stdout: str
    stderr: str

    def matches(self, cell: Cell) -> bool:
        return self.verdict == cell.verdict and self.one_answer and self.calls == cell.calls \
            and (self.exit_code == 0) == cell.succeeds


DATETIME = re.compile(r"\n\n<current_datetime>[^<]*</current_datetime>")


class LLMock:
    """`llmock serve` on a free loopback port, with its control endpoints (the interop tests use it too)."""

    def __init__(self, chunk_delay_ms: int = 0):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = sock.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        executable = Path(sys.executable).parent / "llmock"
        self.process = subprocess.Popen([str(executable), "serve", "--host", "127.0.0.1", "--port", str(self.port),
                                         "--stream-chunk-delay-ms", str(chunk_delay_ms)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(self.base + "/v1/models", timeout=1).read()
                return
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    self.stop()
                    raise RuntimeError("llmock did not start")
                time.sleep(0.1)

    def call(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"content-type": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read() or b"null")

    def reset(self):
        self.call("POST", "/_llmock/reset")

    def scenario(self, behaviors):
        self.call("POST", "/_llmock/scenario", {"behaviors": behaviors})

    def verdict(self):
        return self.call("GET", "/_llmock/verdict")

    def requests(self):
        return self.call("GET", "/_llmock/requests")["requests"]

    def model_calls(self, path_suffix="/chat/completions"):
        """The requests to `path_suffix`, each user message without the `<current_datetime>` block
        copilot-swift adds (as the official runtime does), so tests compare what was typed."""
        calls = [r for r in self.requests() if r["path"].endswith(path_suffix)]
        for call in calls:
            for message in (call.get("body") or {}).get("messages") or []:
                if message.get("role") == "user" and isinstance(message.get("content"), str):
                    message["content"] = DATETIME.sub("", message["content"])
        return calls

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()


def verdict_text(verdict) -> str:
    if not verdict["findings"]:
        return "PASS"
    marks = sorted({("FAIL " if f["severity"] == "error" else "WARN ") + f["code"] for f in verdict["findings"]})
    return ", ".join(marks)


def run_cell(binary: Path, mock: LLMock, wire: str, cell: Cell) -> Outcome:
    mock.reset()
    # Every attempt says the same: a retried answer that merged with a cut one would show.
    mock.scenario(cell.behaviors + [{"type": "reply", "text": ANSWER, "times": None}])
    started = time.monotonic()
    result = subprocess.run([str(binary), "run", *WIRES[wire](mock.base), *cell.args, "Answer the question."],
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
                            env={k: v for k, v in os.environ.items() if not k.startswith("COPILOT_")})
    seconds = time.monotonic() - started
    calls = sum(1 for r in mock.requests() if r["path"] in MODEL_PATHS)
    one_answer = result.stdout == ANSWER + "\n" if cell.succeeds else (result.stdout == "" and result.stderr.strip() != "")
    return Outcome(verdict_text(mock.verdict()), one_answer, calls, seconds, result.returncode,
                   result.stdout, result.stderr)


def run_matrix(binary: Path, progress=None) -> tuple[dict, int]:
    # Chunks paced like real generation: an instant stream is all sent before any client can read
    # its malformed chunk, and llmock then cannot tell a retry from a new call.
    mock = LLMock(chunk_delay_ms=CHUNK_DELAY_MS)
    try:
        outcomes = {}
        for cell in CELLS:
            for wire in WIRES:
                outcome = run_cell(binary, mock, wire, cell)
                outcomes[(cell.name, wire)] = outcome
                if progress:
                    progress(cell, wire, outcome)
        return outcomes, mock.port
    finally:
        mock.stop()


def table(outcomes: dict, port: int) -> str:
    lines = ["| Fault | " + " | ".join(WIRES) + " | Expected, and why |",
             "|---|" + "---|" * len(WIRES) + "---|"]
    for cell in CELLS:
        row = []
        for wire in WIRES:
            o = outcomes[(cell.name, wire)]
            stdout = ("one answer" if o.exit_code == 0 else "stdout empty") if o.one_answer else "**stdout wrong**"
            result = "answered" if o.exit_code == 0 else f"error (exit {o.exit_code})"
            mark = "" if o.matches(cell) else " **unexpected**"
            row.append(f"{o.verdict}; {result}, {stdout}; {o.calls} call(s), {o.seconds:.1f} s{mark}")
        expected = ("answer" if cell.succeeds else "error") + f" after {cell.calls} call(s), verdict {cell.verdict}"
        lines.append(f"| {cell.name} | " + " | ".join(row) + f" | {expected}. {cell.why} |".replace(".  |", ". |"))
    wire = next(iter(WIRES))
    lines += ["", f"What stderr said where the call could not succeed ({wire}):", ""]
    for cell in CELLS:
        if not cell.succeeds:
            error = outcomes[(cell.name, wire)].stderr.strip().splitlines()
            text = (error[-1] if error else "").replace(f":{port}/", ":PORT/")
            lines.append(f"- {cell.name}: `{text}`")
    return "\n".join(lines) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=REPO / ".build" / "debug" / "copilot-swift")
    parser.add_argument("--write", type=Path, help="replace the table between the markers in this file")
    options = parser.parse_args()

    def progress(cell, wire, outcome):
        status = "ok" if outcome.matches(cell) else "UNEXPECTED"
        print(f"{status:10} {cell.name} / {wire}: {outcome.verdict}, exit {outcome.exit_code}, "
              f"{outcome.calls} call(s), {outcome.seconds:.1f} s", file=sys.stderr, flush=True)
        if status != "ok":
            print(f"           stdout: {outcome.stdout!r}\n           stderr: {outcome.stderr.strip()[:400]!r}",
                  file=sys.stderr)

    outcomes, port = run_matrix(options.binary, progress)
    text = table(outcomes, port)
    if options.write:
        document = options.write.read_text()
        head, rest = document.split(BEGIN, 1)
        _, tail = rest.split(END, 1)
        options.write.write_text(f"{head}{BEGIN}\n{text}{END}{tail}")
    else:
        print(text)
    sys.exit(0 if all(outcomes[(c.name, w)].matches(c) for c in CELLS for w in WIRES) else 1)


if __name__ == "__main__":
    main()
