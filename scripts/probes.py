#!/usr/bin/env python3
"""The hardening probes of issue #23, run against one or two builds of `copilot-swift`.

    .venv/bin/python scripts/probes.py [--binary PATH] [--base PATH] [--write RELIABILITY.md]

Each of the sixteen problems a probe of the binary at 5e28e55 found (tried as a hostile user, model,
provider and second client would) has interop tests that drive the binary as users do: through the
unmodified official Python SDK, llmock, or the command line. This script runs those tests against
`--binary` (by default this checkout's debug build) and, with `--base`, against an older build (the
one the probe found the problems in), and prints one row per problem with each build's outcome:
"held" when every test of the row passes, else how many failed. A row whose evidence is in-process
only (`swift test`) says so. With --write, the table replaces the one between the markers in the
given file.

Build the base once, outside this checkout:

    git worktree add /tmp/base 5e28e55 && (cd /tmp/base && swift build)   # then --base /tmp/base/.build/debug/copilot-swift
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
INTEROP = "Tests/Interop"

# (row, what the probe found, the tests that show it is fixed, in-process evidence)
ROWS = [
    (1, "a base URL or `web_fetch` URL with port > 65535 crashed `run`, `models` and the server",
     ["test_launchers.py::test_malformed_base_url_is_one_line_and_an_exit_status",
      "test_tool_bounds.py::test_a_port_beyond_65535_is_an_error_not_a_crash"], "ProviderEndpointTests"),
    (2, "`view` of a FIFO hung for ever; as many as the cores froze the server",
     ["test_tool_bounds.py::test_view_of_a_fifo_is_refused_at_once_and_the_server_stays_responsive"], "BuiltInToolTests"),
    (3, "`create` through a dangling symlink wrote outside the folder, asking for the path inside",
     ["test_tool_confinement.py::test_create_through_a_dangling_link_asks_for_the_real_target"], "BuiltInToolTests"),
    (4, "a key or header value with CR/LF was printed (stderr, events, log) and retried",
     ["test_secrets.py::test_a_secret_with_a_line_break_is_refused_by_name_never_printed"], None),
    (5, "any client with the token could take over other clients' sessions",
     ["test_session_membership.py::test_another_client_cannot_use_a_session_it_has_not_joined"], "InferenceRelayTests"),
    (6, "`run` crashed when its output could not be written",
     ["test_cli_output.py"], None),
    (7, "memory without bound: whole files read before a size check; one endless SSE event",
     ["test_tool_bounds.py::test_view_grep_and_edit_of_a_huge_file_stay_small",
      "test_tool_bounds.py::test_one_sse_event_that_never_ends_is_cut_off"], "SSEParserTests"),
    (8, "a `bash` tool's background processes outlived the session and the server",
     ["test_children.py"], "ChildProcessTests"),
    (9, "`web_fetch` followed a redirect to another host without asking",
     ["test_tool_confinement.py::test_web_fetch_asks_before_a_redirect_to_another_host"], "BuiltInToolTests"),
    (10, "a full disk lost turns silently", [], "SessionStoreTests (a store that fails its writes)"),
    (11, "the inference relay ignored `--idle-timeout`",
     ["test_session_rpc.py::test_a_silent_request_handler_is_bounded_by_the_idle_timeout"], "InferenceRelayTests"),
    (12, "`edit`/`create` told the model about outside files before asking",
     ["test_tool_confinement.py::test_edit_and_create_of_outside_files_reveal_nothing_before_asking"], "BuiltInToolTests"),
    (13, "`grep` read through symlinked files",
     ["test_tool_confinement.py::test_grep_does_not_read_through_a_link_to_an_outside_file"], "BuiltInToolTests"),
    (14, "tool shells inherited the server's secrets",
     ["test_tool_confinement.py::test_the_tool_shell_sees_no_secrets"], "ChildProcessTests"),
    (15, "a runtime whose client left with a request pending never ended; SIGTERM did not end it",
     ["test_client_gone.py"], None),
    (16, "rough edges: raw error dumps, a file as the state folder, bad flag values accepted or misreported",
     ["test_launchers.py::test_values_no_command_can_use_are_refused_by_name",
      "test_launchers.py::test_stdio_on_dev_null_is_one_line_and_an_exit_status",
      "test_launchers.py::test_unknown_flag_is_one_line_and_an_exit_status"],
     "ProtocolTests (a wrong-shaped answer), SessionStoreTests (a file as the folder)"),
]


def run_tests(binary: Path, tests: list[str]) -> dict[str, str]:
    """Runs the interop tests against `binary`; returns each test case's outcome by its file::name."""
    with tempfile.TemporaryDirectory() as folder:
        report = Path(folder) / "report.xml"
        env = dict(os.environ, COPILOT_SWIFT_BIN=str(binary), COPILOT_SWIFT_HOME=str(Path(folder) / "home"))
        subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--junitxml={report}",
                        *[f"{INTEROP}/{test}" for test in tests]],
                       cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=3600)
        outcomes = {}
        for case in ElementTree.parse(report).iter("testcase"):
            module = case.get("classname", "").rsplit(".", 1)[-1]
            name = f"{module}.py::{case.get('name')}"
            if case.find("skipped") is not None:
                outcomes[name] = "skipped"
            elif case.find("failure") is not None or case.find("error") is not None:
                outcomes[name] = "failed"
            else:
                outcomes[name] = "passed"
        return outcomes


def covers(spec: str, name: str) -> bool:
    """Whether the test spec (`file.py` or `file.py::test`) names the test case `name` (its parameters too)."""
    if "::" in spec:
        return name == spec or name.startswith(spec + "[")
    return name.startswith(spec + "::")


def row_outcome(tests: list[str], outcomes: dict[str, str]) -> str:
    mine = [outcome for name, outcome in outcomes.items() if any(covers(spec, name) for spec in tests)]
    ran = [outcome for outcome in mine if outcome != "skipped"]
    if not mine:
        return "not run"
    if not ran:
        return "skipped"
    failed = ran.count("failed")
    return "held" if failed == 0 else f"**failed {failed} of {len(ran)}**"


def table(now: dict[str, str], base: dict[str, str] | None) -> str:
    header = "| # | What the probe found | Tests (`Tests/Interop/`) | " + ("5e28e55 | " if base is not None else "") + "Now | In process |"
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for row, problem, tests, swift in ROWS:
        names = "<br>".join(f"`{test}`" for test in tests) or "—"
        cells = [str(row), problem, names]
        if base is not None:
            cells.append(row_outcome(tests, base) if tests else "—")
        cells.append(row_outcome(tests, now) if tests else "—")
        cells.append(swift or "—")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", type=Path, default=REPO / ".build" / "debug" / "copilot-swift")
    parser.add_argument("--base", type=Path, help="an older build to run the same probes against")
    parser.add_argument("--write", type=Path, help="replace the probe table in this file")
    args = parser.parse_args()
    tests = sorted({test for _, _, row_tests, _ in ROWS for test in row_tests})
    now = run_tests(args.binary, tests)
    base = run_tests(args.base, tests) if args.base else None
    text = table(now, base)
    print(text)
    if args.write:
        begin, end = "<!-- probe table: begin -->", "<!-- probe table: end -->"
        document = args.write.read_text()
        start, stop = document.index(begin) + len(begin), document.index(end)
        args.write.write_text(document[:start] + "\n" + text + "\n" + document[stop:])
    return 0 if all(row_outcome(row_tests, now) in ("held", "skipped") for _, _, row_tests, _ in ROWS if row_tests) else 1


if __name__ == "__main__":
    sys.exit(main())
