"""llmock's fault list × the three wires, as scripts/reliability.py runs it for RELIABILITY.md: every
cell must get the verdict, the number of model calls and the exit it expects, with exactly one
answer on stdout (nothing, when the call cannot succeed)."""
import importlib.util
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "reliability.py"
spec = importlib.util.spec_from_file_location("reliability", SCRIPT)
reliability = importlib.util.module_from_spec(spec)
sys.modules["reliability"] = reliability  # dataclasses look their module up there
spec.loader.exec_module(reliability)


@pytest.fixture(scope="module")
def mock():
    server = reliability.LLMock()
    yield server
    server.stop()


@pytest.mark.parametrize("wire", reliability.WIRES)
@pytest.mark.parametrize("cell", reliability.CELLS, ids=lambda cell: cell.name)
def test_fault(mock, cli_binary, cell, wire):
    outcome = reliability.run_cell(cli_binary, mock, wire, cell)
    assert outcome.verdict == cell.verdict
    assert outcome.calls == cell.calls
    assert (outcome.exit_code == 0) == cell.succeeds, outcome.stderr
    if cell.succeeds:
        assert outcome.stdout == reliability.ANSWER + "\n"
    else:
        assert outcome.stdout == "" and outcome.stderr.strip()
